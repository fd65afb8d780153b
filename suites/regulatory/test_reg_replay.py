"""Regulatory check on the secure channel's replay protection (REG-TLS-11): a DTLS record sent again is dropped.

The LwM2M Transport requires the channel's protection against replay (OMA LwM2M TS Transport 1.1 §5.1, §5.2.1:
LwM2M is secured by DTLS in the PSK, RPK and Certificate modes); DTLS gives it by the record sequence number and
the receiver's anti-replay window (RFC 6347 §3.3, §4.1.2.6: a record whose sequence number was already received, or
is left of the window, is discarded); RFC 7925 §4 profiles DTLS 1.2 for IoT devices with that record layer.  ETSI EN
303 645 5.5-1, EN 18031-1 SCM-4 (replay protection), IEC 62443-4-2 CR 3.8, EU CRA Annex I Part I (2)(f).

CoAP de-duplicates a confirmable message for EXCHANGE_LIFETIME (RFC 7252 §4.5): a record replayed at once meets
that de-duplication even without the DTLS window (the device then sends its cached answer again), so the check
replays the same record twice: (a) at once and (b) after EXCHANGE_LIFETIME, when only the DTLS window still stands
between the copy and a second execution.  The side effect is visible: an Execute of the Registration Update
Trigger /1/x/8 (TS Core 1.1 E.2) of the Server instance serving us gives exactly one Update.
"""

from __future__ import annotations

import json

from meterproof.dtls.replay import ExchangeWatch, RecordReplayer

from meterproof.fixtures import codes, expect, mp, regulation
from meterproof.fixtures.security import channel, transport

REG = dict(epic="Regulatory", feature="Secure channel")
UPDATE_TRIGGER = 8
DTLS_ONLY = ("replays a protected DTLS record (RFC 6347 §4.1.2.6); NoSec and OSCORE over plain UDP have no DTLS "
             "record layer (OSCORE replay is REG-TLS-15)")


def _attach(name: str, data: object) -> None:
    try:
        import allure
        allure.attach(json.dumps(data, indent=1, default=str), name=name, attachment_type=allure.attachment_type.JSON)
    except Exception:   # the report must not depend on it
        pass


def _answer_window(timing) -> float:  # type: ignore[no-untyped-def]
    """How long an answer to the replayed request is awaited: a CON not acknowledged within ACK_TIMEOUT x
    ACK_RANDOM_FACTOR is retransmitted (RFC 7252 §4.2), so a device that acts on the copy answers before that."""
    return timing.retransmission + timing.s(1.0)


@mp("REG-TLS-11", "Record replay rejected: a DTLS record sent again unchanged gets no answer and has no effect",
    clause="OMA LwM2M TS Transport 1.1 §5.1, §5.2.1; RFC 6347 §3.3, §4.1.2.6 (anti-replay window); RFC 7925 §4; "
    "RFC 7252 §4.5 (de-duplication for EXCHANGE_LIFETIME); ETSI EN 303 645 5.5-1", **REG)
@channel("psk", "cert", "rpk", reason=f"REG-TLS-11 {DTLS_ONLY}")
@transport("udp", reason=f"REG-TLS-11 {DTLS_ONLY}; a TLS record stream over TCP has no replay window to test")
@regulation("ETSI EN 303 645 5.5-1", "ETSI TS 103 701 5.5-1-2", "EN 18031-1 SCM-4",
            "EU CRA Annex I Part I (2)(f)", "OMA LwM2M TS Transport §5.1", "RFC 6347 §4.1.2.6")
