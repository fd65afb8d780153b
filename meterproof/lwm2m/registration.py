"""Registration interface records and the rules for Register / Update query parameters.

Facts from OMA TS Core 1.1 §6.2 (Table 6.2.1-1 "Register" parameters) and the
1.0 / 1.2 differences noted in ../shared/reference/oma-ets-cases.md §3.2:
``ep``, ``lt`` (default 86400), ``lwm2m`` (1.0 when absent), ``b`` (default U;
1.0 spells queue mode inside it, 1.1+ uses the separate valueless ``Q``),
``sms``, ``Q`` (1.1+) and ``pid`` (1.2).  The server answers 4.00 to a
malformed parameter and 4.12 to an LwM2M version it does not support.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from ..errors import FormatError
from .formats import link as linkformat
from .path import Path

SUPPORTED_VERSIONS = ("1.0", "1.1", "1.2")
DEFAULT_LIFETIME = 86400
BINDINGS_1_0 = {"U", "UQ", "S", "SQ", "US", "UQS"}
BINDING_LETTERS_1_1 = set("UTSN")
BINDING_LETTERS_1_2 = set("UTSNMH")


class RegistrationRejected(Exception):
    """A Register/Update the server refuses; carries the CoAP code to answer."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code      # "4.00", "4.03", "4.04", "4.12", "5.03"
        self.reason = reason


@dataclass(slots=True)
class Query:
    """Register/Update URI query as sent, plus what we understood from it."""

    raw: tuple[str, ...]
    params: dict[str, str | None]
    duplicates: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, items: Iterable[str]) -> "Query":
        raw = tuple(items)
        params: dict[str, str | None] = {}
        dups: list[str] = []
        for item in raw:
            name, sep, value = item.partition("=")
            if name in params:
                dups.append(name)
            params[name] = value if sep else None
        return cls(raw, params, dups)


@dataclass(slots=True)
class ObjectLink:
    """One entry of the Register payload: ``</3/0>`` or ``</3>;ver=1.1``."""

    path: Path
    params: dict[str, str | None]

    @property
    def version(self) -> str | None:
        v = self.params.get("ver")
        return v.strip('"') if v else None


@dataclass(slots=True)
class ObjectList:
    root: str                      # alternate path ("/" unless </...>;rt="oma.lwm2m")
    links: list[ObjectLink]
    content_formats: list[int]     # from </>;ct=...
    unparsed: list[str]            # link targets that are not LwM2M paths

    @property
    def objects(self) -> dict[int, str | None]:
        """Object id -> declared version (None when not declared)."""
        out: dict[int, str | None] = {}
        for lk in self.links:
            oid = lk.path.object_id
            if oid is None:
                continue
            if lk.path.is_object or oid not in out:
                out[oid] = lk.version if lk.path.is_object else out.get(oid)
        return out

    @property
    def instances(self) -> list[Path]:
        return [lk.path for lk in self.links if lk.path.is_instance]

    def has(self, path: Path | str) -> bool:
        p = Path.parse(path)
        return any(lk.path == p for lk in self.links)

    @classmethod
    def parse(cls, payload: bytes) -> "ObjectList":
        try:
            links = linkformat.parse(payload)
        except FormatError as exc:
            raise RegistrationRejected("4.00", f"object list is not CoRE link format: {exc}") from None
        root = "/"
        cts: list[int] = []
        for lk in links:
            rt = (lk.params.get("rt") or "").strip('"')
            if rt == "oma.lwm2m":
                root = lk.target.rstrip("/") or "/"
                ct = lk.params.get("ct")
                if ct:
                    for tok in ct.strip('"').split():
                        if tok.isdigit():
                            cts.append(int(tok))
        out: list[ObjectLink] = []
        unparsed: list[str] = []
        for lk in links:
            target = lk.target
            if root != "/" and target.startswith(root + "/"):
                target = target[len(root):]
            if target in ("/", root) or (lk.params.get("rt") or "").strip('"') == "oma.lwm2m":
                if target == "/" and lk.params.get("ct"):
                    for tok in (lk.params.get("ct") or "").strip('"').split():
                        if tok.isdigit() and int(tok) not in cts:
                            cts.append(int(tok))
                continue
            try:
                out.append(ObjectLink(Path.parse(target), dict(lk.params)))
            except FormatError:
                unparsed.append(lk.target)
        return cls(root, out, cts, unparsed)


@dataclass(slots=True)
class Registration:
    """What the server knows of one registered client."""

    endpoint: str
    location: str                  # "/rd/ab12cd"
    remote: object
    lifetime: int
    lwm2m_version: str
    binding: str
    queue_mode: bool
    sms: str | None
    pid: str | None
    objects: ObjectList
    query: Query
    registered_at: float           # loop time
    updated_at: float
    expires_at: float
    awake_until: float
    updates: int = 0
    content_format: int | None = None   # the Register payload's Content-Format option (None: not given)

    @property
    def root(self) -> str:
        return self.objects.root

    def device_path(self, path: Path) -> tuple[str, ...]:
        """Uri-Path segments for ``path`` honouring the alternate path."""
        prefix = tuple(s for s in self.root.split("/") if s)
        return prefix + path.uri_path


