"""DTLS handshakes between our two transports over loopback: PSK, certificates, and each failure mode
with the one-line diagnosis it must produce."""

from __future__ import annotations

import asyncio

import pytest

from meterproof.dtls import (Certificates, DtlsClientTransport, DtlsHandshakeError, DtlsServerTransport,
                             DtlsSettings, Psk)
from meterproof.dtls import suites

from dtls_support import FAST, KEY, LossyClient, LossyServer, aio, client_certs, psk_client, psk_server, server_certs


async def _fail(client: DtlsClientTransport, server: DtlsServerTransport) -> tuple[str, str]:
    with pytest.raises(DtlsHandshakeError) as ei:
        await client.connect(server.local_address)
    for _ in range(50):                      # the server's report closes when it sees the alert / gives up
        if server.reports:
            break
        await asyncio.sleep(0.02)
    return str(ei.value), server.reports[-1].line(server.redactor)


@aio
async def test_psk_handshake_negotiates_the_mandatory_ccm8_suite() -> None:
    server, client = await psk_server(), await psk_client()
    try:
        sess = await client.connect(server.local_address)
        assert sess.established and sess.cipher == suites.PSK_CCM_8
        srv = server.reports[-1]
        assert srv.outcome == "ok" and srv.psk_identity == "meter-0001" and srv.negotiated == suites.PSK_CCM_8
        assert srv.hello_verify_requests == 1            # cookie exchange happened
        assert [m for d, m in srv.messages][:3] == ["ClientHello", "HelloVerifyRequest", "ClientHello"]
        assert srv.line() == (f"DTLS handshake with {client.local_address[0]}:{client.local_address[1]} OK: "
                              "TLS_PSK_WITH_AES_128_CCM_8, PSK identity 'meter-0001'")
        assert len(server.sessions) == 1
    finally:
        client.close(); server.close()


@aio
async def test_psk_lookup_is_called_per_handshake_so_keys_can_be_provisioned_late() -> None:
    keys: dict[str, bytes] = {}
    asked: list[str] = []

    def lookup(identity: str) -> bytes | None:
        asked.append(identity)
        return keys.get(identity)

    server = DtlsServerTransport(settings=DtlsSettings(psk_lookup=lookup, **FAST))
    await server.open()
    client = await psk_client("late-1")
    try:
        with pytest.raises(DtlsHandshakeError):
            await client.connect(server.local_address)
        keys["late-1"] = KEY
        await client.connect(server.local_address)
        assert asked == ["late-1", "late-1"]
    finally:
        client.close(); server.close()


@pytest.mark.parametrize("suite", [suites.PSK_CCM_8, suites.PSK_CBC, suites.ECDHE_PSK_CBC, suites.ECDHE_PSK_CHACHA])
@aio
async def test_each_psk_suite_of_the_policy_can_be_negotiated(suite: str) -> None:
    server, client = await psk_server(), await psk_client(ciphers=(suite,))
    try:
        sess = await client.connect(server.local_address)
        assert sess.cipher == suite == server.reports[-1].negotiated
    finally:
        client.close(); server.close()


@aio
async def test_certificate_handshake_with_mutual_authentication() -> None:
    server = DtlsServerTransport(settings=DtlsSettings(certificates=server_certs(), **FAST))
    await server.open()
    client = DtlsClientTransport(settings=DtlsSettings(certificates=client_certs(), **FAST))
    await client.open()
    try:
        sess = await client.connect(server.local_address)
        assert sess.cipher == suites.ECDSA_CCM_8
        r = server.reports[-1]
        assert r.peer_certificate_subject == "CN=meter-0001" and r.peer_verified is True
        assert "peer certificate CN=meter-0001" in r.line()
        assert server.sessions[client.local_address].peer_certificate()   # DER for the ep binding check
        assert client.reports[-1].peer_certificate_subject == "CN=localhost"
    finally:
        client.close(); server.close()


@aio
async def test_one_port_serves_psk_and_certificate_clients() -> None:
    server = DtlsServerTransport(settings=DtlsSettings(certificates=server_certs(), psk_lookup={"meter-0001": KEY},
                                                       **FAST))
    await server.open()
    c1 = await psk_client()
    c2 = DtlsClientTransport(settings=DtlsSettings(certificates=client_certs(), **FAST))
    await c2.open()
    try:
        assert (await c1.connect(server.local_address)).cipher == suites.PSK_CCM_8
        assert (await c2.connect(server.local_address)).cipher == suites.ECDSA_CCM_8
    finally:
        c1.close(); c2.close(); server.close()


