"""The optional OMA objects of a meter with a cellular modem, a WLAN module and a GNSS receiver: Location (/6),
Connectivity Statistics (/7), Cellular Connectivity (/10, version 1.1: LwM2M 1.1 and later)
with the APN Connection Profile it links to (/11, version 1.1), WLAN Connectivity (/12, version 1.1, whose
definition allows LwM2M 1.0), Bearer Selection (/13, version 1.1: LwM2M 1.1 and later) and Event Log (/20,
version 2.1: LwM2M 1.1 and later).  Facts from their OMNA definitions (objects/6.xml, 7.xml, 10.xml, 11.xml,
12.xml, 13.xml, 20.xml).

What changes, and why it is plausible:

* Location: a GNSS fix every :data:`~.profiles.STEP` seconds; the position wanders by a few metres around the
  meter's installation point (receiver noise) and the Timestamp is the time of the fix;
* Connectivity Statistics: between Start (/7/0/6) and Stop (/7/0/7), or until the Collection Period (/7/0/8)
  ends, the meter counts every datagram that crosses its socket, with the UDP and IPv4 headers (28 bytes) the
  definition's note counts in (a DTLS meter counts its records); Tx/Rx Data in kilobytes, message sizes in bytes;
* Cellular Connectivity: configuration (PSM and active timers, eDRX octets, power saving modes) that changes only
  when a Server writes it;
* Bearer Selection: the meter has its cellular modem and a WLAN module (both listed in /4/x/1); when a Server
  writes a Preferred Communications Bearer that makes it change bearer, it goes on from a new socket (a new
  source address) and sends an Update from it, so the Server learns where to reach it (ETS CONMGMT-int-1350);
* WLAN Connectivity: the WLAN module is a station on the site's network, switched off from the factory (ETS
  configuration C.10: Enable false, Status 0).  The meter switches it on when WLAN becomes its bearer (Enable
  true, radio on 2.4 GHz, Status 1 "up": what ETS CONMGMT-int-1350 step 4 reads) and off again when it leaves
  WLAN, unless a Server had switched it on; a Server's write of Enable switches it on or off (Status and Radio
  Enabled follow, 12.xml: a disabled interface has its radio off too), and switching off the interface the meter
  talks over sends the meter back to its modem;
* Event Log: LogStart (4011) empties the collection and runs it (LogStatus 0), LogStop (4012) stops it (LogStatus
  bit 0); while running, one entry is logged per :data:`LOG_EVERY` seconds (the meter's voltage readings).

The per-meter state (:class:`Live`) hangs on the meter's :class:`~.profiles.MeterContext` (``ctx.live``), so
the providers stay functions of (ctx, instance, seconds since start).
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field
from typing import Any

from aiocoap.numbers import codes

from ..lwm2m.path import Path
from ..lwm2m.values import ObjLnk

#: The meter's :class:`~.profiles.MeterContext` (not imported: profiles imports this module).
MeterContext = Any

#: The meter's installation point (WGS 84), moved a little per seed so two meters differ.
HOME = (48.8566, 2.3522)
#: GNSS fix interval, seconds (the simulator's sensor step).
FIX_EVERY = 0.2
#: UDP (8) + IPv4 (20) header bytes the Connectivity Statistics count with every datagram (7.xml note on Start).
IP_OVERHEAD = 28
#: Seconds between two Event Log entries while the log runs.
LOG_EVERY = 0.5
#: LogStatus bits (20.xml, resource 4013): bit 0 stopped, bit 1 LogData holds valid data.
STOPPED, VALID = 1, 2


# --------------------------------------------------------------------------- per-meter state

@dataclass
class Traffic:
    """The Connectivity Statistics collection of one meter."""

    collecting: bool = False
    started: float = 0.0
    period: float = 0.0
    tx_bytes: int = 0
    rx_bytes: int = 0
    messages: int = 0
    total: int = 0
    largest: int = 0
    ignore_stop: bool = False        # the seeded defect conn-stats-stop-ignored

    def start(self, period: float) -> None:
        self.collecting, self.started, self.period = True, time.monotonic(), max(0.0, period)
        self.tx_bytes = self.rx_bytes = self.messages = self.total = self.largest = 0

    def stop(self) -> None:
        if not self.ignore_stop:
            self.collecting = False

    def tap(self, direction: str, data: bytes, peer: Any, local: Any) -> None:
        """A :data:`meterproof.coap.transport.SocketTap`: count one datagram while collecting."""
        if not self.collecting:
            return
        if self.period and time.monotonic() - self.started > self.period:
            self.collecting = False
            return
        size = len(data) + IP_OVERHEAD
        if direction == "out":
            self.tx_bytes += size
        else:
            self.rx_bytes += size
        self.messages += 1
        self.total += size
        self.largest = max(self.largest, size)

    def value(self, rid: int) -> int:
        return {0: 0, 1: 0, 2: self.tx_bytes // 1024, 3: self.rx_bytes // 1024, 4: self.largest,
                5: self.total // self.messages if self.messages else 0}[rid]


@dataclass
class EventLog:
    """The Event Log of one meter: C.16's factory state is stopped with valid data (LogStatus 3)."""

    running: bool = False
    since: float = field(default_factory=time.monotonic)
    kept: bytes = b"boot;"
    ignore_start: bool = False       # the seeded defect event-log-start-ignored

    def start(self, extend: bool) -> None:
        if self.ignore_start:
            return
        if not extend:
            self.kept = b""
        self.running, self.since = True, time.monotonic()

    def stop(self, empty: bool) -> None:
        if self.running:
            self.kept = self.data()
        self.running = False
        if empty:
            self.kept = b""

    def data(self) -> bytes:
        if not self.running:
            return self.kept
        n = int((time.monotonic() - self.since) / LOG_EVERY)
        return self.kept + b"".join(b"entry %d;" % i for i in range(min(n, 64)))

    def status(self) -> int:
        return (0 if self.running else STOPPED) | (VALID if self.data() else 0)


