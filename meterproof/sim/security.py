"""How the simulated meter secures its channels: the Security object (/0) is the one source of truth.

A meter's accounts live in /0 (TS Core Appendix E.1): the server URI (``coap://``
or ``coaps://``), the Bootstrap-Server flag, the Security Mode (0 PSK, 1 Raw
Public Key, 2 Certificate, 3 NoSec), the PSK identity, the client's raw public
key (a DER SubjectPublicKeyInfo) or its certificate (/0/x/3), the server's raw
public key (pinned: exactly that SubjectPublicKeyInfo, RFC 7250 §3), its
certificate, trust anchor or their hash (/0/x/4), the key (/0/x/5), the
Short Server ID (/0/x/10) and, for certificates, the Matching Type (/0/x/13), the
SNI the server certificate must match (/0/x/14, 1.1+) and the Certificate Usage
(/0/x/15): how the server's chain is checked against /0/x/4 is
``meterproof.dtls.cert_usage`` (RFC 6698 usages 0-3; absent: 3 with exact match).
Usages 0 and 1 also need a PKIX trust store, which is the meter's own (firmware)
store, ``MeterSecurity.trust_store``, not part of /0.  Whatever a factory configuration, a
Bootstrap-Write or a persisted state file put there is what the meter uses:
:func:`settings_for` turns one /0 instance into the DTLS client settings of the
handshake toward that server, so /0 always reflects the credentials on the wire.

:class:`Credentials` is the factory side (what a lab or the harness provisions);
:class:`MeterSecurity` says which factory accounts a meter has (a server account,
a Bootstrap-Server account, or both, as ETS configurations C.1 and C.13).

Seeded defects that live here (``meterproof.sim.defects``): ``default-psk`` (one
universal key, whatever was provisioned), ``accepts-server-without-verification``
(the server certificate is not checked), ``cert-usage-ignored`` (plain PKIX to the
trust store and /0/x/4, whatever /0/x/15 and /0/x/13 say), ``rpk-any-server-key`` (in RPK mode
the server's raw public key is not compared with /0/x/4), ``rpk-factory-key`` (the vendor's key pair
instead of /0/x/3 and /0/x/5) and ``nosec-fallback``
(a failed handshake is followed by the Register in clear on the same port).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiocoap.numbers import codes

from ..coap import wire
from ..errors import ConfigError, ProtocolError
from ..lwm2m.bootstrap import (MODE_CERT, MODE_NOSEC, MODE_PSK, MODE_RPK, SEC_BOOTSTRAP, SEC_IDENTITY, SEC_MODE,
                               SEC_SECRET, SEC_SERVER_KEY, SEC_SSID, SEC_URI)
from ..lwm2m.contentformat import CF
from ..lwm2m.path import Path

if TYPE_CHECKING:
    from ..coap.oscore import OscoreParams
    from ..dtls import DtlsSettings
    from .host import MeterHost

log = logging.getLogger(__name__)

SEC_MATCHING, SEC_SNI, SEC_CERT_USAGE, SEC_CIPHERSUITES = 13, 14, 15, 16
MODES = {"psk": MODE_PSK, "rpk": MODE_RPK, "cert": MODE_CERT, "nosec": MODE_NOSEC}
#: The modes that run over DTLS.
SECURE_MODES = (MODE_PSK, MODE_RPK, MODE_CERT)
MODE_NAMES = {v: k for k, v in MODES.items()}
#: The "universal factory key" of the ``default-psk`` defect: the Anjay demo key ("password"), first entry
#: of the public-default dictionary (REG-PW-01).
UNIVERSAL_DEMO_KEY = b"password"
#: The ``universal-psk`` defect: one vendor factory identity and key on every unit (not a public demo key, so
#: only a comparison across the batch shows it).
UNIVERSAL_FACTORY_IDENTITY = "SM-FACTORY"
UNIVERSAL_FACTORY_KEY = bytes.fromhex("5a1c0ffee0ddf00d5a1c0ffee0ddf00d")
#: Loopback-fast DTLS timers: RFC 6347 §4.2.4.1's retransmission timer (initial 1 s, doubling up to no
#: less than 60 s) at a fifth of its size, 0.2 s doubling to 12.8 s: seven transmissions of a flight
#: before Mbed TLS gives up, so a handshake over a lossy link completes (at 10 % loss each way a flight
#: is lost for good once in ~100,000); a silent peer fails after ~25 s.
FAST_HANDSHAKE = dict(handshake_timeout_min=0.2, handshake_timeout_max=12.8)


class HandshakeFailed(ProtocolError):
    """The DTLS handshake toward a server failed; the message is the diagnosis line."""


@dataclass(frozen=True)
class Credentials:
    """One account's credentials as /0 holds them (``identity``/``secret`` are bytes, as in /0/x/3 and /0/x/5)."""

    mode: str = "nosec"                 # "nosec", "psk", "rpk", "cert"
    identity: bytes = b""               # PSK identity, our raw public key (SubjectPublicKeyInfo) or certificate (DER)
    secret: bytes = field(default=b"", repr=False)   # PSK key, or the client private key (DER)
    server_key: bytes = b""             # /0/x/4: the server's raw public key; certificate mode: per usage/matching
    sni: str | None = None              # certificate mode: the name the server certificate must carry
    usage: int = 2                      # certificate mode: /0/x/15 Certificate Usage (2 trust anchor assertion)
    matching: int = 0                   # certificate mode: /0/x/13 Matching Type (0 exact)
    #: OSCORE (RFC 8613) on top of the mode (NoSec, or DTLS underneath): the /21 instance /0/x/17 links
    oscore: "OscoreParams | None" = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"security mode {self.mode!r}: choose nosec, psk, rpk or cert")
        if self.mode == "psk" and not (self.identity and self.secret):
            raise ConfigError("a PSK account needs an identity and a key")
        if self.mode == "rpk" and not (self.identity and self.secret and self.server_key):
            raise ConfigError("a raw public key account needs our public key, its private key and the server's key")
        if self.mode == "cert" and not (self.identity and self.secret and self.server_key):
            raise ConfigError("a certificate account needs a client certificate, its key and a trust anchor")

    @classmethod
    def psk(cls, identity: str | bytes, key: bytes) -> "Credentials":
        return cls("psk", identity.encode() if isinstance(identity, str) else bytes(identity), bytes(key))

    @classmethod
    def rpk(cls, public_key_der: bytes, private_key_der: bytes, server_key_der: bytes) -> "Credentials":
        """Raw public keys (Security Mode 1): /0/x/3 our SubjectPublicKeyInfo, /0/x/5 our EC private key,
        /0/x/4 the server's SubjectPublicKeyInfo (all DER; RFC 7250 §3, TS Core E.1)."""
        return cls("rpk", bytes(public_key_der), bytes(private_key_der), bytes(server_key_der))

    @classmethod
    def cert(cls, certificate_der: bytes, key_der: bytes, trust_anchor_der: bytes,
             sni: str | None = None, *, usage: int = 2, matching: int = 0) -> "Credentials":
        """``trust_anchor_der`` is /0/x/4: the CA (usage 0, 2), the server certificate (1, 3), or the hash of
        either (``matching`` 1-3; ``cert_usage.association`` computes it)."""
        return cls("cert", bytes(certificate_der), bytes(key_der), bytes(trust_anchor_der), sni, usage, matching)

    @classmethod
    def from_settings(cls, settings: "DtlsSettings") -> "Credentials":
        """The /0 view of a ready-made DtlsSettings (the simulator's older ``dtls=`` argument)."""
        if settings.psk is not None:
            return cls.psk(settings.psk.identity, settings.psk.key)
        c = settings.certificates
        if c is None:
            raise ConfigError("dtls= settings for the simulator need a PSK or certificates")
        if not c.trusted:
            raise ConfigError("dtls= certificates for the simulator need a trusted CA for the server")
        return cls.cert(c.chain[0].to_DER(), c.key.export_key("DER"), c.trusted[0].to_DER(), c.server_name)

    @property
    def secure(self) -> bool:
        return self.mode != "nosec"

    @property
    def scheme(self) -> str:
        return "coaps" if self.secure else "coap"


