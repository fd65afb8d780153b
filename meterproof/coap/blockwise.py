"""Block-wise transfer (RFC 7959), both on the answering side and as a requester.

Answering side (used by :class:`~meterproof.coap.endpoint.Endpoint` for every
incoming request): :class:`Block1Assembler` collects Block1 request bodies,
answering 2.31 Continue, 4.08 on a gap, the same 2.31 again to a repeat of the
block it is at (a block-wise request is idempotent block by block, RFC 7959
§2.5) and 4.13 (with Size1) when the body would exceed the limit;
:func:`slice_block2` serves a large response in blocks (Size2 on request), and
:class:`Block2Representations` keeps the representation a Block2 transfer started
with, so that every block comes from the same one (RFC 7959 §2.4).

Requesting side: :func:`request` sends a body in Block1 blocks (shrinking the
block size on 4.13 as §2.9.3 allows) and reassembles a Block2 response,
checking that the ETag does not change between blocks.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Hashable

from aiocoap import Message
from aiocoap.numbers import codes
from aiocoap.optiontypes import BlockOption

from ..errors import ProtocolError
from . import wire

if TYPE_CHECKING:
    from .exchange_types import Requester

Block = BlockOption.BlockwiseTuple


def block_size(szx: int) -> int:
    return 1 << (szx + 4)


@dataclass(slots=True)
class _Partial:
    szx: int
    body: bytearray = field(default_factory=bytearray)


class Block1Assembler:
    """Reassembles Block1 request bodies per (remote, method, URI).

    Two switches reproduce vendor bugs for the simulator's seeded defects (off on every conformant endpoint):
    ``ignore_numbers`` appends each block to what came before whatever its number says (no 4.08 on a gap, a
    repeated block taken twice); ``size1_echoed`` answers 4.13 with the requester's own Size1 instead of the
    most it takes."""

    def __init__(self, max_body: int) -> None:
        self.max_body = max_body
        self.ignore_numbers = False
        self.size1_echoed = False
        self._partial: dict[tuple[Hashable, int, tuple[str, ...]], _Partial] = {}

    def feed(self, req: Message, remote: Hashable, our_szx: int, limit: int | None = None
             ) -> tuple[Message | None, Message | None]:
        """Returns ``(complete_request, None)`` or ``(None, early_answer)``; ``limit`` (if given) is the most this
        resource takes, below the assembler's own maximum (4.13 with it as Size1 beyond it, §2.9.3)."""
        b1 = req.opt.block1
        if b1 is None:
            return req, None
        max_body = self.max_body if limit is None else min(limit, self.max_body)
        key = (remote, int(req.code), tuple(req.opt.uri_path))
        if b1.size_exponent == 7:
            return None, wire.new(codes.BAD_REQUEST, payload=b"SZX 7 is reserved")
        size = block_size(b1.size_exponent)
        if req.opt.size1 is not None and req.opt.size1 > max_body:
            self._partial.pop(key, None)
            return None, wire.new(codes.REQUEST_ENTITY_TOO_LARGE,
                                  size1=req.opt.size1 if self.size1_echoed else max_body)
        if b1.block_number == 0:
            part = self._partial[key] = _Partial(b1.size_exponent)
        else:
            part = self._partial.get(key)
            offset = b1.block_number * size
            if part is not None and b1.more and part.body[offset:] == req.payload and len(req.payload) == size \
                    and not self.ignore_numbers:
                # a repeat of the block the transfer is at: taken again, changing nothing (RFC 7959 §2.5)
                return None, wire.new(codes.CONTINUE, block1=Block(b1.block_number, True, min(b1.size_exponent,
                                                                                               our_szx)))
            if part is None or (len(part.body) != offset and not self.ignore_numbers) \
                    or (b1.more and len(req.payload) != size):
                self._partial.pop(key, None)
                return None, wire.new(codes.REQUEST_ENTITY_INCOMPLETE)
        if b1.more and len(req.payload) != size:
            self._partial.pop(key, None)
            return None, wire.new(codes.BAD_REQUEST, payload=b"block payload does not match SZX")
        part.body += req.payload
        if len(part.body) > max_body:
            self._partial.pop(key, None)
            return None, wire.new(codes.REQUEST_ENTITY_TOO_LARGE, size1=max_body)
        if b1.more:
            szx = min(b1.size_exponent, our_szx)
            return None, wire.new(codes.CONTINUE, block1=Block(b1.block_number, True, szx))
        del self._partial[key]
        full = copy.copy(req)
        full.payload = bytes(part.body)
        return full, None


