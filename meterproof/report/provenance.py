"""Where a run's results came from: meterproof's version and git commit, when, with which command line.

A report an auditor keeps must say which meterproof judged the device: the package version, and for a
checkout the commit (with ``-dirty`` when the work tree had changes).  The command line is written through
the run's redactor (a ``--dut`` command may carry a key).
"""

from __future__ import annotations

import datetime as _dt
import platform
import shlex
import subprocess
from pathlib import Path
from typing import Sequence

from .. import __version__
from .redact import Redactor

_ROOT = Path(__file__).resolve().parents[2]


def git_commit(root: Path = _ROOT) -> str:
    """The commit of the checkout meterproof runs from ("" for an installed wheel or without git)."""
    if not (root / ".git").exists():
        return ""
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=5)
        if head.returncode != 0:
            return ""
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5)
        return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return ""


def run_facts(args: Sequence[str], started: float, redactor: Redactor, *, program: str = "pytest"
              ) -> dict[str, str]:
    """The run's provenance: version, commit, start date (UTC, ISO 8601), the command line (redacted)."""
    return {
        "meterproof_version": __version__,
        "git_commit": git_commit(),
        "date": _dt.datetime.fromtimestamp(started, _dt.timezone.utc).isoformat(timespec="seconds"),
        "command_line": redactor.text(shlex.join([program, *map(str, args)])),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }
