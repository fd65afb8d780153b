"""The manual driver: prompts an operator, times out, and in a non-interactive run makes hand-operated cases
not applicable with the reason."""

from __future__ import annotations

import io
import os
import time

import pytest

from meterproof.dut.base import TriggerUnavailable
from meterproof.dut.manual import ManualDriver, non_interactive_reason

PROMPTS = {"start": "Point meter {endpoint} at {server_uri} and press its button.",
           "reboot": "Hold the button for 10 s."}


def test_ci_is_never_interactive() -> None:
    assert "CI=true" in (non_interactive_reason({"CI": "true"}) or "")
    d = ManualDriver(PROMPTS, env={"CI": "true"})
    assert not d.interactive and d.triggers == {"reboot"}
    d.start("coap://127.0.0.1:5683", "bench-7")      # no prompt: the meter must register by itself
    with pytest.raises(TriggerUnavailable) as ei:
        d.trigger("reboot")
    assert "'reboot' needs an operator (Hold the button for 10 s.)" in str(ei.value)
    assert "CI=true" in str(ei.value)
    assert "the meter must register by itself: Point meter bench-7 at coap://127.0.0.1:5683" in d.logs()
    with pytest.raises(TriggerUnavailable, match="no prompt for 'power-cycle'"):
        d.trigger("power-cycle")


def test_no_terminal_is_not_interactive() -> None:
    assert "no terminal" in (non_interactive_reason({}, io.StringIO()) or "")
    d = ManualDriver(PROMPTS, env={}, input_stream=io.StringIO("\n"))
    assert not d.interactive


def _pipe_with(text: str) -> io.TextIOWrapper:
    r, w = os.pipe()
    os.write(w, text.encode())
    os.close(w)
    return os.fdopen(r, "r")


class _TtyPipe(io.TextIOWrapper):
    def isatty(self) -> bool:
        return True


def _tty_input(text: str) -> io.TextIOBase:
    r, w = os.pipe()
    if text:
        os.write(w, text.encode())
    stream = _TtyPipe(os.fdopen(r, "rb"))
    stream._keep_w = w  # type: ignore[attr-defined]  # an open writer: readline blocks like a silent operator
    return stream


def test_operator_confirms_each_step() -> None:
    out = io.StringIO()
    d = ManualDriver(PROMPTS, env={}, input_stream=_tty_input("\n\n"), output_stream=out, timeout=5)
    assert d.interactive
    d.start("coap://10.0.0.2:5683", "bench-7")
    d.trigger("reboot")
    text = out.getvalue()
    assert "[meterproof] start: Point meter bench-7 at coap://10.0.0.2:5683" in text
    assert "[meterproof] reboot: Hold the button for 10 s." in text
    assert "answer" in d.logs()


def test_operator_declines_or_does_not_answer() -> None:
    d = ManualDriver(PROMPTS, env={}, input_stream=_tty_input("n\n"), output_stream=io.StringIO(), timeout=5)
    with pytest.raises(TriggerUnavailable, match="the operator could not do 'reboot'"):
        d.trigger("reboot")
    d = ManualDriver(PROMPTS, env={}, input_stream=_tty_input(""), output_stream=io.StringIO(), timeout=0.2)
    t0 = time.monotonic()
    with pytest.raises(TriggerUnavailable, match="did not confirm 'reboot' within 0.2s"):
        d.trigger("reboot")
    assert time.monotonic() - t0 < 2