@aio
async def test_wrong_psk_key_is_diagnosed_as_a_key_mismatch_without_showing_either_key() -> None:
    server, client = await psk_server(), await psk_client(key=bytes(16))
    try:
        client_line, server_line = await _fail(client, server)
        assert server_line.startswith("bad_record_mac after ClientKeyExchange: the PSK key differs")
        assert "'meter-0001'" in server_line
        assert "bad_record_mac" in client_line
        d = server.reports[-1].as_dict(server.redactor)
        assert KEY.hex() not in repr(d) and KEY.hex() not in server_line
        assert d["alerts"][0] == {"direction": "sent", "level": "fatal", "description": "bad_record_mac",
                                  "after": "ChangeCipherSpec"}
        assert d["failed_step"] == "CLIENT_FINISHED"
    finally:
        client.close(); server.close()


@aio
async def test_unknown_psk_identity() -> None:
    server, client = await psk_server(), await psk_client("x")
    try:
        client_line, server_line = await _fail(client, server)
        assert server_line.startswith("unknown PSK identity 'x'")
        assert "unknown PSK identity 'x'" in client_line
        assert server.reports[-1].alerts[0].description == 115
        assert server.reports[-1].as_dict()["error"] == "UNKNOWN_IDENTITY"     # Mbed TLS -0x6C80 (INTEROP Run 7)
    finally:
        client.close(); server.close()


@aio
async def test_no_common_suite_names_both_lists() -> None:
    server = await psk_server(ciphers=(suites.PSK_CCM_8,))
    client = await psk_client(ciphers=(suites.PSK_CBC,))
    try:
        client_line, server_line = await _fail(client, server)
        assert server_line.endswith("client offered only TLS_PSK_WITH_AES_128_CBC_SHA256; "
                                    "server policy requires one of TLS_PSK_WITH_AES_128_CCM_8")
        assert "handshake_failure" in client_line
    finally:
        client.close(); server.close()


@aio
async def test_client_certificate_from_an_unknown_ca_is_rejected_with_unknown_ca() -> None:
    server = DtlsServerTransport(settings=DtlsSettings(certificates=server_certs(), **FAST))
    await server.open()
    client = DtlsClientTransport(settings=DtlsSettings(certificates=client_certs("rogue_client"), **FAST))
    await client.open()
    try:
        client_line, server_line = await _fail(client, server)
        assert server_line.startswith("client certificate")
        assert "issued by CN=Rogue CA" in server_line and "fatal unknown_ca sent" in server_line
        assert "unknown_ca" in client_line
    finally:
        client.close(); server.close()


@aio
async def test_server_certificate_the_client_does_not_trust() -> None:
    server = DtlsServerTransport(settings=DtlsSettings(certificates=server_certs(), **FAST))
    await server.open()
    client = DtlsClientTransport(settings=DtlsSettings(certificates=client_certs(trust="rogue"), **FAST))
    await client.open()
    try:
        client_line, _ = await _fail(client, server)
        assert client_line.startswith("server certificate") and "rejected" in client_line
    finally:
        client.close(); server.close()


@aio
async def test_server_certificate_with_the_wrong_name() -> None:
    server = DtlsServerTransport(settings=DtlsSettings(certificates=server_certs(), **FAST))
    await server.open()
    client = DtlsClientTransport(settings=DtlsSettings(certificates=client_certs(server_name="wrong.example"), **FAST))
    await client.open()
    try:
        client_line, _ = await _fail(client, server)
        assert "server certificate" in client_line
    finally:
        client.close(); server.close()


@aio
async def test_silent_server_times_out_with_a_clear_line() -> None:
    server = await psk_server()
    port = server.local_address
    server.close()
    client = await psk_client(handshake_deadline=0.5)
    try:
        with pytest.raises(DtlsHandshakeError) as ei:
            await client.connect(port)
        assert str(ei.value).startswith(f"{port[0]}:{port[1]} never answered our ClientHello")
        assert client.reports[-1].retransmissions >= 2
    finally:
        client.close()


