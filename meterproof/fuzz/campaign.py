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
from .reproducer import DEFAULT_DIR, Finding, RingBuffer, ddmin, save_finding, shrink_bytes

if TYPE_CHECKING:
    from ..lwm2m.sync import SyncServer


class DeviceLost(RuntimeError):
    """The device did not come back after a restart: the campaign cannot go on."""


@dataclass
class CampaignConfig:
    probe_every: int = 10              # cases per liveness probe (1 = after every case)
    timeout: float = 0.1               # first probe (ping) wait
    retry_timeout: float = 0.5         # re-probe (GET /3/0/0) wait before declaring silence
    ring: int = 50                     # cases kept for the reproducer
    wire_ring: int = 400               # datagrams kept for capture.pcap
    shrink: bool = True
    shrink_budget: float = 60.0        # seconds per finding
    hang_wait: float = 0.0             # wait this long for the device to answer again by itself
    restart_wait: float = 10.0        # after a restart, how long until it must answer
    findings_dir: Path | None = DEFAULT_DIR
    stop_on_finding: bool = False
    max_findings: int = 50
    seed: int | None = None
    device: dict[str, str] = field(default_factory=dict)


@dataclass
class Stats:
    cases: int = 0
    probes: int = 0
    reprobes: int = 0
    restarts: int = 0
    duplicates: int = 0
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
                 f"findings {len(self.findings)} (+{self.duplicates} repeats)",
                 f"responses: {self.histogram_text() or '(none)'}"]
        for f in self.findings:
            lines.append(f"  {f.kind}: {f.summary} [{len(f.steps)} step(s), case {len(f.case)} bytes"
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
        self.oracle = LivenessOracle(ep, self._remote, timeout=self.config.timeout,
                                     retry_timeout=self.config.retry_timeout)
        self.watch = RebootWatch(server.aio.events, endpoint)
        self.trend = LatencyTrend()
        self._dead = False
        self._degraded_reported = 0
        self._attached = False

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
        if int.from_bytes(ev.raw[2:4], "big") in self.oracle._waiting:
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
                     retry_timeout: float | None = None, probe: bool = True, record: bool = True) -> Probe | None:
        remote = self._remote()
        send = self.ep.send_raw
        for data, label in cases:
            if record:
                self.ring.add(data, label)
            send(data, remote, claim=False, label=label or "fuzz")
        if not probe:
            return None
        return await self.oracle.probe(timeout, retry_timeout)

    def probe(self, timeout: float | None = None, retry_timeout: float | None = None) -> Probe:
        async def go() -> Probe:
            return await self.oracle.probe(timeout, retry_timeout)
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
        it: Iterator[tuple[bytes, str]] = (c if isinstance(c, tuple) else (c, "") for c in cases)
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
                self._on_failure("silence", f"no answer to a ping ({cfg.timeout:.2f}s) nor to GET /3/0/0 "
                                 f"({cfg.retry_timeout:.2f}s) after the last {len(batch)} case(s)")
            elif reboot is not None:
                self._on_failure("reboot", f"the device sent {reboot.kind} (a reboot or a reset) during the "
                                 f"last {len(batch)} case(s)")
            else:
                msg = self.trend.add(probe.rtt or 0.0)
                if msg is not None:
                    self._record(Finding("degradation", msg, [d.hex() for d, _ in self.ring.snapshot()[-1:]],
                                         seed=cfg.seed, device=dict(cfg.device)), wire=True)
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
            deadline = time.monotonic() + self.config.restart_wait / 2
            while time.monotonic() <= deadline:
                if self.probe().alive:
                    self._dead = False
                    return
        raise DeviceLost(f"the device did not answer within {self.config.restart_wait / 2}s of two restarts")

    def _tight(self) -> tuple[float, float]:
        """Probe waits while shrinking: scaled from the device's usual round trip, never above normal."""
        cfg = self.config
        med = statistics.median(self.stats.rtts) if self.stats.rtts else cfg.timeout / 10
        return min(cfg.timeout, max(0.02, 30 * med)), min(cfg.retry_timeout, max(0.06, 100 * med))

    def _fails(self, steps: Sequence[bytes], tight: bool = True) -> bool:
        """Replay ``steps`` on a live device; True when it goes silent or re-registers."""
        if self._dead:
            self._restart()
        self.watch.mark()
        t, r = self._tight() if tight else (self.config.timeout, self.config.retry_timeout)
        probe = self._run(self._batch([(s, "replay") for s in steps], t, r, record=False))
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
        oracle: dict[str, Any] = {"timeout": cfg.timeout, "retry_timeout": cfg.retry_timeout,
                                  "probe_every": cfg.probe_every}
        if kind == "silence" and cfg.hang_wait > 0:
            while time.monotonic() - failed_at < cfg.hang_wait:
                if self.probe().alive:
                    kind = "hang"
                    self._dead = False
                    summary += f"; answered again by itself after {time.monotonic() - failed_at:.1f}s"
                    break
            else:
                summary += f"; still silent after {cfg.hang_wait:.1f}s (crash)"
            rb = self.watch.check()
            if rb is not None:
                kind = "reboot"
                summary += f"; then {rb.kind} (the device rebooted)"
        finding = Finding(kind, summary, [d.hex() for d, _ in steps[-1:]], [d.hex() for d, _ in steps],
                          seed=cfg.seed, device=dict(cfg.device), oracle=oracle,
                          campaign={"cases_before": self.stats.cases, "labels": [lb for _, lb in steps][-5:]})
        if self._dead or kind == "reboot":
            self._restart()
        if cfg.shrink and self.restart_fn is not None:
            self._shrink(finding, [d for d, _ in steps])
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

    def _record(self, finding: Finding, wire: Any = None) -> None:
        for prev in self.stats.findings:            # the same minimal input again: count, do not save twice
            if prev.kind == finding.kind and prev.steps == finding.steps:
                prev.campaign["seen"] = prev.campaign.get("seen", 1) + 1
                self.stats.duplicates += 1
                return
        self.stats.findings.append(finding)
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
                 params: Any = None) -> None:
        from ..coap.params import LOOPBACK
        from ..dut.simulator import SimulatorDriver
        from ..lwm2m.model.catalog import default_catalog
        from ..lwm2m.sync import LoopThread, SyncServer

        self.lt = LoopThread("fuzz-target")
        p = params or LOOPBACK
        catalog = default_catalog()
        self.server = SyncServer.start(self.lt, params=p, model=lambda reg: catalog)
        self.endpoint = endpoint
        self.defects = tuple(defects)
        self.driver = SimulatorDriver(self.lt, lwm2m=lwm2m, defects=self.defects, params=p)
        mark = self.server.mark()
        self.driver.start(self.server.aio.uri, endpoint)
        self.server.wait_event("registered", endpoint, since=mark, timeout=10)
        self.restart = driver_restart(self.driver, self.server, endpoint)

    def campaign(self, **config: Any) -> Campaign:
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

__all__ = ["Campaign", "CampaignConfig", "DeviceLost", "SimTarget", "Stats", "driver_restart", "hypothesis_cases"]
