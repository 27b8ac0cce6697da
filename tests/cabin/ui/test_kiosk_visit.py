"""A resident's whole visit through the kiosk's screens, in Vietnamese and in English."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from cabin.cccd import parse_cccd_qr
from cabin.i18n import local_date, tr
from cabin.measure import Vital
from cabin.ui.theme import SEVERITY_COLOURS
from cabin.visit import VisitFlow
from hardware.camera import SimulatedCamera
from hardware.driver import utc_now
from tests.cabin.ui.kiosk_helpers import CARD, CARD_2, HOSPITAL

from PyQt6.QtWidgets import QLabel  # isort: skip


def chip_colour(station, verdict: str) -> str:
    """The background colour of the visible chip that says ``verdict``."""
    for widget in station.kiosk.findChildren(QLabel):
        if widget.isVisible() and widget.text() == verdict and widget.property("role") == "chip":
            return widget.styleSheet()
    raise AssertionError(f"no chip says {verdict!r}")


async def measure(station, vital: Vital, shot: str | None = None) -> None:
    screen = station.kiosk.screens["measure"]
    await station.tap(screen.choices[vital])
    assert station.kiosk.screens["measure"].vital is vital
    await station.tap(screen.start)
    # Enough signal to see: a few pulses, or the cuff well into its deflation.
    enough = 1500 if vital is Vital.BLOOD_PRESSURE else 150
    await station.until(lambda: screen.wave.sample_count > enough)
    if shot:
        await station.shot(shot, publish=True)
    await station.until(lambda: screen.vital is None, timeout=60)


def test_a_full_visit_in_vietnamese_from_card_scan_to_goodbye(run, station, store, tmp_path):
    camera = SimulatedCamera(fps=30)

    async def visit():
        async with station(
            ("oximeter", "sim:cms50d,spo2=93,hr=72"),
            ("bp", "sim:cuff,sbp=150,dbp=95,hr=70,speed=8,seed=3"),
            camera=camera,
        ) as s:
            screens = s.kiosk.screens
            await s.shot("01-home", publish=True)
            assert camera.frames == 0  # the camera looks only while the card is asked for
            await s.tap(screens["home"].health)
            assert s.screen == "identify"
            preview = screens["identify"].preview
            await s.until(lambda: not preview.pixmap().isNull(), timeout=5)
            assert tr("identify.scan_hint_camera") in s.texts()
            await s.shot("02-identify", publish=True)

            camera.show_card(CARD)  # the resident holds the card up to the camera
            await s.until(lambda: "Xin chào Nguyễn Thị Thử" in s.texts(), timeout=10)
            assert preview.pixmap().isNull()  # the camera stops once the card is read
            frames = camera.frames
            await asyncio.sleep(0.3)
            assert camera.frames == frames
            assert tr("identify.first_visit") in s.texts()
            await s.shot("03-identify-recognised", publish=True)
            await s.tap(screens["identify"].go_on)

            assert s.screen == "consent"
            assert HOSPITAL in s.texts()
            await s.shot("04-consent", publish=True)
            await s.tap(screens["consent"].yes)

            assert s.screen == "measure"
            await s.shot("05-measure-list", publish=True)
            await measure(s, Vital.SPO2, shot="06-measuring-spo2")
            assert any("ngón tay" in said for said in s.controller.voice.spoken)
            await measure(s, Vital.BLOOD_PRESSURE, shot="07-measuring-blood-pressure")
            assert "Oxy trong máu: 93%" in s.texts()
            await s.shot("08-measure-done", publish=True)

            await s.tap(screens["measure"].results)
            assert s.screen == "results"
            lines = {line.kind: line for line in screens["results"].lines}
            assert set(lines) == {"spo2", "pulse_rate", "blood_pressure"}
            assert lines["spo2"].value == "93%"
            assert lines["spo2"].colour == "yellow"
            assert lines["blood_pressure"].colour == "yellow"  # grade 1
            assert lines["pulse_rate"].colour == "green"
            assert SEVERITY_COLOURS["yellow"][0] in chip_colour(s, "Cần chú ý")
            assert SEVERITY_COLOURS["green"][0] in chip_colour(s, "Bình thường")
            for line in lines.values():
                assert line.value in s.texts()
            assert lines["spo2"].sentence in s.texts()
            assert screens["results"].qr.pixmap().width() > 100
            assert not screens["results"].finish.isVisible()
            await s.shot("09-results", publish=True)

            await s.tap(screens["results"].print)
            printer = tmp_path / "printer.prn"
            await s.until(lambda: printer.exists() and screens["results"].printed_key is not None)
            assert printer.read_bytes().startswith(b"\x1b@")  # ESC @: initialise, then raster
            assert tr("results.printed") in s.texts()

            await s.tap(screens["results"].send)
            assert s.screen == "goodbye"
            assert tr("goodbye.sent", hospital=HOSPITAL) in s.texts()
            await s.shot("10-goodbye", publish=True)
            await s.until(lambda: s.screen == "home", timeout=5)

            # Nothing personal is left anywhere in the window, shown or hidden.
            everything = "\n".join(w.text() for w in s.kiosk.findChildren(QLabel))
            for secret in ("Nguyễn Thị Thử", "93%", lines["blood_pressure"].value):
                assert secret not in everything

            resident = store.find_resident_by_cccd("001152004321")
            (stored,) = store.visits_of(resident.id)
            assert stored.state == "completed"
            assert stored.consent
            states = [t.to_state for t in store.transitions(stored.id)]
            assert states == [
                "identify", "consent", "measure", "results", "send", "goodbye", "completed"
            ]  # fmt: skip
            kinds = sorted(m.kind for m in store.measurements(stored.id))
            assert kinds == ["blood_pressure", "pulse_rate", "pulse_rate", "spo2"]

    run(visit())


def returning_resident(store) -> str:
    """The resident of CARD_2, who measured a blood pressure a week ago."""
    resident_id = store.add_resident(parse_cccd_qr(CARD_2).to_identity())
    week_ago = utc_now() - timedelta(days=7)
    visit = VisitFlow(store, "station-test", clock=lambda: week_ago)
    visit.identify(resident_id)
    visit.give_consent(True)
    visit.record("blood_pressure", {"systolic": 142, "diastolic": 91}, "mm[Hg]")
    visit.show_results()
    visit.send()
    visit.goodbye()
    visit.finish()
    return resident_id


def test_a_full_visit_in_english_with_a_typed_card_number(run, station, store):
    resident_id = returning_resident(store)

    async def visit():
        async with station(
            ("oximeter", "sim:cms50d,spo2=88,hr=75"),
            ("bp", "sim:cuff,sbp=170,dbp=104,hr=75,speed=8,seed=4"),
        ) as s:
            screens = s.kiosk.screens
            await s.tap(screens["home"].languages["en"])
            assert "Hello! What do you need?" in s.texts()
            await s.shot("en-01-home")
            await s.tap(screens["home"].health)

            keypad = screens["identify"].keypad
            assert not keypad.done_key.isEnabled()
            for digit in "079047001234":
                await s.tap(keypad.keys[digit])
            assert "079 047 001 234" in s.texts()
            await s.tap(keypad.done_key)
            assert "Hello, Trần Văn Mẫu" in s.texts()
            assert "Last time, on" in s.texts()
            assert "Blood pressure: 142/91 mmHg" in s.texts()
            await s.shot("en-02-identify-returning")
            await s.tap(screens["identify"].go_on)

            assert "May we send your results?" in s.texts()
            await s.tap(screens["consent"].yes)
            await measure(s, Vital.SPO2)
            await measure(s, Vital.BLOOD_PRESSURE)
            await s.tap(screens["measure"].results)

            lines = {line.kind: line for line in screens["results"].lines}
            assert lines["spo2"].value == "88%"
            assert lines["spo2"].colour == "red"
            assert lines["spo2"].sentence.startswith("The oxygen level in your blood is very low")
            assert lines["blood_pressure"].colour == "orange"  # grade 2
            last_week = local_date(utc_now() - timedelta(days=7))
            assert lines["blood_pressure"].trend == (
                f"Last time ({last_week}): 142/91 mmHg. Higher now."
            )
            assert lines["blood_pressure"].trend in s.texts()
            assert lines["spo2"].trend == ""  # not measured last time
            assert SEVERITY_COLOURS["red"][0] in chip_colour(s, "Danger")
            assert SEVERITY_COLOURS["orange"][0] in chip_colour(s, "See a doctor")
            assert tr("results.emergency", "en") in s.texts()
            assert screens["results"].sos.isVisible()
            await s.shot("en-03-results")

            await s.tap(screens["results"].send)
            assert tr("goodbye.sent", "en", hospital=HOSPITAL) in s.texts()
            await s.until(lambda: s.screen == "home", timeout=5)
            assert s.kiosk.lang == "vi"  # the next resident starts in Vietnamese
            assert "Trần Văn Mẫu" not in s.texts()

        visits = store.visits_of(resident_id)
        assert [v.state for v in visits] == ["completed", "completed"]
        values = {m.kind: dict(m.values) for m in store.measurements(visits[-1].id)}
        assert values["spo2"] == {"spo2": 88.0}
        assert values["blood_pressure"]["systolic"] >= 160

    run(visit())
