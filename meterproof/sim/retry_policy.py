"""The simulated meter's registration retry schedule (TS Core 1.1 §6.2.1.1), with a random jitter.

The policy is the account's /1/x/17-20, or TS Core 1.1 Table 6.2.1.1-1 for a resource its Server instance lacks
(:mod:`meterproof.lwm2m.retry`); the simulated 1.0 meter, whose Server object has no such resources, follows the
same table as its vendor's own policy.  ETSI TS 103 701 5.9-3-1 note 2 suggests a random delay so that a fleet
restarted together does not reconnect in lockstep: every wait gets between :data:`JITTER` shares of itself added
at random (never subtracted, so the back-off stays a lower bound; never under 5 %, so one meter's waits show
it).  Seeded defects: ``no-register-backoff`` retries every :data:`FIXED_RETRY` s for ever;
``no-reconnect-jitter`` waits exactly the TS delays.

Every wait is in the meter's seconds; the caller multiplies by ``meter.clock``.
"""

from __future__ import annotations

import random
import zlib
from typing import TYPE_CHECKING, Any, Callable, Iterator

from ..lwm2m.retry import RESOURCES, RetryPolicy

if TYPE_CHECKING:
    from .host import MeterHost

JITTER = (0.05, 0.25)    # the least and the most a wait is lengthened at random, as a share of itself
FIXED_RETRY = 1.0    # the ``no-register-backoff`` meter's interval between attempts, in its seconds


ValueOf = Callable[[int, Any], Any]     # (resource id, default) -> the account's /1/x/<rid> value


def policy_of(meter: "MeterHost", value: ValueOf | None = None) -> RetryPolicy:
    """The policy of an account: its /1/x/17-20 where present (``value`` reads the account's own Server instance;
    the first account's by default), else the TS defaults."""
    read = value or meter.server_value
    return RetryPolicy.from_values({rid: read(rid, None) for rid in RESOURCES})


def waits(policy: RetryPolicy, rng: random.Random, *, backoff: bool = True,
          jitter: bool = True) -> Iterator[float]:
    """The waits before each attempt after the first, in the meter's seconds; ends when the registration is
    considered failed (the last attempt of the last sequence)."""
    if not backoff:
        while True:
            yield FIXED_RETRY
    for sequence in range(1, policy.sequence_retry_count + 1):
        for attempt in range(1, policy.retry_count):
            yield _jittered(policy.delay_after(attempt), rng, jitter)
        if sequence == policy.sequence_retry_count or not policy.more_sequences:
            return
        yield _jittered(policy.sequence_delay, rng, jitter)


def rng_for(meter: "MeterHost") -> random.Random:
    """The meter's own jitter generator: from the run's seed and its endpoint name, so that two meters of a fleet
    draw different delays and a run can be repeated."""
    return random.Random(meter.ctx.seed ^ zlib.crc32(meter.endpoint_name.encode()) ^ 0x2E7)


def schedule(meter: "MeterHost", value: ValueOf | None = None) -> Iterator[float]:
    """The meter's waits (in its seconds) after each failed Register, as the account (read through ``value``)
    and its defects make them."""
    return waits(policy_of(meter, value), rng_for(meter), backoff=not meter.has("no-register-backoff"),
                 jitter=not meter.has("no-reconnect-jitter"))


def _jittered(delay: float, rng: random.Random, jitter: bool) -> float:
    return delay * (1 + rng.uniform(*JITTER)) if jitter else delay


__all__ = ["FIXED_RETRY", "JITTER", "policy_of", "rng_for", "schedule", "waits"]
