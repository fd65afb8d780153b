"""The simulated meter's downloader (:mod:`meterproof.sim.download`) against the harness's file servers: the
protocols of /5/0/8, Block2 and Size2, and the Update Result each failure maps to; the Block1 storage limit."""

from __future__ import annotations

import tempfile

import pytest

from meterproof.coap.files import FileShelf
from meterproof.delivery.http_files import HttpFileServer, tls_context
from meterproof.dtls import pki as test_pki
from meterproof.lwm2m.contentformat import CF
from meterproof.sim.download import PROTOCOLS, DownloadError, fetch, parse
from meterproof.sim.firmware import STORAGE
from meterproof.sim.security import MeterSecurity

ALL = frozenset(PROTOCOLS)


def _shelf(rig, data, **kw):
    shelf = FileShelf()
    rig.aio.mounts[shelf.prefix] = shelf.answer
    return rig.aio.uri + shelf.put(data, **kw), shelf


def _fetch(rig, uri, limit=STORAGE):
    return rig.run(fetch(rig.meter, uri, limit, ALL))


def _result(rig, uri, limit=STORAGE):
    with pytest.raises(DownloadError) as err:
        _fetch(rig, uri, limit)
    return err.value.result


@pytest.mark.parametrize("uri, result", [("not a uri", 7), ("coap:///no-host", 7), ("coap://h:99999/x", 7),
                                         ("coap+tcp://h/x", 9), ("ftp://h/x", 9)])
def test_uri_checks(uri, result):
    with pytest.raises(DownloadError) as err:
        parse(uri, ALL)
    assert err.value.result == result


def test_coap_blocks_size2_etag_and_failures(rig):
    data = bytes(range(256)) * 20                       # 5 blocks of 1 KiB
    uri, shelf = _shelf(rig, data)
    assert _fetch(rig, uri) == data
    f = shelf.get(uri)
    assert f.offsets == [0, 1024, 2048, 3072, 4096]
    assert _result(rig, uri, limit=len(data) - 1) == 2          # Size2 on block 0 says it does not fit
    assert len(f.offsets) == 6                                  # refused after block 0
    assert _result(rig, uri.rsplit("/", 1)[0] + "/missing") == 7


def test_coap_cut_is_a_lost_connection(rig):
    uri, shelf = _shelf(rig, bytes(4096), cut_at=2048)
    assert _result(rig, uri) == 4
    assert max(shelf.get(uri).offsets) == 2048


def test_http_and_https(rig):
    http = HttpFileServer().start()
    try:
        data = b"firmware" * 500
        assert _fetch(rig, http.uri(http.put(data))) == data
        assert _result(rig, http.uri("/files/none")) == 7
        assert _result(rig, http.uri(http.put(data, cut_at=100))) == 4
        assert _result(rig, http.uri(http.put(data)), limit=100) == 2
    finally:
        http.close()
    pki = test_pki.TestPki.create()
    issued = pki.issue("localhost")
    with tempfile.TemporaryDirectory() as tmp:
        ctx = tls_context(issued.certificate.to_PEM().encode(), issued.key.export_key("PEM").encode(), tmp)
    https = HttpFileServer(tls=ctx).start()
    try:
        uri = https.uri(https.put(b"signed"), "localhost")
        assert _result(rig, uri) == 4                           # the meter does not trust this CA
        rig.meter.security = MeterSecurity(trust_store=(pki.ca.der,))
        assert _fetch(rig, uri) == b"signed"
    finally:
        https.close()


def test_push_beyond_storage_is_refused_with_size1(rig):
    """A Block1 push whose Size1 exceeds the storage: 4.13 with Size1 = the storage, then Idle / Result 2."""
    from meterproof.sim.firmware_image import build_image
    r = rig.server.write(rig.ep, "/5/0/0", build_image("2.0.0", body=bytes(STORAGE)), content_format=CF.OPAQUE)
    assert r.code_text == "4.13" and r.response.opt.size1 == STORAGE and len(r.exchanges) == 1
    from test_sim_firmware import _wait_state
    _wait_state(rig, 0, 2)
