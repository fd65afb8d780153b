"""OMA ETS Bootstrap interface cases (int-0 .. int-12; int-19 is MQTT).

Source of the steps and pass criteria: OMA-ETS-LightweightM2M_INT-V1_2-20231003-A § Bootstrap
(paraphrased in shared/reference/oma-ets-cases.md §1.1, flow facts in §3.6); operations from
OMA TS Core 1.1 §6.1 and TS Transport 1.1 §6.1.  Every device starts in ETS configuration C.13
(a Bootstrap-Server account, no server account) unless the case says otherwise; the Bootstrap-
Server is meterproof's, on its own port, with the run's channel security (``--security``), and
every server account it writes carries fresh credentials the harness's ``server`` knows.

Deviations, written down: int-7 makes the registration fail with a server that refuses the
Register (4.03) instead of an unreachable one, so the case does not wait out a retransmission
sequence; TS Core 1.1 §6.2.1 sends a client to bootstrap after either.
"""

from __future__ import annotations

from meterproof.lwm2m.bootstrap import BootstrapPlan, discover_links
from meterproof.lwm2m.registration import Query

from meterproof.fixtures import CF, codes, ets, expect, mp, requires
from meterproof.fixtures.security import channel, transport

C13 = dict(server=None, bootstrap=True)
#: int-9 writes a lone Server Object resource; the instance is the Bootstrap-Server's choice (the ETS: /1/x/5).
LONE_SERVER_INSTANCE = 0


def _requested(bootstrap_server, dev, timing, mark=0):  # type: ignore[no-untyped-def]
    """The device's Bootstrap-Request (step 1 of every client-initiated case)."""
    ev = expect.event(bootstrap_server, "bootstrap-request", dev.endpoint, since=mark, timeout=timing.reaction,
                      what="Bootstrap-Request POST /bs?ep= from the device")
    # ep wherever it stands among the query parameters (1.1 adds pct=; the TS sets no order among them)
    expect.equal(Query.parse(ev["request"].opt.uri_query).params.get("ep"), dev.endpoint,
                 "Bootstrap-Request 'ep' query parameter")
    return ev


def _discover_links(result):  # type: ignore[no-untyped-def]
    """(lwm2m version element, {target: params}) of a Bootstrap-Discover answer."""
    try:
        version, links = discover_links(result.payload)
    except Exception as exc:
        expect.fail("Bootstrap-Discover payload", "CoRE link format", f"{result.payload[:120]!r} ({exc})")
    return (f'lwm2m="{version}"' if version is not None else None), {lk.target: lk.params for lk in links}


def _write_account(bootstrap_server, dev, acct, *, object_level: bool = False):  # type: ignore[no-untyped-def]
    a, b = bootstrap_server.write_account(dev.endpoint, acct, object_level=object_level)
    expect.code(a, codes.CHANGED)
    expect.code(b, codes.CHANGED)


@ets("LightweightM2M-1.1-int-0", "Client Initiated Bootstrap")
def test_int_0_client_initiated_bootstrap(bootstrap_server, dut_factory, timing, transcript):
    """C.13 (the Bootstrap-Server account only).  1. C→BS POST /bs?ep=: 2.04.  2. BS writes the C.1 server account
    with PUT /0 and PUT /1 as the ETS does, carrying instances /0/i (bs=false) and /1/j (the ids are the
    Bootstrap-Server's choice after a Bootstrap-Discover of the free ones; the ETS uses 0): 2.04 each.
    3. BS Discover /: 2.05 with lwm2m="<the device's LwM2M version>" (the ETS prints the version of its release),
    </0/i>;ssid=1, the Bootstrap-Server account's own Security instance </0/k> (the ETS: </0/1>), </1/j>;ssid=1,
    </3/0>.  4. Finish: 2.04."""
    dev = dut_factory.start(**C13)
    _requested(bootstrap_server, dev, timing)
    acct = dut_factory.account(dev.endpoint, ssid=1)
    _write_account(bootstrap_server, dev, acct, object_level=True)
    disc = bootstrap_server.discover(dev.endpoint, "/")
    expect.code(disc, codes.CONTENT)
    version, links = _discover_links(disc)
    expect.true(version is not None, "Bootstrap-Discover first element", 'lwm2m="1.x"', disc.payload[:40])
    declared = dut_factory.dut(dev).profile.lwm2m_version
    expect.equal(version, f'lwm2m="{declared}"', "Bootstrap-Discover lwm2m element (the device's LwM2M version)",
                 clause="OMA TS Core 1.1 §5.2.7.3 Bootstrap-Discover: the payload starts with the client's LwM2M "
                        "version; ETS int-0 pass criterion 4")
    others = [t for t in links if t.startswith("/0/") and t.count("/") == 2 and t != f"/0/{acct.security_instance}"]
    expect.true(bool(others), "the Bootstrap-Server account's Security instance in Bootstrap-Discover",
                "listed (the ETS: </0/1>)", sorted(links), clause="ETS int-0 pass criterion 4; OMA TS Core 1.1 "
                "§5.2.7.3 (Bootstrap-Discover lists the Object Instances)")
    for target in (f"/0/{acct.security_instance}", f"/1/{acct.server_instance}"):
        expect.equal(links.get(target, {}).get("ssid"), str(acct.ssid), f"ssid of <{target}> in Bootstrap-Discover",
                     clause="OMA TS Core 1.1 §5.2.7.3 Bootstrap-Discover: server accounts carry their ssid")
    expect.true("/3/0" in links, "</3/0> in Bootstrap-Discover", "present", sorted(links))
    expect.code(bootstrap_server.finish(dev.endpoint), codes.CHANGED)


