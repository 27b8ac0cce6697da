"""Reading the CCCD QR code and checking the card number. All identities are invented."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from cabin.cccd import check_id_number, parse_cccd_qr
from cabin.errors import CardError
from cabin.store.models import Sex

TODAY = date(2026, 11, 24)
# An invented card in the layout printed on real cards: Hà Nội (001), a woman born in
# the 20th century (digit 1), in 1952 (digits 52).
CARD = "001152004321|012345678|Nguyễn Thị Thử|15031952|Nữ|Số 5, ngõ 12 Phố Mẫu, Hà Nội|20062021"


def test_a_good_card_reads_every_field():
    card = parse_cccd_qr(CARD, today=TODAY)
    assert card.id_number == "001152004321"
    assert card.old_id == "012345678"
    assert card.full_name == "Nguyễn Thị Thử"
    assert card.birth_date == date(1952, 3, 15)
    assert card.sex == Sex.FEMALE
    assert card.address == "Số 5, ngõ 12 Phố Mẫu, Hà Nội"
    assert card.issue_date == date(2021, 6, 20)
    assert card.to_identity().cccd == "001152004321"


def test_a_man_born_this_century_without_an_old_number():
    card = parse_cccd_qr(
        "079203001122||Trần Văn Mẫu|01012003|Nam|Quận 1, TP Hồ Chí Minh|01012021", today=TODAY
    )
    assert card.sex == Sex.MALE
    assert card.old_id is None
    assert card.birth_date.year == 2003


def test_newer_cards_with_more_fields_are_accepted():
    card = parse_cccd_qr(CARD + "|Nguyễn Văn Cha|Trần Thị Mẹ|", today=TODAY)
    assert card.extra == ("Nguyễn Văn Cha", "Trần Thị Mẹ", "")


def test_decomposed_unicode_and_spaces_are_normalised():
    card = parse_cccd_qr("\ufeff" + unicodedata.normalize("NFD", CARD) + "\n", today=TODAY)
    assert card.full_name == "Nguyễn Thị Thử"
    assert card.sex == Sex.FEMALE


def test_personal_data_stays_out_of_repr():
    assert "Thử" not in repr(parse_cccd_qr(CARD, today=TODAY))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("https://example.com/not-a-card", "not_cccd"),
        ("001152004321|012345678|Nguyễn Thị Thử|15031952|Nữ|Hà Nội", "not_cccd"),  # short
        ("x" * 3000, "not_cccd"),
        (CARD.replace("001152004321", "00115200432"), "bad_id"),
        (CARD.replace("001152004321", "099152004321"), "bad_id"),  # no province 099
        (CARD.replace("012345678", "01234"), "bad_old_id"),
        (CARD.replace("Nguyễn Thị Thử", ""), "bad_name"),
        (CARD.replace("15031952", "31021952"), "bad_date"),
        (CARD.replace("15031952", "1952-03-15"), "bad_date"),
        (CARD.replace("20062021", "20062031"), "bad_date"),  # issued in the future
        (CARD.replace("|Nữ|", "|F|"), "bad_sex"),
        (CARD.replace("|Nữ|", "|Nam|"), "mismatch_sex"),
        (CARD.replace("15031952", "15031953"), "mismatch_birth_year"),
    ],
)
def test_bad_cards_are_refused_with_a_reason(text, reason):
    with pytest.raises(CardError) as info:
        parse_cccd_qr(text, today=TODAY)
    assert info.value.reason == reason
    assert "Thử" not in str(info.value)
    assert "001152004321" not in str(info.value)


@pytest.mark.parametrize(
    ("number", "birth", "sex"),
    [
        ("001052000001", date(1952, 1, 1), Sex.MALE),
        ("001152000001", date(1952, 1, 1), Sex.FEMALE),
        ("001201000001", date(2001, 1, 1), Sex.MALE),
        ("096399000001", date(2099, 1, 1), Sex.FEMALE),
    ],
)
def test_the_century_and_sex_digit(number, birth, sex):
    check_id_number(number, birth_date=birth, sex=sex)


def test_a_typed_number_is_checked_alone_too():
    check_id_number("001152004321")
    with pytest.raises(CardError, match="12 digits"):
        check_id_number("00115200432a")
