"""The CoAP message layer (RFC 7252 §4-5) over any datagram transport, for both roles.

One :class:`Endpoint` owns one transport (one socket, later one DTLS listener)
and does, for the harness *and* for the simulated meter:

* outgoing requests: message IDs, tokens, CON retransmission with exponential
  back-off from :class:`TransmissionParams`, piggybacked and separate
  responses, RST;
* incoming requests: piggybacked answers, a separate response when the handler is
  slow, block-wise transfer on the answering side (:mod:`.blockwise`);
* deduplication of every incoming CON and NON message, requests *and* responses
  (RFC 7252 §4.5): a CON again within EXCHANGE_LIFETIME gets the cached ACK/answer,
  a NON again within NON_LIFETIME is ignored; either way it is processed once (an
  Observe notification the network duplicated reaches its observation once) and
  shows up to listeners labelled ``"duplicate"``;
* Observe bookkeeping on both sides (:mod:`.observe` holds the observer);
* a raw path that puts arbitrary bytes on the same transport (negative tests,
  fuzzing; a raw CON is retransmitted as any CON is, :mod:`.raw`) and a listener
  hook that sees every datagram in both directions with its strict wire check
  (transcripts, captures, liveness oracles).

Malformed input from the peer never raises out of the receive path: it is
recorded as a :class:`WireEvent` with its problems and, where RFC 7252 says so,
rejected with RST.

Over a reliable transport (CoAP over TCP/TLS, RFC 8323; :mod:`.stream` says ``reliable``) the same
endpoint speaks RFC 8323 instead: messages framed by :mod:`.tcp`, no types, message IDs, ACKs, RSTs,
retransmission or deduplication (§3.2, §4.4); requests and responses matched by token; a CSM as the first
message on every connection (§5.3, :attr:`Endpoint.csm`), the peer's CSM kept in :attr:`Endpoint.peers`
(its Max-Message-Size bounds the blocks this side sends, §5.3.1), Ping answered with Pong (§5.4), a
Release or Abort closing the connection (§5.5, §5.6).  Observe notifications go out as plain responses
(RFC 8323 §7.2); an observer cancels with GET Observe=1, there is no RST.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import logging
import os
import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Awaitable, Callable

from aiocoap import Message
from aiocoap.numbers import codes

from ..errors import ProtocolError, TimeoutError_
from . import blockwise, tcp, wire
from .exchange_types import Listener, WireEvent
from .params import DEFAULT, TransmissionParams
from .raw import RawExchange, exchange
from .transport import DatagramTransport, Remote

if TYPE_CHECKING:
    from .observe import Observation
    from .oscore import OscoreLayer

__all__ = ["IDEMPOTENT", "Endpoint", "Listener", "RequestHandler", "RequestTimeout", "ResetError", "WireEvent"]

log = logging.getLogger(__name__)

RequestHandler = Callable[[Message, Remote], Awaitable["Message | None"]]


#: Request methods that may be repeated without changing what they do (RFC 7252 §5.1, RFC 8132 §2).
IDEMPOTENT = frozenset({codes.GET, codes.FETCH, codes.PUT, codes.DELETE, codes.iPATCH})


class ResetError(ProtocolError):
    """The peer answered our message with RST."""


class RequestTimeout(TimeoutError_):
    """No ACK / response within the time the transmission parameters allow."""


@dataclass(slots=True)
class _DedupEntry:
    expiry: float
    response: bytes | None = None   # cached answer to resend on a duplicate CON (None: still busy / NON)


class Endpoint:
    """A CoAP endpoint on one transport; see the module docstring."""

    def __init__(self, transport: DatagramTransport, params: TransmissionParams = DEFAULT, *,
                 handler: RequestHandler | None = None, rng: random.Random | None = None,
                 block_szx: int = 6, max_body: int = 4 * 1024 * 1024,
                 separate_after: float | None = None, name: str = "",
                 recognized_options: frozenset[int] | None = None) -> None:
        self.transport = transport
        #: When set, a request carrying a critical option outside it is answered 4.02 Bad Option (a CON) or
        #: silently ignored (a NON), RFC 7252 §5.4.1; None hands every request to the handler.
        self.recognized_options = recognized_options
        self.params = params
        self.handler = handler
        self.name = name
        self.block_szx = block_szx
        self.max_body = max_body
        #: Handler time after which a CON request gets an empty ACK and a separate response.
        self.separate_after = separate_after if separate_after is not None else params.ack_timeout / 2
        self.listeners: list[Listener] = []
        #: Incoming datagrams that broke a message-format rule (findings when the peer is the DUT).
        self.violations: list[WireEvent] = []
        #: How often a safe/idempotent request that got no answer is repeated as a new exchange (see request).
        self.repeat_idempotent = 0
        #: OSCORE (RFC 8613) on this endpoint's path (:mod:`.oscore`): None sends and serves plain CoAP.
        self.oscore: "OscoreLayer | None" = None
        #: Called on RST or ACK for a NON/CON notification we sent: (remote, token, reset?).
        self.on_notification_reply: Callable[[Remote, bytes, bool], None] | None = None
        self._rng = rng or random.Random(int.from_bytes(os.urandom(8), "big"))
        self._mid = itertools.count(self._rng.randrange(0, 65536))
        self._pending_con: dict[tuple[Remote, int], tuple[asyncio.Future[Message], bytes]] = {}
        self._pending_resp: dict[tuple[Remote, bytes], asyncio.Future[Message]] = {}
        #: (remote, token) -> message ID of a CON request still being retransmitted.
        self._con_request_mid: dict[tuple[Remote, bytes], int] = {}
        self._observations: dict[tuple[Remote, bytes], "Observation"] = {}
        #: token -> number of keys in _pending_resp and _observations that use it (O(1) new_token).
        self._token_use: dict[bytes, int] = {}
        self._sent_notifications: collections.OrderedDict[tuple[Remote, int], tuple[bytes, float]] = \
            collections.OrderedDict()
        self._dedup: collections.OrderedDict[tuple[Remote, int], _DedupEntry] = collections.OrderedDict()
        self._raw_claims: dict[tuple[Remote, int], float] = {}
        #: Reassembles the Block1 request bodies this side answers (the simulator switches its defects on here).
        self.block1 = blockwise.Block1Assembler(max_body)
        self.block2 = blockwise.Block2Representations(params.exchange_lifetime)
        #: The most a resource takes in a Block1 transfer, per request (None: ``max_body``), and who hears of a
        #: transfer refused for its size (4.13): a device's storage for a package, say.
        self.body_limit: Callable[[Message], int | None] | None = None
        self.on_body_refused: Callable[[Message], None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.closed = False
        transport.on_datagram = self._on_datagram
        #: CoAP over TCP/TLS (RFC 8323): see the module docstring.
        self.reliable = bool(getattr(transport, "reliable", False))
        #: RFC 8323: the CSM this side sends first on every connection (None: sends none -- a seeded defect).
        self.csm: Message | None = tcp.csm(getattr(transport, "max_size", tcp.BASE_MAX_MESSAGE_SIZE)) \
            if self.reliable else None
        #: RFC 8323: what each connected peer's CSMs said, and whether its first message was one (§5.3).
        self.peers: dict[Remote, tcp.PeerSettings] = {}
        #: RFC 8323 §5.4: answer a Ping with a Pong (False: never -- a seeded defect).
        self.answer_ping = True
        self._pings: dict[tuple[Remote, bytes], asyncio.Future[Message]] = {}
        #: RFC 8323: the Max-Message-Size this side's last CSM announced on each connection (§5.3.1)
        self.announced: dict[Remote, int] = {}
        if self.reliable:
            transport.on_connect = self._on_connect  # type: ignore[attr-defined]
            transport.on_disconnect = self._on_disconnect  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> "Endpoint":
        self._loop = asyncio.get_running_loop()
        await self.transport.open()
        return self

    def close(self) -> None:
        self.closed = True
        for t in list(self._tasks):
            t.cancel()
        for fut, _ in self._pending_con.values():
            if not fut.done():
                fut.cancel()
        for fut2 in self._pending_resp.values():
            if not fut2.done():
                fut2.cancel()
        self.transport.close()

    @property
    def local_address(self) -> tuple[str, int]:
        return self.transport.local_address

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    # ------------------------------------------------------------------ ids
    def next_mid(self) -> int:
        return next(self._mid) & 0xFFFF

    def new_token(self, length: int = 4) -> bytes:
        """A random token not used by any pending request or observation (to any remote)."""
        while True:
            tok = self._rng.getrandbits(8 * length).to_bytes(length, "big")
            if tok not in self._token_use:
                return tok

    def _hold_token(self, tok: bytes) -> None:
        self._token_use[tok] = self._token_use.get(tok, 0) + 1

    def _release_token(self, tok: bytes) -> None:
        n = self._token_use.get(tok, 0) - 1
        if n > 0:
            self._token_use[tok] = n
        else:
            self._token_use.pop(tok, None)

    # ------------------------------------------------------------------ sending
    def _emit(self, ev: WireEvent) -> None:
        for cb in self.listeners:
            try:
                cb(ev)
            except Exception:  # a broken listener must not break the protocol
                log.exception("wire listener failed")

    def _send(self, raw: bytes, remote: Remote, msg: Message | None, label: str = "") -> None:
        if self.closed:
            return
        if self.listeners:
            self._emit(WireEvent("out", remote, raw, msg, time.time(), self.loop.time(), [], label))
        self.transport.send(raw, remote)

    def encode(self, msg: Message) -> bytes:
        """The bytes of ``msg`` on this endpoint's transport (RFC 7252 §3, or RFC 8323 §3.2 framing)."""
        return tcp.encode(msg) if self.reliable else wire.encode(msg)

    def check(self, raw: bytes) -> list[str]:
        """Every message-format rule ``raw`` breaks on this endpoint's transport."""
        return tcp.check(raw) if self.reliable else wire.check(raw)

    def send_message(self, msg: Message, remote: Remote, label: str = "") -> None:
        """Send one message as it is (mid/type/token must be set; over TCP only the token): no retransmission."""
        self._send(self.encode(msg), remote, msg, label)

    # ------------------------------------------------------------------ RFC 8323 signalling
    def _on_connect(self, remote: Remote) -> None:
        """A connection carries CoAP now: our CSM goes first (RFC 8323 §5.3)."""
        self.peers[remote] = tcp.PeerSettings()
        if self.csm is not None:
            self.send_csm(remote, self.csm)

    def _on_disconnect(self, remote: Remote, exc: Exception | None) -> None:
        for (r, tok), fut in list(self._pending_resp.items()):
            if r == remote and not fut.done():
                fut.set_exception(RequestTimeout(f"the connection to {remote} closed before the response came"
                                                 + (f" ({exc})" if exc else "")))
        for (r, _), fut in list(self._pings.items()):
            if r == remote and not fut.done():
                fut.set_exception(RequestTimeout(f"the connection to {remote} closed before the Pong came"))

    def max_szx(self, remote: Remote) -> int:
        """The largest block size exponent whose messages the peer takes: ``block_szx``, over TCP also no more
        than the peer's Max-Message-Size allows with 128 bytes of header and options (RFC 8323 §5.3.1)."""
        szx = self.block_szx
        if not self.reliable:
            return szx
        limit = self.peers.get(remote, tcp.PeerSettings()).max_message_size - 128
        while szx > 0 and blockwise.block_size(szx) > limit:
            szx -= 1
        return szx

    async def ping(self, remote: Remote, timeout: float) -> Message:
        """RFC 8323 §5.4: send a 7.02 Ping and return the peer's 7.03 Pong (RequestTimeout without one)."""
        token = self.new_token()
        fut: asyncio.Future[Message] = self.loop.create_future()
        self._pings[(remote, token)] = fut
        try:
            self.send_message(tcp.ping(token), remote, "ping")
            return await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            raise RequestTimeout(f"no Pong from {remote} within {timeout:.1f}s (RFC 8323 §5.4)") from None
        finally:
            self._pings.pop((remote, token), None)

    def send_csm(self, remote: Remote, csm: Message) -> None:
        """Send a (further) CSM on the connection: its settings replace the earlier ones (RFC 8323 §5.3)."""
        mms = tcp.signal_options(csm).get(tcp.OPT_MAX_MESSAGE_SIZE)
        if mms is not None:
            self.announced[remote] = int.from_bytes(mms, "big")
        self.send_message(csm, remote, "csm")

    def _on_signal(self, msg: Message, remote: Remote) -> None:
        peer = self.peers.setdefault(remote, tcp.PeerSettings())
        if msg.code == tcp.CSM:
            peer.update(msg)
        elif msg.code == tcp.PING:
            if self.answer_ping:
                self.send_message(tcp.pong(msg), remote, "pong")
        elif msg.code == tcp.PONG:
            fut = self._pings.get((remote, msg.token))
            if fut is not None and not fut.done():
                fut.set_result(msg)
        elif msg.code in (tcp.RELEASE, tcp.ABORT):
            # §5.5: the peer will close; §5.6: the peer aborted -- this side closes its end too
            self.transport.close_connection(remote)  # type: ignore[attr-defined]

    def send_raw(self, data: bytes, remote: Remote, *, claim: bool = True, label: str = "raw") -> None:
        """Put arbitrary bytes on the transport; replies show up to listeners.

        With ``claim`` the replies that match the message ID are consumed
        quietly instead of being treated as unexpected (and RST)."""
        if claim and len(data) >= 4 and not self.reliable:
            self._raw_claims[(remote, int.from_bytes(data[2:4], "big"))] = self.loop.time() + \
                self.params.exchange_lifetime
        self._emit(WireEvent("out", remote, bytes(data), None, time.time(), self.loop.time(),
                             self.check(bytes(data)), label))
        if not self.closed:
            self.transport.send(bytes(data), remote)

    async def exchange_raw(self, data: bytes, remote: Remote, timeout: float, *, retransmit: bool = True,
                           first_wait: float | None = None, heartbeat: float | None = None) -> RawExchange:
        """Send raw bytes and collect what ``remote`` sends back; a CON is retransmitted by RFC 7252's
        rules until its ACK/RST comes (:mod:`.raw` says how, and what the result measures)."""
        return await exchange(self, data, remote, timeout, retransmit=retransmit, first_wait=first_wait,
                              heartbeat=heartbeat)

    async def _transmit_con(self, msg: Message, remote: Remote) -> Message:
        """Send a CON message, retransmitting until ACK or RST; returns that ACK/RST."""
        key = (remote, msg.mid)
        fut: asyncio.Future[Message] = self.loop.create_future()
        self._pending_con[key] = (fut, msg.token)
        raw = wire.encode(msg)
        # One timer per exchange re-armed with the doubled timeout (no task per attempt):
        # attempt k goes out at the sum of the k previous timeouts; after the last one
        # (MAX_RETRANSMIT) its own, doubled, timeout runs out before RequestTimeout.
        timeout = self.params.initial_timeout(self._rng)
        attempt = 0
        timer: asyncio.TimerHandle | None = None

        def expired() -> None:
            nonlocal attempt, timeout, timer
            if fut.done():
                return
            attempt += 1
            if attempt > self.params.max_retransmit:
                fut.set_exception(RequestTimeout(
                    f"no ACK from {remote} for {wire.summary(msg)} after {self.params.max_retransmit} "
                    f"retransmissions (MAX_TRANSMIT_WAIT {self.params.max_transmit_wait:.1f}s)"))
                return
            self._send(raw, remote, msg, "retransmission")
            timeout *= 2
            timer = self.loop.call_later(timeout, expired)

        try:
            self._send(raw, remote, msg, "")
            timer = self.loop.call_later(timeout, expired)
            return await fut
        finally:
            if timer is not None:
                timer.cancel()
            self._pending_con.pop(key, None)

    async def request(self, msg: Message, remote: Remote, *, confirmable: bool = True,
                      timeout: float | None = None) -> Message:
        """Send a request and return its response (piggybacked or separate).

        A safe or idempotent CON request (GET, FETCH, PUT, DELETE, iPATCH; RFC 7252 §5.1, RFC 8132 §2)
        that got no answer within its exchange goes out again as a new exchange, ``repeat_idempotent``
        times: on a lossy link one exchange can lose all its copies, and these methods may be repeated
        without changing what they do.  POST is never repeated.

        Raises :class:`RequestTimeout`, :class:`ResetError` or
        :class:`ProtocolError` (e.g. a piggybacked response with the wrong token)."""
        repeats = self.repeat_idempotent if confirmable and msg.code in IDEMPOTENT else 0
        for attempt in range(repeats + 1):
            try:
                if self.oscore is not None:     # each attempt is a new OSCORE request (a new Partial IV)
                    if not msg.token:
                        msg.token = self.new_token()
                    outer, handle = self.oscore.protect_request(msg, remote)
                    reply = await self._request_once(outer, remote, confirmable, timeout)
                    msg.token, msg.mid, msg.mtype = outer.token, outer.mid, outer.mtype
                    inner = self.oscore.unprotect_response(reply, handle, remote)
                    if handle is not None and reply.opt.oscore is not None and inner.code == codes.UNAUTHORIZED \
                            and inner.opt.echo and msg.opt.echo is None:
                        # RFC 9175 §2.3 / RFC 8613 Appendix B.1.2: a verified 4.01 with Echo asks for freshness;
                        # the same request again, with that Echo, as a new OSCORE request
                        again = msg.copy(echo=inner.opt.echo)
                        outer, handle = self.oscore.protect_request(again, remote)
                        reply = await self._request_once(outer, remote, confirmable, timeout)
                        inner = self.oscore.unprotect_response(reply, handle, remote)
                    return inner
                return await self._request_once(msg, remote, confirmable, timeout)
            except RequestTimeout as exc:
                if attempt == repeats:
                    raise
                log.info("%s; repeating the %s as a new exchange (%d of %d)", exc, msg.code, attempt + 1, repeats)
        raise AssertionError("unreachable")

    async def _request_once(self, msg: Message, remote: Remote, confirmable: bool, timeout: float | None) -> Message:
        if self.reliable:
            # RFC 8323: the request goes out once, its response is the next one with its token
            msg.mtype, msg.mid = None, None
        else:
            msg.mtype = wire.CON if confirmable else wire.NON
            msg.mid = self.next_mid()
        if not msg.token:
            msg.token = self.new_token()
        key = (remote, msg.token)
        fut: asyncio.Future[Message] = self.loop.create_future()
        if key not in self._pending_resp:
            self._hold_token(msg.token)
        self._pending_resp[key] = fut
        wait = timeout if timeout is not None else self.params.exchange_lifetime
        try:
            if confirmable and not self.reliable:
                self._con_request_mid[key] = msg.mid
                try:
                    reply = await self._transmit_con(msg, remote)
                finally:
                    self._con_request_mid.pop(key, None)
                if reply.mtype == wire.RST:
                    raise ResetError(f"{remote} answered {wire.summary(msg)} with RST")
                if reply.code != codes.EMPTY:
                    return reply
            else:
                self.send_message(msg, remote)
            try:
                return await asyncio.wait_for(fut, wait)
            except asyncio.TimeoutError:
                raise RequestTimeout(f"no response from {remote} to {wire.summary(msg)} within {wait:.1f}s") \
                    from None
        finally:
            if self._pending_resp.pop(key, None) is not None:
                self._release_token(msg.token)

    async def notify(self, msg: Message, remote: Remote, token: bytes, *, confirmable: bool) -> str:
        """Send a notification (an Observe response) to an observer.

        Returns ``"acked"``, ``"reset"`` (the observer cancelled), ``"sent"``
        (NON) or ``"timeout"``."""
        if self.oscore is not None:
            msg = self.oscore.protect_notification(msg, remote, token)
        if self.reliable:       # RFC 8323 §7.2: a notification is a response; the connection delivers it
            msg.mtype, msg.mid, msg.token = None, None, token
            self.send_message(msg, remote)
            return "sent"
        msg.mtype = wire.CON if confirmable else wire.NON
        msg.mid = self.next_mid()
        msg.token = token
        if not confirmable:
            self._remember_notification(remote, msg.mid, token)
            self.send_message(msg, remote)
            return "sent"
        try:
            reply = await self._transmit_con(msg, remote)
        except RequestTimeout:
            return "timeout"
        return "reset" if reply.mtype == wire.RST else "acked"

    def _remember_notification(self, remote: Remote, mid: int, token: bytes) -> None:
        now = self.loop.time()
        self._sent_notifications[(remote, mid)] = (token, now + self.params.non_lifetime)
        while self._sent_notifications:
            k, (_, exp) = next(iter(self._sent_notifications.items()))
            if exp > now and len(self._sent_notifications) < 4096:
                break
            self._sent_notifications.popitem(last=False)

    # ------------------------------------------------------------------ observation registry
    def register_observation(self, obs: "Observation") -> None:
        key = (obs.remote, obs.token)
        if key not in self._observations:
            self._hold_token(obs.token)
        self._observations[key] = obs

    def forget_observation(self, obs: "Observation") -> None:
        if self._observations.pop((obs.remote, obs.token), None) is not None:
            self._release_token(obs.token)

    # ------------------------------------------------------------------ receiving
    def _on_datagram(self, raw: bytes, remote: Remote) -> None:
        if self.reliable:
            self._on_frame(raw, remote)
            return
        now = self.loop.time()
        problems = wire.check(raw)
        msg: Message | None
        try:
            msg = wire.decode(raw, remote)
        except ProtocolError as exc:
            msg = None
            if not problems:
                problems = [str(exc)]
        dup = None if msg is None or problems else self._duplicate_of(msg, remote, now)
        if problems or self.listeners:
            ev = WireEvent("in", remote, raw, msg, time.time(), now, problems,
                           "duplicate" if dup is not None else "")
            if problems:
                self.violations.append(ev)
            self._emit(ev)
        if msg is None or problems:
            # RFC 7252 §4.2/§4.3: a CON (MUST) or NON (MAY) with a message format error -- including
            # the ones aiocoap's lenient decoder accepts (TKL 9-15, short token, marker without
            # payload, reserved code class) -- is rejected with RST when the header is readable;
            # a malformed ACK/RST is silently ignored.  Never handed to the layers above.
            if len(raw) >= 4 and (raw[0] >> 6) == 1 and ((raw[0] >> 4) & 3) in (0, 1):
                self.send_message(wire.empty(wire.RST, int.from_bytes(raw[2:4], "big")), remote, "rejected")
            return
        if dup is not None:
            # RFC 7252 §4.5: act on it once.  A CON gets the ACK/answer it got before (the peer did not
            # see it); one still being handled gets nothing now, its answer goes out once.  A NON: ignored.
            if msg.mtype == wire.CON and dup.response is not None:
                self._send(dup.response, remote, wire.decode(dup.response) if self.listeners else None,
                           "cached answer")
            return
        try:
            self._dispatch(msg, remote, now)
        except Exception:  # never let peer input crash the receive path
            log.exception("error while handling %s from %s", wire.summary(msg), remote)

    def _on_frame(self, raw: bytes, remote: Remote) -> None:
        """One message from a TCP/TLS connection (RFC 8323)."""
        now = self.loop.time()
        problems = tcp.check(raw)
        msg: Message | None
        try:
            msg = tcp.decode(raw)
        except ProtocolError as exc:
            msg = None
            if not problems:
                problems = [str(exc)]
        peer = self.peers.setdefault(remote, tcp.PeerSettings())
        if msg is not None and not peer.csm_received and msg.code != tcp.CSM and not peer.problems:
            # §5.3: "Each endpoint MUST send a CSM ... as its first message"; noted once per connection
            peer.problems.append(f"first message on the connection is {msg.code}, not a CSM (RFC 8323 §5.3)")
            problems = problems + peer.problems[-1:]
        limit = self.announced.get(remote, tcp.BASE_MAX_MESSAGE_SIZE)
        if len(raw) > limit:
            problems = problems + [f"message of {len(raw)} bytes exceeds the Max-Message-Size {limit} this side "
                                   f"announced (RFC 8323 §5.3.1)"]
        ev = WireEvent("in", remote, raw, msg, time.time(), now, problems, "")
        if problems:
            self.violations.append(ev)
        if self.listeners:
            self._emit(ev)
        if msg is None or tcp.check(raw):
            return      # a message that does not parse is never handed up (the framing still holds)
        try:
            if msg.code.is_signalling():
                self._on_signal(msg, remote)
            elif msg.code.is_request():
                task = self.loop.create_task(self._serve_reliable(msg, remote))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            elif msg.code.is_response():
                self._on_response(msg, remote, claimed=False)
        except Exception:  # never let peer input crash the receive path
            log.exception("error while handling %s from %s", wire.summary(msg), remote)

    async def _serve_reliable(self, req: Message, remote: Remote) -> None:
        try:
            resp = await self._answer(req, remote)
        except Exception:
            log.exception("request handler failed for %s", wire.summary(req))
            resp = wire.new(codes.INTERNAL_SERVER_ERROR)
        if resp is None:
            return
        resp.token, resp.mtype, resp.mid = req.token, None, None
        self.send_message(resp, remote)

    def _dispatch(self, msg: Message, remote: Remote, now: float) -> None:
        claim = self._raw_claims.pop((remote, msg.mid), None)
        if msg.mtype in (wire.ACK, wire.RST):
            pending = self._pending_con.get((remote, msg.mid))
            if pending is not None:
                fut, token = pending
                if msg.mtype == wire.ACK and msg.code != codes.EMPTY and msg.token != token:
                    if not fut.done():
                        fut.set_exception(ProtocolError(
                            f"piggybacked response ({msg.code.dotted}) token {msg.token.hex() or '(empty)'} does not "
                            f"match request token {token.hex()} (RFC 7252 §5.3.2)"))
                    return
                if not fut.done():
                    fut.set_result(msg)
                return
            sent = self._sent_notifications.pop((remote, msg.mid), None)
            if sent is not None and self.on_notification_reply is not None:
                self.on_notification_reply(remote, sent[0], msg.mtype == wire.RST)
            # otherwise: an unexpected ACK/RST; listeners have seen it, nothing to answer (§4.2)
            return
        if msg.code == codes.EMPTY:
            if msg.mtype == wire.CON:  # CoAP ping (§4.3)
                self.send_message(wire.empty(wire.RST, msg.mid), remote, "pong")
            return
        if msg.code.is_request():
            self._on_request(msg, remote, now)
        elif msg.code.is_response():
            self._on_response(msg, remote, claimed=claim is not None)

    def _duplicate_of(self, msg: Message, remote: Remote, now: float) -> _DedupEntry | None:
        """The entry of an earlier copy of this CON/NON request or response still within its lifetime."""
        if msg.mtype not in (wire.CON, wire.NON) or msg.code == codes.EMPTY:
            return None      # ACK/RST match exchanges, not deduplicated; a CoAP ping is answered every time
        entry = self._dedup.get((remote, msg.mid))
        return entry if entry is not None and entry.expiry > now else None

    def _on_response(self, msg: Message, remote: Remote, claimed: bool) -> None:
        key = (remote, msg.token)
        fut = self._pending_resp.get(key)
        obs = self._observations.get(key)
        if fut is not None and obs is not None and obs.cancelled and msg.opt.observe is not None:
            # A notification of the observation a GET with Observe=1 is cancelling (same token, RFC 7641 §3.6)
            # that crossed it, or came before a lost copy of it was retransmitted: the answer to that GET
            # carries no Observe option (§4.1, "process the GET request as usual"), so this is not it.
            fut = None
        if msg.mtype == wire.NON:
            self._remember_dedup(remote, msg.mid, None, self.params.non_lifetime)
        accepted = False
        if fut is not None and not fut.done():
            fut.set_result(msg)
            accepted = True
            # The empty ACK of our CON request was lost (or is late): the separate response
            # matched by token completes the exchange, so stop retransmitting (RFC 7252 §5.2.2).
            mid = self._con_request_mid.get(key)
            if mid is not None:
                pending = self._pending_con.get((remote, mid))
                if pending is not None and not pending[0].done():
                    pending[0].set_result(msg)
        elif obs is not None:
            inner = msg if self.oscore is None else self.oscore.unprotect_notification(msg, remote)
            accepted = inner is not None and obs.deliver(inner, self.loop.time())
        if self.reliable:
            return      # RFC 8323: nothing to acknowledge, and no RST for a response nobody wants
        if msg.mtype == wire.CON:
            reply = wire.empty(wire.ACK if accepted or claimed else wire.RST, msg.mid)
            raw = wire.encode(reply)
            self._remember_dedup(remote, msg.mid, raw)
            self._send(raw, remote, reply)
        elif not accepted and not claimed:
            # RFC 7641 §3.6: a notification nobody wants is rejected with RST, NON included.
            self.send_message(wire.empty(wire.RST, msg.mid), remote)

    def _remember_dedup(self, remote: Remote, mid: int, response: bytes | None,
                        lifetime: float | None = None) -> _DedupEntry:
        """Remember an incoming message ID for ``lifetime`` (default EXCHANGE_LIFETIME, a CON's)."""
        now = self.loop.time()
        entry = _DedupEntry(now + (lifetime if lifetime is not None else self.params.exchange_lifetime), response)
        self._dedup[(remote, mid)] = entry
        self._dedup.move_to_end((remote, mid))
        while self._dedup:
            k, e = next(iter(self._dedup.items()))
            if e.expiry > now and len(self._dedup) < 65536:
                break
            self._dedup.popitem(last=False)
        return entry

    def _on_request(self, msg: Message, remote: Remote, now: float) -> None:
        lifetime = self.params.exchange_lifetime if msg.mtype == wire.CON else self.params.non_lifetime
        entry = self._remember_dedup(remote, msg.mid, None, lifetime)
        task = self.loop.create_task(self._serve(msg, remote, entry))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, req: Message, remote: Remote, entry: _DedupEntry) -> None:
        # A CON request whose handler is still busy after separate_after gets an empty ACK
        # and, later, a separate response (RFC 7252 §5.2.2).
        separate = False
        timer: asyncio.TimerHandle | None = None
        if req.mtype == wire.CON:
            def empty_ack() -> None:
                nonlocal separate
                ack = wire.empty(wire.ACK, req.mid)
                entry.response = wire.encode(ack)
                self._send(entry.response, remote, ack)
                separate = True
            timer = self.loop.call_later(self.separate_after, empty_ack)
        try:
            resp = await self._answer(req, remote)
        except Exception:
            log.exception("request handler failed for %s", wire.summary(req))
            resp = wire.new(codes.INTERNAL_SERVER_ERROR)
        finally:
            if timer is not None:
                timer.cancel()
        if resp is None:
            if req.mtype == wire.CON and not separate:
                ack = wire.empty(wire.ACK, req.mid)
                entry.response = wire.encode(ack)
                self._send(entry.response, remote, ack)
            return
        resp.token = req.token
        if req.mtype == wire.CON and not separate:
            resp.mtype, resp.mid = wire.ACK, req.mid
            entry.response = wire.encode(resp)
            self._send(entry.response, remote, resp)
        elif req.mtype == wire.CON:
            resp.mtype, resp.mid = wire.CON, self.next_mid()
            try:
                await self._transmit_con(resp, remote)
            except RequestTimeout:
                log.info("separate response to %s was never acknowledged", remote)
        else:
            resp.mtype, resp.mid = wire.NON, self.next_mid()
            self.send_message(resp, remote)

    async def _answer(self, req: Message, remote: Remote) -> Message | None:
        """OSCORE (when on), then block1 reassembly, the handler, Block2 slicing (inner block-wise, RFC 8613
        §4.1.3.4.1)."""
        if self.oscore is not None:
            return await self.oscore.serve(req, remote, self._answer_plain)
        return await self._answer_plain(req, remote)

    async def _answer_plain(self, req: Message, remote: Remote) -> Message | None:
        if self.handler is None:
            return wire.new(codes.NOT_FOUND)
        if self.recognized_options is not None:
            bad = wire.unrecognized_critical(req, self.recognized_options)
            if bad:
                if req.mtype == wire.NON:
                    return None
                return wire.new(codes.BAD_OPTION, payload=f"unrecognized critical option {bad[0]}".encode())
        limit = self.body_limit(req) if self.body_limit is not None and req.opt.block1 is not None else None
        full, early = self.block1.feed(req, remote, self.max_szx(remote), limit)
        if early is not None:
            if early.code == codes.REQUEST_ENTITY_TOO_LARGE and self.on_body_refused is not None:
                self.on_body_refused(req)
            return early
        assert full is not None
        kept = self.block2.key(req, remote)
        num = req.opt.block2.block_number if req.opt.block2 is not None else 0   # before the handler sees it
        resp = await self.handler(full, remote)
        if resp is None:
            return None
        if req.opt.block1 is not None:
            b1 = req.opt.block1
            resp.opt.block1 = type(b1)(b1.block_number, False, b1.size_exponent)
        self.block2.answer(kept, num, resp, time.monotonic())
        sliced = blockwise.slice_block2(req, resp, self.max_szx(remote))
        self.block2.done(kept, sliced)
        return sliced