def _over_tcp(server, bootstrap_server, ep, reg, bmark):  # type: ignore[no-untyped-def]
    """int-404/int-406: CSMs on the Bootstrap-Server's and the Server's connection, Register b=T, and an object
    list without /0 and /21 (the ETS pass criteria)."""
    bs_remote = bootstrap_server.events("bootstrap-request", ep, bmark)[-1]["remote"]
    for srv, remote, what in ((bootstrap_server.aio.server, bs_remote, "Bootstrap-Server"),
                              (server.aio, reg.remote, "Server")):
        peer = srv.endpoint.peers.get(remote)
        expect.true(peer is not None and peer.csm_received and not peer.problems,
                    f"CSM as the device's first message to the {what}", "7.01 CSM first",
                    "no connection" if peer is None else "; ".join(peer.problems) or peer.describe(),
                    clause="RFC 8323 §5.3; ETS int-404/int-406 (TCP + TLS + CSM)")
    expect.true("T" in reg.binding, "Register 'b' query parameter", "includes T (TCP)",
                repr(reg.query.params.get("b", "(absent: U)")),
                clause="OMA TS Core 1.1 §6.2.1 Binding Mode; ETS int-404/int-406 (POST /rd ... b=T)")
    for oid in (0, 21):
        expect.true(oid not in reg.objects.objects, f"object /{oid} in the Register object list", "absent",
                    "present", clause="OMA TS Core 1.1 §6.2.1; ETS int-404/int-406 pass criteria")


def _presented_provisioned(session, acct, ep, mode, which):  # type: ignore[no-untyped-def]
    """The registration's secure session carries the credential the Bootstrap-Server provisioned: the PSK
    identity, the client certificate (CN=ep) or the raw public key (/0/x/3); nothing to check in NoSec."""
    if mode == "psk":
        expect.equal(getattr(session, "psk_identity", None), acct.identity.decode(),
                     f"PSK identity of the registration's DTLS session ({which})")
    elif mode == "cert":
        expect.equal(getattr(session.report, "peer_certificate_subject", None), f"CN={ep}",
                     f"client certificate of the registration's DTLS session ({which})")
    elif mode == "rpk":
        import hashlib
        expect.equal(getattr(session.report, "peer_key", None),
                     "sha256:" + hashlib.sha256(bytes(acct.identity)).hexdigest()[:16],
                     f"client raw public key of the registration's DTLS session ({which}, /0/x/3)")


