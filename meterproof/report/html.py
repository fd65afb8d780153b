"""HTML that cannot be injected: every text is escaped unless it was built here.

A device's answers end up in a report (its manufacturer string, a value it returned), and a device under test
is not trusted: ``<script>`` in a manufacturer name must show as text.  So HTML is built from :func:`el`, which
escapes every string child and attribute value, and only :class:`Markup` (what :func:`el` returns) passes
unescaped.  ``href``/``src`` values are checked by :func:`safe_url` (http, https, a fragment or a relative
path; ``javascript:`` and the like become ``#``).
"""

from __future__ import annotations

import html
import re
from typing import Iterable, Union


class Markup(str):
    """HTML built by this module: inserted as it is."""


Child = Union[str, Markup, int, float, None, Iterable["Child"]]

_SCHEME = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.-]*\s*:")
_VOID = {"br", "hr", "meta", "img", "input", "link"}


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def safe_url(url: str) -> str:
    """``url`` when it is http(s), a fragment or a relative path; "#" otherwise (``javascript:``, ``data:``,
    a protocol-relative ``//host``)."""
    url = str(url).strip()
    if url.startswith(("http://", "https://", "#")):
        return url
    if _SCHEME.match(url) or url.startswith(("//", "\\")):
        return "#"
    return url


def _render(child: Child, out: list[str]) -> None:
    if child is None or child is False:
        return
    if isinstance(child, Markup):
        out.append(child)
    elif isinstance(child, (str, int, float)):
        out.append(esc(child))
    else:
        for c in child:
            _render(c, out)


def el(tag: str, attrs: dict[str, object] | None = None, *children: Child) -> Markup:
    """``<tag attrs>children</tag>``: attribute values and text escaped, Markup children kept."""
    parts = [f"<{tag}"]
    for k, v in (attrs or {}).items():
        if v is None or v is False:
            continue
        name = k.rstrip("_").replace("_", "-")
        if v is True:
            parts.append(f" {name}")
            continue
        value = safe_url(str(v)) if name in ("href", "src") else str(v)
        parts.append(f' {name}="{esc(value)}"')
    parts.append(">")
    if tag in _VOID:
        return Markup("".join(parts))
    out: list[str] = []
    for c in children:
        _render(c, out)
    return Markup("".join(parts) + "".join(out) + f"</{tag}>")


def join(children: Iterable[Child]) -> Markup:
    out: list[str] = []
    _render(list(children), out)
    return Markup("".join(out))


def raw(trusted: str) -> Markup:
    """Mark a constant of this program (a style sheet, an SVG built by :mod:`.svg`) as HTML."""
    return Markup(trusted)
