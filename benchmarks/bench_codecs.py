"""Decode throughput of the TLV and SenML CBOR codecs on a realistic smart-meter read.

The tree is what a server reads from an electricity meter: Device /3/0 (the TS Core example
values), Server /1/0 and a Single-phase electrical meter /3421/0 (object 3421 v2.0, every
readable resource).  Types come from the project's catalog (``objects/``).  We encode each
object once, then decode it N times and compare SenML CBOR decoding with ``cbor2.loads`` of
the very same bytes -- the floor set by the C CBOR parser alone.

Run: ``python benchmarks/bench_codecs.py [N]``

:func:`server_read_rows` is the row of ``python -m benchmarks``: a real SenML CBOR Read of /3/0 from
the simulator, decoded through :meth:`Lwm2mServer.decode_payload` with the model the suites' server
uses for that registration, against ``cbor2.loads`` of the same bytes, in interleaved rounds.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Callable

import cbor2

from meterproof.lwm2m.formats import senml_cbor, tlv
from meterproof.lwm2m.formats._common import MemoResolver
from meterproof.lwm2m.model.catalog import default_catalog
from meterproof.lwm2m.model.types import DataType
from meterproof.lwm2m.path import P, Path
from meterproof.lwm2m.values import ObjLnk, ValueTree, tree

from .rounds import Row, interleave, per_unit


def meter_tree(model: object) -> dict[Path, ValueTree]:
    device = tree({
        "/3/0/0": "Open Mobile Alliance", "/3/0/1": "Lightweight M2M Client", "/3/0/2": "345000123",
        "/3/0/3": "1.0", "/3/0/6/0": 1, "/3/0/6/1": 5, "/3/0/7/0": 3800, "/3/0/7/1": 5000,
        "/3/0/8/0": 125, "/3/0/8/1": 900, "/3/0/9": 100, "/3/0/10": 15, "/3/0/11/0": 0,
        "/3/0/13": 1367491215, "/3/0/14": "+02:00", "/3/0/16": "U",
    })
    server = tree({
        "/1/0/0": 101, "/1/0/1": 86400, "/1/0/2": 300, "/1/0/3": 6000, "/1/0/5": 86400, "/1/0/6": True,
        "/1/0/7": "UQ", "/1/0/10": ObjLnk(11, 0), "/1/0/11": 0, "/1/0/12": 1700000000, "/1/0/13": 1,
        "/1/0/14": 30, "/1/0/15": False,
    })
    meter: ValueTree = {}
    obj = model.object_def(3421)  # type: ignore[attr-defined]
    for i, r in enumerate(sorted(obj.resources.values(), key=lambda r: r.id)):
        if not r.operations.readable or r.type is DataType.NONE:
            continue
        p = Path((3421, 0, r.id))
        meter[p] = {DataType.FLOAT: 230.1 + i * 1.37, DataType.BOOLEAN: i % 2 == 0,
                    DataType.TIME: 1700000000 + i, DataType.INTEGER: i}[r.type]
    return {P("/3"): {k: v for k, v in device.items()}, P("/1"): server, P("/3421"): meter}


def rate(fn: Callable[[], object], n: int) -> float:
    fn()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - t0)


def server_read_payload() -> tuple[Any, Any, Any]:
    """(server, message, registration): a SenML CBOR Read of /3/0 answered by the simulator, as the
    suites' server holds it (``model`` resolved per registration as the plugin does)."""
    from meterproof.lwm2m.contentformat import CF
    from meterproof.lwm2m.model.versions import pins as object_pins
    from meterproof.fuzz.targets import SimTarget

    catalog = default_catalog()

    def model_for(reg: Any) -> Any:    # the server fixture of fixtures/session.py
        if reg is None:
            return catalog
        return catalog.for_versions(object_pins(reg.objects.objects, reg.lwm2m_version, extra=(0, 1, 2, 3)))

    with SimTarget(endpoint="bench-codec") as tgt:
        res = tgt.server.read(tgt.endpoint, "/3/0", accept=CF.SENML_CBOR)
        assert res.ok and res.content_format == CF.SENML_CBOR and res.values, res
        server = tgt.server.aio
        server._model = model_for         # what the suites' server fixture passes
        reg = server.registrations[tgt.endpoint]
        msg = res.response
    return server, msg, reg


def server_read_rows(rounds: int, n: int) -> list[Row]:
    server, msg, reg = server_read_payload()
    base = P("/3/0")
    values, err = server.decode_payload(msg, base, reg)
    assert err is None and values, err
    payload = bytes(msg.payload)
    decode = per_unit(lambda: server.decode_payload(msg, base, reg), n)
    raw = per_unit(lambda: cbor2.loads(payload), n)
    return [interleave(f"SenML CBOR decode, Read /3/0 ({len(values)} values, {len(payload)} B), "
                       "Lwm2mServer.decode_payload", decode, "cbor2.loads, same bytes", raw, rounds,
                       unit="us per payload", scale=lambda s: s * 1e6)]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    catalog = default_catalog()
    model = MemoResolver(catalog)  # what a server holds per registration (see MemoResolver)
    objects = meter_tree(catalog)
    tlv_payloads = [(base, tlv.encode(t, base, model)) for base, t in objects.items()]
    cbor_payloads = [(base, senml_cbor.encode(t, base, model)) for base, t in objects.items()]
    for (base, pt), (_, pc) in zip(tlv_payloads, cbor_payloads):
        assert tlv.decode(pt, base, model) == objects[base]
        assert senml_cbor.decode(pc, base, model) == objects[base]
    values = sum(len(t) for t in objects.values())
    tlv_bytes = sum(len(p) for _, p in tlv_payloads)
    cbor_bytes = sum(len(p) for _, p in cbor_payloads)

    def dec_tlv() -> None:
        for base, p in tlv_payloads:
            tlv.decode(p, base, model)

    def dec_senml() -> None:
        for base, p in cbor_payloads:
            senml_cbor.decode(p, base, model)

    def raw_cbor2() -> None:
        for _, p in cbor_payloads:
            cbor2.loads(p)

    r_tlv, r_senml, r_raw = rate(dec_tlv, n), rate(dec_senml, n), rate(raw_cbor2, n)
    print(f"tree: Device /3/0 + Server /1/0 + meter /3421/0 = {values} values; "
          f"TLV {tlv_bytes} B, SenML CBOR {cbor_bytes} B; N = {n}")
    for name, r, nbytes in (("TLV decode (typed)", r_tlv, tlv_bytes),
                            ("SenML CBOR decode (typed)", r_senml, cbor_bytes),
                            ("cbor2.loads same bytes", r_raw, cbor_bytes)):
        print(f"  {name:28s} {r:9.0f} trees/s  {r * values / 1e6:6.2f} M values/s  {r * nbytes / 1e6:6.1f} MB/s")
    print(f"  SenML CBOR decode / cbor2.loads time ratio: {r_raw / r_senml:.2f}x (aim <= 3x)")
    print(f"  TLV decode / cbor2.loads(SenML CBOR) time ratio: {r_raw / r_tlv:.2f}x")


if __name__ == "__main__":
    main()
