"""DTLS 1.2 for both roles: python-mbedtls used sans-IO under the engine's transport interface, and the
system GnuTLS (ctypes) behind the same interface for Raw Public Keys.

* :mod:`.transport` -- :class:`DtlsServerTransport` (harness) and :class:`DtlsClientTransport` (simulator);
* :mod:`.config` -- PSK / certificate credentials, cipher policy, MTU and timers (:class:`DtlsSettings`);
* :mod:`.diagnostics` -- :class:`HandshakeReport`, one actionable line per handshake;
* :mod:`.records` -- ClientHello / ServerHello / alert parsing beside Mbed TLS;
* :mod:`.suites` -- cipher-suite registry with the LwM2M allow and deny lists;
* :mod:`.pki` -- throwaway test certificates made with python-mbedtls;
* :mod:`.gnutls_rpk` -- Raw Public Key mode (RFC 7250): ``DtlsSettings(rpk=RawPublicKeys(...))`` makes either
  transport run its sessions on GnuTLS (docs/DTLS.md).
"""

from . import gnutls_rpk
from .config import Certificates, DtlsSettings, Psk, PskStore, RawPublicKeys
from .diagnostics import HandshakeReport
from .transport import DtlsClientTransport, DtlsHandshakeError, DtlsServerTransport, DtlsSession

#: Whether Raw Public Key mode can run here (the system GnuTLS with RFC 7250 support was found); when not, RPK
#: cases report "not applicable" with this reason (docs/DTLS.md).
RPK_SUPPORTED = gnutls_rpk.available() is None
RPK_NOT_APPLICABLE = f"not applicable: harness has no RPK support ({gnutls_rpk.available()})"

__all__ = ["Certificates", "DtlsClientTransport", "DtlsHandshakeError", "DtlsServerTransport", "DtlsSession",
           "DtlsSettings", "HandshakeReport", "Psk", "PskStore", "RawPublicKeys", "RPK_NOT_APPLICABLE", "RPK_SUPPORTED"]
