"""Device profiles: what a device under test declares it supports, how to drive it, and applicability rules.

A profile is a YAML file (one per device).  It plays the role of the PICS of
ISO 9646 and of tlsfuzzer's per-implementation run plans: it says which
features the device claims, so a case the device does not claim is *not
applicable* (with the reason) instead of failed, and it carries waivers, each
with a written reason.  It also says how meterproof reaches the device: its
identity and credentials and the driver (built-in simulator, an external
client command, an AT-command modem on a serial port, or an operator).

The file's schema (types, allowed values, required and unknown fields) is the pydantic models of
:mod:`meterproof.profile_schema`; :func:`from_dict` validates with them and builds :class:`Profile`
from the validated model (``meterproof schema profile`` prints the JSON Schema for editors).
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
from pydantic import ValidationError

from ._resources import profiles_dir
from .errors import ConfigError
from .lwm2m.contentformat import CF

from . import profile_schema as schema
from .profile_schema import (BAUD_RATES, DRIVERS, FEATURES, FIRMWARE_ROLES, METERS, PROVISIONING,  # noqa: F401
                             SECURITY_MODES, TRIGGERS, VERSIONS)

#: placeholders a process driver's command line may use
PROCESS_PLACEHOLDERS = ("server_uri", "server_host", "server_port", "endpoint", "psk_identity", "psk_key",
                        "bootstrap_uri", "bootstrap_host", "bootstrap_port", "state_dir")
ENDPOINT_PLACEHOLDERS = ("n", "worker")
#: bindings a device may declare: LwM2M 1.0 (TS 1.0 §5.3.1.1) and 1.1+ (U, S, N, T plus Q for queue mode)
BINDINGS_10 = ("U", "UQ", "S", "SQ", "US", "UQS")
_BINDING_11 = re.compile(r"^(?!.*(.).*\1)[USNTQ]{1,5}$")
_CF_NAMES = {"text": CF.TEXT, "opaque": CF.OPAQUE, "cbor": CF.CBOR, "tlv": CF.TLV, "json": CF.OMA_JSON,
             "oma-json": CF.OMA_JSON, "senml-json": CF.SENML_JSON, "senml-cbor": CF.SENML_CBOR,
             "lwm2m-cbor": CF.LWM2M_CBOR, "link": CF.LINK}
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
    #: rpk: the device's raw public key (DER SubjectPublicKeyInfo, its /0/x/3), accepted by the harness's servers
    public_key: bytes | None = None
    #: rpk: (public SubjectPublicKeyInfo, private key) DER of the server the device has pinned in /0/x/4
    server_key_pair: tuple[bytes, bytes] | None = field(default=None, repr=False)
    #: oscore: the device's OSCORE context as it holds it (meterproof.coap.oscore.OscoreParams, its /21 instance)
    oscore: Any = field(default=None, repr=False)

    def identity_for(self, endpoint: str) -> str | None:
        return self.psk_identity.replace("{endpoint}", endpoint) if self.psk_identity else None

    def secrets(self) -> list[bytes]:
        """What a Redactor must mask: the PSK, the private half of ``server_key_pair``, the OSCORE Master Secret (a
        client certificate's private key file is never read here)."""
        return ([self.psk_key] if self.psk_key else []) + ([self.server_key_pair[1]] if self.server_key_pair else []) \
            + (list(self.oscore.secrets()) if self.oscore is not None else [])

    def fingerprint(self) -> str | None:
        """A short one-way fingerprint of the key (for uniqueness checks across devices; never the key)."""
        return hashlib.sha256(b"meterproof-psk:" + self.psk_key).hexdigest()[:16] if self.psk_key else None


#: What a firmware image of a profile is for (``firmware.images[].role``): the firmware cases pick by role:
#: FIRMWARE_ROLES (from profile_schema).
#: ``firmware.image_format: meterproof-sim`` -- the device is meterproof's own simulated meter, whose images
#: meterproof builds on demand (meterproof.sim.firmware_image); every other device lists its real images.
SIM_IMAGE_FORMAT = "meterproof-sim"


@dataclass(frozen=True, slots=True)
class FirmwareImage:
    name: str
    file: str
    version: str = ""
    expect: str = "accept"   # accept: the device installs it; reject: it must refuse it (corrupt, unsigned, ...)
    #: newer | older | current | corrupt | unsupported (FIRMWARE_ROLES); oversized: larger than the device's storage
    #: (int-773); out-of-ram: exhausts the device's RAM while it downloads or unpacks it (int-774); failing: downloads
    #: and verifies, but its installation fails (int-779); unsigned, wrong-signer (signed by a key the device must not
    #: trust), tampered-payload / tampered-signature / tampered-manifest (one byte of a validly signed image changed
    #: in that part): REG-UPD-02/03, the vendor knows where each part lies in its format
    role: str = "newer"


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
    firmware_latest: str | None = None   # the latest firmware version the vendor declares (REG-UPD-10)
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
                    and str(k).lower() not in ("psk_identity", "psk_key_env", "public_key",
                                                              "master_secret_env") else _redact(v))
                for k, v in obj.items()}
    if isinstance(obj, list):
        return [_redact(v) for v in obj]
    return obj


