"""Raw Public Key mode for a device other than the simulator: the profile's ``security.public_key`` and
``security.server_key_pair`` (read from PEM, DER or hex, errors one line naming the field, the private key a
secret kept out of the digest), the run's servers built from them, and ``meterproof simulate --rpk-key
--server-rpk``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest
from mbedtls import pk

from meterproof.errors import ConfigError
from meterproof.profile import from_dict

PROCESS = {"type": "process", "command": "client -s {server_uri} -n {endpoint}"}


def _keys(tmp: Path, name: str) -> pk.ECC:
    k = pk.ECC(pk.Curve.SECP256R1)
    k.generate()
    (tmp / f"{name}.key.pem").write_text(k.export_key("PEM"))
    (tmp / f"{name}.key.der").write_bytes(k.export_key("DER"))
    (tmp / f"{name}.pub.pem").write_text(k.export_public_key("PEM"))
    (tmp / f"{name}.pub.der").write_bytes(k.export_public_key("DER"))
    return k


def _profile(tmp: Path, driver: Any = PROCESS, **security: Any) -> Any:
    return from_dict({"name": "x", "endpoint": "m-{n}", "lwm2m_version": "1.1", "driver": driver,
                      "security": {"mode": "rpk", **security}}, "device.yaml", base_dir=tmp)


@pytest.mark.parametrize("public", ["dev.pub.pem", "dev.pub.der", "dev.key.pem", "hex"])
def test_public_key_from_pem_der_a_key_pair_file_or_hex(tmp_path: Path, public: str) -> None:
    dev, srv = _keys(tmp_path, "dev"), _keys(tmp_path, "srv")
    spki = dev.export_public_key("DER")
    p = _profile(tmp_path, public_key=spki.hex() if public == "hex" else public, server_key_pair="srv.key.pem")
    assert p.security.public_key == spki
    assert p.security.server_key_pair == (srv.export_public_key("DER"), srv.export_key("DER"))
    assert srv.export_key("DER") in p.security.secrets()
    assert srv.export_key("DER").hex() not in repr(p.security)


def test_the_digest_holds_the_public_key_never_the_key_pair_file(tmp_path: Path) -> None:
    _keys(tmp_path, "dev"), _keys(tmp_path, "srv"), _keys(tmp_path, "srv2")
    a = _profile(tmp_path, public_key="dev.pub.pem", server_key_pair="srv.key.pem")
    b = _profile(tmp_path, public_key="dev.pub.der", server_key_pair="srv2.key.der")
    c = _profile(tmp_path, public_key="dev.pub.pem", server_key_pair="srv2.key.der")
    assert a.digest == c.digest, "the server's key pair (a secret) does not enter the digest"
    assert a.digest != b.digest, "the device's public key does"


def test_errors_name_the_field(tmp_path: Path) -> None:
    _keys(tmp_path, "dev"), _keys(tmp_path, "srv")
    rsa = pk.RSA()
    rsa.generate(1024)
    (tmp_path / "rsa.der").write_bytes(rsa.export_public_key("DER"))
    (tmp_path / "junk.pem").write_text("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    cases = [
        ({"server_key_pair": "srv.key.pem"}, "security.public_key:", "is required for mode rpk"),
        ({"public_key": "dev.pub.pem"}, "security.server_key_pair:", "is required for mode rpk"),
        ({"public_key": "nope.pem", "server_key_pair": "srv.key.pem"}, "security.public_key:", "no such file"),
        ({"public_key": "junk.pem", "server_key_pair": "srv.key.pem"}, "security.public_key:", "not a PEM or DER"),
        ({"public_key": "rsa.der", "server_key_pair": "srv.key.pem"}, "security.public_key:", "elliptic-curve"),
        ({"public_key": "abc", "server_key_pair": "srv.key.pem"}, "security.public_key:", "odd number of hex"),
        ({"public_key": "dev.pub.pem", "server_key_pair": "srv.pub.pem"}, "security.server_key_pair:",
         "holds a public key only"),
        ({"public_key": "dev.pub.pem", "server_key_pair": "gone.pem"}, "security.server_key_pair:", "no such file"),
    ]
    for security, field, hint in cases:
        with pytest.raises(ConfigError) as ei:
            _profile(tmp_path, **security)
        msg = str(ei.value)
        assert "\n" not in msg and msg.startswith("profile device.yaml: ") and f" {field} " in msg, msg
        assert hint in msg, msg


def test_the_simulator_needs_no_keys(tmp_path: Path) -> None:
    assert _profile(tmp_path, driver="simulator").security.public_key is None


@pytest.mark.parametrize("bootstrap", [False, True])
def test_the_run_serves_the_profile_keys_to_the_pinned_server(tmp_path: Path, bootstrap: bool) -> None:
    from meterproof.fixtures.security import SecurityRun
    dev, srv, other = _keys(tmp_path, "dev"), _keys(tmp_path, "srv"), _keys(tmp_path, "other")
    run = SecurityRun("rpk", True, bootstrapped=bootstrap)
    pair = (srv.export_public_key("DER"), srv.export_key("DER"))
    run.given_keys(dev.export_public_key("DER"), pair, bootstrap=bootstrap)
    pinned, harness = run.server_rpk(bootstrap=bootstrap), run.server_rpk(bootstrap=not bootstrap)
    assert (pinned.public_key, pinned.private_key) == pair
    assert pinned.peer_ok(dev.export_public_key("DER")) and not pinned.peer_ok(other.export_public_key("DER"))
    assert harness.public_key != pair[0], "the other server keeps a key pair of the harness's own"
    assert run.server_rpk("rogue").public_key not in (pair[0], harness.public_key)
    assert run.redactor.text(pair[1].hex()) != pair[1].hex(), "the private key is a secret of the run"
    fresh = run.fresh_rpk()          # what the Bootstrap-Server writes to /0/x/3, /0/x/5
    assert run.server_rpk().peer_ok(fresh.public_key)


def test_simulate_rpk_options(tmp_path: Path) -> None:
    from meterproof.tools.simulate import add_arguments, raw_public_keys
    dev, srv = _keys(tmp_path, "dev"), _keys(tmp_path, "srv")
    creds = raw_public_keys(str(tmp_path / "dev.key.pem"), str(tmp_path / "srv.pub.pem"))
    assert (creds.mode, creds.identity, creds.secret, creds.server_key) == (
        "rpk", dev.export_public_key("DER"), dev.export_key("DER"), srv.export_public_key("DER"))
    assert raw_public_keys(None, None) is None
    for key, server, hint in ((str(tmp_path / "dev.key.pem"), None, "go together"),
                              (str(tmp_path / "dev.pub.pem"), str(tmp_path / "srv.pub.pem"), "--rpk-key"),
                              (str(tmp_path / "dev.key.pem"), str(tmp_path / "nope.pem"), "--server-rpk")):
        with pytest.raises(ConfigError, match=hint):
            raw_public_keys(key, server)
    p = argparse.ArgumentParser()
    add_arguments(p)
    args = p.parse_args(["--rpk-key", "a", "--server-rpk", "b"])
    assert (args.rpk_key, args.server_rpk) == ("a", "b")
