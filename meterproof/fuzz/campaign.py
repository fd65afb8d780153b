"""Fuzz campaigns: send cases, probe, tell crash from hang from reboot, restart, shrink, keep.

A :class:`Campaign` drives one registered device through the harness's own
server endpoint (the raw path: the same socket, so the device sees the server
it registered with).  Cases go out in batches of ``probe_every``; after each
batch one liveness probe (:class:`~.oracle.LivenessOracle`) runs, the server's
event log is checked for a re-registration (:class:`~.oracle.RebootWatch`) and
the probe's round trip feeds :class:`~.oracle.LatencyTrend`.  One batch is one
hop into the event loop, which is what keeps a Python harness near the
device's own speed.

When the device stops answering, the campaign

1. takes the ring buffer of the last cases and the wire capture around them,
2. optionally waits ``hang_wait`` to tell a hang (answers again by itself)
   from a crash, and watches for a reboot (a new Register),
3. restarts the device through its driver (``restart``),
4. shrinks: the step list with delta debugging, then the failing datagram
   byte by byte, replaying each candidate on a live device with the oracle as
   the failure predicate, within ``shrink_budget`` seconds,
5. confirms the minimal steps with the normal probe timeouts and saves the
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
from .reproducer import DEFAULT_DIR, Finding, RingBuffer, ddmin, save_finding, shrink_bytes, signature, specific

if TYPE_CHECKING:
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
    set_aside: bool = True             # after a finding, skip further cases with its input signature
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
                 f"responses: {self.histogram_text() or '(none)'}"]
        for f in self.findings:
            lines.append(f"  {f.kind}: {f.summary} [{len(f.steps)} step(s), case {len(f.case)} bytes"
                         f"{', bucket ' + repr(f.bucket) if f.bucket else ''}"
                         f"{f', +{f.duplicates} duplicates' if f.duplicates else ''}"
                         f"{', saved ' + f.id if f.id else ''}]")
        return "\n".join(lines)


class Campaign:
    """See the module docstring.  ``restart`` is the driver's restart (sync, called from the
    caller's thread); without it a crashed device ends the campaign."""

    def __init__(self, server: "SyncServer", endpoint: str, *, restart: Callable[[], None] | None = None,
                 config: CampaignConfig | None = None, remote: Any = None) -> None:
        self.server = server
        self.lt = server.lt
        self.endpoint_name = endpoint
        self.restart_fn = restart
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
        self._aside: set[str] = set()          # input signatures of known crash/hang findings
        self._dead = False
        self._degraded_reported = 0
        self._attached = False

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
            self._attached = True

    def _attach(self) -> None:
        self.oracle.attach()
        self.ep.listeners.append(self._listen)
        self.watch.mark()

    def detach(self) -> None:
        if self._attached:
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
        return self._run(go())

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
            reboot = self.watch.check()
            if not probe.alive:
                self._dead = True
                self._on_failure("silence", f"no answer to a ping nor to GET /3/0/0, each sent "
                                 f"{1 + self.ep.params.max_retransmit} times over {self.oracle.window():.1f}s, "
                                 f"after the last {len(batch)} case(s)")
            elif reboot is not None:
                self._on_failure("reboot", f"the device sent {reboot.kind} (a reboot or a reset) during the "
                                 f"last {len(batch)} case(s)")
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
        """Drop cases whose input signature is that of a crash or hang already found: the campaign
        keeps exploring instead of killing the device with variants of one known bug."""
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
        if probe.via != "ping":
            self.stats.reprobes += 1
        if probe.alive and probe.rtt is not None:
            self.stats.rtts.append(probe.rtt)

    # ------------------------------------------------------------------ failures
    def _restart(self) -> None:
        if self.restart_fn is None:
            raise DeviceLost("the device stopped answering and its driver cannot restart it")
        for attempt in (1, 2):
            self.restart_fn()
            self.stats.restarts += 1
            self.watch.mark()
            self.trend = self._new_trend()      # a fresh boot: a fresh latency baseline
            deadline = time.monotonic() + self.config.restart_wait / 2
            while time.monotonic() <= deadline:
                if self.probe().alive:
                    self._dead = False
                    return
        raise DeviceLost(f"the device did not answer within {self.config.restart_wait / 2}s of two restarts")

    #: Retransmissions of each probe while shrinking: a quick look (a wrong guess under loss costs only
    #: shrink quality; the minimal input is confirmed with the full, loss-tolerant probe).
    TIGHT_RETRANSMIT = 1

    def _tight(self) -> float:
        """The probe's first wait while shrinking: scaled from the device's usual round trip, never above normal."""
        cfg = self.config
        med = statistics.median(self.stats.rtts) if self.stats.rtts else cfg.timeout / 10
        return min(cfg.timeout, max(0.02, 30 * med))

    def _fails(self, steps: Sequence[bytes], tight: bool = True) -> bool:
        """Replay ``steps`` on a live device; True when it goes silent or re-registers."""
        if self._dead:
            self._restart()
        self.watch.mark()
        t = self._tight() if tight else self.config.timeout
        probe = self._run(self._batch([(s, "replay") for s in steps], t, record=False,
                                      retransmit=self.TIGHT_RETRANSMIT if tight else None))
        self._account(probe)
        if not probe.alive:
            self._dead = True
            return True
        return self.watch.check() is not None

    def _on_failure(self, kind: str, summary: str) -> None:
        cfg = self.config
        steps = self.ring.snapshot()
        wire = list(self._wire)
        failed_at = time.monotonic()
        oracle: dict[str, Any] = {"timeout": cfg.timeout, "window": round(self.oracle.window(), 3),
                                  "max_retransmit": self.ep.params.max_retransmit, "probe_every": cfg.probe_every}
        if kind == "silence" and cfg.hang_wait > 0:
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
        finding = Finding(kind, summary, [d.hex() for d, _ in steps[-1:]], [d.hex() for d, _ in steps],
                          seed=cfg.seed, device=dict(cfg.device), oracle=oracle, channel=cfg.channel,
                          campaign={"cases_before": self.stats.cases, "labels": [lb for _, lb in steps][-5:]})
        if self._dead or kind == "reboot":
            self._restart()
        known = self._known_bucket(kind, steps)
        if known is not None:
            # a variant of a bug already found (the last case has its signature): count it, do not
            # spend the shrink budget on it again
            known.duplicates += 1
            self.stats.duplicates += 1
            self.ring.clear()
            if self._dead:
                self._restart()
            return
        if cfg.shrink and self.restart_fn is not None:
            self._shrink(finding, [d for d, _ in steps])
        finding.bucket = f"{kind}: {signature(finding.case, cfg.channel)}"
        self._record(finding, wire=wire)
        self.ring.clear()
        if self._dead:
            self._restart()

    def _shrink(self, finding: Finding, steps: list[bytes]) -> None:
        t0 = time.monotonic()
        deadline = t0 + self.config.shrink_budget
        tests = 0

        def fails(seq: Sequence[bytes]) -> bool:
            nonlocal tests
            tests += 1
            return self._fails(seq)

        minimal: list[bytes] | None = None
        for s in reversed(steps):                       # the culprit is most often one recent case
            if time.monotonic() > deadline:
                break
            if fails([s]):
                minimal = [s]
                break
        if minimal is None and time.monotonic() < deadline and fails(steps):
            minimal = ddmin(steps, fails, deadline=deadline)
        if minimal is None:
            finding.reproduced = False
            finding.shrink = {"tests": tests, "seconds": round(time.monotonic() - t0, 2),
                              "note": "the failure did not reproduce from the ring buffer"}
            return
        prefix, last = minimal[:-1], minimal[-1]
        small = shrink_bytes(last, lambda b: fails(prefix + [b]), deadline=deadline)
        candidate = prefix + [small]
        # confirm with the campaign's own (longer) probe waits; fall back to the unshrunk steps
        confirmed = self._fails(candidate, tight=False)
        if not confirmed and candidate != minimal:
            candidate = minimal
            confirmed = self._fails(candidate, tight=False)
        finding.steps = [s.hex() for s in candidate]
        finding.reproduced = confirmed
        finding.shrink = {"tests": tests, "seconds": round(time.monotonic() - t0, 2),
                          "from_steps": len(steps), "to_steps": len(candidate), "from_bytes": len(last),
                          "to_bytes": len(candidate[-1])}

    def _known_bucket(self, kind: str, steps: Sequence[tuple[bytes, str]]) -> Finding | None:
        """The finding already recorded whose bucket the new failure's last case falls into, if any."""
        if not steps:
            return None
        sig = f"{kind}: {signature(steps[-1][0], self.config.channel)}"
        return next((f for f in self.stats.findings if f.bucket == sig), None)

    def _record(self, finding: Finding, wire: Any = None) -> None:
        for prev in self.stats.findings:
            # one bucket per oracle verdict + shrunk input signature: count, do not save twice
            if (finding.bucket and prev.bucket == finding.bucket) or \
                    (prev.kind == finding.kind and prev.steps == finding.steps):
                prev.duplicates += 1
                self.stats.duplicates += 1
                return
        self.stats.findings.append(finding)
        sig = signature(finding.case, self.config.channel) if finding.steps else ""
        if finding.kind in ("silence", "hang", "reboot") and finding.reproduced is not False and specific(sig):
            self._aside.add(sig)
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
        if not probe.alive:
            self._dead = True
        return probe


