"""OSCORE (RFC 8613) on meterproof's own message path, built on aiocoap's security context objects.

aiocoap's OSCORE code is written for its own transports (``aiocoap.transports.oscore`` wraps an aiocoap
``Context``), which meterproof does not use: the :class:`~meterproof.coap.endpoint.Endpoint` owns message IDs,
retransmission, deduplication and the raw path itself.  aiocoap's *security contexts* however are sans-IO:
``protect(message, request_id)`` and ``unprotect(message, request_id)`` turn an inner CoAP message into the
outer one and back (RFC 8613 §5, §8), with the key derivation (§3.2), the nonce (§5.2), the replay window
(§7.4) and the Echo recovery of Appendix B.1.2 (RFC 9175 §2).  So this module

* builds an in-memory aiocoap context, :class:`SecurityContext`, from the resources of one LwM2M OSCORE
  object instance (/21, TS Core 1.1 Appendix E.x: Master Secret, Sender ID, Recipient ID, AEAD, HMAC/HKDF,
  Master Salt, ID Context) -- :class:`OscoreParams`;
* and puts it on the endpoint's path with :class:`OscoreLayer`: an outgoing request to a peer bound to a
  context is protected and its response unprotected; an incoming request carrying the OSCORE option is
  unprotected with the context its ``kid`` names and its answer protected; Observe notifications are
  protected/unprotected with the registration's request identifiers (RFC 8613 §4.1.3.5, §8.3).

What went wrong on the way in (unknown ``kid``, decryption failure, replay) is answered as §8.2 says and
recorded in :attr:`OscoreLayer.refused`, so a case can tell "refused" from "lost".  Master secrets are never
logged; :meth:`OscoreParams.secrets` lists what a run's redactor must mask.
"""

from __future__ import annotations

import logging
import secrets as _secrets
from dataclasses import dataclass, field, replace
from typing import Any, Awaitable, Callable, Hashable

from aiocoap import Message
from aiocoap import oscore as _aio
from aiocoap.numbers import codes

log = logging.getLogger(__name__)

#: COSE AEAD algorithm numbers (RFC 8152 Table 10, the values /21/x/3 holds) -> aiocoap's algorithm objects.
AEAD = {alg.value: alg for alg in _aio.algorithms.values() if isinstance(alg, _aio.AeadAlgorithm)}
#: /21/x/4: HMAC (RFC 8152 Table 7: 5 HMAC 256/256, 6 HMAC 384/384, 7 HMAC 512/512) or HKDF (Table 16: -10
#: HKDF SHA-256, -11 HKDF SHA-512) numbers -> the hash function of the HKDF.
HKDF = {5: "sha256", 6: "sha384", 7: "sha512", -10: "sha256", -11: "sha512"}
DEFAULT_AEAD = 10      # AES-CCM-16-64-128, RFC 8613 §3.2: the default
DEFAULT_HKDF = -10     # HKDF SHA-256, RFC 8613 §3.2: the default
#: /21 resource IDs (TS Core 1.1 Appendix E.4, "LwM2M OSCORE")
MASTER_SECRET, SENDER_ID, RECIPIENT_ID, AEAD_ALG, HMAC_ALG, MASTER_SALT, ID_CONTEXT = range(7)


class OscoreConfigError(ValueError):
    """A /21 instance that cannot make a security context (unknown algorithm, ID too long)."""


