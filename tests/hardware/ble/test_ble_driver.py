"""The station reads BLE health devices through the hub, bleak and a real GATT stack.

Each simulated instrument is a bumble peripheral on the virtual air; the
station's driver reaches it only through bleak's public API with the bumble
backend, exactly as it reaches a real one through BlueZ.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from hardware.ble.bumble_backend import VirtualAir
from hardware.ble.uuids import CharacteristicUuid
from hardware.events import DeviceState, DeviceStatus, Reading
from hardware.hub import Backoff, DeviceHub
from hardware.monikers import DeviceSpec
from hardware.sim.ble_devices import make_ble_device
from tests.hardware.conftest import EventLog

HR = CharacteristicUuid.HEART_RATE_MEASUREMENT.uuid
FAST = Backoff(initial=0.05, factor=2.0, cap=0.2, jitter=0.0, reset_after=5.0)

# What each kind's measurement gives the station, and one value to check.
EXPECTED = {
    "ble-bp": ("sbp=150,dbp=95,hr=70", "blood_pressure", "systolic", 150.0, "mm[Hg]"),
    "ble-hr": ("hr=66", "heart_rate", "heart_rate", 66.0, "/min"),
    "ble-thermo": ("temp=37.9", "temperature", "temperature", 37.9, "Cel"),
    "ble-plx": ("spo2=93,hr=81", "spo2", "spo2", 93.0, "%"),
    "ble-scale": ("kg=61.5,height=1.58", "weight", "weight", 61.5, "kg"),
    "ble-glucose": ("glucose=6.2,meal=fasting", "glucose", "glucose", 6.2, "mmol/L"),
}


async def collect(subscription, log: EventLog, predicate, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate(log):
            log.append(await subscription.get())


def final(readings: list[Reading]) -> list[Reading]:
    """The measurement itself, not the running values an oximeter streams before it."""
    return [r for r in readings if "continuous" not in r.flags]


def connected(log: EventLog, device: str = "device") -> int:
    return sum(
        s.device_id == device and s.state == DeviceState.CONNECTED and s.reason == "connected"
        for s in log.statuses()
    )


@pytest.mark.parametrize("kind", sorted(EXPECTED))
async def test_every_profile_is_found_paired_clock_set_and_read(kind):
    options, reading_kind, name, value, unit = EXPECTED[kind]
    moniker = f"sim:{kind},every=0,vary=0,{options}"
    async with DeviceHub([DeviceSpec("device", moniker)], backoff=FAST) as hub:
        events, log = hub.subscribe(), EventLog()
        await collect(events, log, lambda e: connected(e) == 1)
        instrument = hub.device("device").simulator.device
        await instrument.measure()
        await collect(events, log, lambda e: final(e.readings(reading_kind)))
    (reading,) = final(log.readings(reading_kind))
    assert reading.values[name] == pytest.approx(value, abs=0.05)
    assert reading.unit == unit
    assert reading.device_id == "device"
    assert {"model", "manufacturer", "serial", "battery"} <= set(reading.device_info)
    assert instrument.clock_set_to is not None  # the station set the device's clock
    if kind != "ble-hr":  # a belt has no clock; the rest stamp their readings
        assert reading.device_time is not None
        assert abs((reading.device_time - reading.received_at).total_seconds()) < 5


async def test_records_taken_before_the_cabin_connected_and_while_away_are_not_lost():
    moniker = "sim:ble-glucose,every=0,records=3"
    async with DeviceHub([DeviceSpec("glucose", moniker)], backoff=FAST) as hub:
        events, log = hub.subscribe(), EventLog()
        await collect(events, log, lambda e: len(e.readings("glucose")) == 3)
        meter = hub.device("glucose").simulator.device
        await meter.peripheral.power_off()  # out of range: two readings taken meanwhile
        await collect(events, log, lambda e: any(s.state == "disconnected" for s in e.statuses()))
        await meter.measure()
        await meter.measure()
        await meter.peripheral.power_on()
        await collect(events, log, lambda e: len(e.readings("glucose")) == 5)
        await meter.measure()  # and live again
        await collect(events, log, lambda e: len(e.readings("glucose")) == 6)
        await asyncio.sleep(0.2)
        counters = hub.device("glucose").driver.counters
    assert len(log.readings("glucose")) == 6 == len(meter.records)
    assert counters.get("duplicates", 0) == 0  # the meter was asked only for newer records
    assert connected(log, "glucose") == 2


async def test_a_dropped_link_is_reported_and_the_device_read_again():
    async with DeviceHub([DeviceSpec("bp", "sim:ble-bp,every=0")], backoff=FAST) as hub:
        events, log = hub.subscribe(), EventLog()
        await collect(events, log, lambda e: connected(e, "bp") == 1)
        cuff = hub.device("bp").simulator.device
        await cuff.peripheral.drop()
        await collect(events, log, lambda e: connected(e, "bp") == 2)
        await cuff.measure()
        await collect(events, log, lambda e: e.readings("blood_pressure"))
    states = [s.state for s in log.statuses()]
    assert DeviceState.DISCONNECTED in states
    assert states.index(DeviceState.DISCONNECTED) < len(states) - 1


async def test_a_neighbours_device_is_never_connected_to():
    async with VirtualAir() as air:
        neighbour = make_ble_device(air, "ble-scale", {"name": "Neighbour scale"}, seed=9)
        async with neighbour:
            connections = []
            neighbour.peripheral.device.on("connection", connections.append)
            async with DeviceHub([DeviceSpec("scale", "sim:ble-scale,every=0")]) as hub:
                events, log = hub.subscribe(), EventLog()
                await collect(events, log, lambda e: connected(e, "scale") == 1)
                await hub.device("scale").simulator.device.measure()
                await neighbour.measure()  # the neighbour weighs themself meanwhile
                await collect(events, log, lambda e: e.readings("weight"))
                await asyncio.sleep(0.3)
            assert connections == []
            assert not neighbour.peripheral.is_connected
    assert len(log.readings("weight")) == 1


async def test_garbage_is_counted_logged_once_and_the_link_goes_on(caplog):
    async with DeviceHub([DeviceSpec("hr", "sim:ble-hr,every=0,hr=70,vary=0")]) as hub:
        events, log = hub.subscribe(), EventLog()
        await collect(events, log, lambda e: connected(e, "hr") == 1)
        belt = hub.device("hr").simulator.device
        with caplog.at_level(logging.WARNING, logger="hardware.ble.driver"):
            for _ in range(3):
                await belt.send_garbage(HR)
            await belt.measure()
            await collect(events, log, lambda e: e.readings("heart_rate"))
    bad = [s for s in log.statuses() if s.reason == "bad_payload"]
    assert len(bad) == 3
    assert bad[-1].counters["bad_payloads"] == 3
    logged = [r.getMessage() for r in caplog.records if r.name == "hardware.ble.driver"]
    assert logged == ["undecodable payload"]
    assert log.readings("heart_rate")[0].value == 70.0
    assert all(isinstance(e, (Reading, DeviceStatus)) for e in log)
