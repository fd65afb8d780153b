"""The suites' own helpers, fuzzed with what a broken device can send: every judgement ends in a device verdict.

A case judges a device through the helpers of :mod:`fixtures.expect` and :mod:`fixtures.observation` (response
code, Content-Format, decoding, values, mandatory resources, notifications).  Fed any answer — any code, any or
no Content-Format, a body that decodes to values of the wrong type, at unknown paths, with mandatory resources
missing — each helper either returns or raises a device verdict: :class:`NonConformance` (failed), or a
not-applicable / inconclusive outcome.  Any other exception would be a harness error the device caused
("bad input from a device is a finding, never a crash of the harness").

The whole-suite counterpart runs every case against a simulator that mangles its answers
(``--sim-hostile``, tests/e2e/test_suites_vs_hostile_device.py).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from _pytest.outcomes import OutcomeException
from aiocoap.numbers import codes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures import expect, observation
from meterproof.coap import wire
from meterproof.coap.observe import Notification
from meterproof.fuzz import strategies_values as sv
from meterproof.errors import ProtocolError
from meterproof.lwm2m.model.catalog import default_catalog
from meterproof.lwm2m.path import Path
from meterproof.lwm2m.server import Lwm2mServer
from meterproof.lwm2m.values import ObjLnk
from support.device_answers import answers, decoded

SETTINGS = settings(max_examples=200, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))
CATALOG = default_catalog()
OBJECTS = [CATALOG.best(o, None) for o in (1, 3, 4, 5, 9, 19)]
ANY_VALUE = st.one_of(st.integers(-(1 << 64), 1 << 64), st.floats(allow_nan=True), st.text(max_size=8),
                      st.booleans(), st.binary(max_size=8), st.builds(ObjLnk, st.integers(0, 65535),
                                                                       st.integers(0, 65535)))
PATHS = ["/", "/3", "/3/0", "/3/0/0", "/3/0/7", "/1/0/1", "/5/0/3", "/3/0/11/0"]


def _verdict_only(call, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Run one helper: a return or a device verdict is fine, anything else fails this test."""
    try:
        return call(*args, **kwargs)
    except expect.NonConformance:
        return None
    except OutcomeException:       # not applicable / inconclusive (pytest.skip with the project's prefixes)
        return None
    except ProtocolError:          # the outcome hook turns it into "the device broke a protocol rule"
        return None


@st.composite
def hostile_trees(draw: st.DrawFn) -> dict[Path, object]:
    """A value tree the model allows, then damaged: values of another type, paths dropped, unknown ones added."""
    _, tree = draw(sv.value_trees(OBJECTS))
    tree = dict(tree)
    for p in draw(st.lists(st.sampled_from(sorted(tree)), max_size=3)) if tree else ():
        if draw(st.booleans()):
            tree[p] = draw(ANY_VALUE)
        else:
            tree.pop(p, None)
    for _ in range(draw(st.integers(0, 2))):
        ids = draw(st.lists(st.integers(0, 70000), min_size=1, max_size=4))
        try:
            tree[Path(tuple(ids))] = draw(ANY_VALUE)
        except Exception:      # an id the path type refuses is not a tree a decoder could produce
            pass
    return tree


def _dut(tree: dict[Path, object]) -> SimpleNamespace:
    """The part of a device the value helpers use: its catalog and the object versions it registered."""
    return SimpleNamespace(catalog=CATALOG, object_version=lambda oid: None)


@SETTINGS
@given(raw=answers(any_type=False, location=False), path=st.sampled_from(PATHS))
def test_result_helpers_give_device_verdicts(raw, path):
    resp = decoded(raw)
    if resp is None:
        return
    srv = Lwm2mServer(model=lambda reg: CATALOG)
    req = wire.new(codes.GET, uri_path=tuple(str(i) for i in Path.parse(path).ids))
    res = srv._result("Read", Path.parse(path), req, resp, [], None, True)
    _verdict_only(expect.code, res, codes.CONTENT)
    _verdict_only(expect.content_format, res, 11543, 112)
    _verdict_only(res.value, "/3/0/0")
    vals = _verdict_only(expect.decodes, res)
    if vals is not None:
        _verdict_only(expect.has_mandatory_resources, vals, _dut(vals))
        _verdict_only(expect.value, vals, "/3/0/0", "meterproof")
        _verdict_only(expect.present, vals, "/3/0/0")
        _verdict_only(expect.absent, vals, "/0")
        assert res.series is None or isinstance(res.series, list)


@SETTINGS
@given(tree=hostile_trees(), version=st.sampled_from([None, "1.0", "1.1", "1.2", "9.9"]),
       allow_empty=st.booleans(), unknown=st.booleans())
def test_value_helpers_give_device_verdicts(tree, version, allow_empty, unknown):
    _verdict_only(expect.has_mandatory_resources, tree, _dut(tree), version=version, allow_empty=allow_empty,
                  unknown=unknown)
    for p in list(tree)[:3]:
        _verdict_only(expect.value, tree, p, "x")
        _verdict_only(expect.present, tree, p)
        _verdict_only(expect.absent, tree, p)


@SETTINGS
@given(raw=answers(any_type=False, location=False), observe=st.one_of(st.none(), st.integers(0, (1 << 24) - 1)))
def test_notification_helper_gives_device_verdicts(raw, observe):
    msg = decoded(raw)
    if msg is None:
        return
    srv = Lwm2mServer(model=lambda reg: CATALOG)
    path = Path.parse("/3/0")

    def decode(n: Notification):  # type: ignore[no-untyped-def]
        values, err = srv.decode_payload(n.message, path, None)
        return values, err

    obs = SimpleNamespace(decode=decode)
    n = Notification(msg, 0.0, observe, True, False)
    _verdict_only(observation.values, obs, n)


def test_a_harness_error_is_not_taken_for_a_verdict():
    """The oracle itself: an exception that is not a device verdict escapes _verdict_only."""
    with pytest.raises(KeyError):
        _verdict_only(lambda: {}["x"])
