"""What lets the whole suite run through the process driver and the virtual modem with the built-in driver's
verdicts: `meterproof simulate --control stdin` (Send, Update, set a value on a running meter), triggers that
pass a case's paths and values through a profile's stdin mapping, the queue-mode and Send steps of a modem
family, and the Telit family spoken end to end by the virtual modem."""

from __future__ import annotations

import sys

import pytest

from meterproof.coap.params import LOOPBACK
from meterproof.dut.base import TriggerUnavailable
from meterproof.dut.modem import ModemDriver
from meterproof.dut.process import ProcessDriver
from meterproof.lwm2m.sync import SyncServer

from dut_support import wait_for
from meterproof.profile import Security

SIM = "meterproof simulate --server {server_uri} --endpoint {endpoint} --control stdin"
TRIGGERS = {"trigger-send": {"stdin": "send {paths}"}, "trigger-update": {"stdin": "update"},
            "set-value": {"stdin": "set {path} {value}"}}
PSK = bytes.fromhex("7e117e117e117e11")


# ---------------------------------------------------------------------------- process driver + simulate
def test_stdin_control_send_update_set(server: SyncServer) -> None:
    ep = "ctl-process"
    d = ProcessDriver(SIM, triggers=TRIGGERS, seed=5)
    assert {"trigger-send", "trigger-update", "set-value"} <= d.triggers
    mark = server.mark()
    d.start(server.aio.uri, ep)
    try:
        server.wait_event("registered", ep, since=mark, timeout=15)
        mark = server.mark()
        d.trigger("trigger-send", paths=["/1/0/1", "/3/0/11/0"])
        ev = server.wait_event("send", ep, since=mark, timeout=10)
        assert sorted(str(r.path) for r in ev.data["records"]) == ["/1/0/1", "/3/0/11/0"]
        mark = server.mark()
        d.trigger("trigger-send")                       # no paths: the meter's default Send
        ev = server.wait_event("send", ep, since=mark, timeout=10)
        assert len(ev.data["records"]) > 2
        d.trigger("set-value", path="/3/0/0", value="ACME Metering")
        wait_for(lambda: "ok: set /3/0/0 ACME Metering" in d.logs())
        assert server.read(ep, "/3/0/0").payload == b"ACME Metering"
        mark = server.mark()
        d.trigger("trigger-update")
        server.wait_event("updated", ep, since=mark, timeout=10)
        d.trigger("set-value", path="/3/0/77", value="1")   # the meter's answer lands in the log
        wait_for(lambda: "error: set /3/0/77 1:" in d.logs())
    finally:
        d.stop()
    assert d.exits and d.exits[-1] == 0, d.logs()       # SIGTERM ends it at once, control thread and all


def test_a_mapping_without_the_cases_paths_is_not_applicable() -> None:
    d = ProcessDriver("client", triggers={"trigger-send": {"stdin": "send"}, "set-value": {"signal": "SIGUSR1"}})
    d._values = {"endpoint": "x"}
    with pytest.raises(TriggerUnavailable, match=r"asks 'trigger-send' for paths.*no \{paths\} placeholder"):
        d.trigger("trigger-send", paths=["/3/0/0"])
    with pytest.raises(TriggerUnavailable, match=r"for path, value"):
        d.trigger("set-value", path="/3/0/0", value="1")


def test_the_run_seed_reaches_the_client_environment() -> None:
    script = "import os; print('seed', os.environ.get('METERPROOF_SEED'), flush=True)"
    d = ProcessDriver(f'{sys.executable} -c "{script}"', seed=1234, restart_on_crash=False)
    d.start("coap://127.0.0.1:5683", "x")
    try:
        wait_for(lambda: "seed 1234" in d.logs())
    finally:
        d.stop()


# ---------------------------------------------------------------------------- virtual modem: queue mode, Send
@pytest.mark.parametrize("queue", [True, False])
def test_queue_mode_step_of_the_meterproof_family(server: SyncServer, queue: bool) -> None:
    ep = f"modem-queue-{queue}"
    d = ModemDriver("meterproof", "virtual", params=LOOPBACK, options={"queue_mode": queue})
    mark = server.mark()
    d.start(server.aio.uri, ep)
    try:
        server.wait_event("registered", ep, since=mark, timeout=10)
        assert server.registration(ep).queue_mode is queue
    finally:
        d.stop()
    assert f"AT+MPLWQM={int(queue)}" in d.logs()


def test_send_step_of_the_meterproof_family(server: SyncServer) -> None:
    ep = "modem-send"
    d = ModemDriver("meterproof", "virtual", params=LOOPBACK)
    mark = server.mark()
    d.start(server.aio.uri, ep)
    try:
        server.wait_event("registered", ep, since=mark, timeout=10)
        mark = server.mark()
        d.trigger("trigger-send", paths=["/1/0/1", "/3/0/11/0"])
        ev = server.wait_event("send", ep, since=mark, timeout=10)
        assert sorted(str(r.path) for r in ev.data["records"]) == ["/1/0/1", "/3/0/11/0"]
    finally:
        d.stop()
    assert 'AT+MPLWSEND="/1/0/1,/3/0/11/0"' in d.logs()


# ---------------------------------------------------------------------------- the Telit dialect end to end
@pytest.mark.parametrize("mode", ["nosec", "psk"])
def test_telit_me310_dialect_through_the_virtual_modem(server: SyncServer, mode: str) -> None:
    ep = f"telit-{mode}"
    sec = Security("psk", "profile", "id-{endpoint}", PSK) if mode == "psk" else Security()
    d = ModemDriver("telit-me310", "virtual", params=LOOPBACK, security=sec)
    mark = server.mark()
    d.start(server.aio.uri, ep)
    try:
        server.wait_event("registered", ep, since=mark, timeout=10)
        assert d.wait_urc("registered", timeout=5).line.startswith('LWM2M-TLT:"REGISTERED",SSID=')
        assert d.virtual.settings["endpoint"] == ep          # the PSK line is not read as one long endpoint
        if mode == "psk":
            assert d.virtual.settings["psk_identity"] == f"id-{ep}"
            assert d.virtual.settings["psk_key"] == PSK.hex()
        mark = server.mark()
        d.trigger("reboot")                                  # AT#REBOOT
        server.wait_event("registered", ep, since=mark, timeout=10)
        mark = server.mark()
        d.trigger("start-registration")                      # AT#LWM2MENA=0, AT#LWM2MENA=1
        server.wait_event("deregistered", ep, since=mark, timeout=10)
        server.wait_event("registered", ep, since=mark, timeout=10)
        assert d.wait_urc("deregistered", timeout=5).line == 'LWM2M-TLT:"CLIENT_DISABLED"'
    finally:
        d.stop()
    log = d.logs()
    port = server.aio.uri.rsplit(":", 1)[1]
    assert f'AT#LWM2MSTS=0,123,"coap://127.0.0.1:{port}",0' in log
    if mode == "psk":
        assert f'AT#LWM2MINJKEYS=0,1,"{ep}","id-{ep}","<redacted>"' in log and PSK.hex() not in log
    else:
        assert f'AT#LWM2MINJKEYS=0,1,"{ep}"' in log
    assert "AT#LWM2MENA=1" in log and "AT#REBOOT" in log
    with pytest.raises(TriggerUnavailable, match="no command for 'trigger-send'"):
        d.trigger("trigger-send")
