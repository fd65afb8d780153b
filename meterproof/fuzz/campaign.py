"""Fuzz campaigns: send cases, probe, tell crash from hang from reboot, restart, shrink, keep.

A :class:`Campaign` drives one registered device through the harness's own
server endpoint (the raw path: the same socket, so the device sees the server
it registered with).  Cases go out in batches of ``probe_every``; after each
batch one liveness probe (:class:`~.oracle.LivenessOracle`) runs, the server's
event log is checked for a re-registration (:class:`~.oracle.RebootWatch`) and
the probe's round trip feeds :class:`~.oracle.LatencyTrend`.  One batch is one
hop into the event loop, which is what keeps a Python harness near the
device's own speed.

When the device's driver can tell (``driver``: a process driver sees its
client exit, a modem driver a boot the module announced by itself), the
driver's word comes first: the moment it sees the device end, the probe under
way stops waiting and the campaign records a *crash* with the signal or exit
status; a silent device whose process still runs is a *hang*, at once.  When
the device stops answering, the campaign

1. takes the ring buffer of the last cases and the wire capture around them,
2. without the driver's word, optionally waits ``hang_wait`` to tell a hang
   (answers again by itself) from a crash, and watches for a reboot (a new
   Register),
3. restarts the device through its driver (``restart``) and, when the probe
   covered several cases, bisects them on fresh boots for the exact steps
   that reproduce the failure (its culprit),
4. counts a culprit that falls into a known bucket as a duplicate (a bucket
   with ``aside_after`` duplicates is set aside: cases of its shape are no
   longer sent), otherwise
5. shrinks: the step list with delta debugging, then the failing datagram
   byte by byte, replaying each candidate on a live device with the oracle as
   the failure predicate (the same verdict: the same signal for a crash),
   within ``shrink_budget`` seconds,
6. confirms the minimal steps with the normal probe timeouts and saves the
   reproducer (:mod:`.reproducer`), then carries on.

The response-code histogram tells a lab whether the inputs reach deep code
(all RST = the parser rejects everything at the door).
"""

from __future__ import annotations

import collections
import itertools
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

from ..coap.endpoint import WireEvent
from ..errors import TimeoutError_
from .oracle import LatencyTrend, LivenessOracle, Probe, RebootWatch
from .reproducer import DEFAULT_DIR, Finding, RingBuffer, ddmin, save_finding, shrink_bytes, signature, update_finding

if TYPE_CHECKING:
    from ..dut.base import DeviceEnd
    from ..lwm2m.sync import SyncServer


class DeviceLost(RuntimeError):
    """The device did not come back after a restart: the campaign cannot go on."""


@dataclass
class CampaignConfig:
    probe_every: int = 10              # cases per liveness probe (1 = after every case)
    timeout: float = 0.1               # a probe's first wait: ping and GET /3/0/0 are retransmitted with
    #                                    CoAP's back-off from it (oracle.LivenessOracle; silent after the
    #                                    whole schedule, timeout x (2^(MAX_RETRANSMIT+1) - 1))
    ring: int = 50                     # cases kept for the reproducer
    wire_ring: int = 400               # datagrams kept for capture.pcap
    shrink: bool = True
    shrink_budget: float = 60.0        # seconds per finding
    hang_wait: float = 0.0             # wait this long for the device to answer again by itself
    #                                    (lab mode: MAX_TRANSMIT_WAIT, see lab_config); re-probes back off
    #                                    from hang_probe_interval, doubling
    hang_probe_interval: float = 0.1
    restart_wait: float = 10.0        # after a restart, how long until it must answer
    findings_dir: Path | None = DEFAULT_DIR
    stop_on_finding: bool = False
    max_findings: int = 50
    set_aside: bool = True             # skip further cases whose input signature is that of a bucket ...
    aside_after: int = 2               # ... once it holds this many duplicates (0: right after the finding)
    channel: str = "coap"              # "coap": cases go inside the session (send_raw); "record": raw
    #                                    DTLS records on the socket, unencrypted (transport.send_record)
    trend_window: int = 20             # LatencyTrend: probes per window
    trend_factor: float = 3.0          # ... degraded when a window's median is this times the baseline
    trend_min_increase: float = 0.005  # ... and at least this much slower (seconds)
    seed: int | None = None
    device: dict[str, str] = field(default_factory=dict)


