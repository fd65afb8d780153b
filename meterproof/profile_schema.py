"""The device profile's schema as pydantic v2 models: the raw layer under :mod:`meterproof.profile`.

These models say what a profile file may contain, field by field: types, allowed values, ranges,
required fields and unknown keys.  :func:`meterproof.profile.from_dict` validates a file's content
with :class:`ProfileDoc` and builds the :class:`~meterproof.profile.Profile` the rest of meterproof
reads from the validated model; what needs more than the file (paths relative to the profile's
folder, environment variables, modem families, the simulator's variants, rules that tie one field
to another) is checked there.  ``meterproof schema profile`` publishes :func:`json_schema` so that
an editor validates a profile as it is typed.

Every validator below raises the message a user reads; :func:`one_line` turns pydantic's
``ValidationError`` into the one line ``profile FILE: field.path: what to write``.
"""

from __future__ import annotations

import difflib
import re
import signal as _signal
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, WithJsonSchema,
                      field_validator, model_validator)
from pydantic_core import PydanticCustomError

VERSIONS = ("1.0", "1.1", "1.2")
TRIGGERS = ("reboot", "power-cycle", "factory-reset", "start-registration", "trigger-update", "trigger-send",
            "set-value")
FEATURES = ("queue-mode", "send", "composite", "firmware-push", "firmware-pull", "software-management",
            "create-delete", "bootstrap", "bootstrap-pack", "disruptive-executes")
DRIVERS = ("simulator", "process", "modem", "manual")
SECURITY_MODES = ("nosec", "psk", "rpk", "certificate", "oscore")
PROVISIONING = ("profile", "bootstrap")
METERS = ("electricity", "gas", "water")
BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 1000000)
FIRMWARE_ROLES = ("newer", "older", "current", "corrupt", "unsupported", "oversized", "out-of-ram", "failing",
                  "unsigned", "wrong-signer", "tampered-payload", "tampered-signature", "tampered-manifest")
CF_NAMES = ("text", "opaque", "cbor", "tlv", "json", "oma-json", "senml-json", "senml-cbor", "lwm2m-cbor", "link")
PROCESS_TRIGGER_KINDS = ("restart", "kill", "stdin", "signal", "command", "wipe_state")
SERVER_ADDRESS = r"^[^\s:]+(:\d+)?$|^\[[0-9a-fA-F:]+\](:\d+)?$"

#: what to write for a required field that is missing, by field path
REQUIRED_HINTS = {
    "name": "a human name such as 'ACME E350 electricity meter, fw 4.2'",
    "endpoint": "the endpoint client name pattern, e.g. 'acme-{n}' ({n} = a number per device start)",
    "lwm2m_version": "'1.0', '1.1' or '1.2' (quoted)",
    "driver.command": "the client's command line, e.g. 'lwm2mclient -h {server_host} -p {server_port} -n {endpoint}'",
    "driver.family": "a built-in family (meterproof, ublox-sara-r4, telit-me910, generic) or a YAML path",
    "driver.port": "the serial device, e.g. /dev/ttyUSB2, or 'virtual'",
}


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _type_name(v: Any) -> str:
    return "int" if isinstance(v, int) and not isinstance(v, bool) else type(v).__name__


def _yaml_text(v: Any) -> str:
    """How the number was written in the YAML file, when the loader kept it (meterproof.profile.load does)."""
    return getattr(v, "yaml_text", None) or str(v)


# --- scalar types: each validator raises the message the user reads -------------------------------------

def _text(v: Any) -> str:
    if _is_number(v):
        v = str(v)
    if not isinstance(v, str) or not v.strip():
        raise ValueError(f"must be a non-empty string (got {v!r})")
    return v


def _opt_text(v: Any) -> str | None:
    return None if v is None else _text(v)


def _id_text(v: Any) -> str | None:
    """A serial number, IMEI...: a number YAML changed on reading (leading zero, octal, 0x) must be quoted."""
    if v is None:
        return None
    if _is_number(v) and _yaml_text(v) != str(v):
        raise ValueError(f"YAML read {_yaml_text(v)} as the number {v} — write it in quotes: \"{_yaml_text(v)}\"")
    return _text(v)


