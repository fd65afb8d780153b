"""Property tests: every codec round-trips every value tree it can express; every decoder,
fed anything at all, returns a value or raises FormatError, never anything else."""

from __future__ import annotations

import json
from typing import Any, Callable

import cbor2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meterproof.errors import FormatError
from meterproof.fuzz.strategies_values import composite_trees, single_values, value_trees
from meterproof.lwm2m.formats import (
    cbor, link, lwm2m_cbor, oma_json, opaque, senml_cbor, senml_json, text, tlv,
)
from meterproof.lwm2m.formats.senml import Record
from meterproof.lwm2m.model.types import DataType
from meterproof.lwm2m.path import Path
from meterproof.lwm2m.values import ValueTree

from formats_model import MODEL, OBJECTS

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TREE_CODECS = [tlv, senml_json, senml_cbor, oma_json, lwm2m_cbor]
SINGLE_CODECS = [text, cbor]
ALL_DECODERS = [text, opaque, cbor, tlv, senml_json, senml_cbor, oma_json, lwm2m_cbor]


def typed(t: ValueTree) -> dict[Path, tuple[type, Any]]:
    """Compare types too: True == 1 and 1.0 == 1 in Python, not in LwM2M."""
    return {k: (type(v), v) for k, v in t.items()}


@FAST
@given(value_trees(OBJECTS))
def test_tree_codecs_round_trip(case: tuple[Path, ValueTree]) -> None:
    base, values = case
    for codec in TREE_CODECS:
        if codec is tlv and not values and len(base) == 3:
            continue  # TLV needs a value (or an empty multiple resource) at a resource path
        payload = codec.encode(values, base, MODEL)
        assert typed(codec.decode(payload, base, MODEL)) == typed(values), codec.__name__


@FAST
@given(composite_trees(OBJECTS))
def test_composite_round_trip(case: tuple[Path, ValueTree]) -> None:
    base, values = case
    for codec in (senml_json, senml_cbor, oma_json, lwm2m_cbor):
        assert typed(codec.decode(codec.encode(values, base, MODEL), base, MODEL)) == typed(values)


@FAST
@given(single_values(OBJECTS))
def test_single_value_codecs_round_trip(case: tuple[Path, ValueTree]) -> None:
    base, values = case
    for codec in SINGLE_CODECS + TREE_CODECS:
        payload = codec.encode(values, base, MODEL)
        assert typed(codec.decode(payload, base, MODEL)) == typed(values), codec.__name__
    (value,) = values.values()
    if type(value) is bytes:
        assert opaque.decode(opaque.encode(values, base, MODEL), base, MODEL) == values


@FAST
@given(value_trees(OBJECTS))
def test_self_describing_formats_without_model(case: tuple[Path, ValueTree]) -> None:
    # without a model, CBOR-based formats keep every type except Objlnk (a text string)
    base, values = case
    for codec in (senml_cbor, senml_json):
        got = codec.decode(codec.encode(values, base, MODEL), base)
        assert typed(got) == typed(values)


@FAST
@given(st.lists(single_values(OBJECTS), max_size=5), st.lists(st.integers(0, 1 << 40), max_size=5))
def test_records_round_trip(cases: list, times: list) -> None:
    records = [Record(base, v[base], times[i] if i < len(times) else None) for i, (base, v) in enumerate(cases)]
    for codec in (senml_json, senml_cbor):
        got = codec.decode_records(codec.encode_records(records, MODEL), MODEL)
        assert [(r.path, type(r.value), r.value, r.time) for r in got] == \
            [(r.path, type(r.value), r.value, r.time) for r in records]
        paths = [r.path for r in records]
        assert codec.decode_paths(codec.encode_paths(paths)) == paths


# ---------------------------------------------------------------- decoders never crash

BASES = st.sampled_from([Path(), Path((3,)), Path((3, 0)), Path((3, 0, 7)), Path((3, 0, 7, 1)),
                         Path((9999, 0, 3)), Path((65, 0)), Path((9999, 0, 12, 0))])
