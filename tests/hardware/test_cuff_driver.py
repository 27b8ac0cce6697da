"""The blood-pressure cuff module: commands, states, and safety, through the real driver."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.events import DeviceState, SignalKind
from hardware.serial import CuffDriver
from hardware.sim.cuff_model import CuffParams
from hardware.sim.cuff_source import CycleSource
from hardware.sim.packet_devices import CuffSimulator
from tests.hardware.conftest import running

SPEED = 8.0  # a whole cycle takes about 45 s of device time


def states(events):
    seen = []
    for chunk in events.chunks(SignalKind.CUFF_PRESSURE):
        (state,) = chunk.flags
        if not seen or seen[-1] != state:
            seen.append(state)
    return seen


async def streaming(events):
    """Commands go to a connected device: wait for its first chunk."""
    await events.wait_for(lambda e: len(e.chunks(SignalKind.CUFF_PRESSURE)) >= 1)


def pressure(events):
    return np.concatenate([c.samples for c in events.chunks(SignalKind.CUFF_PRESSURE)])


async def test_a_measurement_inflates_deflates_and_ends_done(events):
    source = CycleSource(CuffParams(systolic=135, diastolic=85), seed=2)
    async with CuffSimulator(source, speed=SPEED) as sim:
        driver = CuffDriver("bp", sim.path)
        async with running(driver, events):
            await events.wait_for(lambda e: len(e.chunks(SignalKind.CUFF_PRESSURE)) >= 3)
            await driver.command("start", target=170)
            await events.wait_for(lambda e: "done" in states(e), timeout=15)
        truth = sim.truth[:, 0] * (sim.info.lsb / 100.0)
    assert states(events) == ["idle", "inflating", "deflating", "dumping", "done"]
    # The command's reply in the middle of the stream is not taken for a lost packet.
    assert driver.counters.get("samples_lost", 0) == 0
    chunks = events.chunks(SignalKind.CUFF_PRESSURE)
    assert [c.seq for c in chunks] == [5 * i for i in range(len(chunks))]
    decoded = pressure(events)
    assert np.array_equal(decoded, truth[: len(decoded)])
    assert 165 <= decoded.max() <= 180  # inflated to the target, pulses on top
    assert decoded[-1] < 5
    assert all(c.unit == "mm[Hg]" and c.fs == 100 for c in events.chunks(SignalKind.CUFF_PRESSURE))


async def test_an_emergency_dump_empties_the_cuff_at_once(events):
    async with CuffSimulator(CycleSource(CuffParams(), seed=3), speed=SPEED) as sim:
        driver = CuffDriver("bp", sim.path)
        async with running(driver, events):
            await streaming(events)
            await driver.command("start", target=160)
            await events.wait_for(lambda e: pressure(e).max(initial=0) > 100, timeout=10)
            await driver.command("dump")
            at = sum(map(len, events.chunks(SignalKind.CUFF_PRESSURE)))
            await events.wait_for(lambda e: "done" in states(e), timeout=10)
    after = pressure(events)[at:]
    assert states(events)[-2:] == ["dumping", "done"]
    # Below 15 mmHg within 3 s of device time (300 samples) of the command.
    assert after[:300].min() < 15


async def test_a_leaking_cuff_is_reported(events):
    leaky = CuffParams(leak_time_constant_s=2.0)
    async with CuffSimulator(CycleSource(leaky, seed=4), speed=SPEED) as sim:
        driver = CuffDriver("bp", sim.path)
        async with running(driver, events):
            await streaming(events)
            await driver.command("start", target=160)
            await events.wait_for(lambda e: "leak" in states(e), timeout=10)
    assert driver.counters["cuff_leak"] == 1
    assert any(s.reason == "cuff_leak" for s in events.statuses())
    assert all(s.state == DeviceState.CONNECTED for s in events.statuses())


async def test_a_runaway_pump_is_dumped_by_the_driver_without_being_asked(events):
    # The module's pump ignores its target and its firmware does not vent.
    runaway = CuffParams(over_pressure=True)
    async with CuffSimulator(CycleSource(runaway, seed=5), speed=SPEED) as sim:
        driver = CuffDriver("bp", sim.path)
        async with running(driver, events):
            await streaming(events)
            await driver.command("start", target=160)
            await events.wait_for(lambda e: "done" in states(e), timeout=15)
    assert states(events) == ["idle", "inflating", "over_pressure", "dumping", "done"]
    assert driver.counters["cuff_over_pressure"] == 1
    assert driver.counters["safety_dumps"] == 1
    peak = pressure(events).max()
    assert 300 <= peak < 312  # dumped within a few samples of crossing the limit


async def test_an_unsafe_target_is_refused_before_anything_is_sent(events):
    async with CuffSimulator(CycleSource(CuffParams(), seed=6)) as sim:
        driver = CuffDriver("bp", sim.path)
        async with running(driver, events):
            await events.wait_for(lambda e: len(e.chunks(SignalKind.CUFF_PRESSURE)) >= 1)
            before = sim.commands_received
            with pytest.raises(ValueError, match="target"):
                await driver.command("start", target=300)
            assert sim.commands_received == before
