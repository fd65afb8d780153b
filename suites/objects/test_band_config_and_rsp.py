"""LTE-MTC Band Config (/501) and Remote SIM Provisioning (/504): their writable resources take a Write.

meterproof's own cases (the ETS has none for these objects), on their object definitions in ``objects/`` (OMNA
registry 501.xml and 504.xml, version 1.0): what the definition marks RW takes a Write and reads back as written
(OMA TS Core 1.1 §5.4.3 Write, §5.4.1 Read; TS 1.0 §5.4.3, §5.4.1).  Each case writes a resource whose new value
changes nothing on the air at once, and writes the device's own value back before it ends:

* Band Config: Reset Timeout (/501/x/5, mandatory RW Float) "the time that the device will wait until reset once
  the Reset resource is triggered"; the EARFCN and the channel list would move the radio, and Reset (6) restarts it,
  so no case writes those or executes Reset;
* Remote SIM Provisioning: Download URI/Information (/504/x/3, optional RW String, 0..255 bytes) "from where the
  device can download the profile package", which the device uses only when RSP Update (4) is executed; no case
  executes RSP Update, whose every action (download and install, enable, disable, delete a profile, reset the SIM
  memory) changes the SIM the meter depends on.

A device that did not register the object is not applicable; one whose instance lacks an optional resource too.
A read needed to set up, or the write back, that fails makes the case inconclusive.
"""

from __future__ import annotations

from typing import Any, Callable

from meterproof.fixtures import P, codes, expect, mp
from meterproof.lwm2m.values import Value

OBJECTS = dict(epic="Optional objects", feature="Cellular provisioning")
RESET_TIMEOUT, DOWNLOAD_URI = 5, 3
#: A URI that can never be resolved (RFC 6761 §6.4 reserves .invalid): harmless should a device fetch it.
TEST_URI = "coaps://rsp.invalid/meterproof/profile"


def _resource(dut: Any, oid: int, rid: int) -> str:
    dut.requires_object(oid)
    listed = dut.instances(oid)
    if not listed:
        expect.not_applicable(f"the device registered /{oid} without an instance")
    path = f"/{oid}/{listed[0]}/{rid}"
    dut.require(path, why="this case writes")
    return path


def _read(server: Any, dut: Any, path: str) -> Value:
    r = server.read(dut.endpoint, path)
    expect.code(r, codes.CONTENT)
    values = expect.decodes(r)
    expect.present(values, path)
    return values[P(path)]


def _write_read_restore(server: Any, dut: Any, path: str, new_value: Callable[[Value], Value], covered_by: str,
                        clause: str) -> None:
    """Read ``path``, write ``new_value(old)``: 2.04; read it back: that value; write the old value back
    (inconclusive if that fails)."""
    cf = dut.value_format()
    with expect.supporting(f"read {path} to write it back after", covered_by):
        old = _read(server, dut, path)
        new = new_value(old)
    dut.restore_later(path, old, cf)
    w = server.write(dut.endpoint, path, new, content_format=cf)
    expect.code(w, codes.CHANGED, clause=f"{clause}; OMA TS Core 1.1 §5.4.3 Write")
    with expect.supporting(f"read {path} back", "int-224 (Read on Resource)"):
        r = server.read(dut.endpoint, path)
        expect.code(r, codes.CONTENT)
        back = expect.decodes(r)
    expect.value(back, path, new, clause=f"{clause}: the value written is the value read")
    with expect.supporting(f"write {path} back to {old!r}", "this case's own Write"):
        expect.code(server.write(dut.endpoint, path, old, content_format=cf), codes.CHANGED)


@mp("MP-OBJ-501-WRITE", "LTE-MTC Band Config: Reset Timeout takes a Write and reads back as written", **OBJECTS,
    clause="object definition 501 (LTE-MTC Band Config 1.0), resource 5 Reset Timeout: Mandatory, RW, Float")
def test_band_config_reset_timeout_write(server, dut, transcript):
    """The device registered /501 (else not applicable).  GET /501/x/5 (x: its first instance): 2.05 with a
    Float.  PUT /501/x/5 = that value + 1 (one second longer): 2.04.  GET /501/x/5: Pass: the new value.  The old
    value is written back (2.04, else inconclusive)."""
    path = _resource(dut, 501, RESET_TIMEOUT)

    def longer(old: Value) -> float:
        expect.true(isinstance(old, (int, float)) and not isinstance(old, bool), f"{path} Reset Timeout", "a Float",
                    repr(old))
        return float(old) + 1.0          # type: ignore[arg-type]

    _write_read_restore(server, dut, path, longer, "MP-OBJ-501 (read and shape of /501)",
                        "object definition 501, resource 5 Reset Timeout (RW)")


@mp("MP-OBJ-504-WRITE", "Remote SIM Provisioning: Download URI/Information takes a Write and reads back as written",
    **OBJECTS, clause="object definition 504 (Remote SIM Provisioning 1.0), resource 3 Download URI/Information: "
                      "Optional, RW, String of 0..255 bytes")
def test_rsp_download_uri_write(server, dut, transcript):
    """The device registered /504 with Download URI/Information /504/x/3 (else not applicable).  GET /504/x/3:
    2.05.  PUT /504/x/3 = "coaps://rsp.invalid/meterproof/profile" (a host that can never resolve): 2.04.
    GET /504/x/3: Pass: that URI.  The old value is written back (2.04, else inconclusive).  RSP Update is never
    executed, so the URI is never used."""
    path = _resource(dut, 504, DOWNLOAD_URI)
    _write_read_restore(server, dut, path, lambda old: TEST_URI, "MP-OBJ-504 (read and shape of /504)",
                        "object definition 504, resource 3 Download URI/Information (RW)")
