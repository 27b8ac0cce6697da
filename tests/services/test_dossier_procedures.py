"""The procedures' forms: pre-filled from the card, checked with plain Vietnamese; the fees."""

from __future__ import annotations

from datetime import date

import pytest

from cabin.i18n import tr
from cabin.store.models import Identity, Sex
from services.dossier import strings  # noqa: F401 - the catalogue entries
from services.dossier.procedures import (
    PROCEDURES,
    Applicant,
    Category,
    fee_for,
    parse_date,
    prefill,
    validate,
)

TODAY = date(2026, 11, 25)
# An invented resident (province 001, a woman born 1990).
IDENTITY = Identity(
    "001190004321", "Lê Thị Thử", date(1990, 3, 15), Sex.FEMALE, "Số 5 Phố Mẫu, Hà Nội"
)


def _born(years: int) -> Applicant:
    return Applicant(date(TODAY.year - years, 1, 1))


@pytest.mark.parametrize(
    ("applicant", "copies", "amount"),
    [
        (_born(40), 1, 200_000),
        (_born(40), 2, 200_000),
        (_born(40), 4, 210_000),  # 5,000 VND for each copy after the second
        (Applicant(date(2005, 1, 1), frozenset({Category.STUDENT})), 1, 100_000),
        (Applicant(date(1970, 1, 1), frozenset({Category.MERITORIOUS})), 1, 100_000),
        (Applicant(date(1970, 1, 1), frozenset({Category.MARTYR_RELATIVE})), 3, 105_000),
        (_born(60), 1, 0),  # the elderly: free
        (_born(15), 1, 0),  # a child: free
        (Applicant(date(1980, 1, 1), frozenset({Category.POOR_HOUSEHOLD})), 1, 0),
        (Applicant(date(1980, 1, 1), frozenset({Category.DISABLED, Category.STUDENT})), 1, 0),
    ],
)
def test_criminal_record_fee(applicant: Applicant, copies: int, amount: int) -> None:
    assert fee_for("criminal_record", applicant, copies=copies, on=TODAY).amount_vnd == amount


def test_age_is_counted_to_the_day() -> None:
    turns_60_tomorrow = Applicant(date(1966, 11, 26))
    assert fee_for("criminal_record", turns_60_tomorrow, on=TODAY).amount_vnd == 200_000
    assert fee_for("criminal_record", turns_60_tomorrow, on=date(2026, 11, 26)).amount_vnd == 0


def test_other_procedures_fees() -> None:
    assert fee_for("temporary_residence", _born(30), on=TODAY).amount_vnd == 10_000
    assert fee_for("temporary_residence", _born(70), on=TODAY).amount_vnd == 0
    assert fee_for("birth_bundle", _born(30), on=TODAY).amount_vnd == 0
    with pytest.raises(ValueError, match="unknown procedure"):
        fee_for("passport", _born(30), on=TODAY)
    with pytest.raises(ValueError, match="copies"):
        fee_for("criminal_record", _born(30), copies=0, on=TODAY)


def test_the_card_fills_the_form_so_nothing_is_typed_twice() -> None:
    values = prefill(PROCEDURES["temporary_residence"], IDENTITY)
    assert values["full_name"] == "Lê Thị Thử"
    assert values["birth_date"] == "15/03/1990"
    assert values["cccd"] == "001190004321"
    assert values["current_address"] == "Số 5 Phố Mẫu, Hà Nội"
    assert values["new_address"] == ""
    assert values["phone"] == ""
    assert prefill(PROCEDURES["criminal_record"], None)["full_name"] == ""


def _filled(**changes: str) -> dict[str, str]:
    values = prefill(PROCEDURES["temporary_residence"], IDENTITY)
    values.update(
        phone="0912345678", new_address="Phòng 1203, Chung cư Mẫu, Quận 1", host_name="Phạm Văn Chủ"
    )
    values.update(changes)
    return values


def test_a_good_form_has_no_problems() -> None:
    assert validate(PROCEDURES["temporary_residence"], _filled(), today=TODAY) == {}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "0123456789", "Số điện thoại di động gồm 10 chữ số"),
        ("phone", "091234567", "Số điện thoại di động gồm 10 chữ số"),
        ("cccd", "00119000432", "Số CCCD phải đủ 12 chữ số."),
        ("cccd", "00119000432a", "Số CCCD phải đủ 12 chữ số."),
        ("cccd", "099190004321", "ba số đầu không phải mã tỉnh nào"),
        ("birth_date", "31/02/1990", "Ngày chưa đúng"),
        ("birth_date", "1990-03-15", "Ngày chưa đúng"),
        ("birth_date", "01/01/2030", "Ngày này chưa tới."),
        ("full_name", "Thử", "ít nhất hai chữ"),
        ("host_name", "Phạm 3", "không có chữ số"),
        ("months", "25", "Hãy nhập một số từ 1 đến 24."),
        ("new_address", "", "Xin hãy điền mục này."),
    ],
)
def test_bad_input_is_named_in_plain_vietnamese(field: str, value: str, message: str) -> None:
    procedure = PROCEDURES["temporary_residence"]
    problems = validate(procedure, _filled(**{field: value}), today=TODAY)
    assert list(problems) == [field]
    spec = next(f for f in procedure.fields if f.key == field)
    assert message in tr(problems[field], "vi", low=spec.low, high=spec.high)


def test_dates_read_day_first() -> None:
    assert parse_date("5/3/1950") == date(1950, 3, 5)
    assert parse_date("29/02/2023") is None
    assert parse_date("05 03 1950") == date(1950, 3, 5)  # the on-screen keyboard has no "/"
    assert parse_date("05031950") == date(1950, 3, 5)
    assert parse_date("5-3-1950") == date(1950, 3, 5)
    assert parse_date("0503195") is None
