"""The other ways through the kiosk: no consent, going back, card problems, a finger out,
idling, and the placeholder screens."""

from __future__ import annotations

from PyQt6.QtWidgets import QLabel

from cabin.i18n import tr
from cabin.measure import Vital
from cabin.visit import IdleTimer
from hardware.camera import SimulatedCamera
from services.registry import MODULE_PACKAGES, ServiceContext, load_modules
from tests.cabin.ui.kiosk_helpers import CARD

OXIMETER = ("oximeter", "sim:cms50d,spo2=97,hr=66")
ECG = ("ecg", "sim:ecg,hr=64,speed=6,fs=250")


def test_without_consent_the_results_are_shown_and_nothing_is_sent(run, station, store):
    async def visit():
        async with station(OXIMETER, ECG) as s:
            screens = s.kiosk.screens
            await s.tap(screens["home"].health)
            await s.tap(screens["identify"].anonymous)
            await s.tap(screens["consent"].no)
            measure = screens["measure"]
            assert not measure.choices[Vital.BLOOD_PRESSURE].isVisible()  # no cuff here
            await s.tap(measure.choices[Vital.ECG])
            await s.tap(measure.start)
            await s.until(lambda: measure.wave.sample_count > 500)
            await s.shot("17-measuring-ecg", publish=True)
            await s.until(lambda: measure.vital is None, timeout=60)
            await s.tap(measure.results)

            results = screens["results"]
            assert [line.kind for line in results.lines] == ["heart_rate"]
            assert results.lines[0].colour == "green"
            assert results.lines[0].value.endswith(" lần/phút")
            assert not results.send.isVisible()
            assert results.finish.isVisible()
            await s.shot("results-no-consent")
            visit_id = s.controller.visit.visit_id
            await s.tap(results.finish)
            assert s.screen == "goodbye"
            assert tr("goodbye.not_sent") in s.texts()
            await s.until(lambda: s.screen == "home", timeout=5)

        stored = store.visit(visit_id)
        assert stored.resident_id is None
        assert stored.consent is False
        assert stored.state == "completed"
        states = [t.to_state for t in store.transitions(visit_id)]
        assert "send" not in states
        assert states[-2:] == ["goodbye", "completed"]
        (rate,) = store.measurements(visit_id)
        assert rate.kind == "heart_rate"
        assert abs(rate.values["heart_rate"] - 64) <= 2

    run(visit())


def test_every_step_before_send_can_go_back(run, station, store):
    async def visit():
        async with station(OXIMETER) as s:
            screens = s.kiosk.screens
            await s.tap(screens["home"].health)
            identify = screens["identify"]
            s.kiosk.scanner.feed(CARD)
            await s.tap(identify.back_button)  # "not me": the name goes, the visit stays
            assert "Nguyễn" not in s.texts()
            assert identify.pages.currentWidget() is identify.entry
            s.kiosk.scanner.feed(CARD)
            await s.tap(identify.go_on)
            await s.tap(screens["consent"].back_button)
            assert s.screen == "identify"
            assert "Xin chào Nguyễn Thị Thử" in s.texts()  # still recognised
            await s.tap(identify.go_on)
            await s.tap(screens["consent"].yes)

            measure = screens["measure"]
            await s.tap(measure.choices[Vital.SPO2])
            assert tr("instruction.spo2") in s.texts()
            await s.tap(measure.back_button)  # the instruction page back to the list
            assert measure.vital is None
            assert s.screen == "measure"
            await s.tap(measure.choices[Vital.SPO2])
            await s.tap(measure.skip)
            assert tr("measure.skipped") in s.texts()
            await s.tap(measure.back_button)
            assert s.screen == "consent"
            await s.tap(screens["consent"].yes)
            await s.tap(measure.results)
            assert tr("results.none") in s.texts()

            await s.tap(screens["results"].doctor)
            assert s.screen == "consult"
            await s.shot("11-consult", publish=True)
            await s.tap(screens["consult"].back_to_results)
            await s.tap(screens["results"].back_button)
            assert s.screen == "measure"
            await s.tap(measure.back_button)
            await s.tap(screens["consent"].back_button)
            visit_id = s.controller.visit.visit_id
            await s.tap(identify.back_button)  # not me
            await s.tap(identify.back_button)  # leave: the visit is cancelled
            assert s.screen == "home"

        states = [t.to_state for t in store.transitions(visit_id)]
        assert states == [
            "identify", "consent", "identify", "consent", "measure", "consent", "measure",
            "results", "consult", "results", "measure", "consent", "identify", "cancelled",
        ]  # fmt: skip
        assert store.visit(visit_id).state == "cancelled"

    run(visit())


def test_card_problems_are_explained_in_plain_words(run, station, store):
    camera = SimulatedCamera(fps=30)

    async def visit():
        async with station(OXIMETER, camera=camera) as s:
            await s.tap(s.kiosk.screens["home"].health)
            identify = s.kiosk.screens["identify"]
            camera.show_card("https://example.org/not-a-card")  # a QR, but not a citizen card
            await s.until(lambda: tr("card.not_cccd") in s.texts(), timeout=10)
            assert tr("identify.scan_hint_camera") not in s.texts()  # the problem takes its place
            await s.shot("12-identify-card-problem", publish=True)
            camera.hide_card()
            for digit in "999152004321":  # there is no province 999
                await s.tap(identify.keypad.keys[digit])
            assert tr("card.not_cccd") not in s.texts()  # typing clears the old problem
            await s.tap(identify.keypad.done_key)
            assert tr("card.bad_id") in s.texts()
            for _ in range(12):
                await s.tap(identify.keypad.delete_key)
            for digit in "001152004321":
                await s.tap(identify.keypad.keys[digit])
            await s.tap(identify.keypad.done_key)
            assert tr("identify.not_found") in s.texts()  # a number alone cannot register
            assert any("12" in said or "mười hai" in said for said in s.controller.voice.spoken)
            assert store.find_resident_by_cccd("001152004321") is None

    run(visit())