def lab_config(params: Any, **overrides: Any) -> CampaignConfig:
    """Lab-mode oracle settings derived from the device's transmission parameters (RFC 7252 §4.8).

    * probe: ping and GET /3/0/0, retransmitted with CoAP's back-off from ACK_TIMEOUT/5 (silent after
      6.2 x ACK_TIMEOUT with MAX_RETRANSMIT 4: shorter than the seeded hang, 10 x ACK_TIMEOUT);
    * hang vs crash: after a silence, re-probe with back-off (from ACK_TIMEOUT/5, doubling) for up to
      MAX_TRANSMIT_WAIT — the longest a conformant endpoint may legitimately be busy with one exchange
      of its own.  Answered within it: a *hang* (silence that ends); still silent: a *crash*, and the
      device is restarted through its driver.  With LOOPBACK that is 23.25 s; scale the parameters
      (``--time-scale``) to wait less;
    * latency trend: a window must be at least ACK_TIMEOUT/100 slower (5 ms on loopback) than the baseline.
    """
    cfg = CampaignConfig(probe_every=10, timeout=params.ack_timeout / 5, shrink_budget=60.0, hang_wait=params.max_transmit_wait,
                         hang_probe_interval=params.ack_timeout / 5,
                         trend_min_increase=max(0.005, params.ack_timeout / 100), stop_on_finding=False)
    for k, v in overrides.items():
        setattr(cfg, k, v)
    return cfg


@dataclass
class Stats:
    cases: int = 0
    probes: int = 0
    reprobes: int = 0
    restarts: int = 0
    duplicates: int = 0
    set_aside: int = 0                 # cases not sent because they match a known finding's signature
    seconds: float = 0.0
    waited: float = 0.0                # seconds spent waiting on silence (probes unanswered, hang waits)
    restart_seconds: float = 0.0       # ... restarting the device through its driver
    locate_seconds: float = 0.0        # ... bisecting a failed batch for its culprit
    shrink_seconds: float = 0.0        # ... shrinking findings
    histogram: collections.Counter = field(default_factory=collections.Counter)
    findings: list[Finding] = field(default_factory=list)
    saved: list[Path] = field(default_factory=list)
    rtts: collections.deque = field(default_factory=lambda: collections.deque(maxlen=2000))

    @property
    def rate(self) -> float:
        return self.cases / self.seconds if self.seconds > 0 else 0.0

    def histogram_text(self, top: int = 14) -> str:
        total = sum(self.histogram.values()) or 1
        return "  ".join(f"{k} {v} ({100 * v / total:.0f}%)" for k, v in self.histogram.most_common(top))

    def progress_line(self) -> str:
        return (f"fuzz: {self.cases} cases, {self.rate:.0f}/s, {self.probes} probes, {len(self.findings)} findings, "
                f"{self.restarts} restarts")

    def summary(self) -> str:
        rtt = f"{statistics.median(self.rtts) * 1000:.2f} ms" if self.rtts else "n/a"
        lines = [f"cases {self.cases} in {self.seconds:.1f}s = {self.rate:.0f} cases/s; probes {self.probes} "
                 f"(re-probes {self.reprobes}, median probe RTT {rtt}); restarts {self.restarts}; "
                 f"findings {len(self.findings)} (+{self.duplicates} duplicates in known buckets, "
                 f"{self.set_aside} cases set aside)",
                 f"time: {self.waited:.1f}s waiting on silence, {self.restart_seconds:.1f}s restarting, "
                 f"{self.locate_seconds:.1f}s locating culprits, {self.shrink_seconds:.1f}s shrinking",
                 f"responses: {self.histogram_text() or '(none)'}"]
        for f in self.findings:
            how = f" {f.signal}" if f.signal else (f" exit {f.exit_status}" if f.exit_status is not None else "")
            lines.append(f"  {f.kind}{how}: {f.summary} [{len(f.steps)} step(s), case {len(f.case)} bytes"
                         f"{', bucket ' + repr(f.bucket) if f.bucket else ''}"
                         f"{f', +{f.duplicates} duplicates' if f.duplicates else ''}"
                         f"{', saved ' + f.id if f.id else ''}]")
        return "\n".join(lines)


