"""Fixtures of the object-model tests: where the OMNA registry files and our objects/ live."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]
REGISTRY = REPO.parent / "shared" / "objects-ddf"


@pytest.fixture(scope="session")
def registry_dir() -> Path:
    """The OMNA registry DDF files (test data); skips the test when they are absent."""
    if not REGISTRY.is_dir():
        pytest.skip(f"OMNA registry DDF files not found at {REGISTRY} (shared test data)")
    return REGISTRY


@pytest.fixture(scope="session")
def registry_catalog(registry_dir: Path):
    """A catalog of every object definition in the registry folder."""
    from meterproof.lwm2m.model import Catalog

    return Catalog().load_dir(registry_dir)
