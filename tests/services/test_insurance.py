"""BHYT card codes and QR, BHXH numbers, the household fee, and the BHXH sandbox over HTTP."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cabin.config import ProviderConfig, Secret
from cabin.i18n import tr
from services.insurance import (
    SANDBOXES,
    BhytCard,
    InsuranceInputError,
    SocialSecurity,
    check_bhxh_number,
    household_fee,
    parse_bhyt_code,
    parse_bhyt_qr,
)
from services.provider import ProviderRejected, ProviderUnavailable, new_idempotency_key
from services.sandbox import Fault, start_sandbox

KEY = "bhxh-test-key"


def hexed(text: str) -> str:
    return text.encode("utf-8").hex()


# An invented card in the published field order: name and address hex-encoded UTF-8,
# a checksum and the closing "$" as on the newer cards.
QR_FIELDS = [
    "GD4797912345678",
    hexed("Nguyễn Thị Thử"),
    "15/03/1952",
    "2",
    hexed("Số 5 Đường Mẫu, TP. Hồ Chí Minh"),
    "79 - 024",
    "01/01/2025",
    "31/12/2025",
    "20/12/2024",
    "79079",
    "-",
    "K1",
    "01/01/2030",
    "4a3f",
    "$",
]
QR = "|".join(QR_FIELDS)


def qr_with(index, value):
    fields = list(QR_FIELDS)
    fields[index] = value
    return "|".join(fields)


def test_a_card_code_splits_into_its_four_parts():
    code = parse_bhyt_code("GD4797912345678")
    assert (code.group, code.level, code.province, code.bhxh_number) == (
        "GD",
        4,
        "79",
        "7912345678",
    )
    assert str(parse_bhyt_code("gd 4 79 7912345678")) == "GD4797912345678"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("GD479791234567", "code_length"),
        ("GD47979123456789", "code_length"),
        ("ZZ4797912345678", "code_group"),
        ("1D4797912345678", "code_group"),
        ("GD6797912345678", "code_level"),
        ("GD0797912345678", "code_level"),
        ("GDX797912345678", "code_level"),
        ("GD4007912345678", "code_province"),
        ("GD479791234567A", "code_bhxh"),
    ],
)
def test_bad_card_codes_are_refused_with_a_clear_reason(typed, reason):
    with pytest.raises(InsuranceInputError) as caught:
        parse_bhyt_code(typed)
    assert caught.value.reason == reason
    assert tr(f"insurance.error.{reason}", "vi").endswith(".")


def test_bhxh_numbers_have_ten_digits():
    assert check_bhxh_number("79 1234 5678") == "7912345678"
    for bad in ("791234567", "79123456789", "79123456a8", ""):
        with pytest.raises(InsuranceInputError) as caught:
            check_bhxh_number(bad)
        assert caught.value.reason == "bhxh"
    assert "10 chữ số" in tr("insurance.error.bhxh", "vi")


def test_the_qr_of_a_card_reads_field_by_field():
    card = parse_bhyt_qr(QR)
    assert str(card.code) == "GD4797912345678"
    assert card.full_name == "Nguyễn Thị Thử"
    assert card.birth == date(1952, 3, 15)
    assert card.sex == "female"
    assert card.address == "Số 5 Đường Mẫu, TP. Hồ Chí Minh"
    assert card.facility == "79024"
    assert (card.valid_from, card.valid_to) == (date(2025, 1, 1), date(2025, 12, 31))
    assert card.issued == date(2024, 12, 20)
    assert (card.agency, card.parent_name, card.area) == ("79079", "", "K1")
    assert card.five_years == date(2030, 1, 1)
    assert "Nguyễn" not in repr(card)


def test_older_cards_plain_text_no_checksum_year_only_birth():
    fields = list(QR_FIELDS[:13])
    fields[1] = "Trần Văn Mẫu"
    fields[2] = "1947"
    fields[3] = "1"
    fields[10] = hexed("Trần Văn Cha")
    fields[11] = ""
    card = parse_bhyt_qr("|".join(fields))
    assert (card.full_name, card.birth, card.sex) == ("Trần Văn Mẫu", 1947, "male")
    assert card.parent_name == "Trần Văn Cha"
    assert card.area == ""


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "qr_format"),
        ("001152004321|012345678|Nguyễn Thị Thử|15031952|Nữ|Hà Nội|20062021", "qr_format"),
        ("|".join(QR_FIELDS[:12]), "qr_format"),
        (qr_with(0, "ZZ4797912345678"), "code_group"),
        (qr_with(1, "ff00"), "qr_field"),  # not UTF-8
        (qr_with(1, hexed("Tên\x07")), "qr_field"),  # a control character
        (qr_with(1, "-"), "qr_field"),
        (qr_with(2, "31/02/1952"), "qr_date"),
        (qr_with(3, "3"), "qr_sex"),
        (qr_with(5, "79/024"), "qr_field"),
        (qr_with(7, "31/12/2024"), "qr_date"),  # ends before it begins
        (qr_with(11, "K9"), "qr_field"),
        (QR + "|extra", "qr_format"),
    ],
)
def test_a_malformed_qr_is_refused_with_a_reason(text, reason):
    with pytest.raises(InsuranceInputError) as caught:
        parse_bhyt_qr(text)
    assert caught.value.reason == reason


@given(st.text(max_size=300))
def test_the_qr_parser_raises_only_its_own_error(text):
    with contextlib.suppress(InsuranceInputError):
        parse_bhyt_qr(text)


@given(st.lists(st.sampled_from([*QR_FIELDS, "", "-", "zz", "00/00/0000", "|"]), max_size=16))
def test_shuffled_fields_never_escape_as_another_error(fields):
    try:
        card = parse_bhyt_qr("|".join(fields))
    except InsuranceInputError:
        return
    assert isinstance(card, BhytCard)  # what parses is a whole card, never half of one


def test_the_household_fee_falls_for_each_further_member():
    # 4.5 % of 2,340,000 VND a month: 105,300 VND; 12 months 1,263,600 VND.
    assert household_fee(1, 12) == 1_263_600
    assert household_fee(2, 12) == 884_520
    assert household_fee(3, 6) == 379_080
    assert household_fee(5, 3) == 126_360
    with pytest.raises(ValueError, match="order"):
        household_fee(6, 12)


@pytest.fixture
async def bhxh(tmp_path):
    running = await start_sandbox(SANDBOXES["bhxh"](tmp_path / "bhxh.db", KEY))
    yield running
    await running.stop()


def client(bhxh):
    return SocialSecurity(ProviderConfig(bhxh.base_url, Secret(KEY), timeout=5.0))


async def test_look_up_a_member_and_their_contributions(bhxh):
    social = client(bhxh)
    member = await social.member("7998765432")
    assert (member.name, member.card_code) == ("Trần Văn Mẫu", "HT2797998765432")
    periods = await social.contributions("7998765432")
    assert [p.month for p in periods] == [f"2024-0{m}" for m in range(1, 7)]
    assert periods[0].employer == "Công ty TNHH Thử Nghiệm"
    assert periods[-1].amount == 1_120_000
    assert await social.contributions("7900000001") == []
    with pytest.raises(ProviderRejected) as caught:
        await social.member("7911111111")
    assert caught.value.code == "not_found"


async def test_renew_and_sign_up_over_http_once_per_key(bhxh, tmp_path):
    social = client(bhxh)
    key = new_idempotency_key()
    renewal = await social.enrol("7912345678", 2, 12, "station-test", key)
    again = await social.enrol("7912345678", 2, 12, "station-test", key)
    assert renewal == again
    assert renewal.kind == "renewal"
    assert renewal.amount == 884_520
    assert renewal.valid_from >= date(2026, 1, 1)  # after the current card ends
    new = await social.enrol("7900000001", 1, 3, "station-test")
    assert new.kind == "new"
    member = await social.member("7900000001")
    assert member.card_code == "GD4797900000001"
    assert member.valid_to == new.valid_to
    with sqlite3.connect(tmp_path / "bhxh.db") as db:
        assert db.execute("SELECT COUNT(*) FROM enrolments").fetchone()[0] == 2
    with pytest.raises(ProviderRejected) as caught:
        await social.enrol("7900000001", 9, 3, "station-test")
    assert caught.value.code == "bad_order"


async def test_a_503_is_unavailable(bhxh):
    await bhxh.inject(Fault("/members", 503))
    with pytest.raises(ProviderUnavailable) as caught:
        await client(bhxh).member("7998765432")
    assert caught.value.reason == "server_error"
