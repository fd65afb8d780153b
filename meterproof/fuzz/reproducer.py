"""Reproducers: the last cases in a ring buffer, shrinking, and findings saved for the vendor.

Every finding is a directory under the findings folder (default
``reports/findings/``)::

    20261124-211502-silence-3f2a9c1e/
        finding.json     kind (crash: with the signal or exit status), time, seed, device/defects, the minimal steps (hex), the original
                         steps, how it was shrunk, the oracle's view
        case.bin         the minimal datagram that still fails (the last step)
        original.bin     the case that was running when the device stopped answering
        capture.pcap     the datagrams around the finding as seen on the wire (both directions)
        minimal.pcap     the minimal steps, replayable with any pcap tool

Stored are bytes, not hypothesis choice sequences: those do not survive a change
of the strategy code (reference §3.2).  :func:`ddmin` reduces the step list and
:func:`shrink_bytes` the failing datagram, with the liveness oracle as the
failure predicate; :func:`load_findings` feeds the regression suite
(``suites/fuzz/test_reproducers.py``).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

DEFAULT_DIR = Path("reports/findings")


# --------------------------------------------------------------------------- ring buffer
class RingBuffer:
    """The last ``size`` cases sent (bytes plus a label), oldest first."""

    def __init__(self, size: int = 50) -> None:
        self._items: deque[tuple[bytes, str]] = deque(maxlen=size)

    def add(self, data: bytes, label: str = "") -> None:
        self._items.append((bytes(data), label))

    def snapshot(self) -> list[tuple[bytes, str]]:
        return list(self._items)

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


# --------------------------------------------------------------------------- shrinking
def ddmin(items: Sequence[Any], fails: Callable[[Sequence[Any]], bool], *,
          deadline: float | None = None) -> list[Any]:
    """Zeller's delta debugging: a 1-minimal sub-sequence of ``items`` for which ``fails`` holds.

    ``fails(items)`` must be true on entry.  Stops early (keeping what it has) at ``deadline``
    (a ``time.monotonic()`` value)."""
    cur = list(items)
    n = 2
    while len(cur) >= 2:
        if deadline is not None and time.monotonic() > deadline:
            break
        chunk = max(1, len(cur) // n)
        subsets = [cur[i:i + chunk] for i in range(0, len(cur), chunk)]
        reduced = False
        for i, s in enumerate(subsets):
            complement = [x for j, sub in enumerate(subsets) if j != i for x in sub]
            if len(subsets) > 2 and fails(s):
                cur, n, reduced = list(s), 2, True
                break
            if complement and fails(complement):
                cur, n, reduced = complement, max(n - 1, 2), True
                break
        if not reduced:
            if n >= len(cur):
                break
            n = min(len(cur), 2 * n)
    return cur


def shrink_bytes(data: bytes, fails: Callable[[bytes], bool], *, deadline: float | None = None,
                 keep_header: bool = False) -> bytes:
    """The shortest, simplest datagram derived from ``data`` that still ``fails``.

    Chunk removal (halving down to single bytes) then byte simplification (towards 0x00).  With
    ``keep_header`` the first four bytes are never removed."""
    def late() -> bool:
        return deadline is not None and time.monotonic() > deadline

    cur = bytes(data)
    lo = 4 if keep_header else 0
    size = max(1, (len(cur) - lo) // 2)
    while size >= 1 and not late():
        i = lo
        changed = False
        while i < len(cur) and not late():
            cand = cur[:i] + cur[i + size:]
            if cand != cur and fails(cand):
                cur, changed = cand, True
            else:
                i += size
        if not changed:
            size //= 2
    for i in range(len(cur)):
        if late():
            break
        for simpler in (0x00,):
            if cur[i] != simpler:
                cand = cur[:i] + bytes((simpler,)) + cur[i + 1:]
                if fails(cand):
                    cur = cand
    return cur


# --------------------------------------------------------------------------- findings
@dataclass
class Finding:
    kind: str                                  # "crash", "silence", "hang", "reboot", "degradation"
    summary: str
    steps: list[str]                           # minimal steps, hex, the last is case.bin
    original_steps: list[str] = field(default_factory=list)
    seed: int | None = None
    device: dict[str, str] = field(default_factory=dict)
    time: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    shrink: dict[str, Any] = field(default_factory=dict)
    oracle: dict[str, Any] = field(default_factory=dict)
    campaign: dict[str, Any] = field(default_factory=dict)
    reproduced: bool | None = None
    source: str = ""                           # for corpus entries: where the input comes from
    id: str = ""
    channel: str = "coap"                      # "coap": inside the session / on UDP; "record": raw DTLS records
    bucket: str = ""                           # oracle verdict + shrunk input signature (see signature())
    duplicates: int = 0                        # further failures that fell into the same bucket
    signal: str = ""                           # crash: the signal that ended the device's process ("SIGSEGV")
    exit_status: int | None = None             # crash: the exit status when the process exited by itself

    @property
    def case(self) -> bytes:
        return bytes.fromhex(self.steps[-1]) if self.steps else b""

    def step_bytes(self) -> list[bytes]:
        return [bytes.fromhex(s) for s in self.steps]

    def make_id(self) -> str:
        digest = hashlib.sha256("".join(self.steps).encode()).hexdigest()[:8]
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return f"{stamp}-{self.kind}-{digest}"


def signature(data: bytes, channel: str = "coap") -> str:
    """A coarse, stable description of an input: what kind of message it is and which format rules
    it breaks, without the values.  Two variants of one bug (nibble 15 in the first or the third
    option, an unknown ACK with MID 7 or 9) get the same signature; used to bucket findings."""
    import re

    if channel == "record":
        from ..dtls.records import CONTENT_TYPES, split_records
        recs, tail = split_records(data)
        parts = [f"{CONTENT_TYPES.get(r.content_type, 'type?')}@epoch{min(r.epoch, 2)}" for r in recs[:4]]
        return "record " + (",".join(parts) or "none") + (" +tail" if tail else "")
    from ..coap import wire
    if len(data) < 4:
        return "coap short datagram"
    mtype = ("CON", "NON", "ACK", "RST")[(data[0] >> 4) & 3]
    code = data[1]
    kind = "empty" if code == 0 else ("request" if code >> 5 == 0 else f"class {code >> 5}")
    problems = [re.sub(r"\d+", "N", p.split(" (RFC")[0]).replace("nibble N", "nibble 15")
                for p in wire.check(data)]
    if problems:
        # the deepest rule broken (wire.check stops at the first option problem) names the bug; the
        # header around it (type, version: what byte shrinking happens to leave) does not
        return "coap malformed: " + problems[-1]
    detail = ""
    if code:
        try:
            msg = wire.decode(data)
            detail = f" {msg.code.dotted}"
            cf = msg.opt.content_format
            if cf is not None and msg.payload:
                detail += f" cf={int(cf)}"
                if int(cf) == 11542:
                    from ..lwm2m.formats import tlv
                    try:
                        tlv.decode_tlv_records(msg.payload)
                    except Exception as exc:
                        detail += ": TLV " + re.sub(r"\d+", "N", str(exc).split(":")[0])[:60]
        except Exception:
            detail = " undecodable"
    return f"coap {mtype} {kind}{detail}"


def write_pcap(path: Path, datagrams: Iterable[tuple[str, bytes, float]], *, harness: tuple[str, int] =
               ("127.0.0.1", 5683), device: tuple[str, int] = ("127.0.0.2", 56830)) -> None:
    """Write ``(direction, bytes, wall time)`` datagrams as IPv4/UDP packets (Wireshark decodes the
    CoAP and the LwM2M TLV in them).  Loopback addresses; direction "out" is harness -> device."""
    from ..report.pcap import Datagram, write_pcap as write

    write(path, [Datagram(t, *((harness, device) if direction == "out" else (device, harness)), bytes(data))
                 for direction, data, t in datagrams])


def _addr(remote: Any, default: tuple[str, int]) -> tuple[str, int]:
    if isinstance(remote, tuple) and len(remote) >= 2 and isinstance(remote[0], str):
        host = remote[0] if ":" not in remote[0] else default[0]   # IPv4 pcap only
        return host, int(remote[1])
    return default


def save_finding(finding: Finding, root: Path | str = DEFAULT_DIR, *,
                 wire: Sequence[tuple[str, bytes, float]] = (), harness: Any = None, device: Any = None) -> Path:
    """Write ``finding`` (and the captured ``wire`` datagrams) into a new directory under ``root``."""
    root = Path(root)
    if not finding.id:
        finding.id = finding.make_id()
    d = root / finding.id
    d.mkdir(parents=True, exist_ok=True)
    (d / "finding.json").write_text(json.dumps(asdict(finding), indent=1, sort_keys=True), encoding="utf-8")
    if finding.steps:
        (d / "case.bin").write_bytes(finding.case)
    if finding.original_steps:
        (d / "original.bin").write_bytes(bytes.fromhex(finding.original_steps[-1]))
    h = _addr(harness, ("127.0.0.1", 5683))
    dv = _addr(device, ("127.0.0.2", 56830))
    if h == dv:
        dv = (dv[0], dv[1] + 1)
    try:
        if wire:
            write_pcap(d / "capture.pcap", wire, harness=h, device=dv)
        now = time.time()
        write_pcap(d / "minimal.pcap", [("out", s, now + i * 0.001) for i, s in enumerate(finding.step_bytes())],
                   harness=h, device=dv)
    except Exception as exc:  # a pcap problem must not lose the finding itself
        (d / "pcap-error.txt").write_text(f"{type(exc).__name__}: {exc}\n", encoding="utf-8")
    return d


def update_finding(finding: Finding, root: Path | str) -> None:
    """Rewrite the ``finding.json`` of a finding already saved under ``root`` (its duplicate count grew)."""
    if finding.id:
        p = Path(root) / finding.id / "finding.json"
        if p.parent.is_dir():
            p.write_text(json.dumps(asdict(finding), indent=1, sort_keys=True), encoding="utf-8")


def load_finding(path: Path | str) -> Finding:
    p = Path(path)
    if p.is_dir():
        p = p / "finding.json"
    data = json.loads(p.read_text(encoding="utf-8"))
    known = set(Finding.__dataclass_fields__)
    return Finding(**{k: v for k, v in data.items() if k in known})


#: The parts of a finding's ``device`` record that say which device it is (the profile, the driver, and for the
#: simulator the build it ran: meter kind, LwM2M version, seeded defects, variants); counters, endpoints and
#: commands (which carry ports) change from run to run and do not.
DEVICE_IDENTITY = ("profile", "driver", "meter", "lwm2m", "defects", "variants", "family")


def same_device(found_on: Mapping[str, str], device: Mapping[str, str]) -> bool:
    """Whether a finding recorded on ``found_on`` (its ``device``) was found on ``device``: every identity field
    both records carry agrees, and they share the profile.  A finding that names no profile matches none."""
    if not found_on.get("profile") or found_on.get("profile") != device.get("profile"):
        return False
    return all(found_on[k] == device[k] for k in DEVICE_IDENTITY if k in found_on and k in device)


def load_findings(*roots: Path | str) -> Iterator[Finding]:
    """Every ``finding.json`` (or single-file ``*.json`` reproducer) under ``roots``, sorted by path."""
    for root in roots:
        r = Path(root)
        if not r.exists():
            continue
        for p in sorted(r.rglob("*.json")):
            try:
                yield load_finding(p)
            except (ValueError, TypeError, KeyError):
                continue


__all__ = ["DEFAULT_DIR", "DEVICE_IDENTITY", "Finding", "RingBuffer", "ddmin", "load_finding", "load_findings",
           "same_device", "save_finding", "shrink_bytes", "signature", "update_finding", "write_pcap"]