def _bootstrap_and_register(server, bootstrap_server, dut_factory, timing, *, mode: str,  # type: ignore[no-untyped-def]
                            tcp: bool = False):
    ep = dut_factory.endpoint()
    acct = dut_factory.account(ep, ssid=1)
    bootstrap_server.plan(ep, BootstrapPlan([acct], discover=True))
    mark, bmark = server.mark(), bootstrap_server.mark()
    dev = dut_factory.start(endpoint=ep, **C13)
    _requested(bootstrap_server, dev, timing, bmark)
    fin = expect.event(bootstrap_server, "bootstrap-finished", ep, since=bmark, timeout=timing.reaction,
                       what="Bootstrap-Finish answered by the device")
    expect.equal(fin["code"], "2.04", "Bootstrap-Finish response code")
    ev = expect.event(server, "registered", ep, since=mark, timeout=timing.reaction,
                      what="Register to the server the Bootstrap-Server provisioned")
    reg = ev["registration"]
    session = server.aio.session(reg.remote)      # the DTLS session, or over TCP the connection's TLS channel
    if tcp:
        _over_tcp(server, bootstrap_server, ep, reg, bmark)
    _presented_provisioned(session, acct, ep, mode, "the provisioned one")
    r = server.read(ep, "/3/0", accept=CF.TLV)
    expect.code(r, codes.CONTENT)
    expect.has_mandatory_resources(expect.decodes(r), dut_factory.dut(dev))


@ets("LightweightM2M-1.1-int-1", "Client Initiated Bootstrap Full (PSK)")
@channel("psk", reason="int-1 bootstraps and registers over DTLS-PSK")
def test_int_1_bootstrap_full_psk(server, bootstrap_server, dut_factory, timing, transcript):
    """int-0 over DTLS-PSK, then the client registers with the provisioned PSK account (int-101, int-401)."""
    _bootstrap_and_register(server, bootstrap_server, dut_factory, timing, mode="psk")


@ets("LightweightM2M-1.1-int-2", "Client Initiated Bootstrap Full (Cert)")
@channel("cert", reason="int-2 bootstraps and registers in certificate mode")
def test_int_2_bootstrap_full_certificate(server, bootstrap_server, dut_factory, timing, transcript):
    """int-1 with a certificate account (mode 2, client certificate and key, the server's trust anchor,
    SNI): the client registers with the provisioned certificate (int-402)."""
    _bootstrap_and_register(server, bootstrap_server, dut_factory, timing, mode="cert")


@mp("MP-SEC-RPK-BOOTSTRAP", "Client Initiated Bootstrap Full (RPK): int-1 with a Raw Public Key account",
    clause="TS Core 1.1 §6.1.7 (Bootstrap-Write of /0 and /1), E.1 (Security Mode 1: /0/x/3 public key, /0/x/4 "
    "the server's public key, /0/x/5 private key); TS Transport 1.1 §5.2.8.2; RFC 7250", epic="Bootstrap",
    feature="Client initiated bootstrap")
@channel("rpk", reason="the int-1 flow with a Raw Public Key account (Security Mode 1) on both servers")
@transport("udp", reason="raw public keys are implemented over DTLS only")
def test_bootstrap_full_rpk(server, bootstrap_server, dut_factory, timing, transcript):
    """int-0 over DTLS-RPK, then the client registers with the provisioned raw public key account: the key it
    presents to the Server is the one the Bootstrap-Server wrote to /0/x/3 (as int-1/int-401 for PSK)."""
    _bootstrap_and_register(server, bootstrap_server, dut_factory, timing, mode="rpk")


@ets("LightweightM2M-1.1-int-404", "TCP channel security - Certificate mode")
@channel("cert", reason="int-404 bootstraps and registers over TLS in certificate mode")
@transport("tcp", reason="int-404 is CoAP over TCP+TLS (configuration C.19: coaps+tcp://, b=T)")
def test_int_404_tcp_certificate(server, bootstrap_server, dut_factory, timing, transcript):
    """int-2 over TCP+TLS: TCP + TLS + CSM with the Bootstrap-Server, bootstrap, TCP + TLS to the Server,
    POST /rd (b=T), GET /3/0; all succeed and the object list holds neither /0 nor /21."""
    _bootstrap_and_register(server, bootstrap_server, dut_factory, timing, mode="cert", tcp=True)


@ets("LightweightM2M-1.1-int-406", "TCP channel security - PSK")
@channel("psk", reason="int-406 bootstraps and registers over TLS-PSK")
@transport("tcp", reason="int-406 is CoAP over TCP+TLS (configuration C.20: PSK, b=T)")
def test_int_406_tcp_psk(server, bootstrap_server, dut_factory, timing, transcript):
    """int-404 with PSK (configuration C.20)."""
    _bootstrap_and_register(server, bootstrap_server, dut_factory, timing, mode="psk", tcp=True)


@ets("LightweightM2M-1.1-int-3", "Simple Bootstrap from Smartcard")
def test_int_3_smartcard():
    expect.not_applicable("needs a smartcard holding a server account; meterproof has no smartcard interface")


