"""What each kind of simulated meter holds: objects, object versions, factory values, sensor behaviour.

A :class:`Profile` is shared by every meter of one kind and LwM2M version (a
fleet of a thousand meters holds one), and a :class:`MeterContext` carries the
few things that differ per meter (endpoint name, seed, firmware version, ...).
Instance defaults are built on first use; sensor values are *providers*, pure
functions of the seconds since start:

* Device ``/3/0/7`` (voltage, mV) and ``/3/0/8`` (current, mA) step every
  :data:`STEP` = 0.2 s along a triangle wave, so pmin/pmax/gt/lt/st can be
  tested on them with second-scale attributes;
* cumulative readings (active energy, gas and water volume) grow linearly with
  time since start, instantaneous ones (mains voltage, power, flow) fluctuate
  deterministically (a seeded phase, never ``random``).

The variant traits (:mod:`.variants`) that shape what a meter holds live here too:
``server-instance`` and ``instance-numbering`` choose the instance ids (:class:`Layout`),
``minimal-resources`` keeps only mandatory resources, ``old-object-versions`` /
``new-object-versions`` choose other core object versions (:func:`core_versions`).
A profile is shared per (kind, LwM2M version, variants).
"""

from __future__ import annotations

import functools
import hashlib
import math
import struct
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable

from ..errors import ConfigError
from ..lwm2m.model.catalog import version_key
from ..lwm2m.retry import DEFAULT_VALUES as RETRY_DEFAULTS
from ..lwm2m.values import ObjLnk
from . import optional_objects as opt
from . import portfolio

if TYPE_CHECKING:
    from ..lwm2m.model.catalog import Catalog

STEP = 0.2          # seconds between sensor value changes
METER_KINDS = ("electricity", "gas", "water")
LWM2M_VERSIONS = ("1.0", "1.1", "1.2")
METER_OBJECT = {"electricity": 3421, "gas": 3423, "water": 3424}
MODEL_NUMBER = {"electricity": "MP-E100", "gas": "MP-G200", "water": "MP-W300"}
DEFAULT_FIRMWARE = "1.0.0"
#: what a meter with the firmware-outdated defect runs
OUTDATED_FIRMWARE = "0.9.0"

#: Object versions of the core objects per LwM2M version (what the meter registers with ``ver=``).
CORE_VERSIONS: dict[str, dict[int, str]] = {
    "1.0": {0: "1.0", 1: "1.0", 2: "1.0", 3: "1.0", 4: "1.0", 5: "1.0"},
    "1.1": {0: "1.1", 1: "1.1", 2: "1.0", 3: "1.1", 4: "1.2", 5: "1.0"},
    "1.2": {0: "1.2", 1: "1.2", 2: "1.1", 3: "1.2", 4: "1.3", 5: "1.2"},
}
#: Core objects a meter registers, whose versions the object-version variants change (the Security object
#: is never registered, and its resources carry the channel's security: it stays at the enabler's version).
REGISTERED_CORE = (1, 2, 3, 4, 5)
#: Objects the TS binds to Instance ID 0, whatever a meter's numbering (single-instance core objects).
SINGLE_INSTANCE = (3, 4, 5)
#: Objects whose optional resources ``minimal-resources`` keeps: the Security object's "optional" SSID,
#: certificate usage ... are what a Bootstrap-Server provisions, not features of the meter.
KEEPS_OPTIONAL = (0, 21)


