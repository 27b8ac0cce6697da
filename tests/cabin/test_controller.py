"""The controller measures real simulated devices through the hub and keeps what passes."""

from __future__ import annotations

import asyncio

import pytest

from cabin.controller import Controller, Live, StepFinished
from cabin.measure import Failure, Outcome, Problem, Progress, Vital
from hardware.hub import DeviceHub
from hardware.monikers import DeviceSpec


async def visit_with(store, *specs):
    hub = DeviceHub([DeviceSpec(device_id, moniker) for device_id, moniker in specs])
    await hub.start()
    controller = Controller(hub, store, "station-test")
    visit = controller.start_visit()
    visit.identify(None)
    visit.give_consent(True)
    return hub, controller, visit


def drain(controller):
    out = []
    while not controller.events.empty():
        out.append(controller.events.get_nowait())
    return out


async def test_blood_pressure_of_a_simulated_arm_is_kept_with_its_waveform(store):
    hub, controller, visit = await visit_with(
        store, ("bp", "sim:cuff,sbp=150,dbp=95,hr=70,speed=8,seed=3")
    )
    try:
        result = await asyncio.wait_for(controller.measure(Vital.BLOOD_PRESSURE), 30)
    finally:
        await hub.close()
    assert isinstance(result, Outcome)
    (bp, pulse) = store.measurements(visit.visit_id)
    assert bp.kind == "blood_pressure"
    assert bp.values["systolic"] == pytest.approx(150, abs=6)
    assert bp.values["diastolic"] == pytest.approx(95, abs=6)
    assert pulse.values["pulse_rate"] == pytest.approx(70, abs=4)
    assert result.kept[0].interpretation.code.startswith("bp.")
    (waveform,) = store.waveforms(visit.visit_id)
    assert waveform.signal_kind == "cuff_pressure"
    assert waveform.samples.max() > 150
    events = drain(controller)
    assert any(isinstance(e, Live) for e in events)
    assert isinstance(events[-1], StepFinished)


async def test_ecg_gives_heart_rate_after_a_recording(store):
    hub, controller, visit = await visit_with(store, ("ecg", "sim:ecg,hr=58,speed=6,fs=250"))
    try:
        result = await asyncio.wait_for(controller.measure(Vital.ECG), 30)
    finally:
        await hub.close()
    assert isinstance(result, Outcome)
    (rate,) = store.measurements(visit.visit_id)
    assert rate.values["heart_rate"] == pytest.approx(58, abs=2)
    (waveform,) = store.waveforms(visit.visit_id)
    assert len(waveform.samples) == pytest.approx(30 * 250, abs=50)


async def test_spo2_waits_for_a_finger_then_keeps_a_stable_value(store):
    hub, controller, visit = await visit_with(store, ("oximeter", "sim:cms50d,spo2=93,hr=88"))
    simulator = hub.device("oximeter").simulator
    simulator.finger_out = True
    task = asyncio.create_task(controller.measure(Vital.SPO2))
    try:
        async with asyncio.timeout(10):
            while not any(
                isinstance(e, Progress) and e.problem == Problem.FINGER_OUT
                for e in drain(controller)
            ):
                await asyncio.sleep(0.1)
        simulator.finger_out = False
        result = await asyncio.wait_for(task, 30)
    finally:
        task.cancel()
        await hub.close()
    assert isinstance(result, Outcome)
    values = {m.kind: m.values for m in store.measurements(visit.visit_id)}
    assert values["spo2"] == {"spo2": 93.0}
    assert values["pulse_rate"]["pulse_rate"] == pytest.approx(88, abs=2)


async def test_cancelling_a_blood_pressure_dumps_the_cuff(store):
    hub, controller, visit = await visit_with(store, ("bp", "sim:cuff,speed=4,seed=5"))
    task = asyncio.create_task(controller.measure(Vital.BLOOD_PRESSURE))
    try:
        async with asyncio.timeout(10):
            while hub.device("bp").driver.state.name != "INFLATING":
                await asyncio.sleep(0.05)
        await controller.cancel_measure()
        result = await asyncio.wait_for(task, 10)
        async with asyncio.timeout(10):
            while hub.device("bp").driver.state.name != "DONE":
                await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await hub.close()
    assert result == Failure(Vital.BLOOD_PRESSURE, "cancelled")
    assert store.measurements(visit.visit_id) == []


async def test_a_device_that_drops_out_mid_measurement_is_shown_and_the_step_recovers(store):
    hub, controller, _ = await visit_with(store, ("ecg", "sim:ecg,hr=75,speed=6,fs=250"))
    simulator = hub.device("ecg").simulator
    task = asyncio.create_task(controller.measure(Vital.ECG))
    try:
        async with asyncio.timeout(10):
            while not any(isinstance(e, Live) for e in drain(controller)):
                await asyncio.sleep(0.05)
        simulator.unplug()
        seen = []
        async with asyncio.timeout(10):
            while not any(isinstance(e, Progress) and e.problem == Problem.NO_SIGNAL for e in seen):
                seen += drain(controller)
                await asyncio.sleep(0.05)
        simulator.replug()  # the hub reconnects; the recording starts again
        result = await asyncio.wait_for(task, 30)
    finally:
        task.cancel()
        await hub.close()
    assert isinstance(result, Outcome)
    assert result.kept[0].values["heart_rate"] == pytest.approx(75, abs=3)


async def test_a_device_that_never_comes_back_fails_the_step_not_the_visit(store):
    hub, controller, visit = await visit_with(store, ("oximeter", "sim:cms50d"))
    await hub.close()  # the oximeter is gone before the step starts
    result = await asyncio.wait_for(controller.measure(Vital.SPO2, give_up=2), 10)
    assert result == Failure(Vital.SPO2, "no_signal")
    visit.show_results()  # the visit carries on without it
    assert store.measurements(visit.visit_id) == []
