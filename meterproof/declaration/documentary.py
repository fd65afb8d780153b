"""Documentary provisions: what no wire test can check, judged from the vendor declaration (ICS and IXIT).

ETSI TS 103 701 V1.1.1 assesses most EN 303 645 provisions *conceptually*: the test lab reads the manufacturer's
ICS and IXIT and decides whether they meet the provision (test cases ``<provision>-1``).  meterproof cannot be that
lab, but it can judge what a machine can judge of the declaration, one item per group of provisions:

* **passed** -- the provision is declared fulfilled and every answer the item needs is given (a URL, a date, a
  process ...); the declared evidence is shown.  The conceptual verdict stays the assessor's.
* **passed with warnings** -- a recommendation (status R / R C) declared not fulfilled, with its justification.
* **not applicable** -- the ICS declares the provision not applicable, with a justification, or the declaration
  itself rules the item out (an updatable device and the provisions for non-updatable ones).
* **failed** -- not justified (a provision declared not applicable or not fulfilled without a justification, a
  mandatory one declared not fulfilled: EN 303 645 provision 4-1, TS 103 701 test case 4-1-1); missing (the
  ICS has no row for the provision, or the IXIT answer the provision needs is absent); or the answer itself
  contradicts the provision (a support period that has ended, a debug interface left enabled ...).

Each item names the public clauses it evidences; :data:`ITEMS` is the table suites/regulatory runs.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Callable

from .schema import DeclarationDoc, Evidence, IcsEntry

NO_DECLARATION = "no vendor declaration given (--declaration)"
#: Provisions that may not be declared "not applicable": mandatory without a condition (EN 303 645 Table B.1).
UNCONDITIONAL = "M"


@dataclass
class Findings:
    """What an item's check found in the declaration."""

    missing: list[str] = field(default_factory=list)     # "ixit.x.y (what it is)": answers not given
    problems: list[str] = field(default_factory=list)    # answers that contradict the provision
    warnings: list[str] = field(default_factory=list)
    declared: dict[str, Any] = field(default_factory=dict)   # what was declared: the evidence shown


@dataclass(frozen=True)
class Outcome:
    verdict: str           # passed | passed with warnings | not applicable | failed
    message: str
    expected: str = ""
    received: str = ""
    warnings: tuple[str, ...] = ()
    evidence: dict[str, Any] = field(default_factory=dict)


def _always(doc: DeclarationDoc) -> str | None:
    return None


@dataclass(frozen=True)
class Item:
    case: str
    title: str
    ics: tuple[str, ...]                         # the EN 303 645 provisions whose ICS rows the item reads
    cites: tuple[str, ...]                       # the public clauses it evidences (@regulation)
    check: Callable[[DeclarationDoc], Findings]
    #: why the item does not apply, from the declaration itself (None: it applies)
    applies: Callable[[DeclarationDoc], str | None] = _always
    level: str = "MUST"


def _need(f: Findings, path: str, value: Any, what: str) -> Any:
    if value in (None, "", [], {}) or (isinstance(value, Evidence) and not value.given):
        f.missing.append(f"{path} ({what})")
    else:
        f.declared[path] = _shown(value)
    return value


def _shown(value: Any) -> Any:
    """A declared answer as the report shows it: an evidence reference, a date, the names of listed entries."""
    if isinstance(value, Evidence):
        return value.text()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [getattr(v, "name", v) for v in value]
    return value


