"""meterproof: conformance and security test engine for LwM2M smart meters.

The package is the engine shared by the test harness (LwM2M Server and
Bootstrap-Server roles) and the reference simulated meter (LwM2M Client role).
It never imports pytest; the pytest plugin lives in the top-level ``fixtures``
package and the conformance suites in ``suites``.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