class _Check:
    """What needs more than the file's content, bound to one profile source so every error names file and field."""

    def __init__(self, src: str, base: FsPath) -> None:
        self.src = src
        self.base = base

    def err(self, field_: str, msg: str) -> ConfigError:
        return ConfigError(f"profile {self.src}: {field_}: {msg}")

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


def validate(d: Any, src: str = "<dict>") -> schema.ProfileDoc:
    """The profile's content checked against the schema (types, values, required and unknown fields)."""
    if not isinstance(d, dict):
        raise ConfigError(f"profile {src}: (top level): must be a mapping of fields (name, endpoint, "
                          f"lwm2m_version, ...)")
    try:
        return schema.ProfileDoc.model_validate(d)
    except ValidationError as exc:
        where, msg = schema.one_line(exc)
        raise ConfigError(f"profile {src}: {where}: {msg}") from None


def from_dict(d: Any, src: str = "<dict>", base_dir: FsPath | None = None) -> Profile:
    """Validate ``d`` (a profile file's content) and build the :class:`Profile` from it."""
    c = _Check(src, base_dir if base_dir is not None else
               (FsPath(src).resolve().parent if FsPath(src).is_file() else FsPath.cwd()))
    m = validate(d, src)
    if m.endpoint is not None and m.identity.endpoint is not None:
        raise c.err("identity.endpoint", "given twice (also at top level 'endpoint'); keep one")
    endpoint = m.identity.endpoint if m.identity.endpoint is not None else m.endpoint
    if endpoint is None:
        raise c.err("endpoint", "is required; write " + schema.REQUIRED_HINTS["endpoint"])
    c.template(endpoint, "endpoint", ENDPOINT_PLACEHOLDERS)
    ident = {k: v for k, v in m.identity.model_dump(exclude_none=True).items() if k != "endpoint"}
    version = m.lwm2m_version
    bindings = tuple(m.bindings) or ("U",)
    for b in bindings:
        ok = b in BINDINGS_10 if version == "1.0" else bool(_BINDING_11.match(b))
        if not ok:
            raise c.err("bindings", f"{b!r} is not a binding of LwM2M {version}; write "
                        + ("U, UQ, S, SQ, US or UQS" if version == "1.0" else
                           "letters from U (UDP), S (SMS), N (non-IP), T (TCP), plus Q for queue mode"))
    cfs = tuple(item if isinstance(item, int) else int(_CF_NAMES[item]) for item in m.content_formats)
    ddf_dirs = tuple(c.path(x, f"ddf_dirs[{i}]", directory=True) for i, x in enumerate(m.ddf_dirs))
    security = _security(c, m.security, m.driver.type)

    images: list[FirmwareImage] = []
    for i, img in enumerate(m.firmware.images):
        where = f"firmware.images[{i}]."
        # without a role, an image the device must refuse is the corrupt one, any other a newer one
        role = img.role or ("corrupt" if img.expect == "reject" else "newer")
        expect = img.expect or ("accept" if role in ("newer", "current") else "reject")
        images.append(FirmwareImage(img.name, c.path(img.file, where + "file"), img.version, expect, role))
        if role in ("newer", "older", "current") and not img.version:
            raise c.err(where + "version", f"a '{role}' image needs the version string the device reports in "
                                           f"/3/0/3 once it runs it")
    image_format = m.firmware.image_format
    if image_format is not None and image_format != SIM_IMAGE_FORMAT:
        raise c.err("firmware.image_format", f"the only built-in image format is {SIM_IMAGE_FORMAT!r} (meterproof's "
                                             f"simulated meter); for another device list its images instead")
    waivers = tuple(Waiver(w.case, w.reason) for w in m.waivers)
    dtype, dopts = _driver(c, d.get("driver"), m.driver, security, endpoint, version)
    return Profile(
        name=m.name, endpoint=endpoint, lwm2m_version=version, bindings=bindings,
        content_formats=cfs, objects=tuple(m.objects), features=tuple(m.features), triggers=tuple(m.triggers),
        driver=dtype, driver_options=dopts, security_mode=security.mode, time_scale=float(m.timing.scale),
        waivers=waivers, ddf_dirs=ddf_dirs, source=src, raw=d, security=security,
        firmware=tuple(images), firmware_delivery=tuple(m.firmware.delivery), firmware_image_format=image_format,
        firmware_latest=m.firmware.latest_version, transmission=m.timing.transmission,
        registration_timeout=m.timing.registration_timeout, identity=ident,
        base_dir=c.base)