# --------------------------------------------------------------------------- the checks, one per item
def _ics(d: DeclarationDoc) -> Findings:
    f = Findings()
    unjustified = [r.provision for r in d.ics if r.support != "yes" and not r.justification]
    if unjustified:
        f.problems.append(f"provisions declared not applicable or not fulfilled without a justification: "
                          f"{', '.join(unjustified)}")
    for r in d.ics:
        if r.status == UNCONDITIONAL and r.support == "not applicable":
            f.problems.append(f"provision {r.provision} is mandatory without a condition (status M) but declared "
                              f"not applicable")
        elif r.status.startswith("M") and r.support == "no":
            f.problems.append(f"mandatory provision {r.provision} declared not fulfilled")
    answered = {r.provision for r in d.ics}
    absent = [p for p in MANDATORY_UNCONDITIONAL if p not in answered]
    if absent:
        f.missing.append(f"ics rows for the unconditional mandatory provisions {', '.join(absent)}")
    f.declared["ics rows"] = len(d.ics)
    f.declared["not applicable / not fulfilled, justified"] = sorted(
        r.provision for r in d.ics if r.support != "yes" and r.justification)
    return f


def _vdp(d: DeclarationDoc) -> Findings:
    f, v = Findings(), d.ixit.user_info.vulnerability_disclosure
    _need(f, "ixit.user_info.vulnerability_disclosure.policy_url", v.policy_url, "where the policy is published")
    _need(f, "ixit.user_info.vulnerability_disclosure.contact", v.contact, "where to report an issue")
    for name, val in (("acknowledgement_days", v.acknowledgement_days), ("status_update_days", v.status_update_days)):
        if val is None:
            f.warnings.append(f"ixit.user_info.vulnerability_disclosure.{name} is not given (UK PSTI Schedule 1 "
                              f"paragraph 2: when the reporter gets an acknowledgement and status updates)")
        else:
            f.declared[f"ixit.user_info.vulnerability_disclosure.{name}"] = val
    return f


def _vuln_handling(d: DeclarationDoc) -> Findings:
    f, m = Findings(), d.ixit.vulnerability_monitoring
    _need(f, "ixit.vulnerability_monitoring.process", m.process, "how vulnerabilities are monitored and rectified")
    _need(f, "ixit.vulnerability_monitoring.remediation_days", m.remediation_days, "the time to act on a report")
    if not m.sbom.given:
        f.warnings.append("ixit.vulnerability_monitoring.sbom is not given (EU CRA Annex I Part II (1): a software "
                          "bill of materials)")
    else:
        f.declared["ixit.vulnerability_monitoring.sbom"] = m.sbom.text()
    return f


def _support_period(today: Callable[[], _dt.date]) -> Callable[[DeclarationDoc], Findings]:
    def check(d: DeclarationDoc) -> Findings:
        f, s = Findings(), d.ixit.user_info.support_period
        end = _need(f, "ixit.user_info.support_period.end", s.end, "the last day of the defined support period")
        _need(f, "ixit.user_info.support_period.published_at", s.published_at, "where it is published")
        if end is not None and end < today():
            f.problems.append(f"the declared support period ended on {end.isoformat()}")
        return f
    return check


def _model(d: DeclarationDoc) -> Findings:
    f = Findings()
    _need(f, "product.model_designation", d.product.model_designation, "the model designation")
    _need(f, "product.model_designation_shown", d.product.model_designation_shown,
          "where it is recognisable: label or a physical interface")
    return f


def _constrained(d: DeclarationDoc) -> Findings:
    f, c = Findings(), d.constrained_device
    f.declared["constrained_device.constrained"] = c.constrained
    if c.constrained:
        _need(f, "constrained_device.justification", c.justification, "why the device is constrained")
    else:
        for p in ("5.1-5", "5.3-2"):
            r = d.row(p)
            if r is not None and r.support == "not applicable":
                f.problems.append(f"provision {p} is declared not applicable, but it applies to every device that "
                                  f"is not constrained and the declaration says the device is not constrained")
    return f


def _not_updatable_only(d: DeclarationDoc) -> str | None:
    c = d.constrained_device
    if not c.constrained or c.software_updatable:
        return ("the declaration says the device's software can be updated (constrained_device."
                "software_updatable), so the provisions for constrained devices that cannot be updated do not apply")
    return None


