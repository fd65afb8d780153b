"""Regulatory checks that a device refuses what a rogue server forces on it (REG-TLS-03, REG-TLS-04).

A server answers the device's ClientHello (after the cookie exchange) with a hand-built ServerHello
(meterproof.dtls.forged_server): a cipher suite the device did not offer, the NULL suite TLS_PSK_WITH_NULL_SHA256
(0x00B0), a CBC suite it did not offer, or the protocol version DTLS 1.0 (0xFEFF).  RFC 5246 §7.4.1.3: the
server's cipher_suite is "selected by the server from the list in ClientHello.cipher_suites"; a client receiving
one it did not offer aborts (illegal_parameter).  OMA LwM2M TS Transport 1.1 §5.2.1 secures CoAP with DTLS 1.2
(RFC 6347), so a DTLS 1.0 ServerHello is refused (protocol_version, RFC 5246 Appendix E.1).  Pass: the device
sends a fatal alert or goes silent, never a ClientKeyExchange, ChangeCipherSpec or protected record, and never
CoAP in clear.  Evidenced provisions: ETSI EN 303 645 5.5-1; ETSI TS 103 701 5.5-1-2 example 3 (try to
downgrade the security mode); EN 18031-1 SCM-2, CRY-1.
"""

from __future__ import annotations

from typing import Any, Callable

from meterproof.dtls import records as rec
from meterproof.dtls.forged_server import DTLS_1_2, ForgedHelloServer

from meterproof.fixtures import expect, mp, regulation
from meterproof.fixtures.security import UDP_DATAGRAMS, channel, transport

REG = dict(epic="Regulatory", feature="Secure channel")
#: Suites to force when the device did not offer them: AEAD ones a client may lack, then anything.
NOT_OFFERED = (0xC0A5, 0xC0AF, 0x00A9, 0xC02C, 0xCCAB, 0xC0A4, 0xC02B)
NULL_SUITE = 0x00B0            # TLS_PSK_WITH_NULL_SHA256 (no encryption; deny-listed)
CBC_SUITES = (0x00AE, 0xC023, 0x00AF, 0xC024)   # LwM2M-listed CBC suites, forced only when not offered
DTLS_1_0 = 0xFEFF


def _first_not_offered(candidates: tuple[int, ...]) -> Callable[[rec.ClientHello], tuple[int, int]]:
    def choose(hello: rec.ClientHello) -> tuple[int, int]:
        return DTLS_1_2, next((c for c in candidates if c not in hello.suites), candidates[0])
    return choose


def _forced(dut_factory, loop_thread, timing, choose, what: str) -> str:  # type: ignore[no-untyped-def]
    """Start a unit toward a server forcing ``choose``'s ServerHello; judge what the unit did after it.
    Returns the one-line outcome for the evidence."""
    fs = loop_thread.run(ForgedHelloServer.start(choose), timeout=10)
    try:
        dut_factory.start(server_uri=fs.uri)
        out = fs.outcome
        if not out.server_hellos:
            expect.inconclusive(f"a ClientHello answered with {what}", "int-401/int-402",
                                f"the device completed no cookie exchange ({out.describe()})")
        loop_thread.run(_watch(out, timing.retransmission + timing.s(0.5)), timeout=30)
        expect.true(not out.continued, f"the device's answer to a ServerHello with {what}",
                    "a fatal alert or silence", f"it went on: {out.describe()}", clause="RFC 5246 §7.4.1.3")
        expect.true(not out.plaintext, f"CoAP in clear after a ServerHello with {what}", "none",
                    out.describe(), clause="OMA LwM2M TS Transport 1.1 §5.2.1")
        return f"{what}: {out.describe()}"
    finally:
        fs.close()


async def _watch(out: Any, window: float) -> None:
    """Until the device goes on with the handshake or sends CoAP in clear (the finding, at once), or the window
    it gets to do so ends: one retransmission timeout (RFC 6347 §4.2.4), scaled for the device, plus slack."""
    import asyncio
    try:
        await asyncio.wait_for(out.went_on.wait(), window)
    except asyncio.TimeoutError:
        pass


def _attach(lines: list[str]) -> None:
    try:
        import allure
        allure.attach("\n".join(lines), name="forced ServerHello outcomes", attachment_type=allure.attachment_type.TEXT)
    except Exception:   # the report must not depend on it
        pass


@mp("REG-TLS-03", "A server-forced suite is refused: not offered, NULL, or CBC not offered",
    clause="RFC 5246 §7.4.1.3 (the server selects from ClientHello.cipher_suites); RFC 6347 §4.2.1; ETSI EN 303 "
    "645 5.5-1; ETSI TS 103 701 5.5-1-2 example 3", **REG)
@channel("psk", "cert")
@transport("udp", reason=UDP_DATAGRAMS)
@regulation("ETSI EN 303 645 5.5-1", "ETSI TS 103 701 5.5-1-2", "EN 18031-1 SCM-2", "EN 18031-1 CRY-1",
            "EU CRA Annex I Part I (2)(e)")
def test_forced_suite_refused(dut_factory, loop_thread, timing, transcript):
    """Three units, each toward a server whose ServerHello names (a) a suite the unit did not offer, (b) the
    NULL suite 0x00B0, (c) a CBC suite it did not offer: each must abort or go silent."""
    lines = [_forced(dut_factory, loop_thread, timing, _first_not_offered(NOT_OFFERED), "a suite not offered"),
             _forced(dut_factory, loop_thread, timing, lambda h: (DTLS_1_2, NULL_SUITE),
                     "the NULL suite TLS_PSK_WITH_NULL_SHA256"),
             _forced(dut_factory, loop_thread, timing, _first_not_offered(CBC_SUITES), "a CBC suite not offered")]
    _attach(lines)


@mp("REG-TLS-04", "A protocol downgrade is refused: a DTLS 1.0 ServerHello ends the handshake",
    clause="OMA LwM2M TS Transport 1.1 §5.2.1 (DTLS 1.2, RFC 6347); RFC 5246 Appendix E.1 (protocol_version); "
    "ETSI EN 303 645 5.5-1", **REG)
@channel("psk", "cert")
@transport("udp", reason=UDP_DATAGRAMS)
@regulation("ETSI EN 303 645 5.5-1", "ETSI TS 103 701 5.5-1-2", "EN 18031-1 CRY-1", "EU CRA Annex I Part I (2)(e)")
def test_protocol_downgrade_refused(dut_factory, loop_thread, timing, transcript):
    """One unit toward a server whose ServerHello says DTLS 1.0 (0xFEFF) with a suite the unit offered."""
    def choose(hello: rec.ClientHello) -> tuple[int, int]:
        return DTLS_1_0, next((c for c in hello.suites if c not in (0x00FF, 0x5600)), 0xC0A8)
    _attach([_forced(dut_factory, loop_thread, timing, choose, "version DTLS 1.0")])