def test_record_replay_rejected(server, dut, timing, loop_thread, transcript):
    """The harness executes /1/x/8 (the Server instance found by its Short Server ID) inside the session and keeps
    the protected record that carried the request, byte for byte (its epoch and sequence number go to the report).
    It puts that identical record on the wire again toward the device from the Server's address (a) as soon as the
    genuine request was answered and (b) once EXCHANGE_LIFETIME of the protocol parameters has passed since it
    was sent (on the simulator the parameters are compressed; a real device gets its profile's timing).

    Pass: the genuine request is answered and gives exactly one Update; neither copy gets an answer (no ACK
    echoing its Message ID, no response with its token) nor a further Update.  A further Update is not judged when
    the device's lifetime is so short that a refresh may fall inside the check (half of it within the check's
    span); the answers to the copies still are."""
    path = dut.server_path(UPDATE_TRIGGER)
    own = server.aio.endpoint.transport
    if not (hasattr(own, "taps") and hasattr(own, "send_record")):
        expect.inconclusive("place the replaying relay on the Server's DTLS socket", "REG-TLS-11",
                            f"the Server's transport ({type(own).__name__}) exposes no socket to copy records from")
    lifetime = timing.params.exchange_lifetime
    window = _answer_window(timing)
    replayer = RecordReplayer(own, dut.address, loop_time=server.now)
    watch = ExchangeWatch(path)

    def attach() -> None:
        replayer.attach()
        server.aio.endpoint.listeners.append(watch)

    def detach() -> None:
        replayer.detach()
        if watch in server.aio.endpoint.listeners:
            server.aio.endpoint.listeners.remove(watch)

    loop_thread.call(attach)
    try:
        mark = server.mark()
        replayer.arm()
        watch.arm()
        with expect.supporting(f"Execute {path} (Registration Update Trigger) and the Update it gives", "int-104"):
            r = server.execute(dut.endpoint, path)
            expect.code(r, codes.CHANGED)
            if not replayer.wait_captured(timing.exchange):
                expect.inconclusive("copy the protected record of the Execute", "REG-TLS-11",
                                    "no protected application-data record went to the device's address")
            sent_at = replayer.captured_at
            loop_thread.call(replayer.replay)                                   # (a) at once
            at_a = replayer.replays[-1]
            first = expect.event(server, "updated", dut.endpoint, since=mark, timeout=timing.reaction,
                                 what="Registration Update after the genuine Execute")
        # (b): once the device's de-duplication memory of the request has lapsed (RFC 7252 §4.5)
        wait_b = max(0.0, sent_at + lifetime + timing.retransmission - server.now())
        quiet_a = server.no_event("updated", dut.endpoint, since=first.index + 1, within=wait_b)
        loop_thread.call(replayer.replay)                                       # (b) after EXCHANGE_LIFETIME
        at_b = replayer.replays[-1]
        server.no_event("updated", dut.endpoint, since=first.index + 1, within=window)
    finally:
        loop_thread.call(detach)

    updates = server.events("updated", dut.endpoint, since=mark)
    # a further Update is the copy's doing unless the device may have refreshed its registration meanwhile (a
    # client refreshes before its lifetime ends, TS Core 1.1 §6.2.2): judged only when half the lifetime the
    # triggered Update renewed outlasts the check; the answers to the copies are judged always
    span = at_b + window - first.time
    refresh_due = first["registration"].lifetime * dut.clock / 2 <= span
    extra_a = [e for e in updates[1:] if at_a <= e.time < at_b and not refresh_due]
    extra_b = [e for e in updates[1:] if e.time >= at_b and not refresh_due]
    answers_a = [s for t, s in watch.answers if at_a <= t < at_b]
    answers_b = watch.answers_after(at_b)
    # an answer the harness's own retransmissions explain is no answer to the copy (a lossy link, RFC 7252 §4.2)
    explained = max(0, watch.sent - sum(1 for t, _ in watch.answers if t < at_a))
    evidence = dict(replayer.evidence(), **{
        "EXCHANGE_LIFETIME (s)": round(lifetime, 3), "request": path, "message id": watch.mid,
        "genuine transmissions": watch.sent, "answers (loop time, what)": watch.answers,
        "Updates since the Execute": [round(e.time, 3) for e in updates],
        "replay (a) at": round(at_a, 3), "replay (b) at": round(at_b, 3),
        "further Updates judged": not refresh_due})
    _attach("record replay: records and Updates", evidence)
    seq = ", ".join(r.line() for r in replayer.captured_records)
    with expect.all_criteria() as criteria:
        with criteria.check("(a) the record replayed at once"):
            expect.true(len(answers_a) <= explained and quiet_a and not extra_a,
                        f"the device after the record of the Execute ({seq}) was sent again at once",
                        "no answer to the copy and no further Update",
                        f"{len(answers_a)} answer(s) ({', '.join(answers_a)}), {len(extra_a)} further Update(s)",
                        clause="RFC 6347 §4.1.2.6: a duplicate record is discarded; OMA LwM2M TS Transport 1.1 §5.1")
        with criteria.check("(b) the record replayed after EXCHANGE_LIFETIME"):
            expect.true(not answers_b and not extra_b,
                        f"the device after the record of the Execute ({seq}) was sent again {at_b - sent_at:.1f} s "
                        f"later (EXCHANGE_LIFETIME {lifetime:.1f} s: CoAP de-duplication no longer applies)",
                        "no answer to the copy and no second Update",
                        f"{len(answers_b)} answer(s) ({', '.join(answers_b)}), {len(extra_b)} further Update(s)",
                        clause="RFC 6347 §4.1.2.6: a record left of the window or already received is discarded; "
                        "OMA LwM2M TS Transport 1.1 §5.1")