def _security(c: _Check, sec: schema.Security, driver: str = "simulator") -> Security:
    mode, provisioning = sec.mode, sec.provisioning
    key: bytes | None = None
    if sec.psk_key is not None and sec.psk_key_env is not None:
        raise c.err("security.psk_key", "given together with psk_key_env; keep one")
    if sec.psk_key_env is not None:
        var = sec.psk_key_env
        text = os.environ.get(var)
        if text is None:
            raise c.err("security.psk_key_env", f"environment variable {var} is not set; export {var}=<key in hex> "
                                                f"or write security.psk_key")
        key = _hex_key(c, text, "security.psk_key_env")
    elif sec.psk_key is not None:
        key = _hex_key(c, sec.psk_key, "security.psk_key")
    identity = sec.psk_identity
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
    if mode == "certificate" and provisioning == "profile":
        for k in ("certificate", "private_key"):
            if getattr(sec, k) is None:
                raise c.err(f"security.{k}", f"is required for mode {mode}; write the path of the PEM/DER file")
    public, pair = _raw_public_keys(c, sec, mode, driver)
    if sec.certificate is not None:
        cert = c.path(sec.certificate, "security.certificate")
    if sec.private_key is not None:
        key_file = c.path(sec.private_key, "security.private_key")
    if sec.server_certificate is not None:
        server_cert = c.path(sec.server_certificate, "security.server_certificate")
    return Security(mode, provisioning, identity, key, cert, key_file, server_cert, public, pair,
                    _oscore(c, sec, mode, driver))


