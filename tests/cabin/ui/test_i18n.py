"""The kiosk's catalogue: complete, normalised, and filled the same way in both languages."""

from __future__ import annotations

import re
import string
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest

import cabin.cccd
from cabin.i18n import (
    CATALOGUE,
    LANGUAGES,
    failure_key,
    format_number,
    local_date,
    measurement_text,
    tr,
)
from cabin.measure import Problem, Vital


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_string_exists_in_both_languages_nfc_with_the_same_placeholders(key):
    entry = CATALOGUE[key]
    assert set(entry) == set(LANGUAGES)
    for text in entry.values():
        assert text.strip()
        assert unicodedata.is_normalized("NFC", text)
    assert placeholders(entry["vi"]) == placeholders(entry["en"])


def test_vietnamese_is_the_default_and_parameters_are_filled():
    assert tr("common.back") == "Quay lại"
    assert tr("common.back", "en") == "Back"
    assert tr("goodbye.sent", hospital="Bệnh viện Thử") == (
        "Kết quả đã được gửi tới Bệnh viện Thử."
    )
    with pytest.raises(KeyError):
        tr("no.such.key")


def test_every_problem_vital_and_card_reason_has_its_sentence():
    for problem in Problem:
        assert f"problem.{problem.value}" in CATALOGUE
    for vital in Vital:
        assert f"vital.{vital.value}" in CATALOGUE
        assert f"instruction.{vital.value}" in CATALOGUE
    source = Path(cabin.cccd.__file__).read_text(encoding="utf-8")
    reasons = set(re.findall(r'reason="([a-z_]+)"', source))
    assert reasons >= {"bad_id", "not_cccd", "mismatch_sex"}
    for reason in reasons:
        assert f"card.{reason}" in CATALOGUE


def test_failure_reasons_map_to_what_the_resident_can_do():
    assert failure_key("finger_out") == "problem.finger_out"
    assert failure_key("leak") == "problem.cuff_loose"
    assert failure_key("body_movement") == "problem.movement"
    assert failure_key("cancelled") == "failure.cancelled"
    assert failure_key("too_few_oscillations") == "failure.other"


def test_values_are_written_as_on_the_screen():
    assert measurement_text("blood_pressure", {"systolic": 150, "diastolic": 95}, "mm[Hg]") == (
        "Huyết áp",
        "150/95 mmHg",
    )
    assert measurement_text("spo2", {"spo2": 93.0}, "%") == ("Oxy trong máu", "93%")
    assert measurement_text("pulse_rate", {"pulse_rate": 72}, "/min") == ("Mạch", "72 lần/phút")
    assert measurement_text("pulse_rate", {"pulse_rate": 72}, "/min", "en") == ("Pulse", "72 /min")
    assert format_number(36.8) == "36,8"
    assert format_number(36.8, "en") == "36.8"


def test_dates_are_shown_in_vietnam_time():
    assert local_date(datetime(2025, 3, 14, 20, 0, tzinfo=UTC)) == "15/03/2025"