def check_version(q: Query) -> str:
    """The release a Register names, as "major.minor" (1.0 when ``lwm2m`` is absent: TS 1.0 §5.3.1).

    TS Core 1.1 §6.2.1: the server MUST refuse (4.12) a client whose major digit differs from its own, or whose
    version is above the newest it supports; any other value is accepted.  A spelling with a patch digit
    ("1.0.0", "1.1.1") names the release it belongs to; :func:`canonical_version` tells whether it was spelled
    as the TS writes it."""
    v = q.params.get("lwm2m", "1.0") if "lwm2m" in q.params else "1.0"
    if v is None or v == "":
        raise RegistrationRejected("4.00", "lwm2m parameter without a value")
    parts = v.split(".")
    if len(parts) < 2 or not all(p.isdigit() for p in parts):
        raise RegistrationRejected("4.00", f"lwm2m must be a version such as 1.1 (got {v!r})")
    release = f"{int(parts[0])}.{int(parts[1])}"
    newest = max(SUPPORTED_VERSIONS, key=_vkey)
    if release not in SUPPORTED_VERSIONS or _vkey(release) > _vkey(newest):
        raise RegistrationRejected("4.12", f"unsupported LwM2M version {v!r} (server supports "
                                   f"{', '.join(SUPPORTED_VERSIONS)})")
    return release


def canonical_version(q: Query) -> bool:
    """Whether the ``lwm2m`` parameter is spelled "major.minor" as the TS writes the release (or absent)."""
    v = q.params.get("lwm2m")
    return v is None or (v.count(".") == 1 and all(p.isdigit() for p in v.split(".")))


def _vkey(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.split("."))


def check_lifetime(value: str | None) -> int:
    if value is None or not value.isdigit():
        raise RegistrationRejected("4.00", f"lt must be a non-negative integer, got {value!r}")
    return int(value)


def check_binding(value: str | None, version: str) -> tuple[str, bool]:
    """Validate ``b`` for the client's version; returns (binding, queue-mode-inside-b)."""
    if value is None or value == "":
        raise RegistrationRejected("4.00", "b parameter without a value")
    if version == "1.0":
        if value not in BINDINGS_1_0:
            raise RegistrationRejected("4.00", f"binding {value!r} is not a LwM2M 1.0 binding mode "
                                       f"({', '.join(sorted(BINDINGS_1_0))})")
        return value, "Q" in value
    letters = BINDING_LETTERS_1_2 if version == "1.2" else BINDING_LETTERS_1_1
    if any(ch not in letters for ch in value) or len(set(value)) != len(value):
        raise RegistrationRejected("4.00", f"binding {value!r} is not valid for LwM2M {version} "
                                   f"(letters {''.join(sorted(letters))}, each once; Q is a separate parameter)")
    return value, False


def check_register(q: Query) -> dict[str, object]:
    """Validate a Register query; returns the parsed fields or raises RegistrationRejected."""
    if q.duplicates:
        raise RegistrationRejected("4.00", f"repeated query parameter(s): {', '.join(q.duplicates)}")
    version = check_version(q)
    ep = q.params.get("ep")
    if "ep" not in q.params or not ep:
        raise RegistrationRejected("4.00", "Register without an endpoint name (ep)")
    lifetime = check_lifetime(q.params["lt"]) if "lt" in q.params else DEFAULT_LIFETIME
    binding, q_in_b = check_binding(q.params["b"], version) if "b" in q.params else ("U", False)
    queue = q_in_b
    if "Q" in q.params:
        if version == "1.0":
            raise RegistrationRejected("4.00", "the Q parameter does not exist in LwM2M 1.0 (use b=UQ)")
        if q.params["Q"] is not None:
            raise RegistrationRejected("4.00", "Q takes no value")
        queue = True
    pid = q.params.get("pid")
    if "pid" in q.params and version != "1.2":
        raise RegistrationRejected("4.00", "pid is a LwM2M 1.2 parameter")
    return {"endpoint": ep, "lifetime": lifetime, "version": version, "binding": binding, "queue": queue,
            "sms": q.params.get("sms"), "pid": pid}


def check_update(q: Query, version: str) -> dict[str, object]:
    if q.duplicates:
        raise RegistrationRejected("4.00", f"repeated query parameter(s): {', '.join(q.duplicates)}")
    out: dict[str, object] = {}
    if "lt" in q.params:
        out["lifetime"] = check_lifetime(q.params["lt"])
    if "b" in q.params:
        out["binding"], q_in_b = check_binding(q.params["b"], version)
        if version == "1.0":
            out["queue"] = q_in_b
    if "Q" in q.params and version != "1.0":
        out["queue"] = True
    if "sms" in q.params:
        out["sms"] = q.params["sms"]
    for forbidden in ("ep", "lwm2m"):
        if forbidden in q.params:
            raise RegistrationRejected("4.00", f"{forbidden} may not be changed by an Update")
    return out
