"""The simulator's delivery schedule arithmetic (meterproof/sim/delivery.py)."""

from __future__ import annotations

from meterproof.sim.delivery import next_delivery, utc_offset_seconds


def test_utc_offsets():
    assert utc_offset_seconds("+02:00") == 7200
    assert utc_offset_seconds("UTC-05") == -18000
    assert utc_offset_seconds("-0330") == -12600
    assert utc_offset_seconds("Z") == 0
    assert utc_offset_seconds("") is None and utc_offset_seconds("Europe/Paris") is None


def test_next_delivery_follows_start_and_frequency():
    day = 86400 * 20000                      # a UTC midnight
    assert next_delivery(day + 10, 0, 2, 0) == day + 12
    assert next_delivery(day + 12, 0, 2, 0) == day + 14          # strictly after now
    assert next_delivery(day + 10, 3600, 1800, 0) == day + 3600  # before the day's start: the start
    assert next_delivery(day + 86000, 0, 3600, 0) == day + 86400  # past the day's last: tomorrow's start
    assert next_delivery(day + 10, 0, 3600, 7200) == day + 3600   # 02:00:10 local -> 03:00 local = 01:00 UTC
