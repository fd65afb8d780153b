"""Known-answer vectors for the LwM2M 1.0 JSON format (CF 11543), each with its source.

From OMA TS Core 1.0 / 1.1 (draft) §6.4.4 "JSON" (omadm/omaoriginal TS_Core markdown).
"""

from __future__ import annotations

import json

import pytest

from meterproof.errors import FormatError
from meterproof.lwm2m.formats import oma_json
from meterproof.lwm2m.path import P, Path
from meterproof.lwm2m.values import NULL_OBJLNK, ObjLnk, tree

from formats_model import MODEL
from test_tlv_vectors import DEVICE_TREE

DEVICE = """{"bn":"/3/0/",
"e":[
{"n":"0","sv":"Open Mobile Alliance"},
{"n":"1","sv":"Lightweight M2M Client"},
{"n":"2","sv":"345000123"},
{"n":"3","sv":"1.0"},
{"n":"6/0","v":1},
{"n":"6/1","v":5},
{"n":"7/0","v":3800},
{"n":"7/1","v":5000},
{"n":"8/0","v":125},
{"n":"8/1","v":900},
{"n":"9","v":100},
{"n":"10","v":15},
{"n":"11/0","v":0},
{"n":"13","v":1367491215},
{"n":"14","sv":"+02:00"},
{"n":"16","sv":"U"}]
}"""


def test_device_read() -> None:
    # TS Core 1.0 §6.4.4 first example, Read /3/0 (the spec's curly quotes around bn/e straightened)
    assert oma_json.decode(DEVICE.encode(), P("/3/0"), MODEL) == DEVICE_TREE
    assert json.loads(oma_json.encode(DEVICE_TREE, P("/3/0"), MODEL)) == json.loads(DEVICE)


def test_historical_notification() -> None:
    # TS Core 1.0 §6.4.4 second example, bt after e; one value per path only in a tree
    text = b'{"bn":"/72/","e":[{"n":"1/2","v":22.4,"t":-5}],"bt":25462634}'
    assert oma_json.decode(text, P("/72/1/2"), MODEL) == {P("/72/1/2"): 22.4}


def test_object_link_hierarchy() -> None:
    # TS Core 1.0 §6.4.4 third example, Read /65/0 with bn "/" and ov; "FFFF:FFFF" = null link
    text = b"""{ "bn":"/",
"e":[
{"n":"65/0/0/0","ov":"66:0"},
{"n":"65/0/0/1","ov":"66:1"},
{"n":"65/0/1","sv":"8613800755500"},
{"n":"65/0/2","v":1},
{"n":"66/0/0","sv":"myService1"},
{"n":"66/0/1","sv":"Internet.15.234"},
{"n":"66/0/2","ov":"67:0"},
{"n":"66/1/0","sv":"myService2"},
{"n":"66/1/1","sv":"Internet.15.235"},
{"n":"66/1/2","ov":"FFFF:FFFF"},
{"n":"67/0/0","sv":"85.76.76.84"},
{"n":"67/0/1","sv":"85.76.255.255"}]
}"""
    got = oma_json.decode(text, Path(), MODEL)
    assert got[P("/65/0/0/0")] == ObjLnk(66, 0)
    assert got[P("/66/1/2")] == NULL_OBJLNK
    assert len(got) == 12


def test_single_resource() -> None:
    # TS Core 1.0 §6.4.4 last example (closing quote after "Alliance" restored)
    text = b'{"bn":"/3/0/0",\n"e":[\n{"sv":"Open Mobile Alliance"}]\n}'
    assert oma_json.decode(text, P("/3/0/0"), MODEL) == tree({"/3/0/0": "Open Mobile Alliance"})
    assert oma_json.encode(tree({"/3/0/0": "Open Mobile Alliance"}), P("/3/0/0"), MODEL) == \
        b'{"bn":"/3/0/0","e":[{"sv":"Open Mobile Alliance"}]}'


def test_opaque_is_base64_in_sv() -> None:
    # TS Core 1.0 Appendix C Opaque text form "AQIDBAU=" for 01 02 03 04 05
    out = oma_json.encode({P("/0/0/3"): bytes([1, 2, 3, 4, 5])}, P("/0/0"), MODEL)
    assert json.loads(out) == {"bn": "/0/0/", "e": [{"n": "3", "sv": "AQIDBAU="}]}
    assert oma_json.decode(out, P("/0/0"), MODEL) == {P("/0/0/3"): bytes([1, 2, 3, 4, 5])}


@pytest.mark.parametrize("text", [
    '{"bn":"/3/0/","e":[{"n":"9"}]}', '{"bn":"/3/0/","e":[{"n":"9","v":1,"sv":"1"}]}',
    '{"bn":"/3/0/"}', '[]', '{"bn":"/3/0/","e":[{"n":"9","v":true}]}', '{"e":[{"n":"9","v":1}]}',
])
def test_rejects(text: str) -> None:
    with pytest.raises(FormatError):
        oma_json.decode(text.encode(), P("/3/0"), MODEL)