@ets("LightweightM2M-1.1-int-4", "Bootstrap Delete")
@requires(lwm2m="1.1")
def test_int_4_bootstrap_delete(server, bootstrap_server, dut_factory, timing, transcript):
    """Writes, Discover and Bootstrap-Read /1; Delete /0 and /1: 2.02; the Bootstrap-Server account
    survives and /1 is empty; a new bootstrap ends with Finish 2.04 and the client registers."""
    dev = dut_factory.start(**C13)
    _requested(bootstrap_server, dev, timing)
    _write_account(bootstrap_server, dev, dut_factory.account(dev.endpoint, ssid=1))
    expect.code(bootstrap_server.discover(dev.endpoint, "/"), codes.CONTENT)
    expect.code(bootstrap_server.read(dev.endpoint, "/1"), codes.CONTENT)
    expect.code(bootstrap_server.delete(dev.endpoint, "/0"), codes.DELETED)
    expect.code(bootstrap_server.delete(dev.endpoint, "/1"), codes.DELETED)
    _, links = _discover_links(bootstrap_server.discover(dev.endpoint, "/0"))
    kept = [t for t, p in links.items() if t.count("/") == 2 and "ssid" not in p]
    expect.true(len(kept) == 1, "Bootstrap-Server account (a /0 instance without ssid) after Delete /0",
                "still there", sorted(links), clause="OMA TS Core 1.1 §6.1.7.6: Bootstrap-Delete never removes "
                                                     "the Bootstrap-Server account")
    expect.true(not [t for t in links if t.count("/") == 2 and t != kept[0]],
                "server accounts after Delete /0", "none", sorted(links))
    _, links1 = _discover_links(bootstrap_server.discover(dev.endpoint, "/1"))
    expect.true(not [t for t in links1 if t.count("/") == 2], "/1 instances after Delete /1", "none", sorted(links1))
    mark = server.mark()
    _write_account(bootstrap_server, dev, dut_factory.account(dev.endpoint, ssid=1))
    expect.code(bootstrap_server.finish(dev.endpoint), codes.CHANGED)
    expect.event(server, "registered", dev.endpoint, since=mark, timeout=timing.reaction,
                 what="Register after the new bootstrap")


@ets("LightweightM2M-1.1-int-5", "Server Initiated Bootstrap")
@requires(lwm2m="1.1")   # the Bootstrap-Request Trigger /1/x/9 is a LwM2M 1.1 resource of the Server object
def test_int_5_server_initiated_bootstrap(server, bootstrap_server, dut_factory, timing, transcript):
    """A registered client with a Bootstrap-Server account: S executes /1/x/9 (x: the Server instance serving S,
    found on the device): 2.04; the client sends POST /bs?ep=; the bootstrap completes with Finish 2.04."""
    ep = dut_factory.endpoint()
    bootstrap_server.plan(ep, BootstrapPlan([dut_factory.account(ep, ssid=1)]))
    mark = server.mark()
    dev = dut_factory.start(endpoint=ep, bootstrap=True)
    expect.event(server, "registered", ep, since=mark, timeout=timing.reaction, what="initial Register")
    device = dut_factory.dut(dev)
    trigger = device.server_path(9)
    device.require(trigger, why="server-initiated bootstrap needs (Bootstrap-Request Trigger, optional in E.2)")
    bmark = bootstrap_server.mark()
    expect.code(server.execute(ep, trigger), codes.CHANGED)
    _requested(bootstrap_server, dev, timing, bmark)
    fin = expect.event(bootstrap_server, "bootstrap-finished", ep, since=bmark, timeout=timing.reaction,
                       what="Bootstrap-Finish of the server-initiated bootstrap")
    expect.equal(fin["code"], "2.04", "Bootstrap-Finish response code")


@ets("LightweightM2M-1.1-int-6", "Bootstrap Sequence")
def test_int_6_bootstrap_sequence():
    expect.not_applicable("needs at least two bootstrap modes (smartcard, factory, client-initiated) in one "
                          "device; meterproof can only observe client-initiated bootstrap")