@dataclass(frozen=True)
class MeterSecurity:
    """The factory accounts of a meter.

    ``server`` -- credentials of the factory server account (/0/0 + /1/0 with SSID 1, or where the
    meter's :class:`~.profiles.Layout` puts it) toward the ``server_uri`` the meter is started with; None for a meter that must bootstrap first (C.13).
    ``bootstrap_uri`` / ``bootstrap`` -- the Bootstrap-Server account (/0/1, bs=true, by default), if any.
    ``dtls`` -- timers, cipher policy, MTU of every handshake (credentials come from /0)."""

    server: Credentials | None = Credentials()
    bootstrap_uri: str | None = None
    bootstrap: Credentials | None = None
    dtls: dict[str, Any] = field(default_factory=lambda: dict(FAST_HANDSHAKE))
    #: The meter's built-in PKIX trust store (DER CA certificates), used for Certificate Usage 0 and 1.
    trust_store: tuple[bytes, ...] = ()

    @property
    def secure(self) -> bool:
        return any(c is not None and c.secure for c in (self.server, self.bootstrap))

    @classmethod
    def build(cls, dtls: "DtlsSettings | None", security: "MeterSecurity | None") -> "MeterSecurity":
        """The meter's accounts from its constructor arguments (``dtls=`` alone: one server account)."""
        if security is not None:
            if dtls is not None:
                raise ConfigError("give the simulator either dtls= or security=, not both")
            if security.bootstrap is not None and security.bootstrap_uri is None:
                raise ConfigError("bootstrap credentials without a bootstrap_uri")
            if security.server is None and security.bootstrap_uri is None:
                raise ConfigError("a meter needs a server account, a Bootstrap-Server account, or both")
            secure = [c.secure for c in (security.server, security.bootstrap if security.bootstrap_uri else None)
                      if c is not None]
            if security.bootstrap_uri is not None and security.bootstrap is None:
                secure.append(False)
            if len(set(secure)) > 1:
                raise ConfigError("the simulator speaks either coap or coaps on one socket: give every account "
                                  "the same kind of security")
            return security
        if dtls is None:
            return cls()
        timers = {k: getattr(dtls, k) for k in ("ciphers", "mtu", "handshake_timeout_min", "handshake_timeout_max",
                                                "handshake_deadline", "resumption")}
        return cls(server=Credentials.from_settings(dtls), dtls=timers)


