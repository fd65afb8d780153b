"""CoAP transmission parameters (RFC 7252 §4.8) and the times derived from them (§4.8.2).

Real meters on NB-IoT need far longer ACK timeouts than a loopback simulator,
so every wait in the engine is derived from one :class:`TransmissionParams`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class TransmissionParams:
    ack_timeout: float = 2.0
    ack_random_factor: float = 1.5
    max_retransmit: int = 4
    nstart: int = 1
    default_leisure: float = 5.0
    probing_rate: float = 1.0
    max_latency: float = 100.0

    def __post_init__(self) -> None:
        if self.ack_timeout <= 0 or self.ack_random_factor < 1 or self.max_retransmit < 0:
            raise ValueError("ACK_TIMEOUT must be > 0, ACK_RANDOM_FACTOR >= 1, MAX_RETRANSMIT >= 0")

    @property
    def processing_delay(self) -> float:
        return self.ack_timeout

    @property
    def max_transmit_span(self) -> float:
        return self.ack_timeout * (2 ** self.max_retransmit - 1) * self.ack_random_factor

    @property
    def max_transmit_wait(self) -> float:
        return self.ack_timeout * (2 ** (self.max_retransmit + 1) - 1) * self.ack_random_factor

    @property
    def exchange_lifetime(self) -> float:
        return self.max_transmit_span + 2 * self.max_latency + self.processing_delay

    @property
    def non_lifetime(self) -> float:
        return self.max_transmit_span + self.max_latency

    def initial_timeout(self, rng: random.Random | None = None) -> float:
        r = (rng or random).uniform(1.0, self.ack_random_factor)
        return self.ack_timeout * r

    def scaled(self, factor: float) -> "TransmissionParams":
        """The same parameters with every time multiplied by ``factor`` (slow devices)."""
        return replace(self, ack_timeout=self.ack_timeout * factor, max_latency=self.max_latency * factor)


DEFAULT = TransmissionParams()
# Loopback peers answer in microseconds; a short ACK timeout keeps lost-datagram
# recovery in tests fast while keeping the RFC's exponential back-off shape.
LOOPBACK = TransmissionParams(ack_timeout=0.5, ack_random_factor=1.5, max_retransmit=4, max_latency=1.0)
