"""Device profiles: what a device under test declares it supports, and applicability rules.

A profile is a YAML file (one per device).  It plays the role of the PICS of
ISO 9646 and of tlsfuzzer's per-implementation run plans: it says which
features the device claims, so a case the device does not claim is *not
applicable* (with the reason) instead of failed, and it carries waivers, each
with a written reason.

Every validation error is one line that names the field and what to write::

    profile sim.yaml: lwm2m_version: must be one of 1.0, 1.1, 1.2 (got '2.0')
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

import yaml

from .errors import ConfigError
from .lwm2m.contentformat import CF

VERSIONS = ("1.0", "1.1", "1.2")
TRIGGERS = ("reboot", "power-cycle", "factory-reset", "start-registration", "trigger-update", "trigger-send",
            "set-value")
FEATURES = ("queue-mode", "send", "composite", "firmware-push", "firmware-pull", "software-management",
            "create-delete", "bootstrap")
DRIVERS = ("simulator", "process", "modem", "manual")
_CF_NAMES = {"text": CF.TEXT, "opaque": CF.OPAQUE, "cbor": CF.CBOR, "tlv": CF.TLV, "json": CF.OMA_JSON,
             "oma-json": CF.OMA_JSON, "senml-json": CF.SENML_JSON, "senml-cbor": CF.SENML_CBOR,
             "lwm2m-cbor": CF.LWM2M_CBOR, "link": CF.LINK}


@dataclass(frozen=True, slots=True)
class Waiver:
    case: str
    reason: str


@dataclass(slots=True)
class Profile:
    name: str
    endpoint: str
    lwm2m_version: str
    bindings: tuple[str, ...] = ("U",)
    content_formats: tuple[int, ...] = ()
    objects: tuple[int, ...] = ()
    features: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()
    driver: str = "simulator"
    driver_options: dict[str, Any] = field(default_factory=dict)
    security_mode: str = "nosec"
    time_scale: float = 1.0
    waivers: tuple[Waiver, ...] = ()
    ddf_dirs: tuple[str, ...] = ()
    source: str = "<built-in>"
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """SHA-256 of the canonical profile content, secrets excluded (goes into the report)."""
        clean = _redact(self.raw)
        return hashlib.sha256(json.dumps(clean, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def claims_format(self, cf: int) -> bool:
        return cf in self.content_formats

    def claims(self, feature: str) -> bool:
        return feature in self.features

    def offers(self, trigger: str) -> bool:
        return trigger in self.triggers

    def waiver(self, case_id: str) -> Waiver | None:
        for w in self.waivers:
            if w.case == case_id or case_id.endswith(w.case):
                return w
        return None

    def version_at_least(self, v: str) -> bool:
        return tuple(int(x) for x in self.lwm2m_version.split(".")) >= tuple(int(x) for x in v.split("."))


def _redact(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: ("<redacted>" if any(s in k.lower() for s in ("key", "secret", "password", "psk"))
                    and k.lower() != "psk_identity" else _redact(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_redact(v) for v in obj]
    return obj


def _err(src: str, field_: str, msg: str) -> ConfigError:
    return ConfigError(f"profile {src}: {field_}: {msg}")


def _str(d: dict[str, Any], key: str, src: str, default: str | None = None, where: str = "") -> str:
    v = d.get(key, default)
    name = f"{where}{key}"
    if v is None:
        raise _err(src, name, "is required")
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        v = str(v)
    if not isinstance(v, str) or not v.strip():
        raise _err(src, name, f"must be a non-empty string (got {v!r})")
    return v


def _list(d: dict[str, Any], key: str, src: str, allowed: tuple[str, ...] | None = None,
          where: str = "") -> tuple[Any, ...]:
    v = d.get(key, [])
    if v is None:
        return ()
    if not isinstance(v, list):
        raise _err(src, f"{where}{key}", f"must be a list (got {type(v).__name__})")
    if allowed is not None:
        for item in v:
            if item not in allowed:
                raise _err(src, f"{where}{key}", f"unknown entry {item!r}; allowed: {', '.join(allowed)}")
    return tuple(v)


def from_dict(d: Any, src: str = "<dict>") -> Profile:
    if not isinstance(d, dict):
        raise _err(src, "(top level)", "must be a mapping of fields (name, endpoint, lwm2m_version, ...)")
    known = {"name", "endpoint", "lwm2m_version", "bindings", "content_formats", "objects", "features", "triggers",
             "driver", "security", "timing", "waivers", "ddf_dirs"}
    for k in d:
        if k not in known:
            raise _err(src, str(k), f"unknown field; known fields: {', '.join(sorted(known))}")
    name = _str(d, "name", src)
    endpoint = _str(d, "endpoint", src)
    version = _str(d, "lwm2m_version", src)
    if version not in VERSIONS:
        raise _err(src, "lwm2m_version", f"must be one of {', '.join(VERSIONS)} (got {version!r})")
    cfs: list[int] = []
    for item in _list(d, "content_formats", src):
        if isinstance(item, int) and not isinstance(item, bool):
            cfs.append(item)
        elif isinstance(item, str) and item.lower() in _CF_NAMES:
            cfs.append(int(_CF_NAMES[item.lower()]))
        else:
            raise _err(src, "content_formats", f"unknown format {item!r}; use a number or one of "
                       f"{', '.join(_CF_NAMES)}")
    objs = _list(d, "objects", src)
    for o in objs:
        if not isinstance(o, int) or isinstance(o, bool) or not 0 <= o <= 65535:
            raise _err(src, "objects", f"object ids are integers 0..65535 (got {o!r})")
    drv = d.get("driver", {"type": "simulator"})
    if isinstance(drv, str):
        drv = {"type": drv}
    if not isinstance(drv, dict):
        raise _err(src, "driver", "must be a mapping with at least 'type'")
    dtype = _str(drv, "type", src, "simulator", where="driver.")
    if dtype not in DRIVERS:
        raise _err(src, "driver.type", f"must be one of {', '.join(DRIVERS)} (got {dtype!r})")
    sec = d.get("security", {}) or {}
    if not isinstance(sec, dict):
        raise _err(src, "security", "must be a mapping (mode: nosec|psk|certificate|bootstrap)")
    mode = _str(sec, "mode", src, "nosec", where="security.")
    if mode not in ("nosec", "psk", "certificate", "rpk", "bootstrap"):
        raise _err(src, "security.mode", f"must be nosec, psk, certificate, rpk or bootstrap (got {mode!r})")
    timing = d.get("timing", {}) or {}
    if not isinstance(timing, dict):
        raise _err(src, "timing", "must be a mapping (scale: <number>)")
    scale = timing.get("scale", 1.0)
    if not isinstance(scale, (int, float)) or isinstance(scale, bool) or scale <= 0:
        raise _err(src, "timing.scale", f"must be a positive number (got {scale!r})")
    waivers: list[Waiver] = []
    for i, w in enumerate(_list(d, "waivers", src)):
        if not isinstance(w, dict) or not w.get("case") or not w.get("reason"):
            raise _err(src, f"waivers[{i}]", "needs 'case' (an ETS or MP id) and 'reason' (why it is waived)")
        waivers.append(Waiver(str(w["case"]), str(w["reason"])))
    return Profile(
        name=name, endpoint=endpoint, lwm2m_version=version,
        bindings=tuple(str(b) for b in _list(d, "bindings", src)) or ("U",),
        content_formats=tuple(cfs), objects=tuple(objs),
        features=_list(d, "features", src, FEATURES), triggers=_list(d, "triggers", src, TRIGGERS),
        driver=dtype, driver_options={k: v for k, v in drv.items() if k != "type"},
        security_mode=mode, time_scale=float(scale), waivers=tuple(waivers),
        ddf_dirs=tuple(str(x) for x in _list(d, "ddf_dirs", src)), source=src, raw=d)


def load(path: str | FsPath) -> Profile:
    p = FsPath(path)
    if not p.is_file():
        raise ConfigError(f"profile {p}: file not found; pass --dut-profile with the path of a device profile "
                          f"(examples in fixtures/profiles/)")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "?"
        raise ConfigError(f"profile {p}: {where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"profile {p}: not UTF-8 text") from None
    return from_dict(data, str(p))


BUILTIN_DIR = FsPath(__file__).resolve().parents[1] / "fixtures" / "profiles"


def builtin(meter: str = "electricity", version: str = "1.1") -> Profile:
    """The profile of the built-in simulated meter."""
    return load(BUILTIN_DIR / f"sim-{meter}-{version.replace('.', '_')}.yaml")