def security_instance(uri: str, creds: Credentials, *, bootstrap: bool = False, ssid: int = 1,
                      known: frozenset[int] | None = None, oscore_iid: int | None = None) -> dict[int, Any]:
    """The /0 instance for one account (resources the model does not define are left out); with OSCORE
    credentials /0/x/17 links /21/``oscore_iid`` (TS Core 1.1 E.1)."""
    res: dict[int, Any] = {SEC_URI: uri, SEC_BOOTSTRAP: bootstrap, SEC_MODE: MODES[creds.mode],
                           SEC_IDENTITY: creds.identity, SEC_SERVER_KEY: creds.server_key,
                           SEC_SECRET: creds.secret, 11: 0}
    if not bootstrap:
        res[SEC_SSID] = ssid
    if creds.mode == "cert":
        if creds.sni:
            res[SEC_SNI] = creds.sni
        res[SEC_CERT_USAGE] = creds.usage        # default 2, trust anchor assertion: /0/x/4 is the CA
        res[SEC_MATCHING] = creds.matching
    if creds.oscore is not None and oscore_iid is not None:
        from ..lwm2m.values import ObjLnk
        from .oscore_client import OSCORE_OBJECT, SEC_OSCORE
        res[SEC_OSCORE] = ObjLnk(OSCORE_OBJECT, oscore_iid)
    return {r: v for r, v in res.items() if known is None or r in known}


