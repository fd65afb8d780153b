"""Dut.restore puts back what a case changed on a device that outlives the case: values written, instances the
case created (deleted again) and instances it deleted (created again), newest first."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from meterproof.fixtures.device import Dut
from meterproof.lwm2m.contentformat import CF


class _Server:
    def __init__(self, failing: str = "") -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.failing = failing

    def _answer(self, op: str, path: str) -> SimpleNamespace:
        ok = op != self.failing
        return SimpleNamespace(ok=ok, code_text="2.0x" if ok else "4.04 Not Found")

    def write(self, ep: str, path: str, value: Any, content_format: int) -> SimpleNamespace:
        self.calls.append(("write", path, value, content_format))
        return self._answer("write", path)

    def delete(self, ep: str, path: str) -> SimpleNamespace:
        self.calls.append(("delete", path))
        return self._answer("delete", path)

    def create(self, ep: str, path: str, values: Any, content_format: int) -> SimpleNamespace:
        self.calls.append(("create", path, values, content_format))
        return self._answer("create", path)


def _dut(server: _Server) -> Dut:
    return Dut("ep", SimpleNamespace(), SimpleNamespace(), server, SimpleNamespace())  # type: ignore[arg-type]


def test_restore_undoes_writes_creates_and_deletes_newest_first() -> None:
    server = _Server()
    dut = _dut(server)
    dut.restore_later("/16/0/0/1", "old", CF.TEXT)
    dut.delete_later("/16/3")
    dut.create_later("/16/0", {"/16/0/0/0": "id"}, CF.TLV)
    assert dut.restore() == []
    assert server.calls == [("create", "/16", {"/16/0/0/0": "id"}, CF.TLV), ("delete", "/16/3"),
                            ("write", "/16/0/0/1", "old", CF.TEXT)]
    assert dut.restore() == []          # each is done once


def test_restore_reports_what_it_could_not_put_back() -> None:
    server = _Server(failing="delete")
    dut = _dut(server)
    dut.delete_later("/16/3")
    assert dut.restore() == ["/16/3: 4.04 Not Found"]