@aio
async def test_lost_client_flight_is_retransmitted() -> None:
    server = await psk_server()
    # 1: ClientHello, 2: ClientHello with cookie (lost), 3: its retransmission
    client = LossyClient(settings=DtlsSettings(psk=Psk("meter-0001", KEY), **FAST), drop={2})
    await client.open()
    try:
        await client.connect(server.local_address)
        assert client.reports[-1].retransmissions >= 1
        assert [lost for _, lost in client.wire][:3] == [False, True, False]
    finally:
        client.close(); server.close()


@aio
async def test_lost_server_flight_is_retransmitted() -> None:
    # 1: HelloVerifyRequest, 2: ServerHello..Done (lost); the server resends on its own timer
    server = LossyServer(settings=DtlsSettings(psk_lookup={"meter-0001": KEY}.get, **FAST), drop={2})
    await server.open()
    client = await psk_client()
    try:
        await client.connect(server.local_address)
        await asyncio.sleep(0.05)
        assert sum(r.retransmissions for r in server.reports) + client.reports[-1].retransmissions >= 1
        assert server.reports[-1].outcome == "ok"
    finally:
        client.close(); server.close()


@aio
async def test_lost_final_server_flight_is_resent_when_the_client_repeats_finished() -> None:
    # 1 HVR, 2 ServerHello flight, 3 ChangeCipherSpec+Finished (lost): the client retransmits its
    # Finished flight, the established server answers it with its last flight again.
    server = LossyServer(settings=DtlsSettings(psk_lookup={"meter-0001": KEY}.get, **FAST), drop={3})
    await server.open()
    client = await psk_client()
    try:
        sess = await client.connect(server.local_address)
        assert sess.established and client.reports[-1].retransmissions >= 1
    finally:
        client.close(); server.close()


@aio
async def test_mtu_cuts_the_certificate_flight_into_small_datagrams() -> None:
    server = LossyServer(settings=DtlsSettings(certificates=server_certs(), mtu=256, **FAST))
    await server.open()
    client = LossyClient(settings=DtlsSettings(certificates=client_certs(), mtu=256, **FAST))
    await client.open()
    try:
        await client.connect(server.local_address)
        sizes = [len(d) for d, _ in server.wire + client.wire]
        assert max(sizes) <= 256 and len(sizes) > 8
    finally:
        client.close(); server.close()


@aio
async def test_many_concurrent_sessions_on_one_socket() -> None:
    n = 24
    keys = {f"meter-{i:04d}": bytes([i]) * 16 for i in range(n)}
    # RFC 6347's own first timer (1 s, §4.2.4.1): the test is about 24 sessions on one socket, not about timers,
    # and 24 handshakes at once on a loaded CI machine outlast the fast test timers (CI run 15)
    timers = dict(handshake_timeout_min=1.0, handshake_timeout_max=4.0)
    server = await psk_server(keys, **timers)
    clients = [await psk_client(ident, key, **timers) for ident, key in keys.items()]
    try:
        sessions = await asyncio.gather(*(c.connect(server.local_address) for c in clients))
        assert all(s.established for s in sessions)
        assert len(server.sessions) == n
        assert sorted(s.psk_identity for s in server.sessions.values()) == sorted(keys)
    finally:
        for c in clients:
            c.close()
        server.close()


@aio
async def test_a_client_hello_without_cookie_leaves_no_state_on_the_server() -> None:
    server = await psk_server()
    client = LossyClient(settings=DtlsSettings(psk=Psk("meter-0001", KEY), **FAST, handshake_deadline=0.3),
                         drop=set(range(2, 100)))   # only the first ClientHello ever leaves
    await client.open()
    try:
        with pytest.raises(DtlsHandshakeError):
            await client.connect(server.local_address)
        assert server.sessions == {}
        assert server.reports == type(server.reports)([], maxlen=server.reports.maxlen)
    finally:
        client.close(); server.close()


@aio
async def test_a_rebooted_client_replaces_its_old_session() -> None:
    server = await psk_server()
    c1 = await psk_client()
    port = c1.local_address[1]
    gone: list[object] = []
    server.on_error = lambda remote, exc: gone.append(remote)
    try:
        old = (await c1.connect(server.local_address)) and server.sessions[c1.local_address]
        c1.close()
        await asyncio.sleep(0.01)           # the socket closes on the next loop turn
        c2 = DtlsClientTransport("127.0.0.1", port, settings=DtlsSettings(psk=Psk("meter-0001", KEY), **FAST))
        await c2.open()
        await c2.connect(server.local_address)
        new = server.sessions[c2.local_address]
        assert new is not old and new.established and old in gone
        c2.close()
    finally:
        server.close()