class Block2Representations:
    """The whole body a Block2 transfer started with, per peer and request, until its last block is served.

    A GET or FETCH (not an Observe) answered in blocks is answered again for each further block; a value that
    moved meanwhile (a clock, a reading) would otherwise make the blocks come from different representations,
    which the client cannot put together (RFC 7959 §2.4).  The first block's body is kept for ``lifetime``
    seconds (EXCHANGE_LIFETIME) and every later block of the same request is cut from it."""

    def __init__(self, lifetime: float, most: int = 64) -> None:
        self.lifetime = lifetime
        self.most = most
        self._kept: dict[Hashable, tuple[float, int | None, bytes]] = {}

    @staticmethod
    def key(req: Message, remote: Hashable) -> Hashable | None:
        """What identifies one transfer, or None for a request whose blocks are not kept (an Observe, a write)."""
        if req.code not in (codes.GET, codes.FETCH) or req.opt.observe is not None:
            return None
        return (remote, req.code, tuple(req.opt.uri_path), tuple(req.opt.uri_query), req.opt.accept,
                req.payload if req.code == codes.FETCH else b"")

    def answer(self, key: Hashable | None, num: int, resp: Message, now: float) -> None:
        """Before slicing: put the kept body into ``resp`` for a later block (``num`` > 0) of a transfer whose
        first block was kept; keep ``resp``'s body when it is the first block."""
        if key is None or not resp.code.is_successful():
            return
        for k in [k for k, (t, _, _) in self._kept.items() if now - t > self.lifetime]:
            del self._kept[k]
        if num == 0:
            if len(self._kept) >= self.most:
                self._kept.pop(next(iter(self._kept)))
            self._kept[key] = (now, resp.opt.content_format, bytes(resp.payload))
            return
        kept = self._kept.get(key)
        if kept is not None and kept[1] == resp.opt.content_format:
            resp.payload = kept[2]

    def done(self, key: Hashable | None, sliced: Message) -> None:
        """After slicing: the last block (or an answer not in blocks) ends the transfer."""
        if key is not None and (sliced.opt.block2 is None or not sliced.opt.block2.more):
            self._kept.pop(key, None)


def slice_block2(req: Message, resp: Message, our_szx: int) -> Message:
    """Cut ``resp`` to the block ``req`` asked for (or the first block if it is too large)."""
    b2 = req.opt.block2
    szx = our_szx if b2 is None else min(b2.size_exponent, our_szx)
    size = block_size(szx)
    body = resp.payload
    if b2 is None and len(body) <= size:
        if req.opt.size2 == 0:
            resp.opt.size2 = len(body)
        return resp
    num = 0 if b2 is None else b2.block_number
    if b2 is not None and b2.size_exponent > szx:
        # client asked with a larger block than we serve: renumber into our block size
        num = num * block_size(b2.size_exponent) // size
    start = num * size
    if start >= len(body) and not (start == 0 and not body):
        return wire.new(codes.BAD_OPTION, payload=b"Block2 number beyond the resource")
    chunk = body[start:start + size]
    more = start + size < len(body)
    resp.payload = chunk
    resp.opt.block2 = Block(num, more, szx)
    if req.opt.size2 is not None or num == 0:
        resp.opt.size2 = len(body)
    return resp


