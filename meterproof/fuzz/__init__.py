"""Fuzzing: hypothesis strategies, mutators, the liveness oracle and reproducers."""
