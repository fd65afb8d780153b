"""The process driver against `meterproof simulate` run as an external command, exactly as a vendor's client."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest

from meterproof.dut.base import TriggerUnavailable
from meterproof.dut.process import ProcessDriver, server_parts
from meterproof.errors import ConfigError
from meterproof.lwm2m.sync import SyncServer

from dut_support import wait_for
from meterproof.profile import Security

SIM = "meterproof simulate --server {server_uri} --endpoint {endpoint} --state {state_dir}/state.json"
PSK = bytes.fromhex("5ec2e75ec2e75ec2e7")


def registered(server: SyncServer, endpoint: str, mark: int, timeout: float = 15) -> None:
    server.wait_event("registered", endpoint, since=mark, timeout=timeout)


def test_start_register_output_stop(server: SyncServer) -> None:
    d = ProcessDriver(SIM)
    mark = server.mark()
    d.start(server.aio.uri, "proc-1")
    try:
        registered(server, "proc-1", mark)
        wait_for(lambda: "registered at" in d.logs())
        assert d.running and d.starts == 1 and d.restarts == 0
    finally:
        d.stop()
    assert not d.running
    assert d.exits == [0], "SIGTERM: the simulator de-registers and exits 0"
    log = d.logs()
    assert "stdout proc-1: registered at coap://127.0.0.1:" in log
    assert "de-registered" in log and "SIGTERM to pid" in log
    assert d.state_dir is None


def test_restart_on_crash_is_counted(server: SyncServer) -> None:
    d = ProcessDriver(SIM, max_restarts=2)
    mark = server.mark()
    d.start(server.aio.uri, "proc-crash")
    try:
        registered(server, "proc-crash", mark)
        for n in (1, 2):
            mark = server.mark()
            os.kill(d.pid, signal.SIGKILL)   # type: ignore[arg-type]
            registered(server, "proc-crash", mark)
            assert d.restarts == n
        os.kill(d.pid, signal.SIGKILL)       # type: ignore[arg-type]
        wait_for(lambda: "not restarted (2 restarts of at most 2)" in d.logs())
        assert not d.running
    finally:
        d.stop()
    assert "client exited unexpectedly: killed by signal SIGKILL (-9)" in d.logs()
    assert d.crashes() == ["killed by signal SIGKILL (-9)"] * 3


def test_reboot_trigger_restarts_and_factory_reset_wipes_state(server: SyncServer) -> None:
    d = ProcessDriver(SIM)
    mark = server.mark()
    d.start(server.aio.uri, "proc-reboot")
    try:
        registered(server, "proc-reboot", mark)
        pid = d.pid
        state = d.state_dir
        assert state is not None
        open(os.path.join(state, "marker"), "w").close()
        mark = server.mark()
        d.trigger("reboot")
        registered(server, "proc-reboot", mark)
        assert d.pid != pid and d.restarts == 0, "a reboot is not a crash"
        assert os.path.exists(os.path.join(state, "marker"))
        mark = server.mark()
        d.trigger("factory-reset")
        registered(server, "proc-reboot", mark)
        assert not os.path.exists(os.path.join(state, "marker"))
        mark = server.mark()
        d.trigger("power-cycle")
        registered(server, "proc-reboot", mark)
        assert -9 in d.exits
        with pytest.raises(TriggerUnavailable, match="driver.triggers"):
            d.trigger("trigger-send")
    finally:
        d.stop()


def test_secrets_are_redacted_in_the_captured_output(server: SyncServer) -> None:
    # a "client" that prints its arguments (the key among them) and then runs the simulator
    script = ("import sys, os; print('args:', sys.argv[1:]); print('key', sys.argv[2], file=sys.stderr); "
              "sys.stdout.flush(); os.execvp('meterproof', ['meterproof', 'simulate', '--server', sys.argv[3], "
              "'--endpoint', sys.argv[4]])")
    cmd = f"{sys.executable} -c \"{script}\" {{psk_identity}} {{psk_key}} {{server_uri}} {{endpoint}}"
    d = ProcessDriver(cmd, security=Security("psk", "profile", "id-{endpoint}", PSK))
    mark = server.mark()
    d.start(server.aio.uri, "proc-psk")
    try:
        registered(server, "proc-psk", mark)
        wait_for(lambda: "key <redacted>" in d.logs())
    finally:
        d.stop()
    log = d.logs()
    assert PSK.hex() not in log and PSK.hex().upper() not in log
    assert "id-proc-psk" in log, "the identity is not a secret"
    assert "<redacted>" in d.describe()["command"] or "{psk_key}" in d.describe()["command"]


def test_placeholders_never_reach_a_shell(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "argv.txt"
    script = f"import sys; open({str(out)!r}, 'w').write(repr(sys.argv[1:]))"
    d = ProcessDriver(f"{sys.executable} -c \"{script}\" -n {{endpoint}} --srv={{server_uri}}", restart_on_crash=False)
    evil = "ep; touch pwned $(id) `x`"
    d.start("coap://127.0.0.1:5683", evil)
    wait_for(lambda: out.exists() and out.read_text())
    d.stop()
    assert out.read_text() == repr(["-n", evil, "--srv=coap://127.0.0.1:5683"])
    assert not (tmp_path / "pwned").exists()


def test_sigkill_after_the_stop_timeout(tmp_path) -> None:  # type: ignore[no-untyped-def]
    script = ("import signal, time, sys; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); "
              "time.sleep(60)")
    d = ProcessDriver(f"{sys.executable} -c \"{script}\"", stop_timeout=0.3)
    d.start("coap://127.0.0.1:5683", "stubborn")
    wait_for(lambda: "stdout up" in d.logs())
    t0 = time.monotonic()
    d.stop()
    assert time.monotonic() - t0 < 5
    assert d.exits == [-9] and "still running after 0.3s: SIGKILL" in d.logs()


def test_stdin_trigger_and_case_options(tmp_path) -> None:  # type: ignore[no-untyped-def]
    script = "import sys\nfor line in sys.stdin: print('got', line.strip(), sys.argv[1:], flush=True)"
    d = ProcessDriver(f"{sys.executable} -c \"{script}\"", triggers={"trigger-update": {"stdin": "update {endpoint}"}},
                      case_options={"lifetime": ["--lifetime", "{value}"], "queue_mode": ["-q"]},
                      options={"lifetime": 30, "queue_mode": True})
    assert "trigger-update" in d.triggers
    d.start("coap://127.0.0.1:5683", "ep-9")
    try:
        d.trigger("trigger-update")
        wait_for(lambda: "got update ep-9 ['--lifetime', '30', '-q']" in d.logs())
    finally:
        d.stop()
    with pytest.raises(TriggerUnavailable, match="driver.case_options.queue_mode"):
        ProcessDriver("client", options={"queue_mode": True})


def test_a_missing_program_is_a_config_error() -> None:
    d = ProcessDriver("no-such-lwm2m-client-xyz -n {endpoint}")
    with pytest.raises(ConfigError, match="cannot start 'no-such-lwm2m-client-xyz'"):
        d.start("coap://127.0.0.1:5683", "x")
    d.stop()


def test_server_address_override() -> None:
    assert server_parts("coap://127.0.0.1:40000", "203.0.113.5:5683") == ("coap://203.0.113.5:5683",
                                                                          "203.0.113.5", 5683)
    assert server_parts("coap://0.0.0.0:40000", "lab.example") == ("coap://lab.example:40000", "lab.example", 40000)
