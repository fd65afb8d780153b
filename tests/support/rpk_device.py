"""An external Raw Public Key device for the project's tests: ``meterproof simulate`` run through the process
driver with key files of its own, and the profile that declares them (docs/DEVICES.md, ``security.public_key``,
``security.server_key_pair``), as a lab writes one for a vendor's RPK meter.

:func:`write` makes, in a folder, the device's key pair, the key pair of the server it pins and the profile;
``provisioning="bootstrap"`` gives the device only a Bootstrap-Server account with those keys (the harness's
Bootstrap-Server then writes the LwM2M Server account, /0/x/3, /0/x/4, /0/x/5).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass
class RpkDevice:
    profile: Path
    device_public: bytes        # DER SubjectPublicKeyInfo, what the profile declares
    device_private: bytes       # DER, only the device program reads it (its file)
    server_private: bytes       # DER, the harness's server presents this pair


def _pair() -> tuple[bytes, bytes, str, str]:
    from mbedtls import pk
    k = pk.ECC(pk.Curve.SECP256R1)
    k.generate()
    return k.export_public_key("DER"), k.export_key("DER"), k.export_public_key("PEM"), k.export_key("PEM")


def write(folder: Path, *, provisioning: str = "profile", pinned: str = "server", name: str = "rpk-device",
          registration_timeout: int = 20, defects: tuple[str, ...] = ()) -> RpkDevice:
    """Key files and a process-driver profile in ``folder``; ``pinned="other"`` makes the device pin another key
    than the one the profile gives the harness (a device the harness's server cannot satisfy); ``defects`` are
    seeded into the device program (``--defect``)."""
    folder.mkdir(parents=True, exist_ok=True)
    dev_pub, dev_priv, dev_pub_pem, dev_priv_pem = _pair()
    _, srv_priv, srv_pub_pem, srv_priv_pem = _pair()
    _, _, other_pub_pem, _ = _pair()
    (folder / "device.key.pem").write_text(dev_priv_pem)
    (folder / "device.pub.pem").write_text(dev_pub_pem)
    (folder / "server.key.pem").write_text(srv_priv_pem)
    (folder / "server.pub.pem").write_text(srv_pub_pem if pinned == "server" else other_pub_pem)
    account = "--bootstrap {bootstrap_uri}" if provisioning == "bootstrap" else "--server {server_uri}"
    profile = {
        "name": f"meterproof simulate as an external RPK client ({provisioning})",
        "identity": {"endpoint": name + "-{worker}{n}"},
        "lwm2m_version": "1.1",
        "content_formats": ["text", "opaque", "cbor", "tlv", "oma-json", "senml-json", "senml-cbor"],
        "triggers": ["reboot", "power-cycle", "start-registration"],
        "firmware": {"image_format": "meterproof-sim"},
        "security": {"mode": "rpk", "provisioning": provisioning, "public_key": "device.pub.pem",
                     "server_key_pair": "server.key.pem"},
        "timing": {"transmission": "loopback", "registration_timeout": registration_timeout},
        "driver": {"type": "process", "cwd": ".", "max_restarts": 1,
                   "command": f"meterproof simulate {account} --endpoint {{endpoint}} --lwm2m 1.1 "
                              f"--state {{state_dir}}/meter-state.json --rpk-key device.key.pem "
                              f"--server-rpk server.pub.pem" + "".join(f" --defect {d}" for d in defects)},
    }
    path = folder / "profile.yaml"
    path.write_text(yaml.safe_dump(profile, sort_keys=False))
    return RpkDevice(path, dev_pub, dev_priv, srv_priv)