def install_factory(meter: "MeterHost") -> None:
    """Put the factory accounts into /0 (and /1: none when the meter must bootstrap first).

    Instance ids and the SSID come from the meter's layout: C.1/C.13 (/0/0 SSID 1, Bootstrap-Server
    /0/1) unless a variant (``server-instance``) numbers them otherwise."""
    sec = meter.security
    store = meter.store
    lay = meter.ctx.layout
    odef = store.object_def(0)
    known = frozenset(odef.resources) if odef is not None else None
    insts: dict[int, dict[int, Any]] = {}
    oscore: dict[int, dict[int, Any]] = {}     # /21 instances, numbered as the /0 instance that links them
    if sec.server is not None:
        iid = lay.server_security_iid
        insts[iid] = security_instance(meter.server_uri, sec.server, ssid=lay.ssid, known=known, oscore_iid=iid)
        if sec.server.oscore is not None:
            oscore[iid] = sec.server.oscore.instance()
    if sec.bootstrap_uri is not None:
        iid = lay.bootstrap_security_iid
        boot = sec.bootstrap or Credentials()
        insts[iid] = security_instance(sec.bootstrap_uri, boot, bootstrap=True, known=known, oscore_iid=iid)
        if boot.oscore is not None:
            oscore[iid] = boot.oscore.instance()
    if oscore and not store.has_object(21):
        raise ConfigError(f"OSCORE needs the /21 object: LwM2M 1.1 or later (this meter is {meter.lwm2m})")
    store.replace_object(0, insts)
    if store.has_object(21):
        store.replace_object(21, oscore)
    if sec.server is None:
        store.replace_object(1, {})


def accounts(meter: "MeterHost") -> list[tuple[int, dict[int, Any], int]]:
    """Complete server accounts: (security iid, its resources, server iid), by SSID order."""
    store = meter.store
    out = []
    servers = {store.get_path(Path((1, iid, 0))): iid for iid in store.instance_ids(1)}
    for iid in store.instance_ids(0):
        res = store.instance(0, iid)
        if res.get(SEC_BOOTSTRAP):
            continue
        ssid = res.get(SEC_SSID)
        if ssid in servers:
            out.append((iid, res, servers[ssid]))
    return sorted(out, key=lambda a: (a[1].get(SEC_SSID) or 0, a[0]))


def server_instance(meter: "MeterHost") -> int | None:
    """The /1 instance of the account in use: the one :func:`prepare_register` registers with (the first
    complete account by SSID), wherever the factory or a Bootstrap-Server put it; None without one."""
    found = accounts(meter)
    return found[0][2] if found else None


def server_value(meter: "MeterHost", ssid: int, rid: int, default: Any = None) -> Any:
    """Resource ``rid`` of the Server instance with Short Server ID ``ssid`` (``default`` when absent)."""
    for _, res, siid in accounts(meter):
        if res.get(SEC_SSID) == ssid:
            return meter.store.get_path(Path((1, siid, rid)), default)
    return default


def bootstrap_account(meter: "MeterHost") -> tuple[int, dict[int, Any]] | None:
    store = meter.store
    for iid in store.instance_ids(0):
        res = store.instance(0, iid)
        if res.get(SEC_BOOTSTRAP):
            return iid, res
    return None


SCHEMES = ("coap", "coaps", "coap+tcp", "coaps+tcp")


def address(uri: str) -> tuple[str, int, str]:
    """(host, port, scheme) of a /0/x/0 URI; ConfigError when it is not coap, coaps, coap+tcp or coaps+tcp."""
    try:
        parts = urlsplit(str(uri))
        port = parts.port
    except ValueError:
        raise ConfigError(f"not a server URI: {uri!r}") from None
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise ConfigError(f"server URI must be coap://, coaps://, coap+tcp:// or coaps+tcp:// host[:port], "
                          f"got {uri!r}")
    return parts.hostname, port or (5684 if parts.scheme.startswith("coaps") else 5683), parts.scheme