@dataclass
class Live:
    traffic: Traffic = field(default_factory=Traffic)
    log: EventLog = field(default_factory=EventLog)
    bearer: str = "cellular"         # the bearer the meter talks over (Bearer Selection /13)
    wlan_for_bearer: bool = False    # the meter itself switched the WLAN interface on to make it its bearer


def live(ctx: MeterContext) -> Live:
    if ctx.live is None:
        ctx.live = Live(Traffic(ignore_stop=ctx.has("conn-stats-stop-ignored")),
                        EventLog(ignore_start=ctx.has("event-log-start-ignored")))
    return ctx.live


# --------------------------------------------------------------------------- Location /6

def _position(ctx: MeterContext, t: float) -> tuple[float, float]:
    k = int(t / FIX_EVERY)
    lat = HOME[0] + (ctx.seed % 97) * 1e-4 + 2e-5 * math.sin(k * 1.7 + ctx.phase)
    lon = HOME[1] + (ctx.seed % 89) * 1e-4 + 2e-5 * math.cos(k * 2.3 + ctx.phase)
    if ctx.has("location-microdegrees"):
        return float(int(lat * 1e6)), float(int(lon * 1e6))   # the GNSS driver's integer output, never scaled
    return round(lat, 6), round(lon, 6)


def location(ctx: MeterContext, iid: int) -> dict[int, Any]:
    lat, lon = _position(ctx, 0.0)
    return {0: lat, 1: lon, 2: 35.0, 3: 8.0, 4: bytes(4), 5: int(ctx.started_wall), 6: 0.0}


LOCATION_PROVIDERS: dict[int, Any] = {
    0: lambda ctx, iid, t: _position(ctx, t)[0],
    1: lambda ctx, iid, t: _position(ctx, t)[1],
    3: lambda ctx, iid, t: round(6.0 + 4.0 * abs(math.sin(int(t / FIX_EVERY) * 0.9)), 1),
    5: lambda ctx, iid, t: int(ctx.started_wall + ctx.time_offset + int(t / FIX_EVERY) * FIX_EVERY),
}


# --------------------------------------------------------------------------- Connectivity Statistics /7

def statistics(ctx: MeterContext, iid: int) -> dict[int, Any]:
    return {0: 0, 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: None, 7: None, 8: 0}


STATISTICS_PROVIDERS: dict[int, Any] = {rid: (lambda r: lambda ctx, iid, t: live(ctx).traffic.value(r))(rid)
                                        for rid in range(6)}


# --------------------------------------------------------------------------- Cellular Connectivity /10

