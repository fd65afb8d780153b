"""Time series and RFC 8428 base fields in SenML JSON/CBOR and LwM2M 1.0 JSON.

Known answers come from RFC 8428 (§4.1 base fields, §4.4 versions and must-understand fields,
§4.5.3 times, §5.1.3 example, §6 Table 6 CBOR labels), TS Core 1.0 §6.4.4 (historical
notification) and TS Core 1.2.2 §7.5.6 (the same example in SenML); the properties check that
a series decodes record for record and that the value tree is each path's latest value.
"""

from __future__ import annotations

import json

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meterproof.errors import FormatError
from meterproof.lwm2m import formats
from meterproof.lwm2m.contentformat import CF
from meterproof.lwm2m.formats import oma_json, senml, senml_cbor, senml_json
from meterproof.lwm2m.formats._common import b64url_decode
from meterproof.lwm2m.path import P, Path
from meterproof.lwm2m.values import Record, latest

from formats_model import MODEL

NOW = 1_700_000_000


# ---------------------------------------------------------------- RFC 8428 resolution
def test_rfc8428_multiple_measurements_example() -> None:
    # RFC 8428 §5.1.3 (bt, bu, bver 5, a "current" series with relative t, the last without t)
    text = ('[{"bn":"urn:dev:ow:10e2073a0108006:","bt":1.276020076001e+09,"bu":"A","bver":5,'
            '"n":"voltage","u":"V","v":120.1},{"n":"current","t":-5,"v":1.2},{"n":"current","t":-4,"v":1.3},'
            '{"n":"current","t":-3,"v":1.4},{"n":"current","t":-2,"v":1.5},{"n":"current","t":-1,"v":1.6},'
            '{"n":"current","v":1.7}]')
    got = senml.resolve(json.loads(text), senml.JSON_LABELS, b64url_decode)
    bt = 1.276020076001e+09
    assert [(n.rsplit(":", 1)[1], v, t) for n, v, t in got] == [
        ("voltage", 120.1, bt), ("current", 1.2, bt - 5), ("current", 1.3, bt - 4), ("current", 1.4, bt - 3),
        ("current", 1.5, bt - 2), ("current", 1.6, bt - 1), ("current", 1.7, bt)]


def lwm2m(text: str) -> bytes:
    return text.encode()


def test_base_value_and_base_sum_are_added() -> None:
    # RFC 8428 §4.1: "Base Value ... added to the value found in an entry"; "Base Sum ... added
    # to the sum found in an entry"; both stay in force for later records like bn/bt
    text = lwm2m('[{"bn":"/3421/0/","bv":230,"bs":1000,"n":"0","v":0.5,"s":7},'
                 '{"n":"1","v":-1.5},{"n":"2","vs":"not a number: bv does not apply"}]')
    series = senml_json.decode_series(text, P("/3421/0"))
    assert series == [Record(P("/3421/0/0"), 230.5, None, 1007), Record(P("/3421/0/1"), 228.5),
                      Record(P("/3421/0/2"), "not a number: bv does not apply")]


def test_cbor_labels_of_rfc8428_table6() -> None:
    # RFC 8428 §6 Table 6: bver -1, bn -2, bt -3, bu -4, bv -5, bs -6, n 0, u 1, v 2, vs 3, vb 4,
    # s 5, t 6, ut 7, vd 8 (pack built here from the table)
    pack = [{-1: 10, -2: "/3421/0/", -3: 1_700_000_000, -4: "V", -5: 200, -6: 10,
             0: "0", 1: "V", 2: 30.25, 5: 2, 6: -10, 7: 60},
            {0: "4", 6: 0, 2: 1_700_000_100},
            {0: "1", 2: 0.5}]
    series = senml_cbor.decode_series(cbor2.dumps(pack), P("/3421/0"), MODEL, NOW)
    assert series == [Record(P("/3421/0/0"), 230.25, 1_699_999_990, 12),
                      Record(P("/3421/0/4"), 1_700_000_300, 1_700_000_000),
                      Record(P("/3421/0/1"), 200.5, 1_700_000_000)]


