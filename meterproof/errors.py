"""The engine's exception hierarchy.

Three families, kept apart because the test outcome depends on which one is raised:

* :class:`FormatError` — bytes that do not decode (or values that cannot be
  encoded) in an LwM2M content format.  Raised by every codec, and the *only*
  exception a decoder may raise on arbitrary input.
* :class:`ProtocolError` — the peer broke a CoAP or LwM2M message rule.  When the
  peer is the device under test this is a *finding*, never a harness crash.
* :class:`ConfigError` — the user gave us something unusable (profile, address,
  key).  Its message is one line that says what to fix.
"""

from __future__ import annotations


class MeterproofError(Exception):
    """Base class of every error the engine raises on purpose."""


class FormatError(MeterproofError, ValueError):
    """Payload bytes or values that do not fit an LwM2M content format."""


class ModelError(MeterproofError):
    """An object definition (DDF) that cannot be loaded or a value that does not fit it."""


class ProtocolError(MeterproofError):
    """The peer violated a CoAP / LwM2M message rule."""


class TimeoutError_(MeterproofError, TimeoutError):
    """An exchange or an awaited event did not complete in the time the protocol allows."""


class ConfigError(MeterproofError):
    """A user-supplied setting is missing or malformed; the message says what to fix."""


#: How each family reads in a report (most specific first); anything else is the harness's own error.
_WORDS: tuple[tuple[type[BaseException], str], ...] = (
    (TimeoutError, "timeout"),
    (ProtocolError, "protocol error"),
    (FormatError, "payload did not decode"),
    (ModelError, "object model"),
    (ConfigError, "configuration"),
    (MeterproofError, "error"),
)


def describe(exc: BaseException) -> str:
    """``exc`` as one line a reader of a report understands, without a Python class name:
    ``timeout: no response within 3.2s``, ``protocol error: ...``, ``harness error: ...``."""
    text = " ".join(str(exc).split()) if str(exc) else ""
    for cls, word in _WORDS:
        if isinstance(exc, cls):
            return f"{word}: {text}" if text else word
    return f"harness error: {text}" if text else "harness error (no message)"
