"""Device profile schema: every field's error is one line naming the field and what to write; examples load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from meterproof.errors import ConfigError
from meterproof.profile import BUILTIN_DIR, EXAMPLES_DIR, from_dict, load

BASE: dict[str, Any] = {"name": "x", "endpoint": "meter-{n}", "lwm2m_version": "1.1"}


def with_(**kw: Any) -> dict[str, Any]:
    return {**BASE, **kw}


@pytest.mark.parametrize("data, field, hint", [
    ({"endpoint": "e", "lwm2m_version": "1.1"}, "name:", "is required; write"),
    ({"name": "x", "lwm2m_version": "1.1"}, "endpoint:", "endpoint client name pattern"),
    (with_(endpoint="my meter"), "endpoint:", "must not contain spaces"),
    (with_(endpoint="m-{serial}"), "endpoint:", "unknown placeholder {serial}; use {n}, {worker}"),
    (with_(identity={"endpoint": "a"}), "identity.endpoint:", "given twice"),
    (with_(identity={"colour": "red"}), "identity.colour:", "unknown field"),
    (with_(lwm2m_version="2.0"), "lwm2m_version:", "must be one of 1.0, 1.1, 1.2"),
    (with_(bindings=["UQX"]), "bindings:", "letters from U (UDP)"),
    ({**with_(bindings=["T"]), "lwm2m_version": "1.0"}, "bindings:", "U, UQ, S, SQ, US or UQS"),
    (with_(bindings="U"), "bindings:", "must be a list"),
    (with_(content_formats=["tlvv"]), "content_formats:", "unknown format 'tlvv'"),
    (with_(objects=[3, 70000]), "objects:", "integers 0..65535"),
    (with_(features=["teleport"]), "features:", "unknown entry 'teleport'; allowed:"),
    (with_(triggers=["explode"]), "triggers:", "unknown entry 'explode'; allowed: reboot"),
    (with_(ddf_dirs=["no/such/dir"]), "ddf_dirs[0]:", "no such folder"),
    (with_(security={"mode": "tls"}), "security.mode:", "must be one of nosec, psk, rpk, certificate"),
    (with_(security={"mode": "psk", "provisioning": "magic"}), "security.provisioning:", "'bootstrap'"),
    (with_(security={"mode": "psk", "psk_key": "00112233"}), "security.psk_identity:", "is required for mode psk"),
    (with_(security={"mode": "psk", "psk_identity": "i"}), "security.psk_key:", "write the key in hex"),
    (with_(security={"mode": "psk", "psk_identity": "i", "psk_key": "zz"}), "security.psk_key:", "in hex"),
    (with_(security={"mode": "psk", "psk_identity": "i", "psk_key": "00"}), "security.psk_key:", "4..64 bytes"),
    (with_(security={"mode": "psk", "psk_identity": "i", "psk_key_env": "MP_NOT_SET_XYZ"}),
     "security.psk_key_env:", "export MP_NOT_SET_XYZ"),
    (with_(security={"mode": "certificate"}), "security.certificate:", "path of the PEM/DER file"),
    (with_(security={"mode": "nosec", "pin": 1}), "security.pin:", "unknown field"),
    (with_(timing={"scale": 0}), "timing.scale:", "positive number"),
    (with_(timing={"transmission": "fast"}), "timing.transmission:", "default, loopback"),
    (with_(timing={"registration_timeout": "1m"}), "timing.registration_timeout:", "positive number"),
    (with_(firmware={"images": [{"name": "a", "file": "nope.bin"}]}), "firmware.images[0].file:", "no such file"),
    (with_(firmware={"images": [{"file": "x"}]}), "firmware.images[0].name:", "is required"),
    (with_(firmware={"delivery": ["pigeon"]}), "firmware.delivery:", "allowed: push, pull"),
    (with_(waivers=[{"case": "int-1"}]), "waivers[0]:", "needs 'case'"),
    (with_(driver={"type": "robot"}), "driver.type:", "simulator, process, modem, manual"),
    (with_(driver={"type": "simulator", "meter": "heat"}), "driver.meter:", "electricity, gas, water"),
    (with_(driver={"type": "simulator", "port": "x"}), "driver.port:", "unknown field; known fields here"),
    (with_(driver={"type": "simulator", "variants": ["nope"]}), "driver.variants:", "unknown variant 'nope'"),
    (with_(driver={"type": "simulator", "variants": "server-instance"}), "driver.variants:", "must be a list"),
    ({**with_(driver={"type": "simulator", "variants": ["alternate-path"]}), "lwm2m_version": "1.0"},
     "driver.variants:", "needs LwM2M 1.1 or 1.2"),
    (with_(driver={"type": "modem", "family": "meterproof", "port": "virtual", "virtual": {"variants": ["x"]}}),
     "driver.virtual.variants:", "--list-variants"),
    (with_(driver={"type": "process"}), "driver.command:", "is required; write the client's command line"),
    (with_(driver={"type": "process", "command": "c 'unclosed"}), "driver.command:", "check the quotes"),
    (with_(driver={"type": "process", "command": "c -h {host}"}), "driver.command:", "unknown placeholder {host}"),
    (with_(driver={"type": "process", "command": "c -k {psk_key}"}), "driver.command:", "security has no PSK"),
    (with_(driver={"type": "process", "command": "c", "stop_timeout": -1}), "driver.stop_timeout:", "positive"),
    (with_(driver={"type": "process", "command": "c", "restart_on_crash": "yes"}), "driver.restart_on_crash:",
     "true or false"),
    (with_(driver={"type": "process", "command": "c", "env": {"A": [1]}}), "driver.env.A:", "must be a string"),
    (with_(driver={"type": "process", "command": "c", "case_options": {"queue_mode": "--q"}}),
     "driver.case_options.queue_mode:", "list of extra arguments"),
    (with_(driver={"type": "process", "command": "c", "triggers": {"reboot": {"smoke": 1}}}),
     "driver.triggers.reboot:", "{stdin: 'text'}"),
    (with_(driver={"type": "process", "command": "c", "triggers": {"reboot": {"signal": "SIGNOPE"}}}),
     "driver.triggers.reboot:", "unknown signal"),
    (with_(driver={"type": "process", "command": "c", "triggers": {"dance": "restart"}}),
     "driver.triggers.dance:", "unknown trigger"),
    (with_(driver={"type": "modem", "port": "/dev/ttyUSB0"}), "driver.family:", "is required"),
    (with_(driver={"type": "modem", "family": "nokia-3310", "port": "x"}), "driver.family:", "built-in families"),
    (with_(driver={"type": "modem", "family": "meterproof"}), "driver.port:", "e.g. /dev/ttyUSB2"),
    (with_(driver={"type": "modem", "family": "meterproof", "port": "x", "baud": 1234}), "driver.baud:",
     "115200"),
    (with_(driver={"type": "modem", "family": "meterproof", "port": "x", "virtual": {"meter": "gas"}}),
     "driver.virtual:", "only applies with port: virtual"),
    (with_(driver={"type": "modem", "family": "meterproof", "port": "x", "server_address": "a b"}),
     "driver.server_address:", "HOST[:PORT]"),
    (with_(driver={"type": "manual", "prompts": {"dance": "x"}}, endpoint="m1"), "driver.prompts.dance:",
     "unknown step"),
    (with_(driver={"type": "manual", "prompts": {"reboot": ""}}, endpoint="m1"), "driver.prompts.reboot:",
     "instruction the operator reads"),
    (with_(driver={"type": "manual"}), "endpoint:", "fixed endpoint name"),
    (with_(driver={"type": "manual", "timeout": 0}, endpoint="m1"), "driver.timeout:", "positive"),
    (with_(colour="red"), "colour:", "unknown field; known fields:"),
    ([1, 2], "(top level):", "must be a mapping"),
])
def test_each_field_error_names_the_field_and_what_to_write(data: Any, field: str, hint: str) -> None:
    with pytest.raises(ConfigError) as ei:
        from_dict(data, "device.yaml", base_dir=Path("/tmp"))
    msg = str(ei.value)
    assert "\n" not in msg
    assert msg.startswith("profile device.yaml: "), msg
    assert f" {field} " in msg, msg
    assert hint in msg, msg


def test_psk_key_from_environment_is_never_in_the_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MP_TEST_PSK", "0a0b0c0d0e0f")
    p = from_dict(with_(security={"mode": "psk", "psk_identity": "id-{endpoint}", "psk_key_env": "MP_TEST_PSK"}))
    assert p.security.psk_key == bytes.fromhex("0a0b0c0d0e0f")
    assert p.security.identity_for("m-1") == "id-m-1"
    assert "0a0b0c0d0e0f" not in repr(p.security)
    q = from_dict(with_(security={"mode": "psk", "psk_identity": "id-{endpoint}", "psk_key": "ffffffffffff"}))
    assert p.security.fingerprint() != q.security.fingerprint()


def test_legacy_bootstrap_mode_means_provisioned_by_our_bootstrap() -> None:
    p = from_dict(with_(security={"mode": "bootstrap"}))
    assert (p.security.mode, p.security.provisioning) == ("nosec", "bootstrap")
    p = from_dict(with_(security={"mode": "psk", "provisioning": "bootstrap"}))
    assert p.security.psk_key is None


def test_paths_are_relative_to_the_profile(tmp_path: Path) -> None:
    (tmp_path / "ddf").mkdir()
    (tmp_path / "fw.bin").write_bytes(b"\0" * 16)
    f = tmp_path / "meter.yaml"
    f.write_text(yaml.safe_dump(with_(ddf_dirs=["ddf"], firmware={
        "images": [{"name": "next", "file": "fw.bin", "version": "2.0"},
                   {"name": "corrupt", "file": "fw.bin", "expect": "reject"}], "delivery": ["push"]})))
    p = load(f)
    assert p.ddf_dirs == (str(tmp_path / "ddf"),)
    assert [i.expect for i in p.firmware] == ["accept", "reject"] and p.firmware[0].file == str(tmp_path / "fw.bin")
    assert [i.role for i in p.firmware] == ["newer", "corrupt"]


def test_firmware_images_by_role(tmp_path: Path) -> None:
    (tmp_path / "fw.bin").write_bytes(b"\0" * 16)
    f = tmp_path / "meter.yaml"
    f.write_text(yaml.safe_dump(with_(firmware={"images": [{"name": "old", "file": "fw.bin", "role": "older"}]})))
    with pytest.raises(ConfigError, match=r"firmware.images\[0\].version: a 'older' image needs the version"):
        load(f)
    f.write_text(yaml.safe_dump(with_(firmware={"images": [{"name": "x", "file": "fw.bin", "role": "newest"}]})))
    with pytest.raises(ConfigError, match=r"firmware.images\[0\].role: must be one of newer, older"):
        load(f)
    f.write_text(yaml.safe_dump(with_(firmware={"image_format": "acme"})))
    with pytest.raises(ConfigError, match="firmware.image_format: the only built-in image format is 'meterproof-sim'"):
        load(f)


def test_shipped_profiles_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METER_PSK", "000102030405060708090a0b0c0d0e0f")
    drivers = {load(f).driver for f in EXAMPLES_DIR.glob("*.yaml")}
    assert drivers == {"process", "modem", "manual"}
    for f in BUILTIN_DIR.glob("*.yaml"):
        assert load(f).driver == "simulator"
    variants = [load(f) for f in (BUILTIN_DIR / "variants").glob("sim-*.yaml")]
    assert len(variants) >= 4 and all(p.driver == "simulator" and p.driver_options["variants"] for p in variants)
    assert {p.lwm2m_version for p in variants} >= {"1.0", "1.1"}


def test_with_driver_keeps_the_claims() -> None:
    p = from_dict(with_(content_formats=["tlv"], triggers=["reboot"]))
    q = p.with_driver("process", command="client -n {endpoint}")
    assert q.driver == "process" and q.content_formats == p.content_formats and q.triggers == ("reboot",)
    assert q.driver_options["command"] == "client -n {endpoint}"
