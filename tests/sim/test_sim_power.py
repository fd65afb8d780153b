"""The simulator driver's power-cycle: the power goes, what the meter persists stays (sim/persistence.py)."""

from __future__ import annotations

from meterproof.dut.simulator import SimulatorDriver
from meterproof.lwm2m.sync import SyncServer
from simrig import FAST, model_for

REGISTER = "/3421/0/25"      # the electricity meter's active energy import register


def _cycle(lt, defects=()):
    server = SyncServer.start(lt, params=FAST, model=model_for)
    drv = SimulatorDriver(lt, params=FAST, defects=defects)
    try:
        drv.start(server.aio.uri, "meter-power")
        assert server.write("meter-power", "/1/0/1", 4321).code_text == "2.04"
        drv.meter.ctx.metering_offset = 3600.0     # an hour metered already: a register that restarts shows it
        before = server.read("meter-power", REGISTER).value(REGISTER)
        mark = server.mark()
        drv.trigger("power-cycle")
        ev = server.wait_event("registered", "meter-power", since=mark, timeout=5)
        after = server.read("meter-power", REGISTER).value(REGISTER)
        return ev["registration"].lifetime, before, after
    finally:
        drv.stop()
        server.close()


def test_power_cycle_keeps_configuration_and_registers(loop_thread_sim):
    lifetime, before, after = _cycle(loop_thread_sim)
    assert lifetime == 4321 and after >= before


def test_power_loss_forgets_config_defect(loop_thread_sim):
    lifetime, before, after = _cycle(loop_thread_sim, ("power-loss-forgets-config",))
    assert lifetime == 86400 and after < before