def _no_update(d: DeclarationDoc) -> Findings:
    f = Findings()
    _need(f, "ixit.user_info.no_update_rationale", d.ixit.user_info.no_update_rationale,
          "the published rationale, hardware replacement support and support period")
    return f


def _update(d: DeclarationDoc) -> Findings:
    f, u = Findings(), d.ixit.update
    _need(f, "ixit.update.mechanism", u.mechanism, "how updates reach the device")
    _need(f, "ixit.update.authenticity", u.authenticity, "how authenticity and integrity are verified")
    _need(f, "ixit.update.cryptography", u.cryptography, "the cryptography of the update mechanism")
    _need(f, "ixit.update.timeliness", u.timeliness, "how fast security updates are provided")
    return f


def _rollback(d: DeclarationDoc) -> Findings:
    f, r = Findings(), d.ixit.rollback
    if r is None:
        f.missing.append("ixit.rollback (whether an older image may be installed, and the rules)")
        return f
    f.declared["ixit.rollback.allowed"] = r.allowed
    if r.allowed:
        _need(f, "ixit.rollback.rules", r.rules, "when an older image is accepted")
    return f


def _secparam(d: DeclarationDoc) -> Findings:
    f = Findings()
    params = _need(f, "ixit.security_parameters", d.ixit.security_parameters, "the security parameters")
    for i, p in enumerate(params or []):
        if not p.critical:
            continue
        _need(f, f"ixit.security_parameters[{i}].storage", p.storage, f"how {p.name} is stored")
        if p.unique_per_device is False:
            f.problems.append(f"the critical security parameter {p.name} ({p.kind}) is declared not unique per "
                              f"device")
        elif p.unique_per_device is None:
            f.missing.append(f"ixit.security_parameters[{i}].unique_per_device (is {p.name} unique per device)")
        if p.unique_per_device:
            _need(f, f"ixit.security_parameters[{i}].generation", p.generation, f"how {p.name} is produced")
    _need(f, "ixit.secure_management", d.ixit.secure_management, "the CSP management processes")
    return f


def _crypto(d: DeclarationDoc) -> Findings:
    f, c = Findings(), d.ixit.communication
    _need(f, "ixit.communication.protocols", c.protocols, "the secure channel protocols")
    _need(f, "ixit.communication.cipher_suites", c.cipher_suites, "the suites the device may offer")
    _need(f, "ixit.communication.implementation", c.implementation, "the cryptographic library and version")
    if c.nosec is None:
        f.missing.append("ixit.communication.nosec (whether LwM2M NoSec is supported)")
    else:
        f.declared["ixit.communication.nosec.supported"] = c.nosec.supported
        if c.nosec.supported:
            _need(f, "ixit.communication.nosec.justification", c.nosec.justification,
                  "the protection that replaces DTLS when NoSec is used")
    if c.trusted_time is None:
        f.warnings.append("ixit.communication.trusted_time is not given (whether certificate validity periods are "
                          "checked against a trusted clock)")
    else:
        f.declared["ixit.communication.trusted_time"] = c.trusted_time
        if c.trusted_time:
            _need(f, "ixit.communication.time_source", c.time_source, "the trusted clock")
    return f


def _interfaces(d: DeclarationDoc) -> Findings:
    f = Findings()
    intfs = _need(f, "ixit.interfaces", d.ixit.interfaces, "every network, logical and physical interface")
    for i, x in enumerate(intfs or []):
        if x.kind == "debug" and x.enabled:
            f.problems.append(f"the debug interface {x.name} is declared enabled (5.6-4: disabled in software)")
        if x.enabled:
            _need(f, f"ixit.interfaces[{i}].purpose", x.purpose, f"what {x.name} is used for")
        elif x.kind in ("physical", "debug"):
            _need(f, f"ixit.interfaces[{i}].justification", x.justification, f"how {x.name} is disabled")
    if intfs and not any(x.kind == "network" and x.enabled for x in intfs):
        f.problems.append("no enabled network interface is declared, yet the device is tested over one")
    return f


