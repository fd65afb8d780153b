"""The registration retry procedure of TS Core 1.1 §6.2.1.1: the Server object's Communication Retry resources and
their default values, shared by the harness (which checks a device's back-off) and the simulated meter.

* /1/x/17 Communication Retry Count: attempts in one communication sequence;
* /1/x/18 Communication Retry Timer: the wait after failed attempt n of a sequence is this value x 2^(n-1)
  (an exponential back-off);
* /1/x/19 Communication Sequence Delay Timer: the wait between sequences; MAX_VALUE means no further sequence;
* /1/x/20 Communication Sequence Retry Count: sequences before the registration is considered failed.

A resource the Server instance lacks takes its value from TS Core 1.1 Table 6.2.1.1-1 "Registration Procedures
Default Values" (:data:`TS_DEFAULTS`: 5, 60 s, 86400 s, 1).  The resources exist in Server object 1.1 and later
(LwM2M 1.1/1.2); LwM2M 1.0 defines no retry procedure.
"""

from __future__ import annotations

from dataclasses import dataclass

RETRY_COUNT, RETRY_TIMER, SEQUENCE_DELAY, SEQUENCE_RETRY_COUNT = 17, 18, 19, 20
#: the resources, by id, with their names in the Server object definition
RESOURCES = {RETRY_COUNT: "Communication Retry Count", RETRY_TIMER: "Communication Retry Timer",
             SEQUENCE_DELAY: "Communication Sequence Delay Timer",
             SEQUENCE_RETRY_COUNT: "Communication Sequence Retry Count"}
#: /1/x/19 = MAX_VALUE of an Unsigned Integer (32 bits): "do not perform another communication sequence"
NO_MORE_SEQUENCES = 2 ** 32 - 1


@dataclass(frozen=True)
class RetryPolicy:
    """The four Communication Retry values of one Server account (times in seconds)."""

    retry_count: int = 5
    retry_timer: float = 60.0
    sequence_delay: float = 86400.0
    sequence_retry_count: int = 1

    def delay_after(self, attempt: int) -> float:
        """The wait after failed attempt ``attempt`` (1-based) of a sequence: timer x 2^(attempt-1)."""
        return self.retry_timer * 2 ** (attempt - 1)

    @property
    def more_sequences(self) -> bool:
        """Whether a second communication sequence follows the first."""
        return self.sequence_retry_count > 1 and self.sequence_delay < NO_MORE_SEQUENCES

    @classmethod
    def from_values(cls, values: dict[int, object]) -> "RetryPolicy":
        """From the values read (by resource id); an absent or unusable one takes the TS default."""
        d = TS_DEFAULTS

        def get(rid: int, default: float) -> float:
            v = values.get(rid)
            return float(v) if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else default
        return cls(retry_count=max(1, int(get(RETRY_COUNT, d.retry_count))),
                   retry_timer=get(RETRY_TIMER, d.retry_timer),
                   sequence_delay=get(SEQUENCE_DELAY, d.sequence_delay),
                   sequence_retry_count=max(1, int(get(SEQUENCE_RETRY_COUNT, d.sequence_retry_count))))


#: TS Core 1.1 Table 6.2.1.1-1 "Registration Procedures Default Values"
TS_DEFAULTS = RetryPolicy()
#: the same, as resource values by id
DEFAULT_VALUES: dict[int, int] = {RETRY_COUNT: TS_DEFAULTS.retry_count, RETRY_TIMER: int(TS_DEFAULTS.retry_timer),
                                  SEQUENCE_DELAY: int(TS_DEFAULTS.sequence_delay),
                                  SEQUENCE_RETRY_COUNT: TS_DEFAULTS.sequence_retry_count}

__all__ = ["DEFAULT_VALUES", "NO_MORE_SEQUENCES", "RESOURCES", "RETRY_COUNT", "RETRY_TIMER", "RetryPolicy",
           "SEQUENCE_DELAY", "SEQUENCE_RETRY_COUNT", "TS_DEFAULTS"]