def test_rpk_support_follows_the_system_gnutls() -> None:
    from meterproof import dtls
    assert dtls.RPK_SUPPORTED is (dtls.gnutls_rpk.available() is None)
    assert dtls.RPK_NOT_APPLICABLE.startswith("not applicable: harness has no RPK support")


def test_suite_names_outside_mbedtls_are_a_config_error() -> None:
    from meterproof.errors import ConfigError
    with pytest.raises(ConfigError):
        DtlsSettings(psk=Psk("a", KEY), ciphers=("TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256",)).client_context()
    with pytest.raises(ConfigError):
        Psk("a", bytes(65))
    Certificates  # re-exported


@aio
async def test_session_resumption_uses_an_abbreviated_handshake() -> None:
    server, client = await psk_server(), await psk_client()
    try:
        first = await client.connect(server.local_address)
        assert not server.reports[-1].resumed
        first.close()
        second = await client.connect(server.local_address)
        assert second is not first and second.established
        r = server.reports[-1]
        assert r.resumed and "resumed session" in r.line()
        names = [m for _, m in r.messages]
        assert "ClientKeyExchange" not in names          # no key exchange: the cached master secret was used
        second.close()
        client.forget_session()
        third = await client.connect(server.local_address)
        assert third.established and not server.reports[-1].resumed
    finally:
        client.close(); server.close()


@aio
async def test_resumption_can_be_switched_off() -> None:
    server, client = await psk_server(resumption=False), await psk_client()
    try:
        (await client.connect(server.local_address)).close()
        await client.connect(server.local_address)
        assert not server.reports[-1].resumed
    finally:
        client.close(); server.close()


@aio
async def test_garbage_and_mangled_client_hellos_never_break_the_server() -> None:
    import random
    server, client = await psk_server(), await psk_client()
    rng = random.Random(5)
    try:
        hello = bytes.fromhex("16fefd0000000000000000") + bytes([0, 60, 1]) + bytes(59)
        for _ in range(200):
            junk = bytearray(hello + rng.randbytes(rng.randrange(0, 80)))
            for _ in range(rng.randrange(1, 6)):
                junk[rng.randrange(14, len(junk))] = rng.randrange(256)
            server.send_record(bytes(junk), server.local_address)   # to itself: lands in datagram_received
            client.send_record(bytes(junk), server.local_address)
        await asyncio.sleep(0.05)
        assert (await client.connect(server.local_address)).established
    finally:
        client.close(); server.close()


@aio
async def test_a_duplicated_client_hello_does_not_tear_down_the_open_session() -> None:
    """RFC 6347 §4.2.8: a ClientHello with a valid cookie from the address of an open association starts a
    new handshake, but the open association stays until the new one delivers its Finished.  A copy of the
    ClientHello that the network delivers late (or an attacker replays) must not destroy the session."""
    server = await psk_server()
    client = LossyClient(settings=DtlsSettings(psk=Psk("meter-0001", KEY), **FAST))
    await client.open()
    got: list[bytes] = []
    server.on_datagram = lambda data, remote: got.append(data)
    try:
        await client.connect(server.local_address)
        old = server.sessions[client.local_address]
        hello = [d for d, _ in client.wire if d[0] == 22 and d[3:5] == b"\0\0" and d[13] == 1][-1]   # with cookie
        server.datagram_received(hello, client.local_address)              # the network's late copy
        assert server.sessions[client.local_address] is old and old.established
        client.send(b"still here", server.local_address)
        for _ in range(50):
            if got:
                break
            await asyncio.sleep(0.01)
        assert got == [b"still here"]                                      # the old session carries on
        await asyncio.sleep(FAST["handshake_timeout_max"] * 2 + 0.2)       # the abandoned handshake times out
        assert server.sessions[client.local_address] is old and not server._successors
        assert [r.outcome for r in server.reports] == ["ok"]               # and is no handshake to report
    finally:
        client.close(); server.close()