def usable_problems(meter: "MeterHost", res: dict[int, Any]) -> list[str]:
    """Why this meter cannot use an account (a scheme/mode its transport cannot speak, a missing key)."""
    try:
        _, _, scheme = address(res.get(SEC_URI, ""))
    except ConfigError as exc:
        return [str(exc)]
    mode = res.get(SEC_MODE)
    if mode not in MODE_NAMES:
        return [f"security mode {mode} is not supported (PSK 0, RPK 1, Certificate 2, NoSec 3)"]
    tcp = scheme.endswith("+tcp")
    want = ("coaps" if mode != MODE_NOSEC else "coap") + ("+tcp" if tcp else "")
    if scheme != want:
        return [f"URI scheme {scheme} does not match security mode {mode}"]
    if tcp != bool(getattr(meter, "tcp", False)):
        return [f"this meter speaks CoAP over {'TCP' if getattr(meter, 'tcp', False) else 'UDP'} only; "
                f"cannot use {res.get(SEC_URI)}"]
    if scheme.startswith("coaps") != meter.secure:
        return [f"this meter {'only speaks coaps' if meter.secure else 'has no DTLS'}; cannot use {res.get(SEC_URI)}"]
    if mode == MODE_PSK and not (res.get(SEC_IDENTITY) and res.get(SEC_SECRET)):
        return ["PSK account without identity or key"]
    if mode == MODE_RPK:
        from ..dtls import gnutls_rpk
        missing = gnutls_rpk.available()
        if missing:
            return [f"raw public key mode unavailable: {missing}"]
        if not (res.get(SEC_IDENTITY) and res.get(SEC_SECRET) and res.get(SEC_SERVER_KEY)):
            return ["raw public key account without our public key, private key or the server's public key"]
    if mode == MODE_CERT and not (res.get(SEC_IDENTITY) and res.get(SEC_SECRET) and res.get(SEC_SERVER_KEY)):
        return ["certificate account without certificate, key or server trust anchor"]
    if res.get(17) is not None:        # /0/x/17 OSCORE Security Mode: the /21 instance it links must be usable
        from .oscore_client import linked_params
        try:
            linked_params(meter, res)
        except ProtocolError as exc:
            return [str(exc)]
    if mode == MODE_CERT:
        from ..dtls.cert_usage import DEFAULT_MATCHING, DEFAULT_USAGE, CertUsagePolicy
        u, m = res.get(SEC_CERT_USAGE), res.get(SEC_MATCHING)
        try:
            CertUsagePolicy(bytes(res[SEC_SERVER_KEY]), DEFAULT_USAGE if u is None else int(u),
                            DEFAULT_MATCHING if m is None else int(m))
        except (ConfigError, TypeError, ValueError) as exc:
            return [f"/0/x/4, /0/x/13, /0/x/15 unusable: {exc}"]
    return []


def client_ciphers(meter: "MeterHost", mode: int, res: dict[int, Any] | None = None) -> tuple[str, ...] | None:
    """The suites the meter offers: those of the account's /0/x/16 "DTLS/TLS Ciphersuite" when set (OMNA /0 1.1:
    it instructs the client to propose the indicated suites; codes Mbed TLS lacks are left out); else a 1.1+
    client offers no CBC suite (TS Transport 1.1 §5.2.8: the client SHOULD NOT use them); a 1.0 client the two
    PSK suites 1.0 lists; ``weak-suite-offered`` adds a deny-listed CBC-SHA-1 suite at the end of the offer (the
    server's preference still picks a good one)."""
    from ..dtls import suites
    if "ciphers" in meter.security.dtls:
        return None
    wanted = (res or {}).get(SEC_CIPHERSUITES)
    if wanted and not meter.has("ciphersuite-resource-ignored"):
        codes_ = list(wanted.values()) if isinstance(wanted, dict) else list(wanted) if isinstance(wanted, (list, tuple)) \
            else [wanted]
        avail = suites._available()
        named = tuple(n for n in (suites.name(int(c)) for c in codes_) if n.replace("_", "-") in avail)
        if named:
            return named
    if meter.lwm2m == "1.0":
        offer = suites.LWM2M_PSK if mode == MODE_PSK else suites.LWM2M_CERT
    else:
        offer = suites.CLIENT_PSK if mode == MODE_PSK else suites.CLIENT_CERT
    if meter.has("mandatory-suite-not-offered"):
        # the vendor's build lacks CCM_8: a forward-secret or CBC suite only
        offer = (suites.ECDHE_PSK_CHACHA,) if mode == MODE_PSK else (suites.ECDSA_CBC,)
    if meter.has("weak-suite-offered"):
        offer += (suites.PSK_CBC_SHA1 if mode == MODE_PSK else suites.ECDSA_CBC_SHA1,)
    return offer