def _secure_boot(d: DeclarationDoc) -> Findings:
    f = Findings()
    _need(f, "ixit.secure_boot", d.ixit.secure_boot, "the secure boot mechanism")
    return f


def _personal_data(d: DeclarationDoc) -> Findings:
    f, p = Findings(), d.ixit.personal_data
    _need(f, "ixit.personal_data.data", p.data, "what personal data is processed, by whom, for what purpose")
    _need(f, "ixit.user_info.personal_data_information", d.ixit.user_info.personal_data_information,
          "where consumers find that information")
    _need(f, "ixit.personal_data.sensors", p.sensors, "the external sensing capabilities")
    _need(f, "ixit.user_info.sensing_documentation", d.ixit.user_info.sensing_documentation,
          "where the sensing capabilities are documented")
    return f


def _consent(d: DeclarationDoc) -> Findings:
    f = Findings()
    _need(f, "ixit.personal_data.consent", d.ixit.personal_data.consent, "how consent is obtained and withdrawn")
    return f


def _deletion(d: DeclarationDoc) -> Findings:
    f = Findings()
    _need(f, "ixit.deletion", d.ixit.deletion, "how user data is erased from the device")
    _need(f, "ixit.user_info.deletion_instructions", d.ixit.user_info.deletion_instructions,
          "the published instructions")
    return f


def _setup(d: DeclarationDoc) -> Findings:
    f = Findings()
    _need(f, "ixit.user_info.secure_setup_guidance", d.ixit.user_info.secure_setup_guidance,
          "the guidance on secure set-up and on checking it")
    return f


#: EN 303 645 V2.1.1 provisions that are mandatory without a condition: the ICS must answer each.
MANDATORY_UNCONDITIONAL = ("4-1", "5.1-3", "5.2-1", "5.3-13", "5.3-16", "5.4-1", "5.4-3", "5.5-1", "5.5-7",
                           "5.5-8", "5.6-1", "5.6-2", "5.8-3", "5.11-1", "5.13-1", "6-1")


def _c(*provisions: str) -> tuple[str, ...]:
    return tuple(f"ETSI EN 303 645 {p}" for p in provisions)


def _t(*cases: str) -> tuple[str, ...]:
    return tuple(f"ETSI TS 103 701 {c}" for c in cases)