@dataclass(frozen=True)
class OscoreParams:
    """One OSCORE security context's input parameters (RFC 8613 §3.2), as one side holds them."""

    master_secret: bytes = field(repr=False)
    sender_id: bytes
    recipient_id: bytes
    aead: int = DEFAULT_AEAD
    hkdf: int = DEFAULT_HKDF
    master_salt: bytes = field(default=b"", repr=False)
    id_context: bytes | None = None

    @classmethod
    def fresh(cls, sender_id: bytes, recipient_id: bytes, **kw: Any) -> "OscoreParams":
        """Random 16-byte master secret and 8-byte salt (RFC 8613 §3.3: unique per context)."""
        return cls(_secrets.token_bytes(16), sender_id, recipient_id,
                   master_salt=kw.pop("master_salt", _secrets.token_bytes(8)), **kw)

    def peer(self) -> "OscoreParams":
        """The same context as the other endpoint holds it: Sender and Recipient ID swapped."""
        return replace(self, sender_id=self.recipient_id, recipient_id=self.sender_id)

    def instance(self) -> dict[int, Any]:
        """The /21 instance (TS Core E.4) that provisions these parameters on a LwM2M Client."""
        res: dict[int, Any] = {MASTER_SECRET: self.master_secret, SENDER_ID: self.sender_id,
                               RECIPIENT_ID: self.recipient_id, AEAD_ALG: self.aead, HMAC_ALG: self.hkdf,
                               MASTER_SALT: self.master_salt}
        if self.id_context is not None:
            res[ID_CONTEXT] = self.id_context
        return res

    @classmethod
    def from_instance(cls, res: dict[int, Any]) -> "OscoreParams":
        """Parameters from a /21 instance; absent optional resources take RFC 8613 §3.2's defaults."""
        try:
            secret, sid, rid = bytes(res[MASTER_SECRET]), bytes(res[SENDER_ID]), bytes(res[RECIPIENT_ID])
        except (KeyError, TypeError) as exc:
            raise OscoreConfigError(f"/21 instance lacks a mandatory resource: {exc}") from None
        ctx = res.get(ID_CONTEXT)
        return cls(secret, sid, rid, int(res.get(AEAD_ALG, DEFAULT_AEAD)), int(res.get(HMAC_ALG, DEFAULT_HKDF)),
                   bytes(res.get(MASTER_SALT) or b""), None if ctx is None else bytes(ctx))

    def secrets(self) -> tuple[bytes, ...]:
        """What a redactor must mask: the master secret (the salt and IDs are not secret, RFC 8613 §3.3)."""
        return (self.master_secret,)


class SecurityContext(_aio.CanProtect, _aio.CanUnprotect, _aio.SecurityContextUtils):
    """An aiocoap security context held in memory (aiocoap ships only a filesystem-backed one).

    ``sender_sequence_number`` starts where the caller says (0 for a new context; a rebooted device resumes
    past what it persisted, RFC 8613 Appendix B.1.1).  ``replay="fresh"`` starts an empty replay window (a new
    context, §7.4); ``replay="unknown"`` leaves it uninitialised, so the first request is answered 4.01 with an
    Echo challenge (Appendix B.1.2, RFC 9175 §2.4) when ``echo`` is True, or refused when it is False.
    ``on_sequence`` is called with every new sequence number (persistence)."""

    def __init__(self, params: OscoreParams, *, sequence: int = 0, replay: str = "fresh", echo: bool = True,
                 window: int = _aio.DEFAULT_WINDOWSIZE,
                 on_sequence: Callable[[int], None] | None = None) -> None:
        alg = AEAD.get(params.aead)
        if alg is None:
            raise OscoreConfigError(f"AEAD algorithm {params.aead} is not supported (known: {sorted(AEAD)})")
        hname = HKDF.get(params.hkdf)
        if hname is None:
            raise OscoreConfigError(f"HKDF/HMAC algorithm {params.hkdf} is not supported (known: {sorted(HKDF)})")
        if max(len(params.sender_id), len(params.recipient_id)) > alg.iv_bytes - 6:
            raise OscoreConfigError(f"Sender/Recipient ID longer than {alg.iv_bytes - 6} bytes (RFC 8613 §3.3)")
        self.params = params
        self.alg_aead = alg
        self.hashfun = _aio.hashfunctions[hname]
        self.sender_id = params.sender_id
        self.recipient_id = params.recipient_id
        self.id_context = params.id_context
        self.derive_keys(params.master_salt, params.master_secret)
        self.sender_sequence_number = sequence
        self.recipient_replay_window = _aio.ReplayWindow(window, lambda: None)
        if replay == "fresh":
            self.recipient_replay_window.initialize_empty()
        self.echo_recovery = _secrets.token_bytes(8) if echo else None
        self.on_sequence = on_sequence

    def post_seqnoincrease(self) -> None:
        if self.on_sequence is not None:
            self.on_sequence(self.sender_sequence_number)

    def __repr__(self) -> str:     # never the keys
        return (f"<SecurityContext sid={self.sender_id.hex()} rid={self.recipient_id.hex()} "
                f"seq={self.sender_sequence_number}>")


@dataclass
class Refusal:
    """An OSCORE-protected (or unprotected) request this side did not process, and why (RFC 8613 §8.2)."""

    remote: Hashable
    reason: str          # "no-context", "decrypt", "replay", "echo", "unprotected", "decode"
    code: str            # the answer's code, dotted ("" when none was sent)
    kid: bytes | None = None
    piv: int | None = None


@dataclass
class _Handle:
    ctx: SecurityContext
    request_id: Any


def _oscore_fields(msg: Message) -> tuple[dict[int, Any], bool]:
    """The OSCORE option's unprotected fields (kid, kid context, Partial IV); (_, False) when undecodable."""
    try:
        _, _, unprotected, _ = _aio.CanUnprotect._extract_encrypted0(msg)
        return unprotected, True
    except Exception:
        return {}, False