def settings_for(meter: "MeterHost", res: dict[int, Any]) -> "DtlsSettings":
    """The DTLS client settings for the account in /0 instance ``res`` (defects applied here)."""
    from ..dtls import Certificates, DtlsSettings, Psk
    base = DtlsSettings(**meter.security.dtls)
    mode = res.get(SEC_MODE)
    ciphers = client_ciphers(meter, mode, res) if mode in SECURE_MODES else None
    if ciphers is not None:
        base = base.with_(ciphers=ciphers)
    if meter.has("dtls-no-replay-protection"):
        base = base.with_(anti_replay=False)      # the vendor turned the record replay window off
    if mode == MODE_PSK:
        identity = bytes(res.get(SEC_IDENTITY) or b"").decode("utf-8", "backslashreplace")
        key = bytes(res.get(SEC_SECRET) or b"")
        if meter.has("default-psk"):
            key = UNIVERSAL_DEMO_KEY          # the vendor's one key for every meter, whatever was provisioned
        if meter.has("universal-psk"):
            # the vendor's factory identity and key, the same on every unit, whatever was provisioned
            identity, key = UNIVERSAL_FACTORY_IDENTITY, UNIVERSAL_FACTORY_KEY
        if meter.has("factory-credential-kept") and not res.get(SEC_BOOTSTRAP):
            boot = bootstrap_account(meter)
            if boot is not None and boot[1].get(SEC_MODE) == MODE_PSK:
                # the vendor bug: the factory (bootstrap) credential is used toward every server
                identity = bytes(boot[1].get(SEC_IDENTITY) or b"").decode("utf-8", "backslashreplace")
                key = bytes(boot[1].get(SEC_SECRET) or b"")
        if meter.has("psk-length-limited"):
            # the vendor's fixed buffer: a 64-byte identity, silently cut
            identity = identity.encode()[:64].decode("utf-8", "ignore")
        return base.with_(psk=Psk(identity, key))
    if mode == MODE_RPK:
        from ..dtls import RawPublicKeys
        keys = RawPublicKeys.pinned(bytes(res[SEC_IDENTITY]), bytes(res[SEC_SECRET]), bytes(res[SEC_SERVER_KEY]))
        if meter.has("rpk-factory-key"):
            # the vendor bug: the factory key pair, the same on every unit, whatever /0/x/3 and /0/x/5 hold
            keys = RawPublicKeys(*_factory_rpk(), keys.peer_ok)
        if meter.has("rpk-any-server-key"):
            # the vendor bug: whatever raw public key the server presents is taken, /0/x/4 is never compared
            keys = RawPublicKeys(keys.public_key, keys.private_key, lambda spki: True)
        return base.with_(rpk=keys)
    if mode == MODE_CERT:
        from ..dtls.cert_usage import DEFAULT_MATCHING, DEFAULT_USAGE, CertUsagePolicy, PkixPolicy
        host, _, _ = address(res.get(SEC_URI, ""))
        sni = str(host if meter.has("sni-resource-ignored") else (res.get(SEC_SNI) or host))
        server_key = bytes(res[SEC_SERVER_KEY])
        store = tuple(meter.security.trust_store)
        usage, matching = res.get(SEC_CERT_USAGE), res.get(SEC_MATCHING)
        usage = DEFAULT_USAGE if usage is None else int(usage)
        matching = DEFAULT_MATCHING if matching is None else int(matching)
        if meter.has("accepts-server-without-verification"):
            trusted, verify, policy = (server_key,), False, None
        elif meter.has("cert-usage-ignored"):
            # the vendor bug: /0/x/4 is "one more CA", whatever /0/x/15 and /0/x/13 say; plain PKIX
            anchors = store + ((server_key,) if matching == DEFAULT_MATCHING else ())
            trusted, verify, policy = (), False, PkixPolicy(anchors, sni)
        else:
            policy = CertUsagePolicy(server_key, usage, matching, store, server_name=sni)
            trusted = policy.mbedtls_trust()
            verify = bool(trusted)
        certs = Certificates.load(bytes(res[SEC_IDENTITY]), bytes(res[SEC_SECRET]), trusted,
                                  server_name=sni, verify_peer=verify, peer_policy=policy)
        return base.with_(certificates=certs)
    raise ConfigError(f"security mode {mode} has no DTLS settings")


