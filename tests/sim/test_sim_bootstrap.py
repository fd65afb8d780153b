"""The simulated meter's bootstrap client against meterproof's Bootstrap-Server over loopback:
client-initiated (int-0 flow, pct, Discover, Read, Delete keeping the Bootstrap-Server account),
Finish 4.06 on an inconsistent configuration, registration to the provisioned server over DTLS
(PSK and certificate), server-initiated (/1/0/9), fallback after a refused registration (int-7),
and bootstrap results that survive a restart (state_file); Bootstrap-Pack-Request (1.2, int-12):
applied all or nothing, a fallback to POST /bs when the Bootstrap-Server serves no packs."""

from __future__ import annotations

import asyncio
import secrets

import pytest
from aiocoap.numbers import codes

from meterproof.coap import wire
from meterproof.errors import ConfigError
from meterproof.lwm2m.bootstrap import BootstrapPlan, ServerAccount, psk_account
from meterproof.lwm2m.contentformat import CF
from meterproof.lwm2m.formats import link
from meterproof.lwm2m.path import P
from secrig import bs_server, client_cert, dtls_server, meter, pki, psk, server_certs, stop, udp_server


async def _request(bs, ep, timeout=3.0):
    return await bs.wait_request(ep, timeout=timeout)


def test_client_initiated_bootstrap_then_register_nosec(rig):
    async def go():
        bs, srv = await bs_server(), await udp_server()
        m = meter(srv.uri, "b1", server=None, bootstrap_uri=bs.uri)
        try:
            await m.start()
            ev = await _request(bs, "b1")
            assert ev["pct"] == CF.SENML_CBOR
            acct = ServerAccount(srv.uri, ssid=101, mode=3, security_instance=0)
            a, b = await bs.write_account("b1", acct)
            assert (a.code_text, b.code_text) == ("2.04", "2.04")
            disc = await bs.discover("b1", "/")
            text = disc.payload.decode()
            assert text.startswith('lwm2m="1.1",')
            links = {lk.target: lk.params for lk in link.parse(text.split(",", 1)[1])}
            assert links["/0/0"].get("ssid") == "101" and links["/1/0"].get("ssid") == "101"
            assert "ssid" not in links["/0/1"] and links["/0/1"]["uri"] == bs.uri      # the BS account
            assert "/0/1" in links and "/3/0" in links
            mark = srv.events.mark()
            fin = await bs.finish("b1")
            assert fin.code_text == "2.04"
            await srv.events.wait("registered", "b1", since=mark, timeout=3)
            assert m.store.instance(0, 0)[10] == 101 and m.store.instance(0, 1)[1] is True
        finally:
            await stop(m, bs, srv)
    rig.run(go())


def test_bootstrap_over_psk_then_register_over_psk(rig):
    async def go():
        bs_creds = psk("b2-bs")
        bs = await bs_server({bs_creds.identity.decode(): bs_creds.secret})
        srv_keys: dict[str, bytes] = {}
        srv = await dtls_server(srv_keys)
        acct = psk_account(srv.uri, "b2", security_instance=0)
        srv_keys[acct.identity.decode()] = acct.secret
        bs.plan("b2", BootstrapPlan([acct], discover=True))
        m = meter(srv.uri, "b2", server=None, bootstrap_uri=bs.uri, bootstrap=bs_creds)
        try:
            mark = srv.events.mark()
            await m.start()
            await srv.events.wait("registered", "b2", since=mark, timeout=4)
            assert srv.registrations["b2"].remote.psk_identity == acct.identity.decode()
            assert bs.sessions["b2"].remote.psk_identity == bs_creds.identity.decode()
            assert m.bootstrap.remote == bs.address
            sec = {iid: m.store.instance(0, iid) for iid in m.store.instance_ids(0)}
            assert sec[1][1] is True and sec[1][3] == bs_creds.identity        # the BS account stays
            assert sec[0][5] == acct.secret and sec[0][0].startswith("coaps://")                  # /0 holds what it uses
        finally:
            await stop(m, bs, srv)
    rig.run(go())


def test_bootstrap_provisions_a_certificate_account(rig):
    async def go():
        bs = await bs_server(certs=server_certs())
        srv = await dtls_server(certs=server_certs())
        cc = client_cert("b3")
        acct = ServerAccount(srv.uri, ssid=1, mode=2, identity=cc.identity, secret=cc.secret,
                             server_public_key=pki()["ca"].ca.der, extra_security={14: "localhost", 15: 2}, security_instance=0)
        bs.plan("b3", BootstrapPlan([acct]))
        m = meter(srv.uri, "b3", server=None, bootstrap_uri=bs.uri, bootstrap=client_cert("b3-bs"))
        try:
            mark = srv.events.mark()
            await m.start()
            await srv.events.wait("registered", "b3", since=mark, timeout=4)
            assert srv.registrations["b3"].remote.report.peer_certificate_subject == "CN=b3"
        finally:
            await stop(m, bs, srv)
    rig.run(go())


