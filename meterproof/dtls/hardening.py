"""The (D)TLS hardening extensions of a client's ClientHellos (REG-TLS-14), judged as pure data.

* extended_master_secret (extension 23, RFC 7627): the session hash binds the master secret to the whole handshake
  (the triple-handshake attack, RFC 7627 §1); a client implementing it MUST send it in all handshakes (§5.2);
* encrypt_then_mac (extension 22, RFC 7366): with a CBC suite the MAC covers the ciphertext, which removes the
  padding-oracle attacks RFC 7457 §2.2 lists; AEAD suites (CCM, GCM, ChaCha20-Poly1305) do not need it.

Neither RFC obliges a client to implement them, so their absence is advisory; an inconsistent offer of
extended_master_secret is a failure.  The ClientHellos come from :mod:`.records` (``parse_client_hello``).
"""

from __future__ import annotations

from . import suites
from .records import ClientHello


#: extended_master_secret (RFC 7627) and encrypt_then_mac (RFC 7366), as ClientHello extension numbers.
EMS, ETM = 23, 22


def judge(hellos: list[ClientHello]) -> tuple[list[str], list[str], set[str]]:
    """(failures, advisories, what was missing) for the hardening extensions of a device's ClientHellos.

    extended_master_secret: offered in none is advisory; offered in some but not all is a failure (RFC 7627 §5.2:
    a client implementing it MUST send it in all handshakes).  encrypt_then_mac: a ClientHello that offers a CBC
    suite without it is advisory (RFC 7366 §2; RFC 7457 §2.2 on the attacks it prevents)."""
    fails, advisories, missing = [], [], set()
    with_ems = [h for h in hellos if EMS in h.extensions]
    if not with_ems:
        missing.add("extended_master_secret")
        advisories.append("no ClientHello offers extended_master_secret (RFC 7627: the session hash binds the "
                          "master secret to the handshake)")
    elif len(with_ems) < len(hellos):
        missing.add("extended_master_secret")
        fails.append(f"extended_master_secret in {len(with_ems)} of {len(hellos)} ClientHellos: a client implementing "
                     f"it MUST send it in all handshakes (RFC 7627 §5.2)")
    for h in hellos:
        cbc = [suites.name(c) for c in h.suites if "CBC" in suites.name(c)]
        if cbc and ETM not in h.extensions:
            missing.add("encrypt_then_mac")
            advisories.append(f"CBC suite(s) {', '.join(cbc)} offered without encrypt_then_mac (RFC 7366: MAC over "
                              f"the ciphertext; RFC 7457 §2.2 padding-oracle attacks)")
    return fails, list(dict.fromkeys(advisories)), missing


__all__ = ["EMS", "ETM", "judge"]