@pytest.mark.parametrize("codec", [senml_json, senml_cbor])
def test_relative_times_resolve_against_now(codec) -> None:
    # RFC 8428 §4.5.3: below 2**28 a time is seconds relative to "now" (0 = now, negative =
    # past, positive = future); from 2**28 on it is Unix time
    recs = [Record(P("/3421/0/1"), 1.5, -60), Record(P("/3421/0/1"), 2.5, 0), Record(P("/3421/0/1"), 3.5, 30),
            Record(P("/3421/0/1"), 4.5, 1 << 28), Record(P("/3421/0/1"), 5.5)]
    payload = codec.encode_records(recs, MODEL)
    assert [r.time for r in codec.decode_series(payload, Path(), MODEL)] == [-60, 0, 30, 1 << 28, None]
    assert [r.time for r in codec.decode_series(payload, Path(), MODEL, NOW)] == \
        [NOW - 60, NOW, NOW + 30, 1 << 28, None]
    # most recent: the future reading (now + 30); the untimed one counts as "now"
    assert codec.decode(payload, P("/3421/0")) == {P("/3421/0/1"): 3.5}


@pytest.mark.parametrize("text,why", [
    ('[{"bver":11,"n":"/3/0/9","v":1}]', "RFC 8428 §4.4: a newer version MUST NOT be used"),
    ('[{"bver":10,"n":"/3/0/9","v":1},{"bver":5,"n":"/3/0/10","v":1}]', "§4.4: one version per pack"),
    ('[{"n":"/3/0/9","v":1},{"bver":9,"n":"/3/0/10","v":1}]', "§4.1: no bver = 10, then 9"),
    ('[{"bver":0,"n":"/3/0/9","v":1}]', "§4.1: a positive integer"),
    ('[{"bver":10.5,"n":"/3/0/9","v":1}]', "§4.1: a positive integer"),
    ('[{"n":"/3/0/9","v":1,"bv_":1}]', "§4.4: unknown must-understand field"),
    ('[{"n":"/3/0/9","bv":"1","v":1}]', "§4.1: bv is a number"),
    ('[{"n":"/3/0/9","s":"1","v":1}]', "§4.2: s is a number"),
    ('[{"n":"/3/0/9","u":1,"v":1}]', "§4.2: u is a string"),
    ('[{"n":"/3/0/9","s":5}]', "a Sum is not an LwM2M value (TS Core 1.1 §7.4.4)"),
    ('[{"n":"/3/0/9","bv":1.5,"v":1' + "0" * 400 + '}]', "bv + v: no double holds it (was an OverflowError)"),
    ('[{"n":"/3/0/9","bt":1e308,"t":1e308,"v":1}]', "bt + t overflows to infinity"),
])
def test_base_field_errors(text: str, why: str) -> None:
    with pytest.raises(FormatError):
        senml_json.decode(text.encode(), P("/3/0"), MODEL)


def test_huge_integers_in_number_fields_are_data_not_crashes() -> None:
    # JSON integers of any size reach the decoder; math.isfinite() on them used to raise OverflowError
    big = "1" + "0" * 400
    got = senml_json.decode_series(('[{"n":"/3/0/9","v":1,"bt":' + big + '}]').encode(), P("/3/0"))
    assert got == [Record(P("/3/0/9"), 1, int(big))]
    with pytest.raises(FormatError):  # no Float can hold it
        senml_json.decode(('[{"n":"/3421/0/1","v":' + big + '}]').encode(), P("/3421/0"), MODEL)


def test_versions_up_to_10_and_unknown_fields_are_accepted() -> None:
    # RFC 8428 §4.4: unknown fields not ending in "_" are ignored; versions up to ours are fine
    text = b'[{"bver":10,"bu":"s","n":"/3/0/9","v":1,"ut":60,"foo":{"bar":1}},{"bver":10,"n":"/3/0/10","v":2}]'
    assert senml_json.decode(text, P("/3/0"), MODEL) == {P("/3/0/9"): 1, P("/3/0/10"): 2}


# ---------------------------------------------------------------- LwM2M 1.0 JSON
OMA_HISTORY = b'{"bn":"/72/","e":[{"n":"1/2","v":22.4,"t":-5},{"n":"1/2","v":22.9,"t":-30},' \
              b'{"n":"1/2","v":24.1,"t":-50}],"bt":25462634}'


