"""OSCORE for a device other than the simulator: the profile's ``security.oscore`` (the device's /21 as
provisioned at the factory: Master Secret in hex or from the environment, Sender and Recipient ID, optional
salt, ID Context and algorithms with RFC 8613 §3.2's defaults), one-line errors naming the field, the secret
kept out of the digest and given to the run's redactor, the run's server holding the peer view, and
``meterproof simulate --oscore-*`` with its persisted sequence number."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from meterproof.coap.oscore import DEFAULT_AEAD, DEFAULT_HKDF
from meterproof.errors import ConfigError
from meterproof.profile import from_dict

PROCESS = {"type": "process", "command": "client -s {server_uri} -n {endpoint}"}
SECRET = "0102030405060708090a0b0c0d0e0f10"


def _profile(driver: Any = PROCESS, mode: str = "oscore", **oscore: Any) -> Any:
    sec: dict[str, Any] = {"mode": mode}
    if oscore:
        sec["oscore"] = oscore
    return from_dict({"name": "x", "endpoint": "m-{n}", "lwm2m_version": "1.1", "driver": driver,
                      "security": sec}, "device.yaml")


def test_context_with_defaults_and_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    p = _profile(master_secret=SECRET, sender_id="0a01", recipient_id="")
    o = p.security.oscore
    assert (o.master_secret.hex(), o.sender_id, o.recipient_id) == (SECRET, b"\x0a\x01", b"")
    assert (o.aead, o.hkdf, o.master_salt, o.id_context) == (DEFAULT_AEAD, DEFAULT_HKDF, b"", None)
    assert o.master_secret in p.security.secrets() and SECRET not in repr(p.security)
    monkeypatch.setenv("OSC_SECRET", SECRET)
    q = _profile(master_secret_env="OSC_SECRET", sender_id="01", recipient_id="02", master_salt="9e7ca92223786340",
                 id_context="37cbf3210017a2d3", aead=11, hkdf=-10)
    assert (q.security.oscore.master_secret.hex(), q.security.oscore.master_salt.hex(), q.security.oscore.aead) == (
        SECRET, "9e7ca92223786340", 11)


def test_the_digest_never_holds_the_master_secret() -> None:
    a = _profile(master_secret=SECRET, sender_id="0a01", recipient_id="")
    b = _profile(master_secret="ff" * 16, sender_id="0a01", recipient_id="")
    c = _profile(master_secret=SECRET, sender_id="0a02", recipient_id="")
    assert a.digest == b.digest and a.digest != c.digest


def test_errors_name_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OSC_UNSET", raising=False)
    ok = {"master_secret": SECRET, "sender_id": "0a01", "recipient_id": ""}
    cases = [
        ({}, "security.oscore:", "is required for mode oscore"),
        ({"sender_id": "01", "recipient_id": "02"}, "security.oscore.master_secret:", "is required"),
        ({**ok, "master_secret_env": "X"}, "security.oscore.master_secret:", "together"),
        ({"master_secret_env": "OSC_UNSET", "sender_id": "01", "recipient_id": "02"},
         "security.oscore.master_secret_env:", "not set"),
        ({**ok, "sender_id": None}, "security.oscore.sender_id:", "is required"),
        ({**ok, "master_secret": "xyz"}, "security.oscore.master_secret:", "hex"),
        ({**ok, "sender_id": 1}, "security.oscore.sender_id", "quotes"),
        ({**ok, "recipient_id": "0a01"}, "security.oscore.recipient_id:", "equals sender_id"),
        ({**ok, "aead": 99}, "security.oscore.aead:", "not supported"),
        ({**ok, "hkdf": 99}, "security.oscore.hkdf:", "not supported"),
        ({**ok, "sender_id": "00" * 8}, "security.oscore.sender_id:", "longer than"),
        ({**ok, "nonce": "01"}, "security.oscore", "nonce"),
    ]
    for oscore, field, hint in cases:
        with pytest.raises(ConfigError) as ei:
            _profile(**{k: v for k, v in oscore.items() if v is not None})
        msg = str(ei.value)
        assert "\n" not in msg and msg.startswith("profile device.yaml: ") and field in msg, msg
        assert hint in msg, msg


def test_bootstrap_provisioning_is_not_supported_yet() -> None:
    with pytest.raises(ConfigError, match="security.provisioning: bootstrap with mode oscore"):
        from_dict({"name": "x", "endpoint": "m-{n}", "lwm2m_version": "1.1", "driver": PROCESS,
                   "security": {"mode": "oscore", "provisioning": "bootstrap",
                                "oscore": {"master_secret": SECRET, "sender_id": "01", "recipient_id": ""}}},
                  "device.yaml")


def test_the_simulator_needs_no_context() -> None:
    assert _profile(driver="simulator").security.oscore is None


def test_the_run_server_holds_the_peer_view() -> None:
    from meterproof.coap.oscore import OscoreLayer
    from meterproof.fixtures.security import SecurityRun
    p = _profile(master_secret=SECRET, sender_id="0a01", recipient_id="")
    run = SecurityRun("oscore", True)
    run.oscore, run.bs_oscore = OscoreLayer(bind_on_request=True), OscoreLayer(bind_on_request=True)
    run.given_oscore(p.security.oscore)
    (ctx,) = run.oscore.contexts
    assert (ctx.sender_id, ctx.recipient_id) == (b"", b"\x0a\x01")
    assert run.redactor.text(SECRET) != SECRET


def test_simulate_oscore_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from meterproof.tools.simulate import add_arguments, oscore_context, persisted_context
    p = argparse.ArgumentParser()
    add_arguments(p)
    monkeypatch.setenv("DEV_SECRET", SECRET)
    args = p.parse_args(["--oscore-secret-env", "DEV_SECRET", "--oscore-sender", "0a01", "--oscore-recipient", "",
                         "--oscore-salt", "9e7ca92223786340"])
    params = oscore_context(args)
    assert (params.master_secret.hex(), params.sender_id, params.recipient_id, params.master_salt.hex()) == (
        SECRET, b"\x0a\x01", b"", "9e7ca92223786340")
    assert oscore_context(p.parse_args([])) is None
    for argv, hint in ((["--oscore-sender", "01"], "go together"),
                       (["--oscore-secret-env", "NOPE_UNSET", "--oscore-sender", "01", "--oscore-recipient", ""],
                        "not set"),
                       (["--oscore-secret-env", "DEV_SECRET", "--oscore-sender", "zz", "--oscore-recipient", ""],
                        "--oscore-sender")):
        monkeypatch.delenv("NOPE_UNSET", raising=False)
        with pytest.raises(ConfigError, match=hint):
            oscore_context(p.parse_args(argv))
    # RFC 8613 Appendix B.1.1: each start resumes one step past the last persisted number
    seq = tmp_path / "seq"
    first = persisted_context(params, str(seq))
    assert first.sender_sequence_number == 0 and seq.read_text() == "0"
    for _ in range(70):
        first.new_sequence_number()
    assert seq.read_text() == "64"
    assert persisted_context(params, str(seq)).sender_sequence_number == 128