def _oscore(c: _Check, sec: schema.Security, mode: str, driver: str) -> Any:
    """``security.oscore``: the device's OSCORE context (RFC 8613 §3.2), checked as the harness will use it;
    required for mode oscore on a device other than the simulator (which gets a fresh one every start)."""
    o = sec.oscore
    if mode == "oscore" and driver != "simulator" and sec.provisioning == "bootstrap":
        raise c.err("security.provisioning", "bootstrap with mode oscore is not supported yet (the harness's "
                                             "Bootstrap-Server writes no /21); write provisioning: profile")
    if o is None:
        if mode == "oscore" and driver != "simulator":
            raise c.err("security.oscore", "is required for mode oscore; write the device's OSCORE context "
                                           "(master_secret or master_secret_env, sender_id, recipient_id)")
        return None
    from .coap.oscore import DEFAULT_AEAD, DEFAULT_HKDF, OscoreConfigError, OscoreParams, SecurityContext
    where = "security.oscore."
    if o.master_secret is not None and o.master_secret_env is not None:
        raise c.err(where + "master_secret", "given together with master_secret_env; keep one")
    text, name = o.master_secret, where + "master_secret"
    if o.master_secret_env is not None:
        text, name = os.environ.get(o.master_secret_env), where + "master_secret_env"
        if text is None:
            raise c.err(name, f"environment variable {o.master_secret_env} is not set; export "
                              f"{o.master_secret_env}=<Master Secret in hex> or write {where}master_secret")
    if text is None:
        raise c.err(where + "master_secret", "is required; the Master Secret in hex, quoted, or master_secret_env")
    for k in ("sender_id", "recipient_id"):
        if getattr(o, k) is None:
            raise c.err(where + k, "is required; the ID in hex, quoted (\"\" for the empty ID)")

    def raw(v: str | None, field_: str) -> bytes | None:
        try:
            return None if v is None else schema.hex_key(v) if v.strip() else b""
        except ValueError as exc:
            raise c.err(field_, str(exc).replace("the key", "the bytes")) from None
    secret = raw(text, name)
    if not secret:
        raise c.err(name, "the Master Secret is empty")
    params = OscoreParams(secret, raw(o.sender_id, where + "sender_id") or b"",
                          raw(o.recipient_id, where + "recipient_id") or b"",
                          DEFAULT_AEAD if o.aead is None else o.aead, DEFAULT_HKDF if o.hkdf is None else o.hkdf,
                          raw(o.master_salt, where + "master_salt") or b"", raw(o.id_context, where + "id_context"))
    if params.sender_id == params.recipient_id:
        raise c.err(where + "recipient_id", "equals sender_id; the two IDs of a context differ (RFC 8613 §3.3)")
    try:
        SecurityContext(params)
    except OscoreConfigError as exc:
        field_ = "aead" if "AEAD" in str(exc) else "hkdf" if "HKDF" in str(exc) else "sender_id"
        raise c.err(where + field_, str(exc)) from None
    return params


def _raw_public_keys(c: _Check, sec: schema.Security, mode: str,
                     driver: str) -> tuple[bytes | None, tuple[bytes, bytes] | None]:
    """``public_key`` and ``server_key_pair``, read and checked; mode rpk on a device other than the simulator
    (which gets fresh keys every start) needs both, whoever provisions its server account: with provisioning
    bootstrap they are the keys of its Bootstrap-Server account, and the harness's Bootstrap-Server writes fresh
    ones for the LwM2M Server (/0/x/3, /0/x/4, /0/x/5)."""
    from .dtls import rpk_keys
    if mode == "rpk" and driver != "simulator":
        for k, what in (("public_key", "the device's raw public key (/0/x/3): a PEM/DER SubjectPublicKeyInfo file "
                                        "or its DER in hex"),
                        ("server_key_pair", "the PEM/DER EC private key file of the server the device has pinned "
                                            "in /0/x/4")):
            if getattr(sec, k) is None:
                raise c.err(f"security.{k}", f"is required for mode rpk; write {what}")
    public = pair = None
    if sec.public_key is not None:
        try:
            public = rpk_keys.public_key_from(sec.public_key, c.base)
        except ValueError as exc:
            raise c.err("security.public_key", str(exc)) from None
    if sec.server_key_pair is not None:
        path = c.path(sec.server_key_pair, "security.server_key_pair")
        try:
            pair = rpk_keys.key_pair_file(path)
        except ValueError as exc:
            raise c.err("security.server_key_pair", f"{sec.server_key_pair}: {exc}") from None
    return public, pair


def _hex_key(c: _Check, text: str, name: str) -> bytes:
    try:
        key = schema.hex_key(text)
    except ValueError as exc:
        raise c.err(name, str(exc)) from None
    if not 4 <= len(key) <= 64:
        raise c.err(name, f"a PSK is 4..64 bytes (got {len(key)})")
    return key