def items(today: Callable[[], _dt.date] = _dt.date.today) -> tuple[Item, ...]:
    """The documentary items (``today`` decides whether a declared support period has ended)."""
    return (
        Item("REG-DOC-ICS", "Every provision not applicable or not fulfilled is justified; the mandatory ones are "
             "answered and fulfilled", ("4-1",), (*_c("4-1"), *_t("4-1-1")), _ics),
        Item("REG-DOC-VDP", "A vulnerability disclosure policy is published, with a contact to report to",
             ("5.2-1",), (*_c("5.2-1"), *_t("5.2-1-1"), "UK PSTI Sch.1 ¶2", "EU CRA Annex I Part II (5)",
                          "EU CRA Annex II (2)"), _vdp),
        Item("REG-DOC-VULN", "Reported vulnerabilities are acted on and monitored during the support period",
             ("5.2-2", "5.2-3"), (*_c("5.2-2", "5.2-3"), *_t("5.2-2-1", "5.2-3-1"), "EU CRA Annex I Part II (1)",
                                  "EU CRA Annex I Part II (2)"), _vuln_handling, level="SHOULD"),
        Item("REG-DOC-SUPPORT", "The defined support period is published and has not ended", ("5.3-13",),
             (*_c("5.3-13"), *_t("5.3-13-1"), "UK PSTI Sch.1 ¶3", "EU CRA Annex II (7)"), _support_period(today)),
        Item("REG-DOC-MODEL", "The model designation is clearly recognisable on the device", ("5.3-16",),
             (*_c("5.3-16"), *_t("5.3-16-1"), "EU CRA Annex II (3)"), _model),
        Item("REG-DOC-CONSTRAINED", "The constrained-device status is stated, justified, and consistent with the "
             "provisions it exempts", ("5.1-5", "5.3-2"), (*_c("5.1-5", "5.3-2"), *_t("5.1-5-1", "5.3-2-1")),
             _constrained),
        Item("REG-DOC-NO-UPDATE", "A constrained device that cannot be updated: rationale, replacement support and "
             "support period published", ("5.3-14", "5.3-15"), (*_c("5.3-14", "5.3-15"), *_t("5.3-14-1", "5.3-15-1")),
             _no_update, applies=_not_updatable_only, level="SHOULD"),
        Item("REG-DOC-UPDATE", "The update mechanism, its cryptography and the timeliness of security updates are "
             "declared", ("5.3-7", "5.3-8"), (*_c("5.3-7", "5.3-8", "5.3-10"), *_t("5.3-7-1", "5.3-8-1", "5.3-10-1"),
                                            "EU CRA Annex I Part I (2)(c)", "EU CRA Annex I Part II (7)"), _update),
        Item("REG-DOC-ROLLBACK", "Whether an older firmware image may be installed, and under which rules",
             ("5.3-2",), (*_c("5.3-2"), *_t("5.3-2-1"), "EU CRA Annex I Part I (2)(c)"), _rollback),
        Item("REG-DOC-SECPARAM", "Critical security parameters: stored securely, unique per device, produced and "
             "managed by a declared process", ("5.4-1", "5.4-4", "5.5-8"),
             (*_c("5.4-1", "5.4-3", "5.4-4", "5.5-8"), *_t("5.4-1-1", "5.4-4-1", "5.5-8-1"),
              "EU CRA Annex I Part I (2)(e)"), _secparam),
        Item("REG-DOC-CRYPTO", "The secure channel is declared: protocols, cipher suites, the implementation, NoSec "
             "and trusted-time claims", ("5.5-1", "5.5-2"),
             (*_c("5.5-1", "5.5-2", "5.5-3"), *_t("5.5-1-1", "5.5-2-1", "5.5-3-1"), "EU CRA Annex I Part I (2)(e)",
              "OMA LwM2M TS Transport §5.2.1"), _crypto),
        Item("REG-DOC-INTERFACES", "Every interface is declared: unused ones disabled, debug interfaces disabled in "
             "software", ("5.6-1", "5.6-3", "5.6-4"), (*_c("5.6-1", "5.6-3", "5.6-4"),
                                                       *_t("5.6-1-1", "5.6-3-1", "5.6-4-1"),
                                                       "EU CRA Annex I Part I (2)(j)"), _interfaces),
        Item("REG-DOC-SECBOOT", "The software is verified by a secure boot mechanism", ("5.7-1",),
             (*_c("5.7-1"), *_t("5.7-1-1")), _secure_boot, level="SHOULD"),
        Item("REG-DOC-PERSDATA", "Consumers are told what personal data is processed and what the device senses",
             ("5.8-3", "6-1"), (*_c("5.8-3", "6-1", "6-4", "6-5"), *_t("5.8-3-1", "6-1-1", "6-5-1"),
                                "EU CRA Annex I Part I (2)(g)"), _personal_data),
        Item("REG-DOC-CONSENT", "Consent to personal data processing is obtained validly and can be withdrawn",
             ("6-2", "6-3"), (*_c("6-2", "6-3"), *_t("6-2-1", "6-3-1")), _consent),
        Item("REG-DOC-DELETION", "User data can be erased from the device simply, with published instructions",
             ("5.11-1", "5.11-3"), (*_c("5.11-1", "5.11-3"), *_t("5.11-1-1", "5.11-3-1"),
                                    "EU CRA Annex I Part I (2)(m)"), _deletion),
        Item("REG-DOC-SETUP", "Guidance on setting the device up securely and on checking it is published",
             ("5.12-2", "5.12-3"), (*_c("5.12-2", "5.12-3"), *_t("5.12-2-1", "5.12-3-1")), _setup, level="SHOULD"),
    )


