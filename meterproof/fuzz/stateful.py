"""Walks over the device's state machines with hypothesis stateful testing.

:func:`lwm2m_machine` builds a ``RuleBasedStateMachine`` that plays the LwM2M
Server toward one registered device, mixing valid operations in random order —
reads in every format, Write-Attributes, Observe and both ways of cancelling it,
the Registration Update Trigger, firmware package writes and Update executes,
state reads — with messages the device does not expect (stray ACK/RST, responses
to nothing).  The sequences are the ones that found S4-S7 in the reference
(observe → cancel during a notification, observe → delete → notify, ...).

Invariants, checked after every step:

* the device answers the liveness probe (any answer);
* no new Register or De-register: a conformant device does not reboot because
  of what a server asks (the walk never executes Reboot, Factory Reset or
  Disable, see :data:`.strategies_coap.DISRUPTIVE`);
* the Firmware Update State /5/0/3 only moves along TS Core Appendix E.6's
  transitions (Idle → Downloading → Downloaded → Updating → Idle, or back to
  Idle on failure or cancel).

A failing walk is printed by hypothesis as a replayable program of steps.  Hypothesis replays a
failing walk to confirm it; the device is restarted through its driver first (the walk's
``teardown``), so the replay starts from a fresh boot as the first walk did.  A failure that does
not recur even then is still a finding, reported as not recurring (:func:`run_walk`).

Every server operation waits as long as the transmission parameters allow (a read is repeated once
when its whole exchange went unanswered, :meth:`~meterproof.coap.endpoint.Endpoint.request`), and the
liveness invariant is the loss-tolerant probe of :mod:`.oracle`: packet loss breaks no invariant.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Callable

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from ..errors import TimeoutError_
from ..lwm2m.contentformat import CF
from . import packets
from .strategies_coap import unexpected_messages

if TYPE_CHECKING:
    from .campaign import Campaign

READ_PATHS = ("/3/0", "/3/0/0", "/3/0/9", "/3/0/13", "/5/0/3", "/5/0/5", "/3")
OBSERVE_PATHS = ("/3/0/9", "/3/0/13", "/5/0/3", "/3/0")
ACCEPTS = (None, int(CF.TLV), int(CF.TEXT), int(CF.SENML_JSON), int(CF.SENML_CBOR), int(CF.LINK), 60, 11543)
#: TS Core 1.1 Appendix E.6 (Firmware Update State), previous -> allowed next (a push write may
#: pass Downloading (1) between two reads).
FW_NEXT = {0: {0, 1, 2}, 1: {0, 1, 2}, 2: {0, 2, 3}, 3: {0, 2, 3}}


class WalkFailure(AssertionError):
    """An invariant of the walk did not hold (the message says which)."""


def lwm2m_machine(campaign: "Campaign", *, timeout: float | None = None, stray: bool = True,
                  firmware: bool = True, account: str = "/1/0",
                  on_failure: Callable[[BaseException], None] | None = None) -> type[RuleBasedStateMachine]:
    """A state machine class bound to ``campaign``'s server and device (see the module docstring).

    ``account`` is the Server Object instance serving this server (the device numbers it: a caller finds it
    by SSID); ``firmware`` adds the Firmware Update rules (only for a device that claims firmware push and
    registers /5: a walk writes packages and executes Update); ``timeout`` bounds each operation (default:
    the server's, from the transmission parameters); ``on_failure`` gets what ended a failing walk."""
    server = campaign.server
    ep = campaign.endpoint_name
    read_paths = (*READ_PATHS, f"{account}/1")

    class Lwm2mWalk(RuleBasedStateMachine):
        observations = Bundle("observations")

        def __init__(self) -> None:
            super().__init__()
            campaign.watch.mark()
            self.fw_state: int | None = None

        def _fw(self) -> None:
            r = server.read(ep, "/5/0/3", accept=int(CF.TEXT), timeout=timeout)
            if not r.ok:
                return
            try:
                new = int(r.payload.decode())
            except ValueError:
                raise WalkFailure(f"/5/0/3 State is not an integer: {r.payload!r}") from None
            if new not in FW_NEXT:
                raise WalkFailure(f"/5/0/3 State {new} is outside 0..3")
            if self.fw_state is not None and new not in FW_NEXT[self.fw_state]:
                raise WalkFailure(f"/5/0/3 State went {self.fw_state} -> {new} (TS Core Appendix E.6)")
            self.fw_state = new

        @rule(path=st.sampled_from(read_paths), accept=st.sampled_from(ACCEPTS))
        def read(self, path: str, accept: int | None) -> None:
            server.read(ep, path, accept=accept, timeout=timeout)

        @rule(path=st.sampled_from(OBSERVE_PATHS), pmin=st.integers(0, 2), pmax=st.sampled_from([None, 1, 60]))
        def write_attributes(self, path: str, pmin: int, pmax: int | None) -> None:
            attrs: dict[str, Any] = {"pmin": pmin}
            if pmax is not None:
                attrs["pmax"] = max(pmax, pmin)
            server.write_attributes(ep, path, attrs, timeout=timeout)

        @rule(target=observations, path=st.sampled_from(OBSERVE_PATHS))
        def observe(self, path: str) -> Any:
            return server.observe(ep, path, timeout=timeout)

        @rule(obs=consumes(observations), mode=st.sampled_from(["get", "reset"]))
        def cancel(self, obs: Any, mode: str) -> None:
            if not obs.established:
                return
            if mode == "reset":
                # RFC 7641 §3.6: a reset answers the *next* notification, which the device sends when it has
                # one (a change, or pmax if set), not within a time the walk may require: the reset is armed
                # and answers whatever comes later (the walk goes on at once; a quiet observation is no finding)
                try:
                    server.cancel_observation(obs, mode=mode, timeout=0.0)
                except TimeoutError_:
                    pass
                return
            server.cancel_observation(obs, mode=mode, timeout=timeout)

        @rule()
        def update_trigger(self) -> None:
            server.execute(ep, f"{account}/8", timeout=timeout)

        if firmware:
            @rule(package=st.one_of(st.binary(max_size=64), st.just(b"")))
            def fw_write_package(self, package: bytes) -> None:
                server.write(ep, "/5/0/0", payload=package, content_format=int(CF.OPAQUE), timeout=timeout)
                self._fw()

            @rule()
            def fw_update(self) -> None:
                if self.fw_state is None:
                    self._fw()      # judge an Update only against a State the walk has read
                if self.fw_state in (None, 2):
                    return          # unknown, or a real install that reboots the meter: not part of this walk
                r = server.execute(ep, "/5/0/2", timeout=timeout)
                if r.ok:
                    raise WalkFailure(f"Execute /5/0/2 in State {self.fw_state} answered {r.code_text} "
                                      "(TS Core E.6: Update needs a Downloaded package)")

            @rule()
            def fw_state_read(self) -> None:
                self._fw()

        if stray:
            @rule(data=unexpected_messages())
            def unexpected(self, data: bytes) -> None:
                server.raw_send(ep, data, timeout=0.0)

            @rule(mtype=st.sampled_from([packets.ACK, packets.RST]), mid=st.integers(0, 0xFFFF))
            def stray_empty(self, mtype: int, mid: int) -> None:
                server.raw_send(ep, packets.empty(mtype, mid), timeout=0.0)

        @invariant()
        def device_alive(self) -> None:
            p = campaign.probe()
            end = campaign.take_end()
            if end is not None:
                campaign._dead = True
                raise WalkFailure(f"the device's process ended during the walk ({end.detail})" if end.kind == "crash"
                                  else f"the device rebooted by itself during the walk ({end.detail})")
            if not p.alive:
                campaign._dead = True
                raise WalkFailure("the device stopped answering (ping and GET /3/0/0 unanswered)")
            ev = campaign.watch.check()
            if ev is not None:
                raise WalkFailure(f"the device sent {ev.kind} during the walk (it rebooted)")

        def teardown(self) -> None:
            # hypothesis calls this in a ``finally``: the exception that ended a failing walk is in flight
            failed = sys.exc_info()[1]
            if failed is not None and on_failure is not None:
                on_failure(failed)
            if campaign._dead or (failed is not None and campaign.restart_fn is not None):
                campaign._restart()     # the confirming replay starts from a fresh boot, as this walk did

    return Lwm2mWalk


class WalkNotRecurring(Exception):
    """The first run of a walk met a protocol error or the device's silence that its replay did not meet again:
    nothing established, for the case to report as inconclusive."""


def run_walk(campaign: "Campaign", *, examples: int = 5, steps: int = 20, shrink: bool = True,
             **machine: Any) -> None:
    """Run :func:`lwm2m_machine` as a test (raises on the first failing walk, shrunk by hypothesis)."""
    from hypothesis import HealthCheck, settings
    from hypothesis.errors import Flaky
    from hypothesis.stateful import run_state_machine_as_test

    seen: list[BaseException] = []
    cls = lwm2m_machine(campaign, on_failure=seen.append, **machine)
    s = settings(max_examples=examples, stateful_step_count=steps, deadline=None, database=None,
                 derandomize=True, suppress_health_check=list(HealthCheck),
                 phases=["generate", "shrink"] if shrink and campaign.restart_fn is not None else ["generate"])
    try:
        run_state_machine_as_test(cls, settings=s)
    except Exception as exc:  # hypothesis.errors.FlakyFailure is an exception group
        if not isinstance(exc, Flaky):
            raise
        inner = [e for e in [*getattr(exc, "exceptions", ()), *seen] if isinstance(e, WalkFailure)]
        if not inner:
            # the first run ended on the device's silence or a protocol error, the replay did not: that exception
            # is what the case judges (a silence or a protocol breach is a finding, not a harness error)
            from ..errors import ProtocolError
            wire = [e for e in getattr(exc, "exceptions", ()) if isinstance(e, (ProtocolError, TimeoutError_))]
            if wire:
                raise WalkNotRecurring(f"{type(wire[0]).__name__}: {wire[0]} (once; it did not recur when the walk "
                                       f"was replayed on a freshly restarted device)") from exc
            raise
        # The replay ran on a freshly restarted device (teardown) and did not fail the same way (FlakyFailure),
        # or took another path because the device answered differently (FlakyStrategyDefinition).  A device
        # that broke an invariant once still broke it: a finding, marked as not recurring.
        raise WalkFailure(f"{inner[0]} (the device did this once; it did not recur when the walk was "
                          f"replayed on a freshly restarted device)") from exc


__all__ = ["FW_NEXT", "WalkFailure", "WalkNotRecurring", "lwm2m_machine", "run_walk"]
