"""OSCORE (RFC 8613) between the device and the LwM2M Server: ETS int-405 and meterproof's own MP-OSCORE-* cases.

Sources: OMA-ETS-LightweightM2M_INT-V1_2 int-405 (oma-ets-cases.md §1.5; the ETS prints configuration C.19,
C.22 is meant); TS Core 1.1 Appendix E.1 /0/x/17 "OSCORE Security Mode" ("OSCORE MUST be used by the LwM2M
Client with the linked OSCORE Object Instance") and the LwM2M OSCORE object /21; RFC 8613 §4 (which options
are encrypted), §5 (outer code POST / 2.04), §7.2.1 and Appendix B.1.1 (a sequence number, hence a nonce, is
never reused), §7.4 (replay window), §8.2 (a request that does not verify is not processed), Appendix B.1.2
and RFC 9175 §2 (Echo after the replay window was lost).

These run with ``--security oscore``: the harness gives the device a fresh context through /21 and every
request it sends the device is protected with it; elsewhere they are not applicable.  A negative case sends
its forged or replayed request on the raw path (hand-built bytes from the server's own socket) and judges the
device by the effect: the request must not be carried out, and the genuine context must go on working.
"""

from __future__ import annotations

from typing import Any

from aiocoap import Message

from meterproof.coap import wire
from meterproof.coap.oscore import OscoreParams, SecurityContext
from meterproof.fixtures import CF, codes, ets, expect, mp
from meterproof.fixtures.security import channel
from meterproof.lwm2m.path import Path

OSC = dict(epic="Security", feature="OSCORE")
LIFETIME = 1
NOT_DONE = "not carried out: no 2.xx answer and no effect"


def _context(security_run: Any, remote: Any) -> SecurityContext:
    ctx = security_run.oscore.bound.get(remote)
    if ctx is None:
        expect.inconclusive("find the OSCORE context the device registered with", "int-405",
                            "the Register did not arrive OSCORE-protected")
    return ctx


def _remote(server: Any, endpoint: str) -> Any:
    reg = server.aio.registrations.get(endpoint)
    if reg is None:
        expect.inconclusive("find the device's registration", "int-101", "the device is not registered")
    return reg.remote


def _outer_bytes(ctx: SecurityContext, inner: Message, mid: int, token: bytes) -> bytes:
    """``inner`` protected with ``ctx`` as a CON with ``mid``/``token`` (consumes one sequence number)."""
    from aiocoap.oscore import Direction
    inner.direction = Direction.OUTGOING
    outer, _ = ctx.protect(inner)
    outer.mtype, outer.mid, outer.token = wire.CON, mid, token
    return wire.encode(outer)


def _with_mid(raw: bytes, mid: int) -> bytes:
    return raw[:2] + mid.to_bytes(2, "big") + raw[4:]


def _send_raw(server: Any, remote: Any, data: bytes, timing: Any) -> list[str]:
    """Send ``data`` from the server's socket; the codes (dotted) of the answers that came back.  A protected
    answer's outer code is always 2.04 (RFC 8613 §4.2), whatever it says inside: it is listed as "protected",
    and only the effect judges it (an Echo challenge, Appendix B.1.2, is such an answer)."""
    ex = server.lt.run(server.aio.endpoint.exchange_raw(data, remote, timing.reaction), 4 * timing.reaction)
    return ["protected" if ev.message.opt.oscore is not None else ev.message.code.dotted
            for ev in ex.answers if ev.message is not None and ev.message.code != codes.EMPTY]


def _lifetime(server: Any, dut: Any, step: str) -> int:
    path = dut.server_path(LIFETIME)
    with expect.supporting(step, "int-224 (Read on Resource)"):
        r = server.read(dut.endpoint, path)
        expect.code(r, codes.CONTENT)
        value = expect.decodes(r).get(Path.parse(path))
        expect.true(isinstance(value, int), f"{path} value", "an integer", value)
    return int(value)


def _captured_write(server: Any, dut: Any, transcript: Any, value: int) -> bytes:
    """Write ``value`` to the Lifetime (protected by the harness as ever) and return the outer request's bytes."""
    path = dut.server_path(LIFETIME)
    mark = len(transcript.events)
    with expect.supporting(f"Write {path} = {value} over OSCORE", "int-405 and int-205"):
        expect.code(server.write(dut.endpoint, path, value, content_format=dut.value_format()), codes.CHANGED)
    sent = [ev for ev in transcript.events[mark:] if ev.direction == "out" and ev.message is not None
            and ev.message.code.is_request() and ev.message.opt.oscore is not None]
    if not sent:
        expect.inconclusive("capture the protected Write", "int-405", "no OSCORE-protected request went out")
    return bytes(sent[-1].raw)