def _psk_key(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool) or _is_number(v):
        shown = _yaml_text(v)
        raise ValueError(f"YAML read this as the number {v} — write byte strings in quotes: psk_key: \"{shown}\"")
    if not isinstance(v, str):
        raise ValueError(f"must be the key in hex, e.g. 000102030405060708090a0b0c0d0e0f (got {v!r})")
    key = hex_key(v)
    if not 4 <= len(key) <= 64:
        raise ValueError(f"a PSK is 4..64 bytes (got {len(key)})")
    return v


def hex_key(text: str) -> bytes:
    """A PSK written in hex (``0x`` prefix and ``:`` separators allowed); ValueError with the message to show."""
    t = text.strip().lower().removeprefix("0x").replace(":", "")
    try:
        return bytes.fromhex(t)
    except ValueError:
        raise ValueError("must be the key in hex, e.g. 000102030405060708090a0b0c0d0e0f") from None


def _number(*, positive: bool = True, integer: bool = False):
    def check(v: Any) -> Any:
        if v is None:
            return None
        bad = not _is_number(v) or (integer and not isinstance(v, int))
        if bad or (positive and v <= 0) or (not positive and v < 0):
            kind = "integer" if integer else "number"
            raise ValueError(f"must be a {'positive' if positive else 'non-negative'} {kind} (got {v!r})")
        return v
    return BeforeValidator(check)


def _boolean(v: Any) -> bool:
    if not isinstance(v, bool):
        raise ValueError(f"must be true or false (got {v!r})")
    return v


def _choice(allowed: tuple[Any, ...], extra: str = ""):
    def check(v: Any) -> Any:
        if isinstance(v, float) and all(isinstance(a, str) for a in allowed):
            v = str(v)          # lwm2m_version: 1.1 unquoted is the float 1.1
        if v not in allowed:
            raise ValueError(f"must be one of {', '.join(map(str, allowed))} (got {v!r}){extra}")
        return v
    return BeforeValidator(check)


def _entries(allowed: tuple[str, ...] | None = None):
    def check(v: Any) -> Any:
        if v is None:
            return []
        if not isinstance(v, list):
            raise ValueError(f"must be a list such as [a, b] (got {_type_name(v)})")
        if allowed is not None:
            for item in v:
                if item not in allowed:
                    raise ValueError(f"unknown entry {item!r}; allowed: {', '.join(allowed)}")
        return v
    return BeforeValidator(check)


def _content_formats(v: Any) -> Any:
    if v is None:
        return []
    if not isinstance(v, list):
        raise ValueError(f"must be a list such as [a, b] (got {_type_name(v)})")
    out: list[Any] = []
    for item in v:
        if _is_number(item) and isinstance(item, int):
            out.append(item)
        elif isinstance(item, str) and item.lower() in CF_NAMES:
            out.append(item.lower())
        else:
            raise ValueError(f"unknown format {item!r}; use a number or one of {', '.join(CF_NAMES)}")
    return out


def _objects(v: Any) -> Any:
    v = v if v is not None else []
    if not isinstance(v, list):
        raise ValueError(f"must be a list such as [a, b] (got {_type_name(v)})")
    for o in v:
        if not isinstance(o, int) or isinstance(o, bool) or not 0 <= o <= 65535:
            raise ValueError(f"object ids are integers 0..65535 (got {o!r})")
    return v


def _strings(v: Any) -> Any:
    v = _entries().func(v)
    return [str(x) for x in v]


def _server_address(v: Any) -> Any:
    if v is None:
        return None
    sa = _text(v)
    if not re.match(SERVER_ADDRESS, sa):
        raise ValueError(f"write HOST[:PORT], the address the device must use to reach the harness (got {sa!r})")
    return sa


def _no_spaces(v: Any) -> Any:
    v = _opt_text(v)
    if v is not None and re.search(r"\s", v):
        raise ValueError(f"must not contain spaces (got {v!r})")
    return v


def _env_value(v: Any) -> str:
    if not isinstance(v, (str, int, float)) or isinstance(v, bool):
        raise ValueError(f"must be a string (got {v!r})")
    return str(v)


def _args(v: Any) -> list[str]:
    if not isinstance(v, list) or not all(isinstance(a, (str, int)) for a in v):
        raise ValueError("must be a list of extra arguments, e.g. [--lifetime, '{value}']")
    return [str(a) for a in v]


