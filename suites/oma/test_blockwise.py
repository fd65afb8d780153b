"""Block-wise transfer (RFC 7959) on the Device Management interface: meterproof's own cases.

The OMA ETS has no block-wise case of its own (it uses Block1 only inside the firmware push of int-770), so these
are meterproof's MP-BLOCK cases.  LwM2M carries every operation over CoAP (OMA TS Transport 1.1 §5 / TS 1.0 §8),
and a payload larger than a block travels block-wise (RFC 7959); these cases ask for the smallest block size
(16 bytes, SZX 0) so that ordinary objects span several blocks on any device.

A device that does not implement block-wise transfer answers a request carrying the critical Block1/Block2
option 4.02 Bad Option (RFC 7252 §5.4.1): the case is then not applicable, with that reason.
"""

from __future__ import annotations

from typing import Any

from meterproof.coap.blockwise import block_size
from meterproof.fixtures import CF, P, codes, expect, mp

SZX = 0                    # 16-byte blocks, RFC 7959 §2.2
LIFETIME, STORING, BINDING = 1, 6, 7
BLOCK = dict(epic="Transport", feature="Block-wise transfer")


def _not_block_capable(r: Any, option: str) -> None:
    if r.code == codes.BAD_OPTION and len(r.exchanges) == 1:
        expect.not_applicable(f"the device answers a request carrying {option} 4.02 Bad Option: it does not implement "
                              "block-wise transfer (RFC 7252 §5.4.1)")


def _verbose_format(dut: Any) -> int:
    """The device's most verbose multi-value format, so that a small write still spans several 16-byte blocks."""
    for cf in (CF.SENML_JSON, CF.OMA_JSON, CF.SENML_CBOR, CF.TLV):
        if dut.serves(cf):
            return cf
    return dut.instance_format()


@mp("MP-BLOCK-READ", "A Read larger than the block size asked for comes in Block2 blocks", **BLOCK,
    clause="RFC 7959 §2.2 (every block but the last has the size SZX says, M set) and §2.4 (Block2: the block "
           "asked for, early negotiation of the size); OMA TS Transport 1.1 §5")
def test_block2_read(server, dut, transcript):
    """GET /3/0 asking for 16-byte Block2 blocks from the first request (early negotiation, RFC 7959 §2.4), then
    each next block.  Pass: 2.05 for each; the blocks come in sequence, every block but the last exactly as large
    as its SZX says with M set (RFC 7959 §2.2; a violation fails the transfer itself), the reassembled
    representation decodes to /3/0 with its mandatory resources.  A block larger than the 16 bytes asked for is a
    warning (the device may choose; it SHOULD follow the size the client asks)."""
    r = server.read(dut.endpoint, "/3/0", accept=dut.instance_format(), block_szx=SZX)
    _not_block_capable(r, "Block2")
    expect.code(r, codes.CONTENT)
    blocks = [resp for _, resp in r.exchanges if resp.opt.block2 is not None]
    expect.true(bool(blocks), "Block2 option in the answers", f"present: /3/0 is larger than {block_size(SZX)} bytes",
                f"absent ({len(r.payload)} bytes in one answer)",
                clause="RFC 7959 §2.4: a representation larger than the block size asked for is served in blocks")
    nums = [b.opt.block2.block_number * block_size(b.opt.block2.size_exponent) for b in blocks]
    expect.true(nums == sorted(nums) and len(set(nums)) == len(nums), "offsets of the Block2 blocks",
                "increasing, each once", nums)
    for b in blocks:
        expect.should(b.opt.block2.size_exponent <= SZX, f"block size of Block2 block {b.opt.block2.block_number}",
                      f"{block_size(SZX)} bytes or less (as asked)", f"{block_size(b.opt.block2.size_exponent)} bytes",
                      clause="RFC 7959 §2.4 (early negotiation: the size the client asks for)")
    values = expect.decodes(r)
    expect.has_mandatory_resources(values, dut, unknown=False,
                                   clause="RFC 7959 §2.4: the blocks make up the whole representation of /3/0")


@mp("MP-BLOCK-WRITE", "A Write larger than the block size is taken in Block1 blocks", **BLOCK,
    clause="RFC 7959 §2.3 and §2.5 (Block1: each block acknowledged with its number, 2.31 Continue while more "
           "follow, the final answer after the last block); OMA TS Transport 1.1 §5")
def test_block1_write(server, dut, timing, transcript):
    """POST /1/x (partial update) with Lifetime + 1, Notification Storing and Binding as the device holds them, in
    its most verbose multi-value format, sent in 16-byte Block1 blocks.  Pass: every block but the last answered
    2.31 Continue (or a 2.xx success, for a device that processes each block as it comes) carrying Block1 with that
    block's number; the last answered 2.04; GET /1/x/1 then shows the new lifetime.  The device's lifetime is put
    back after the case on a device that outlives it."""
    inst, cf = dut.server_path(), _verbose_format(dut)
    lt = dut.server_path(LIFETIME)
    with expect.supporting(f"read {inst} for reference", "int-223 (Read on Object Instance)"):
        r = server.read(dut.endpoint, inst)
        expect.code(r, codes.CONTENT)
        saved = expect.decodes(r)
        expect.true(isinstance(saved.get(P(lt)), int), f"{lt} (mandatory Lifetime, Integer) in the read", "an integer",
                    saved.get(P(lt)))
    new = {k: saved[P(k)] for k in (dut.server_path(STORING), dut.server_path(BINDING)) if P(k) in saved}
    new[lt] = saved[P(lt)] + 1
    payload = server.encode_values(dut.endpoint, cf, new, P(inst))
    if len(payload) <= block_size(SZX):
        expect.not_applicable(f"the write body is {len(payload)} bytes in {cf}: no block-wise transfer at "
                              f"{block_size(SZX)}-byte blocks")
    dut.restore_later(lt, saved[P(lt)], dut.value_format())
    w = server.write(dut.endpoint, inst, payload=payload, content_format=cf, partial=True, block_szx=SZX)
    _not_block_capable(w, "Block1")
    for i, (req, resp) in enumerate(w.exchanges[:-1]):
        b1 = resp.opt.block1
        expect.true(resp.code == codes.CONTINUE or resp.code.is_successful(), f"answer to Block1 block {i}",
                    "2.31 Continue (or a success for a device that takes each block as it comes)", resp.code.dotted,
                    clause="RFC 7959 §2.3 and §2.5")
        expect.true(b1 is not None and b1.block_number == req.opt.block1.block_number, f"Block1 option of the answer "
                    f"to block {req.opt.block1.block_number}", "the number of the block acknowledged", b1,
                    clause="RFC 7959 §2.3: a response to a Block1 request carries Block1 with the block's number")
    expect.code(w, codes.CHANGED)
    with expect.supporting(f"read {lt} back", "int-224 (Read on Resource)"):
        r = server.read(dut.endpoint, lt)
        expect.code(r, codes.CONTENT)
        after = expect.decodes(r)
    expect.value(after, lt, new[lt], clause="RFC 7959 §2.5: the body assembled from the blocks is what the request "
                 "carries; OMA TS Core 1.1 §5.4.3 Write")