def _not_carried_out(codes_back: list[str], what: str, clause: str) -> None:
    ok = [c for c in codes_back if c.startswith("2.")]
    expect.true(not ok, what, NOT_DONE, f"answered {', '.join(codes_back)}", clause=clause)


@ets("LightweightM2M-1.1-int-405", "OSCORE")
@channel("oscore")
def test_int_405_oscore(transcript, server, dut_factory, timing):
    """C.22 (the ETS prints C.19): the device registers with its server over OSCORE; every message carries
    the OSCORE option, the outer Register is a POST with no Uri-Path outside (RFC 8613 §4.1.3: Uri-Path is
    class E), its answer an outer 2.04 that unprotects to 2.01; a Read of /3/0 comes back protected (outer
    2.04, inner 2.05 with the mandatory resources)."""
    mark, tmark = server.mark(), len(transcript.events)
    dev = dut_factory.start()
    expect.event(server, "registered", dev.endpoint, since=mark, timeout=timing.reaction,
                 what=f"Register over OSCORE{f' (start failed: {dev.error})' if dev.error else ''}")
    r = server.read(dev.endpoint, "/3/0", accept=CF.TLV)
    expect.code(r, codes.CONTENT)
    expect.has_mandatory_resources(expect.decodes(r))
    inbound = [ev.message for ev in transcript.events[tmark:] if ev.direction == "in" and ev.message is not None
               and ev.message.code != codes.EMPTY]
    clause = "RFC 8613 §4.2, §5: every request and response between the device and its OSCORE server is protected"
    with expect.all_criteria() as criteria:
        with criteria.check("every message from the device carries the OSCORE option"):
            plain = [wire.summary(m) for m in inbound if m.opt.oscore is None]
            expect.true(not plain, "messages from the device without OSCORE", "none", "; ".join(plain), clause=clause)
        with criteria.check("the outer Register: POST, Uri-Path encrypted"):
            regs = [m for m in inbound if m.code.is_request()]
            expect.true(bool(regs), "protected requests from the device", "the Register", "none")
            expect.equal(regs[0].code.dotted, codes.POST.dotted, "outer code of the Register",
                         clause="RFC 8613 §4.2: the outer code of a request without Observe is POST")
            expect.equal(list(regs[0].opt.uri_path), [], "outer Uri-Path of the Register",
                         clause="RFC 8613 §4.1.3 Table 4: Uri-Path is class E (encrypted)")
        with criteria.check("the Read's answer: outer 2.04"):
            resps = [m for m in inbound if m.code.is_response()]
            expect.true(bool(resps) and all(m.code == codes.CHANGED for m in resps), "outer response codes",
                        "2.04 (RFC 8613 §4.2: outer code of a response without Observe)",
                        ", ".join(m.code.dotted for m in resps))


@mp("MP-OSCORE-REPLAY", "A replayed OSCORE request is not carried out",
    clause="RFC 8613 §7.4: the server SHALL verify that the Partial IV has not been received before; on failure "
    "it stops processing the request (optionally 4.01 'Replay detected')", **OSC)
@channel("oscore")
def test_replayed_request_refused(server, dut, timing, transcript, security_run):
    """Write Lifetime = L+7 (protected, captured), write L back; the captured Write again with a new message ID
    (same OSCORE option and ciphertext): no 2.xx, and the Lifetime is still L."""
    path = dut.server_path(LIFETIME)
    orig = _lifetime(server, dut, f"Read {path}")
    raw = _captured_write(server, dut, transcript, orig + 7)
    dut.restore_later(path, orig, dut.value_format())
    with expect.supporting(f"Write {path} = {orig} back", "int-205"):
        expect.code(server.write(dut.endpoint, path, orig, content_format=dut.value_format()), codes.CHANGED)
    back = _send_raw(server, _remote(server, dut.endpoint), _with_mid(raw, server.aio.endpoint.next_mid()), timing)
    with expect.all_criteria() as criteria:
        with criteria.check("answer to the replay"):
            _not_carried_out(back, "the replayed Write", "RFC 8613 §7.4")
        with criteria.check(f"{path} after the replay"):
            expect.equal(_lifetime(server, dut, f"Read {path} after the replay"), orig, f"{path}",
                         clause="RFC 8613 §7.4: a replayed request has no effect")