def test_oma_json_historical_notification() -> None:
    # TS Core 1.0 §6.4.4 second example: three representations of /72/1/2, bt after e.  bt > 0 is
    # Unix time there ("Positive values (>0) represent an absolute time"), so bt + t is too.
    series = oma_json.decode_series(OMA_HISTORY, P("/72"), MODEL, NOW)
    assert series == [Record(P("/72/1/2"), 22.4, 25462629), Record(P("/72/1/2"), 22.9, 25462604),
                      Record(P("/72/1/2"), 24.1, 25462584)]
    assert oma_json.decode(OMA_HISTORY, P("/72"), MODEL) == {P("/72/1/2"): 22.4}
    assert formats.decode_series(CF.OMA_JSON, OMA_HISTORY, P("/72"), MODEL, NOW) == series


def test_oma_json_relative_times() -> None:
    # TS Core 1.0 §6.4.4: "negative values (<= 0) represent a relative time in the past"; a
    # missing bt or t counts as 0
    text = b'{"e":[{"n":"/72/1/2","v":1.5,"t":-10},{"n":"/72/1/2","v":2.5,"t":0},{"n":"/72/1/2","v":3.5}]}'
    assert [r.time for r in oma_json.decode_series(text, P("/72"), MODEL, NOW)] == [NOW - 10, NOW, None]
    assert [r.time for r in oma_json.decode_series(text, P("/72"), MODEL)] == [-10, 0, None]
    assert oma_json.decode(text, P("/72"), MODEL) == {P("/72/1/2"): 3.5}  # equal times: the later entry


# ---------------------------------------------------------------- properties
SAMPLE = st.tuples(st.sampled_from([P("/3421/0/1"), P("/3421/0/2"), P("/3421/1/1")]),
                   st.floats(-1e6, 1e6, allow_nan=False),
                   st.one_of(st.none(), st.integers(-1000, 1000), st.integers(1 << 28, 1 << 32)))


def reference_latest(samples: list[tuple[Path, float, int | None]], now: int) -> dict[Path, float]:
    """The spec's rule spelled out: absolute time per record, the greatest wins, later on ties."""
    best: dict[Path, tuple[float, float]] = {}
    for path, v, t in samples:
        key = now if t is None else (t if t >= 1 << 28 else now + t)
        if path not in best or key >= best[path][0]:
            best[path] = (key, v)
    return {p: v for p, (_, v) in best.items()}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(SAMPLE, min_size=1, max_size=8))
def test_series_keeps_every_record_and_tree_is_latest(samples) -> None:
    records = [Record(p, v, t) for p, v, t in samples]
    for codec in (senml_json, senml_cbor):
        payload = codec.encode_records(records, MODEL)
        series = codec.decode_series(payload, P("/3421"), MODEL, NOW)
        assert [(r.path, r.value) for r in series] == [(p, v) for p, v, _ in samples]
        assert [r.time for r in series] == [None if t is None else (t if t >= 1 << 28 else NOW + t)
                                            for _, _, t in samples]
        assert latest(series, NOW) == reference_latest(samples, NOW)
        # decode() agrees whenever the answer does not hang on when "now" is
        if all(t is None or t >= 1 << 28 for _, _, t in samples) and all(t is not None for _, _, t in samples):
            assert codec.decode(payload, P("/3421"), MODEL) == reference_latest(samples, NOW)


@settings(max_examples=60, deadline=None)
@given(st.lists(SAMPLE, min_size=1, max_size=8))
def test_oma_json_series_round_trip(samples) -> None:
    entries = [{"n": str(p), "v": v, **({} if t is None else {"t": t})} for p, v, t in samples]
    payload = json.dumps({"e": entries}).encode()
    series = oma_json.decode_series(payload, P("/3421"), MODEL)
    assert [(r.path, r.value, r.time) for r in series] == samples


@settings(max_examples=60, deadline=None)
@given(st.lists(SAMPLE, max_size=6), st.floats(-1e3, 1e3, allow_nan=False), st.floats(-1e3, 1e3, allow_nan=False))
def test_base_value_and_sum_shift_every_record(samples, bv, bs) -> None:
    # RFC 8428 §4.1: with bv/bs on the first record, every v and s is bv + v, bs + s
    pack = [{"n": str(p), "v": v, "s": v} for p, v, _ in samples]
    if pack:
        pack[0].update(bv=bv, bs=bs)
    series = senml_json.decode_series(json.dumps(pack).encode(), P("/3421"), MODEL)
    assert [(r.value, r.sum) for r in series] == [(bv + v, bs + v) for _, v, _ in samples]
