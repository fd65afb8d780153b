"""An HTTP/1.1 (and HTTPS) file server for pull delivery (Package URI with ``http://`` / ``https://``).

Object 5's Firmware Update Protocol Support /5/0/8 lists HTTP 1.1 (2) and HTTPS 1.1 (3, RFC 7230) among the ways a
client may fetch its image; a device that declares them gets a URI on this server.  It is the standard library's
:class:`http.server.ThreadingHTTPServer` in a daemon thread, bound to one address (loopback for local devices),
optionally wrapped in TLS with a certificate the device trusts (for the simulated meter one issued by the run's
throwaway CA, :mod:`meterproof.dtls.pki`).  GET (and HEAD) of a shared path answers 200 with Content-Length;
a file shared with ``cut_at`` sends that many bytes of the announced length and closes the connection (the
link lost mid-download); an unknown path answers 404.  Every request is recorded (path, client address) for the
case's report.
"""

from __future__ import annotations

import secrets
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(slots=True)
class HttpFile:
    data: bytes
    cut_at: int | None = None
    requests: int = 0


@dataclass(slots=True)
class HttpFileServer:
    """``start()`` it, ``put()`` bytes, hand the device ``uri(path)``; ``close()`` at the end."""

    host: str = "127.0.0.1"
    tls: ssl.SSLContext | None = None
    files: dict[str, HttpFile] = field(default_factory=dict)
    log: list[tuple[str, str]] = field(default_factory=list)     # (request line, client host)
    _httpd: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def scheme(self) -> str:
        return "https" if self.tls is not None else "http"

    def start(self) -> "HttpFileServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt: str, *args: Any) -> None:   # no stderr noise; the log list has it
                server.log.append((self.requestline, self.client_address[0]))

            def do_HEAD(self) -> None:  # noqa: N802 (http.server's naming)
                self._answer(body=False)

            def do_GET(self) -> None:  # noqa: N802
                self._answer(body=True)

            def _answer(self, body: bool) -> None:
                f = server.files.get(self.path.split("?", 1)[0])
                if f is None:
                    self.send_error(404)
                    return
                f.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(f.data)))
                if f.cut_at is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                if not body:
                    return
                if f.cut_at is None:
                    self.wfile.write(f.data)
                    return
                self.wfile.write(f.data[:f.cut_at])
                self.wfile.flush()
                self.close_connection = True

        httpd = ThreadingHTTPServer((self.host, 0), Handler)
        httpd.daemon_threads = True
        if self.tls is not None:
            httpd.socket = self.tls.wrap_socket(httpd.socket, server_side=True)
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="meterproof-http-files", daemon=True)
        self._thread.start()
        return self

    @property
    def address(self) -> tuple[str, int]:
        assert self._httpd is not None, "start() first"
        host, port = self._httpd.server_address[:2]
        return str(host), int(port)

    def put(self, data: bytes, *, name: str | None = None, cut_at: int | None = None) -> str:
        path = f"/files/{name or secrets.token_hex(6)}"
        self.files[path] = HttpFile(bytes(data), cut_at)
        return path

    def get(self, path: str) -> HttpFile | None:
        return self.files.get(path)

    def remove(self, path: str) -> None:
        self.files.pop(path, None)

    def uri(self, path: str, host: str | None = None) -> str:
        h, port = self.address
        h = host or h
        return f"{self.scheme}://{'[' + h + ']' if ':' in h else h}:{port}{path}"

    def close(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None


def tls_context(certificate_pem: bytes, key_pem: bytes, directory: str) -> ssl.SSLContext:
    """A server-side TLS context from PEM certificate (chain) and key; ``ssl`` reads them from files, written
    into ``directory`` (a private temporary folder the caller removes)."""
    import os
    cert_path, key_path = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    with open(cert_path, "wb") as fh:
        fh.write(certificate_pem)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key_pem)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_path, key_path)
    os.unlink(key_path)
    return ctx


__all__ = ["HttpFile", "HttpFileServer", "tls_context"]
