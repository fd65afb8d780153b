"""The catalog of seeded defects: named, realistic vendor bugs the simulator can be started with.

A suite that cannot fail is worthless (DESIGN.md, "Principles"), so every suite
case must fail against at least one of these.  Each :class:`Defect` says where
the bug lives (``area``), what it is (``summary``), what a tester sees on the
network (``symptom``) and which suite case IDs are expected to catch it
(``targets``: OMA ETS IDs such as ``int-101`` or our own ``MP-...`` IDs).

Defects are off by default and enabled by name; the simulator implements each
as one explicit ``if self.has("name")`` branch at the place the bug would live,
so the conformant path is what runs normally.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..errors import ConfigError


@dataclass(frozen=True)
class Defect:
    name: str
    area: str
    summary: str
    symptom: str
    targets: tuple[str, ...]


def _d(name: str, area: str, summary: str, symptom: str, *targets: str) -> Defect:
    return Defect(name, area, summary, symptom, tuple(targets))


_ALL = [
    # ---------------------------------------------------------------- registration
    _d("register-lists-security-object", "registration",
       "the Register object list includes the Security object",
       "Register payload contains </0/0>", "int-101"),
    _d("register-rejected-binding", "registration",
       "the Register spells queue mode inside the binding (b=UQ) although the client registers as LwM2M 1.1+",
       "POST /rd?...&lwm2m=1.1&b=UQ: the server refuses it (4.00) and the meter never registers; the whole run "
       "judges it once and reports every other case not run", "int-101"),
    _d("register-wrong-version", "registration",
       "the Register request always says lwm2m=1.0",
       "Register query has lwm2m=1.0 although the client implements 1.1/1.2", "int-101"),
    _d("update-ignores-new-lifetime", "registration",
       "a write of /1/0/1 is not reflected in the Update",
       "after PUT /1/0/1 the Update carries no lt (or the old one)",
       "int-102", "int-227", "int-226"),
    _d("update-trigger-ignored", "registration",
       "Registration Update Trigger /1/0/8 is acknowledged but does nothing",
       "Execute /1/0/8 -> 2.04, then no Update arrives",
       "int-104"),
    _d("update-trigger-sends-params", "registration",
       "the triggered Update repeats lt and b",
       "the Update after /1/0/8 carries lt= and b= instead of no parameters", "int-104"),
    _d("no-reregister-after-404", "registration",
       "an Update answered 4.04 is not followed by a new Register",
       "after 4.04 to an Update the client stays silent instead of POST /rd", "int-105"),
    _d("disable-without-deregister", "registration",
       "Disable /1/0/4 does not de-register",
       "Execute /1/0/4 -> 2.04, then no DELETE /rd/...", "int-103"),
    _d("queue-mode-not-declared", "registration",
       "a client configured for queue mode registers without saying so",
       "Register has neither Q (1.1+) nor b=UQ (1.0) although the client sleeps", "int-108"),
    _d("no-update-before-expiry", "registration",
       "the lifetime refresh is scheduled after the lifetime instead of before it",
       "with lt=3 the registration expires before any Update arrives", "MP-REG-LT"),
    _d("reboot-without-reregister", "registration",
       "after a reboot the LwM2M client is not restarted",
       "Execute /3/0/4 -> 2.04, then no new Register",
       "int-241"),
    # ---------------------------------------------------------------- OMA ETS cases of issue 12 (registration,
    # DM, reporting, block-wise): kept together
    _d("cbor-write-ignored", "dm",
       "writes in application/cbor are acknowledged but not applied",
       "PUT /1/0/2 (CF 60) -> 2.04, the value stays as it was", "int-212"),
    _d("oma-json-partial-update-ignored", "dm",
       "a partial update in OMA JSON (11543) is acknowledged but not applied",
       "POST /1/0 (CF 11543) -> 2.04, GET /1/0 shows the old values", "int-220"),
    _d("composite-skips-object-paths", "dm",
       "Read-Composite leaves out object-level paths",
       "FETCH [/3, /1/0, ...] -> 2.05 without any /3/0/... value", "int-229"),
    _d("lifetime-change-stops-refresh", "registration",
       "after announcing a new lifetime the client never schedules its next Update",
       "PUT /1/0/1=120 -> Update lt=120, then silence until the registration expires", "int-107"),
    _d("block2-restarts-at-zero", "transport",
       "the block-wise layer ignores the block number of a Block2 request and serves block 0 again",
       "GET /3/0 Block2 NUM=1 -> 2.05 Block2 NUM=0", "MP-BLOCK-READ"),
    _d("block1-write-dropped", "transport",
       "a write whose body arrives in Block1 blocks is acknowledged but not applied",
       "PUT/POST in 16-byte blocks -> 2.31 ... 2.04, the values stay as they were", "MP-BLOCK-WRITE"),
    _d("observe-parameters-refused", "reporting",
       "LwM2M 1.2: an Observe carrying <NOTIFICATION> attributes as query parameters is refused",
       "GET /3/0/7?pmin=1&pmax=3 Observe=0 -> 4.00 instead of 2.05 with the observation", "int-312", "int-313"),
    _d("queue-mode-sleeps-after-update", "registration",
       "a queue-mode client turns its radio off as soon as its Update is acknowledged instead of listening for "
       "MAX_TRANSMIT_WAIT",
       "the Read the server queued for the client's next Update is never answered", "int-109"),
    # ---------------------------------------------------------------- device management
    _d("tlv-length-off-by-one", "dm",
       "Resource TLV length fields in reads are one too large",
       "TLV reads (e.g. GET /3/0 Accept 11542) do not decode",
       "int-203", "int-751", "int-755", "MP-FMT-FLOAT", "MP-OBJ-1", "MP-OBJ-10262", "MP-OBJ-10263", "MP-OBJ-10264", "MP-OBJ-10281", "MP-OBJ-19", "MP-OBJ-2", "MP-OBJ-3", "MP-OBJ-3421", "MP-OBJ-4", "MP-OBJ-5", "MP-OBJ-501", "MP-OBJ-504", "MP-OBJ-9"),
    _d("write-readonly-accepted", "dm",
       "writes to read-only resources are accepted",
       "PUT /1/0/0 -> 2.04 and the SSID changes", "int-256"),
    _d("missing-instance-wrong-code", "dm",
       "a read of a missing object instance answers 4.00",
       "GET of a non-existent instance -> 4.00 instead of 4.04", "MP-DM-404"),
    _d("discover-omits-instances", "dm",
       "Discover on an object lists no instance links",
       "Discover /3 has no </3/0>", "int-260"),
    _d("security-object-readable", "dm",
       "the Security object is readable by a DM server",
       "GET /0 -> 2.05 with the PSK", "int-221"),
    _d("unsupported-accept-not-406", "dm",
       "an Accept the client does not serve is ignored",
       "GET with an unserved Accept -> 2.05 in another format instead of 4.06", "MP-DM-406"),
    _d("create-device-instance-allowed", "dm",
       "Create on the single-instance Device object succeeds",
       "POST /3 -> 2.01 instead of 4.05", "int-680"),
    _d("delete-device-instance-allowed", "dm",
       "Delete of the Device object instance succeeds",
       "DELETE /3/0 -> 2.02 instead of 4.05", "int-685"),
    _d("text-write-ignored", "dm",
       "plain-text writes are acknowledged but not applied",
       "PUT /1/0/3 (text/plain) -> 2.04, the value stays as it was",
       "int-205", "int-102", "int-227", "int-256", "int-307"),
    _d("resource-instance-read-refused", "dm",
       "a Read of a resource instance is refused although the client registers as LwM2M 1.1",
       "GET /3/0/11/0 -> 4.00 instead of 2.05 with that instance", "int-225"),
    _d("composite-skips-resource-instances", "dm",
       "Read-Composite leaves out every resource-instance path",
       "FETCH [/3/0/11/0, ...] -> 2.05 without /3/0/11/0", "int-280", "int-236"),
    _d("write-composite-first-only", "dm",
       "Write-Composite applies only the first record of the pack",
       "iPATCH with three values -> 2.04, only the first one changes", "int-257"),
    _d("root-composite-includes-security", "dm",
       "a Read-Composite of the root path walks every object, the Security object included",
       "FETCH [/] -> 2.05 with /0/0/... (PSK included)", "int-235"),
    _d("partial-update-replaces", "dm",
       "a partial update (POST on an instance) behaves like a replace",
       "POST /1/0 wipes the writable resources not in the payload",
       "int-226"),
    _d("read-composite-fails-on-missing", "dm",
       "Read-Composite fails as a whole when one path is missing",
       "FETCH with one non-existent path -> 4.04 instead of 2.05 without it",
       "int-236", "int-281"),
    _d("text-boolean-words", "formats",
       "plain-text booleans are written as words",
       "GET /1/0/6 Accept 0 -> 'false' instead of '0'",
       "MP-FMT-TEXT-BOOL", "int-224"),
    # ---------------------------------------------------------------- information reporting
    _d("pmin-ignored", "reporting",
       "the minimum period is not honoured",
       "notifications arrive sooner than pmin after the previous one",
       "int-301", "int-310"),
    _d("pmax-ignored", "reporting",
       "the maximum period is not honoured",
       "no notification at pmax when the value does not change",
       "MP-IR-PMAX", "int-304"),
    _d("notify-after-cancel-reset", "reporting",
       "an observation answered with RST is not cancelled",
       "notifications keep coming after RST", "int-302"),
    _d("notify-after-cancel-get", "reporting",
       "GET with Observe=1 does not cancel the observation",
       "notifications keep coming after the cancelling GET",
       "int-303", "int-305"),
    _d("observe-seq-not-increasing", "reporting",
       "Observe sequence numbers repeat",
       "successive notifications carry the same Observe value", "MP-IR-SEQ"),
    _d("step-ignored", "reporting",
       "the step attribute st is ignored",
       "a notification on every change, however small", "MP-IR-STEP"),
    _d("send-unregistered-object", "reporting",
       "Send reports an object that was not registered",
       "POST /dp contains /10/0/... which is not in the object list", "int-306"),
    _d("send-renumbers-resource-instances", "reporting",
       "Send numbers resource instances from 1",
       "POST /dp with /3/0/11/1 where /3/0/11/0 was asked for", "int-311"),
    _d("mute-send-ignored", "reporting",
       "Mute Send /1/0/23 is not honoured",
       "POST /dp arrives although /1/0/23 is true", "int-307"),
    # ---------------------------------------------------------------- formats
    _d("senml-basename-wrong", "formats",
       "SenML base names lack the trailing slash",
       "bn '/3/0' with n '0' resolves to /3/00",
       "int-231", "int-232", "int-222", "int-223", "int-237", "int-301", "int-302", "int-303", "MP-IR-STEP"),
    _d("cbor-float-truncated", "formats",
       "SenML CBOR floats are truncated to integers",
       "v is an integer where the resource is a Float (230 instead of 230.4)", "MP-FMT-FLOAT"),
    _d("legacy-text-content-format", "formats",
       "plain-text answers carry the pre-IANA Content-Format 1541",
       "GET /3/0/0 Accept 0 -> 2.05 with Content-Format 1541 instead of 0",
       "int-201", "MP-FMT-TEXT-BOOL", "MP-FMT-MANDATORY"),
    _d("cbor-boolean-as-int", "formats",
       "CBOR (60) booleans are written as integers",
       "GET /1/0/6 Accept 60 -> 0x00 (integer 0) instead of 0xF4 (false)", "int-211"),
    # ---------------------------------------------------------------- security
    _d("security-object-writable", "security",
       "the Security object is writable by a DM server",
       "PUT /0/0/0 -> 2.04", "int-221"),
    _d("default-psk", "security",
       "every meter uses one universal factory PSK, whatever key was provisioned",
       "the DTLS handshake completes when the server answers the provisioned identity with the public demo key "
       "'password' (regulatory-checks.md §4), and fails with the provisioned key", "MP-SEC-DEFAULT-PSK", "int-1",
       "int-401"),
    _d("accepts-server-without-verification", "security",
       "in certificate mode the server certificate is not verified (chain and name)",
       "the meter registers with a server whose certificate does not chain to its trust anchor or names another "
       "host", "int-403", "MP-SEC-CERT-UNTRUSTED"),
    _d("cert-usage-ignored", "security",
       "Certificate Usage /0/x/15 and Matching Type /0/x/13 are ignored: any server certificate that chains to "
       "the trust store (or to /0/x/4 read as a CA) is accepted",
       "the meter registers with a server whose certificate is not the one pinned in /0/x/4 (usage 1, 3) or "
       "chains to a trusted CA other than the one /0/x/4 names (usage 0, 2)",
       "MP-SEC-CERT-USAGE-0", "MP-SEC-CERT-USAGE-1", "MP-SEC-CERT-USAGE-2", "MP-SEC-CERT-USAGE-3"),
    _d("nosec-fallback", "security",
       "after a failed DTLS handshake the meter sends its Register in clear",
       "a plaintext CoAP POST /rd arrives on the DTLS port after the failed handshake", "MP-SEC-NOSEC-FALLBACK",
       "MP-SEC-PSK-WRONG-KEY"),
    _d("sni-resource-ignored", "security",
       "the SNI resource /0/x/14 is ignored; the server certificate is matched against the URI host",
       "with /0/x/14 = localhost and an IP-literal URI the certificate handshake fails (name mismatch)",
       "int-402", "int-2"),
    # ---------------------------------------------------------------- bootstrap
    _d("bootstrap-finish-without-server-account", "bootstrap",
       "Bootstrap-Finish is accepted whatever the configuration",
       "Finish after a lone write of /1/x/5 -> 2.04 instead of 4.06", "int-9"),
    _d("bootstrap-delete-removes-bs-account", "bootstrap",
       "Bootstrap-Delete of / or /0 also deletes the Bootstrap-Server account",
       "after DELETE /0 the Bootstrap-Discover lists no /0 instance (the bs=true one is gone)", "int-4"),
    _d("bootstrap-discover-no-version", "bootstrap",
       "Bootstrap-Discover omits the lwm2m= version element",
       "GET / Accept 40 from the Bootstrap-Server -> 2.05 without lwm2m=\"1.x\"", "int-0"),
    _d("bootstrap-trigger-ignored", "bootstrap",
       "the Bootstrap-Request Trigger /1/x/9 is acknowledged but does nothing",
       "Execute /1/0/9 -> 2.04, then no POST /bs", "int-5"),
    _d("no-bootstrap-fallback", "bootstrap",
       "a failed registration is retried forever instead of falling back to bootstrap",
       "with a refusing server account and a Bootstrap-Server account, no POST /bs arrives", "int-7"),
    _d("bootstrap-read-refused", "bootstrap",
       "Bootstrap-Read is not implemented",
       "GET /1 from the Bootstrap-Server -> 4.05 instead of 2.05", "int-8"),
    _d("bootstrap-pack-ignored", "bootstrap",
       "the Bootstrap-Pack (1.2) is received but never applied: the meter keeps its factory configuration",
       "GET /bspack?ep= -> 2.05 with a server account, then no Register (C.13: no server account in /0)",
       "int-12"),
    # ---------------------------------------------------------------- firmware updates
    _d("fw-corrupt-image-accepted", "updates",
       "the image integrity check is skipped",
       "a corrupt image reaches State 2 / installs instead of Result 5", "int-776"),
    _d("fw-skips-downloaded", "updates",
       "the client installs right after the package write",
       "State goes to Updating/Idle without passing Downloaded (2)",
       "int-755", "int-760"),
    _d("fw-update-without-package", "updates",
       "Update /5/0/2 is accepted without a downloaded package",
       "Execute /5/0/2 in Idle -> 2.04 instead of 4.05", "int-772"),
    _d("fw-version-not-reported", "updates",
       "after a successful update /3/0/3 still reports the old firmware version",
       "Execute /5/0/2 -> State 0, Update Result 1, but GET /3/0/3 gives the version before the update",
       "int-770"),
    _d("fw-rollback-allowed", "updates",
       "no anti-rollback check",
       "an older firmware version is installed (Result 1, /3/0/3 goes down)", "MP-FW-ROLLBACK"),
    # ---------------------------------------------------------------- object model
    _d("battery-level-out-of-range", "objects",
       "Battery Level is reported outside 0..100",
       "/3/0/9 reads 150",
       "MP-OBJ-3", "int-203", "int-204", "int-222", "int-223", "int-237"),
    _d("device-omits-mandatory", "objects",
       "the Device instance lacks the mandatory Error Code",
       "GET /3/0 has no /3/0/11",
       "MP-OBJ-3", "int-203", "int-204", "int-222", "int-223", "int-237", "int-260", "int-261", "int-304", "int-305"),
    # ---------------------------------------------------------------- robustness
    _d("crash-on-reserved-option-nibble", "robustness",
       "a CoAP option nibble of 15 kills the CoAP stack",
       "after such a message the meter answers nothing at all", "MP-ROB-OPT",
       "MP-FUZZ-COAP", "MP-FUZZ-QUERY", "MP-FUZZ-POC", "MP-FUZZ-REPRO"),
    _d("process-crash-on-reserved-option-nibble", "robustness",
       "a CoAP option nibble of 15 crashes the client process (segmentation fault)",
       "run as its own process (`meterproof simulate`), the meter dies by SIGSEGV; the case that sent the datagram "
       "fails with 'device crashed' and the signal", "MP-ROB-OPT"),
    _d("hang-on-lying-tlv-length", "robustness",
       "a TLV write whose length exceeds the payload hangs the parser",
       "the meter stops answering for 10 x ACK_TIMEOUT", "MP-ROB-TLV",
       "MP-FUZZ-TLV", "MP-FUZZ-BLOCK", "MP-FUZZ-SENML", "MP-FUZZ-POC", "MP-FUZZ-REPRO"),
    _d("crash-on-unexpected-ack", "robustness",
       "an ACK/RST with an unknown message ID kills the CoAP stack",
       "after such a message the meter answers nothing at all", "MP-ROB-ACK",
       "MP-FUZZ-UNEXPECTED", "MP-FUZZ-STATEFUL", "MP-FUZZ-COAP", "MP-FUZZ-REPRO"),
    _d("slows-down-under-load", "robustness",
       "a leak: every datagram handled makes the next answer a little slower (+2 ms per 100)",
       "after N requests each answer comes N x 20 us late; no crash, only a growing round trip",
       "MP-FUZZ-LAB"),
    _d("dtls-plaintext-alert-kills-session", "robustness",
       "an unauthenticated epoch-0 alert received after the DTLS handshake tears the session down "
       "(RFC 6347 §4.1.2.7 says drop it); an off-path attacker silences the meter with one datagram",
       "after a plaintext alert record toward its address the meter answers nothing inside the session",
       "MP-FUZZ-DTLS"),
]

DEFECTS: dict[str, Defect] = {d.name: d for d in _ALL}


def check_defects(names: Iterable[str]) -> frozenset[str]:
    """Validate defect names; ConfigError (one line) on the first unknown one."""
    out = []
    for n in names:
        if n not in DEFECTS:
            raise ConfigError(f"unknown defect {n!r}; see meterproof simulate --list-defects")
        out.append(n)
    return frozenset(out)


__all__ = ["DEFECTS", "Defect", "check_defects"]
