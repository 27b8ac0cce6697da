"""Every text is drawable (no missing glyph) and fits its widget, in both languages.

The visit tests check the screens they pass through; this one also builds the
states a visit seldom reaches (four results and an emergency, every problem
banner, every card error) on a kiosk that is not running, and checks them all.
"""

from __future__ import annotations

import pytest
from PyQt6.QtGui import QFont, QFontInfo, QFontMetrics, QRawFont

from cabin.controller import Controller
from cabin.i18n import CATALOGUE, LANGUAGES
from cabin.measure import Failure, Kept, Outcome, Problem, Vital
from cabin.ui.kiosk import Kiosk, KioskSettings
from cabin.ui.theme import FONT_FAMILY, apply_theme
from hardware.hub import DeviceHub
from hardware.monikers import DeviceSpec
from tests.cabin.ui.kiosk_helpers import SIZE, clipped
from vitals.interpret import (
    interpret_blood_pressure,
    interpret_heart_rate,
    interpret_spo2,
)
from vitals.interpret_text import MESSAGES

ALL_TEXT = [text for entry in CATALOGUE.values() for text in entry.values()] + [
    text for messages in MESSAGES.values() for text in messages.values()
]


@pytest.mark.parametrize("bold", [False, True])
def test_noto_sans_draws_every_character_of_every_string(qapp, bold):
    font = QFont(FONT_FAMILY, 24)
    font.setBold(bold)
    assert QFontInfo(font).family() == FONT_FAMILY  # the real font, not a fallback
    raw = QRawFont.fromFont(font)
    metrics = QFontMetrics(font)
    characters = {ch for text in ALL_TEXT for ch in text if ch not in "\n"}
    assert {"ữ", "ặ", "ỗ", "Đ", "ự"} <= characters  # the catalogue is really Vietnamese
    missing = sorted(
        ch for ch in characters if not (raw.supportsCharacter(ch) and metrics.inFontUcs4(ord(ch)))
    )
    assert missing == []


@pytest.fixture
def kiosk(qtbot, qapp, store):
    apply_theme(qapp)
    specs = [DeviceSpec("oximeter", "sim:cms50d"), DeviceSpec("ecg", "sim:ecg")]
    specs.append(DeviceSpec("bp", "sim:cuff"))
    controller = Controller(DeviceHub(specs), store, "station-test")  # not started: no loop
    kiosk = Kiosk(controller, KioskSettings(printer=None, hospital="Bệnh viện Đa khoa Thử"))
    qtbot.addWidget(kiosk)
    kiosk.resize(*SIZE)
    kiosk.show()
    return kiosk


def check(qtbot, kiosk, what: str) -> None:
    qtbot.wait(30)  # layouts settle on the next turn of the event loop
    assert (kiosk.width(), kiosk.height()) == SIZE, what
    problems = clipped(kiosk)
    assert not problems, (what, problems)


def four_results() -> dict[Vital, Outcome | Failure]:
    return {
        Vital.SPO2: Outcome(
            Vital.SPO2,
            (
                Kept("spo2", {"spo2": 88}, "%", "oximeter", 1.0, interpret_spo2(88)),
                Kept("pulse_rate", {"pulse_rate": 104}, "/min", "oximeter", 1.0,
                     interpret_heart_rate(104)),
            ),
        ),
        Vital.BLOOD_PRESSURE: Outcome(
            Vital.BLOOD_PRESSURE,
            (
                Kept("blood_pressure", {"systolic": 186, "diastolic": 112}, "mm[Hg]", "bp", 1.0,
                     interpret_blood_pressure(186, 112)),
            ),
        ),
        Vital.ECG: Outcome(
            Vital.ECG,
            (Kept("heart_rate", {"heart_rate": 48}, "/min", "ecg", 0.9, interpret_heart_rate(48)),),
        ),
    }  # fmt: skip


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_screen_and_state_fits_the_panel(qtbot, kiosk, lang):
    kiosk.set_language(lang)
    for name in kiosk.screens:
        kiosk.go(name)
        check(qtbot, kiosk, f"{name} ({lang})")

    identify = kiosk.screens["identify"]
    kiosk.go("identify")
    for key in [k for k in CATALOGUE if k.startswith("card.")] + ["identify.not_found"]:
        identify._show_problem(key)
        check(qtbot, kiosk, f"identify with {key} ({lang})")

    measure = kiosk.screens["measure"]
    kiosk.go("measure")
    kiosk.session.results = {Vital.SPO2: four_results()[Vital.SPO2]}
    kiosk.session.results[Vital.ECG] = Failure(Vital.ECG, "noise")
    measure.notice_key = "failure.other"
    measure.refresh()
    check(qtbot, kiosk, f"measure list with a failure ({lang})")
    for vital in Vital:
        measure.open_step(vital)
        measure.running = True
        for problem in Problem:
            measure.problem = problem
            measure.refresh()
            check(qtbot, kiosk, f"measuring {vital} with {problem} ({lang})")
        measure.running = False
        measure.problem = None
        measure._show_list()

    kiosk.session.results = four_results()
    kiosk.go("results")
    results = kiosk.screens["results"]
    assert len(results.lines) == 4
    assert results.sos.isVisible()
    check(qtbot, kiosk, f"results with four values and an emergency ({lang})")
    kiosk.end_visit()
    check(qtbot, kiosk, f"home after the visit ({lang})")