def driver_restart(driver: Any, server: "SyncServer", endpoint: str, timeout: float = 30.0) -> Callable[[], None]:
    """A ``restart`` for :class:`Campaign`: stop the device through its driver, start it again with
    the same endpoint name and wait for its Register."""
    def restart() -> None:
        mark = server.mark()
        driver.stop()
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


class SimTarget:
    """A harness server and a simulated meter on loopback (tests, benchmarks, ``meterproof`` CLI use)."""

    def __init__(self, defects: Iterable[str] = (), *, endpoint: str = "fuzz-0001", lwm2m: str = "1.1",
                 params: Any = None, impairment: Any = None, seed: int | str = 0) -> None:
        """``impairment``: a :class:`~meterproof.coap.impair.Impairment` on the harness's socket (seeded)."""
        from ..coap.params import LOOPBACK
        from ..coap.transport import UdpTransport
        from ..dut.simulator import SimulatorDriver
        from ..lwm2m.model.catalog import default_catalog
        from ..lwm2m.sync import LoopThread, SyncServer

        self.lt = LoopThread("fuzz-target")
        p = params or LOOPBACK
        catalog = default_catalog()
        transport: Any = UdpTransport()
        if impairment is not None:
            from ..coap.impair import ImpairedTransport
            transport = ImpairedTransport(transport, impairment, seed=seed)
        self.server = SyncServer.start(self.lt, transport=transport, params=p, model=lambda reg: catalog)
        self.endpoint = endpoint
        self.defects = tuple(defects)
        self.driver = SimulatorDriver(self.lt, lwm2m=lwm2m, defects=self.defects, params=p)
        mark = self.server.mark()
        self.driver.start(self.server.aio.uri, endpoint)
        self.server.wait_event("registered", endpoint, since=mark, timeout=10)
        self.restart = driver_restart(self.driver, self.server, endpoint)
        self.params = p

    def campaign(self, *, lab: bool = False, **config: Any) -> Campaign:
        """A campaign on this target; ``lab=True`` starts from :func:`lab_config` (the plugin's lab mode)."""
        if lab:
            cfg = lab_config(self.params, **{"findings_dir": None, **config})
        else:
            cfg = CampaignConfig(**{"findings_dir": None, **config})
        cfg.device = cfg.device or {"driver": "simulator", "defects": ",".join(self.defects) or "none"}
        return Campaign(self.server, self.endpoint, restart=self.restart, config=cfg)

    def close(self) -> None:
        try:
            self.driver.stop()
        finally:
            self.server.close()
            self.lt.stop()

    def __enter__(self) -> "SimTarget":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()





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

__all__ = ["Campaign", "CampaignConfig", "DeviceLost", "SimTarget", "Stats", "driver_restart", "hypothesis_cases",
           "lab_config"]