MODELS = st.sampled_from([None, MODEL])


def only_format_errors(fn: Callable[[], object]) -> None:
    try:
        fn()
    except FormatError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64), BASES, MODELS)
def test_decoders_on_arbitrary_bytes(payload: bytes, base: Path, model: Any) -> None:
    for codec in ALL_DECODERS:
        only_format_errors(lambda: codec.decode(payload, base, model))
    for codec in (senml_json, senml_cbor, oma_json):
        only_format_errors(lambda: codec.decode_series(payload, base, model))
    for codec in (senml_json, senml_cbor):
        only_format_errors(lambda: codec.decode_records(payload, model))
        only_format_errors(lambda: codec.decode_paths(payload))
    only_format_errors(lambda: tlv.decode_tlv_records(payload))
    only_format_errors(lambda: link.parse(payload))


def tlv_like() -> st.SearchStrategy[bytes]:
    """Concatenations of plausible TLV headers and short values, nested at random."""
    leaf = st.builds(lambda k, i, v: tlv.encode_tlv_records([(k, i, v)]),
                     st.integers(0, 3), st.sampled_from([0, 1, 6, 7, 9, 13, 300]), st.binary(max_size=9))
    return st.recursive(
        st.lists(leaf, max_size=4).map(b"".join),
        lambda inner: st.builds(lambda k, i, body: tlv.encode_tlv_records([(k, i, body)]),
                                st.integers(0, 3), st.sampled_from([0, 6, 7]), inner),
        max_leaves=8,
    )


@settings(max_examples=200, deadline=None)
@given(tlv_like(), BASES, MODELS, st.integers(0, 40), st.integers(0, 255))
def test_tlv_on_plausible_bytes(payload: bytes, base: Path, model: Any, pos: int, byte: int) -> None:
    mutated = payload[:pos] + bytes([byte]) + payload[pos + 1:] if payload else payload
    for p in (payload, mutated, payload[:-1]):
        only_format_errors(lambda: tlv.decode(p, base, model))
        only_format_errors(lambda: tlv.decode_tlv_records(p))


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(1 << 70), 1 << 70), st.floats(),
                    st.text(max_size=12), st.sampled_from(["/3/0/", "/3/0/7", "0", "7/1", "1:2", "/", ""]))
KEYS_JSON = st.sampled_from(["bn", "bt", "n", "v", "vs", "vb", "vd", "vlo", "t", "e", "sv", "bv", "ov", "u", "x_",
                             "bver", "bu", "bs", "s", "ut"])
KEYS_CBOR = st.one_of(st.sampled_from([-2, -3, 0, 2, 3, 4, 6, 8, "vlo", 1, -1, -4, -5, -6, 5, 7]), st.integers(0, 20))


def docs(keys: st.SearchStrategy[Any], leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(leaves, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)), max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(docs(KEYS_JSON, SCALARS), BASES, MODELS)
def test_json_decoders_on_plausible_documents(doc: Any, base: Path, model: Any) -> None:
    payload = json.dumps(doc).encode()
    for codec in (senml_json, oma_json):
        only_format_errors(lambda: codec.decode(payload, base, model))
        only_format_errors(lambda: codec.decode_series(payload, base, model, 1.7e9))
    only_format_errors(lambda: senml_json.decode_records(payload, model))
    only_format_errors(lambda: senml_json.decode_paths(payload))


CBOR_LEAVES = st.one_of(SCALARS, st.binary(max_size=8),
                        st.builds(cbor2.CBORTag, st.sampled_from([0, 1, 2, 4, 5, 28, 29, 30, 258, 55799, 9999]),
                                  st.one_of(st.integers(), st.text(max_size=5), st.binary(max_size=4),
                                            st.lists(st.integers(-400, 400), max_size=3))))


@settings(max_examples=200, deadline=None)
@given(docs(st.one_of(KEYS_CBOR, st.tuples(st.integers(-2, 70000), st.integers(0, 9))), CBOR_LEAVES),
       BASES, MODELS)
