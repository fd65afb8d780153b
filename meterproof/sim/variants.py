"""The catalog of variant traits: legal ways in which real devices differ, which the simulator can take on.

The conformant simulator always looks the same (Server instance /1/0 with SSID 1,
``b=U`` in its Register, TLV/text by default, every optional resource, the
enabler's object versions, composite answers in request order ...).  A suite can
grow to assume any of that and still pass against it, then fail on a real meter.
Each :class:`Variant` is one such thing the specifications leave to the device;
started with it, the simulator is still conformant -- only *different*.  A suite
case that fails against a variant assumes something the device decides
(DESIGN.md: "Facts the device decides are read from the device, never assumed").

Each entry says where the trait lives (``area``), what varies on the network
(``varies``), the clause that allows it (``clause``) and the LwM2M versions it
exists in (``versions``).  As with the seeded defects (:mod:`.defects`), every
trait is off by default and is one explicit ``varies("name")`` branch at the
place it lives, so no variant means exactly today's behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..errors import ConfigError

ALL_VERSIONS = ("1.0", "1.1", "1.2")
FROM_1_1 = ("1.1", "1.2")


@dataclass(frozen=True)
class Variant:
    name: str
    area: str
    varies: str
    clause: str
    versions: tuple[str, ...] = ALL_VERSIONS


_ALL = [
    Variant("server-instance", "accounts",
            "the Server Object instance serving the harness is /1/3 with Short Server ID 42, its Security "
            "instance /0/5 (SSID 42; the Bootstrap-Server account is /0/0); Access Control owners and ACL "
            "instances use SSID 42; every Server resource the meter acts on (/1/x/1 lifetime, /7 binding, "
            "/4 Disable, /5 disable timeout, /8 Registration Update Trigger, /9 Bootstrap-Request Trigger, "
            "/2 /3 default pmin/pmax, /23 Mute Send, /26 notification mode) is read from the instance of the "
            "account in use, wherever a Bootstrap-Server put it",
            "TS Core 1.1 Appendix E.1/E.2 (Security /0/x/10 and Server /1/x/0 Short Server ID: any value "
            "1..65534) and the Bootstrap interface (§6.1: the Bootstrap-Server writes accounts at instance ids "
            "it chooses); a Server instance belongs to its Security instance by SSID, never by Instance ID"),
    Variant("no-binding-param", "registration",
            "the Register carries no b= (the binding is the default U); a LwM2M 1.0 meter with the default "
            "lifetime of 86400 s also leaves out lt=",
            "TS Core 1.1 §6.2.1 Table 'Registration parameters': Binding Mode is optional with default U; "
            "TS 1.0 §5.3.1 Table 7: Lifetime is optional with default 86400"),
    Variant("senml-cbor-default", "formats",
            "a Read or Observe without Accept is answered in the meter's own preferred format: SenML CBOR (112) "
            "for LwM2M 1.1+, single resources included; TLV (11542) for LwM2M 1.0, single resources included",
            "TS Core 1.1 §7.4 / Transport 1.1 §6.4: without Accept the client uses its own preferred data "
            "format, reported in the Content-Format; TS 1.0 §6.4.3: TLV carries single resources as well"),
    Variant("minimal-resources", "objects",
            "only mandatory resources are instantiated (e.g. Device /3/0 keeps 4, 11, 16; Server /1/x keeps "
            "0, 1, 6, 7, 8; Firmware /5/0 drops 6, 7, 8; metering objects keep their mandatory readings); an "
            "optional resource answers 4.04 to every operation, optional executables included; optional "
            "resources in a Create or Bootstrap-Write payload are ignored (the Security object is left as "
            "provisioned)",
            "TS Core 1.1 Appendix D.1 (Object template: Mandatory/Optional) and Appendix E; access control, "
            "'Operation on Object' for Create (§7.1.2.4 in the 2017 draft): 'the LwM2M Client MAY ignore the "
            "optional resources it doesn't support'"),
    Variant("old-object-versions", "objects",
            "core objects are implemented at an older object version than the enabler's (a 1.1/1.2 meter "
            "registers /1, /3, /4 and, for 1.2, /2 and /5 at version 1.0), with an explicit ver= in the Register, "
            "and reads, writes and Discover follow those definitions",
            "TS Core 1.1 §6.2.1 'ver' and §7.2.3 Table 'Object Version usage' (1.2 §7.2.3: a core object "
            "version other than the enabler's MUST be given with ver=)"),
    Variant("new-object-versions", "objects",
            "core objects are implemented at the newest object version the catalog holds that the meter's "
            "LwM2M version allows (DDF LWM2MVersion), newer than the enabler's defaults (e.g. a 1.1 meter with "
            "/3 at 1.2, /4 at 1.3, /5 at 1.2; a 1.0 meter with /2 at 1.1), announced with ver=",
            "TS Core 1.1 §6.2.1 'ver' and §7.2.3 Table 'Object Version usage'; OMNA DDF LWM2MVersion (the "
            "minimal enabler version for an object version)"),
    Variant("composite-reordered", "formats",
            "SenML payloads list their records in reverse order: Read-Composite, Observe-Composite and Send "
            "answer with the last path first, and multiple resources list their instances in descending order",
            "RFC 8428 §4 (a Pack is an array of records; no order among records without times is required) and "
            "TS Core 1.1 Read-Composite, Observe-Composite and Send (no order of the returned values is "
            "specified)"),
    Variant("instance-numbering", "objects",
            "multi-instance objects number their instances sparsely (Binary App Data /19/5 and /19/9, Access "
            "Control from /2/10, every other multi-instance object from 5); a Create that leaves the id to the "
            "meter gets the highest id in use plus 3, not the lowest free one; single-instance objects keep 0",
            "TS Core 1.1 'Create' (§5.4.6 in the 2017 draft): without an instance in the payload 'the LwM2M "
            "Client MUST assign the ID' (any free one), and only an object that supports at most one instance "
            "MUST use Instance ID 0; TS Transport 1.1 §6.4 Create returns the id chosen in Location-Path"),
    Variant("no-root-link", "registration",
            "the Register payload has no </>;rt=\"oma.lwm2m\";ct=... link (so no list of content formats)",
            "TS Core 1.1 §6.2.1: the rt=\"oma.lwm2m\" root link is optional; it is only needed for an "
            "alternate path or to announce content formats", FROM_1_1),
    Variant("alternate-path", "registration",
            "the Register declares the alternate path </lwm2m>;rt=\"oma.lwm2m\" and lists objects as "
            "</lwm2m/1/0>...; every Device Management request is served under /lwm2m (a request outside it "
            "gets 4.04)",
            "TS Core 1.1 §6.2.1 (alternate path, rt=\"oma.lwm2m\") and TS Transport 1.1 §6.4 (the Server "
            "prefixes every request with the registered alternate path)", FROM_1_1),
    Variant("profile-id", "registration",
            "a LwM2M 1.2 meter's Register also carries a Profile ID, pid=6:<8 hex digits> (RFC 6920 hash suite 6, "
            "SHA-256 truncated to 32 bits, of the object list the profile stands for), beside its complete object "
            "list",
            "TS Core 1.2 §6.2.1 Table 'Registration parameters': Profile ID is optional, and with it the object "
            "list may be left out or hold only what the profile does not cover (the Server merges both); RFC 6920 "
            "§9.4 (hash suite identifiers)", ("1.2",)),
    Variant("no-portfolio", "objects",
            "the meter implements no Portfolio object /16: its Register does not list it and every request on /16 "
            "answers 4.04",
            "TS Core 1.1 Appendix D.1 (Object template: an object is Mandatory or Optional; Portfolio 16.xml is "
            "Optional) and §6.2.1 (the Register lists the objects the client implements)"),
    Variant("no-bearer-selection", "objects",
            "the meter implements no Bearer Selection object /13: its Register does not list it and every request "
            "on /13 answers 4.04",
            "TS Core 1.1 Appendix D.1 (an object is Mandatory or Optional; Bearer Selection 13.xml is Optional) "
            "and §6.2.1 (the Register lists the objects the client implements)", FROM_1_1),
    Variant("no-wlan-object", "objects",
            "the meter has its WLAN module (Available Network Bearer /4/x/1 lists 21, Bearer Selection /13 can "
            "switch to it) but implements no WLAN Connectivity object /12: its Register does not list it and every "
            "request on /12 answers 4.04",
            "TS Core 1.1 Appendix D.1 (an object is Mandatory or Optional; WLAN connectivity 12.xml is Optional) "
            "and §6.2.1 (the Register lists the objects the client implements)"),
    Variant("vendor-object", "objects",
            "the meter also implements a vendor object, 32769 'meterproof Tariff Register' (time-of-use tariff "
            "registers), defined only in the vendor's own DDF file fixtures/profiles/variants/vendor-ddf/32769.xml, "
            "which a lab's profile names in ddf_dirs (fixtures/profiles/variants/sim-vendor-object-1_1.yaml)",
            "TS Core 1.1 §7.1 (Object Model: objects beyond the OMA core, registered in OMNA or vendor-specific in "
            "the 10241-42800 and 26241-32768+ ranges) and the DDF format (LWM2M.xsd)"),
]

VARIANTS: dict[str, Variant] = {v.name: v for v in _ALL}

#: Traits that cannot be combined, with the reason.
CONFLICTS = {
    frozenset({"no-root-link", "alternate-path"}): "an alternate path is declared by the root link",
    frozenset({"old-object-versions", "new-object-versions"}): "an object has one version",
}


def check_variants(names: Iterable[str], lwm2m: str | None = None) -> frozenset[str]:
    """Validate variant names (and, given ``lwm2m``, that each exists in that LwM2M version);
    ConfigError (one line) on the first problem."""
    out: list[str] = []
    for n in names:
        v = VARIANTS.get(n)
        if v is None:
            raise ConfigError(f"unknown variant {n!r}; see meterproof simulate --list-variants")
        if lwm2m is not None and lwm2m not in v.versions:
            raise ConfigError(f"variant {n!r} needs LwM2M {' or '.join(v.versions)}; this meter is {lwm2m}")
        out.append(n)
    chosen = frozenset(out)
    for pair, why in CONFLICTS.items():
        if pair <= chosen:
            raise ConfigError(f"variants {' and '.join(sorted(pair))} cannot be combined: {why}")
    return chosen


__all__ = ["CONFLICTS", "VARIANTS", "Variant", "check_variants"]