@dataclass(frozen=True)
class Layout:
    """The instance ids of a meter: its factory accounts, and how it numbers multi-instance objects.

    The conformant default is ETS configuration C.1/C.13: server account /0/0 + /1/0 with SSID 1, the
    Bootstrap-Server account /0/1, instances numbered from 0.  ``server-instance`` and
    ``instance-numbering`` (:mod:`.variants`) choose other, equally legal, ids."""

    server_security_iid: int = 0
    bootstrap_security_iid: int = 1
    server_iid: int = 0
    ssid: int = 1
    sparse: bool = False

    def instances(self, oid: int, count: int) -> tuple[int, ...]:
        """The ids of the first ``count`` factory instances of ``oid``."""
        if oid == 1:
            return tuple(self.server_iid + k for k in range(count))
        if not self.sparse or oid == 0 or oid in SINGLE_INSTANCE:
            return tuple(range(count))
        start, step = (10, 1) if oid == 2 else (5, 4)     # /2 from 10; /19 -> 5, 9; others from 5
        return tuple(start + step * k for k in range(count))

    def first(self, oid: int) -> int:
        return self.instances(oid, 1)[0]


@functools.lru_cache(maxsize=None)
def layout_for(variants: frozenset[str]) -> Layout:
    out = Layout()
    if "server-instance" in variants:
        out = replace(out, server_security_iid=5, bootstrap_security_iid=0, server_iid=3, ssid=42)
    if "instance-numbering" in variants:
        out = replace(out, sparse=True)
    return out


@dataclass
class MeterContext:
    """Per-meter facts the profile's functions need."""

    endpoint: str
    kind: str
    lwm2m: str
    server_uri: str
    lifetime: int
    binding: str
    queue_mode: bool
    seed: int
    defects: frozenset[str]
    variants: frozenset[str] = frozenset()
    firmware_version: str = DEFAULT_FIRMWARE
    time_offset: float = 0.0               # written /3/0/13 minus wall clock
    started_wall: float = field(default_factory=time.time)
    live: Any = None                       # state of the optional objects (.optional_objects.Live)
    metering_offset: float = 0.0           # seconds the meter metered before this power-up (persisted registers)

    def __post_init__(self) -> None:
        if self.has("firmware-outdated") and self.firmware_version == DEFAULT_FIRMWARE:
            self.firmware_version = OUTDATED_FIRMWARE      # an old build left on the production line

    def has(self, defect: str) -> bool:
        return defect in self.defects

    @property
    def layout(self) -> Layout:
        return layout_for(self.variants)

    @property
    def phase(self) -> float:
        return (self.seed * 0.61803398875) % 1.0 * 2 * math.pi

    @property
    def serial(self) -> str:
        if self.has("serial-number-shared"):
            return "MP0000000001"
        return "MP" + hashlib.sha256(self.endpoint.encode()).hexdigest()[:10].upper()

    @property
    def psk(self) -> bytes:
        return hashlib.sha256(b"meterproof-factory-psk:" + self.endpoint.encode()).digest()[:16]

    @property
    def binding_resource(self) -> str:
        """/1/0/7 and /3/0/16: 1.0 spells queue mode inside the binding."""
        if self.lwm2m == "1.0" and self.queue_mode and "Q" not in self.binding:
            return self.binding + "Q"
        return self.binding


Defaults = Callable[[MeterContext, int], dict[int, Any]]
Provider = Callable[[MeterContext, int, float], Any]


@dataclass(frozen=True)
class ObjectProfile:
    version: str
    instances: tuple[int, ...]
    defaults: Defaults
    providers: dict[int, Provider] = field(default_factory=dict)
    #: The resources this meter implements in the object (None: every resource of the definition).
    resources: frozenset[int] | None = None

    def implements(self, rid: int) -> bool:
        return self.resources is None or rid in self.resources


@dataclass(frozen=True)
class Profile:
    kind: str
    lwm2m: str
    objects: dict[int, ObjectProfile]

    @property
    def versions(self) -> dict[int, str]:
        return {oid: op.version for oid, op in self.objects.items()}


# --------------------------------------------------------------------------- sensor shapes

def triangle(t: float, period_steps: int, lo: int, hi: int, offset: int = 0) -> int:
    """Integer triangle wave that changes every STEP seconds."""
    n = int(t / STEP) + offset
    half = period_steps // 2
    k = n % period_steps
    pos = k if k <= half else period_steps - k
    return lo + (hi - lo) * pos // half