def test_cbor_decoders_on_plausible_documents(doc: Any, base: Path, model: Any) -> None:
    try:
        payload = cbor2.dumps(doc)
    except Exception:
        return
    for codec in (cbor, senml_cbor, lwm2m_cbor):
        only_format_errors(lambda: codec.decode(payload, base, model))
    only_format_errors(lambda: senml_cbor.decode_series(payload, base, model, 1.7e9))
    only_format_errors(lambda: senml_cbor.decode_records(payload, model))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet='</>;=,"\\ 0123abc:.', max_size=40))
def test_link_parser_on_plausible_text(s: str) -> None:
    only_format_errors(lambda: link.parse(s))
    try:
        links = link.parse(s)
    except FormatError:
        return
    assert link.parse(link.format(links)) == links


def test_every_data_type_is_exercised() -> None:
    # the all-types object has a single and a multiple resource of every valued type
    types = {r.type for o in OBJECTS if o.id == 9999 for r in o.resources.values()}
    assert types == set(DataType)


#: record names a plain pack uses: resources and resource instances of every type in the test model,
#: and names that are not plain (no slash, object level, outside /3 for base /3/0)
PLAIN_NAMES = st.sampled_from(["/3/0/0", "/3/0/9", "/3/0/13", "/3/0/6/0", "/3/0/6", "/3/0/7/1", "/9999/0/1",
                               "/9999/0/2", "/9999/0/3", "/9999/0/12/0", "/9999/0/4", "/3/0", "3/0/1",
                               "/3/0/00", "/65/0/0/1", "/77/0/1"])
PLAIN_VALUES = st.one_of(st.booleans(), st.integers(-(1 << 65), 1 << 65), st.floats(), st.text(max_size=4),
                         st.binary(max_size=3), st.none())


@st.composite
def plain_packs(draw: Any, labels: Any) -> list[dict[Any, Any]]:
    """Packs shaped like a Read answer (bn on the first record, n and one value field on each), with the
    deviations the plain path must hand to the general one: odd names, value fields of the wrong type,
    repeated names, two value fields, extra fields."""
    recs = []
    for i in range(draw(st.integers(0, 5))):
        name = draw(PLAIN_NAMES)
        rec: dict[Any, Any] = {}
        if i == 0 and draw(st.booleans()):
            cut = draw(st.integers(0, len(name)))
            rec[labels.bn], name = name[:cut], name[cut:]
        if name or draw(st.booleans()):
            rec[labels.n] = name
        for field in draw(st.lists(st.sampled_from(["v", "vs", "vb", "vd", "t", "bt", "u"]), min_size=1,
                                   max_size=2, unique=True)):
            rec[getattr(labels, field)] = draw(PLAIN_VALUES)
        recs.append(rec)
    return recs


@settings(max_examples=400, deadline=None)
@given(st.data(), st.sampled_from([Path((3, 0)), Path(), Path((9999, 0)), Path((3,))]))
def test_plain_read_path_agrees_with_the_general_path(data: Any, base: Path) -> None:
    """tree_from_pack's shortcut for plain Read answers gives the general path's tree, or its error."""
    from meterproof.lwm2m.formats import senml
    for labels in (senml.JSON_LABELS, senml.CBOR_LABELS):
        pack = data.draw(plain_packs(labels))

        def outcome(fn: Callable[[], Any]) -> Any:
            try:
                return ("tree", typed(fn()))
            except FormatError as e:
                return ("error", str(e))
        vd = (lambda x: x) if labels.cbor else (lambda x: x.encode() if isinstance(x, str) else b"")
        fast = outcome(lambda: senml.tree_from_pack(pack, labels, vd, base, MODEL, now=1.7e9))
        slow = outcome(lambda: senml.general_tree(pack, labels, vd, base, MODEL, now=1.7e9))
        assert fast == slow, pack