async def request(ep: "Requester", msg: Message, remote: Hashable, *, szx: int = 6,
                  timeout: float | None = None, exchanges: list[tuple[Message, Message]] | None = None) -> Message:
    """Send ``msg`` (any size) and return the complete response, doing Block1/Block2 as needed.

    ``exchanges`` collects every (request, response) pair on the wire.  Blocks are no larger than the
    endpoint lets them be toward ``remote`` (over TCP: the peer's Max-Message-Size, RFC 8323 §5.3.1)."""
    log = exchanges if exchanges is not None else []
    szx = min(szx, ep.max_szx(remote)) if hasattr(ep, "max_szx") else szx
    body = msg.payload
    resp: Message
    if len(body) > block_size(szx):
        num, offset = 0, 0
        while True:
            size = block_size(szx)
            part = _clone(msg)
            part.payload = body[offset:offset + size]
            more = offset + size < len(body)
            part.opt.block1 = Block(num, more, szx)
            if num == 0:
                part.opt.size1 = len(body)
            resp = await ep.request(part, remote, timeout=timeout)
            log.append((part, resp))
            if resp.code == codes.REQUEST_ENTITY_TOO_LARGE and resp.opt.block1 is not None and num == 0 \
                    and resp.opt.block1.size_exponent < szx:
                szx = resp.opt.block1.size_exponent  # §2.9.3: retry with the size the server wants
                continue
            if more and resp.code != codes.CONTINUE:
                return resp  # an error (or an early final answer) ends the transfer
            if resp.opt.block1 is not None and resp.opt.block1.size_exponent < szx and more:
                # the server asked for smaller blocks: continue at the same offset with that size
                szx = resp.opt.block1.size_exponent
                offset += size
                num = offset // block_size(szx)
                continue
            offset += size
            num += 1
            if not more:
                break
    else:
        resp = await ep.request(msg, remote, timeout=timeout)
        log.append((msg, resp))
    return await _collect_block2(ep, msg, resp, remote, timeout, log)


async def _collect_block2(ep: "Requester", msg: Message, first: Message, remote: Hashable,
                          timeout: float | None, log: list[tuple[Message, Message]]) -> Message:
    b2 = first.opt.block2
    if b2 is None or not b2.more:
        return first
    body = bytearray(first.payload)
    etag = first.opt.etag
    szx = b2.size_exponent
    num = b2.block_number
    if len(first.payload) != block_size(szx):
        raise ProtocolError(f"Block2 block {num} has {len(first.payload)} bytes, SZX {szx} says "
                            f"{block_size(szx)} (RFC 7959 §2.2)")
    last = first
    while True:
        num += 1
        nxt = _clone(msg)
        # FETCH (RFC 8132 §2) names what it asks for in its body, so every block request repeats it.
        nxt.payload = msg.payload if msg.code == codes.FETCH else b""
        nxt.opt.block1 = None
        nxt.opt.observe = None
        nxt.opt.block2 = Block(num, False, szx)
        resp = await ep.request(nxt, remote, timeout=timeout)
        log.append((nxt, resp))
        if not resp.code.is_successful():
            return resp
        rb = resp.opt.block2
        if rb is None or rb.block_number != num:
            raise ProtocolError(f"asked for Block2 number {num}, got {rb} (RFC 7959 §2.4)")
        if resp.opt.etag != etag:
            raise ProtocolError("ETag changed between blocks of one representation (RFC 7959 §2.4)")
        body += resp.payload
        last = resp
        if not rb.more:
            break
        if len(resp.payload) != block_size(rb.size_exponent):
            raise ProtocolError(f"Block2 block {num} is short but More is set (RFC 7959 §2.2)")
        if len(body) > ep.max_body:
            raise ProtocolError(f"Block2 representation exceeds {ep.max_body} bytes")
    whole = _clone(last)
    whole.payload = bytes(body)
    whole.opt.block2 = None
    whole.opt.observe = first.opt.observe
    return whole


def _clone(msg: Message) -> Message:
    out = wire.new(msg.code, payload=msg.payload)
    for opt in msg.opt.option_list():
        out.opt.add_option(opt)
    return out
