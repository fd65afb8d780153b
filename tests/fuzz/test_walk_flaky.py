"""A walk that fails once and not on hypothesis's replay is a finding about the device, not a harness error."""

from __future__ import annotations

import pytest
from hypothesis.errors import FlakyFailure

from meterproof.fuzz import stateful


def test_flaky_walk_failure_becomes_a_walk_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def flaky(cls, settings):  # type: ignore[no-untyped-def]
        raise FlakyFailure("replay passed", [stateful.WalkFailure("/5/0/3 jumped from 0 to 3")])

    monkeypatch.setattr("hypothesis.stateful.run_state_machine_as_test", flaky)
    monkeypatch.setattr(stateful, "lwm2m_machine", lambda campaign, **kw: object)

    class _Campaign:
        restart_fn = None

    with pytest.raises(stateful.WalkFailure, match="did not recur when the walk was replayed"):
        stateful.run_walk(_Campaign(), examples=1, steps=1)  # type: ignore[arg-type]


def test_other_errors_still_propagate(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(cls, settings):  # type: ignore[no-untyped-def]
        raise RuntimeError("harness bug")

    monkeypatch.setattr("hypothesis.stateful.run_state_machine_as_test", broken)
    monkeypatch.setattr(stateful, "lwm2m_machine", lambda campaign, **kw: object)

    class _Campaign:
        restart_fn = None

    with pytest.raises(RuntimeError, match="harness bug"):
        stateful.run_walk(_Campaign(), examples=1, steps=1)  # type: ignore[arg-type]


class _Device:
    """A stand-in for a campaign: its server answers every operation, and its liveness probe is silent
    exactly once per boot, at the probe number ``dies_at`` (None: never) -- or only on the first boot."""

    def __init__(self, dies_at: int, every_boot: bool) -> None:
        from types import SimpleNamespace as NS
        ok = lambda *a, **k: NS(ok=True, payload=b"0", established=False)  # noqa: E731
        self.server = NS(read=ok, write_attributes=ok, execute=ok, write=ok, observe=ok,
                         cancel_observation=ok, raw_send=ok)
        self.endpoint_name = "ep"
        self.watch = NS(mark=lambda: None, check=lambda: None)
        self.restart_fn = object()
        self.take_end = lambda: None          # a driver that never reports the device's end
        self._dead = False
        self.dies_at, self.every_boot = dies_at, every_boot
        self.boots, self.probes_this_boot, self.log = 1, 0, []

    def probe(self):  # type: ignore[no-untyped-def]
        from types import SimpleNamespace as NS
        self.probes_this_boot += 1
        dead = self.probes_this_boot == self.dies_at and (self.every_boot or self.boots == 1)
        self.log.append(("probe", self.boots, not dead))
        return NS(alive=not dead)

    def _restart(self) -> None:
        self.boots += 1
        self.probes_this_boot = 0
        self._dead = False
        self.log.append(("restart", self.boots, True))


def test_a_failing_walk_is_replayed_on_a_freshly_restarted_device() -> None:
    dev = _Device(dies_at=3, every_boot=False)
    with pytest.raises(stateful.WalkFailure, match="replayed on a freshly restarted device"):
        stateful.run_walk(dev, examples=3, steps=4, shrink=False, stray=False, firmware=False)  # type: ignore[arg-type]
    first_silence = dev.log.index(("probe", 1, False))
    assert dev.log[first_silence + 1][0] == "restart"        # restarted before hypothesis's confirming replay
    assert all(alive for kind, boot, alive in dev.log if kind == "probe" and boot > 1)


def test_a_walk_failure_that_recurs_on_a_fresh_device_is_reported_as_it_is() -> None:
    dev = _Device(dies_at=3, every_boot=True)
    with pytest.raises(stateful.WalkFailure) as info:
        stateful.run_walk(dev, examples=3, steps=4, shrink=False, stray=False, firmware=False)  # type: ignore[arg-type]
    assert "did not recur" not in str(info.value) and "stopped answering" in str(info.value)
    assert dev.boots >= 2                                     # the replay ran on a restarted device, and failed
