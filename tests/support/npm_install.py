"""Installs pinned npm packages the project's tests run into a cache folder outside the checkout, once per lock
file: the LwM2M client libraries of the interop tests (tests/interop/npm/) and Allure's command-line tool of
the browser check (tests/report/npm/).

A folder holding ``package.json`` and ``package-lock.json`` is installed with ``npm ci`` into
``$XDG_CACHE_HOME/meterproof/npm/<sha of package.json + package-lock.json>`` (default ``~/.cache``), only when
that folder has no complete installation yet; a lock file serialises concurrent installers (xdist workers, two
checkouts) and the folder appears complete or not at all. Nothing fetched ever lands in the repository; the
interop wrappers in tests/interop/npm/ find the packages through NODE_PATH.

By hand: ``python tests/support/npm_install.py`` installs the interop clients and prints the NODE_PATH to
export before ``pytest suites --dut-profile tests/interop/profiles/coap-node.yaml``.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

#: The interop tests' LwM2M clients (the default folder of the functions below).
INTEROP_CLIENTS = Path(__file__).resolve().parents[1] / "interop" / "npm"
FILES = ("package.json", "package-lock.json")
MARKER = ".meterproof-complete"


class NodeMissing(RuntimeError):
    """node or npm is not on PATH: the npm interop tests cannot run here."""


def lock_digest(folder: Path = INTEROP_CLIENTS) -> str:
    h = hashlib.sha256()
    for name in FILES:
        h.update(name.encode() + b"\0" + (folder / name).read_bytes() + b"\0")
    return h.hexdigest()[:16]


def cache_dir(folder: Path = INTEROP_CLIENTS) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "meterproof" / "npm" / lock_digest(folder)


def tools() -> tuple[str, str]:
    """The node and npm executables, or NodeMissing naming what is absent."""
    node, npm = shutil.which("node"), shutil.which("npm")
    missing = [n for n, p in (("node", node), ("npm", npm)) if p is None]
    if missing:
        raise NodeMissing(f"{' and '.join(missing)} not on PATH (install Node.js 18+ with npm, e.g. Debian's "
                          f"nodejs and npm packages)")
    assert node is not None and npm is not None
    return node, npm


def ensure_installed(folder: Path = INTEROP_CLIENTS, timeout: float = 600) -> Path:
    """The node_modules folder of the packages pinned in ``folder``, installed with ``npm ci`` if it is not there
    yet."""
    _, npm = tools()
    target = cache_dir(folder)
    modules = target / "node_modules"
    if (target / MARKER).is_file():
        return modules
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f"{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)          # another installer may be at work: wait for it
        if (target / MARKER).is_file():
            return modules
        work = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=target.parent))
        try:
            for name in FILES:
                shutil.copy2(folder / name, work / name)
            proc = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                                  cwd=work, capture_output=True, text=True, timeout=timeout)
            if proc.returncode != 0:
                raise RuntimeError(f"npm ci in {work} failed (exit {proc.returncode}):\n"
                                   f"{(proc.stdout + proc.stderr)[-3000:]}")
            (work / MARKER).write_text(f"npm ci of {folder}/package-lock.json\n", encoding="utf-8")
            shutil.rmtree(target, ignore_errors=True)     # a half-made folder from an interrupted run
            work.rename(target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return modules


if __name__ == "__main__":
    print(f"export NODE_PATH={ensure_installed()}")
