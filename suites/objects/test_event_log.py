"""Event Log object (/20): starting a log and reading it.

OMA ETS additional-object cases int-2000 (LogStart) and int-2001 (read the Event Log)
(OMA-ETS-LightweightM2M_INT-V1_2-20231003-A §6.7.7.1-2, configuration C.16; paraphrased in
../shared/reference/oma-ets-cases.md §1.7).  Erratum (fixtures/errata.py, OMA_LwM2M_for_Developers#476): int-2000
writes and reads LogStart (4011) as a value, but the object definition makes it an executable resource; the
case executes it and reads LogStatus (4013), whose bit 0 LogStart sets to 0 ("running").  Values are judged by
the object definition (OMNA 20.xml): LogStatus bit 1 says that LogData (4014) "contains Valid Data", so it is
not empty then.  The instance is the first one the device registered.
"""

from __future__ import annotations

from typing import Any

from meterproof.fixtures import CF, P, codes, errata, ets, expect, requires

LOG_START, LOG_STOP, LOG_STATUS, LOG_DATA, LOG_CLASS = 4011, 4012, 4013, 4014, 4010
STOPPED, VALID = 1, 2
DEF20 = "object definition 20 (Event Log)"
C16 = "ETS configuration C.16"


def _instance(dut: Any) -> str:
    dut.requires_object(20, C16)
    listed = dut.instances(20)
    if not listed:
        expect.not_applicable(f"the device registered /20 without an instance ({C16} presumes /20/0)")
    return f"/20/{listed[0]}"


def _status(server: Any, dut: Any, path: str, what: str) -> Any:
    r = server.read(dut.endpoint, path)
    expect.code(r, codes.CONTENT, clause=f"{what}; OMA TS Core 1.1 §5.4.1 Read")
    return expect.decodes(r).get(P(path))


@ets("LightweightM2M-1.1-int-2000", "Event Log: LogStart")
def test_int_2000_event_log_start(server, dut, transcript):
    """C.16: the device registered /20 with LogStart (4011) (else not applicable).
    1. (erratum: Execute, not PUT) POST /20/x/4011 without arguments: Pass: 2.04.
    2. (erratum: LogStatus, not LogStart) with LogStatus implemented, GET /20/x/4013: Pass: 2.05 with bit 0 = 0
    (running: LogStart's action b).  A log that was stopped before is stopped again (LogStop, 4012)."""
    inst = _instance(dut)
    dut.require(f"{inst}/{LOG_START}", why=f"{C16} presumes")
    errata.apply("int-2000-logstart-execute")
    status = f"{inst}/{LOG_STATUS}"
    has_status = dut.has(status)
    before = None
    if has_status:
        with expect.supporting(f"read {status} before starting the log", "int-2001 (Read of /20)"):
            before = _status(server, dut, status, "ETS int-2000")
    r = server.execute(dut.endpoint, f"{inst}/{LOG_START}")
    expect.code(r, codes.CHANGED, clause=f"ETS int-2000 step 1; OMA TS Core 1.1 §5.4.5 Execute; {DEF20}, 4011")
    if not has_status:
        return
    after = _status(server, dut, status, "ETS int-2000 step 2")
    if isinstance(before, int) and before & STOPPED and dut.has(f"{inst}/{LOG_STOP}"):
        server.execute(dut.endpoint, f"{inst}/{LOG_STOP}")
    expect.true(isinstance(after, int) and not after & STOPPED, f"{status} LogStatus after LogStart",
                "bit 0 (1st LSB) = 0: running", repr(after),
                clause=f"{DEF20}, 4011 LogStart action b ('LogStatus is set to 0 (running)') and 4013 LogStatus")


@ets("LightweightM2M-1.1-int-2001", "Event Log: read")
@requires(content_format=CF.TLV)
def test_int_2001_event_log_read(server, dut, transcript):
    """C.16: the device registered /20 (else not applicable).  GET /20/x with Accept TLV.
    Pass: 2.05 in TLV with the mandatory LogData (4014), LogClass (4010) and LogStatus (4013) when present of their
    type and range (object definition 20 at the registered version), and LogData not empty when LogStatus bit 1
    says it holds valid data."""
    inst = _instance(dut)
    r = server.read(dut.endpoint, inst, accept=CF.TLV)
    expect.code(r, codes.CONTENT, clause="ETS int-2001; OMA TS Core 1.1 §5.4.1 Read")
    expect.content_format(r, CF.TLV, clause="ETS int-2001: Accept TLV")
    values = expect.decodes(r)
    expect.has_mandatory_resources(values, dut, obj=20)
    expect.present(values, f"{inst}/{LOG_DATA}", clause=f"ETS int-2001; {DEF20}, 4014 LogData (Mandatory)")
    status, data = values.get(P(f"{inst}/{LOG_STATUS}")), values.get(P(f"{inst}/{LOG_DATA}"))
    if isinstance(status, int) and status & VALID:
        expect.true(isinstance(data, bytes) and len(data) > 0, f"{inst}/{LOG_DATA} LogData with LogStatus {status}",
                    "data (LogStatus bit 1: 'LogData contains Valid Data')", repr(data),
                    clause=f"{DEF20}, 4013 LogStatus 2nd LSB and 4014 LogData")