ITEMS: tuple[Item, ...] = items()


def _row_text(r: IcsEntry) -> str:
    return f"{r.provision} ({r.status}, {r.support})"


def judge(item: Item, doc: DeclarationDoc) -> Outcome:
    """The item's verdict from the declaration (see the module docstring for the four outcomes)."""
    why = item.applies(doc)
    if why:
        return Outcome("not applicable", why)
    rows = {p: doc.row(p) for p in item.ics}
    absent = [p for p, r in rows.items() if r is None]
    if absent:
        return Outcome("failed", "missing: the ICS does not answer " + ", ".join(f"provision {p}" for p in absent),
                       "an ICS row (status, support, justification) per provision", "no row")
    present = [r for r in rows.values() if r is not None]
    bad = [r for r in present if r.support != "yes" and not r.justification]
    if bad:
        return Outcome("failed", "not justified: " + ", ".join(_row_text(r) for r in bad) + " without a "
                       "justification", "a justification for a provision not applicable or not fulfilled",
                       "none")
    unfulfilled_m = [r for r in present if r.support == "no" and r.status.startswith("M")]
    if unfulfilled_m:
        return Outcome("failed", "mandatory provision declared not fulfilled: " + ", ".join(
            f"{_row_text(r)}: {r.justification}" for r in unfulfilled_m), "fulfilled", "not fulfilled")
    na_m = [r for r in present if r.support == "not applicable" and r.status == UNCONDITIONAL]
    if na_m:
        return Outcome("failed", "an unconditional mandatory provision declared not applicable: " + ", ".join(
            _row_text(r) for r in na_m), "fulfilled (status M has no condition)", "not applicable")
    if item.applies is not _always:
        # the declaration itself says the provision's condition holds (a constrained device that cannot be
        # updated): the ICS cannot call it not applicable
        na = [r for r in present if r.support == "not applicable"]
        if na:
            return Outcome("failed", "declared not applicable although the declaration says its condition holds: "
                           + ", ".join(_row_text(r) for r in na), "the provision answered", "not applicable")
    if all(r.support == "not applicable" for r in present):
        return Outcome("not applicable", "declared not applicable: " + "; ".join(
            f"{r.provision}: {r.justification}" for r in present))
    warnings = [f"recommendation {r.provision} declared not fulfilled: {r.justification}"
                for r in present if r.support == "no"]
    if warnings and all(r.support != "yes" for r in present):
        return Outcome("passed with warnings", "; ".join(warnings), warnings=tuple(warnings))
    found = item.check(doc)
    evidence = {"ics": [{"provision": r.provision, "status": r.status, "support": r.support,
                         **({"justification": r.justification} if r.justification else {}),
                         **({"evidence": r.evidence.text()} if r.evidence.given else {})} for r in present],
                "declared": found.declared}
    if found.missing:
        return Outcome("failed", "missing: the declaration claims the provision but does not give " + "; ".join(
            found.missing), "every answer the provision needs", "absent", evidence=evidence)
    if found.problems:
        return Outcome("failed", "; ".join(found.problems), "a declaration that meets the provision",
                       found.problems[0], evidence=evidence)
    warnings += found.warnings
    declared = "; ".join(f"{k} = {v}" for k, v in found.declared.items())
    return Outcome("passed with warnings" if warnings else "passed",
                   f"declared: {declared}" if declared else "declared", warnings=tuple(warnings), evidence=evidence)


__all__ = ["Findings", "ITEMS", "Item", "NO_DECLARATION", "Outcome", "items", "judge"]