def wobble(ctx: MeterContext, t: float, centre: float, amp: float, period: float, digits: int = 2) -> float:
    q = int(t / STEP) * STEP
    return round(centre + amp * math.sin(2 * math.pi * q / period + ctx.phase), digits)


def now_s(ctx: MeterContext) -> int:
    return int(time.time() + ctx.time_offset)


# --------------------------------------------------------------------------- core objects

def _security(ctx: MeterContext, iid: int) -> dict[int, Any]:
    secure = ctx.server_uri.startswith("coaps")
    return {0: ctx.server_uri, 1: False, 2: 0 if secure else 3, 3: ctx.endpoint.encode(), 4: b"",
            5: ctx.psk, 10: ctx.layout.ssid, 11: 0}


def _server(ctx: MeterContext, iid: int) -> dict[int, Any]:
    res: dict[int, Any] = {0: ctx.layout.ssid, 1: ctx.lifetime, 2: 0, 3: 300, 4: None, 5: 86400, 6: False,
                           7: ctx.binding_resource, 8: None}
    if ctx.lwm2m != "1.0":
        res.update({9: None, 23: False})
        res.update(RETRY_DEFAULTS)      # Communication Retry /1/x/17-20: the TS Core 1.1 Table 6.2.1.1-1 values
    if ctx.lwm2m == "1.2":
        res[26] = 0
    return res


def _acl_targets(layout: Layout) -> list[tuple[int, int]]:
    """The object instances the factory Access Control instances govern: /3/0, /4/0, /5/0 and both /19."""
    bins = layout.instances(19, 2)
    return [(3, 0), (4, 0), (5, 0), (19, bins[0]), (19, bins[1])]


_ACL_COUNT = len(_acl_targets(Layout()))


def _acl(ctx: MeterContext, iid: int) -> dict[int, Any]:
    lay = ctx.layout
    oid, oiid = _acl_targets(lay)[lay.instances(2, _ACL_COUNT).index(iid)]
    return {0: oid, 1: oiid, 2: {lay.ssid: 31 if oid == 19 else 15}, 3: lay.ssid}


def _device(ctx: MeterContext, iid: int) -> dict[int, Any]:
    res: dict[int, Any] = {
        0: "meterproof", 1: MODEL_NUMBER[ctx.kind], 2: ctx.serial,
        3: "" if ctx.has("device-fw-version-blank") else ctx.firmware_version,
        4: None, 5: None, 6: {0: 1, 1: 5}, 7: {0: 0, 1: 0}, 8: {0: 0, 1: 0}, 9: 0, 10: 0, 11: {0: 0},
        12: None, 13: 0, 14: "+01:00", 15: "Europe/Paris", 16: ctx.binding_resource,
        17: f"{ctx.kind} meter", 18: "HW-1.0", 19: "SW-" + ctx.firmware_version, 20: 0, 21: 1024,
    }
    if ctx.has("device-omits-mandatory"):
        del res[11]   # the vendor forgot the mandatory Error Code
    return res