def test_a_finger_out_of_the_clip_shows_and_says_how_to_fix_it(run, station):
    async def visit():
        async with station(OXIMETER) as s:
            s.hub.device("oximeter").simulator.finger_out = True
            screens = s.kiosk.screens
            await s.tap(screens["home"].health)
            await s.tap(screens["identify"].anonymous)
            await s.tap(screens["consent"].yes)
            measure = screens["measure"]
            await s.tap(measure.choices[Vital.SPO2])
            await s.tap(measure.start)
            await s.until(lambda: measure.banner.isVisible(), timeout=15)
            assert measure.banner.text() == tr("problem.finger_out")
            assert not measure.back_button.isVisible()  # Stop ends a measurement
            await s.shot("13-measure-finger-out", publish=True)
            await s.until(lambda: any("ngón tay vào sâu" in x for x in s.controller.voice.spoken))
            await s.tap(measure.stop)
            await s.until(lambda: measure.vital is None, timeout=10)
            assert tr("measure.stopped") in s.texts()
            assert tr("failure.cancelled") in s.texts()

    run(visit())


def test_an_idle_resident_is_warned_then_the_screen_is_wiped(run, station, store):
    async def visit():
        async with station(
            OXIMETER, timer=IdleTimer(idle_timeout=3.0, warning=2.0), tick_seconds=0.2
        ) as s:
            await s.tap(s.kiosk.screens["home"].health)
            identify = s.kiosk.screens["identify"]
            s.kiosk.scanner.feed(CARD)
            visit_id = s.controller.visit.visit_id
            await s.until(lambda: s.kiosk.idle_banner.isVisible(), timeout=5)
            assert s.kiosk.idle_banner.text() == tr("idle.warning")
            await s.shot("14-idle-warning", publish=True)
            await s.tap(identify.go_on)  # a touch: the warning goes, the visit goes on
            assert not s.kiosk.idle_banner.isVisible()
            assert s.screen == "consent"
            await s.until(lambda: s.kiosk.idle_banner.isVisible(), timeout=5)
            await s.until(lambda: s.screen == "home", timeout=5)
            assert not s.kiosk.idle_banner.isVisible()
            everything = "\n".join(w.text() for w in s.kiosk.findChildren(QLabel))
            assert "Nguyễn" not in everything
            assert any("chạm vào màn hình" in said for said in s.controller.voice.spoken)

        assert store.visit(visit_id).state == "timed_out"

    run(visit())


def test_public_services_show_a_tile_per_module_and_sos_leads_back_home(
    run, station, store, tmp_path
):
    # No provider configured: every module must still load (its screens say the
    # outside system cannot be reached when used), as in a kiosk started without --demo.
    context = ServiceContext(store, {}, "station-test", tmp_path)
    modules = tuple(load_modules(context))
    assert [m.key for m in modules] == [p.rsplit(".", 1)[1] for p in MODULE_PACKAGES]

    async def visit():
        async with station(OXIMETER, services=modules) as s:
            home = s.kiosk.screens["home"]
            services = s.kiosk.screens["services"]
            await s.tap(home.services)
            assert s.kiosk.last_said == tr("services.title")  # said, and "🔊" says it again
            assert list(services.entries) == [m.key for m in modules]
            assert tr("cityinfo.tile") in s.texts()
            assert tr("guide.tile") in s.texts()
            await s.shot("15-services", publish=True)
            await s.tap(services.entries["cityinfo"])
            assert s.screen == "cityinfo"
            await s.tap(s.kiosk.screens["cityinfo"].back_button)
            assert s.screen == "services"
            await s.tap(services.back_button)
            assert s.screen == "home"
            await s.tap(home.sos)
            assert s.screen == "sos"
            await s.tap(s.kiosk.screens["sos"].back)
            assert s.screen == "home"
            assert s.controller.visit is None  # no visit was started

    run(visit())


def test_the_resident_chooses_the_hospital_at_consent(run, station, store):
    hospitals = (("bv-a", "Bệnh viện Thử A"), ("bv-b", "Bệnh viện Đa khoa Thử B"))

    async def visit():
        async with station(OXIMETER, hospitals=hospitals) as s:
            screens = s.kiosk.screens
            await s.tap(screens["home"].health)
            await s.tap(screens["identify"].anonymous)
            consent = screens["consent"]
            assert consent.hospitals["bv-a"].property("role") == "selected"
            assert "Bệnh viện Thử A" in s.texts()
            await s.tap(consent.hospitals["bv-b"])
            assert consent.hospitals["bv-b"].property("role") == "selected"
            assert consent.hospitals["bv-a"].property("role") == "secondary"
            assert tr("consent.who", hospital="Bệnh viện Đa khoa Thử B") in s.texts()
            await s.shot("18-consent-choose-hospital", publish=True)
            visit_id = s.controller.visit.visit_id
            await s.tap(consent.yes)
            assert s.screen == "measure"
        assert store.visit(visit_id).hospital == "bv-b"

    run(visit())


def test_one_hospital_means_no_choice(run, station, store):
    async def visit():
        async with station(OXIMETER, hospitals=(("only", "Bệnh viện Duy nhất"),)) as s:
            await s.tap(s.kiosk.screens["home"].health)
            await s.tap(s.kiosk.screens["identify"].anonymous)
            assert s.kiosk.screens["consent"].hospitals == {}
            visit_id = s.controller.visit.visit_id
            await s.tap(s.kiosk.screens["consent"].yes)
        assert store.visit(visit_id).hospital is None

    run(visit())
