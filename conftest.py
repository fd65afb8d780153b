"""Wires meterproof's pytest plugin into runs from this checkout (installed runs get it via pytest11)."""

pytest_plugins = ["fixtures.plugin"]
