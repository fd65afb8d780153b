"""Helpers for the simulator's multi-server tests: a meter bootstrapped with two LwM2M Server accounts (SSIDs
:data:`OWNER` and :data:`OTHER`, both NoSec, each toward its own harness server) and an Access Control instance
for /3/0 owned by OWNER that grants OTHER Read only."""

from __future__ import annotations

from typing import Any

from meterproof.lwm2m.bootstrap import BootstrapPlan, ServerAccount
from secrig import bs_server, meter, udp_server

OWNER, OTHER = 31, 32


def plan(uris: tuple[str, str]) -> BootstrapPlan:
    """Accounts OWNER (/0/0, /1/0) and OTHER (/0/2, /1/1); /3/0 owned by OWNER with Read only for OTHER."""
    accounts = [ServerAccount(uris[0], ssid=OWNER, mode=3, security_instance=0, server_instance=0),
                ServerAccount(uris[1], ssid=OTHER, mode=3, security_instance=2, server_instance=1)]
    acl = {"/2/0/0": 3, "/2/0/1": 0, "/2/0/2/32": 1, "/2/0/3": OWNER}
    return BootstrapPlan(accounts, delete_first=("/2",), extra_writes=[("/2/0", acl)])


def two(rig: Any, ep: str, defects: tuple[str, ...] = (), second_registers: bool = True) -> Any:
    """Start a C.13 meter ``ep`` (with ``defects``) that the plan bootstraps; once it registered with the first
    server (and, unless ``second_registers`` is False, the second): (meter, Bootstrap-Server, server 1, server 2,
    the event mark of server 2 before the start)."""
    async def go() -> tuple[Any, ...]:
        bs, s1, s2 = await bs_server(), await udp_server(), await udp_server()
        bs.plan(ep, plan((s1.uri, s2.uri)))
        marks = s1.events.mark(), s2.events.mark()
        m = meter(s1.uri, ep, server=None, bootstrap_uri=bs.uri, defects=defects)
        await m.start()
        await s1.events.wait("registered", ep, since=marks[0], timeout=4)
        if second_registers:
            await s2.events.wait("registered", ep, since=marks[1], timeout=4)
        return m, bs, s1, s2, marks[1]
    return rig.run(go())