@ets("LightweightM2M-1.1-int-7", "Fallback to bootstrap")
def test_int_7_fallback_to_bootstrap(server, bootstrap_server, dut_factory, timing, transcript):
    """C.13 plus a server account whose registration fails: the client bootstraps, then registers to
    the server the Bootstrap-Server provisions."""
    ep = dut_factory.endpoint()
    creds = dut_factory.credentials(ep, remember=False)
    lookup = {creds.identity.decode(): creds.secret}.get if creds.mode == "psk" else None
    refusing = dut_factory.ad_hoc_server(psk_lookup=lookup, reject="int-7: this server refuses every registration")
    bootstrap_server.plan(ep, BootstrapPlan([dut_factory.account(ep, ssid=1)]))
    mark, bmark = server.mark(), bootstrap_server.mark()
    dev = dut_factory.start(endpoint=ep, server_uri=refusing.aio.uri, server=creds, bootstrap=True)
    _requested(bootstrap_server, dev, timing, bmark)
    expect.event(server, "registered", ep, since=mark, timeout=timing.reaction,
                 what="Register to the provisioned server after the fallback bootstrap")


@ets("LightweightM2M-1.1-int-8", "Bootstrap Read")
@requires(lwm2m="1.1")
def test_int_8_bootstrap_read(bootstrap_server, dut_factory, timing, transcript):
    """Writes /0, /1 and the ACL /2/0; Bootstrap-Read /1 and /2: 2.05 (the written SSID reads back);
    Finish: 2.04."""
    dev = dut_factory.start(**C13)
    _requested(bootstrap_server, dev, timing)
    acct = dut_factory.account(dev.endpoint, ssid=1)
    _write_account(bootstrap_server, dev, acct)
    acl = {"/2/0/0": 3, "/2/0/1": 0, "/2/0/2/0": 31, "/2/0/3": 65535}
    expect.code(bootstrap_server.write(dev.endpoint, "/2/0", acl), codes.CHANGED)
    r1 = bootstrap_server.read(dev.endpoint, "/1")
    expect.code(r1, codes.CONTENT)
    expect.value(expect.decodes(r1), f"/1/{acct.server_instance}/0", acct.ssid)
    r2 = bootstrap_server.read(dev.endpoint, "/2")
    expect.code(r2, codes.CONTENT)
    expect.value(expect.decodes(r2), "/2/0/0", 3)
    expect.code(bootstrap_server.finish(dev.endpoint), codes.CHANGED)


@ets("LightweightM2M-1.1-int-9", "Bootstrap and Configuration Consistency")
def test_int_9_configuration_consistency(bootstrap_server, dut_factory, timing, transcript):
    """The Bootstrap-Server writes only /1/x/5 = 86400, then Finish: 4.06 Not Acceptable (no complete
    server account)."""
    dev = dut_factory.start(**C13)
    _requested(bootstrap_server, dev, timing)
    expect.code(bootstrap_server.write(dev.endpoint, f"/1/{LONE_SERVER_INSTANCE}/5", 86400), codes.CHANGED)
    expect.code(bootstrap_server.finish(dev.endpoint), codes.NOT_ACCEPTABLE,
                clause="OMA TS Core 1.1 §6.1.7.5: Bootstrap-Finish on an inconsistent configuration is 4.06")


@ets("LightweightM2M-1.1-int-10", "Client Initiated Bootstrap Full (EST)")
def test_int_10_est():
    expect.not_applicable("security mode 4 (certificate with EST) needs an EST server; meterproof has none")


