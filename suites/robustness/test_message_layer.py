"""The CoAP message layer itself: what every exchange relies on, checked on purpose with input a device rarely
sees from a typical server (meterproof's other cases use 4-byte tokens, as most servers do).

Every datagram of every case is also judged against the message-layer rules of RFC 7252 / RFC 7641
(:mod:`meterproof.fixtures.hygiene`); the cases here make sure the rules that depend on what the harness sends
are exercised at their edges.
"""

from __future__ import annotations

from meterproof.coap import wire
from meterproof.coap.endpoint import RequestTimeout
from meterproof.errors import ProtocolError
from meterproof.fixtures import P, codes, expect, mp

COAP = dict(epic="CoAP message layer", feature="Tokens")


@mp("MP-COAP-TOKEN", "Responses echo the request's token, whatever its length", **COAP,
    clause="RFC 7252 §5.3.1 (a token is 0 to 8 bytes, chosen by the client) and §5.3.2 (the tokens of the response "
           "and the original request MUST match)")
def test_token_echoed(server, dut, transcript):
    """GET /3/0/16 (Supported Binding and Modes, mandatory) three times, with a 1-, a 5- and an 8-byte token.
    Pass: each response (piggybacked or separate) carries exactly the token of its request."""
    device_path = dut.registration.device_path(P("/3/0/16"))
    for length in (1, 5, 8):
        token = server.aio.endpoint.new_token(length)
        what = f"token of the response to GET /3/0/16 sent with the {length}-byte token {token.hex()}"
        try:
            r = server.raw_request(dut.endpoint, wire.new(codes.GET, uri_path=device_path, token=token))
        except ProtocolError as exc:    # a piggybacked response with another token
            expect.fail(what, token.hex(), str(exc))
        except RequestTimeout as exc:   # a separate response with another token matches no request
            expect.fail(what, f"a response carrying {token.hex()}", f"none that carries it ({exc})")
        expect.equal(r.token.hex(), token.hex(), what)
        expect.true(r.code == codes.CONTENT, f"response to GET /3/0/16 with a {length}-byte token", "2.05 Content",
                    f"{r.code.dotted} {r.code.name_printable}")