def _variants(c: _Check, names: list[str], where: str, version: str) -> tuple[str, ...]:
    """``variants: [...]`` of the built-in simulator (``meterproof simulate --list-variants``), checked."""
    from .sim.variants import check_variants
    try:
        check_variants(tuple(names), version)
    except ConfigError as exc:
        raise c.err(f"{where}variants", str(exc)) from None
    return tuple(names)


def _driver(c: _Check, raw: Any, drv: Any, security: Security, endpoint: str,
            version: str) -> tuple[str, dict[str, Any]]:
    """The driver's type and options (as the drivers read them) from the validated ``drv``."""
    raw = {"type": raw} if isinstance(raw, str) else (raw or {})
    opts: dict[str, Any] = {k: v for k, v in raw.items() if k != "type"}
    dtype = drv.type
    if dtype == "simulator":
        opts["meter"] = drv.meter
        opts["defects"] = tuple(drv.defects)
        opts["variants"] = _variants(c, drv.variants, "driver.", version)
    elif dtype == "process":
        cmd = drv.command
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
        if drv.cwd is not None:
            opts["cwd"] = c.path(drv.cwd, "driver.cwd", directory=True)
        opts["env"] = dict(drv.env)
        opts["stop_timeout"] = drv.stop_timeout
        opts["restart_on_crash"] = drv.restart_on_crash
        opts["max_restarts"] = drv.max_restarts
        opts["log_lines"] = drv.log_lines
        opts["case_options"] = {k: list(v) for k, v in drv.case_options.items()}
        opts["triggers"] = drv.triggers.model_dump(by_alias=True, exclude_none=True)
    elif dtype == "modem":
        fam = drv.family
        from .dut.modem_family import FamilyError, load_family
        try:
            opts["family"] = load_family(fam, base=c.base).name
            opts["family_ref"] = fam if "/" not in fam and not fam.endswith(".yaml") else \
                str((c.base / fam) if not FsPath(fam).is_absolute() else fam)
        except FamilyError as exc:
            raise c.err("driver.family", str(exc)) from None
        opts["port"] = drv.port
        opts["baud"] = drv.baud
        opts["command_timeout"] = drv.command_timeout
        virt = drv.virtual
        if virt is not None and raw.get("virtual") and drv.port != "virtual":
            raise c.err("driver.virtual", "only applies with port: virtual")
        virt = virt or schema.VirtualModem()
        opts["virtual"] = {"meter": virt.meter, "defects": tuple(virt.defects),
                           "variants": _variants(c, virt.variants, "driver.virtual.", version)}
    elif dtype == "manual":
        prompts = drv.prompts.model_dump(by_alias=True, exclude_none=True)
        for k, v in prompts.items():
            c.template(v, f"driver.prompts.{k}", ("server_uri", "server_host", "server_port", "endpoint",
                                                  "psk_identity", "bootstrap_uri"))
        opts["prompts"] = prompts
        opts["timeout"] = drv.timeout
        if "{n}" in endpoint or "{worker}" in endpoint:
            raise c.err("endpoint", "a manually operated meter has a fixed endpoint name; write it without {n}")
    return dtype, opts


class _YamlInt(int):
    """An integer as YAML read it, with the text it was written as (``0102030405`` is octal in YAML 1.1)."""

    yaml_text: str = ""


class _ProfileLoader(yaml.SafeLoader):
    """safe_load that remembers how each integer was written, so an error can show the user's own text."""


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    value = _YamlInt(yaml.SafeLoader.construct_yaml_int(loader, node))
    value.yaml_text = str(node.value)
    return value


_ProfileLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)

def load(path: str | FsPath) -> Profile:
    p = FsPath(path)
    if not p.is_file():
        raise ConfigError(f"profile {p}: file not found; pass --dut-profile with the path of a device profile "
                          f"(examples in fixtures/profiles/)")
    try:
        data = yaml.load(p.read_text(encoding="utf-8"), Loader=_ProfileLoader)  # noqa: S506 (a SafeLoader)
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