@ets("LightweightM2M-1.1-int-11", "Client Initiated Bootstrap (OSCORE)")
@channel("oscore", reason="configuration C.23: the Bootstrap-Server account and the new server account use OSCORE")
def test_int_11_oscore(server, bootstrap_server, dut_factory, security_run, timing, transcript):
    """C.23 (the Bootstrap-Server account only, its /0 linking a /21 instance).  1. C→BS POST /bs?ep=,
    OSCORE-protected: 2.04.  2. BS writes /21/k (a fresh context for the LwM2M Server), /0/i (NoSec, /0/i/17 =
    21:k) and /1/j: 2.04 each (the ids are the Bootstrap-Server's choice, free ones from a Discover; the ETS
    uses 0).  3. BS Discover /: 2.05 listing </21/k> and the Bootstrap-Server account's own /21 instance (the
    ETS payload's </1/0> and lwm2m 1.1 are errata).  4. Finish: 2.04.  Then the client registers with the
    server over the new context (int-405) and answers a protected Read of /3/0.  The ETS lists the case for 1.2;
    /21 and /0/x/17 are TS Core 1.1, so it applies from 1.1."""
    from meterproof.lwm2m.values import ObjLnk
    mark = server.mark()
    dev = dut_factory.start(**C13)
    _requested(bootstrap_server, dev, timing)
    bs_remote = bootstrap_server.aio.sessions[dev.endpoint].remote
    expect.true(bs_remote in security_run.bs_oscore.bound, "the Bootstrap-Request",
                "OSCORE-protected with the context of /21 the Bootstrap-Server account links", "not protected",
                clause="TS Core 1.1 E.1 /0/x/17: OSCORE MUST be used with the linked OSCORE Object Instance")
    with expect.supporting("Bootstrap-Discover / to find a free /21 instance id", "int-0"):
        first = bootstrap_server.discover(dev.endpoint, "/")
        expect.code(first, codes.CONTENT)
        _, before = _discover_links(first)
    used = {int(t.split("/")[2]) for t in before if t.startswith("/21/") and t.count("/") == 2}
    k = min(set(range(len(used) + 1)) - used)
    params = security_run.fresh_oscore(dev.endpoint)
    acct = dut_factory.account(dev.endpoint, ssid=1, extra_security={17: ObjLnk(21, k)})   # NoSec or DTLS-PSK
    expect.code(bootstrap_server.write(dev.endpoint, f"/21/{k}",
                                       {f"/21/{k}/{r}": v for r, v in params.instance().items()}), codes.CHANGED)
    _write_account(bootstrap_server, dev, acct)
    disc = bootstrap_server.discover(dev.endpoint, "/")
    expect.code(disc, codes.CONTENT)
    _, links = _discover_links(disc)
    listed = sorted(t for t in links if t.startswith("/21/") and t.count("/") == 2)
    expect.true(f"/21/{k}" in listed and len(listed) >= 2, "/21 instances in Bootstrap-Discover",
                f"</21/{k}> and the Bootstrap-Server account's own", listed,
                clause="ETS int-11 pass criteria; OMA TS Core 1.1 §5.2.7.3 (Bootstrap-Discover lists the Object "
                       "Instances)")
    expect.code(bootstrap_server.finish(dev.endpoint), codes.CHANGED)
    reg = expect.event(server, "registered", dev.endpoint, since=mark, timeout=timing.reaction,
                       what="Register with the server the bootstrap provisioned, over its OSCORE context")
    expect.true(reg["registration"].remote in security_run.oscore.bound, "the Register",
                "OSCORE-protected with the context written to /21", "not protected",
                clause="TS Core 1.1 E.1 /0/x/17")
    r = server.read(dev.endpoint, "/3/0", accept=CF.TLV)
    expect.code(r, codes.CONTENT)


@ets("LightweightM2M-1.2-int-12", "Bootstrap via Bootstrap-Pack-Request")
@requires(lwm2m="1.2", feature="bootstrap-pack")
def test_int_12_bootstrap_pack(server, bootstrap_server, dut_factory, security_run, timing, transcript):
    """C.13; C→BS GET /bspack?ep=: 2.05 with /0 and /1 (the ETS prints 2.04, an erratum); the client
    applies the pack and registers with the account it carries (int-401: the provisioned credentials on
    a secure channel), then answers a Read of /3/0.  The simulator is started in its Bootstrap-Pack mode."""
    ep = dut_factory.endpoint()
    acct = dut_factory.account(ep, ssid=1)
    bootstrap_server.plan(ep, BootstrapPlan([acct]))
    mark, bmark = server.mark(), bootstrap_server.mark()
    dev = dut_factory.start(endpoint=ep, bootstrap_pack=True, **C13)
    ev = expect.event(bootstrap_server, "bootstrap-pack", ep, since=bmark, timeout=timing.reaction,
                      what="Bootstrap-Pack-Request GET /bspack?ep=")
    expect.equal(ev["code"], "2.05", "Bootstrap-Pack response")
    reg = expect.event(server, "registered", ep, since=mark, timeout=timing.reaction,
                       what="Register to the server the Bootstrap-Pack provisioned")
    session = reg["registration"].remote
    _presented_provisioned(session, acct, ep, security_run.channel, "the one in the pack")
    r = server.read(ep, "/3/0", accept=CF.TLV)
    expect.code(r, codes.CONTENT)
    expect.has_mandatory_resources(expect.decodes(r), dut_factory.dut(dev))


@ets("LightweightM2M-1.2-int-19", "Client Initiated Bootstrap over MQTT")
def test_int_19_mqtt():
    expect.not_applicable("meterproof has no MQTT transport")