def _forged(server: Any, dut: Any, timing: Any, ctx: SecurityContext, *, tamper: bool) -> tuple[list[str], int]:
    """A Write of Lifetime = L+7 the device must not carry out: under an unknown Sender ID (kid), or with the
    genuine context and one ciphertext bit flipped; then the Lifetime and a genuine Read."""
    path = dut.server_path(LIFETIME)
    orig = _lifetime(server, dut, f"Read {path}")
    inner = wire.new(codes.PUT, uri_path=tuple(path.strip("/").split("/")), payload=str(orig + 7).encode(),
                     content_format=CF.TEXT)
    ep = server.aio.endpoint
    if tamper:
        data = bytearray(_outer_bytes(ctx, inner, ep.next_mid(), b"\x7a\x01"))
        data[-1] ^= 0x01          # the last byte is the AEAD tag's
        data = bytes(data)
    else:
        p = ctx.params
        stranger = SecurityContext(OscoreParams(p.master_secret, b"\x7f\x7e", p.recipient_id, p.aead, p.hkdf,
                                                p.master_salt, p.id_context))
        data = _outer_bytes(stranger, inner, ep.next_mid(), b"\x7a\x02")
    back = _send_raw(server, _remote(server, dut.endpoint), data, timing)
    dut.restore_later(path, orig, dut.value_format())
    return back, orig


def _judge_forged(server: Any, dut: Any, back: list[str], orig: int, what: str, clause: str) -> None:
    path = dut.server_path(LIFETIME)
    with expect.all_criteria() as criteria:
        with criteria.check(f"answer to the {what}"):
            _not_carried_out(back, f"the {what}", clause)
        with criteria.check(f"{path} afterwards"):
            expect.equal(_lifetime(server, dut, f"Read {path}"), orig, path, clause=clause)
        with criteria.check("the genuine context still works"):
            r = server.read(dut.endpoint, "/3/0/0")
            expect.code(r, codes.CONTENT, clause="RFC 8613 §8.2: only the request that failed is not processed; "
                        "the security context stays in use")


@mp("MP-OSCORE-KID", "A request under an unknown OSCORE Sender ID is not carried out",
    clause="RFC 8613 §8.2 step 2: a server that has no Recipient Context for the 'kid' MUST stop processing the "
    "request (MAY answer 4.01 'Security context not found')", **OSC)
@channel("oscore")
def test_wrong_recipient_id(server, dut, timing, transcript, security_run):
    """A Write of the Lifetime protected with the right master secret under a Sender ID the device does not
    hold: not carried out; a genuine protected Read afterwards is answered 2.05."""
    ctx = _context(security_run, _remote(server, dut.endpoint))
    back, orig = _forged(server, dut, timing, ctx, tamper=False)
    _judge_forged(server, dut, back, orig, "Write under an unknown kid", "RFC 8613 §8.2 step 2")


@mp("MP-OSCORE-TAMPER", "A request whose OSCORE ciphertext was altered is not carried out",
    clause="RFC 8613 §8.2 step 6: if decryption fails the server MUST stop processing the request (MAY answer "
    "4.00 'Decryption failed')", **OSC)
@channel("oscore")
def test_tampered_ciphertext(server, dut, timing, transcript, security_run):
    """A Write of the Lifetime protected with the device's own context, one bit of the AEAD tag flipped: not
    carried out; a genuine protected Read afterwards is answered 2.05."""
    ctx = _context(security_run, _remote(server, dut.endpoint))
    back, orig = _forged(server, dut, timing, ctx, tamper=True)
    _judge_forged(server, dut, back, orig, "tampered Write", "RFC 8613 §8.2 step 6")


@mp("MP-OSCORE-UNPROTECTED", "An unprotected request from the OSCORE server is not served",
    clause="TS Core 1.1 Appendix E.1 /0/x/17: when it links an OSCORE instance, OSCORE MUST be used with that "
    "server (RFC 8613 §8.2's verification is skipped by an unprotected request)", **OSC)
@channel("oscore")
def test_unprotected_request_refused(server, dut, timing, transcript):
    """A plain CoAP GET /3/0/0 from the server's address and port: no 2.05 with the Manufacturer."""
    req = wire.new(codes.GET, uri_path=("3", "0", "0"), mtype=wire.CON, mid=server.aio.endpoint.next_mid(),
                   token=b"\x7a\x03")
    back = _send_raw(server, _remote(server, dut.endpoint), wire.encode(req), timing)
    expect.true(not [c for c in back if c.startswith("2.")], "answer to the unprotected Read",
                "no 2.xx (4.01 Unauthorized expected)", ", ".join(back) or "none",
                clause="TS Core 1.1 E.1 /0/x/17")