def cellular(ctx: MeterContext, iid: int) -> dict[int, Any]:
    # C.10/C.11: PSM timer 3600 s, active timer 600 s; eDRX octet 3 (3GPP TS 24.008 §10.5.5.32: PTW 2.56 s,
    # eDRX cycle 20.48 s (WB-S1, 0b0010) / 40.96 s (NB-S1, 0b0011)); PSM and eDRX supported and active; RAI not used;
    # the one APN profile (/11) with an active PDN connection
    res: dict[int, Any] = {4: 3600, 5: 600, 8: b"\x02", 9: b"\x03", 12: 3, 13: 3, 14: 1}
    if not ctx.has("cellular-omits-activated-profiles"):
        res[11] = {0: ObjLnk(11, ctx.layout.first(11))}
    return res


def apn_profile(ctx: MeterContext, iid: int) -> dict[int, Any]:
    return {0: "meterproof-iot", 1: "iot.meterproof", 3: True, 4: 3, 24: 1}


def apn_changed(ctx: MeterContext, store: Any) -> None:
    """An APN profile was created, deleted or enabled/disabled: the modem activates a PDN connection for every
    enabled profile (11.xml, resource 3), and Activated Profile Names (/10/x/11) links exactly those."""
    if not store.has_object(10) or not store.has_object(11):
        return
    if ctx.has("apn-enable-not-activated"):
        return                  # the vendor fills /10/x/11 once, at boot
    links = [ObjLnk(11, iid) for iid in store.instance_ids(11) if store.get_path(Path((11, iid, 3))) is True]
    for iid in store.instance_ids(10):
        if store.exists(Path((10, iid, 11))):
            store.set(Path((10, iid, 11)), dict(enumerate(links)))


# --------------------------------------------------------------------------- WLAN Connectivity /12

#: Status (12.xml resource 3): switched off, up.
WLAN_OFF, WLAN_UP = 0, 1
#: Radio Enabled (12.xml resource 2): off, 2.4 GHz.
RADIO_OFF, RADIO_2G4 = 0, 1


def wlan(ctx: MeterContext, iid: int) -> dict[int, Any]:
    # a station (Mode 1) on the site's WPA2-PSK network, 802.11n on channel 6 with automatic channel choice, indoor
    # French regulatory domain; its own MAC address (a locally administered one, per meter and interface);
    # switched off (C.10)
    mac = "02" + hashlib.sha256(f"wlan:{ctx.endpoint}:{iid}".encode()).hexdigest()[:10].upper()
    return {0: f"wlan{iid}", 1: False, 2: RADIO_OFF, 3: WLAN_OFF, 4: mac, 5: "meterproof-site", 8: 1, 9: 6,
            10: True, 11: dict(enumerate(range(1, 14))), 13: "FRI", 14: 4, 15: 1, 16: 0, 29: True, 30: True}


def wlan_interface(store: Any) -> int | None:
    """The instance of the meter's WLAN module: its first /12 instance (None: the meter shows no /12)."""
    ids = store.instance_ids(12) if store.has_object(12) else []
    return ids[0] if ids else None


def wlan_switched(store: Any, iid: int, on: bool) -> None:
    """The WLAN interface /12/iid is switched on or off: Enable says so, Status is up or off and the radio (where
    the meter has Radio Enabled) on 2.4 GHz or off (12.xml resource 1: a disabled interface has its radio off)."""
    store.set(Path((12, iid, 1)), on)
    if store.exists(Path((12, iid, 2))):
        store.set(Path((12, iid, 2)), RADIO_2G4 if on else RADIO_OFF)
    store.set(Path((12, iid, 3)), WLAN_UP if on else WLAN_OFF)


def enable_written(ctx: MeterContext, store: Any, iid: int, on: bool) -> bool:
    """A Server wrote Enable (/12/iid/1): the interface follows.  True when that switched off the interface the
    meter talks over, so it has to go back to its modem."""
    wlan_switched(store, iid, on)
    state = live(ctx)
    if iid != wlan_interface(store):
        return False
    state.wlan_for_bearer = False           # the Server's choice from now on, not the meter's
    return not on and state.bearer == "wlan"


# --------------------------------------------------------------------------- Bearer Selection /13

#: Preferred Communications Bearer codes (13.xml resource 0) the meter has: its LTE-M/NB-IoT modem answers to
#: 3GPP PS (1), 3GPP PS LTE (4) and the CIoT/NB-IoT optimisations (12-15), its WLAN module to 7.
BEARER_CODES: dict[int, str] = {1: "cellular", 4: "cellular", 12: "cellular", 13: "cellular", 14: "cellular",
                                15: "cellular", 7: "wlan"}
#: Network Bearer (Connectivity Monitoring /4/x/0, 4.xml) of each: NB-IoT 7, WLAN 21.
NETWORK_BEARER = {"cellular": 7, "wlan": 21}


