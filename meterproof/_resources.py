"""Where the data a run reads from disk lives: one lookup for a checkout and for an installed wheel.

The repository keeps its rooms at the top (``objects/``, ``reports/``, ``fixtures/``, ``suites/``,
``tools/``); the wheel carries them inside the ``meterproof`` package (``meterproof/objects/``,
``meterproof/fixtures/profiles/`` ...), mapped there by ``setup.py``'s ``package_dir``.  Every lookup
of such a folder goes through :func:`resource_dir`, so no module guesses how many ``parents[...]``
away the repository root is.
"""

from __future__ import annotations

from pathlib import Path

from .errors import ConfigError

__all__ = ["resource_dir", "objects_dir", "profiles_dir", "examples_dir", "suites_dir", "reports_dir",
           "modem_families_dir"]

_PACKAGE = Path(__file__).resolve().parent

#: the folders a run reads, by their path in the repository (the wheel puts each under meterproof/)
ROOMS = ("objects", "reports", "fixtures", "suites", "tools")


def resource_dir(room: str) -> Path:
    """The folder ``room`` (``objects``, ``reports``, ``fixtures``, ``suites``, ``tools``, optionally
    with a sub-path such as ``fixtures/profiles``): inside the installed package, else in the checkout."""
    for base in (_PACKAGE, _PACKAGE.parent):      # installed wheel, then repository checkout
        candidate = base / room
        if candidate.is_dir():
            return candidate
    raise ConfigError(f"meterproof's data folder '{room}' is missing from this installation ({_PACKAGE}); "
                      f"reinstall meterproof (pip install --force-reinstall meterproof)")


def objects_dir() -> Path:
    """meterproof's own object definitions (DDF XML)."""
    return resource_dir("objects")


def profiles_dir() -> Path:
    """The built-in simulator's device profiles (``variants/`` and ``examples/`` below it)."""
    return resource_dir("fixtures/profiles")


def examples_dir() -> Path:
    """Example profiles for other devices (an external client, an AT modem, a manual meter)."""
    return resource_dir("fixtures/profiles/examples")


def suites_dir() -> Path:
    """The conformance suites (what ``meterproof run`` hands to pytest)."""
    return resource_dir("suites")


def reports_dir() -> Path:
    """Report configuration (Allure categories ...); never run output."""
    return resource_dir("reports")


def modem_families_dir() -> Path:
    """AT-command dialects of the modem families the modem driver knows."""
    return _PACKAGE / "dut" / "modem_families"
