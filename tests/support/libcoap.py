"""Running one of Debian's libcoap command-line clients (package libcoap3-bin) against a harness listener."""

from __future__ import annotations

import asyncio


async def run_client(*args: str, timeout: float = 15) -> tuple[int, str]:
    """Run ``args`` (the client program first), return its exit status and its output; killed after ``timeout``."""
    proc = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    finally:
        if proc.returncode is None:
            proc.kill()
    return proc.returncode or 0, out.decode(errors="replace")
