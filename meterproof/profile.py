"""Device profiles: what a device under test declares it supports, how to drive it, and applicability rules.

A profile is a YAML file (one per device).  It plays the role of the PICS of
ISO 9646 and of tlsfuzzer's per-implementation run plans: it says which
features the device claims, so a case the device does not claim is *not
applicable* (with the reason) instead of failed, and it carries waivers, each
with a written reason.  It also says how meterproof reaches the device: its
identity and credentials and the driver (built-in simulator, an external
client command, an AT-command modem on a serial port, or an operator).

Every validation error is one line that names the field and what to write::

    profile sim.yaml: lwm2m_version: must be one of 1.0, 1.1, 1.2 (got '2.0')

The full schema, field by field, is in ``docs/DEVICES.md``; the examples are
``fixtures/profiles/*.yaml`` (the built-in simulator) and
``fixtures/profiles/examples/*.yaml`` (process, modem, virtual modem, manual).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import string
from dataclasses import dataclass, field, replace
from pathlib import Path as FsPath
from typing import Any

import yaml

from ._resources import profiles_dir
from .errors import ConfigError
from .lwm2m.contentformat import CF

VERSIONS = ("1.0", "1.1", "1.2")
TRIGGERS = ("reboot", "power-cycle", "factory-reset", "start-registration", "trigger-update", "trigger-send",
            "set-value")
FEATURES = ("queue-mode", "send", "composite", "firmware-push", "firmware-pull", "software-management",
            "create-delete", "bootstrap", "bootstrap-pack")
DRIVERS = ("simulator", "process", "modem", "manual")
SECURITY_MODES = ("nosec", "psk", "rpk", "certificate")
PROVISIONING = ("profile", "bootstrap")
METERS = ("electricity", "gas", "water")
#: placeholders a process driver's command line may use
PROCESS_PLACEHOLDERS = ("server_uri", "server_host", "server_port", "endpoint", "psk_identity", "psk_key",
                        "bootstrap_uri", "bootstrap_host", "bootstrap_port", "state_dir")
ENDPOINT_PLACEHOLDERS = ("n", "worker")
BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 1000000)
#: bindings a device may declare: LwM2M 1.0 (TS 1.0 §5.3.1.1) and 1.1+ (U, S, N, T plus Q for queue mode)
BINDINGS_10 = ("U", "UQ", "S", "SQ", "US", "UQS")
_BINDING_11 = re.compile(r"^(?!.*(.).*\1)[USNTQ]{1,5}$")
_CF_NAMES = {"text": CF.TEXT, "opaque": CF.OPAQUE, "cbor": CF.CBOR, "tlv": CF.TLV, "json": CF.OMA_JSON,
             "oma-json": CF.OMA_JSON, "senml-json": CF.SENML_JSON, "senml-cbor": CF.SENML_CBOR,
             "lwm2m-cbor": CF.LWM2M_CBOR, "link": CF.LINK}
_TOP = ("name", "endpoint", "identity", "lwm2m_version", "bindings", "content_formats", "objects", "features",
        "triggers", "driver", "security", "timing", "waivers", "ddf_dirs", "firmware")
_SECRET_WORDS = ("key", "secret", "password", "psk")


@dataclass(frozen=True, slots=True)
class Waiver:
    case: str
    reason: str


@dataclass(frozen=True, slots=True)
class Security:
    """How the device secures its channel, and who puts the credentials in it.

    ``provisioning: profile`` — the credentials below are already in the device
    (or the driver writes them: the process command's ``{psk_key}``, the modem
    family's ``set_credentials``); ``bootstrap`` — meterproof's Bootstrap-Server
    provisions them, so the driver only gives the device ``{bootstrap_uri}``.
    """

    mode: str = "nosec"
    provisioning: str = "profile"
    psk_identity: str | None = None
    psk_key: bytes | None = field(default=None, repr=False)
    certificate: str | None = None
    private_key: str | None = field(default=None, repr=False)
    server_certificate: str | None = None

    def identity_for(self, endpoint: str) -> str | None:
        return self.psk_identity.replace("{endpoint}", endpoint) if self.psk_identity else None

    def secrets(self) -> list[bytes]:
        """What a Redactor must mask (the key itself; a private key file's content is never read here)."""
        return [self.psk_key] if self.psk_key else []

    def fingerprint(self) -> str | None:
        """A short one-way fingerprint of the key (for uniqueness checks across devices; never the key)."""
        return hashlib.sha256(b"meterproof-psk:" + self.psk_key).hexdigest()[:16] if self.psk_key else None


#: What a firmware image of a profile is for (``firmware.images[].role``): the firmware cases pick by role.
FIRMWARE_ROLES = ("newer", "older", "current", "corrupt", "unsupported")
#: ``firmware.image_format: meterproof-sim`` -- the device is meterproof's own simulated meter, whose images
#: meterproof builds on demand (meterproof.sim.firmware_image); every other device lists its real images.
SIM_IMAGE_FORMAT = "meterproof-sim"


@dataclass(frozen=True, slots=True)
class FirmwareImage:
    name: str
    file: str
    version: str = ""
    expect: str = "accept"   # accept: the device installs it; reject: it must refuse it (corrupt, unsigned, ...)
    role: str = "newer"      # newer | older | current | corrupt | unsupported (FIRMWARE_ROLES)


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
    security: Security = field(default_factory=Security)
    firmware: tuple[FirmwareImage, ...] = ()
    firmware_delivery: tuple[str, ...] = ()
    firmware_image_format: str | None = None   # "meterproof-sim": images built on demand (the simulator)
    transmission: str = "default"          # "default" (RFC 7252 §4.8) or "loopback" (fast, for local clients)
    registration_timeout: float | None = None
    identity: dict[str, str] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """SHA-256 of the canonical profile content, secrets excluded (goes into the report)."""
        clean = _redact(self.raw)
        return hashlib.sha256(json.dumps(clean, sort_keys=True, default=str).encode()).hexdigest()[:16]

    base_dir: FsPath = field(default_factory=FsPath.cwd)

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

    def endpoint_for(self, n: str | int, worker: str = "") -> str:
        """The endpoint client name of one device start (``{n}`` and ``{worker}`` filled in)."""
        return self.endpoint.replace("{n}", str(n)).replace("{worker}", worker)

    def with_driver(self, dtype: str, **options: Any) -> "Profile":
        """A copy driven differently (the ``--dut "<command>"`` shortcut); the claims stay."""
        raw = dict(self.raw)
        raw["driver"] = {"type": dtype, **options}
        return from_dict(raw, self.source + f" (driver: {dtype})", base_dir=self.base_dir)


def _redact(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: ("<redacted>" if any(s in str(k).lower() for s in _SECRET_WORDS)
                    and str(k).lower() not in ("psk_identity", "psk_key_env") else _redact(v))
                for k, v in obj.items()}
    if isinstance(obj, list):
        return [_redact(v) for v in obj]
    return obj


class _Check:
    """Validation helpers bound to one profile source, so every error names file and field."""

    def __init__(self, src: str, base: FsPath) -> None:
        self.src = src
        self.base = base

    def err(self, field_: str, msg: str) -> ConfigError:
        return ConfigError(f"profile {self.src}: {field_}: {msg}")

    def mapping(self, v: Any, name: str, what: str) -> dict[str, Any]:
        if v is None:
            return {}
        if not isinstance(v, dict):
            raise self.err(name, f"must be a mapping ({what}), got {type(v).__name__}")
        return v

    def known(self, d: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
        for k in d:
            if k not in allowed:
                raise self.err(f"{where}{k}", f"unknown field; known fields here: {', '.join(allowed)}")

    def str_(self, d: dict[str, Any], key: str, default: str | None = None, where: str = "",
             hint: str = "") -> str:
        v = d.get(key, default)
        name = f"{where}{key}"
        if v is None:
            raise self.err(name, "is required" + (f"; write {hint}" if hint else ""))
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            v = str(v)
        if not isinstance(v, str) or not v.strip():
            raise self.err(name, f"must be a non-empty string{f' ({hint})' if hint else ''} (got {v!r})")
        return v

    def opt_str(self, d: dict[str, Any], key: str, where: str = "") -> str | None:
        return self.str_(d, key, where=where) if d.get(key) is not None else None

    def choice(self, d: dict[str, Any], key: str, allowed: tuple[str, ...], default: str, where: str = "") -> str:
        v = self.str_(d, key, default, where)
        if v not in allowed:
            raise self.err(f"{where}{key}", f"must be one of {', '.join(allowed)} (got {v!r})")
        return v

    def list_(self, d: dict[str, Any], key: str, allowed: tuple[str, ...] | None = None,
              where: str = "") -> tuple[Any, ...]:
        v = d.get(key, [])
        if v is None:
            return ()
        if not isinstance(v, list):
            raise self.err(f"{where}{key}", f"must be a list such as [a, b] (got {type(v).__name__})")
        if allowed is not None:
            for item in v:
                if item not in allowed:
                    raise self.err(f"{where}{key}", f"unknown entry {item!r}; allowed: {', '.join(allowed)}")
        return tuple(v)

    def number(self, d: dict[str, Any], key: str, default: float | None, where: str = "", *, positive: bool = True,
               integer: bool = False) -> float | None:
        v = d.get(key, default)
        if v is None:
            return None
        bad = isinstance(v, bool) or not isinstance(v, (int, float)) or (integer and not isinstance(v, int))
        if bad or (positive and v <= 0) or (not positive and v < 0):
            kind = "integer" if integer else "number"
            raise self.err(f"{where}{key}", f"must be a {'positive' if positive else 'non-negative'} {kind} "
                                            f"(got {v!r})")
        return v

    def boolean(self, d: dict[str, Any], key: str, default: bool, where: str = "") -> bool:
        v = d.get(key, default)
        if not isinstance(v, bool):
            raise self.err(f"{where}{key}", f"must be true or false (got {v!r})")
        return v

    def path(self, value: Any, name: str, *, directory: bool = False) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.err(name, f"must be a path (got {value!r})")
        p = FsPath(value).expanduser()
        if not p.is_absolute():
            p = self.base / p
        if not (p.is_dir() if directory else p.is_file()):
            raise self.err(name, f"no such {'folder' if directory else 'file'} {value!r} "
                                 f"(relative paths start at the profile's folder {self.base})")
        return str(p)

    def template(self, value: str, name: str, allowed: tuple[str, ...]) -> None:
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(value) if f is not None]
        except ValueError as exc:
            raise self.err(name, f"unbalanced braces in {value!r} ({exc}); write placeholders as {{endpoint}}, "
                                 f"a literal brace as {{{{ or }}}}") from None
        for f in fields:
            if f not in allowed:
                raise self.err(name, f"unknown placeholder {{{f}}}; use "
                                     f"{', '.join('{' + a + '}' for a in allowed)}")


def from_dict(d: Any, src: str = "<dict>", base_dir: FsPath | None = None) -> Profile:
    c = _Check(src, base_dir if base_dir is not None else
               (FsPath(src).resolve().parent if FsPath(src).is_file() else FsPath.cwd()))
    if not isinstance(d, dict):
        raise c.err("(top level)", "must be a mapping of fields (name, endpoint, lwm2m_version, ...)")
    for k in d:
        if k not in _TOP:
            raise c.err(str(k), f"unknown field; known fields: {', '.join(sorted(_TOP))}")
    name = c.str_(d, "name", hint="a human name such as 'ACME E350 electricity meter, fw 4.2'")
    identity = c.mapping(d.get("identity"), "identity", "endpoint: <pattern>, serial: ..., imei: ...")
    c.known(identity, ("endpoint", "serial", "imei", "manufacturer", "model"), "identity.")
    if "endpoint" in d and "endpoint" in identity:
        raise c.err("identity.endpoint", "given twice (also at top level 'endpoint'); keep one")
    endpoint = c.str_(identity if "endpoint" in identity else d, "endpoint",
                      where="identity." if "endpoint" in identity else "",
                      hint="the endpoint client name pattern, e.g. 'acme-{n}' ({n} = a number per device start)")
    if re.search(r"\s", endpoint):
        raise c.err("endpoint", f"must not contain spaces (got {endpoint!r})")
    c.template(endpoint, "endpoint", ENDPOINT_PLACEHOLDERS)
    ident = {k: str(v) for k, v in identity.items() if k != "endpoint"}
    version = c.str_(d, "lwm2m_version", hint="'1.0', '1.1' or '1.2' (quoted)")
    if version not in VERSIONS:
        raise c.err("lwm2m_version", f"must be one of {', '.join(VERSIONS)} (got {version!r})")
    bindings = tuple(str(b) for b in c.list_(d, "bindings")) or ("U",)
    for b in bindings:
        ok = b in BINDINGS_10 if version == "1.0" else bool(_BINDING_11.match(b))
        if not ok:
            raise c.err("bindings", f"{b!r} is not a binding of LwM2M {version}; write "
                        + ("U, UQ, S, SQ, US or UQS" if version == "1.0" else
                           "letters from U (UDP), S (SMS), N (non-IP), T (TCP), plus Q for queue mode"))
    cfs: list[int] = []
    for item in c.list_(d, "content_formats"):
        if isinstance(item, int) and not isinstance(item, bool):
            cfs.append(item)
        elif isinstance(item, str) and item.lower() in _CF_NAMES:
            cfs.append(int(_CF_NAMES[item.lower()]))
        else:
            raise c.err("content_formats", f"unknown format {item!r}; use a number or one of "
                                           f"{', '.join(_CF_NAMES)}")
    objs = c.list_(d, "objects")
    for o in objs:
        if not isinstance(o, int) or isinstance(o, bool) or not 0 <= o <= 65535:
            raise c.err("objects", f"object ids are integers 0..65535 (got {o!r})")
    ddf_dirs = tuple(c.path(x, f"ddf_dirs[{i}]", directory=True) for i, x in enumerate(c.list_(d, "ddf_dirs")))

    security, mode = _security(c, d.get("security"))
    timing = c.mapping(d.get("timing"), "timing", "scale: <number>, transmission: default|loopback, "
                                                  "registration_timeout: <seconds>")
    c.known(timing, ("scale", "transmission", "registration_timeout"), "timing.")
    scale = c.number(timing, "scale", 1.0, "timing.")
    transmission = c.choice(timing, "transmission", ("default", "loopback"), "default", "timing.")
    reg_timeout = c.number(timing, "registration_timeout", None, "timing.")

    fw = c.mapping(d.get("firmware"), "firmware", "images: [...], delivery: [push, pull], image_format: ...")
    c.known(fw, ("images", "delivery", "image_format"), "firmware.")
    images: list[FirmwareImage] = []
    for i, img in enumerate(c.list_(fw, "images", where="firmware.")):
        where = f"firmware.images[{i}]."
        img = c.mapping(img, where[:-1], "name, file, role: newer|older|current|corrupt|unsupported, version, "
                                         "expect: accept|reject")
        c.known(img, ("name", "file", "version", "expect", "role"), where)
        # without a role, an image the device must refuse is the corrupt one, any other a newer one
        role = c.choice(img, "role", FIRMWARE_ROLES, "corrupt" if img.get("expect") == "reject" else "newer", where)
        default_expect = "accept" if role in ("newer", "current") else "reject"
        images.append(FirmwareImage(c.str_(img, "name", where=where), c.path(img.get("file"), where + "file"),
                                    str(img.get("version", "")),
                                    c.choice(img, "expect", ("accept", "reject"), default_expect, where), role))
        if role in ("newer", "older", "current") and not images[-1].version:
            raise c.err(where + "version", f"a '{role}' image needs the version string the device reports in "
                                           f"/3/0/3 once it runs it")
    delivery = c.list_(fw, "delivery", ("push", "pull"), "firmware.")
    image_format = c.opt_str(fw, "image_format", "firmware.")
    if image_format is not None and image_format != SIM_IMAGE_FORMAT:
        raise c.err("firmware.image_format", f"the only built-in image format is {SIM_IMAGE_FORMAT!r} (meterproof's "
                                             f"simulated meter); for another device list its images instead")

    waivers: list[Waiver] = []
    for i, w in enumerate(c.list_(d, "waivers")):
        if not isinstance(w, dict) or not w.get("case") or not w.get("reason"):
            raise c.err(f"waivers[{i}]", "needs 'case' (an ETS or MP id) and 'reason' (why it is waived)")
        waivers.append(Waiver(str(w["case"]), str(w["reason"])))

    dtype, dopts = _driver(c, d.get("driver", {"type": "simulator"}), security, endpoint, version)
    return Profile(
        name=name, endpoint=endpoint, lwm2m_version=version, bindings=bindings,
        content_formats=tuple(cfs), objects=tuple(objs),
        features=c.list_(d, "features", FEATURES), triggers=c.list_(d, "triggers", TRIGGERS),
        driver=dtype, driver_options=dopts, security_mode=mode, time_scale=float(scale or 1.0),
        waivers=tuple(waivers), ddf_dirs=ddf_dirs, source=src, raw=d, security=security,
        firmware=tuple(images), firmware_delivery=delivery, firmware_image_format=image_format,
        transmission=transmission,
        registration_timeout=reg_timeout, identity=ident, base_dir=c.base)


def _security(c: _Check, raw: Any) -> tuple[Security, str]:
    sec = c.mapping(raw, "security", "mode: nosec|psk|rpk|certificate, provisioning: profile|bootstrap, ...")
    c.known(sec, ("mode", "provisioning", "psk_identity", "psk_key", "psk_key_env", "certificate", "private_key",
                  "server_certificate"), "security.")
    mode = c.str_(sec, "mode", "nosec", "security.")
    provisioning = c.str_(sec, "provisioning", "profile", "security.")
    if mode == "bootstrap":   # the profile format of 0.1 spelled "provisioned by our bootstrap" this way
        mode, provisioning = "nosec", "bootstrap"
    if mode not in SECURITY_MODES:
        raise c.err("security.mode", f"must be one of {', '.join(SECURITY_MODES)} (got {mode!r}); for credentials "
                                     f"provisioned by meterproof's Bootstrap-Server write provisioning: bootstrap")
    if provisioning not in PROVISIONING:
        raise c.err("security.provisioning", f"must be 'profile' (the credentials below are in the device) or "
                                             f"'bootstrap' (meterproof's Bootstrap-Server provisions them), "
                                             f"got {provisioning!r}")
    key: bytes | None = None
    if sec.get("psk_key") is not None and sec.get("psk_key_env") is not None:
        raise c.err("security.psk_key", "given together with psk_key_env; keep one")
    if sec.get("psk_key_env") is not None:
        var = c.str_(sec, "psk_key_env", where="security.")
        text = os.environ.get(var)
        if text is None:
            raise c.err("security.psk_key_env", f"environment variable {var} is not set; export {var}=<key in hex> "
                                                f"or write security.psk_key")
        key = _hex_key(c, text, "security.psk_key_env")
    elif sec.get("psk_key") is not None:
        key = _hex_key(c, str(sec["psk_key"]), "security.psk_key")
    identity = c.opt_str(sec, "psk_identity", "security.")
    if identity is not None:
        c.template(identity, "security.psk_identity", ("endpoint",))
    if mode == "psk" and provisioning == "profile":
        if identity is None:
            raise c.err("security.psk_identity", "is required for mode psk; write the PSK identity "
                                                 "(may use {endpoint}), or provisioning: bootstrap")
        if key is None:
            raise c.err("security.psk_key", "is required for mode psk; write the key in hex, or psk_key_env: "
                                            "<VARIABLE> to read it from the environment")
    cert = key_file = server_cert = None
    if mode in ("certificate", "rpk") and provisioning == "profile":
        for k in ("certificate", "private_key") if mode == "certificate" else ("private_key",):
            if sec.get(k) is None:
                raise c.err(f"security.{k}", f"is required for mode {mode}; write the path of the PEM/DER file")
    if sec.get("certificate") is not None:
        cert = c.path(sec["certificate"], "security.certificate")
    if sec.get("private_key") is not None:
        key_file = c.path(sec["private_key"], "security.private_key")
    if sec.get("server_certificate") is not None:
        server_cert = c.path(sec["server_certificate"], "security.server_certificate")
    return Security(mode, provisioning, identity, key, cert, key_file, server_cert), mode


def _hex_key(c: _Check, text: str, name: str) -> bytes:
    t = text.strip().lower().removeprefix("0x").replace(":", "")
    try:
        key = bytes.fromhex(t)
    except ValueError:
        raise c.err(name, "must be the key in hex, e.g. 000102030405060708090a0b0c0d0e0f") from None
    if not 4 <= len(key) <= 64:
        raise c.err(name, f"a PSK is 4..64 bytes (got {len(key)})")
    return key


_DRIVER_FIELDS: dict[str, tuple[str, ...]] = {
    "simulator": ("type", "meter", "defects", "variants"),
    "process": ("type", "command", "cwd", "env", "stop_timeout", "restart_on_crash", "max_restarts", "log_lines",
                "case_options", "triggers", "server_address"),
    "modem": ("type", "family", "port", "baud", "command_timeout", "server_address", "virtual"),
    "manual": ("type", "prompts", "timeout", "server_address"),
}
_PROCESS_TRIGGER_KINDS = ("restart", "kill", "stdin", "signal", "command", "wipe_state")


def _variants(c: _Check, d: dict[str, Any], where: str, version: str) -> tuple[str, ...]:
    """``variants: [...]`` of the built-in simulator (``meterproof simulate --list-variants``), checked."""
    from .sim.variants import check_variants
    names = tuple(str(x) for x in c.list_(d, "variants", where=where))
    try:
        check_variants(names, version)
    except ConfigError as exc:
        raise c.err(f"{where}variants", str(exc)) from None
    return names


def _driver(c: _Check, raw: Any, security: Security, endpoint: str, version: str) -> tuple[str, dict[str, Any]]:
    drv = {"type": raw} if isinstance(raw, str) else raw
    drv = c.mapping(drv, "driver", "type: simulator|process|modem|manual and that driver's fields")
    dtype = c.choice(drv, "type", DRIVERS, "simulator", "driver.")
    c.known(drv, _DRIVER_FIELDS[dtype], "driver.")
    opts: dict[str, Any] = {k: v for k, v in drv.items() if k != "type"}
    if drv.get("server_address") is not None:
        sa = c.str_(drv, "server_address", where="driver.")
        if not re.match(r"^[^\s:]+(:\d+)?$|^\[[0-9a-fA-F:]+\](:\d+)?$", sa):
            raise c.err("driver.server_address", f"write HOST[:PORT], the address the device must use to reach "
                                                 f"the harness (got {sa!r})")
    if dtype == "simulator":
        opts["meter"] = c.choice(drv, "meter", METERS, "electricity", "driver.")
        opts["defects"] = tuple(str(x) for x in c.list_(drv, "defects", where="driver."))
        opts["variants"] = _variants(c, drv, "driver.", version)
    elif dtype == "process":
        cmd = c.str_(drv, "command", where="driver.",
                     hint="the client's command line, e.g. 'lwm2mclient -h {server_host} -p {server_port} "
                          "-n {endpoint}'")
        try:
            argv = shlex.split(cmd)
        except ValueError as exc:
            raise c.err("driver.command", f"not a command line ({exc}); check the quotes") from None
        if not argv:
            raise c.err("driver.command", "is empty; write the client's command line")
        c.template(cmd, "driver.command", PROCESS_PLACEHOLDERS)
        if ("{psk_key}" in cmd or "{psk_identity}" in cmd) and security.psk_key is None \
                and security.provisioning == "profile":
            raise c.err("driver.command", "uses {psk_key}/{psk_identity} but security has no PSK; write "
                                          "security.mode: psk with psk_identity and psk_key")
        if drv.get("cwd") is not None:
            opts["cwd"] = c.path(drv["cwd"], "driver.cwd", directory=True)
        env = c.mapping(drv.get("env"), "driver.env", "VARIABLE: value")
        for k, v in env.items():
            if not isinstance(v, (str, int, float)) or isinstance(v, bool):
                raise c.err(f"driver.env.{k}", f"must be a string (got {v!r})")
        opts["env"] = {str(k): str(v) for k, v in env.items()}
        opts["stop_timeout"] = c.number(drv, "stop_timeout", 5.0, "driver.")
        opts["restart_on_crash"] = c.boolean(drv, "restart_on_crash", True, "driver.")
        opts["max_restarts"] = int(c.number(drv, "max_restarts", 3, "driver.", positive=False, integer=True) or 0)
        opts["log_lines"] = int(c.number(drv, "log_lines", 2000, "driver.", integer=True) or 2000)
        case_opts = c.mapping(drv.get("case_options"), "driver.case_options",
                              "option: [extra, args, '{value}'], e.g. queue_mode: [--queue-mode]")
        for k, v in case_opts.items():
            if not isinstance(v, list) or not all(isinstance(a, (str, int)) for a in v):
                raise c.err(f"driver.case_options.{k}", "must be a list of extra arguments, e.g. "
                                                        "[--lifetime, '{value}']")
        opts["case_options"] = {str(k): [str(a) for a in v] for k, v in case_opts.items()}
        trig = c.mapping(drv.get("triggers"), "driver.triggers",
                         "trigger: restart | kill | wipe_state | {stdin: text} | {signal: SIGUSR1} | {command: ...}")
        out: dict[str, dict[str, str]] = {}
        for k, v in trig.items():
            where = f"driver.triggers.{k}"
            if k not in TRIGGERS:
                raise c.err(where, f"unknown trigger; allowed: {', '.join(TRIGGERS)}")
            if isinstance(v, str):
                v = {v: ""}
            if not isinstance(v, dict) or len(v) != 1 or next(iter(v)) not in _PROCESS_TRIGGER_KINDS:
                raise c.err(where, "write one of: restart, kill, wipe_state, {stdin: 'text'}, "
                                   "{signal: SIGUSR1}, {command: 'a command line'}")
            kind, arg = next(iter(v.items()))
            if kind == "signal":
                import signal as _signal
                if not isinstance(arg, str) or not hasattr(_signal, arg):
                    raise c.err(where, f"unknown signal {arg!r}; write a name such as SIGUSR1")
            out[k] = {kind: str(arg)}
        opts["triggers"] = out
    elif dtype == "modem":
        fam = c.str_(drv, "family", where="driver.",
                     hint="a built-in family (meterproof, ublox-sara-r4, telit-me910, generic) or a YAML path")
        from .dut.modem_family import FamilyError, load_family
        try:
            opts["family"] = load_family(fam, base=c.base).name
            opts["family_ref"] = fam if "/" not in fam and not fam.endswith(".yaml") else \
                str((c.base / fam) if not FsPath(fam).is_absolute() else fam)
        except FamilyError as exc:
            raise c.err("driver.family", str(exc)) from None
        port = c.str_(drv, "port", where="driver.", hint="the serial device, e.g. /dev/ttyUSB2, or 'virtual'")
        opts["port"] = port
        baud = drv.get("baud", 115200)
        if baud not in BAUD_RATES:
            raise c.err("driver.baud", f"must be one of {', '.join(map(str, BAUD_RATES))} (got {baud!r})")
        opts["baud"] = baud
        opts["command_timeout"] = c.number(drv, "command_timeout", 5.0, "driver.")
        virt = c.mapping(drv.get("virtual"), "driver.virtual",
                         "meter: electricity|gas|water, defects: [...], variants: [...]")
        c.known(virt, ("meter", "defects", "variants"), "driver.virtual.")
        if virt and port != "virtual":
            raise c.err("driver.virtual", "only applies with port: virtual")
        opts["virtual"] = {"meter": c.choice(virt, "meter", METERS, "electricity", "driver.virtual."),
                           "defects": tuple(str(x) for x in c.list_(virt, "defects", where="driver.virtual.")),
                           "variants": _variants(c, virt, "driver.virtual.", version)}
    elif dtype == "manual":
        prompts = c.mapping(drv.get("prompts"), "driver.prompts", "start: text, reboot: text, ...")
        for k, v in prompts.items():
            if k not in (*TRIGGERS, "start", "stop"):
                raise c.err(f"driver.prompts.{k}", f"unknown step; write start, stop or a trigger "
                                                   f"({', '.join(TRIGGERS)})")
            if not isinstance(v, str) or not v.strip():
                raise c.err(f"driver.prompts.{k}", "must be the instruction the operator reads")
            c.template(v, f"driver.prompts.{k}", ("server_uri", "server_host", "server_port", "endpoint",
                                                  "psk_identity", "bootstrap_uri"))
        opts["prompts"] = {str(k): str(v) for k, v in prompts.items()}
        opts["timeout"] = c.number(drv, "timeout", 300.0, "driver.")
        if "{n}" in endpoint or "{worker}" in endpoint:
            raise c.err("endpoint", "a manually operated meter has a fixed endpoint name; write it without {n}")
    return dtype, opts


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
    return from_dict(data, str(p), base_dir=p.resolve().parent)


BUILTIN_DIR = profiles_dir()
EXAMPLES_DIR = BUILTIN_DIR / "examples"


def builtin(meter: str = "electricity", version: str = "1.1") -> Profile:
    """The profile of the built-in simulated meter."""
    return load(BUILTIN_DIR / f"sim-{meter}-{version.replace('.', '_')}.yaml")


__all__ = ["Profile", "Security", "FirmwareImage", "Waiver", "from_dict", "load", "builtin", "replace"]
