"""A hostile meter: the simulator answering with well-formed CoAP that carries wrong or broken data.

This is not a seeded defect (those are one realistic vendor bug each, caught by named cases) but a tool for
the harness's own robustness: "bad input from a device is a finding, never a crash of the harness".  With a
rate ``p``, every Device-Management answer and every notification the meter sends is, with probability
``p``, mangled in one way a broken device could mangle it: another response code, another or a missing
Content-Format, a truncated, bit-flipped, emptied or random payload, a payload of another format under the
announced one, a notification without its Observe option.  The CoAP framing stays valid (a malformed
datagram is the message-layer fuzzers' job), so every case sees surprising *data* and must end in a device
verdict (failed, inconclusive, not applicable) or pass — never "broken".

The choices come from a :class:`random.Random` seeded from the run's seed and the endpoint, so a run is
reproducible with ``--meterproof-seed`` (xdist scheduling aside).  Registration, bootstrap and the meter's
own requests are left alone: the point is to reach the cases.
"""

from __future__ import annotations

import random
from typing import Callable

from aiocoap import Message
from aiocoap.numbers import codes

#: Response codes a device might send for anything (RFC 7252 §5.9, §12.1.2; RFC 7959 §2.9).
_CODES = (codes.CREATED, codes.DELETED, codes.VALID, codes.CHANGED, codes.CONTENT, codes.CONTINUE,
          codes.BAD_REQUEST, codes.UNAUTHORIZED, codes.BAD_OPTION, codes.NOT_FOUND, codes.METHOD_NOT_ALLOWED,
          codes.NOT_ACCEPTABLE, codes.REQUEST_ENTITY_TOO_LARGE, codes.UNSUPPORTED_CONTENT_FORMAT,
          codes.INTERNAL_SERVER_ERROR, codes.NOT_IMPLEMENTED, codes.SERVICE_UNAVAILABLE)

#: Content-Formats an LwM2M device announces (text, link, opaque, CBOR, SenML JSON/CBOR, TLV, LwM2M JSON /
#: CBOR) and one nobody registered.
_FORMATS = (0, 40, 42, 60, 110, 112, 11542, 11543, 11544, 65000)

#: Payloads that are valid in some format and wrong under most announced ones.
_FOREIGN = (b'[{"bn":"/3/0/","n":"0","v":1}]', b"\xc8\x00\x03abc", b"</3/0>;ver=1.1,</1/0>", b"\x81\xa2\x00b/3\x01\x00",
            b'{"bn":"/","e":[{"n":"3/0/0","sv":"x"}]}', b"true", b"-1e999", b"\xff\xfe\x00", b"")


def _truncate(rng: random.Random, msg: Message) -> None:
    msg.payload = msg.payload[:rng.randrange(len(msg.payload))] if msg.payload else b"\x00"


def _flip(rng: random.Random, msg: Message) -> None:
    if not msg.payload:
        msg.payload = bytes([rng.randrange(256)])
        return
    data = bytearray(msg.payload)
    i = rng.randrange(len(data))
    data[i] ^= 1 << rng.randrange(8)
    msg.payload = bytes(data)


def _random_bytes(rng: random.Random, msg: Message) -> None:
    msg.payload = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 48)))


def _empty(rng: random.Random, msg: Message) -> None:
    msg.payload = b""


def _foreign(rng: random.Random, msg: Message) -> None:
    msg.payload = rng.choice(_FOREIGN)


def _code(rng: random.Random, msg: Message) -> None:
    msg.code = rng.choice(_CODES)


def _format(rng: random.Random, msg: Message) -> None:
    msg.opt.content_format = rng.choice(_FORMATS)


def _no_format(rng: random.Random, msg: Message) -> None:
    msg.opt.content_format = None


def _no_observe(rng: random.Random, msg: Message) -> None:
    msg.opt.observe = None


#: One mangling each; a response gets one of them (a notification may also lose its Observe option).
MANGLERS: tuple[Callable[[random.Random, Message], None], ...] = (
    _truncate, _flip, _random_bytes, _empty, _foreign, _code, _format, _no_format)


class Hostile:
    """Mangles a share ``rate`` of the meter's answers and notifications."""

    def __init__(self, rate: float, seed: int) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"hostile rate must be between 0 and 1, got {rate!r}")
        self.rate = rate
        self.rng = random.Random(seed)
        self.mangled = 0

    def answer(self, msg: Message | None) -> Message | None:
        """A DM answer, perhaps mangled (an answer of None — a NON left unanswered — stays None)."""
        if msg is None or self.rng.random() >= self.rate:
            return msg
        self.rng.choice(MANGLERS)(self.rng, msg)
        self.mangled += 1
        return msg

    def notification(self, msg: Message) -> Message:
        """A notification, perhaps mangled (including, sometimes, its Observe option dropped)."""
        if self.rng.random() >= self.rate:
            return msg
        self.rng.choice(MANGLERS + (_no_observe,))(self.rng, msg)
        self.mangled += 1
        return msg


__all__ = ["Hostile", "MANGLERS"]
