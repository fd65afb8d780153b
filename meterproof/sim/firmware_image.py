"""The firmware image format the reference meter accepts (Firmware Update object /5).

A real meter checks what it downloads before it installs it; so does ours, and
suites build images (good, corrupt, older) with :func:`build_image`.  Layout,
all integers big-endian::

    b"MPFW"                  magic (4 bytes)        wrong magic   -> Update Result 6
    format version           1 byte: 1 plain body, 2 zlib-compressed body (unpacked in RAM before it is written
                             to flash: a body that unpacks beyond the meter's RAM -> Update Result 3); other -> 6
    version length n         1 byte
    version                  n bytes, UTF-8, e.g. "1.2.0"
    body length m            4 bytes
    body                     m bytes
    SHA-256                  32 bytes over everything before it  mismatch -> Result 5
    signature                32 bytes: HMAC-SHA256 under the signer's key over everything before it; missing
                             (an unsigned image) or made with a key the meter does not trust -> Result 5

The signature stands for the vendor's code signature of a real meter (a keyed MAC is enough for a simulator: the
meter holds :data:`VENDOR_KEY`, the "vendor" signs with it; :data:`UNTRUSTED_KEY` plays another signer).  The
SHA-256 alone is no protection (anyone can recompute it after a change), so a tampered image whose digest was
recomputed still fails the signature.  :func:`build_image` makes tampered images for the regulator's checks:
``tamper`` flips one byte in the ``payload`` (digest recomputed), the ``signature`` or the ``manifest`` (the
version string) of a validly signed image.

A compressed body starts with its unpacked length (4 bytes) before the zlib stream.  Versions compare as dotted
numbers ("1.10.0" > "1.9.3"); the meter refuses an
image older than what it runs (anti-rollback, Update Result 8).
"""

from __future__ import annotations

import hashlib
import hmac
import struct
import zlib
from dataclasses import dataclass

MAGIC = b"MPFW"
FORMAT_VERSION = 1
FORMAT_COMPRESSED = 2
RESULT_OUT_OF_RAM = 3
RESULT_INTEGRITY = 5
RESULT_UNSUPPORTED_TYPE = 6
#: the meter's RAM for unpacking a compressed image
RAM = 256 * 1024
#: the simulated vendor's signing key (the meter trusts it) and a key of another signer (it does not)
VENDOR_KEY = b"meterproof simulated vendor signing key"
UNTRUSTED_KEY = b"meterproof untrusted test signing key"
TAMPER = ("payload", "signature", "manifest")


class ImageError(Exception):
    """An image the meter refuses; ``result`` is the /5/0/5 Update Result to report."""

    def __init__(self, result: int, reason: str) -> None:
        super().__init__(reason)
        self.result = result


@dataclass(frozen=True)
class FirmwareImage:
    version: str
    body: bytes


def build_image(version: str, body: bytes = b"meterproof firmware", corrupt: bool = False,
                compressed: bool = False, *, signer: bytes | None = VENDOR_KEY, tamper: str | None = None) -> bytes:
    """An image for ``version`` signed by ``signer`` (None: unsigned); ``corrupt`` flips one body byte after hashing;
    ``compressed`` stores the body zlib-compressed (format 2); ``tamper`` (one of :data:`TAMPER`) flips one byte of
    the signed image."""
    v = version.encode()
    if len(v) > 255:
        raise ValueError("version string longer than 255 bytes")
    if compressed:
        body = struct.pack(">I", len(body)) + zlib.compress(body, 9)
    fmt = FORMAT_COMPRESSED if compressed else FORMAT_VERSION
    head = MAGIC + bytes((fmt, len(v))) + v + struct.pack(">I", len(body))
    digest = hashlib.sha256(head + body).digest()
    signature = b"" if signer is None else hmac.new(signer, head + body + digest, hashlib.sha256).digest()
    if corrupt:
        body = (body[:-1] + bytes((body[-1] ^ 0xFF,))) if body else b"\xff"
        head = head[:-4] + struct.pack(">I", len(body))
    if tamper == "payload":         # the attacker recomputes the (unkeyed) digest; only the signature shows it
        body = bytes((body[0] ^ 0x01,)) + body[1:]
        digest = hashlib.sha256(head + body).digest()
    elif tamper == "signature" and signature:
        signature = bytes((signature[0] ^ 0x01,)) + signature[1:]
    elif tamper == "manifest":
        head = head[:6] + bytes((head[6] ^ 0x01,)) + head[7:]
    elif tamper is not None:
        raise ValueError(f"tamper must be one of {TAMPER}")
    return head + body + digest + signature


def parse_image(data: bytes, *, verify: bool = True, ram: int = RAM,
                trusted: bytes | None = VENDOR_KEY) -> FirmwareImage:
    """Parse and (unless ``verify`` is False) integrity-check an image and its signature by ``trusted`` (None: any
    signature or none), unpacking a compressed body within ``ram`` bytes; ImageError if refused."""
    if len(data) < 4 + 2 + 4 + 32 or data[:4] != MAGIC or data[4] not in (FORMAT_VERSION, FORMAT_COMPRESSED):
        raise ImageError(RESULT_UNSUPPORTED_TYPE, "not a meterproof firmware image")
    n = data[5]
    pos = 6 + n
    try:
        version = data[6:pos].decode()
    except UnicodeDecodeError:
        raise ImageError(RESULT_UNSUPPORTED_TYPE, "version is not UTF-8") from None
    if len(data) < pos + 4 + 32:
        raise ImageError(RESULT_INTEGRITY, "image truncated")
    (m,) = struct.unpack(">I", data[pos:pos + 4])
    body = data[pos + 4:pos + 4 + m]
    tail = data[pos + 4 + m:]
    if len(body) != m or len(tail) not in (32, 64):
        raise ImageError(RESULT_INTEGRITY, "body length does not match the image size")
    digest, signature = tail[:32], tail[32:]
    if verify and hashlib.sha256(data[:pos + 4 + m]).digest() != digest:
        raise ImageError(RESULT_INTEGRITY, "SHA-256 mismatch")
    if verify and trusted is not None:
        if not signature:
            raise ImageError(RESULT_INTEGRITY, "unsigned image")
        want = hmac.new(trusted, data[:pos + 4 + m + 32], hashlib.sha256).digest()
        if not hmac.compare_digest(want, signature):
            raise ImageError(RESULT_INTEGRITY, "signature of an untrusted signer, or of other content")
    if data[4] == FORMAT_COMPRESSED:
        body = _unpack(body, ram)
    return FirmwareImage(version, body)


def _unpack(body: bytes, ram: int) -> bytes:
    if len(body) < 4:
        raise ImageError(RESULT_INTEGRITY, "compressed body without its length")
    (n,) = struct.unpack(">I", body[:4])
    if n > ram:
        raise ImageError(RESULT_OUT_OF_RAM, f"the body unpacks to {n} bytes, the RAM holds {ram}")
    try:
        out = zlib.decompressobj().decompress(body[4:], ram + 1)
    except zlib.error:
        raise ImageError(RESULT_INTEGRITY, "the compressed body does not unpack") from None
    if len(out) != n:
        raise ImageError(RESULT_INTEGRITY, "the body unpacks to another length than it declares")
    return out


def version_key(version: str) -> tuple:
    """Sort key for dotted versions: numbers numerically, other parts as text."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in version.split("."))


def is_older(candidate: str, running: str) -> bool:
    return version_key(candidate) < version_key(running)


__all__ = ["TAMPER", "UNTRUSTED_KEY", "VENDOR_KEY", "FirmwareImage", "ImageError", "build_image", "is_older", "parse_image", "version_key"]
