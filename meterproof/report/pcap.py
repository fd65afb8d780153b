"""pcap files Wireshark opens: UDP datagrams framed in IPv4 or IPv6 (libpcap format, LINKTYPE_RAW).

Written by hand (the format is a 24-byte header and a 16-byte header per packet), so writing a capture per
case costs no scapy import; the project tests read the files back with scapy.  Checksums are real: Wireshark
shows no "bad checksum" on a capture an auditor opens.  Wireshark decodes UDP port 5683 as CoAP and 5684 as
DTLS by default; other ports with "Decode As".
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

#: libpcap magic (microsecond timestamps), version 2.4, LINKTYPE_RAW (an IPv4 or IPv6 header first)
_GLOBAL = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101)
_UDP = 17


@dataclass(frozen=True, slots=True)
class Datagram:
    """One UDP datagram as it crossed a socket."""

    time: float                 # wall clock (time.time())
    src: tuple[str, int]
    dst: tuple[str, int]
    data: bytes


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _host(text: str, version: int) -> bytes:
    try:
        addr = ipaddress.ip_address(text.split("%")[0])
    except ValueError:          # a name, not an address: a placeholder of the right family
        addr = ipaddress.ip_address("127.0.0.1" if version == 4 else "::1")
    if addr.version != version:
        addr = ipaddress.ip_address(f"::ffff:{addr}") if version == 6 else ipaddress.ip_address("127.0.0.1")
    return addr.packed


def ip_udp(d: Datagram) -> bytes:
    """``d`` as an IP packet (IPv6 when either end is an IPv6 address, else IPv4) carrying one UDP datagram."""
    version = 6 if ":" in d.src[0] or ":" in d.dst[0] else 4
    src, dst = _host(d.src[0], version), _host(d.dst[0], version)
    length = 8 + len(d.data)
    pseudo = (src + dst + struct.pack("!BBH", 0, _UDP, length) if version == 4
              else src + dst + struct.pack("!IxxxB", length, _UDP))
    udp = struct.pack("!HHHH", d.src[1] & 0xFFFF, d.dst[1] & 0xFFFF, length, 0) + d.data
    udp = udp[:6] + struct.pack("!H", _checksum(pseudo + udp) or 0xFFFF) + udp[8:]
    if version == 6:
        return struct.pack("!IHBB", 6 << 28, length, _UDP, 64) + src + dst + udp
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + length, 0, 0x4000, 64, _UDP, 0, src, dst)
    header = header[:10] + struct.pack("!H", _checksum(header)) + header[12:]
    return header + udp


def encode(datagrams: Iterable[Datagram]) -> bytes:
    """``datagrams`` (in order) as the bytes of a pcap file."""
    out = bytearray(_GLOBAL)
    for d in datagrams:
        pkt = ip_udp(d)
        usec = int(round(d.time * 1e6))
        out += struct.pack("<IIII", usec // 1000000, usec % 1000000, len(pkt), len(pkt)) + pkt
    return bytes(out)


def write_pcap(path: Path | str, datagrams: Iterable[Datagram]) -> Path:
    """Write ``datagrams`` (in order) to ``path`` as a pcap file; returns the path."""
    path = Path(path)
    path.write_bytes(encode(datagrams))
    return path
