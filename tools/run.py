"""``meterproof run [pytest options]``: run the conformance suites, as ``pytest suites`` does in a checkout.

Every argument goes to pytest unchanged (``-n 2``, ``--alluredir DIR``, ``--dut-profile P``, ``--case ID``,
``-k EXPR`` ...); ``meterproof run --help`` is pytest's help, meterproof's options included.  The suites
are the installed ones (``meterproof/suites`` in the wheel, ``suites/`` in a checkout).

The rootdir is the folder holding ``suites/``, so node ids read ``suites/oma/test_registration.py::...``
as in a checkout.  From a checkout the repository's ``pyproject.toml`` and ``conftest.py`` apply exactly
as for ``pytest suites``; from a wheel, ``run.ini`` beside this module is the configuration (passed with
``-c``: no ini file of the user's folders applies) and the plugin comes from the ``pytest11`` entry point.
pytest's cache goes to the current folder (``.pytest_cache``), never into site-packages.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Sequence

from meterproof._resources import suites_dir

RUN_INI = Path(__file__).resolve().parent / "run.ini"


def is_checkout(root: Path) -> bool:
    """``root`` (the folder holding ``suites/``) is a repository checkout, not an installed package."""
    return (root / "conftest.py").is_file() and (root / "pyproject.toml").is_file()


def pytest_args(user_args: Sequence[str], cwd: str | os.PathLike[str] | None = None) -> list[str]:
    """The pytest command line of ``meterproof run <user_args>`` (suites path, rootdir, configuration)."""
    suites = suites_dir()
    root = suites.parent
    args: list[str] = [str(suites), "--rootdir", str(root)]
    if not is_checkout(root):
        args += ["-c", str(RUN_INI), "--confcutdir", str(root)]
        if not any("cache_dir=" in a or a == "no:cacheprovider" for a in user_args):
            args += ["-o", f"cache_dir={Path(cwd or os.getcwd()).resolve() / '.pytest_cache'}"]
    return args + list(user_args)


def main(user_args: Sequence[str]) -> int:
    """pytest in this process's place (exec): signals (Ctrl-C, SIGTERM) reach pytest itself, and pytest imports
    meterproof first, so its assertion rewriting of the plugin works.  ``-P``: the current folder is not put
    on sys.path (a user's folder named ``fixtures`` must not shadow anything)."""
    import subprocess
    argv = [sys.executable, "-P", "-m", "pytest", *pytest_args(user_args)]
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execv(sys.executable, argv)
    return subprocess.call(argv)        # pragma: no cover - not POSIX
