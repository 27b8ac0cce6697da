"""Numbers, units, dates and money in Vietnamese words, as the voice guide speaks them."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest

from cabin.verbaliser import say_date, say_money, say_number, say_pressure, say_time, verbalise


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "không"),
        (4, "bốn"),
        (10, "mười"),
        (11, "mười một"),
        (14, "mười bốn"),
        (15, "mười lăm"),
        (20, "hai mươi"),
        (21, "hai mươi mốt"),
        (24, "hai mươi tư"),
        (25, "hai mươi lăm"),
        (55, "năm mươi lăm"),
        (100, "một trăm"),
        (101, "một trăm linh một"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (115, "một trăm mười lăm"),
        (180, "một trăm tám mươi"),
        (1000, "một nghìn"),
        (1005, "một nghìn không trăm linh năm"),
        (2026, "hai nghìn không trăm hai mươi sáu"),
        (15000, "mười lăm nghìn"),
        (200000, "hai trăm nghìn"),
        (1_500_000, "một triệu năm trăm nghìn"),
        (2_000_000_000, "hai tỷ"),
        (-3, "âm ba"),
    ],
)
def test_whole_numbers(number, words):
    assert say_number(number) == words


@pytest.mark.parametrize(
    ("number", "words"),
    [
        ("36,5", "ba mươi sáu phẩy năm"),
        (36.5, "ba mươi sáu phẩy năm"),
        (Decimal("7.25"), "bảy phẩy hai mươi lăm"),
        (0.05, "không phẩy không năm"),
        (5.0, "năm"),
        ("1,125", "một phẩy một hai năm"),
    ],
)
def test_decimals_use_phay(number, words):
    assert say_number(number) == words


def test_rounding_before_speaking():
    assert say_number(36.549, decimals=1) == "ba mươi sáu phẩy năm"


@pytest.mark.parametrize("bad", ["abc", float("nan"), float("inf")])
def test_non_numbers_are_refused(bad):
    with pytest.raises(ValueError, match="number"):
        say_number(bad)


def test_blood_pressure_is_read_as_over_not_as_a_fraction():
    assert say_pressure(120, 80) == "một trăm hai mươi trên tám mươi mi li mét thủy ngân"
    assert say_pressure(145, 95, unit=False) == "một trăm bốn mươi lăm trên chín mươi lăm"


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (
            date(2026, 11, 24),
            "ngày hai mươi tư tháng mười một năm hai nghìn không trăm hai mươi sáu",
        ),
        (date(2025, 4, 1), "ngày mùng một tháng tư năm hai nghìn không trăm hai mươi lăm"),
        (date(1952, 3, 10), "ngày mùng mười tháng ba năm một nghìn chín trăm năm mươi hai"),
    ],
)
def test_dates(day, words):
    assert say_date(day) == words


def test_times_and_money():
    assert say_time(time(14, 30)) == "mười bốn giờ ba mươi phút"
    assert say_time(time(7, 0)) == "bảy giờ"
    assert say_money(200_000) == "hai trăm nghìn đồng"
    assert say_money(100_000) == "một trăm nghìn đồng"


def test_a_sentence_with_everything_in_it():
    spoken = verbalise(
        "Huyết áp 135/85 mmHg, nhiệt độ 37,8 °C, SpO2 94%. "
        "Hẹn khám lúc 8:15 ngày 2/12/2026. Lệ phí 200.000 đ."
    )
    assert spoken == (
        "Huyết áp một trăm ba mươi lăm trên tám mươi lăm mi li mét thủy ngân, "
        "nhiệt độ ba mươi bảy phẩy tám độ xê, SpO2 chín mươi tư phần trăm. "
        "Hẹn khám lúc tám giờ mười lăm phút ngày mùng hai tháng mười hai năm "
        "hai nghìn không trăm hai mươi sáu. Lệ phí hai trăm nghìn đồng."
    )


def test_text_without_numbers_is_unchanged():
    text = "Xin mời bác ngồi thẳng lưng, đặt tay lên bàn."
    assert verbalise(text) == text


def test_an_impossible_date_is_not_read_as_a_date():
    assert "tháng" not in verbalise("31/2/2026")