def test_finish_with_inconsistent_configuration_is_406_then_complete_is_204(rig):
    async def go():
        bs, srv = await bs_server(), await udp_server()
        m = meter(srv.uri, "b4", server=None, bootstrap_uri=bs.uri)
        try:
            await m.start()
            await _request(bs, "b4")
            assert (await bs.write("b4", "/1/0/5", 86400, content_format=CF.TLV)).code_text == "2.04"
            assert (await bs.finish("b4")).code_text == "4.06"
            await bs.write_account("b4", ServerAccount(srv.uri, ssid=1, mode=3, security_instance=0))
            assert (await bs.finish("b4")).code_text == "2.04"
            assert m.bootstrap.finishes == ["4.06", "2.04"]
        finally:
            await stop(m, bs, srv)
    rig.run(go())


def test_secure_meter_refuses_a_nosec_account_at_finish(rig):
    async def go():
        bs_creds = psk("b5-bs")
        bs = await bs_server({bs_creds.identity.decode(): bs_creds.secret})
        srv = await udp_server()
        m = meter(srv.uri.replace("coap:", "coaps:"), "b5", server=None, bootstrap_uri=bs.uri, bootstrap=bs_creds)
        try:
            await m.start()
            await _request(bs, "b5")
            await bs.write_account("b5", ServerAccount(srv.uri, ssid=1, mode=3, security_instance=0))
            fin = await bs.finish("b5")
            assert fin.code_text == "4.06" and b"only speaks coaps" in fin.payload
        finally:
            await stop(m, bs, srv)
    rig.run(go())


def test_delete_read_and_discover_keep_the_bootstrap_account(rig):
    async def go():
        bs, srv = await bs_server(), await udp_server()
        m = meter(srv.uri, "b6", server=None, bootstrap_uri=bs.uri)
        try:
            await m.start()
            await _request(bs, "b6")
            await bs.write_account("b6", ServerAccount(srv.uri, ssid=7, mode=3, security_instance=0))
            r = await bs.read("b6", "/1")
            assert r.code_text == "2.05" and r.values[P("/1/0/0")] == 7
            assert (await bs.read("b6", "/0")).code_text == "4.01"
            assert (await bs.delete("b6", "/0")).code_text == "2.02"
            assert (await bs.delete("b6", "/1")).code_text == "2.02"
            assert (await bs.delete("b6", "/0/1")).code_text == "4.00"
            assert (await bs.delete("b6", "/")).code_text == "2.02"
            text = (await bs.discover("b6", "/")).payload.decode()
            links = {lk.target for lk in link.parse(text.split(",", 1)[1])}
            assert "/0/1" in links and "/1/0" not in links and "/3/0" in links
            assert m.store.instance(0, 1)[1] is True
        finally:
            await stop(m, bs, srv)
    rig.run(go())


def test_server_initiated_bootstrap(rig):
    async def go():
        bs, srv = await bs_server(), await udp_server()
        m = meter(srv.uri, "b7", bootstrap_uri=bs.uri)
        try:
            await m.start()
            assert "b7" in srv.registrations
            mark = bs.events.mark()
            assert (await bs.trigger(srv, "b7")).code_text == "2.04"
            await bs.wait_request("b7", since=mark, timeout=2)
        finally:
            await stop(m, bs, srv)
    rig.run(go())


def test_fallback_to_bootstrap_when_registration_is_refused(rig):
    async def go():
        bs, good = await bs_server(), await udp_server()
        bad = await udp_server(reject="not this server")
        bs.plan("b8", BootstrapPlan([ServerAccount(good.uri, ssid=1, mode=3, security_instance=0)]))
        m = meter(bad.uri, "b8", bootstrap_uri=bs.uri)
        try:
            mark = good.events.mark()
            await m.start()
            await good.events.wait("registered", "b8", since=mark, timeout=4)
            assert "b8" not in bad.registrations and m.bootstrap.attempts == 1
        finally:
            await stop(m, bs, good, bad)
    rig.run(go())


def test_bootstrap_results_survive_a_restart(rig, tmp_path):
    state = str(tmp_path / "meter.json")

    async def go():
        keys: dict[str, bytes] = {}
        bs_creds = psk("b9-bs")
        bs = await bs_server({bs_creds.identity.decode(): bs_creds.secret})
        srv = await dtls_server(keys)
        acct = psk_account(srv.uri, "b9", security_instance=0)
        keys[acct.identity.decode()] = acct.secret
        bs.plan("b9", BootstrapPlan([acct]))
        m = meter(srv.uri, "b9", server=None, bootstrap_uri=bs.uri, bootstrap=bs_creds, state_file=state)
        try:
            mark = srv.events.mark()
            await m.start()
            await srv.events.wait("registered", "b9", since=mark, timeout=4)
            await m.stop(deregister=True)
            again = meter(srv.uri, "b9", server=None, bootstrap_uri=bs.uri, bootstrap=bs_creds, state_file=state)
            mark, bmark = srv.events.mark(), bs.events.mark()
            await again.start()                    # no bootstrap: the persisted account is used directly
            await srv.events.wait("registered", "b9", since=mark, timeout=3)
            assert not bs.events.all("bootstrap-request", "b9", bmark)
            await stop(again)
        finally:
            await stop(m, bs, srv)
    rig.run(go())


