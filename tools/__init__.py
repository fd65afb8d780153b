"""Command-line entry points over the meterproof engine."""