def _reboot(server: Any, dut: Any, timing: Any) -> None:
    dut.expect_restart()
    mark = server.mark()
    with expect.supporting("Execute /3/0/4 (Reboot)", "int-241"):
        expect.code(server.execute(dut.endpoint, "/3/0/4"), codes.CHANGED)
    wait = timing.reaction + timing.s(5) + (dut.profile.registration_timeout or 0)
    expect.event(server, "registered", dut.endpoint, since=mark, timeout=wait,
                 what="a new OSCORE-protected Register after the reboot")


@mp("MP-OSCORE-SEQ-REBOOT", "After a reboot the device never reuses an OSCORE sequence number",
    clause="RFC 8613 §7.2.1: the Sender Sequence Number (the Partial IV, part of the nonce) is never reused "
    "with the same key; Appendix B.1.1: it is persisted so that a reboot does not reset it", **OSC)
@channel("oscore")
def test_sequence_number_after_reboot(server, dut, timing, transcript, security_run):
    """Reboot (Execute /3/0/4); the Partial IVs of the device's requests after it are all above those before
    it (the server's replay window refuses a reused one, and the device never registers again)."""
    remote = _remote(server, dut.endpoint)
    ctx = _context(security_run, remote)
    key = ctx.recipient_id
    before = list(security_run.oscore.seen_piv.get(key, []))
    rmark = len(security_run.oscore.refused)
    dut.expect_restart()
    mark = server.mark()
    with expect.supporting("Execute /3/0/4 (Reboot)", "int-241"):
        expect.code(server.execute(dut.endpoint, "/3/0/4"), codes.CHANGED)
    wait = timing.reaction + timing.s(5) + (dut.profile.registration_timeout or 0)
    # the new Register, or the server's refusal of it (a reused Partial IV is a replay to the server, §7.4)
    expect.event(server, ("registered", "oscore-refused"), None, since=mark, timeout=wait,
                 what="a new OSCORE-protected Register after the reboot")
    reused = [r.piv for r in security_run.oscore.refused[rmark:] if r.reason == "replay" and r.kid == ctx.recipient_id]
    expect.true(not reused, "Partial IVs of the device's requests after the reboot",
                f"above {max(before, default=-1)} (never one used before)", f"reused {reused}",
                clause="RFC 8613 §7.2.1, Appendix B.1.1")
    expect.event(server, "registered", dut.endpoint, since=mark, timeout=wait,
                 what="a new OSCORE-protected Register after the reboot")
    after = security_run.oscore.seen_piv.get(key, [])[len(before):]
    expect.true(min(after, default=max(before, default=-1) + 1) > max(before, default=-1),
                "Partial IVs after the reboot", f"above {max(before, default=-1)}", after,
                clause="RFC 8613 §7.2.1, Appendix B.1.1")


@mp("MP-OSCORE-ECHO-REBOOT", "After a reboot the device does not accept a request replayed from before it",
    clause="RFC 8613 Appendix B.1.2 / §7.5.1: a server that lost its replay window verifies freshness (Echo, "
    "RFC 9175 §2.4) before accepting a request; a request from before the reboot is a replay", **OSC)
@channel("oscore")
def test_replay_after_reboot(server, dut, timing, transcript, security_run):
    """Capture a protected Write of Lifetime = L+7, write L back, reboot; the captured Write again after the
    re-registration: no 2.xx, the Lifetime is still L."""
    path = dut.server_path(LIFETIME)
    orig = _lifetime(server, dut, f"Read {path}")
    raw = _captured_write(server, dut, transcript, orig + 7)
    dut.restore_later(path, orig, dut.value_format())
    with expect.supporting(f"Write {path} = {orig} back", "int-205"):
        expect.code(server.write(dut.endpoint, path, orig, content_format=dut.value_format()), codes.CHANGED)
    _reboot(server, dut, timing)
    back = _send_raw(server, _remote(server, dut.endpoint), _with_mid(raw, server.aio.endpoint.next_mid()), timing)
    with expect.all_criteria() as criteria:
        with criteria.check("answer to the pre-reboot request"):
            _not_carried_out(back, "the Write captured before the reboot", "RFC 8613 Appendix B.1.2")
        with criteria.check(f"{path} afterwards"):
            expect.equal(_lifetime(server, dut, f"Read {path}"), orig, path, clause="RFC 8613 Appendix B.1.2")
