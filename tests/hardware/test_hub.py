"""The device hub: fan-out, status, and restarts with backoff that never end the station."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import random

import pytest

from cabin.errors import DeviceUnavailable
from cabin.logs import JsonFormatter
from hardware.events import DeviceState, DeviceStatus, SignalKind, WaveformChunk
from hardware.hub import Backoff, DeviceHub
from hardware.monikers import DeviceSpec, OpenedDevice
from hardware.serial import EcgDriver, PpgDriver
from hardware.sim.packet_devices import EcgSimulator, PpgSimulator
from tests.hardware.conftest import EventLog, ramp_source

FAST = Backoff(initial=0.05, factor=2.0, cap=0.2, jitter=0.0, reset_after=5.0)


def opener_for(simulators, driver_classes):
    async def opener(spec: DeviceSpec) -> OpenedDevice:
        sim = simulators[spec.device_id]
        await sim.start()
        return OpenedDevice(spec, driver_classes[spec.device_id](spec.device_id, sim.path), sim)

    return opener


async def collect(subscription, log: EventLog, predicate, timeout=5.0):
    async with asyncio.timeout(timeout):
        while not predicate(log):
            log.append(await subscription.get())


def test_backoff_grows_to_its_cap_and_spreads_by_jitter():
    backoff = Backoff(initial=0.5, factor=2.0, cap=30.0, jitter=0.2)
    rng = random.Random(1)
    delays = [backoff.delay(n, rng) for n in range(10)]
    for n, delay in enumerate(delays):
        expected = min(30.0, 0.5 * 2**n)
        assert expected * 0.8 <= delay <= expected * 1.2
    assert Backoff(jitter=0).delay(1000) == 30.0


async def test_every_subscriber_gets_every_event_of_its_devices():
    sims = {
        "ecg": EcgSimulator(ramp_source(2, 1.0), fs=250),
        "ppg": PpgSimulator(ramp_source(2, 9.0)),
    }
    opener = opener_for(sims, {"ecg": EcgDriver, "ppg": PpgDriver})
    specs = [DeviceSpec("ecg", "sim:ecg"), DeviceSpec("ppg", "sim:ppg")]
    async with DeviceHub(specs, opener=opener, backoff=FAST) as hub:
        everything, only_ppg = hub.subscribe(), hub.subscribe(device_ids=["ppg"])
        log_all, log_ppg = EventLog(), EventLog()
        await collect(everything, log_all, lambda e: len(e.chunks(SignalKind.PPG_IR)) >= 10)
        while not only_ppg.queue.empty():
            log_ppg.append(only_ppg.queue.get_nowait())
    assert {e.device_id for e in log_ppg} == {"ppg"}
    assert log_ppg.chunks(SignalKind.PPG_IR)[:10] == log_all.chunks(SignalKind.PPG_IR)[:10]
    assert log_all.chunks(SignalKind.ECG_I)
    assert hub.status()["ecg"].state == DeviceState.CONNECTED


async def test_a_slow_subscriber_loses_its_oldest_events_without_blocking_the_others():
    sims = {"ecg": EcgSimulator(ramp_source(2, 1.0), fs=500)}
    async with DeviceHub(
        [DeviceSpec("ecg", "sim:ecg")], opener=opener_for(sims, {"ecg": EcgDriver})
    ) as hub:
        slow, fast = hub.subscribe(maxsize=5), hub.subscribe()
        log = EventLog()
        await collect(fast, log, lambda e: len(e.chunks(SignalKind.ECG_I)) >= 20)
    assert slow.dropped > 0
    assert slow.queue.qsize() == 5


async def test_an_unplugged_device_is_reported_and_reconnects_when_plugged_back():
    sim = EcgSimulator(ramp_source(2, 1.0), fs=250)
    async with DeviceHub(
        [DeviceSpec("ecg", "sim:ecg")],
        opener=opener_for({"ecg": sim}, {"ecg": EcgDriver}),
        backoff=FAST,
    ) as hub:
        events, log = hub.subscribe(), EventLog()
        await collect(events, log, lambda e: len(e.chunks(SignalKind.ECG_I)) >= 3)
        sim.unplug()
        await collect(events, log, lambda e: any(s.reason == "unplugged" for s in e.statuses()))
        await asyncio.sleep(0.5)  # a few failed attempts while the cable is out
        sim.replug()
        before = len(log.chunks(SignalKind.ECG_I))
        await collect(events, log, lambda e: len(e.chunks(SignalKind.ECG_I)) >= before + 3)
    states = [(s.state, s.reason) for s in log.statuses()]
    assert (DeviceState.DISCONNECTED, "unplugged") in states
    assert (DeviceState.DISCONNECTED, "cannot open the port") in states
    assert states[-1] == (DeviceState.CONNECTED, "streaming")
    # The stream restarted from sample 0 after the reconnection.
    assert log.chunks(SignalKind.ECG_I)[before].seq == 0


async def test_a_silent_device_is_retried_until_it_answers():
    sim = PpgSimulator(ramp_source(2, 9.0))
    sim.faults.silent = True

    async def opener(spec):
        await sim.start()
        driver = PpgDriver(spec.device_id, sim.path)
        driver.answer_timeout = 0.1
        return OpenedDevice(spec, driver, sim)

    async with DeviceHub([DeviceSpec("ppg", "sim:ppg")], opener=opener, backoff=FAST) as hub:
        events, log = hub.subscribe(), EventLog()
        await collect(
            events, log, lambda e: sum(s.reason == "no answer" for s in e.statuses()) >= 2
        )
        sim.faults.silent = False
        await collect(events, log, lambda e: len(e.chunks(SignalKind.PPG_IR)) >= 2)
    assert hub.status()["ppg"].state == DeviceState.CONNECTED


class BrokenDriver:
    """A driver with a bug: it raises something no driver should."""

    device_id = "broken"
    counters: dict[str, int] = {}
    runs = 0

    async def run(self, emit):
        BrokenDriver.runs += 1
        raise ZeroDivisionError("a bug")

    async def command(self, name, **params):
        raise AssertionError("not called")


async def test_a_driver_bug_is_contained_and_retried():
    async def opener(spec):
        return OpenedDevice(spec, BrokenDriver())

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logging.getLogger("hardware.hub").addHandler(handler)
    try:
        async with DeviceHub([DeviceSpec("broken", "sim:x")], opener=opener, backoff=FAST) as hub:
            events, log = hub.subscribe(), EventLog()
            await collect(events, log, lambda e: sum(s.state == "fault" for s in e.statuses()) >= 3)
    finally:
        logging.getLogger("hardware.hub").removeHandler(handler)
    assert BrokenDriver.runs >= 3
    assert {s.reason for s in log.statuses() if s.state == DeviceState.FAULT} == {"driver_error"}
    first = json.loads(stream.getvalue().splitlines()[0])
    assert first["msg"] == "driver failed"
    assert first["exc_type"] == "ZeroDivisionError"
    assert "a bug" not in stream.getvalue()  # the type is logged, never the message


async def test_a_bad_moniker_is_a_fault_status_not_a_crash():
    async with DeviceHub([DeviceSpec("x", "sim:toaster"), DeviceSpec("y", "nonsense")]) as hub:
        status = hub.status()
    assert status["x"].state == DeviceState.FAULT
    assert status["y"].reason == "bad_moniker"


async def test_commands_to_an_unknown_device_raise_device_unavailable():
    async with DeviceHub([]) as hub:
        with pytest.raises(DeviceUnavailable):
            await hub.command("nobody", "start")


def test_status_events_are_frozen():
    status = DeviceStatus(
        "d", DeviceState.CONNECTED, __import__("datetime").datetime.now().astimezone()
    )
    with pytest.raises(AttributeError):
        status.state = DeviceState.FAULT  # type: ignore[misc]
    assert not isinstance(status, WaveformChunk)


@pytest.mark.parametrize("moniker", ["sim:ppg", "sim:ecg", "sim:cuff", "sim:cms50d"])
async def test_closing_during_the_handshake_never_hangs(moniker):
    # A station stopped while its devices are still greeting each other (the kiosk closed
    # at start-up). Python 3.11's wait_for could swallow that cancellation and hang close().
    for delay in (0.0, 0.005, 0.01, 0.02, 0.04, 0.08, 0.15):
        hub = DeviceHub([DeviceSpec("device", moniker)])
        await hub.start()
        await asyncio.sleep(delay)
        started = asyncio.all_tasks() - {asyncio.current_task()}
        assert started, "the hub runs its device in a task"
        async with asyncio.timeout(3):
            await hub.close()
        still_running = [task.get_name() for task in started if not task.done()]
        assert still_running == [], f"after {delay} s: {still_running}"