def bearer_selection(ctx: MeterContext, iid: int) -> dict[int, Any]:
    # the factory preference: the cellular modem (3GPP PS preferred)
    return {0: {0: 1}}


def chosen_bearer(preferred: list[int], current: str) -> str:
    """The bearer the meter uses for a Preferred Communications Bearer list (in priority order): the first it
    has; automatic (0) is the meter's own choice, the modem; none it has: it stays where it is (13.xml: the
    client waits for a preferred bearer to become available)."""
    for code in preferred:
        if code == 0:
            return "cellular"
        if code in BEARER_CODES:
            return BEARER_CODES[code]
    return current


def bearer_changed(ctx: MeterContext, store: Any, new: str) -> None:
    """The meter now talks over ``new``: Network Bearer (/4/x/0) says so, and the WLAN interface (/12) is switched
    on when WLAN becomes the bearer (ETS CONMGMT-int-1350 step 3: the client turns the WLAN radio on; step 4 reads
    Enable and Status) and off when the meter leaves it, if the meter had switched it on for that.  The seeded
    defect wlan-object-stale changes bearer but never touches /12."""
    state = live(ctx)
    for cid in store.instance_ids(4):
        if store.exists(Path((4, cid, 0))):
            store.set(Path((4, cid, 0)), NETWORK_BEARER[new])
    iid = wlan_interface(store)
    if iid is None or ctx.has("wlan-object-stale"):
        return
    if new == "wlan":
        if store.get_path(Path((12, iid, 1))) is not True:
            state.wlan_for_bearer = True
            wlan_switched(store, iid, True)
    elif state.wlan_for_bearer:
        state.wlan_for_bearer = False
        wlan_switched(store, iid, False)


def factory_bearer(ctx: MeterContext) -> None:
    """A factory reset: the meter is back on its modem with the WLAN interface off, as its factory defaults say
    (/13 3GPP PS preferred, /4/x/0 NB-IoT, /12 switched off)."""
    state = live(ctx)
    state.bearer, state.wlan_for_bearer = "cellular", False


# --------------------------------------------------------------------------- Event Log /20

def event_log(ctx: MeterContext, iid: int) -> dict[int, Any]:
    res: dict[int, Any] = {4010: 0, 4011: None, 4012: None, 4013: STOPPED | VALID, 4014: b"", 4015: 0}
    if ctx.has("event-log-omits-logdata"):
        del res[4014]
    return res


EVENT_LOG_PROVIDERS: dict[int, Any] = {
    4013: lambda ctx, iid, t: live(ctx).log.status(),
    4014: lambda ctx, iid, t: live(ctx).log.data(),
}


# --------------------------------------------------------------------------- executes

def _arg0(args: bytes) -> str | None:
    """Argument 0 of an Execute payload (``0='1'``), TS Core 1.1 §5.4.5."""
    for part in args.decode("ascii", "replace").split(","):
        key, _, val = part.partition("=")
        if key.strip() == "0":
            return val.strip().strip("'") or None
    return None


def execute(ctx: MeterContext, store: Any, ids: tuple[int, ...], args: bytes) -> codes.Code | None:
    """Execute on /7 or /20: the response code, or None when ``ids`` is not one of these objects' executables."""
    state = live(ctx)
    if ids[0] == 7 and ids[2] == 6:
        period = store.get_path(Path((7, ids[1], 8)), 0)
        state.traffic.start(float(period or 0))
        return codes.CHANGED
    if ids[0] == 7 and ids[2] == 7:
        state.traffic.stop()
        return codes.CHANGED
    if ids[0] == 20 and ids[2] == 4011:
        state.log.start(extend=_arg0(args) == "1")
        return codes.CHANGED
    if ids[0] == 20 and ids[2] == 4012:
        state.log.stop(empty=_arg0(args) == "1")
        return codes.CHANGED
    return None


__all__ = ["BEARER_CODES", "EVENT_LOG_PROVIDERS", "LOCATION_PROVIDERS", "Live", "NETWORK_BEARER", "RADIO_2G4",
           "RADIO_OFF", "STATISTICS_PROVIDERS", "WLAN_OFF", "WLAN_UP", "apn_changed", "apn_profile",
           "bearer_changed", "bearer_selection", "cellular", "chosen_bearer", "enable_written", "event_log",
           "execute", "factory_bearer", "live", "location", "statistics", "wlan", "wlan_interface", "wlan_switched"]