_FACTORY_RPK: list[tuple[bytes, bytes]] = []


def _factory_rpk() -> tuple[bytes, bytes]:
    """The ``rpk-factory-key`` defect's vendor key pair (public, private DER): one per process, on every unit."""
    if not _FACTORY_RPK:
        from ..dtls import RawPublicKeys
        k = RawPublicKeys.generate()
        _FACTORY_RPK.append((k.public_key, k.private_key))
    return _FACTORY_RPK[0]


def initial_settings(meter: "MeterHost") -> "DtlsSettings":
    """Settings for opening the DTLS transport: the first secure account in /0 (each handshake reconfigures)."""
    store = meter.store
    for iid in store.instance_ids(0):
        res = store.instance(0, iid)
        if res.get(SEC_MODE) in SECURE_MODES:
            return settings_for(meter, res)
    raise ConfigError("a secure meter without a PSK, raw public key or certificate account")


async def prepare_register(meter: "MeterHost", query: tuple[str, ...]) -> None:
    """Before a Register: take the first usable server account of /0 and (DTLS) handshake with its server."""
    found = accounts(meter)
    if not found:
        raise ProtocolError("no LwM2M Server account in /0 (the meter must bootstrap first)")
    iid, res, _ = found[0]
    problems = usable_problems(meter, res)
    if problems:
        raise ProtocolError(f"/0/{iid} cannot be used: {'; '.join(problems)}")
    key = tuple(res.get(r) for r in (SEC_URI, SEC_MODE, SEC_IDENTITY, SEC_SERVER_KEY, SEC_SECRET, SEC_SNI,
                                     SEC_CERT_USAGE, SEC_MATCHING, SEC_CIPHERSUITES))
    if meter.has("credential-rotation-ignored") and meter._account_in_use is not None:
        key = meter._account_in_use        # the vendor bug: the DTLS settings of the first account, for ever
    if key != meter._account_in_use:
        if meter._account_in_use is not None:
            _end_sessions(meter, meter.server_remote)     # a changed account: no old credential from now on
        host, port = use(meter, res)
        meter.server_remote = await resolve(host, port)
        meter._account_in_use = key
    from . import oscore_client
    oscore_client.apply(meter, res, meter.server_remote)      # /0/x/17: OSCORE toward this server
    await connect(meter, meter.server_remote, register_query=query)


async def prepare_account(meter: "MeterHost", ssid: int) -> Any:
    """Before a Register with a further account (:mod:`.servers`): handshake with the server of the account with
    Short Server ID ``ssid`` and return its address.  The transport takes the account's credentials for this
    handshake only (an open session keeps the ones it was made with), then the account in use gets them back."""
    found = [a for a in accounts(meter) if a[1].get(SEC_SSID) == ssid]
    if not found:
        raise ProtocolError(f"no LwM2M Server account with SSID {ssid} in /0")
    iid, res, _ = found[0]
    problems = usable_problems(meter, res)
    if problems:
        raise ProtocolError(f"/0/{iid} cannot be used: {'; '.join(problems)}")
    host, port = use(meter, res)
    addr = await resolve(host, port)
    try:
        await connect(meter, addr)
    finally:
        first = accounts(meter)
        if first and first[0][1].get(SEC_SSID) != ssid:
            use(meter, first[0][1])
    return addr


