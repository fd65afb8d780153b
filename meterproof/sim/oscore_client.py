"""How the simulated meter speaks OSCORE (RFC 8613) toward a server whose /0 instance links a /21 instance.

TS Core 1.1 Appendix E.1, /0/x/17 "OSCORE Security Mode": when present it links an OSCORE object instance
(/21, Appendix E.4) and "OSCORE MUST be used by the LwM2M Client with the linked OSCORE Object Instance".
Before a Register (:func:`apply`), the meter builds the security context from that /21 instance
(``meterproof.coap.oscore``), puts it on its endpoint and binds it to the server's address: its Register,
Updates, Sends and notifications go protected, the server's requests are unprotected with it, and an
unprotected request from that server is refused with 4.01.  Whatever a factory configuration or a
Bootstrap-Write put in /0 and /21 is what the meter uses; the master secret never reaches a log.

Across a reboot (:func:`reboot`) the meter keeps what RFC 8613 Appendix B.1 asks a device to keep: its
Sender Sequence Number resumes past the last one it could have used (B.1.1, persisted in steps of
:data:`SEQUENCE_STEP`), and since its replay window is lost it answers the first request of each context
with 4.01 and an Echo challenge (B.1.2, RFC 9175 §2.4) before accepting any.

Seeded defects that live here (``meterproof.sim.defects``): ``oscore-replay-accepted`` (the replay window is
never consulted), ``oscore-context-dropped-on-error`` (one request that fails verification discards the
context), ``oscore-bootstrap-unprotected`` (the Bootstrap-Server account's /0/x/17 is ignored),
``oscore-sequence-reset`` (the sequence number starts from 0 again after a reboot: nonce
reuse), ``oscore-replay-window-reset`` (after a reboot the replay window starts empty, without Echo) and
``oscore-context-unbound`` (unprotected requests from the OSCORE server are served as if protected).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..coap.oscore import OscoreConfigError, OscoreLayer, OscoreParams, SecurityContext
from ..errors import ProtocolError
from ..lwm2m.values import ObjLnk

if TYPE_CHECKING:
    from .host import MeterHost

log = logging.getLogger(__name__)

SEC_OSCORE = 17          # /0/x/17 OSCORE Security Mode (Objlnk to /21)
OSCORE_OBJECT = 21
#: RFC 8613 Appendix B.1.1: the sequence number is persisted every K numbers; after a reboot the sender
#: resumes at the persisted value plus K, so it never reuses one it may have sent.
SEQUENCE_STEP = 64


def linked_instance(meter: "MeterHost", res: dict[int, Any]) -> dict[int, Any] | None:
    """The /21 instance the /0 instance ``res`` links with /0/x/17, or None when the account is not OSCORE."""
    link = res.get(SEC_OSCORE)
    if link is None:
        return None
    if not isinstance(link, ObjLnk) or link.object_id != OSCORE_OBJECT:
        raise ProtocolError(f"/0/x/17 must link an OSCORE (/21) instance, got {link}")
    if not meter.store.has_object(OSCORE_OBJECT) or not meter.store.has_instance(OSCORE_OBJECT, link.instance_id):
        raise ProtocolError(f"/0/x/17 links /21/{link.instance_id}, which does not exist")
    return meter.store.instance(OSCORE_OBJECT, link.instance_id)


def linked_params(meter: "MeterHost", res: dict[int, Any]) -> OscoreParams | None:
    """The OSCORE parameters of the /21 instance ``res`` links (None: no link); ProtocolError when unusable."""
    inst = linked_instance(meter, res)
    if inst is None:
        return None
    try:
        params = OscoreParams.from_instance(inst)
        SecurityContext(params)          # algorithm numbers and ID lengths
    except (OscoreConfigError, ValueError, TypeError) as exc:
        raise ProtocolError(f"/21 cannot be used: {exc}") from None
    return params


def layer(meter: "MeterHost") -> OscoreLayer:
    ep = meter.endpoint
    if ep.oscore is None:
        ep.oscore = OscoreLayer()
        ep.oscore.skip_replay_check = meter.has("oscore-replay-accepted")
        ep.oscore.drop_on_error = meter.has("oscore-context-dropped-on-error")
    return ep.oscore


def apply(meter: "MeterHost", res: dict[int, Any], remote: Any) -> SecurityContext | None:
    """Put the context of the account ``res`` on the meter's endpoint, bound to the server at ``remote``
    (a context already in use for the same /21 parameters is kept: its sequence number goes on)."""
    params = linked_params(meter, res)
    if params is not None and meter.has("oscore-server-unprotected") and not res.get(1):
        params = None               # the vendor bug: /0/x/17 of a (non-bootstrap) server account is never read
    if params is None:
        if meter.endpoint.oscore is not None:
            meter.endpoint.oscore.unbind(remote)
        return None
    lay = layer(meter)
    contexts: dict[OscoreParams, SecurityContext] = meter.oscore_contexts
    ctx = contexts.get(params)
    if ctx is None:
        resume = meter.oscore_resume.get(context_key(params))     # a context in use before a power cut
        ctx = contexts[params] = (SecurityContext(params) if resume is None else _resumed(meter, params, resume))
    if ctx not in lay.contexts:
        lay.add(ctx)
    lay.bind(remote, ctx, required=not meter.has("oscore-context-unbound"))
    log.info("%s: OSCORE toward %s (sender id %s)", meter.endpoint_name, remote, params.sender_id.hex() or "''")
    return ctx


def reboot(meter: "MeterHost") -> None:
    """Volatile OSCORE state is lost: sequence numbers resume past the persisted step, replay windows are
    unknown (Echo recovery), as RFC 8613 Appendix B.1 says -- or as the seeded defect says."""
    contexts: dict[OscoreParams, SecurityContext] = meter.oscore_contexts
    lay = meter.endpoint.oscore
    if lay is None:
        return
    for params, old in list(contexts.items()):
        new = contexts[params] = _resumed(meter, params, resume_point(old))
        lay.add(new)


def context_key(params: OscoreParams) -> str:
    """What names a context in the meter's state file: its IDs (public), never its master secret or salt."""
    return f"{params.sender_id.hex()}:{params.recipient_id.hex()}:{(params.id_context or b'').hex()}"


def resume_point(ctx: SecurityContext) -> int:
    """The sequence number persisted for ``ctx`` in steps of :data:`SEQUENCE_STEP` (B.1.1): past any it used."""
    return (ctx.sender_sequence_number // SEQUENCE_STEP + 1) * SEQUENCE_STEP


def persisted(meter: "MeterHost") -> dict[str, int]:
    """Context key -> resume point of every context in use: what the meter's flash holds at a power cut."""
    return {context_key(p): resume_point(c) for p, c in meter.oscore_contexts.items()}


def _resumed(meter: "MeterHost", params: OscoreParams, resume: int) -> SecurityContext:
    """The context after a reboot or power cut: resumed sequence number, replay window unknown (Echo recovery),
    as RFC 8613 Appendix B.1 says -- or as the seeded defect says."""
    seq = 0 if meter.has("oscore-sequence-reset") else resume
    replay = "fresh" if meter.has("oscore-replay-window-reset") else "unknown"
    return SecurityContext(params, sequence=seq, replay=replay)


__all__ = ["OSCORE_OBJECT", "SEC_OSCORE", "SEQUENCE_STEP", "apply", "context_key", "layer", "linked_instance",
           "linked_params", "persisted", "reboot", "resume_point"]
