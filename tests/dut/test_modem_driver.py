"""The AT-modem driver end to end against the virtual modem (a pty with the simulator behind it), and the
modem families as data."""

from __future__ import annotations

import os
import threading

import pytest

from meterproof.coap.params import LOOPBACK
from meterproof.dut.base import TriggerUnavailable
from meterproof.dut.modem import ModemDriver, ModemError
from meterproof.dut.modem_family import FamilyError, builtin_families, load_family, parse_family, template_regex
from meterproof.dut.virtual_modem import VirtualModem
from meterproof.errors import ConfigError
from meterproof.lwm2m.sync import SyncServer
from meterproof.profile import Security

PSK = bytes.fromhex("c0ffee00c0ffee00")


@pytest.mark.parametrize("family", ["meterproof", "quectel-bc66"])
def test_register_through_the_serial_path(server: SyncServer, family: str) -> None:
    ep = f"modem-{family}"
    d = ModemDriver(family, "virtual", params=LOOPBACK, security=Security("psk", "profile", "id-{endpoint}", PSK))
    mark = server.mark()
    d.start(server.aio.uri, ep)
    try:
        server.wait_event("registered", ep, since=mark, timeout=10)
        assert d.wait_urc("registered", timeout=5).kind == "registered"
        assert d.virtual.settings["endpoint"] == ep
        mark = server.mark()
        d.trigger("reboot")
        server.wait_event("registered", ep, since=mark, timeout=10)
        mark = server.mark()
        d.trigger("start-registration")
        server.wait_event("registered", ep, since=mark, timeout=10)
    finally:
        d.stop()
    log = d.logs()
    assert "opened /dev/pts/" in log and ">>" in log and "<<     OK" in log and "urc" in log
    assert PSK.hex() not in log and PSK.hex().upper() not in log
    if family == "meterproof":
        assert 'AT+MPLWPSK="id-modem-meterproof","<redacted>"' in log
        assert 'AT+MPLWEP="modem-meterproof"' in log
    else:   # PSK mode of the Quectel family: security_mode 0 with identity and key in AT+QLWCONFIG
        assert f'AT+QLWCONFIG=0,"127.0.0.1",{server.aio.uri.rsplit(":", 1)[1]},"{ep}",86400,0,"id-{ep}",' \
               f'"<redacted>"' in log


def test_the_meter_behind_the_virtual_modem_takes_its_variants(server: SyncServer) -> None:
    d = ModemDriver("meterproof", "virtual", params=LOOPBACK, virtual={"variants": ("server-instance",)})
    mark = server.mark()
    d.start(server.aio.uri, "modem-variant")
    try:
        ev = server.wait_event("registered", "modem-variant", since=mark, timeout=10)
        assert ev["registration"].objects.has("/1/3") and not ev["registration"].objects.has("/1/0")
    finally:
        d.stop()


def test_disable_deregisters_and_urcs_are_not_responses(server: SyncServer) -> None:
    d = ModemDriver("meterproof", "virtual", params=LOOPBACK)
    mark = server.mark()
    d.start(server.aio.uri, "modem-dereg")
    try:
        server.wait_event("registered", "modem-dereg", since=mark, timeout=10)
        mark = server.mark()
        assert d.send("AT+MPLWEN=0") == []
        server.wait_event("deregistered", "modem-dereg", since=mark, timeout=10)
        d.wait_urc("deregistered", timeout=5)
        with pytest.raises(ModemError, match="ERROR"):
            d.send("AT+NOSUCHCOMMAND")
        assert d.send("ATI") == ["meterproof virtual modem (meterproof dialect)"]
    finally:
        d.stop()


def test_enable_without_configuration_is_an_error() -> None:
    with VirtualModem("meterproof") as vm:
        d = ModemDriver("meterproof", vm.port)
        d.open()
        try:
            d.send("ATE0")
            with pytest.raises(ModemError, match="not configured"):
                d.send("AT+MPLWEN=1")
        finally:
            d.stop()


def test_a_silent_port_times_out() -> None:
    master, slave = os.openpty()
    try:
        d = ModemDriver("meterproof", os.ttyname(slave), command_timeout=0.3)
        d.open()
        with pytest.raises(ModemError, match="no answer within 0.3s"):
            d.send("AT")
        d.stop()
    finally:
        os.close(master)
        os.close(slave)


def test_unopenable_port_names_the_field() -> None:
    d = ModemDriver("meterproof", "/dev/does-not-exist-ttyUSB9")
    with pytest.raises(ConfigError, match="driver.port: cannot open '/dev/does-not-exist-ttyUSB9'"):
        d.start("coap://127.0.0.1:5683", "x")


