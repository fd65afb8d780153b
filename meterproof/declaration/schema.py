"""The vendor declaration as pydantic v2 models: ETSI TS 103 701's ICS and IXIT, as meterproof reads them.

ETSI TS 103 701 V1.1.1 assesses a device against ETSI EN 303 645 V2.1.1 from two inputs the manufacturer fills in:
the **ICS** (implementation conformance statement: for each provision its status -- M mandatory, R recommended,
M C / R C conditional -- whether the device supports it, and a justification where it does not apply or is not
fulfilled; EN 303 645 provision 4-1, TS 103 701 test case 4-1-1) and the **IXIT** (implementation extra
information for testing, 29 numbered sections: 1-AuthMech ... 29-InpVal).  The sections below carry the answers
the documentary items of suites/regulatory judge and the wire checks compare with (offered cipher suites, NoSec
support, exposed objects); each is named after its IXIT section.  Every mapping forbids unknown keys with a
near-match hint, like a device profile (:mod:`meterproof.profile_schema`, whose base model and one-line error
format this module reuses), and ``meterproof schema declaration`` publishes :func:`json_schema`.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import BeforeValidator, Field, field_validator

from ..dtls import suites as _suites
from ..profile_schema import Bool, OptText, Text, _choice, _entries, _Model

#: ICS status of a provision (EN 303 645 V2.1.1 Table B.1): mandatory, recommended, and their conditional forms.
STATUSES = ("M", "R", "M C", "R C")
#: ICS support answer: the device fulfils it, does not, or the provision does not apply to it.
SUPPORT = ("yes", "no", "not applicable")
PROVISION = r"^(4-1|[56]\.\d+-\d+|6-\d+)$"
INTERFACE_KINDS = ("network", "logical", "physical", "debug")


def _provision(v: Any) -> str:
    v = str(v).strip() if isinstance(v, (str, int, float)) and not isinstance(v, bool) else v
    if not isinstance(v, str) or not re.match(PROVISION, v):
        raise ValueError(f"an ETSI EN 303 645 V2.1.1 provision number such as 5.1-1, 5.3-13 or 6-1 (got {v!r})")
    return v


def _support(v: Any) -> Any:
    if v is True:         # YAML reads an unquoted yes as true
        return "yes"
    if v is False:
        return "no"
    return v


def _suite(v: Any) -> str:
    """An IANA suite name (or its 0xC0A8 code point); the name is kept in IANA spelling."""
    if isinstance(v, int) and not isinstance(v, bool):
        s = _suites.BY_CODE.get(v)
        if s is None:
            raise ValueError(f"unknown cipher suite code point 0x{v:04X}; write its IANA name")
        return s.name
    if isinstance(v, str):
        text = v.strip()
        if re.match(r"^0[xX][0-9a-fA-F]{4}$", text):
            return _suite(int(text, 16))
        name = text.replace("-", "_")
        if name in _suites.BY_NAME or name.startswith("TLS_"):
            return name
    raise ValueError(f"a cipher suite's IANA name such as TLS_PSK_WITH_AES_128_CCM_8, or its code point "
                     f"\"0xC0A8\" (got {v!r})")


def _date(v: Any) -> Any:
    if isinstance(v, _dt.date):
        return v
    if isinstance(v, str):
        try:
            return _dt.date.fromisoformat(v.strip())
        except ValueError:
            pass
    raise ValueError(f"a date written YYYY-MM-DD (got {v!r})")


def _url(v: Any) -> Any:
    if v is None:
        return None
    if not isinstance(v, str) or not re.match(r"^(https?|mailto):\S+$", v.strip()):
        raise ValueError(f"a URL (https://..., http://... or mailto:...) (got {v!r})")
    return v.strip()


Url = Annotated[Union[str, None], BeforeValidator(_url)]
Provision = Annotated[str, BeforeValidator(_provision), Field(pattern=PROVISION)]
Suite = Annotated[str, BeforeValidator(_suite)]
Date = Annotated[_dt.date, BeforeValidator(_date)]
Texts = Annotated[list[str], _entries()]


class Evidence(_Model):
    """Where the claim can be checked: a public page, a document of the technical file, its SHA-256."""

    WHAT: ClassVar[str] = "url: ..., document: ..., sha256: ..."
    url: Url = Field(None, description="public page or document URL")
    document: OptText = Field(None, description="a document of the technical file (name and version)")
    sha256: Annotated[Union[str, None], Field(pattern=r"^[0-9a-fA-F]{64}$")] = Field(
        None, description="SHA-256 of the document or of a snapshot of the page")

    @property
    def given(self) -> bool:
        return bool(self.url or self.document)

    def text(self) -> str:
        parts = [p for p in (self.url, self.document) if p]
        return "; ".join(parts) + (f" (sha256 {self.sha256[:12]}...)" if self.sha256 else "")


class IcsEntry(_Model):
    """One row of the ICS (EN 303 645 V2.1.1 Annex B, TS 103 701 4-1-1)."""

    WHAT: ClassVar[str] = "provision: 5.2-1, status: M|R|M C|R C, support: yes|no|not applicable, justification: ..."
    provision: Provision
    status: Annotated[Literal["M", "R", "M C", "R C"], _choice(STATUSES)]
    # (before-validators run last-first: true/false become yes/no, then the choice is checked)
    support: Annotated[Literal["yes", "no", "not applicable"], _choice(SUPPORT), BeforeValidator(_support)]
    justification: OptText = Field(None, description="why it does not apply or is not fulfilled (required then)")
    evidence: Evidence = Field(default_factory=Evidence)


class Product(_Model):
    WHAT: ClassVar[str] = "manufacturer: ..., model_designation: ..., firmware_version: ..."
    manufacturer: Text
    model_designation: Text = Field(description="the model designation as labelled on the device (5.3-16)")
    model_designation_shown: Texts = Field(
        [], description="where the designation is recognisable: label, display, optical port, LwM2M /3/0/1 ...")
    hardware_version: OptText = None
    firmware_version: OptText = None
    device_type: OptText = Field(None, description="e.g. smart electricity meter")


class Constrained(_Model):
    """Whether the device is a constrained device (EN 303 645 V2.1.1 clause 3.1; 5.1-5, 5.3-2, 5.3-14, 5.3-15)."""

    WHAT: ClassVar[str] = "constrained: true|false, justification: ..., software_updatable: true|false"
    constrained: Bool
    justification: OptText = Field(None, description="the physical limitation (battery, memory, ...): required "
                                                     "when constrained is true")
    software_updatable: Bool = Field(True, description="false: a constrained device that cannot be updated")


class Disclosure(_Model):
    """The vulnerability disclosure policy (5.2-1; ISO/IEC 29147; UK PSTI Schedule 1 paragraph 2)."""

    WHAT: ClassVar[str] = "policy_url: ..., contact: ..., acknowledgement_days: N, status_update_days: N"
    policy_url: Url = None
    contact: OptText = Field(None, description="where to report: an e-mail address or a web form")
    acknowledgement_days: Annotated[Union[int, None], Field(ge=0)] = None
    status_update_days: Annotated[Union[int, None], Field(ge=0)] = None
    evidence: Evidence = Field(default_factory=Evidence)


class SupportPeriod(_Model):
    """The defined support period (5.3-13; UK PSTI Schedule 1 paragraph 3)."""

    WHAT: ClassVar[str] = "end: YYYY-MM-DD, published_at: URL"
    end: Union[Date, None] = Field(None, description="the last day security updates are provided")
    published_at: Url = None
    evidence: Evidence = Field(default_factory=Evidence)


class UserInfo(_Model):
    """2-UserInfo: what the manufacturer publishes."""

    WHAT: ClassVar[str] = "vulnerability_disclosure: {...}, support_period: {...}, ..."
    vulnerability_disclosure: Disclosure = Field(default_factory=Disclosure)
    support_period: SupportPeriod = Field(default_factory=SupportPeriod)
    no_update_rationale: Evidence = Field(default_factory=Evidence, description="5.3-14: rationale, replacement "
                                                                                "support, published")
    secure_setup_guidance: Evidence = Field(default_factory=Evidence, description="5.12-2 / 5.12-3")
    deletion_instructions: Evidence = Field(default_factory=Evidence, description="5.11-3")
    personal_data_information: Evidence = Field(default_factory=Evidence, description="6-1, 6-5")
    sensing_documentation: Evidence = Field(default_factory=Evidence, description="5.8-3")


class VulnMonitoring(_Model):
    """5-VulnMon: how vulnerabilities are monitored and acted on (5.2-2, 5.2-3)."""

    WHAT: ClassVar[str] = "process: ..., remediation_days: N, sbom: {...}"
    process: OptText = None
    remediation_days: Annotated[Union[int, None], Field(ge=0)] = None
    sbom: Evidence = Field(default_factory=Evidence)


class UpdateMechanism(_Model):
    """7-UpdMech / 8-UpdProc: how updates reach the device and how they are verified (5.3-x)."""

    WHAT: ClassVar[str] = "mechanism: ..., authenticity: ..., automatic: true|false, ..."
    mechanism: OptText = Field(None, description="e.g. LwM2M Firmware Update object /5, push and pull")
    authenticity: OptText = Field(None, description="how authenticity and integrity are verified (5.3-9, 5.3-10)")
    cryptography: OptText = Field(None, description="algorithms of the update mechanism (5.3-7)")
    automatic: Union[Bool, None] = None
    user_notification: OptText = None
    timeliness: OptText = Field(None, description="how fast security updates are provided (5.3-8)")


class Rollback(_Model):
    """Rollback rules (TS 103 701 5.3-2-1: installing an older vulnerable image is a misuse)."""

    WHAT: ClassVar[str] = "allowed: true|false, rules: ..."
    allowed: Bool = False
    rules: OptText = Field(None, description="when an older image is accepted (required when allowed)")


class SecParam(_Model):
    """10-SecParam: one security parameter (5.4-1 .. 5.4-4)."""

    WHAT: ClassVar[str] = "name: ..., kind: ..., storage: ..., unique_per_device: true|false, generation: ..."
    name: Text
    kind: Text = Field(description="e.g. DTLS PSK, PSK identity, private key, firmware signing public key")
    critical: Bool = Field(True, description="a critical security parameter (its disclosure harms security)")
    storage: OptText = Field(None, description="how it is protected in persistent storage (5.4-1)")
    unique_per_device: Union[Bool, None] = None
    generation: OptText = Field(None, description="how it is produced (5.4-4)")
    length_bytes: Annotated[Union[int, None], Field(gt=0)] = None


class NoSec(_Model):
    """LwM2M Security Mode 3 (NoSec): OMA LwM2M TS Transport §5.2.1 allows it only with another protection."""

    WHAT: ClassVar[str] = "supported: true|false, justification: ..."
    supported: Bool
    justification: OptText = Field(None, description="the alternative protection (required when supported)")


#: The hardening extensions a declaration may claim (names as in meterproof.dtls.records.EXTENSIONS).
TLS_EXTENSIONS = ("extended_master_secret", "encrypt_then_mac")


class ComMech(_Model):
    """11-ComMech / 12-NetSecImpl: the secure channel (5.5-1 .. 5.5-3)."""

    WHAT: ClassVar[str] = ("protocols: [...], cipher_suites: [...], nosec: {...}, tls_extensions: [...], "
                           "implementation: ...")
    protocols: Texts = Field([], description="e.g. DTLS 1.2 (RFC 6347)")
    cipher_suites: Annotated[list[Suite], _entries()] = Field(
        [], description="every suite the device may offer, IANA names or code points; REG-TLS-01 compares")
    nosec: Union[NoSec, None] = Field(None, description="whether LwM2M NoSec is supported; REG-TLS-05 compares")
    tls_extensions: Annotated[list[Literal["extended_master_secret", "encrypt_then_mac"]],
                              _entries(TLS_EXTENSIONS)] = Field(
        [], description="the (D)TLS hardening extensions the device offers: extended_master_secret (RFC 7627), "
                        "encrypt_then_mac (RFC 7366); REG-TLS-14 compares")
    implementation: OptText = Field(None, description="the (reviewed or evaluated) library and version (5.5-2)")
    crypto_agility: OptText = Field(None, description="how algorithms are updated (5.5-3)")
    trusted_time: Union[Bool, None] = Field(
        None, description="the device validates certificate validity periods against a trusted clock")
    time_source: OptText = None


class Interface(_Model):
    """15-Intf: one interface, and what it discloses without authentication (5.6-1 .. 5.6-4)."""

    WHAT: ClassVar[str] = "name: ..., kind: network|logical|physical|debug, enabled: true|false, ..."
    name: Text
    kind: Annotated[Literal["network", "logical", "physical", "debug"], _choice(INTERFACE_KINDS)]
    enabled: Bool
    purpose: OptText = None
    authentication: OptText = None
    justification: OptText = Field(None, description="why an enabled interface is needed / how a debug one is "
                                                     "disabled")
    lwm2m_objects: Annotated[list[Annotated[int, Field(ge=0, le=65535)]], _entries()] = Field(
        [], description="for the LwM2M interface: the objects it exposes; REG-AC-03 compares the Register")
    disclosed_information: Texts = Field([], description="what goes in clear on it (5.6-2)")


class PersonalData(_Model):
    """21-PersData / 22-ExtSens / 24-TelData: personal data, sensors and telemetry (5.8-3, 6-1 .. 6-5)."""

    WHAT: ClassVar[str] = "data: [...], sensors: [...], telemetry: ..., consent: ..."
    data: Texts = Field([], description="what personal data is processed, by whom, for what purpose")
    sensors: Texts = []
    telemetry: OptText = None
    consent: OptText = Field(None, description="how consent is obtained and withdrawn (6-2, 6-3)")


class RetryPolicyDecl(_Model):
    """A registration retry policy in the terms of OMA LwM2M TS Core 1.1 §6.2.1.1 (/1/x/17-20)."""

    WHAT: ClassVar[str] = "retry_count: n, retry_timer_s: s, sequence_delay_s: s, sequence_retry_count: n"
    retry_count: Annotated[int, Field(ge=1, description="attempts in one communication sequence")]
    retry_timer_s: Annotated[int, Field(ge=0, description="wait after attempt n of a sequence: this x 2^(n-1)")]
    sequence_delay_s: Annotated[int, Field(ge=0, description="wait between communication sequences")]
    sequence_retry_count: Annotated[int, Field(ge=1, description="communication sequences")] = 1


class Resilience(_Model):
    """Resilience mechanisms (5.9-1 .. 5.9-3): how the device reconnects after an outage."""

    WHAT: ClassVar[str] = "retry_policy: {...}, random_delay: true|false"
    retry_policy: Union[RetryPolicyDecl, None] = Field(
        None, description="for a LwM2M 1.0 device (its Server object has no /1/x/17-20 and TS 1.0 no retry "
                          "procedure): the back-off it follows after a refused Register; REG-RES-03 checks it")
    random_delay: Union[Bool, None] = Field(
        None, description="reconnections are delayed at random, so that a fleet restarted together does not "
                          "reconnect in lockstep (TS 103 701 5.9-3-1 note 2); REG-RES-03 checks the device's waits")


class Ixit(_Model):
    """The IXIT sections meterproof reads (TS 103 701 IXIT 1 .. 29; the others stay in the technical file)."""

    WHAT: ClassVar[str] = "auth_mechanisms: [...], user_info: {...}, communication: {...}, interfaces: [...]"
    auth_mechanisms: Texts = Field([], description="1-AuthMech")
    user_info: UserInfo = Field(default_factory=UserInfo, description="2-UserInfo")
    vulnerability_monitoring: VulnMonitoring = Field(default_factory=VulnMonitoring, description="5-VulnMon")
    update: UpdateMechanism = Field(default_factory=UpdateMechanism, description="7-UpdMech, 8-UpdProc")
    rollback: Union[Rollback, None] = None
    security_parameters: Annotated[list[SecParam], _entries()] = Field([], description="10-SecParam")
    communication: ComMech = Field(default_factory=ComMech, description="11-ComMech, 12-NetSecImpl")
    secure_management: OptText = Field(None, description="14-SecMgmt: CSP management processes (5.5-8)")
    interfaces: Annotated[list[Interface], _entries()] = Field([], description="15-Intf")
    secure_boot: OptText = Field(None, description="20-SecBoot (5.7-1)")
    personal_data: PersonalData = Field(default_factory=PersonalData, description="21-PersData, 22-ExtSens, "
                                                                                  "24-TelData")
    deletion: OptText = Field(None, description="25-DelFunc: how user data is erased (5.11-1)")
    resilience: Resilience = Field(default_factory=Resilience, description="resilience mechanisms (5.9-1 .. "
                                                                           "5.9-3): reconnection after an outage")


class DeclarationDoc(_Model):
    """A vendor declaration (docs/REGULATORY.md)."""

    UNKNOWN: ClassVar[str] = "unknown field; known fields: {known}"
    WHAT: ClassVar[str] = "fields declaration_version, product, constrained_device, ics, ixit"

    declaration_version: Annotated[Literal[1], _choice((1,))] = 1
    standard: Text = Field("ETSI EN 303 645 V2.1.1", description="the edition the ICS answers")
    product: Product
    constrained_device: Constrained
    signed_by: OptText = Field(None, description="the accountable person who signs the declaration")
    ics: Annotated[list[IcsEntry], _entries()] = Field(description="one row per provision")
    ixit: Ixit = Field(default_factory=Ixit)

    @field_validator("ics")
    @classmethod
    def _one_row_each(cls, rows: list[IcsEntry]) -> list[IcsEntry]:
        seen: set[str] = set()
        for r in rows:
            if r.provision in seen:
                raise ValueError(f"provision {r.provision} is answered twice")
            seen.add(r.provision)
        return rows

    def row(self, provision: str) -> IcsEntry | None:
        return next((r for r in self.ics if r.provision == provision), None)


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a declaration file, for editors and ``meterproof schema declaration``."""
    schema = DeclarationDoc.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "meterproof vendor declaration (ETSI TS 103 701 ICS and IXIT)",
            **{k: v for k, v in schema.items() if k != "title"}}
