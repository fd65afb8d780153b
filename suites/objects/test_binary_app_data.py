"""Binary App Data Container object (/19): observing the data a meter reports, writing the data a Server sends.

OMA ETS additional-object cases int-1900 (observation) and int-1901 (write Data)
(OMA-ETS-LightweightM2M_INT-V1_2-20231003-A, configuration C.15; paraphrased in
../shared/reference/oma-ets-cases.md §1.7).  C.15 uses /19/0 for client-to-server data and /19/1 for
server-to-client data; a device numbers its instances as it likes, so the cases take the instances it registered
(the first for observing, the second -- else the first -- for writing).  Erratum (§1.10): the ETS expects
``</19>;ver="1.1"`` where the registry's /19 is version 1.0, so the version is not judged here (MP-OBJ-19 judges
the object against the version the device registered).
"""

from __future__ import annotations

from typing import Any

from meterproof.fixtures import P, codes, ets, expect
from meterproof.fixtures.observation import check_periods, collect, observe, periods, values as notified

DATA = 0
#: What int-1901 writes: 16 bytes no text encoding would produce (NUL, high bytes), so a truncation or a
#: conversion shows.
PAYLOAD = bytes(range(0xF8, 0x100)) + b"\x00meter\x01\x7f"


def _instances(dut: Any) -> list[int]:
    dut.requires_object(19, "ETS configuration C.15")
    listed = dut.instances(19)
    if not listed:
        expect.not_applicable("the device registered /19 without an instance (C.15 presumes instances)")
    return listed


@ets("LightweightM2M-1.1-int-1900", "BinaryAppDataContainer object: observation")
def test_int_1900_observe_binary_app_data(server, dut, timing, transcript):
    """C.15.  Discover /19: 2.05 listing </19> (the ETS's ver="1.1" is an erratum, not judged).
    Write-Attributes /19/x/0?pmin=1&pmax=2 (the ETS's 300/3600 s scaled down; a SHOULD: refused, not applicable):
    2.04.  Observe /19/x/0 (x: the first instance the device registered): 2.05 with an Observe option.
    Pass: two notifications holding /19/x/0, never closer than pmin nor later than pmax."""
    data = f"/19/{_instances(dut)[0]}/{DATA}"
    r = server.discover(dut.endpoint, "/19")
    expect.code(r, codes.CONTENT, clause="ETS int-1900; OMA TS Core 1.1 §5.4.2 Discover")
    targets = [lk.target for lk in (r.links or [])]
    expect.true("/19" in targets, "</19> in Discover /19", "listed", ", ".join(targets) or r.decode_error)
    pmin, pmax = periods(timing)
    obs = observe(server, dut, data, pmin=pmin, pmax=pmax)
    notes = collect(obs, 2, pmax, timing, f"notification of {data}")
    for n in notes:
        expect.present(notified(obs, n), data)
    check_periods(obs, notes, timing, pmin=pmin, pmax=pmax)


@ets("LightweightM2M-1.1-int-1901", "BinaryAppDataContainer object: write Data")
def test_int_1901_write_binary_app_data(server, dut, transcript):
    """C.15.  PUT /19/x/0 (x: the second instance the device registered, C.15's server-to-client one, else the
    first) with one 16-byte record in the multi-value format the device takes: 2.04.
    GET /19/x/0: Pass: 2.05 holding exactly the written record.  The device's own data is written back."""
    listed = _instances(dut)
    data = f"/19/{listed[1] if len(listed) > 1 else listed[0]}/{DATA}"
    cf = dut.instance_format()
    with expect.supporting(f"read {data} to save it", "int-224 (Read on Resource)"):
        r = server.read(dut.endpoint, data, accept=cf)
        expect.code(r, codes.CONTENT)
        saved = {k: v for k, v in expect.decodes(r).items() if k.startswith(P(data))}
    w = server.write(dut.endpoint, data, {P(f"{data}/0"): PAYLOAD}, content_format=cf)
    expect.code(w, codes.CHANGED, clause="ETS int-1901; OMA TS Core 1.1 §5.4.3 Write (replace)")
    r = server.read(dut.endpoint, data, accept=cf)
    expect.code(r, codes.CONTENT)
    back = {k: v for k, v in expect.decodes(r).items() if k.startswith(P(data))}
    expect.equal({str(k): v for k, v in back.items()}, {f"{data}/0": PAYLOAD}, f"{data} read after the write",
                 clause="ETS int-1901: 2.05 with the same value; OMA TS Core 1.1 §5.4.3 (Write replaces the "
                 "resource instances)")
    if saved:
        server.write(dut.endpoint, data, saved, content_format=cf)
