"""The simulated meter's registration retry procedure (TS Core 1.1 §6.2.1.1, sim/retry_policy.py)."""

from __future__ import annotations

import random

from meterproof.lwm2m.retry import DEFAULT_VALUES, TS_DEFAULTS, RetryPolicy
from meterproof.sim.retry_policy import FIXED_RETRY, JITTER, waits

SHORT = RetryPolicy(retry_count=3, retry_timer=30, sequence_delay=300, sequence_retry_count=2)


def test_ts_defaults_are_table_6_2_1_1_1():
    assert (TS_DEFAULTS.retry_count, TS_DEFAULTS.retry_timer, TS_DEFAULTS.sequence_delay,
            TS_DEFAULTS.sequence_retry_count) == (5, 60, 86400, 1)
    assert DEFAULT_VALUES == {17: 5, 18: 60, 19: 86400, 20: 1}


def test_waits_double_within_a_sequence_then_the_sequence_delay():
    assert list(waits(SHORT, random.Random(0), jitter=False)) == [30, 60, 300, 30, 60]
    assert list(waits(TS_DEFAULTS, random.Random(0), jitter=False)) == [60, 120, 240, 480]


def test_jitter_only_lengthens_and_differs_between_meters():
    nominal = list(waits(SHORT, random.Random(0), jitter=False))
    a, b = (list(waits(SHORT, random.Random(seed))) for seed in (1, 2))
    for got in (a, b):
        assert all(n * (1 + JITTER[0]) <= g <= n * (1 + JITTER[1]) for n, g in zip(nominal, got))
    assert a != b


def test_absent_resources_take_the_ts_defaults():
    assert RetryPolicy.from_values({18: 10}) == RetryPolicy(retry_timer=10)
    assert RetryPolicy.from_values({17: True, 19: -1}) == TS_DEFAULTS       # unusable values too


def test_no_backoff_waits_are_fixed_and_endless():
    it = waits(SHORT, random.Random(0), backoff=False)
    assert [next(it) for _ in range(10)] == [FIXED_RETRY] * 10


def test_refused_register_is_retried_with_backoff_then_registers_in_the_next_sequence(make_rig):
    rig = make_rig(clock=0.002)
    for rid, v in zip((17, 18, 19, 20), (3, 30, 300, 2)):
        assert rig.server.write(rig.ep, f"/1/0/{rid}", v).code_text == "2.04"
    times = rig.refused_attempts(3)
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert gaps[0] >= 30 * 0.002 and gaps[1] >= 60 * 0.002
    mark = rig.server.mark()
    rig.aio.reject_register = None
    ev = rig.server.wait_event(("registered", "rejected"), None, since=mark, timeout=5)
    assert ev.kind == "registered" and ev.time - times[-1] >= 300 * 0.002
