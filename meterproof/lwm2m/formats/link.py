"""CoRE Link Format (Content-Format 40, ``application/link-format``) with LwM2M attributes.

Follows RFC 6690 §2 (ABNF ``Link = link-value *("," link-value)``, ``link-value = "<"
URI-Reference ">" *(";" link-param)``, ``link-param = parmname ["=" (ptoken / quoted-string)]``)
as used by LwM2M Register/Update payloads (TS Core 1.1 §6.2.1), Discover responses (§6.3.2,
§5.4.x) and Bootstrap-Discover (§6.1.7.3), with the LwM2M attributes of TS Core 1.1 §7.3.2 / 5.1.2
(``pmin``, ``pmax``, ``gt``, ``lt``, ``st``, ``epmin``, ``epmax``, ``dim``, ``ssid``, ``uri``,
``ver``, ``lwm2m``, ``ct``, ``rt``).

Leniency, on purpose: whitespace after a comma (every TS Core example has it) and around
separators is skipped; parameter values may be quoted or not; valueless parameters (``;Q``)
map to ``None``.  A parameter that appears twice in one link is rejected (RFC 6690 §3.1-3.3
say ``rt``, ``if``, ``sz`` MUST NOT appear more than once; LwM2M attributes are single-valued).
This is not a value-tree codec and is not in the format registry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Union

from ...errors import FormatError

AttributeValue = Union[int, float, str, tuple[int, ...], None]


@dataclass(frozen=True)
class Link:
    """One link-value: its target (``/3/0``) and parameters (order does not matter)."""

    target: str
    params: dict[str, str | None] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.target, tuple(sorted(self.params.items(), key=lambda kv: kv[0]))))


# RFC 5988 parmname = 1*attr-char (RFC 5987 attr-char), plus "*" for extended names
_PARMNAME = re.compile(r"[A-Za-z0-9!#$&+\-.^_`|~*]+")
# RFC 6690 ptoken = 1*ptokenchar
_PTOKEN = re.compile(r"[!#$%&'()*+\-./0-9:<=>?@A-Z\[\]^_`a-z{|}~]+")
_QUOTED = re.compile(r'"((?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[\x09\x20-\x7e\x80-\U0010ffff])*)"')
# URI-Reference characters (RFC 3986): unreserved, reserved, "%"; no space, "<", ">", quotes
_TARGET = re.compile(r"<([A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*)>")
_WS = " \t\r\n"
_INT_ATTRS = frozenset(("pmin", "pmax", "epmin", "epmax", "dim", "ssid", "sz", "edge", "con", "hqmax"))
_FLOAT_ATTRS = frozenset(("gt", "lt", "st"))
_NUM = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_UINT = re.compile(r"[0-9]+\Z")


def _skip_ws(s: str, i: int) -> int:
    n = len(s)
    while i < n and s[i] in _WS:
        i += 1
    return i


def parse(text: str | bytes) -> list[Link]:
    """Parse a link-format document; FormatError on anything RFC 6690 does not allow."""
    if isinstance(text, (bytes, bytearray, memoryview)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise FormatError("link format payload is not UTF-8") from None
    if not isinstance(text, str):
        raise FormatError(f"not link-format text: {type(text).__name__}")
    s = text
    n = len(s)
    links: list[Link] = []
    i = _skip_ws(s, 0)
    if i == n:
        return links
    while True:
        m = _TARGET.match(s, i)
        if not m:
            raise FormatError(f"expected '<URI-Reference>' at offset {i}: {s[i:i + 30]!r}")
        target = m.group(1)
        i = _skip_ws(s, m.end())
        params: dict[str, str | None] = {}
        while i < n and s[i] == ";":
            i = _skip_ws(s, i + 1)
            m = _PARMNAME.match(s, i)
            if not m:
                raise FormatError(f"expected a parameter name at offset {i}: {s[i:i + 30]!r}")
            name = m.group(0)
            i = _skip_ws(s, m.end())
            value: str | None = None
            if i < n and s[i] == "=":
                i = _skip_ws(s, i + 1)
                if i < n and s[i] == '"':
                    m = _QUOTED.match(s, i)
                    if not m:
                        raise FormatError(f"unterminated quoted-string at offset {i}")
                    value = re.sub(r"\\(.)", r"\1", m.group(1))
                else:
                    m = _PTOKEN.match(s, i)
                    if not m:
                        raise FormatError(f"expected a parameter value at offset {i}: {s[i:i + 30]!r}")
                    value = m.group(0)
                i = _skip_ws(s, m.end())
            if name in params:
                raise FormatError(f"parameter {name!r} appears twice in link <{target}>")
            params[name] = value
        links.append(Link(target, params))
        if i == n:
            return links
        if s[i] != ",":
            raise FormatError(f"expected ',' or ';' at offset {i}: {s[i:i + 30]!r}")
        i = _skip_ws(s, i + 1)
        if i == n:
            raise FormatError("trailing ',' after the last link")


# RFC 6690 §2 relation-types (rt, if) may be a bare token, but TS Core 1.1 §6.2.1 writes
# ``</>;rt="oma.lwm2m"`` and servers compare that literally (Wakaama's registration parser
# rejects ``rt=oma.lwm2m`` with 4.00), so these two are always sent as a quoted-string.
_ALWAYS_QUOTED = frozenset(("rt", "if"))


def _format_value(v: str, quote: bool = False) -> str:
    if not quote and _PTOKEN.fullmatch(v):
        return v
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format(links: Iterable[Link]) -> str:  # noqa: A001 - the module's verb, mirrors parse
    """Serialise links: ``</3/0>;ver=1.1,</1/0>``; values quoted only when they must be, and
    ``rt`` / ``if`` always (``</>;rt="oma.lwm2m"``, as TS Core 1.1 §6.2.1 writes it)."""
    out = []
    for link in links:
        if not _TARGET.fullmatch(f"<{link.target}>"):
            raise FormatError(f"not a URI-Reference: {link.target!r}")
        parts = [f"<{link.target}>"]
        for name, value in link.params.items():
            if not _PARMNAME.fullmatch(name):
                raise FormatError(f"not a link parameter name: {name!r}")
            parts.append(name if value is None else f"{name}={_format_value(value, name in _ALWAYS_QUOTED)}")
        out.append(";".join(parts))
    return ",".join(out)


def parse_attribute_value(name: str, value: str | None) -> AttributeValue:
    """Type an LwM2M attribute value (TS Core 1.1 §7.3.2 / 1.2 §5.1.2).

    Integer attributes (pmin, pmax, epmin, epmax, dim, ssid, ...) -> int; gt, lt, st ->
    float; ``ct`` -> tuple of Content-Format numbers (``"110 112"`` lists several); anything
    else (ver, lwm2m, uri, rt, ...) -> the string.  A valueless attribute -> None.
    """
    if value is None:
        return None
    if name in _INT_ATTRS:
        if not _UINT.match(value) or len(value) > 20:
            raise FormatError(f"attribute {name} needs an unsigned integer, got {value!r:.40}")
        return int(value)
    if name in _FLOAT_ATTRS:
        if not _NUM.match(value) or len(value) > 60:
            raise FormatError(f"attribute {name} needs a number, got {value!r:.40}")
        return float(value)
    if name == "ct":
        parts = value.split(" ")
        if not all(_UINT.match(p) and len(p) <= 5 and int(p) <= 65535 for p in parts):
            raise FormatError(f"ct needs Content-Format numbers, got {value!r:.40}")
        return tuple(int(p) for p in parts)
    return value


__all__ = ["Link", "parse", "format", "parse_attribute_value"]
