"""DTLS session resumption (RFC 5246 §7.3 abbreviated handshake) reached through ctypes.

python-mbedtls 2.10.1 wraps neither Mbed TLS's server session cache nor
``mbedtls_ssl_get_session``/``mbedtls_ssl_set_session``, but its bundled
libmbedtls exports them.  This module finds the ``mbedtls_ssl_context`` inside a
``TLSWrappedBuffer`` (at ``id(buf) + 24`` in 2.10.1 on 64-bit CPython:
dtls-modes.md §3 alerts workaround b) and checks the layout before every use:
the context's ``state`` field must equal ``buf._handshake_state``, and its first
field must point at a configuration.  When the check fails (another
python-mbedtls version), :data:`AVAILABLE` is False and resumption is simply
not offered -- never a crash.

* server: :func:`enable_cache` installs an ``mbedtls_ssl_cache`` on the
  context's configuration (shared by every session of that context);
* client: :func:`save` copies the negotiated session after a handshake and
  :func:`offer` puts it into a fresh buffer before its first ClientHello.
"""

from __future__ import annotations

import ctypes
import glob
import logging
import os
from typing import Any

log = logging.getLogger(__name__)

_CTX_OFFSET = 24
_SESSION_SIZE = 1024     # > sizeof(mbedtls_ssl_session) in 2.28 (about 200 bytes)
_CACHE_SIZE = 512        # > sizeof(mbedtls_ssl_cache_context)

_lib: Any = None


def _load() -> Any:
    global _lib
    if _lib is None:
        import mbedtls
        libs = glob.glob(os.path.join(os.path.dirname(os.path.dirname(mbedtls.__file__)),
                                      "python_mbedtls.libs", "libmbedtls-*.so*"))
        if not libs:
            _lib = False
            return _lib
        lib = ctypes.CDLL(libs[0])
        for name in ("mbedtls_ssl_conf_session_cache", "mbedtls_ssl_cache_init", "mbedtls_ssl_cache_get",
                     "mbedtls_ssl_cache_set", "mbedtls_ssl_get_session", "mbedtls_ssl_set_session",
                     "mbedtls_ssl_session_init", "mbedtls_ssl_session_free", "mbedtls_ssl_cache_free"):
            getattr(lib, name)
        lib.mbedtls_ssl_get_session.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        lib.mbedtls_ssl_set_session.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        lib.mbedtls_ssl_session_init.argtypes = [ctypes.c_void_p]
        lib.mbedtls_ssl_session_free.argtypes = [ctypes.c_void_p]
        lib.mbedtls_ssl_cache_init.argtypes = [ctypes.c_void_p]
        lib.mbedtls_ssl_cache_free.argtypes = [ctypes.c_void_p]
        lib.mbedtls_ssl_conf_session_cache.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                                       ctypes.c_void_p]
        _lib = lib
    return _lib


def _ssl(buf: Any) -> int | None:
    """Address of the mbedtls_ssl_context in ``buf``, or None when the layout check fails."""
    try:
        addr = id(buf) + _CTX_OFFSET
        conf = ctypes.c_void_p.from_address(addr).value
        state = ctypes.c_int.from_address(addr + 8).value
        if not conf or state != buf._handshake_state.value:
            return None
        return addr
    except Exception:
        return None


def available(buf: Any) -> bool:
    return bool(_load()) and _ssl(buf) is not None


class ServerCache:
    """An ``mbedtls_ssl_cache_context`` kept alive with the server context it serves."""

    def __init__(self) -> None:
        self.mem = ctypes.create_string_buffer(_CACHE_SIZE)
        self.installed_on: set[int] = set()
        lib = _load()
        if lib:
            lib.mbedtls_ssl_cache_init(self.mem)

    def install(self, buf: Any) -> bool:
        """Point the configuration of ``buf`` at this cache (once per configuration)."""
        lib = _load()
        ssl = _ssl(buf)
        if not lib or ssl is None:
            return False
        conf = ctypes.c_void_p.from_address(ssl).value
        if conf in self.installed_on:
            return True
        get = ctypes.cast(lib.mbedtls_ssl_cache_get, ctypes.c_void_p).value
        put = ctypes.cast(lib.mbedtls_ssl_cache_set, ctypes.c_void_p).value
        lib.mbedtls_ssl_conf_session_cache(conf, self.mem, get, put)
        self.installed_on.add(conf)  # type: ignore[arg-type]
        return True


class SavedSession:
    """A copy of a negotiated session (master secret included: never logged, freed with the object)."""

    def __init__(self) -> None:
        self.mem = ctypes.create_string_buffer(_SESSION_SIZE)
        _load().mbedtls_ssl_session_init(self.mem)

    def __del__(self) -> None:
        try:
            if _lib:
                _lib.mbedtls_ssl_session_free(self.mem)
        except Exception:
            pass


def save(buf: Any) -> SavedSession | None:
    lib = _load()
    ssl = _ssl(buf)
    if not lib or ssl is None:
        return None
    s = SavedSession()
    if lib.mbedtls_ssl_get_session(ssl, s.mem) != 0:
        return None
    return s


def offer(buf: Any, saved: SavedSession) -> bool:
    lib = _load()
    ssl = _ssl(buf)
    if not lib or ssl is None:
        return False
    return lib.mbedtls_ssl_set_session(ssl, saved.mem) == 0
