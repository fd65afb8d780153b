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