def _battery(ctx: MeterContext, iid: int, t: float) -> int:
    if ctx.has("battery-level-out-of-range"):
        return 150    # raw ADC percentage, never clamped
    return max(5, 95 - int(t // 600))


_DEVICE_PROVIDERS: dict[int, Provider] = {
    7: lambda ctx, iid, t: {0: triangle(t, 20, 3600, 3800), 1: triangle(t, 20, 5000, 5100, 5)},
    8: lambda ctx, iid, t: {0: triangle(t, 16, 100, 180, 3), 1: triangle(t, 16, 900, 940, 11)},
    9: _battery,
    10: lambda ctx, iid, t: 512 - triangle(t, 40, 0, 20),
    13: lambda ctx, iid, t: now_s(ctx),
}


def _connectivity(ctx: MeterContext, iid: int) -> dict[int, Any]:
    # NB-IoT in use; LTE-FDD, NB-IoT and WLAN (the module /12 describes, which Bearer Selection /13 can switch to)
    # available
    return {0: 7, 1: {0: 6, 1: 7, 2: 21}, 2: -90, 3: -10, 4: {0: "127.0.0.1"}, 7: {0: "iot.meterproof"},
            8: 12345 + ctx.seed % 1000, 9: 1, 10: 262, 11: 12}


def _fade(ctx: MeterContext, t: float) -> int:
    """How far the simulated NB-IoT link has faded (0..6 dB), a triangle over 30 steps: the radio values of /4
    move with it (RSRP, RSRQ and SNR fall together), so observing /4/0 sees the link change.  A Server can also
    pin one of them with the ``set-value`` trigger (the harness's way to change the link on purpose)."""
    if ctx.has("connectivity-values-frozen"):
        t = 0.0                       # the vendor reads the modem once at boot and never again
    return triangle(t, 30, 0, 6)


def _rsrp(ctx: MeterContext, iid: int, t: float) -> int:
    value = -90 - _fade(ctx, t)
    return abs(value) if ctx.has("radio-strength-sign-lost") else value


_CONNECTIVITY_PROVIDERS: dict[int, Provider] = {
    2: _rsrp,
    3: lambda ctx, iid, t: -10 - _fade(ctx, t) // 2,        # RSRQ (dB), TS 36.214
    11: lambda ctx, iid, t: 12 - _fade(ctx, t),             # SNR (dB)
}


def _firmware(ctx: MeterContext, iid: int) -> dict[int, Any]:
    res: dict[int, Any] = {0: b"", 1: "", 2: None, 3: 0, 5: 0, 6: "", 7: "", 8: {0: 0, 1: 1, 2: 2, 3: 3}, 9: 2}
    if ctx.lwm2m == "1.2":
        res.update({10: None, 12: 0})
    return res


def _software(ctx: MeterContext, iid: int) -> dict[int, Any]:
    return {0: "meter-app", 1: "1.0.0", 2: b"", 3: "", 4: None, 6: None, 7: 4, 9: 0, 10: None, 11: None,
            12: True}


def _bin_data(ctx: MeterContext, iid: int) -> dict[int, Any]:
    if iid == ctx.layout.first(19):
        return {0: {0: b""}, 1: 0, 2: int(ctx.started_wall), 3: "meter reading", 4: "meterproof/v1"}
    return {0: {0: b""}, 1: 1, 2: int(ctx.started_wall), 3: "downlink", 4: "opaque"}


def _lte_band(ctx: MeterContext, iid: int) -> dict[int, Any]:
    return {1: 6300, 2: 806.0, 3: 847.0, 4: {0: 6300, 1: 6400}, 5: 30.0, 6: None}


def _rsp(ctx: MeterContext, iid: int) -> dict[int, Any]:
    iccid = "8949" + str(int(hashlib.sha256(ctx.endpoint.encode()).hexdigest(), 16))[:15]
    return {0: 2, 1: {0: 1, 1: 2}, 2: "meterproof-mno", 3: "", 4: None, 5: 0, 6: 0, 7: "operational",
            9: 64, 10: 512, 11: {0: iccid}, 12: "89049032" + iccid[4:], 13: 1}


# --------------------------------------------------------------------------- metering objects

def _reading(ctx: MeterContext, t: float) -> float:
    """The meter's cumulative register: Wh for electricity, m3 for gas and water; it goes on from where it stood
    at the last power cut (``metering_offset``)."""
    t += ctx.metering_offset
    if ctx.has("register-counts-down"):
        t = -t                        # the prepayment credit (what is left) reported in the consumption register
    if ctx.kind == "electricity":
        return round(125000.0 + 1092.5 * t / 3600.0, 3)
    rate = 0.0005 if ctx.kind == "gas" else 0.0002   # m3/s
    return round(1234.5 + rate * t, 4)


def _voltage(ctx: MeterContext, iid: int, t: float) -> float:
    volts = wobble(ctx, t, 230.0, 2.4, 7.0, 1)
    return volts * 1000 if ctx.has("voltage-in-millivolts") else volts


def _meter_blob(ctx: MeterContext, iid: int, t: float) -> dict[int, bytes]:
    return {0: struct.pack(">4sIQd", b"MPMD", METER_OBJECT[ctx.kind], now_s(ctx), _reading(ctx, t))}


def _electricity(ctx: MeterContext, iid: int) -> dict[int, Any]:
    return {1: 230.0, 6: 5.0, 11: 50.0, 13: 0.95, 16: 1092.5, 25: 125000.0, 26: 0.0, 5518: 0}


_ELECTRICITY_PROVIDERS: dict[int, Provider] = {
    1: _voltage,
    6: lambda ctx, iid, t: wobble(ctx, t, 5.0, 0.8, 11.0, 2),
    11: lambda ctx, iid, t: wobble(ctx, t, 50.0, 0.02, 13.0, 3),
    16: lambda ctx, iid, t: round(wobble(ctx, t, 230.0, 2.4, 7.0, 1) * wobble(ctx, t, 5.0, 0.8, 11.0, 2) * 0.95, 1),
    25: lambda ctx, iid, t: _reading(ctx, t),
    5518: lambda ctx, iid, t: now_s(ctx),
}


def _fluid(ctx: MeterContext, iid: int) -> dict[int, Any]:
    res: dict[int, Any] = {1: 0.0, 3: "G4 diaphragm" if ctx.kind == "gas" else "DN20 ultrasonic", 4: 0,
                           6: 100, 7: 0.0, 8: 0.0016, 9: False, 10: False, 5518: 0}
    if ctx.kind == "gas":
        res[11] = False
    else:
        res.update({11: False, 12: False, 13: False})
    return res


_FLUID_PROVIDERS: dict[int, Provider] = {
    1: lambda ctx, iid, t: _reading(ctx, t),
    4: lambda ctx, iid, t: int(_reading(ctx, t) * 100),
    7: lambda ctx, iid, t: max(0.0, wobble(ctx, t, 0.0003, 0.0002, 9.0, 6)),
    5518: lambda ctx, iid, t: now_s(ctx),
}


def _link(ctx: MeterContext, oid: int) -> ObjLnk:
    """An Objlnk to the meter's (first) instance of ``oid``."""
    return ObjLnk(oid, ctx.layout.first(oid))


def _interval_delivery(ctx: MeterContext, iid: int) -> dict[int, Any]:
    return {0: "daily-interval", 1: {0: _link(ctx, METER_OBJECT[ctx.kind])}, 2: {0: b""}, 3: _link(ctx, 10264)}


def _event_delivery(ctx: MeterContext, iid: int) -> dict[int, Any]:
    return {0: "alarms", 1: {0: _link(ctx, 10281)}, 2: {0: b""}, 3: _link(ctx, 10264)}


def _schedule(ctx: MeterContext, iid: int) -> dict[int, Any]:
    return {0: 0, 1: "+00:00", 2: 86400, 3: 3600, 4: 3, 5: 600}


def _water_flow(ctx: MeterContext, iid: int) -> dict[int, Any]:
    start = int(ctx.started_wall)
    return {6000: 3600, 6001: 0, 6002: "+00:00", 6003: start, 6004: start, 6006: start, 6007: True,
            6028: 1, 6029: b""}


def _low_battery(ctx: MeterContext, iid: int) -> dict[int, Any]:
    return {6011: 3, 6012: False, 6013: False, 6014: 10.0, 6015: 1, 6021: 0, 6022: None, 6024: 100,
            6025: b""}


# --------------------------------------------------------------------------- vendor object (variant vendor-object)

VENDOR_OBJECT = 32769


def _tariffs(ctx: MeterContext, iid: int) -> dict[int, Any]:
    return {0: "two-rate day/night", 1: 1,
            2: {0: 100000.0, 1: 25000.0}, 3: None}


_TARIFF_PROVIDERS: dict[int, Provider] = {
    2: lambda ctx, iid, t: {0: _reading(ctx, t) - 25000.0, 1: 25000.0},
}


# --------------------------------------------------------------------------- assembling

_PROFILES: dict[tuple[str, str, int, tuple[str, ...]], Profile] = {}


def profile_for(kind: str, lwm2m: str, catalog: "Catalog", variants: frozenset[str] = frozenset()) -> Profile:
    """The shared profile of one meter kind at one LwM2M version with these variants (built once per catalog)."""
    key = (kind, lwm2m, id(catalog), tuple(sorted(variants)))
    prof = _PROFILES.get(key)
    if prof is None:
        prof = _PROFILES[key] = _build(kind, lwm2m, catalog, variants)
    return prof


def _newest(catalog: "Catalog", oid: int) -> str:
    d = catalog.get(oid)
    return d.version if d is not None else "1.0"


def core_versions(lwm2m: str, variants: frozenset[str], catalog: "Catalog") -> dict[int, str]:
    """The core object versions a meter implements: the enabler's (:data:`CORE_VERSIONS`), or with
    ``old-object-versions`` the oldest definition the catalog has below them, with ``new-object-versions``
    the newest one above them that this LwM2M version may use (the DDF's LWM2MVersion)."""
    core = dict(CORE_VERSIONS[lwm2m])
    wanted = [n for n in ("old-object-versions", "new-object-versions") if n in variants]
    if not wanted:
        return core
    changed = False
    for oid in REGISTERED_CORE:
        known = catalog.versions(oid)
        mine = version_key(core[oid])
        if "old-object-versions" in variants:
            older = [v for v in known if version_key(v) < mine]
            if older:
                core[oid], changed = older[0], True
        if "new-object-versions" in variants:
            usable = [v for v in known if version_key(v) > mine
                      and version_key(_enabler_of(catalog, oid, v)) <= version_key(lwm2m)]
            if usable:
                core[oid], changed = usable[-1], True
    if not changed:
        raise ConfigError(f"variant {wanted[0]}: the object catalog has no other core object version a LwM2M "
                          f"{lwm2m} meter can implement")
    return core


def _enabler_of(catalog: "Catalog", oid: int, version: str) -> str:
    d = catalog.get(oid, version)
    return d.lwm2m_version if d is not None else "1.0"


def _build(kind: str, lwm2m: str, catalog: "Catalog", variants: frozenset[str] = frozenset()) -> Profile:
    core = core_versions(lwm2m, variants, catalog)
    objs: dict[int, ObjectProfile] = {
        0: ObjectProfile(core[0], (0,), _security),
        1: ObjectProfile(core[1], (0,), _server),
        2: ObjectProfile(core[2], tuple(range(_ACL_COUNT)), _acl),
        3: ObjectProfile(core[3], (0,), _device, _DEVICE_PROVIDERS),
        4: ObjectProfile(core[4], (0,), _connectivity, _CONNECTIVITY_PROVIDERS),
        5: ObjectProfile(core[5], (0,), _firmware),
        9: ObjectProfile("1.0", (0,), _software),
        portfolio.PORTFOLIO: ObjectProfile("1.0", (0,), portfolio.defaults),
        19: ObjectProfile("1.0", (0, 1), _bin_data,
                          {0: lambda c, i, t: _meter_blob(c, i, t) if i == c.layout.first(19) else None}),
        501: ObjectProfile("1.0", (0,), _lte_band),
        504: ObjectProfile("1.0", (0,), _rsp),
        6: ObjectProfile("1.0", (0,), opt.location, opt.LOCATION_PROVIDERS),
        7: ObjectProfile("1.0", (0,), opt.statistics, opt.STATISTICS_PROVIDERS),
    }
    if "no-wlan-object" not in variants:
        # the WLAN module (Available Network Bearer 21 in /4/x/1); 12.xml's LWM2MVersion is 1.0
        objs[12] = ObjectProfile("1.1", (0,), opt.wlan)
    if lwm2m != "1.0":
        # LwM2M OSCORE (TS Core 1.1 E.4): no instance until a factory account or a Bootstrap-Server makes one
        objs[21] = ObjectProfile(_newest(catalog, 21), (), lambda ctx, iid: {})
        # these versions' DDF LWM2MVersion is 1.1
        objs[10] = ObjectProfile("1.1", (0,), opt.cellular)
        objs[11] = ObjectProfile("1.1", (0,), opt.apn_profile)
        if "no-bearer-selection" not in variants:
            objs[13] = ObjectProfile("1.1", (0,), opt.bearer_selection)
        objs[20] = ObjectProfile("2.1", (0,), opt.event_log, opt.EVENT_LOG_PROVIDERS)
    moid = METER_OBJECT[kind]
    if kind == "electricity":
        objs[moid] = ObjectProfile(_newest(catalog, moid), (0,), _electricity, _ELECTRICITY_PROVIDERS)
    else:
        objs[moid] = ObjectProfile(_newest(catalog, moid), (0,), _fluid, _FLUID_PROVIDERS)
    objs[10262] = ObjectProfile(_newest(catalog, 10262), (0,), _interval_delivery)
    objs[10263] = ObjectProfile(_newest(catalog, 10263), (0,), _event_delivery)
    objs[10264] = ObjectProfile(_newest(catalog, 10264), (0,), _schedule)
    objs[10281] = ObjectProfile(_newest(catalog, 10281), (0,), _low_battery)
    if kind == "water":
        objs[10266] = ObjectProfile(_newest(catalog, 10266), (0,), _water_flow)
    if "no-portfolio" in variants:
        del objs[portfolio.PORTFOLIO]
    if "vendor-object" in variants:
        objs[VENDOR_OBJECT] = ObjectProfile(_newest(catalog, VENDOR_OBJECT), (0,), _tariffs, _TARIFF_PROVIDERS)
    # keep only objects the catalog defines, and only the resources their definition has (with
    # minimal-resources: only the mandatory ones); instance ids as the layout numbers them
    model = catalog.for_versions({oid: op.version for oid, op in objs.items()})
    layout = layout_for(variants)
    minimal = "minimal-resources" in variants
    out: dict[int, ObjectProfile] = {}
    for oid, op in objs.items():
        odef = model.object_def(oid)
        if odef is None:
            continue
        allowed = frozenset(rid for rid, rd in odef.resources.items()
                            if rd.mandatory or not minimal or oid in KEEPS_OPTIONAL)
        iids = layout.instances(oid, len(op.instances)) if odef.multiple else op.instances
        out[oid] = ObjectProfile(op.version, iids, _filtered(op.defaults, allowed),
                                 {r: p for r, p in op.providers.items() if r in allowed}, allowed)
    return Profile(kind, lwm2m, out)


def _filtered(defaults: Defaults, allowed: frozenset[int]) -> Defaults:
    def build(ctx: MeterContext, iid: int) -> dict[int, Any]:
        return {rid: v for rid, v in defaults(ctx, iid).items() if rid in allowed}
    return build


__all__ = ["CORE_VERSIONS", "LWM2M_VERSIONS", "Layout", "METER_KINDS", "METER_OBJECT", "MeterContext",
           "ObjectProfile", "Profile", "REGISTERED_CORE", "STEP", "core_versions", "layout_for", "profile_for",
           "triangle"]
