"""DTLS 1.2 for both roles: python-mbedtls used sans-IO under the engine's transport interface.

* :mod:`.transport` -- :class:`DtlsServerTransport` (harness) and :class:`DtlsClientTransport` (simulator);
* :mod:`.config` -- PSK / certificate credentials, cipher policy, MTU and timers (:class:`DtlsSettings`);
* :mod:`.diagnostics` -- :class:`HandshakeReport`, one actionable line per handshake;
* :mod:`.records` -- ClientHello / ServerHello / alert parsing beside Mbed TLS;
* :mod:`.suites` -- cipher-suite registry with the LwM2M allow and deny lists;
* :mod:`.pki` -- throwaway test certificates made with python-mbedtls.

Raw Public Key mode (RFC 7250) is not available: see docs/DTLS.md.
"""

from .config import Certificates, DtlsSettings, Psk, PskStore
from .diagnostics import HandshakeReport
from .transport import DtlsClientTransport, DtlsHandshakeError, DtlsServerTransport, DtlsSession

#: Why RPK cases cannot run (docs/DTLS.md); suites report them "not applicable" with this reason.
RPK_SUPPORTED = False
RPK_NOT_APPLICABLE = "not applicable: harness has no RPK support"

__all__ = ["Certificates", "DtlsClientTransport", "DtlsHandshakeError", "DtlsServerTransport", "DtlsSession",
           "DtlsSettings", "HandshakeReport", "Psk", "PskStore", "RPK_NOT_APPLICABLE", "RPK_SUPPORTED"]
