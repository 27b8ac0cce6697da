"""The whole consult, end to end: a doctor in the real console, the cabin's real session.

A doctor logs in to the portal's console in headless Chromium (fake camera and
microphone) and takes the call of a cabin whose :class:`cabin.consult.ConsultSession`
runs a visit on a real store with a simulated oximeter through the device hub. What
the doctor does in the page reaches the visit: the re-measurement runs on the
device and its reading is stored, and the note is stored with the visit and goes to
the hospital in the FHIR bundle. All over 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from aiohttp import web

from cabin.config import load_config
from cabin.consult import ConsultSession, ConsultSettings, Phase
from cabin.controller import Controller
from cabin.measure import Vital
from cabin.store import Store, generate_key
from fhir_bridge.destinations import Destinations
from fhir_bridge.outbox import bundle_bytes, gather
from hardware.hub import DeviceHub
from hardware.monikers import DeviceSpec
from tests.video.browser import (
    CHROMIUM,
    FLAGS,
    console_ready,
    login,
    playwright_or_skip,
    portal_app,
    state,
    wait_state,
)

STATION = "tram-phuong-7"
NOTE = "Huyết áp cao, SpO2 ổn. Tái khám sau hai tuần."
TIMEOUT = 30.0


# ICE host candidates on 127.0.0.1 only (the fixture is in tests/video/conftest.py).
pytestmark = pytest.mark.usefixtures("loopback_ice")


async def until(condition, timeout=TIMEOUT):
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


@pytest.mark.timeout(150)
async def test_the_doctor_remeasures_and_writes_a_note_that_reaches_the_record(tmp_path: Path):
    api = playwright_or_skip()
    app, accounts, keys = portal_app(tmp_path, stations=(STATION,))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    key_file = tmp_path / "station.key"
    key_file.write_text(keys[STATION] + "\n", encoding="utf-8")
    settings = ConsultSettings(base, STATION, key_file, camera="sim", microphone="sim")
    hub = DeviceHub([DeviceSpec("oximeter", "sim:cms50d,spo2=95,hr=70")])
    phases: list[Phase] = []
    try:
        with Store.open(tmp_path / "station.db", key=generate_key()) as store:
            async with hub, api.async_playwright() as driver:
                controller = Controller(hub, store, STATION)
                visit = controller.start_visit()
                visit.identify(None)
                visit.give_consent(True)
                outcome = await controller.measure(Vital.SPO2, give_up=60)
                assert not hasattr(outcome, "problem"), outcome
                visit.show_results()
                visit.ask_doctor()
                spo2_before = [m for m in store.measurements(visit.visit_id) if m.kind == "spo2"]

                browser = await driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                session = ConsultSession(
                    settings,
                    store,
                    hub,
                    controller,
                    visit.visit_id,
                    on_change=lambda view: phases.append(view.phase),
                )
                try:
                    page = await browser.new_page(viewport={"width": 1440, "height": 900})
                    await login(page, base)
                    await console_ready(page)
                    await session.start()
                    accept = await page.wait_for_selector("button.accept", timeout=15_000)
                    await accept.click()
                    await until(lambda: session.view.phase is Phase.CALL)

                    # Both ways: pictures, sound, and the cabin's waveforms and record.
                    await wait_state(page, "s.framesDecoded > 10 && s.audioPacketsReceived > 50")
                    await wait_state(page, "s.waves.pleth && s.waves.pleth.messages > 5")
                    frames = 0

                    async def doctor_frames() -> None:
                        nonlocal frames
                        assert session.remote_video is not None
                        while True:
                            await session.remote_video.recv()
                            frames += 1

                    counting = asyncio.ensure_future(doctor_frames())
                    await until(lambda: frames >= 10)
                    counting.cancel()
                    snapshot = await state(page)
                    assert snapshot["audioPacketsSent"] > 0
                    await page.wait_for_function(
                        "() => document.querySelector('#record').textContent.includes('SpO2')"
                    )

                    # The doctor asks for SpO2 again: the oximeter measures, the visit keeps it.
                    status = "() => document.querySelector('[data-status-for=spo2]').dataset.status"
                    await page.click("[data-remeasure=spo2]")
                    await page.wait_for_function(f"() => ({status})() === 'status_measuring'")
                    assert controller.measuring
                    await page.wait_for_function(
                        f"() => ({status})() === 'status_result'", timeout=90_000
                    )
                    spo2_after = [m for m in store.measurements(visit.visit_id) if m.kind == "spo2"]
                    assert len(spo2_after) == len(spo2_before) + 1
                    assert abs(spo2_after[-1].values["spo2"] - 95) <= 2
                    assert visit.step == "consult"

                    # The note, typed and sent, is stored with the visit.
                    await page.fill("#note", NOTE)
                    await page.click("#send-note")
                    await page.wait_for_function(
                        "() => document.querySelector('#note-status').dataset.status === 'acked'"
                    )
                    await page.click("#end-call")
                    await until(lambda: session.done)
                finally:
                    await session.aclose()
                    await browser.close()

            kept = store.consult_for(visit.visit_id)
            assert kept is not None
            assert kept.note == NOTE
            assert (kept.doctor_id, kept.doctor_name) == ("bs.lan", "BS. Nguyễn Thị Lan")
            assert kept.end_reason == "doctor"
            assert Phase.WAITING in phases
            assert Phase.CALL in phases
            visit.end_consult()
            visit.send()
            destinations = Destinations.from_config(
                load_config(env={"CABIN_DATA_DIR": str(tmp_path)})
            )
            bundle = json.loads(bundle_bytes(gather(store, visit.visit_id, destinations)))
            assert NOTE in json.dumps(bundle, ensure_ascii=False)
    finally:
        await runner.cleanup()
        accounts.close()