def test_triggers_follow_the_family() -> None:
    assert ModemDriver("meterproof", "virtual").triggers == {"reboot", "factory-reset", "trigger-update",
                                                             "trigger-send", "start-registration"}
    assert ModemDriver("quectel-bc66", "virtual").triggers == {"reboot", "start-registration"}
    assert ModemDriver("telit-me310", "virtual").triggers == {"reboot", "start-registration"}
    assert ModemDriver("ublox-sara-r4", "virtual").triggers == frozenset()
    d = ModemDriver("ublox-sara-r4", "virtual")
    with pytest.raises(TriggerUnavailable, match="no command for 'reboot'"):
        d.trigger("reboot")
    with pytest.raises(TriggerUnavailable, match="no commands.queue_mode"):
        ModemDriver("quectel-bc66", "virtual", options={"queue_mode": True})
    assert ModemDriver("meterproof", "virtual", options={"queue_mode": True}).queue_mode


@pytest.mark.parametrize("name", builtin_families())
def test_builtin_families_are_valid_and_cite_a_source(name: str) -> None:
    f = load_family(name)
    assert f.source and "fill in" not in f.source or name == "generic"
    text = open(f.path, encoding="utf-8").read()
    assert text.startswith("#"), "a family file opens with a comment naming its sources"
    for kind, line in f.examples.items():
        assert f.urc_kind(line) == kind


def test_family_errors_name_the_field() -> None:
    with pytest.raises(FamilyError, match=r"commands.teleport: unknown step"):
        parse_family({"name": "x", "source": "y", "commands": {"teleport": "AT"}}, "f.yaml")
    with pytest.raises(FamilyError, match=r"source: is required"):
        parse_family({"name": "x"}, "f.yaml")
    with pytest.raises(FamilyError, match=r"unknown placeholder \{host\}"):
        parse_family({"name": "x", "source": "y", "commands": {"set_server": "AT+S={host}"}}, "f.yaml")
    with pytest.raises(FamilyError, match=r"urc.registered: not a regular expression"):
        parse_family({"name": "x", "source": "y", "urc": {"registered": "(("}}, "f.yaml")
    with pytest.raises(FamilyError, match=r"examples.registered: .* does not match"):
        parse_family({"name": "x", "source": "y", "urc": {"registered": "^REG$"},
                      "examples": {"registered": "NOPE"}}, "f.yaml")


def test_template_regex_reads_back_the_values() -> None:
    rx = template_regex('AT+QLWCONFIG=0,"{server_host}",{server_port},"{endpoint}",{lifetime},3')
    m = rx.match('AT+QLWCONFIG=0,"10.0.0.1",5683,"urn:imei:1",900,3')
    assert m is not None and m.group("endpoint") == "urn:imei:1" and m.group("server_port") == "5683"


def test_concurrent_urcs_while_a_command_waits(server: SyncServer) -> None:
    d = ModemDriver("meterproof", "virtual", params=LOOPBACK)
    mark = server.mark()
    d.start(server.aio.uri, "modem-busy")
    try:
        server.wait_event("registered", "modem-busy", since=mark, timeout=10)
        errors: list[BaseException] = []

        def spam() -> None:
            try:
                for _ in range(20):
                    d.send("AT")
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
        t = threading.Thread(target=spam)
        t.start()
        for _ in range(3):
            d.trigger("reboot")
        t.join(10)
        assert not errors
    finally:
        d.stop()


def test_a_boot_the_module_announces_by_itself_is_reported_at_once(server: SyncServer) -> None:
    """A ready URC that no start or reboot of the driver's explains means the module reset itself: the
    driver's on_end listeners (a fuzz campaign) hear "reboot" at once; the driver's own reboots stay quiet."""
    d = ModemDriver("meterproof", "virtual", params=LOOPBACK)
    heard: list = []
    got = threading.Event()

    def listener(ev) -> None:
        heard.append(ev)
        got.set()
    stop = d.on_end(listener)
    mark = server.mark()
    d.start(server.aio.uri, "modem-reset")
    try:
        server.wait_event("registered", "modem-reset", since=mark, timeout=10)
        mark = server.mark()
        d.trigger("reboot")                      # ours: its ready URC is expected
        server.wait_event("registered", "modem-reset", since=mark, timeout=10)
        d.wait_urc("ready", timeout=5)
        assert heard == [] and d.alive() is None
        d.virtual._write_line("+MPREADY")        # the module resets by itself (a watchdog, a crash)
        assert got.wait(5), d.logs()
        (ev,) = heard
        assert ev.kind == "reboot" and "+MPREADY" in ev.detail and not ev.signal
        stop()
        d.virtual._write_line("+MPREADY")
        d.wait_urc("ready", since=ev.at + 1e-6, timeout=5)
        assert len(heard) == 1                   # unsubscribed
    finally:
        d.stop()
