"""The hostile meter's mangler: what it changes, and that it changes nothing at rate 0."""

from __future__ import annotations

import pytest
from aiocoap.numbers import codes

from meterproof.coap import wire
from meterproof.sim.hostile import Hostile


def _answer():  # type: ignore[no-untyped-def]
    return wire.new(codes.CONTENT, payload=b"\x08\x00\x03abc", content_format=11542, observe=7)


def test_rate_zero_changes_nothing() -> None:
    h = Hostile(0.0, seed=1)
    for _ in range(50):
        m = h.answer(_answer())
        assert (m.code, m.opt.content_format, m.payload) == (codes.CONTENT, 11542, b"\x08\x00\x03abc")
    assert h.mangled == 0


def test_rate_one_mangles_every_answer_in_several_ways() -> None:
    h = Hostile(1.0, seed=2)
    ref = _answer()
    seen = set()
    for _ in range(200):
        m = h.notification(_answer())
        diff = tuple(k for k, a, b in (("code", m.code, ref.code), ("cf", m.opt.content_format, ref.opt.content_format),
                                       ("payload", m.payload, ref.payload), ("observe", m.opt.observe, ref.opt.observe))
                     if a != b)
        seen.add(diff)
    assert h.mangled == 200
    assert {("code",), ("cf",), ("payload",), ("observe",)} <= seen | {d[:1] for d in seen}


def test_unanswered_stays_unanswered_and_rate_is_checked() -> None:
    assert Hostile(1.0, seed=3).answer(None) is None
    with pytest.raises(ValueError):
        Hostile(1.5, seed=0)
