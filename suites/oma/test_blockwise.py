"""Block-wise transfer (RFC 7959) on the Device Management interface: meterproof's own cases.

The OMA ETS has no block-wise case of its own (it uses Block1 only inside the firmware push of int-770), so these
are meterproof's MP-BLOCK cases.  LwM2M carries every operation over CoAP (OMA TS Transport 1.1 §5 / TS 1.0 §8),
and a payload larger than a block travels block-wise (RFC 7959); these cases ask for the smallest block size
(16 bytes, SZX 0) so that ordinary objects span several blocks on any device.

A device that does not implement block-wise transfer answers a request carrying the critical Block1/Block2
option 4.02 Bad Option (RFC 7252 §5.4.1): the case is then not applicable, with that reason.

Each case is as strict as RFC 7959's keywords: the 4.08 for a final block after a gap is a MUST (for an atomic
transfer, §2.5) and fails; a 4.08 for a repeated or out-of-sequence block is a MAY and passes, as does taking the
repeat once; Size1 in a 4.13 is a SHOULD (RFC 7252 §5.9.2.9), a warning when absent; a size indication (Size2) in
answer to a size request is only "expected" (§4, quality of implementation): recorded, never judged.  A server
that asks for a smaller block size in its answer (§2.3, control usage) is followed by the harness's requester
(meterproof/coap/blockwise.py), so every case works at whatever size the device picks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from meterproof.coap import wire
from meterproof.coap.blockwise import Block, block_size
from meterproof.errors import TimeoutError_
from meterproof.fixtures import CF, P, codes, expect, mp

SZX = 0                    # 16-byte blocks, RFC 7959 §2.2
LIFETIME, STORING, BINDING = 1, 6, 7
SIZE2 = 28                 # the Size2 option number (RFC 7959 §4, elective)
SIZE1_MAX = 2 ** 32 - 1    # the largest Size1 (RFC 7252 §5.10.9: uint of 0-4 bytes), more than any meter takes
BLOCK = dict(epic="Transport", feature="Block-wise transfer")


def _not_block_capable(r: Any, option: str) -> None:
    if r.code == codes.BAD_OPTION and len(getattr(r, "exchanges", (None,))) == 1:
        expect.not_applicable(f"the device answers a request carrying {option} 4.02 Bad Option: it does not implement "
                              "block-wise transfer (RFC 7252 §5.4.1)")


@dataclass
class _LifetimeWrite:
    """A partial update of the Server Object instance serving us (Lifetime + 1, Notification Storing and Binding as
    the device holds them) in its most verbose multi-value format: the body of every Block1 case."""
    inst: str
    cf: int
    lt: str
    old: int
    new: int
    payload: bytes

    @property
    def blocks(self) -> int:
        return -(-len(self.payload) // block_size(SZX))

    def block(self, server: Any, dut: Any, num: int, *, size1: int | None = None) -> Any:
        """Send Block1 block ``num`` alone (POST, 16-byte blocks, M set unless it is the last) and return the
        answer: the cases that send blocks out of their order build each request themselves."""
        size = block_size(SZX)
        msg = wire.new(codes.POST, payload=self.payload[num * size:(num + 1) * size],
                       uri_path=dut.registration.device_path(P(self.inst)), content_format=self.cf, size1=size1)
        msg.opt.block1 = Block(num, num < self.blocks - 1, SZX)
        return server.raw_request(dut.endpoint, msg)

    def expect_written(self, server: Any, dut: Any) -> None:
        """The Lifetime reads back as the whole body wrote it."""
        expect.value(self.read_lifetime(server, dut), self.lt, self.new, clause="RFC 7959 §2.5: the body assembled "
                     "from the blocks is what the request carries; OMA TS Core 1.1 §5.4.3 Write")

    def read_lifetime(self, server: Any, dut: Any) -> Any:
        with expect.supporting(f"read {self.lt} back", "int-224 (Read on Resource)"):
            r = server.read(dut.endpoint, self.lt)
            expect.code(r, codes.CONTENT)
            return expect.decodes(r)


def _lifetime_write(server: Any, dut: Any, min_blocks: int) -> _LifetimeWrite:
    """Read the instance, build the write, arrange for the old lifetime to be put back; not applicable when the
    body spans fewer than ``min_blocks`` 16-byte blocks."""
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
    w = _LifetimeWrite(inst, cf, lt, saved[P(lt)], new[lt], payload)
    if w.blocks < min_blocks:
        expect.not_applicable(f"the write body is {len(payload)} bytes in {cf}: fewer than {min_blocks} blocks of "
                              f"{block_size(SZX)} bytes")
    dut.restore_later(lt, w.old, dut.value_format())
    return w


def _continued(resp: Any) -> bool:
    """A non-final block taken: 2.31 Continue, or a success from a device that acts on each block as it comes."""
    return resp.code == codes.CONTINUE or resp.code.is_successful()


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
    lw = _lifetime_write(server, dut, 2)
    w = server.write(dut.endpoint, lw.inst, payload=lw.payload, content_format=lw.cf, partial=True, block_szx=SZX)
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
    lw.expect_written(server, dut)


@mp("MP-BLOCK-WRITE-GAP", "The final Block1 block after a missing block is refused 4.08, and nothing is written",
    **BLOCK, clause="RFC 7959 §2.5 (atomic Block1 transfer: if not all previous blocks are available at the server "
                    "when it processes the final block, the transfer fails and 4.08 Request Entity Incomplete MUST be "
                    "returned) and §2.9.2")
def test_block1_gap(server, dut, transcript):
    """The Block1 write of MP-BLOCK-WRITE (Lifetime + 1, 16-byte blocks, at least three of them), but after block 0
    the harness sends the final block at once, leaving out the blocks between.  Pass: the final block is answered
    4.08 Request Entity Incomplete and the Lifetime is what it was.  The MUST binds an atomic transfer: a device that
    answers block 0 with another success than 2.31 Continue acts on each block as it comes, and the case is not
    applicable to it (a 4.08 on a block out of sequence before the final one is only a MAY: not judged)."""
    lw = _lifetime_write(server, dut, 3)
    first = lw.block(server, dut, 0)
    _not_block_capable(first, "Block1")
    if first.code != codes.CONTINUE:
        if first.code.is_successful():
            expect.not_applicable(f"the device answers Block1 block 0 {first.code.dotted}, not 2.31 Continue: it acts "
                                  "on each block as it comes, and the 4.08 of RFC 7959 §2.5 binds atomic transfers")
        expect.inconclusive("Block1 block 0 of the write", "MP-BLOCK-WRITE",
                            f"answered {first.code.dotted} {first.code.name_printable}")
    last = lw.blocks - 1
    final = lw.block(server, dut, last)
    expect.true(final.code == codes.REQUEST_ENTITY_INCOMPLETE, f"answer to the final Block1 block {last} sent after "
                f"block 0 alone (blocks 1 to {last - 1} never sent)", "4.08 Request Entity Incomplete",
                f"{final.code.dotted} {final.code.name_printable}",
                clause="RFC 7959 §2.5: the transfer fails and 4.08 MUST be returned")
    expect.value(lw.read_lifetime(server, dut), lw.lt, lw.old,
                 clause="RFC 7959 §2.5: the transfer fails (nothing of an incomplete body is written)")


@mp("MP-BLOCK-WRITE-REPEAT", "A Block1 block sent again is either refused 4.08 or taken once", **BLOCK,
    clause="RFC 7959 §2.5 (a server MAY return 4.08 for any Block1 request not in sequence; the body is the "
           "blocks in their order) and §2.3 (the answer to a Block1 request names the block it acknowledges)")
def test_block1_repeat(server, dut, transcript):
    """The Block1 write of MP-BLOCK-WRITE (at least three 16-byte blocks), with block 1 sent twice (a new request,
    not a message-layer retransmission) before the rest in order.  Pass: the repeat is refused 4.08 Request Entity
    Incomplete (a server MAY refuse a block out of sequence: the case ends there), or it is answered like the first
    (2.31 Continue, or a success for a device that acts on each block, with Block1 naming block 1) and the transfer
    ends 2.04 with the new Lifetime read back: the block counted once."""
    lw = _lifetime_write(server, dut, 3)
    for num in (0, 1):
        r = lw.block(server, dut, num)
        _not_block_capable(r, "Block1")
        if not _continued(r):
            expect.inconclusive(f"Block1 block {num} of the write", "MP-BLOCK-WRITE",
                                f"answered {r.code.dotted} {r.code.name_printable}")
    again = lw.block(server, dut, 1)
    if again.code == codes.REQUEST_ENTITY_INCOMPLETE:
        expect.evidence("repeated block", "refused 4.08 Request Entity Incomplete (RFC 7959 §2.5: MAY)")
        return
    expect.true(_continued(again), "answer to Block1 block 1 sent a second time",
                "2.31 Continue as to its first sending (or 4.08, which a server MAY answer)",
                f"{again.code.dotted} {again.code.name_printable}", clause="RFC 7959 §2.5")
    b1 = again.opt.block1
    expect.true(b1 is not None and b1.block_number == 1, "Block1 option of the answer to the repeated block 1",
                "block number 1", b1, clause="RFC 7959 §2.3: the answer names the block it acknowledges")
    for num in range(2, lw.blocks):
        r = lw.block(server, dut, num)
        if num < lw.blocks - 1:
            expect.true(_continued(r), f"answer to Block1 block {num} after the repeat", "2.31 Continue",
                        f"{r.code.dotted} {r.code.name_printable}", clause="RFC 7959 §2.5")
    expect.true(r.code == codes.CHANGED, f"answer to the final Block1 block {lw.blocks - 1} (block 1 was sent twice)",
                "2.04 Changed: the body is the blocks in their order, block 1 once",
                f"{r.code.dotted} {r.code.name_printable}", clause="RFC 7959 §2.5")
    lw.expect_written(server, dut)


@mp("MP-BLOCK-TOO-LARGE", "A Block1 transfer announced larger than the device takes: 4.13 tells the most it takes",
    **BLOCK, clause="RFC 7959 §4 (Size1 in a request carrying Block1: the size of the whole body) and §2.9.3 (4.13 "
                    "at any time of a Block1 transfer); RFC 7252 §5.9.2.9 (a 4.13 SHOULD carry Size1) and §5.10.9 "
                    "(Size1 in a 4.13: the maximum size the server is able and willing to handle)")
def test_block1_too_large(server, dut, transcript):
    """Block 0 of the write of MP-BLOCK-WRITE, announcing with Size1 a body of 4294967295 bytes (the largest Size1),
    then nothing more.  A device may take the announcement (2.31: the case has nothing to judge and is not applicable;
    it may still refuse later, RFC 7959 §2.9.3).  If it answers 4.13 Request Entity Too Large: Size1 in it is a SHOULD
    (a warning when absent) and, when present, must be below the size announced, since it is the most the device is
    able and willing to handle.  Size1 is elective: refusing the block 4.02 for it fails (RFC 7252 §5.4.1)."""
    lw = _lifetime_write(server, dut, 2)
    r = lw.block(server, dut, 0, size1=SIZE1_MAX)
    if r.code == codes.BAD_OPTION:
        plain = lw.block(server, dut, 0)
        _not_block_capable(plain, "Block1")
        expect.fail("answer to Block1 block 0 carrying Size1", "no 4.02: Size1 is elective and an unrecognised "
                    "elective option MUST be ignored", f"4.02 Bad Option (without Size1: {plain.code.dotted})",
                    clause="RFC 7252 §5.4.1; RFC 7959 §4 (Size1 elective)")
    if _continued(r):
        expect.not_applicable(f"the device answers block 0 of a body announced as {SIZE1_MAX} bytes "
                              f"{r.code.dotted}: it does not refuse a transfer by its announced size (RFC 7959 "
                              "§2.9.3 lets it refuse at any later block)")
    if r.code != codes.REQUEST_ENTITY_TOO_LARGE:
        expect.inconclusive("Block1 block 0 of the write", "MP-BLOCK-WRITE",
                            f"answered {r.code.dotted} {r.code.name_printable}")
    size1 = r.opt.size1
    expect.should(size1 is not None, "Size1 in the 4.13 Request Entity Too Large", "the most the device takes",
                  "absent", clause="RFC 7252 §5.9.2.9 (SHOULD include Size1); RFC 7959 §2.9.3")
    if size1 is not None:
        expect.true(size1 < SIZE1_MAX, "Size1 of the 4.13 Request Entity Too Large",
                    f"below the {SIZE1_MAX} bytes announced: the maximum size the device is able and willing to "
                    "handle", size1, clause="RFC 7252 §5.10.9 and §5.9.2.9")


@mp("MP-BLOCK-SIZE2", "A Read asking for the size with Size2 0 is answered as without it", **BLOCK,
    clause="RFC 7959 §4 (Size2 0 in a request asks for a size indication; Size2 is elective) and RFC 7252 §5.4.1 "
           "(an unrecognised elective option MUST be silently ignored)")
def test_block2_size2(server, dut, transcript):
    """GET /3/0 in 16-byte Block2 blocks, the first request carrying Size2 0 (a size request).  Pass: 2.05 Content.
    Whether the first block carries a size indication (Size2) is recorded: RFC 7959 §4 expects one "whenever it can
    be provided without undue effort" as a quality of implementation, no requirement keyword, so it is never a
    warning.  A device that refuses the request but answers the same Read without Size2 fails."""
    accept = dut.instance_format()
    try:
        r = server.read(dut.endpoint, "/3/0", accept=accept, block_szx=SZX, options=[(SIZE2, b"")])
        received = f"{r.code.dotted} {r.code.name_printable}"
    except TimeoutError_ as exc:     # silence is judged as a refusal: only if the same Read without Size2 works
        r, received = None, f"no answer ({exc})"
    if r is None or r.code != codes.CONTENT:
        with expect.supporting("GET /3/0 in 16-byte blocks without Size2", "MP-BLOCK-READ"):
            plain = server.read(dut.endpoint, "/3/0", accept=accept, block_szx=SZX)
            _not_block_capable(plain, "Block2")
            expect.code(plain, codes.CONTENT)
        expect.fail("answer to GET /3/0 carrying Size2 0", "2.05 Content, as to the same Read without Size2",
                    received, clause="RFC 7252 §5.4.1; RFC 7959 §4")
    first = r.exchanges[0][1]
    expect.evidence("size indication", {"Size2 in the first answer": first.opt.size2,
                                        "representation bytes": len(r.payload),
                                        "Block2 in the first answer": str(first.opt.block2)})
