"""Allure run metadata: ``environment.properties`` and ``categories.json``.

The categories sort failed cases into "device non-conformance" and everything
broken into "harness or set-up problem", so an auditor never has to guess whom
a red result blames.  The category rules are data in ``reports/categories.json``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .._resources import reports_dir

CATEGORIES = reports_dir() / "categories.json"


def _escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("\n", " ").replace("=", "\\=").replace(":", "\\:")


def write_environment(outdir: Path, env: dict[str, str]) -> Path:
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / "environment.properties"
    path.write_text("".join(f"{_escape(k)}={_escape(str(v))}\n" for k, v in sorted(env.items())), encoding="utf-8")
    return path


def write_categories(outdir: Path) -> Path:
    outdir.mkdir(parents=True, exist_ok=True)
    dest = outdir / "categories.json"
    shutil.copyfile(CATEGORIES, dest)
    return dest


def load_categories() -> list[dict[str, object]]:
    return json.loads(CATEGORIES.read_text(encoding="utf-8"))