class OscoreLayer:
    """The OSCORE contexts of one endpoint and the glue between them and the message layer.

    ``contexts`` are the contexts this side can unprotect requests with (looked up by the ``kid`` and kid
    context of the request, RFC 8613 §8.2 step 2); :meth:`bind` says which context protects the requests this
    side sends to a peer (the Server's account on a client; the context a Register arrived with on a server,
    :attr:`bind_on_request`).  ``required`` peers: an unprotected request from them is refused with 4.01 (the
    account says OSCORE MUST be used, TS Core E.1 /0/x/17)."""

    def __init__(self, *, bind_on_request: bool = False) -> None:
        self.contexts: list[SecurityContext] = []
        self.bound: dict[Hashable, SecurityContext] = {}
        self.required: set[Hashable] = set()
        self.bind_on_request = bind_on_request
        self.refused: list[Refusal] = []
        #: every Partial IV seen per kid in requests that verified (across the peer's addresses and DTLS
        #: sessions), for nonce-reuse findings
        self.seen_piv: dict[bytes, list[int]] = {}
        self._observations: dict[tuple[Hashable, bytes], _Handle] = {}
        self.on_refused: Callable[[Refusal], None] | None = None
        #: seeded defects of the simulator act through these (``meterproof.sim.defects``)
        self.skip_replay_check = False
        self.drop_on_error = False

    # -- contexts
    def add(self, ctx: SecurityContext) -> SecurityContext:
        self.contexts = [c for c in self.contexts
                         if (c.recipient_id, c.id_context) != (ctx.recipient_id, ctx.id_context)] + [ctx]
        for remote, c in list(self.bound.items()):
            if (c.recipient_id, c.id_context) == (ctx.recipient_id, ctx.id_context):
                self.bound[remote] = ctx
        return ctx

    def bind(self, remote: Hashable, ctx: SecurityContext, *, required: bool = True) -> None:
        self.bound[remote] = ctx
        if required:
            self.required.add(remote)

    def unbind(self, remote: Hashable) -> None:
        self.bound.pop(remote, None)
        self.required.discard(remote)

    def context_for(self, kid: bytes | None, kid_context: bytes | None) -> SecurityContext | None:
        for c in self.contexts:
            if c.recipient_id == kid and (kid_context is None or kid_context == c.id_context):
                return c
        return None

    # -- requests this side sends
    def protect_request(self, msg: Message, remote: Hashable) -> tuple[Message, _Handle | None]:
        ctx = self.bound.get(remote)
        if ctx is None or msg.opt.oscore is not None:
            return msg, None
        inner = _outgoing_copy(msg)
        outer, rid = ctx.protect(inner)
        outer.token, outer.mtype = msg.token, msg.mtype
        handle = _Handle(ctx, rid)
        if msg.opt.observe == 0:
            self._observations[(remote, msg.token)] = handle
        return outer, handle

    def unprotect_response(self, outer: Message, handle: _Handle | None, remote: Hashable) -> Message:
        """The inner response.  An unprotected answer (an error such as 4.01 "Security context not found", RFC 8613
        §8.2) is returned as it arrived, for the case to judge; one that does not verify raises ProtocolError."""
        if handle is None:
            return outer
        if outer.opt.oscore is None:
            return outer        # e.g. an unprotected 4.01 "Security context not found": the case sees it
        try:
            inner, _ = handle.ctx.unprotect(_incoming_copy(outer), handle.request_id)
        except Exception as exc:
            from ..errors import ProtocolError
            raise ProtocolError(f"OSCORE response from {remote} does not verify (RFC 8613 §8.4): {exc}") from None
        return _carry(outer, inner)

    def unprotect_notification(self, outer: Message, remote: Hashable) -> Message | None:
        handle = self._observations.get((remote, outer.token))
        if handle is None or outer.opt.oscore is None:
            return outer
        try:
            inner, _ = handle.ctx.unprotect(_incoming_copy(outer), handle.request_id)
        except Exception as exc:
            log.info("OSCORE notification from %s does not verify: %s", remote, exc)
            return None
        return _carry(outer, inner)

    # -- requests this side answers
    async def serve(self, req: Message, remote: Hashable,
                    inner: Callable[[Message, Hashable], Awaitable[Message | None]]) -> Message | None:
        if req.opt.oscore is None:
            if remote in self.required:
                return self._refuse(remote, "unprotected", codes.UNAUTHORIZED, "OSCORE required")
            return await inner(req, remote)
        fields, ok = _oscore_fields(req)
        if not ok:
            return self._refuse(remote, "decode", codes.BAD_REQUEST, "Failed to decode COSE")
        kid, kidctx = fields.get(_aio.COSE_KID), fields.get(_aio.COSE_KID_CONTEXT)
        piv = fields.get(_aio.COSE_PIV)
        pivn = int.from_bytes(piv, "big") if isinstance(piv, bytes) else None
        ctx = self.context_for(kid, kidctx)
        if ctx is None:
            return self._refuse(remote, "no-context", codes.UNAUTHORIZED, "Security context not found", kid, pivn)
        window = ctx.recipient_replay_window
        saved = window.persist() if self.skip_replay_check and window.is_initialized() else None
        if saved is not None:
            window.initialize_empty()           # the defect: every sequence number looks new
        try:
            plain, rid = ctx.unprotect(_incoming_copy(req))
        except _aio.ReplayErrorWithEcho as exc:
            self._note(Refusal(remote, "echo", "4.01", kid, pivn))
            return exc.to_message()          # protected 4.01 with the Echo challenge (RFC 9175 §2.4)
        except _aio.ReplayError:
            return self._refuse(remote, "replay", codes.UNAUTHORIZED, "Replay detected", kid, pivn)
        except (_aio.ProtectionInvalid, _aio.DecodeError, ValueError) as exc:
            log.info("OSCORE request from %s refused: %s", remote, exc)
            return self._refuse(remote, "decrypt", codes.BAD_REQUEST, "Decryption failed", kid, pivn)
        except Exception as exc:   # cryptography's InvalidTag and friends
            log.info("OSCORE request from %s refused: %s", remote, type(exc).__name__)
            return self._refuse(remote, "decrypt", codes.BAD_REQUEST, "Decryption failed", kid, pivn)
        finally:
            if saved is not None:
                window.initialize_from_persisted(saved)
                if pivn is not None and window.is_valid(pivn):
                    window.strike_out(pivn)
        if pivn is not None:
            self.seen_piv.setdefault(ctx.recipient_id, []).append(pivn)
        if self.bind_on_request:
            self.bind(remote, ctx, required=False)
        plain = _carry(req, plain)
        if req.opt.observe == 1 and plain.opt.observe is None:
            # aiocoap keeps an inner Observe only for a registration (0); a deregistration (1, RFC 7641 §3.6) is
            # Observe inner and outer alike (RFC 8613 §4.1.3.5.1): the handler must see it to cancel
            plain.opt.observe = 1
            self._observations.pop((remote, req.token), None)
        resp = await inner(plain, remote)
        if resp is None:
            return None
        if resp.opt.observe is not None and plain.opt.observe == 0 and resp.code.is_successful():
            self._observations[(remote, req.token)] = _Handle(ctx, rid)
        outer, _ = ctx.protect(_outgoing_copy(resp), rid)
        return outer

    def protect_notification(self, msg: Message, remote: Hashable, token: bytes) -> Message:
        handle = self._observations.get((remote, token))
        if handle is None:
            return msg
        outer, _ = handle.ctx.protect(_outgoing_copy(msg), handle.request_id)
        return outer

    def forget_observation(self, remote: Hashable, token: bytes) -> None:
        self._observations.pop((remote, token), None)

    # -- bookkeeping
    def _note(self, r: Refusal) -> None:
        self.refused.append(r)
        if self.on_refused is not None:
            try:
                self.on_refused(r)
            except Exception:   # a listener must not break the protocol
                log.exception("OSCORE refusal listener failed")

    def _refuse(self, remote: Hashable, reason: str, code: Any, diagnostic: str, kid: bytes | None = None,
                piv: int | None = None) -> Message:
        """RFC 8613 §8.2: stop processing; the error answer is unprotected, with Max-Age 0 and the diagnostic."""
        self._note(Refusal(remote, reason, code.dotted, kid, piv))
        if self.drop_on_error and reason in ("decrypt", "no-context", "decode"):
            self.contexts.clear()
        return Message(code=code, payload=diagnostic.encode(), max_age=0)


def _outgoing_copy(msg: Message) -> Message:
    m = msg.copy()
    m.direction = _aio.Direction.OUTGOING
    return m


def _incoming_copy(msg: Message) -> Message:
    m = msg.copy()
    m.direction = _aio.Direction.INCOMING
    return m


def _carry(outer: Message, inner: Message) -> Message:
    """The inner message with the outer one's message-layer fields (type, ID, token, remote)."""
    inner.mtype, inner.mid, inner.token = outer.mtype, outer.mid, outer.token
    inner.remote = outer.remote
    return inner


__all__ = ["AEAD", "HKDF", "OscoreConfigError", "OscoreLayer", "OscoreParams", "Refusal",
           "SecurityContext"]
