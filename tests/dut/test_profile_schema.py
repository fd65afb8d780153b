"""Profiles as typed models: the published JSON Schema agrees with every profile in the repository, and the
errors that typed validation adds (numbers YAML changed on reading, unknown keys) are one line naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from meterproof.errors import ConfigError
from meterproof.profile import from_dict, load
from meterproof.profile_schema import json_schema

ROOT = Path(__file__).resolve().parents[2]
PROFILES = sorted([*(ROOT / "fixtures" / "profiles").rglob("*.yaml"), *(ROOT / "tests" / "interop" / "profiles")
                   .glob("*.yaml")])
BASE = "name: x\nendpoint: m-{n}\nlwm2m_version: \"1.1\"\n"


def test_there_are_profiles_to_check() -> None:
    assert len(PROFILES) >= 15


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_repository_profile_loads_and_matches_the_schema(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METER_PSK", "000102030405060708090a0b0c0d0e0f")
    assert load(path).name
    jsonschema = pytest.importorskip("jsonschema")
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
              for e in jsonschema.Draft202012Validator(schema).iter_errors(yaml.safe_load(path.read_text()))]
    assert not errors, errors


def test_schema_rejects_what_the_loader_rejects() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    v = jsonschema.Draft202012Validator(json_schema())
    good = yaml.safe_load(BASE)
    assert v.is_valid(good)
    for bad in ({"timng": {}}, {"lwm2m_version": "2.0"}, {"security": {"psk_key": 102030405}},
                {"timing": {"scale": "fast"}}, {"driver": {"type": "robot"}}, {"features": ["teleport"]},
                {"driver": {"type": "process"}}):
        assert not v.is_valid({**good, **bad}), bad
    assert v.is_valid({**good, "driver": "simulator"}) and v.is_valid({**good, "driver": {"meter": "gas"}})


def write(tmp_path: Path, text: str) -> Path:
    f = tmp_path / "x.yaml"
    f.write_text(BASE + text)
    return f


def test_unquoted_psk_key_is_an_error_saying_yaml_read_a_number(tmp_path: Path) -> None:
    f = write(tmp_path, "security:\n  mode: psk\n  psk_identity: me\n  psk_key: 0102030405\n")
    with pytest.raises(ConfigError) as ei:
        load(f)
    msg = str(ei.value)
    assert "\n" not in msg and msg.startswith(f"profile {f}: security.psk_key: "), msg
    assert f"YAML read this as the number {0o102030405}" in msg, msg
    assert 'write byte strings in quotes: psk_key: "0102030405"' in msg, msg
    write(tmp_path, "security:\n  mode: psk\n  psk_identity: me\n  psk_key: \"0102030405\"\n")
    assert load(f).security.psk_key == bytes.fromhex("0102030405")
    with pytest.raises(ConfigError, match=r"security.psk_key: YAML read this as the number 12345678"):
        from_dict({**yaml.safe_load(BASE), "security": {"psk_key": 12345678}}, "x.yaml")


def test_serial_with_a_leading_zero_must_be_quoted(tmp_path: Path) -> None:
    f = write(tmp_path, "identity:\n  serial: 000123\n")
    with pytest.raises(ConfigError, match=r'identity.serial: YAML read 000123 as the number 83 .* "000123"'):
        load(f)
    write(tmp_path, "identity:\n  serial: 123\n")
    assert load(f).identity == {"serial": "123"}


@pytest.mark.parametrize("text, field, near", [
    ("timng:\n  scale: 2\n", "timng", "timing"),
    ("timing:\n  sacle: 2\n", "timing.sacle", "scale"),
    ("security:\n  psk_idnetity: x\n", "security.psk_idnetity", "psk_identity"),
    ("driver:\n  type: process\n  command: c\n  comand: c\n", "driver.comand", "command"),
    ("driver:\n  type: process\n  command: c\n  triggers:\n    rebot: restart\n", "driver.triggers.rebot", "reboot"),
])
def test_unknown_key_suggests_the_near_match(tmp_path: Path, text: str, field: str, near: str) -> None:
    f = write(tmp_path, text)
    with pytest.raises(ConfigError) as ei:
        load(f)
    msg = str(ei.value)
    assert "\n" not in msg and msg.startswith(f"profile {f}: {field}: unknown "), msg
    assert f"did you mean {near!r}?" in msg, msg


def test_wrong_type_names_the_field_and_the_value(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^profile .*x.yaml: timing.scale: must be a positive number \(got 'fast'\)$"):
        load(write(tmp_path, "timing:\n  scale: fast\n"))
    with pytest.raises(ConfigError, match=r"timing: must be a mapping \(scale: .*\), got int$"):
        load(write(tmp_path, "timing: 5\n"))


def test_schema_command_writes_json_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from meterproof.tools.cli import main
    assert main(["schema", "profile"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"].startswith("https://json-schema.org/")
    top = {"name", "endpoint", "identity", "lwm2m_version", "bindings", "content_formats", "objects", "features",
           "triggers", "driver", "security", "timing", "waivers", "ddf_dirs", "firmware"}
    assert set(schema["properties"]) == top
    assert schema["additionalProperties"] is False and "name" in schema["required"]
    out = tmp_path / "profile.schema.json"
    assert main(["schema", "profile", "-o", str(out)]) == 0
    assert json.loads(out.read_text()) == schema
    assert main(["schema", "profile", "-o", str(tmp_path / "no" / "such" / "dir.json")]) == 2
    assert "meterproof schema: error: cannot write" in capsys.readouterr().err