def _trigger_action(v: Any) -> dict[str, str]:
    if isinstance(v, str):
        v = {v: ""}
    if not isinstance(v, dict) or len(v) != 1 or next(iter(v)) not in PROCESS_TRIGGER_KINDS:
        raise ValueError("write one of: restart, kill, wipe_state, {stdin: 'text'}, {signal: SIGUSR1}, "
                         "{command: 'a command line'}")
    kind, arg = next(iter(v.items()))
    if kind == "signal" and (not isinstance(arg, str) or not hasattr(_signal, arg)):
        raise ValueError(f"unknown signal {arg!r}; write a name such as SIGUSR1")
    return {kind: str(arg)}


def _prompt(v: Any) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str) or not v.strip():
        raise ValueError("must be the instruction the operator reads")
    return v


Text = Annotated[str, BeforeValidator(_text), Field(min_length=1)]
OptText = Annotated[Union[str, None], BeforeValidator(_opt_text)]
IdText = Annotated[Union[str, None], BeforeValidator(_id_text)]
# int | float keeps a whole number as the int it was written as (the drivers read the options unchanged)
PosNumber = Annotated[Union[int, float], _number(), WithJsonSchema({"type": "number", "exclusiveMinimum": 0})]
OptPosNumber = Annotated[Union[int, float, None], _number(),
                         WithJsonSchema({"type": "number", "exclusiveMinimum": 0})]
PosInt = Annotated[int, _number(integer=True), Field(gt=0)]
NonNegInt = Annotated[int, _number(positive=False, integer=True), Field(ge=0)]
Bool = Annotated[bool, BeforeValidator(_boolean)]
Strings = Annotated[list[str], BeforeValidator(_strings)]
ServerAddress = Annotated[Union[str, None], BeforeValidator(_server_address), Field(
    description="HOST[:PORT] the device uses to reach the harness (public address / NAT)")]
Meter = Annotated[Literal["electricity", "gas", "water"], _choice(METERS)]
_NUMBER_OR_TEXT = {"type": ["string", "number"]}


def _lit(values: tuple[Any, ...]) -> Any:
    return Literal.__getitem__(values)