class Campaign:
    """See the module docstring.  ``restart`` is the driver's restart (sync, called from the
    caller's thread); without it a crashed device ends the campaign.  ``driver``: the device's driver,
    when it can say that the device ended (:meth:`~meterproof.dut.base.Driver.on_end`) or still runs
    (:meth:`~meterproof.dut.base.Driver.alive`): then a crash is recorded the moment the driver sees it,
    with its signal or exit status, and a silence of a running process is a hang, without waiting."""

    def __init__(self, server: "SyncServer", endpoint: str, *, restart: Callable[[], None] | None = None,
                 config: CampaignConfig | None = None, remote: Any = None, driver: Any = None) -> None:
        self.server = server
        self.lt = server.lt
        self.endpoint_name = endpoint
        self.restart_fn = restart
        self.driver = driver
        self.fixed_remote = remote            # a peer that never registers (a bare CoAP responder)
        self.config = config or CampaignConfig()
        self.stats = Stats()
        self.ring = RingBuffer(self.config.ring)
        self._wire: collections.deque[tuple[str, bytes, float]] = collections.deque(maxlen=self.config.wire_ring)
        ep = server.aio.endpoint
        self.ep = ep
        self.oracle = LivenessOracle(ep, self._remote, timeout=self.config.timeout)
        self.watch = RebootWatch(server.aio.events, endpoint)
        self.trend = self._new_trend()
        self._aside: set[str] = set()          # input signatures of set-aside buckets
        self._buckets: dict[str, Finding] = {}  # bucket (and the unshrunk culprit's bucket) -> its finding
        self._dead = False
        self._degraded_reported = 0
        self._attached = False
        self._ends: collections.deque[DeviceEnd] = collections.deque()   # from the driver's thread
        self._restarting = False
        self._unsubscribe: Callable[[], None] | None = None

    def _new_trend(self) -> LatencyTrend:
        c = self.config
        return LatencyTrend(window=c.trend_window, factor=c.trend_factor, min_increase=c.trend_min_increase)

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> "Campaign":
        self.attach()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.detach()

    def attach(self) -> None:
        if not self._attached:
            self.lt.call(self._attach)
            if self.driver is not None and self._unsubscribe is None:
                self._unsubscribe = self.driver.on_end(self._driver_saw_end)
            self._attached = True

    def _attach(self) -> None:
        self.oracle.attach()
        self.ep.listeners.append(self._listen)
        self.watch.mark()

    def detach(self) -> None:
        if self._attached:
            if self._unsubscribe is not None:
                self._unsubscribe()
                self._unsubscribe = None
            self.lt.call(self._detach)
            self._attached = False

    def _detach(self) -> None:
        self.oracle.detach()
        try:
            self.ep.listeners.remove(self._listen)
        except ValueError:
            pass

    def _remote(self) -> Any:
        if self.fixed_remote is not None:
            return self.fixed_remote
        reg = self.server.aio.registrations.get(self.endpoint_name)
        if reg is None:
            raise DeviceLost(f"{self.endpoint_name!r} is not registered")
        return reg.remote

    # ------------------------------------------------------------------ the driver's word (its thread)
    def _driver_saw_end(self, ev: DeviceEnd) -> None:
        """The driver saw the device end or reboot by itself: cut the probe under way short."""
        if self._restarting:
            return                             # our own restart: expected
        self._ends.append(ev)
        try:
            self.lt.loop.call_soon_threadsafe(self.oracle.device_ended)
        except RuntimeError:                   # the loop is closing
            pass

    def take_end(self) -> DeviceEnd | None:
        """The first end the driver reported since the last restart (the rest are its consequences)."""
        if not self._ends:
            return None
        ev = self._ends[0]
        self._ends.clear()
        return ev

    def _alive(self) -> bool | None:
        """The driver's word on whether the device's process runs (None: it cannot tell)."""
        if self.driver is None:
            return None
        try:
            return self.driver.alive()
        except Exception:
            return None

    # ------------------------------------------------------------------ wire listener (loop thread)
    def _listen(self, ev: WireEvent) -> None:
        try:
            remote = self._remote()
        except DeviceLost:
            return
        if ev.remote != remote:
            return
        self._wire.append((ev.direction, ev.raw, ev.wall_time))
        if ev.direction != "in" or len(ev.raw) < 4:
            return
        if self.oracle.is_probe_answer(ev):
            return                                       # a probe answer, not a case's
        m = ev.message
        if m is None:
            key = "undecodable"
        elif m.code == 0:
            key = m.mtype.name if m.mtype is not None else "?"
        elif m.code.is_request():
            key = f"device {m.code}"
        else:
            key = m.code.dotted
        self.stats.histogram[key] += 1

    # ------------------------------------------------------------------ one batch (loop thread)
    async def _batch(self, cases: Sequence[tuple[bytes, str]], timeout: float | None = None,
                     probe: bool = True, record: bool = True, retransmit: int | None = None) -> Probe | None:
        if self.oracle.ended:                  # the device ended before this batch: nothing to send it to
            return Probe(False, None, "driver", "the device ended") if probe else None
        remote = self._remote()
        if self.config.channel == "record":
            transport = self.ep.transport
            rec = getattr(transport, "send_record", None)
            if rec is None:
                raise DeviceLost("channel 'record' needs a DTLS transport (run with --security psk or cert)")
            wire = self._wire

            def send(data: bytes, remote: Any, claim: bool, label: str) -> None:
                rec(data, remote)            # unencrypted, beside the session: kept for capture.pcap
                wire.append(("out", data, time.time()))
        else:
            send = self.ep.send_raw
        for data, label in cases:
            if record:
                self.ring.add(data, label)
            send(data, remote, claim=False, label=label or "fuzz")
        if not probe:
            return None
        return await self.oracle.probe(timeout, retransmit)

    def probe(self, timeout: float | None = None) -> Probe:
        async def go() -> Probe:
            return await self.oracle.probe(timeout)
        p = self._run(go())
        if not p.alive:
            self.stats.waited += p.took
        return p

    def _run(self, coro: Any) -> Any:
        return self.lt.run(coro, timeout=60)

    # ------------------------------------------------------------------ the campaign loop
    def run(self, cases: Iterable[bytes | tuple[bytes, str]], *, budget: float | None = None,
            max_cases: int | None = None, progress: Callable[[Stats], None] | None = None,
            progress_every: float = 1.0) -> Stats:
        """Send ``cases`` until they, ``max_cases`` or ``budget`` seconds run out; returns the stats."""
        self.attach()
        cfg = self.config
        it: Iterator[tuple[bytes, str]] = self._not_aside(c if isinstance(c, tuple) else (c, "") for c in cases)
        t0 = time.monotonic()
        base_seconds = self.stats.seconds
        next_progress = t0 + progress_every
        while True:
            now = time.monotonic()
            if budget is not None and now - t0 >= budget:
                break
            n = cfg.probe_every
            if max_cases is not None:
                n = min(n, max_cases - self.stats.cases)
                if n <= 0:
                    break
            batch = list(itertools.islice(it, n))
            if not batch:
                break
            if self._dead:
                self._restart()
            probe = self._run(self._batch(batch))
            self.stats.cases += len(batch)
            self._account(probe)
            end = self.take_end()
            reboot = self.watch.check()
            last = f"the last {len(batch)} case(s)"
            if end is not None:
                self._dead = True
                if end.kind == "crash":
                    self._on_failure("crash", f"the device's process ended ({end.detail}) during {last}; "
                                     f"its driver saw it at once", batch, end)
                else:
                    self._on_failure("reboot", f"the device rebooted by itself during {last}: {end.detail}",
                                     batch, end)
            elif not probe.alive:
                self._dead = True
                self._on_failure("silence", f"no answer to a ping nor to GET /3/0/0, each sent "
                                 f"{1 + self.ep.params.max_retransmit} times over {self.oracle.window():.1f}s, "
                                 f"after {last}", batch)
            elif reboot is not None:
                self._on_failure("reboot", f"the device sent {reboot.kind} (a reboot or a reset) during {last}",
                                 batch)
            else:
                msg = self.trend.add(probe.rtt or 0.0)
                if msg is not None:
                    # a trend has no single culprit input: one bucket per campaign
                    self._record(Finding("degradation", msg, [d.hex() for d, _ in self.ring.snapshot()[-1:]],
                                         seed=cfg.seed, device=dict(cfg.device), channel=cfg.channel,
                                         oracle={"trend_medians_ms": [round(m * 1000, 3) for m in
                                                                      list(self.trend.history)[-10:]]},
                                         bucket="degradation: probe latency trend"), wire=True)
            self.stats.seconds = base_seconds + time.monotonic() - t0
            if progress is not None and time.monotonic() >= next_progress:
                progress(self.stats)
                next_progress = time.monotonic() + progress_every
            if self.stats.findings and cfg.stop_on_finding:
                break
            if len(self.stats.findings) >= cfg.max_findings:
                break
        self.stats.seconds = base_seconds + time.monotonic() - t0
        return self.stats

    def _not_aside(self, cases: Iterator[tuple[bytes, str]]) -> Iterator[tuple[bytes, str]]:
        """Drop cases whose input signature is that of a set-aside bucket: the campaign keeps exploring
        instead of killing the device with variants of one known bug."""
        ch = self.config.channel
        for case in cases:
            if self._aside and self.config.set_aside and signature(case[0], ch) in self._aside:
                self.stats.set_aside += 1
                continue
            yield case

    def _account(self, probe: Probe | None) -> None:
        if probe is None:
            return
        self.stats.probes += 1
        if probe.via not in ("ping", "driver"):
            self.stats.reprobes += 1
        if probe.alive and probe.rtt is not None:
            self.stats.rtts.append(probe.rtt)
        elif not probe.alive:
            self.stats.waited += probe.took

    # ------------------------------------------------------------------ failures
    def _restart(self) -> None:
        if self.restart_fn is None:
            raise DeviceLost("the device stopped answering and its driver cannot restart it")
        t0 = time.monotonic()
        try:
            for attempt in (1, 2):
                self._restarting = True
                try:
                    self.restart_fn()
                finally:
                    self._ends.clear()
                    self.lt.call(self.oracle.revive)
                    self._restarting = False
                self.stats.restarts += 1
                self.watch.mark()
                self.trend = self._new_trend()      # a fresh boot: a fresh latency baseline
                deadline = time.monotonic() + self.config.restart_wait / 2
                while time.monotonic() <= deadline:
                    if self.probe().alive:
                        self._dead = False
                        return
                    if self._ends:                  # ended again at once: start it again
                        self._ends.clear()
                        break
        finally:
            self.stats.restart_seconds += time.monotonic() - t0
        raise DeviceLost(f"the device did not answer within {self.config.restart_wait / 2}s of two restarts")

    #: Retransmissions of each probe while shrinking: a quick look (a wrong guess under loss costs only
    #: shrink quality; the minimal input is confirmed with the full, loss-tolerant probe).
    TIGHT_RETRANSMIT = 1

    def _tight(self) -> float:
        """The probe's first wait while shrinking: scaled from the device's usual round trip, never above normal."""
        cfg = self.config
        med = statistics.median(self.stats.rtts) if self.stats.rtts else cfg.timeout / 10
        return min(cfg.timeout, max(0.02, 30 * med))

    def _observe(self, steps: Sequence[bytes], tight: bool = True, fresh: bool = False) -> str | None:
        """Send ``steps`` and probe: the verdict (:func:`verdict`: "crash SIGSEGV", "hang", "silence",
        "reboot"), or None when the device is fine.  A device that failed is restarted first; with
        ``fresh`` a live one too (the steps must start from a fresh boot)."""
        if fresh:
            self._fresh()
        elif self._dead:
            self._restart()
        self.watch.mark()
        t = self._tight() if tight else self.config.timeout
        probe = self._run(self._batch([(s, "replay") for s in steps], t, record=False,
                                      retransmit=self.TIGHT_RETRANSMIT if tight else None))
        self._account(probe)
        end = self.take_end()
        if end is not None:
            self._dead = True
            return verdict("crash" if end.kind == "crash" else "reboot", end)
        if not probe.alive:
            self._dead = True
            return "hang" if self._alive() else "silence"
        return "reboot" if self.watch.check() is not None else None

    def _matches(self, seen: str | None, target: str) -> bool:
        """Whether a replay reproduces the failure: the same verdict when the driver tells them apart,
        any failure (silence or re-registration) otherwise."""
        if seen is None:
            return False
        if self.driver is not None and self._alive() is not None:
            return seen == target
        return True

    def _locate(self, batch: Sequence[bytes], target: str) -> list[bytes] | None:
        """The exact steps that reproduce a failure seen after a batch of cases: bisect over the batch for
        the first case after which a freshly started device fails with ``target`` (the cases before it
        go to the same device: a passing prefix leaves it alive), then try that case alone.  None when
        replaying the batch does not reproduce it (it needed something older, or it was not the input)."""
        if len(batch) <= 1:
            return list(batch)
        t0 = time.monotonic()
        try:
            lo, hi, confirmed = 0, len(batch), False
            sent = 0                            # cases of the batch the live device has had since its start
            self._fresh()
            while hi - lo > 1 or not confirmed:
                mid = (lo + hi) // 2 if hi - lo > 1 else hi
                if self._dead or sent > lo:
                    self._fresh()
                    sent = 0
                seen = self._observe(batch[sent:mid], fresh=False)
                if self._matches(seen, target):
                    hi, confirmed = mid, True
                elif seen is not None:
                    return None                 # another failure on the way: not this one
                else:
                    if mid == hi:
                        return None             # the whole batch again, and the device is fine
                    lo, sent = mid, mid
            if hi > 1 and self._matches(self._observe(batch[hi - 1:hi], fresh=True), target):
                return [batch[hi - 1]]
            return list(batch[:hi])
        finally:
            self.stats.locate_seconds += time.monotonic() - t0

    def _fresh(self) -> None:
        """A freshly started device, through the driver (also when the last replay left it alive)."""
        self._dead = True
        self._restart()

    def _on_failure(self, kind: str, summary: str, batch: Sequence[tuple[bytes, str]],
                    end: DeviceEnd | None = None) -> None:
        cfg = self.config
        steps = self.ring.snapshot()
        wire = list(self._wire)
        failed_at = time.monotonic()
        oracle: dict[str, Any] = {"timeout": cfg.timeout, "window": round(self.oracle.window(), 3),
                                  "max_retransmit": self.ep.params.max_retransmit, "probe_every": cfg.probe_every}
        if end is not None:
            oracle["driver"] = end.detail
        alive = self._alive() if kind == "silence" else None
        if kind == "silence" and alive is not None:
            # the driver knows whether the process runs: a running, silent process hangs; no wait needed
            if alive:
                kind = "hang"
                summary += "; its process still runs (a hang: alive but silent), restarted through the driver"
            else:
                crashes = self.driver.crashes() if self.driver is not None else []
                kind = "crash"
                summary += f"; its process had ended ({crashes[-1] if crashes else 'no exit status known'})"
            oracle["driver_alive"] = alive
        elif kind == "silence" and cfg.hang_wait > 0:
            # A hang is a silence that ends by itself; a crash lasts until the restart.  Re-probe with
            # back-off (hang_probe_interval, doubling, capped at a quarter of hang_wait) until hang_wait.
            pause = cfg.hang_probe_interval
            probes = 0
            while True:
                left = cfg.hang_wait - (time.monotonic() - failed_at)
                if left <= 0:
                    summary += f"; still silent after {cfg.hang_wait:.1f}s and {probes} re-probes (crash)"
                    break
                time.sleep(min(pause, left))
                self.stats.waited += min(pause, left)
                pause = min(pause * 2, max(cfg.hang_probe_interval, cfg.hang_wait / 4))
                probes += 1
                if self.probe().alive:
                    kind = "hang"
                    self._dead = False
                    summary += (f"; answered again by itself after {time.monotonic() - failed_at:.1f}s "
                                f"({probes} re-probes)")
                    break
            oracle["hang_wait"] = cfg.hang_wait
            rb = self.watch.check()
            if rb is not None:
                kind = "reboot"
                summary += f"; then {rb.kind} (the device rebooted)"
        target = verdict(kind, end)
        cases = [d for d, _ in batch]
        known = self._known_suspect(target, cases)
        if known is not None:
            # a case of the batch has the shape of a bucket with this verdict: a duplicate, counted without
            # bisecting (no reproducer is saved for a duplicate)
            self._duplicate(known)
            self.ring.clear()
            if self._dead:
                self._restart()
            return
        located: list[bytes] | None = None
        if self.restart_fn is not None and len(cases) > 1:
            located = self._locate(cases, target)       # restarts the device first
        culprit = located[-1] if located else (cases[-1] if cases else b"")
        finding = Finding(kind, summary, [s.hex() for s in (located or [culprit])], [d.hex() for d, _ in steps],
                          seed=cfg.seed, device=dict(cfg.device), oracle=oracle, channel=cfg.channel,
                          campaign={"cases_before": self.stats.cases, "labels": [lb for _, lb in steps][-5:]},
                          signal=end.signal if end is not None else "",
                          exit_status=end.exit_status if end is not None else None,
                          reproduced=True if located is not None and len(cases) > 1 else None)
        if located is None and len(cases) > 1:
            finding.campaign["located"] = "replaying the batch did not reproduce it: steps are its last case"
        alias = f"{target}: {signature(culprit, cfg.channel)}"
        known = self._buckets.get(alias)
        if known is not None:
            # a variant of a bug already found: count it, do not spend the shrink budget on it again
            self._duplicate(known)
            self.ring.clear()
            if self._dead:
                self._restart()
            return
        if cfg.shrink and self.restart_fn is not None:
            self._shrink(finding, located or [d for d, _ in steps], target)
        finding.bucket = f"{target}: {signature(finding.case, cfg.channel)}"
        self._record(finding, wire=wire, alias=alias)
        self.ring.clear()
        if self._dead:
            self._restart()

    def _shrink(self, finding: Finding, steps: list[bytes], target: str) -> None:
        t0 = time.monotonic()
        deadline = t0 + self.config.shrink_budget
        tests = 0

        def fails(seq: Sequence[bytes], tight: bool = True) -> bool:
            nonlocal tests
            tests += 1
            return self._matches(self._observe(seq, tight), target)

        minimal: list[bytes] | None = None
        for s in reversed(steps):                       # the culprit is most often one recent case
            if time.monotonic() > deadline:
                break
            if fails([s]):
                minimal = [s]
                break
        if minimal is None and time.monotonic() < deadline and len(steps) > 1 and fails(steps):
            minimal = ddmin(steps, fails, deadline=deadline)
        if minimal is None:
            finding.reproduced = False
            finding.shrink = {"tests": tests, "seconds": round(time.monotonic() - t0, 2),
                              "note": "the failure did not reproduce from the ring buffer"}
            self.stats.shrink_seconds += time.monotonic() - t0
            return
        prefix, last = minimal[:-1], minimal[-1]
        small = shrink_bytes(last, lambda b: fails(prefix + [b]), deadline=deadline)
        candidate = prefix + [small]
        # confirm with the campaign's own (longer) probe waits; fall back to the unshrunk steps
        confirmed = fails(candidate, tight=False)
        if not confirmed and candidate != minimal:
            candidate = minimal
            confirmed = fails(candidate, tight=False)
        finding.steps = [s.hex() for s in candidate]
        finding.reproduced = confirmed
        finding.shrink = {"tests": tests, "seconds": round(time.monotonic() - t0, 2),
                          "from_steps": len(steps), "to_steps": len(candidate), "from_bytes": len(last),
                          "to_bytes": len(candidate[-1])}
        self.stats.shrink_seconds += time.monotonic() - t0

    def _known_suspect(self, target: str, cases: Sequence[bytes]) -> Finding | None:
        """The finding whose bucket (verdict and input shape) the first such case of the batch falls into:
        the device takes the batch in order, so the first case of a known crash's shape is taken for the
        one that ended it (a new bug with the same verdict hidden before it goes uncounted this time, and
        is found when it comes again in a batch of its own).  None when no case has a known shape."""
        if len(cases) < 2 or not self._buckets:
            return None
        ch = self.config.channel
        for c in cases:
            f = self._buckets.get(f"{target}: {signature(c, ch)}")
            if f is not None:
                return f
        return None

    def _duplicate(self, finding: Finding) -> None:
        """One more failure in ``finding``'s bucket: count it (here and in its saved finding.json) and set
        the bucket aside once it holds ``aside_after`` duplicates."""
        finding.duplicates += 1
        self.stats.duplicates += 1
        self._maybe_aside(finding)
        if self.config.findings_dir is not None and finding.id:
            update_finding(finding, self.config.findings_dir)

    def _maybe_aside(self, finding: Finding) -> None:
        cfg = self.config
        if not cfg.set_aside or finding.kind == "degradation" or finding.duplicates < cfg.aside_after:
            return
        for key, f in self._buckets.items():
            if f is finding:
                self._aside.add(key.split(": ", 1)[1])

    def _record(self, finding: Finding, wire: Any = None, alias: str = "") -> None:
        for prev in self.stats.findings:
            # one bucket per oracle verdict + shrunk input signature: count, do not save twice
            if (finding.bucket and prev.bucket == finding.bucket) or \
                    (prev.kind == finding.kind and prev.steps == finding.steps and prev.signal == finding.signal):
                if alias:
                    self._buckets.setdefault(alias, prev)
                self._duplicate(prev)
                return
        self.stats.findings.append(finding)
        for key in (finding.bucket, alias):
            if key and ": " in key and finding.kind != "degradation":
                self._buckets.setdefault(key, finding)
        self._maybe_aside(finding)
        if self.config.findings_dir is None:
            return
        dev = None
        try:
            dev = self.lt.call(self._remote)
        except Exception:
            pass
        w = list(self._wire) if wire is True else (wire or [])
        self.stats.saved.append(save_finding(finding, self.config.findings_dir, wire=w,
                                             harness=self.server.aio.address, device=dev))

    # ------------------------------------------------------------------ replay (regression suite)
    def replay(self, steps: Sequence[bytes]) -> Probe:
        """Send ``steps`` to the (live) device and probe with the normal waits."""
        self.attach()
        if self._dead:
            self._restart()
        self.watch.mark()
        probe = self._run(self._batch([(s, "replay") for s in steps]))
        self._account(probe)
        if not probe.alive or self.take_end() is not None:
            self._dead = True
        return probe


