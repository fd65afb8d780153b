"""Files served over CoAP for pull delivery: the harness's own file server for a Package URI.

A device told to download (Firmware Update /5/0/1, Software Management /9/x/3: OMA TS Core 1.1 Appendix E.6,
object 5's Package URI: "a CoAP server implementing block-wise transfer is sufficient") sends GET for the file's
path; :meth:`FileShelf.answer` gives the whole body with an ETag (a digest of the body, so a downloader sees the
representation did not change between blocks) and the :class:`~.endpoint.Endpoint` answering it cuts it into the
Block2 block the device asked for, with Size2 on the first one (RFC 7959 §2.4, §4).  Any endpoint can mount a
shelf: the LwM2M Server's own (``coap://`` or ``coaps://`` inside the device's DTLS session) or a plain one.

A file can be shared with a cut (``cut_at``, a byte offset): from then on a request for a block at or past it gets
no answer at all, as when the link to the file server is lost in the middle of a download.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from aiocoap import Message
from aiocoap.numbers import codes

from . import wire
from .blockwise import block_size

PREFIX = "files"


@dataclass(slots=True)
class SharedFile:
    data: bytes
    etag: bytes
    cut_at: int | None = None           # no answer to a block starting at or past this byte offset
    requests: int = 0                   # GETs answered (or left unanswered past the cut)
    offsets: list[int] = field(default_factory=list)   # the byte offset each GET asked for, in order


class FileShelf:
    """Named files under ``/<prefix>/<name>``; one shelf per endpoint that serves them."""

    def __init__(self, prefix: str = PREFIX) -> None:
        self.prefix = prefix
        self.files: dict[str, SharedFile] = {}

    def put(self, data: bytes, *, name: str | None = None, cut_at: int | None = None) -> str:
        """Share ``data``; returns the URI path (``/files/<name>``, a fresh random name unless given)."""
        name = name or secrets.token_hex(6)
        self.files[name] = SharedFile(bytes(data), hashlib.sha256(data).digest()[:8], cut_at)
        return f"/{self.prefix}/{name}"

    def get(self, path: str) -> SharedFile | None:
        return self.files.get(path.rsplit("/", 1)[-1])

    def remove(self, path: str) -> None:
        self.files.pop(path.rsplit("/", 1)[-1], None)

    def handles(self, req: Message) -> bool:
        segs = tuple(req.opt.uri_path)
        return bool(segs) and segs[0] == self.prefix

    def answer(self, req: Message) -> Message | None:
        """2.05 with the whole file (the endpoint slices Block2), 4.04 for an unknown one, 4.05 for another
        method; None (no answer) for a block past the file's cut."""
        segs = tuple(req.opt.uri_path)
        if req.code != codes.GET:
            return wire.new(codes.METHOD_NOT_ALLOWED)
        f = self.files.get(segs[1]) if len(segs) == 2 else None
        if f is None:
            return wire.new(codes.NOT_FOUND)
        b2 = req.opt.block2
        offset = 0 if b2 is None else b2.block_number * block_size(b2.size_exponent)
        f.requests += 1
        f.offsets.append(offset)
        if f.cut_at is not None and offset >= f.cut_at:
            return None
        resp = wire.new(codes.CONTENT, payload=f.data)
        resp.opt.content_format = 42            # application/octet-stream
        resp.opt.etag = f.etag
        return resp


__all__ = ["FileShelf", "PREFIX", "SharedFile"]