def _end_sessions(meter: "MeterHost", remote: Any) -> None:
    """The account toward a server changed (a new bootstrap): close the DTLS session (or, over TCP, the TLS
    connection) made with the old credential and forget it for resumption, so the next exchange handshakes with
    the new one."""
    t = meter.endpoint.transport
    if getattr(meter, "tcp", False):
        if hasattr(t, "close_connection") and isinstance(remote, tuple):
            t.close_connection(remote)
        return
    if not hasattr(t, "forget_session") or not isinstance(remote, tuple):
        return
    sess = t.session_for(remote)
    if sess is not None:
        sess.close(notify=True)
    t.forget_session(remote)


def use(meter: "MeterHost", res: dict[int, Any]) -> tuple[str, int]:
    """Point the meter's transport at the account in ``res``; returns the server address (unresolved)."""
    host, port, scheme = address(res.get(SEC_URI, ""))
    if scheme == "coaps":
        meter.endpoint.transport.configure(settings_for(meter, res))
    elif scheme == "coaps+tcp":
        meter.endpoint.transport.channels.configure(settings_for(meter, res))
    return host, port


async def resolve(host: str, port: int) -> tuple[str, int]:
    import socket
    loop = asyncio.get_running_loop()
    try:
        info = await loop.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except OSError as exc:
        raise ConfigError(f"cannot resolve server host {host!r}: {exc}") from None
    return info[0][4][0], info[0][4][1]


async def connect(meter: "MeterHost", addr: Any, *, register_query: tuple[str, ...] = ()) -> None:
    """Handshake with ``addr`` now (DTLS meters; over TCP: connect, and the TLS handshake); raises
    :class:`HandshakeFailed` with the diagnosis.

    With ``nosec-fallback`` a failed handshake is followed by the Register in clear, on the same port."""
    if getattr(meter, "tcp", False):
        try:
            await meter.endpoint.transport.connect(addr, 2 * meter.params.max_transmit_wait)
        except (OSError, asyncio.TimeoutError) as exc:
            raise HandshakeFailed(f"cannot connect to {addr[0]}:{addr[1]}: {exc or 'timed out'}") from exc
        return
    if not meter.secure:
        return
    from ..dtls import DtlsHandshakeError
    t = meter.endpoint.transport
    try:
        await t.connect(addr)
    except (DtlsHandshakeError, asyncio.TimeoutError) as exc:
        if meter.has("nosec-fallback") and register_query:
            payload = f"</1/{server_instance(meter) or 0}>,</3/0>".encode()
            msg = wire.new(codes.POST, uri_path=("rd",), payload=payload, content_format=CF.LINK)
            msg.opt.uri_query = register_query
            msg.mtype, msg.mid, msg.token = wire.CON, 0x5EC0, b"\x5e\xc0"
            log.warning("%s: seeded defect nosec-fallback: Register in clear after a failed handshake",
                        meter.endpoint_name)
            t.send_record(wire.encode(msg), addr)
        raise HandshakeFailed(str(exc) or "DTLS handshake timed out") from exc


def describe(res: dict[int, Any]) -> str:
    """One line for logs: URI, mode and identity (never the key)."""
    mode = MODE_NAMES.get(res.get(SEC_MODE), str(res.get(SEC_MODE)))
    ident = res.get(SEC_IDENTITY) or b""
    shown = ident.decode("utf-8", "replace") if mode == "psk" else \
        f"<{'public key' if mode == 'rpk' else 'certificate'} {len(ident)} bytes>"
    return f"{res.get(SEC_URI)} mode {mode}" + (f" identity {shown}" if ident else "")


__all__ = ["Credentials", "FAST_HANDSHAKE", "HandshakeFailed", "MODES", "MeterSecurity", "UNIVERSAL_DEMO_KEY",
           "accounts", "address", "bootstrap_account", "connect", "describe", "initial_settings", "install_factory",
           "prepare_account", "prepare_register", "security_instance", "server_value", "server_instance", "settings_for", "use", "usable_problems"]