def test_no_finish_in_time_fails_the_bootstrap_and_the_meter_asks_again(rig):
    async def go():
        bs, srv = await bs_server(), await udp_server()
        m = meter(srv.uri, "b10", server=None, bootstrap_uri=bs.uri)
        try:
            await m.start()
            await _request(bs, "b10")
            mark = bs.events.mark()
            await bs.wait_request("b10", since=mark, timeout=m.params.exchange_lifetime + 3)
            assert m.bootstrap.attempts >= 2
        finally:
            await stop(m, bs, srv)
    rig.run(go(), timeout=40)


def test_bootstrap_pack_is_applied_and_the_meter_registers_over_psk(rig):
    async def go():
        bs_creds = psk("b11-bs")
        bs = await bs_server({bs_creds.identity.decode(): bs_creds.secret})
        keys: dict[str, bytes] = {}
        srv = await dtls_server(keys)
        acct = psk_account(srv.uri, "b11", security_instance=0)
        keys[acct.identity.decode()] = acct.secret
        bs.plan("b11", BootstrapPlan([acct]))
        m = meter(srv.uri, "b11", server=None, bootstrap_uri=bs.uri, bootstrap=bs_creds, lwm2m="1.2",
                  bootstrap_pack=True)
        try:
            mark, bmark = srv.events.mark(), bs.events.mark()
            await m.start()
            await srv.events.wait("registered", "b11", since=mark, timeout=4)
            pack = bs.events.all("bootstrap-pack", "b11", bmark)
            assert pack and pack[0]["code"] == "2.05"
            assert pack[0]["request"].opt.uri_query == ("ep=b11",)
            assert not bs.events.all("bootstrap-request", "b11", bmark)          # no POST /bs at all
            assert srv.registrations["b11"].remote.psk_identity == acct.identity.decode()
            assert m.bootstrap.packs == ["applied"] and m.store.instance(0, 1)[1] is True   # BS account kept
        finally:
            await stop(m, bs, srv)
    rig.run(go())


def test_inconsistent_bootstrap_pack_changes_nothing_and_is_asked_again(rig):
    async def go():
        bs, srv = await bs_server(), await udp_server()
        broken = ServerAccount(srv.uri, ssid=1, mode=3, security_instance=0, extra_server={0: 7})  # /1 SSID 7
        bs.plan("b12", BootstrapPlan([broken]))
        m = meter(srv.uri, "b12", server=None, bootstrap_uri=bs.uri, lwm2m="1.2", bootstrap_pack=True)
        before = {oid: {iid: dict(m.store.instance(oid, iid)) for iid in m.store.instance_ids(oid)}
                  for oid in (0, 1)}
        try:
            await m.start()
            await bs.events.wait("bootstrap-pack", "b12", timeout=3)
            mark = bs.events.mark()
            await bs.events.wait("bootstrap-pack", "b12", since=mark, timeout=4)     # retried after backoff
            assert m.bootstrap.packs[0].startswith("refused:") and "SSID 7" in m.bootstrap.packs[0]
            after = {oid: {iid: dict(m.store.instance(oid, iid)) for iid in m.store.instance_ids(oid)}
                     for oid in (0, 1)}
            assert after == before and not m.registered.is_set()
        finally:
            await stop(m, bs, srv)
    rig.run(go())


def test_bootstrap_pack_not_served_falls_back_to_bootstrap_request(rig):
    async def go():
        bs, srv = await bs_server(), await udp_server()
        bs._pack = lambda *a: wire.new(codes.NOT_IMPLEMENTED)                   # a 1.1 Bootstrap-Server
        bs.plan("b13", BootstrapPlan([ServerAccount(srv.uri, ssid=1, mode=3, security_instance=0)]))
        m = meter(srv.uri, "b13", server=None, bootstrap_uri=bs.uri, lwm2m="1.2", bootstrap_pack=True)
        try:
            mark = srv.events.mark()
            await m.start()
            await _request(bs, "b13")
            await srv.events.wait("registered", "b13", since=mark, timeout=3)
            assert m.bootstrap.packs == [] and m.bootstrap.finishes == ["2.04"]
        finally:
            await stop(m, bs, srv)
    rig.run(go())


def test_bootstrap_pack_needs_lwm2m_1_2():
    with pytest.raises(ConfigError, match="Bootstrap-Pack-Request is LwM2M 1.2"):
        meter("coap://127.0.0.1:5683", "b14", server=None, bootstrap_uri="coap://127.0.0.1:5685", lwm2m="1.1",
              bootstrap_pack=True)
