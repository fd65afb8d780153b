"""A tiny LwM2M client process with seeded crash defects: the "crashes often" target of the fuzz benchmark and tests.

    python -S benchmarks/crashy_client.py --server coap://127.0.0.1:5683 --endpoint crashy-1 [--defects all]

Standard library only, and only its lightest modules (``python -S`` starts it in
under 10 ms, so a campaign that restarts it after every crash measures the
campaign, not the client).  It
registers (POST /rd, retransmitted until answered), then answers every CoAP
ping with an RST, every confirmable request with a piggybacked ACK (2.05 with
a short text for a GET, 4.04 otherwise, 4.00 for a malformed one) and drops
everything else.  Its defects, each on one input shape with one
:func:`meterproof.fuzz.reproducer.signature`, so each is one bucket:

* ``segv`` — a CoAP option whose *delta* nibble is 15 (RFC 7252 §3.1 reserves it): killed by SIGSEGV;
* ``abort`` — an empty ACK (version 1, no token, 4 bytes) whose message ID is not its Register's: killed
  by SIGABRT;
* ``exit`` — such an empty RST: exits with status 3;
* ``hang`` — such an empty NON: stops answering for an hour but keeps running (a livelock).

``--defects`` takes a comma-separated list of those, ``all`` (the default) or
``none`` (the same client without defects: the "does not crash" target).
Run by the process driver exactly as a vendor's client would be.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time

DEFECTS = ("segv", "abort", "exit", "hang")


def delta_nibble_15(data: bytes) -> bool:
    """Whether walking the options of ``data`` meets a delta nibble of 15 (not the payload marker 0xFF)."""
    tkl = data[0] & 0x0F
    if tkl > 8:
        return False
    pos, number = 4 + tkl, 0
    while pos < len(data):
        b = data[pos]
        if b == 0xFF:
            return False
        delta, length = b >> 4, b & 0x0F
        if delta == 15:
            return True
        if length == 15:
            return False
        pos += 1
        for which in ("delta", "length"):
            nib = delta if which == "delta" else length
            if nib in (13, 14):
                width = nib - 12
                ext = data[pos:pos + width]
                if len(ext) < width:
                    return False
                pos += width
                value = int.from_bytes(ext, "big") + (13 if nib == 13 else 269)
                if which == "length":
                    length = value
                else:
                    delta = value
        number += delta
        if number > 65535:
            return False
        pos += length
    return False


def defect_of(data: bytes, reg_mid: int = -1) -> str | None:
    """Which defect ``data`` sets off (see the module docstring), or None."""
    if len(data) < 4:
        return None
    if delta_nibble_15(data):
        return "segv"
    if data[0] & 0xCF == 0x40 and data[1] == 0 and len(data) == 4 and int.from_bytes(data[2:4], "big") != reg_mid:
        return {2: "abort", 3: "exit", 1: "hang"}.get((data[0] >> 4) & 3)     # version 1, no token, empty
    return None


def register(sock: socket.socket, server: tuple[str, int], endpoint: str, mid: int) -> bytes:
    """The Register request (CON POST /rd?ep=..&lt=..&lwm2m=1.1&b=U, link format)."""
    def opt(delta: int, value: bytes) -> bytes:
        d = delta if delta < 13 else 13
        ln = len(value) if len(value) < 13 else 13
        out = bytes([(d << 4) | ln])
        if d == 13:
            out += bytes([delta - 13])
        if ln == 13:
            out += bytes([len(value) - 13])
        return out + value

    token = os.urandom(4)
    msg = bytes([0x44, 0x02]) + mid.to_bytes(2, "big") + token
    msg += opt(11, b"rd") + opt(1, b"\x28")                  # Uri-Path rd (11), Content-Format 40 (12)
    first = True
    for q in (f"ep={endpoint}", "lt=86400", "lwm2m=1.1", "b=U"):
        msg += opt(3 if first else 0, q.encode())             # Uri-Query (15)
        first = False
    return msg + b"\xff" + b'</>;rt="oma.lwm2m",</1/0>,</3/0>'


def serve(server: tuple[str, int], endpoint: str, defects: set[str]) -> None:
    family = socket.AF_INET6 if ":" in server[0] else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.connect(server)
    reg_mid = int.from_bytes(os.urandom(2), "big")
    req = register(sock, server, endpoint, reg_mid)
    sock.settimeout(0.5)
    for _ in range(8):
        sock.send(req)
        try:
            ans = sock.recv(2048)
        except (socket.timeout, ConnectionRefusedError):
            continue
        if len(ans) >= 4 and ans[1] == 0x41 and int.from_bytes(ans[2:4], "big") == reg_mid:
            break
    else:
        print(f"{endpoint}: no answer to Register", file=sys.stderr, flush=True)
        sys.exit(1)
    print(f"{endpoint}: registered", flush=True)
    sock.settimeout(None)
    while True:
        try:
            data = sock.recv(65535)
        except ConnectionRefusedError:
            continue
        if len(data) < 4:
            continue
        mtype, code = (data[0] >> 4) & 3, data[1]
        hit = defect_of(data, reg_mid)
        if hit in defects:
            if hit == "segv":
                os.kill(os.getpid(), signal.SIGSEGV)
            elif hit == "abort":
                os.kill(os.getpid(), signal.SIGABRT)
            elif hit == "exit":
                sys.stdout.flush()
                os._exit(3)
            else:
                time.sleep(3600)
        if mtype != 0 or data[0] >> 6 != 1:
            continue                                           # only confirmable requests are answered
        tkl = data[0] & 0x0F
        if code == 0:
            sock.send(bytes([0x70, 0x00]) + data[2:4])         # ping: RST
        elif tkl <= 8 and len(data) >= 4 + tkl and code >> 5 == 0:
            head = bytes([0x60 | tkl]) + data[2:4] + data[4:4 + tkl]
            if code == 1:
                sock.send(head[:1] + b"\x45" + head[1:] + b"\xff" + b"crashy")   # 2.05
            else:
                sock.send(head[:1] + b"\x84" + head[1:])                         # 4.04
        elif tkl <= 8:
            sock.send(bytes([0x60]) + b"\x80" + data[2:4])                       # 4.00


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    opts = {"--defects": "all"}
    while args:
        if args[0] not in ("--server", "--endpoint", "--defects") or len(args) < 2:
            sys.exit(f"usage: crashy_client.py --server coap://HOST:PORT --endpoint NAME [--defects "
                     f"{','.join(DEFECTS)}|all|none] (got {args[0]!r})")
        opts[args[0]], args = args[1], args[2:]
    if "--server" not in opts or "--endpoint" not in opts:
        sys.exit("crashy_client.py: --server and --endpoint are required")
    d = opts["--defects"]
    chosen = set(DEFECTS) if d == "all" else set() if d == "none" else set(d.split(","))
    if chosen - set(DEFECTS):
        sys.exit(f"crashy_client.py: unknown defects {sorted(chosen - set(DEFECTS))}")
    hostport = opts["--server"].split("://", 1)[-1].rstrip("/")
    host, _, port = hostport.rpartition(":")
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    serve((host.strip("[]") or "127.0.0.1", int(port or 5683)), opts["--endpoint"], chosen)


if __name__ == "__main__":
    main()