def verdict(kind: str, end: DeviceEnd | None = None) -> str:
    """The verdict part of a bucket: the kind, and for a crash how the process ended ("crash SIGSEGV",
    "crash exit 3")."""
    if kind != "crash" or end is None:
        return kind
    if end.signal:
        return f"crash {end.signal}"
    return f"crash exit {end.exit_status}" if end.exit_status is not None else "crash"


def driver_restart(driver: Any, server: "SyncServer", endpoint: str, timeout: float = 30.0) -> Callable[[], None]:
    """A ``restart`` for :class:`Campaign`: stop the device through its driver, start it again with
    the same endpoint name and wait for its Register."""
    def restart() -> None:
        driver.stop()
        mark = server.mark()     # after the stop: a Register of the old boot (a driver's own restart) is not it
        opts = getattr(driver, "options", None)
        if isinstance(opts, dict) and isinstance(opts.get("seed"), int):
            # a new boot draws new message IDs and tokens, as a real device's would
            opts["seed"] += 1
        driver.start(server.aio.uri, endpoint)
        # the simulator's start() returns once its Register was answered: no long wait needed
        wait = min(timeout, 1.0) if getattr(driver, "kind", "") == "simulator" else timeout
        try:
            server.wait_event("registered", endpoint, since=mark, timeout=wait)
        except TimeoutError_:
            # A restarted device that got the same port and reuses its first message ID gets the
            # server's cached 2.01 (RFC 7252 §4.5 deduplication) and no new event: the old
            # registration, same address, still stands.
            if endpoint not in server.aio.registrations:
                raise
    return restart


def hypothesis_cases(strategy: Any, count: int, *, seed: int | None = None) -> list[bytes]:
    """``count`` examples of ``strategy`` drawn by hypothesis' own engine (so its heuristics for
    edge values apply), derandomized unless ``seed`` is given: the same list on every run."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed

    out: list[bytes] = []

    @settings(max_examples=count, derandomize=seed is None, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), phases=["generate"])
    @given(strategy)
    def draw(x: bytes) -> None:
        out.append(x)

    if seed is not None:
        draw = hseed(seed)(draw)
    draw()
    return out

__all__ = ["Campaign", "CampaignConfig", "DeviceLost", "Stats", "driver_restart", "hypothesis_cases",
           "lab_config", "verdict"]