class _Model(BaseModel):
    """A mapping in a profile: unknown keys are errors with a near match, null is an empty mapping."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False, protected_namespaces=())
    #: what a value of this mapping looks like (shown when something else is written)
    WHAT: ClassVar[str] = ""
    #: the message for a key that is not a field; {known} is replaced by the field names
    UNKNOWN: ClassVar[str] = "unknown field; known fields here: {known}"

    @model_validator(mode="before")
    @classmethod
    def _mapping_with_known_keys(cls, data: Any) -> Any:
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise PydanticCustomError("mp_error", "{text}", {"text": f"must be a mapping ({cls.WHAT}), got "
                                                                     f"{_type_name(data)}"})
        known = [f.alias or n for n, f in cls.model_fields.items()]
        for k in data:
            if k not in known:
                near = difflib.get_close_matches(str(k), known, n=1, cutoff=0.6)
                text = cls.UNKNOWN.format(known=", ".join(known)) + (f" — did you mean {near[0]!r}?" if near else "")
                raise PydanticCustomError("mp_error", "{text}", {"text": text, "field": str(k)})
        return data


class Identity(_Model):
    WHAT: ClassVar[str] = "endpoint: <pattern>, serial: ..., imei: ..."
    endpoint: Annotated[Union[str, None], BeforeValidator(_no_spaces)] = Field(
        None, description="endpoint client name pattern ({n} = a number per device start, {worker} = the xdist "
                          "worker); give it here or at the top level, not both")
    serial: IdText = Field(None, description="serial number (quote it: \"000007\")")
    imei: IdText = Field(None, description="the module's IMEI (quote it)")
    manufacturer: IdText = None
    model: IdText = None


def _hex_bytes(v: Any) -> str | None:
    """A byte string in hex, quoted (an OSCORE ID may be empty: \"\"); YAML numbers are refused with the fix."""
    if v is None:
        return None
    if isinstance(v, bool) or _is_number(v):
        raise ValueError(f"YAML read {_yaml_text(v)} as the number {v} — write byte strings in hex, in quotes: "
                         f"\"{_yaml_text(v)}\"")
    if not isinstance(v, str):
        raise ValueError(f"must be bytes in hex, in quotes (got {v!r})")
    hex_key(v) if v.strip() else b""
    return v


HexBytes = Annotated[Union[str, None], BeforeValidator(_hex_bytes)]


def _cose_alg(v: Any) -> int | None:
    if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
        raise ValueError(f"must be a COSE algorithm number, an integer (got {v!r})")
    return v


CoseAlg = Annotated[Union[int, None], BeforeValidator(_cose_alg)]


class Oscore(_Model):
    """The device's OSCORE context (RFC 8613 §3.2) as provisioned at the factory: its /21 instance."""

    WHAT: ClassVar[str] = ("master_secret: \"<hex>\" | master_secret_env: VAR, sender_id: \"<hex>\", recipient_id: "
                           "\"<hex>\", master_salt, id_context, aead, hkdf")
    master_secret: HexBytes = Field(None, description="/21/x/0 Master Secret in hex, quoted; or master_secret_env")
    master_secret_env: OptText = Field(None, description="environment variable holding the Master Secret in hex")
    sender_id: HexBytes = Field(None, description="/21/x/1 the device's Sender ID in hex, quoted (\"\" is empty)")
    recipient_id: HexBytes = Field(None, description="/21/x/2 the device's Recipient ID (the server's Sender ID) "
                                                     "in hex, quoted")
    aead: CoseAlg = Field(
        None, description="/21/x/3 AEAD algorithm (COSE number; default 10, AES-CCM-16-64-128)")
    hkdf: CoseAlg = Field(
        None, description="/21/x/4 HMAC algorithm of the HKDF (COSE number; default -10, HKDF SHA-256)")
    master_salt: HexBytes = Field(None, description="/21/x/5 Master Salt in hex, quoted (default empty)")
    id_context: HexBytes = Field(None, description="/21/x/6 ID Context in hex, quoted (default none)")


class Security(_Model):
    WHAT: ClassVar[str] = "mode: nosec|psk|rpk|certificate|oscore, provisioning: profile|bootstrap, ..."
    mode: Annotated[Literal["nosec", "psk", "rpk", "certificate", "oscore"], _choice(
        SECURITY_MODES, "; for credentials provisioned by meterproof's Bootstrap-Server write provisioning: "
                        "bootstrap")] = "nosec"
    provisioning: Annotated[Literal["profile", "bootstrap"], BeforeValidator(
        lambda v: v if v in PROVISIONING else _bad_provisioning(v))] = Field(
        "profile", description="profile: the credentials below are in the device; bootstrap: meterproof's "
                               "Bootstrap-Server provisions them")
    psk_identity: OptText = Field(None, description="PSK identity (may use {endpoint})")
    psk_key: Annotated[Union[str, None], BeforeValidator(_psk_key)] = Field(
        None, pattern=r"^\s*(0[xX])?[0-9a-fA-F:]+\s*$",
        description="the PSK in hex, quoted (psk_key: \"000102...\"); or psk_key_env")
    psk_key_env: OptText = Field(None, description="environment variable holding the PSK in hex")
    certificate: OptText = Field(None, description="client certificate file (PEM/DER), relative to the profile")
    private_key: OptText = Field(None, description="private key file (PEM/DER), relative to the profile")
    server_certificate: OptText = None
    public_key: OptText = Field(
        None, description="rpk: the device's raw public key (/0/x/3), which the harness's servers accept: a PEM/DER "
                          "SubjectPublicKeyInfo file relative to the profile, or its DER in hex (quoted)")
    server_key_pair: OptText = Field(
        None, description="rpk: PEM/DER EC private key file of the server the device has pinned in /0/x/4 (the "
                          "Bootstrap-Server's with provisioning: bootstrap); the harness's server presents it")
    oscore: Union[Oscore, None] = Field(
        None, description="oscore: the device's OSCORE context (/21 of its server account, RFC 8613); the harness's "
                          "server holds the matching one")

    @model_validator(mode="before")
    @classmethod
    def _legacy_bootstrap_mode(cls, data: Any) -> Any:
        # the profile format of 0.1 spelled "provisioned by our bootstrap" as mode: bootstrap
        if isinstance(data, dict) and data.get("mode") == "bootstrap":
            return {**data, "mode": "nosec", "provisioning": "bootstrap"}
        return data


def _bad_provisioning(v: Any) -> Any:
    raise ValueError(f"must be 'profile' (the credentials below are in the device) or 'bootstrap' (meterproof's "
                     f"Bootstrap-Server provisions them), got {v!r}")


class Timing(_Model):
    WHAT: ClassVar[str] = "scale: <number>, transmission: default|loopback, registration_timeout: <seconds>"
    scale: PosNumber = Field(1.0, description="every protocol wait times this (slow links: NB-IoT 20)")
    transmission: Annotated[Literal["default", "loopback"], _choice(("default", "loopback"))] = Field(
        "default", description="default: RFC 7252 §4.8 retransmission; loopback: fast, for local clients")
    registration_timeout: OptPosNumber = Field(None, description="seconds to wait for the first Register")


class FirmwareImage(_Model):
    WHAT: ClassVar[str] = ("name, file, role: newer|older|current|corrupt|unsupported|oversized|out-of-ram|failing|"
                           "unsigned|wrong-signer|tampered-payload|tampered-signature|tampered-manifest, version, "
                           "expect: accept|reject")
    name: Text
    file: Text = Field(description="the image file, relative to the profile's folder")
    version: Annotated[str, BeforeValidator(lambda v: "" if v is None else str(v))] = Field(
        "", description="the version the device reports in /3/0/3 once it runs the image")
    expect: Annotated[Union[Literal["accept", "reject"], None], _choice(("accept", "reject", None))] = None
    role: Annotated[Union[Literal["newer", "older", "current", "corrupt", "unsupported", "oversized", "out-of-ram",
                                  "failing", "unsigned", "wrong-signer", "tampered-payload", "tampered-signature",
                                  "tampered-manifest"], None],
                    _choice((*FIRMWARE_ROLES, None))] = None


class Firmware(_Model):
    WHAT: ClassVar[str] = "images: [...], delivery: [push, pull], image_format: ..., latest_version: ..."
    images: Annotated[list[FirmwareImage], _entries()] = []
    delivery: Annotated[list[Literal["push", "pull"]], _entries(("push", "pull"))] = []
    image_format: OptText = Field(None, description="meterproof-sim: meterproof builds the images (the simulator)")
    latest_version: IdText = Field(None, description="the latest firmware version the vendor declares for the "
                                                     "model (/3/0/3 as the device reports it; REG-UPD-10)")


class Waiver(_Model):
    WHAT: ClassVar[str] = "case: <id>, reason: <why>"
    case: Text = Field(description="an ETS or MP case id")
    reason: Text = Field(description="why it is waived")

    @model_validator(mode="before")
    @classmethod
    def _both(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not data.get("case") or not data.get("reason"):
            raise ValueError("needs 'case' (an ETS or MP id) and 'reason' (why it is waived)")
        return data


class _Triggers(_Model):
    """One optional field per trigger name (hyphenated aliases)."""

    UNKNOWN: ClassVar[str] = "unknown trigger; allowed: {known}"


def _trigger_fields(value_type: Any, description: str) -> dict[str, Any]:
    return {t.replace("-", "_"): (value_type, Field(None, alias=t, description=description)) for t in TRIGGERS}


TriggerAction = Annotated[Union[dict[str, str], None], BeforeValidator(
    lambda v: None if v is None else _trigger_action(v)), WithJsonSchema({"anyOf": [
        {"enum": ["restart", "kill", "wipe_state"]},
        {"type": "object", "properties": {"stdin": {"type": "string"}}, "required": ["stdin"],
         "additionalProperties": False},
        {"type": "object", "properties": {"signal": {"type": "string", "pattern": "^SIG[A-Z0-9]+$"}},
         "required": ["signal"], "additionalProperties": False},
        {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"],
         "additionalProperties": False}]})]
Prompt = Annotated[Union[str, None], BeforeValidator(_prompt)]

from pydantic import create_model  # noqa: E402  (used only to build the per-trigger models)

ProcessTriggers = create_model(
    "ProcessTriggers", __base__=_Triggers,
    **_trigger_fields(TriggerAction, "restart | kill | wipe_state | {stdin: text} | {signal: SIGUSR1} | "
                                     "{command: ...}"))
ProcessTriggers.WHAT = "trigger: restart | kill | wipe_state | {stdin: text} | {signal: SIGUSR1} | {command: ...}"
ManualPrompts = create_model(
    "ManualPrompts", __base__=_Model,
    start=(Prompt, Field(None, description="what the operator does to start the meter")),
    stop=(Prompt, Field(None, description="what the operator does to stop it")),
    **_trigger_fields(Prompt, "the instruction the operator reads"))
ManualPrompts.WHAT = "start: text, reboot: text, ..."
ManualPrompts.UNKNOWN = f"unknown step; write start, stop or a trigger ({', '.join(TRIGGERS)})"


class SimulatorDriver(_Model):
    WHAT: ClassVar[str] = "type: simulator, meter: electricity|gas|water, defects: [...], variants: [...]"
    type: Literal["simulator"] = "simulator"
    meter: Meter = "electricity"
    defects: Strings = Field([], description="seeded defects (meterproof simulate --list-defects)")
    variants: Strings = Field([], description="legal variations (meterproof simulate --list-variants)")


class VirtualModem(_Model):
    WHAT: ClassVar[str] = "meter: electricity|gas|water, defects: [...], variants: [...]"
    meter: Meter = "electricity"
    defects: Strings = []
    variants: Strings = []


class ProcessDriver(_Model):
    WHAT: ClassVar[str] = "type: process, command: ..."
    type: Literal["process"]
    command: Text = Field(description="the client's command line with placeholders such as {server_uri}")
    cwd: OptText = Field(None, description="working folder, relative to the profile")
    env: dict[str, Annotated[str, BeforeValidator(_env_value), WithJsonSchema(_NUMBER_OR_TEXT)]] = {}
    stop_timeout: PosNumber = 5.0
    restart_on_crash: Bool = True
    max_restarts: NonNegInt = 3
    log_lines: PosInt = 2000
    case_options: dict[str, Annotated[list[str], BeforeValidator(_args)]] = Field(
        {}, description="option: [extra, args, '{value}'], e.g. queue_mode: [--queue-mode]")
    triggers: ProcessTriggers = Field(default_factory=ProcessTriggers)   # type: ignore[valid-type]
    server_address: ServerAddress = None

    @field_validator("env", "case_options", mode="before")
    @classmethod
    def _mapping(cls, v: Any, info: Any) -> Any:
        if v is None:
            return {}
        if not isinstance(v, dict):
            raise ValueError(f"must be a mapping, got {_type_name(v)}")
        return v


class ModemDriver(_Model):
    WHAT: ClassVar[str] = "type: modem, family: ..., port: ..."
    type: Literal["modem"]
    family: Text = Field(description="a built-in family (meterproof, ublox-sara-r4, telit-me910, generic, ...) "
                                     "or a family YAML file")
    port: Text = Field(description="the serial device, e.g. /dev/ttyUSB2, or 'virtual'")
    baud: Annotated[int, _choice(BAUD_RATES), WithJsonSchema({"enum": list(BAUD_RATES)})] = 115200
    command_timeout: PosNumber = 5.0
    server_address: ServerAddress = None
    virtual: Union[VirtualModem, None] = None


class ManualDriver(_Model):
    WHAT: ClassVar[str] = "type: manual, prompts: {...}, timeout: <seconds>"
    type: Literal["manual"]
    prompts: ManualPrompts = Field(default_factory=ManualPrompts)   # type: ignore[valid-type]
    timeout: PosNumber = 300.0
    server_address: ServerAddress = None


def _driver(v: Any) -> Any:
    if v is None:
        v = {}
    if isinstance(v, str):
        v = {"type": v}
    if not isinstance(v, dict):
        raise ValueError(f"must be a mapping (type: simulator|process|modem|manual and that driver's fields), got "
                         f"{_type_name(v)}")
    v = {"type": "simulator", **v}
    if v["type"] not in DRIVERS:
        raise PydanticCustomError("mp_error", "{text}", {"text": f"must be one of {', '.join(DRIVERS)} "
                                                                 f"(got {v['type']!r})", "field": "type"})
    return v


Driver = Annotated[Union[SimulatorDriver, ProcessDriver, ModemDriver, ManualDriver],
                   Field(discriminator="type"), BeforeValidator(_driver)]


class ProfileDoc(_Model):
    """A meterproof device profile (docs/DEVICES.md)."""

    UNKNOWN: ClassVar[str] = "unknown field; known fields: {known}"
    WHAT: ClassVar[str] = "fields name, endpoint, lwm2m_version, ..."

    name: Text = Field(description="a human name such as 'ACME E350 electricity meter, fw 4.2'")
    endpoint: Annotated[Union[str, None], BeforeValidator(_no_spaces)] = Field(
        None, description="endpoint client name pattern (or identity.endpoint)")
    identity: Identity = Field(default_factory=Identity)
    lwm2m_version: Annotated[Literal["1.0", "1.1", "1.2"], _choice(VERSIONS)] = Field(
        description="the LwM2M version the device implements, quoted: \"1.1\"")
    bindings: Annotated[list[str], BeforeValidator(lambda v: [str(b) for b in _entries().func(v)]),
                        WithJsonSchema({"type": "array", "items": {"type": "string", "pattern": "^[USNTQ]{1,5}$"}})
                        ] = Field(
        ["U"], description="1.0: U, UQ, S, SQ, US, UQS; 1.1+: letters from U, S, N, T, plus Q")
    content_formats: Annotated[list[Union[int, _lit(CF_NAMES)]], BeforeValidator(_content_formats)] = Field(
        [], description="content formats the device claims: numbers or names")
    objects: Annotated[list[Annotated[int, Field(ge=0, le=65535)]], BeforeValidator(_objects)] = Field(
        [], description="object ids the device claims")
    features: Annotated[list[_lit(FEATURES)], _entries(FEATURES)] = []
    triggers: Annotated[list[_lit(TRIGGERS)], _entries(TRIGGERS)] = Field(
        [], description="what the harness can make the device do")
    driver: Driver = Field(default_factory=SimulatorDriver, description="how meterproof starts the device: "
                           "simulator, process, modem, manual (or a mapping with type: and its fields)")
    security: Security = Field(default_factory=Security)
    timing: Timing = Field(default_factory=Timing)
    waivers: Annotated[list[Waiver], _entries()] = []
    ddf_dirs: Annotated[list[Text], _entries()] = Field(
        [], description="folders of extra object definitions (DDF XML), relative to the profile")
    firmware: Firmware = Field(default_factory=Firmware)


# --- errors ---------------------------------------------------------------------------------------------

def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def one_line(exc: ValidationError) -> tuple[str, str]:
    """(field path, message) of the first error, in the words a user reads."""
    e = exc.errors(include_url=False)[0]
    loc = list(e["loc"])
    # a discriminated union puts the driver type into the location: driver.process.command -> driver.command
    if len(loc) >= 2 and loc[0] == "driver" and loc[1] in DRIVERS:
        del loc[1]
    ctx = e.get("ctx") or {}
    if ctx.get("field"):
        loc.append(ctx["field"])
    # a list whose entries are plain values reports at the list (the message names the entry)
    while loc and isinstance(loc[-1], int) and e["type"] not in ("missing", "mp_error") and len(loc) == 2 \
            and loc[0] in ("bindings", "content_formats", "objects", "features", "triggers"):
        loc.pop()
    path = _path(tuple(loc))
    kind, msg = e["type"], e["msg"]
    if kind == "missing":
        hint = REQUIRED_HINTS.get(path)
        msg = "is required" + (f"; write {hint}" if hint else "")
    elif kind == "mp_error":
        msg = ctx.get("text", msg)
    elif kind == "value_error":
        msg = msg.removeprefix("Value error, ")
    else:
        msg = f"{msg[:1].lower()}{msg[1:]} (got {e.get('input')!r})"
    return path, msg


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a profile file, for editors and ``meterproof schema profile``."""
    schema = ProfileDoc.model_json_schema(by_alias=True, mode="validation")
    driver = schema["properties"]["driver"]
    # `driver: simulator` is short for `driver: {type: simulator}`
    schema["properties"]["driver"] = {
        "description": driver.pop("description", ""), "default": {"type": "simulator"},
        "anyOf": [{"enum": list(DRIVERS)}, {k: v for k, v in driver.items() if k != "default"}]}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "meterproof device profile", **{k: v for k, v in schema.items() if k != "title"}}
