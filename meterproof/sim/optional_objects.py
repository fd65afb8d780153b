"""The optional OMA objects of a meter with a cellular modem and a GNSS receiver: Location (/6), Connectivity
Statistics (/7), Cellular Connectivity (/10, version 1.1: LwM2M 1.1 and later)
with the APN Connection Profile it links to (/11, version 1.1), Bearer Selection (/13, version 1.1: LwM2M 1.1
and later) and Event Log (/20, version 2.1: LwM2M 1.1 and later).  Facts from their OMNA definitions
(objects/6.xml, 7.xml, 10.xml, 11.xml, 13.xml, 20.xml).

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
* Event Log: LogStart (4011) empties the collection and runs it (LogStatus 0), LogStop (4012) stops it (LogStatus
  bit 0); while running, one entry is logged per :data:`LOG_EVERY` seconds (the meter's voltage readings).

The per-meter state (:class:`Live`) hangs on the meter's :class:`~.profiles.MeterContext` (``ctx.live``), so
the providers stay functions of (ctx, instance, seconds since start).
"""

from __future__ import annotations

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


__all__ = ["BEARER_CODES", "EVENT_LOG_PROVIDERS", "LOCATION_PROVIDERS", "Live", "NETWORK_BEARER",
           "STATISTICS_PROVIDERS", "apn_changed", "apn_profile", "bearer_selection", "cellular", "chosen_bearer",
           "event_log",
           "execute", "live", "location", "statistics"]
