"""Wires meterproof's pytest plugin into runs from this checkout.

The installed ``pytest11`` entry point registers the same module under the same name
(``meterproof.fixtures.plugin``), so a checkout with ``pip install -e .`` loads it once, not twice.
"""

pytest_plugins = ["meterproof.fixtures.plugin"]
