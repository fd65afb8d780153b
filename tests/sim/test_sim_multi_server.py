"""The simulated meter with two LwM2M Server accounts (from a bootstrap): a Register to each, Write-Attributes
kept per server, Access Control (/2) enforced between them (TS Core 1.1 §6.2, §5.1.2, §7.3), and the seeded
defects acl-not-enforced, attributes-shared-between-servers, registers-first-server-only."""

from __future__ import annotations

from typing import Any

import pytest

from meterproof.errors import TimeoutError_
from meterproof.lwm2m.formats import link
from multirig import two as _two
from secrig import stop

def test_registers_with_both_and_enforces_acl(rig: Any) -> None:
    m, bs, s1, s2, _ = _two(rig, "ms1")

    async def go() -> dict[str, Any]:
        try:
            return {"s2 read": (await s2.read("ms1", "/3/0")).code_text,
                    "s2 write": (await s2.write("ms1", "/3/0/14", "+02:00", content_format=0)).code_text,
                    "s2 read /5/0": (await s2.read("ms1", "/5/0")).code_text,
                    "s2 write acl": (await s2.write("ms1", "/2/0/2", {"/2/0/2/32": 31})).code_text,
                    "s1 write": (await s1.write("ms1", "/3/0/14", "+02:00", content_format=0)).code_text,
                    "s2 read /3": sorted({str(p)[:4] for p in (await s2.read("ms1", "/3")).values}),
                    "s2 read /5": sorted({str(p)[:4] for p in (await s2.read("ms1", "/5")).values})}
        finally:
            await stop(m, bs, s1, s2)
    assert rig.run(go()) == {"s2 read": "2.05", "s2 write": "4.01", "s2 read /5/0": "4.01",
                             "s2 write acl": "4.01", "s1 write": "2.04",
                             "s2 read /3": ["/3/0"], "s2 read /5": []}


@pytest.mark.parametrize("defect, shared", [((), False), (("attributes-shared-between-servers",), True)])
def test_attributes_per_server(rig: Any, defect: tuple[str, ...], shared: bool) -> None:
    ep = f"ms2-{bool(defect)}"
    m, bs, s1, s2, _ = _two(rig, ep, defect)

    async def go() -> tuple[dict[str, Any], dict[str, Any]]:
        try:
            assert (await s1.write_attributes(ep, "/3/0", pmin=2, pmax=10)).code_text == "2.04"
            assert (await s2.write_attributes(ep, "/3/0", pmin=15, pmax=50)).code_text == "2.04"
            seen = []
            for s in (s1, s2):
                links = {lk.target: lk.params for lk in link.parse((await s.discover(ep, "/3/0")).payload)}
                seen.append(links["/3/0"])
            return seen[0], seen[1]
        finally:
            await stop(m, bs, s1, s2)
    first, second = rig.run(go())
    assert second == {"pmin": "15", "pmax": "50"}
    assert first == ({"pmin": "15", "pmax": "50"} if shared else {"pmin": "2", "pmax": "10"})


def test_acl_not_enforced_defect(rig: Any) -> None:
    m, bs, s1, s2, _ = _two(rig, "ms3", ("acl-not-enforced",))

    async def go() -> str:
        try:
            return (await s2.write("ms3", "/3/0/14", "+02:00", content_format=0)).code_text
        finally:
            await stop(m, bs, s1, s2)
    assert rig.run(go()) == "2.04"


def test_registers_first_server_only_defect(rig: Any) -> None:
    m, bs, s1, s2, mark = _two(rig, "ms4", ("registers-first-server-only",), second_registers=False)

    async def go() -> None:
        try:
            with pytest.raises((TimeoutError_, TimeoutError)):
                await s2.events.wait("registered", "ms4", since=mark, timeout=1.0)
        finally:
            await stop(m, bs, s1, s2)
    rig.run(go())
