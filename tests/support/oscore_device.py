"""An external OSCORE device for the project's tests: ``meterproof simulate --oscore-*`` run through the process
driver with a factory OSCORE context of its own, and the profile that declares that context (docs/DEVICES.md,
``security.oscore``), as a lab writes one for a vendor's OSCORE meter.

The Master Secret travels only in environment variables (:data:`PROFILE_ENV` for the harness's profile,
:data:`DEVICE_ENV` for the device program): no file of the test holds it.  ``wrong_secret`` gives the device
another secret than the profile declares (a device the harness's server cannot verify).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PROFILE_ENV = "METERPROOF_TEST_OSCORE_SECRET"
DEVICE_ENV = "METERPROOF_TEST_DEVICE_OSCORE_SECRET"


@dataclass
class OscoreDevice:
    profile: Path
    master_secret: bytes            # what the profile declares
    env: dict[str, str] = field(default_factory=dict)     # for the suite run: both variables


def write(folder: Path, *, name: str = "oscore-device", wrong_secret: bool = False,
          registration_timeout: int = 20) -> OscoreDevice:
    """A process-driver profile in ``folder`` whose device holds the OSCORE context the profile declares (Sender ID
    0a01, Recipient ID empty, a Master Salt), or with ``wrong_secret`` another Master Secret."""
    folder.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(16)
    device_secret = secrets.token_bytes(16) if wrong_secret else secret
    salt = "9e7ca92223786340"
    profile = {
        "name": "meterproof simulate as an external OSCORE client",
        "identity": {"endpoint": name + "-{worker}{n}"},
        "lwm2m_version": "1.1",
        "content_formats": ["text", "opaque", "cbor", "tlv", "oma-json", "senml-json", "senml-cbor"],
        "triggers": ["start-registration"],
        "firmware": {"image_format": "meterproof-sim"},
        "security": {"mode": "oscore", "oscore": {"master_secret_env": PROFILE_ENV, "sender_id": "0a01",
                                                  "recipient_id": "", "master_salt": salt}},
        "timing": {"transmission": "loopback", "registration_timeout": registration_timeout},
        "driver": {"type": "process", "cwd": ".", "max_restarts": 1,
                   "command": f"meterproof simulate --server {{server_uri}} --endpoint {{endpoint}} --lwm2m 1.1 "
                              f"--state {{state_dir}}/meter-state.json --oscore-secret-env {DEVICE_ENV} "
                              f"--oscore-sender 0a01 --oscore-recipient '' --oscore-salt {salt} "
                              f"--oscore-sequence-file oscore-sequence"},
    }
    path = folder / "profile.yaml"
    path.write_text(yaml.safe_dump(profile, sort_keys=False))
    return OscoreDevice(path, secret, {PROFILE_ENV: secret.hex(), DEVICE_ENV: device_secret.hex()})
