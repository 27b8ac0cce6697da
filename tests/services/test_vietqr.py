"""VietQR: byte-exact against published payloads, round trips through two independent
decoders from PyPI (vietnam-qr-pay, vietqr-emvco), the CRC against binascii, a strict
decoder fuzzed with hypothesis, and `cabin pay qr`.
"""

from __future__ import annotations

import binascii
import contextlib
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vietnam_qr_pay import QRPay, VietQRService
from vietqr_emvco import VietQRGenerator, VietQRParser

from services.vietqr import (
    PURPOSE_MAX,
    VietQR,
    VietQRError,
    ascii_purpose,
    crc16,
    decode,
    encode,
)

# NAPAS's VietQR specification (IBFT by QR), its worked examples 6.1.1 (static, to an
# account) and 6.1.2 (static, to a card), as republished in public test suites (e.g. the
# JavaScript "vietnam-qr-pay" library's tests and Java verification runners). 6.1.1 as
# published carries a length typo: 38-01-01 says 12 characters and 13 digits follow, so
# a strict decoder must refuse it (its CRC is right: it was computed over the typo).
NAPAS_6_1_1 = (
    "00020101021138570010A00000072701270006970403011200110123456780208QRIBFTTA53037045802VN6304F4E5"
)
NAPAS_6_1_2 = (
    "00020101021138600010A00000072701300006970403011697040311012345670208QRIBFTTC53037045802VN"
    "63044F52"
)
# NAPAS 6.1.3 and 6.1.4 (dynamic, 180,000 VND, a bill number in 62-01 and the purpose in
# 62-08): our encoder writes no bill number, so these are read, not written.
NAPAS_6_1_3 = (
    "00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA5303704"
    "54061800005802VN62340107NPS68690819thanh toan don hang63042E2E"
)
NAPAS_6_1_4 = (
    "00020101021238600010A00000072701300006970403011697040311012345670208QRIBFTTC5303704"
    "54061800005802VN62340107NPS68690819thanh toan don hang6304A203"
)
# github.com/subiz/vietqr README: 120,000 VND to 0011001932418 at BIN 970415 with the
# purpose "ủng hộ lũ lụt" (written without diacritics, as we do).
SUBIZ = (
    "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA5303704"
    "54061200005802VN62170813ung ho lu lut6304C15C"
)


def test_napas_static_card_example_byte_exact():
    assert encode(VietQR("970403", "9704031101234567", card=True)) == NAPAS_6_1_2


def test_napas_6_1_1_as_published_is_refused_for_its_length_typo():
    assert "01120011012345678" in NAPAS_6_1_1  # 12 announced, 13 digits
    with pytest.raises(VietQRError, match="field 38-01"):
        decode(NAPAS_6_1_1)
    # Written right (0113), the same transfer reads, as in 6.1.3.
    right = encode(VietQR("970403", "0011012345678"))
    assert "01130011012345678" in right
    assert decode(right) == VietQR("970403", "0011012345678")
    assert right[12:73] == NAPAS_6_1_3[12:73]  # field 38, byte for byte


def test_a_published_dynamic_payload_with_vietnamese_purpose_byte_exact():
    assert encode(VietQR("970415", "0011001932418", 120_000, "ủng hộ lũ lụt")) == SUBIZ


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (NAPAS_6_1_2, VietQR("970403", "9704031101234567", card=True)),
        (NAPAS_6_1_3, VietQR("970403", "0011012345678", 180_000, "thanh toan don hang")),
        (NAPAS_6_1_4, VietQR("970403", "9704031101234567", 180_000, "thanh toan don hang", True)),
        (SUBIZ, VietQR("970415", "0011001932418", 120_000, "ung ho lu lut")),
    ],
)
def test_published_payloads_decode(payload, expected):
    assert decode(payload) == expected


@pytest.mark.parametrize("payload", [NAPAS_6_1_1, NAPAS_6_1_2, NAPAS_6_1_3, NAPAS_6_1_4, SUBIZ])
def test_the_crc_is_crc16_ccitt_false_as_binascii_computes_it(payload):
    body = payload[:-4].encode("ascii")
    assert body.endswith(b"6304")
    assert payload[-4:] == f"{binascii.crc_hqx(body, 0xFFFF):04X}" == crc16(body)


def test_crc16_check_value():
    # The catalogued check value of CRC-16/CCITT-FALSE over "123456789".
    assert crc16(b"123456789") == "29B1"


def test_the_purpose_loses_its_diacritics_by_a_clear_rule():
    assert ascii_purpose("Tiền điện tháng 5") == "Tien dien thang 5"
    assert ascii_purpose("ĐÓNG HỌC PHÍ  Kỳ  1") == "DONG HOC PHI Ky 1"
    assert ascii_purpose("Phí quản lý chung cư") == "Phi quan ly chung cu"
    with pytest.raises(VietQRError, match="at most 25"):
        ascii_purpose("Thanh toán tiền điện tháng mười")
    with pytest.raises(VietQRError, match="U\\+20AB"):
        ascii_purpose("Giá 5₫")
    assert len(ascii_purpose("a" * PURPOSE_MAX)) == PURPOSE_MAX


@pytest.mark.parametrize(
    ("qr", "message"),
    [
        (VietQR("97040", "1"), "BIN"),
        (VietQR("97040A", "1"), "BIN"),
        (VietQR("970403", ""), "account"),
        (VietQR("970403", "1" * 20), "account"),
        (VietQR("970403", "12 34"), "account"),
        (VietQR("970403", "1", 0), "amount"),
        (VietQR("970403", "1", -5), "amount"),
        (VietQR("970403", "1", 10**13), "amount"),
    ],
)
def test_the_encoder_refuses_what_banks_cannot_read(qr, message):
    with pytest.raises(VietQRError, match=message):
        encode(qr)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (NAPAS_6_1_1[:-1] + "6", "CRC does not match"),
        (NAPAS_6_1_1[:-8], "does not end with its CRC"),
        ("", "does not end"),
        (NAPAS_6_1_1.replace("704", "840"), "CRC"),  # changed: the CRC notices first
        ("Tiền " + NAPAS_6_1_1, "printable ASCII"),
    ],
)
def test_the_decoder_is_strict(payload, message):
    with pytest.raises(VietQRError, match=message):
        decode(payload)


def _with_crc(body: str) -> str:
    body += "6304"
    return body + crc16(body.encode("ascii"))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("000201010211" + "53037045802VN", "field 38"),
        ("000202" + NAPAS_6_1_2[6:-8], "start with field 00"),
        (NAPAS_6_1_2[:-8].replace("5303704", "5303840"), "field 53 must be 704"),
        (NAPAS_6_1_2[:-8].replace("0010A000000727", "0010A000000728"), "A000000727"),
        (NAPAS_6_1_2[:-8].replace("QRIBFTTC", "QRPUSHXX"), "QRIBFTTA or QRIBFTTC"),
        (NAPAS_6_1_2[:-8].replace("010211", "010213"), "field 01"),
        (NAPAS_6_1_2[:-8] + "5405-1000", "amount"),
        (NAPAS_6_1_2[:-8] + "540501000", "amount"),
        (NAPAS_6_1_2[:-8] + "5802VN", "twice"),
        (NAPAS_6_1_2[:-8] + "62300826" + "x" * 26, "longer than 25"),
        (NAPAS_6_1_2[:-8] + "62040805", "field 62: field 08 is cut short"),
    ],
)
def test_the_decoder_checks_every_field(body, message):
    with pytest.raises(VietQRError, match=message):
        decode(_with_crc(body))


@pytest.mark.parametrize(
    "qr",
    [
        VietQR("970436", "0071000912345", 486_500, "CSAB12CD34 Tien dien"),
        VietQR("970403", "9704031101234567", 180_000, "thanh toan don hang", card=True),
        VietQR("970415", "0011001932418"),
        VietQR("970422", "1", 1, "x"),
        VietQR("970405", "A1B2C3", 999_999_999_999, "Học phí kỳ 1"),
    ],
)
def test_round_trip_through_both_independent_decoders(qr):
    payload = encode(qr)
    purpose = ascii_purpose(qr.purpose) if qr.purpose else ""
    assert decode(payload) == VietQR(qr.bin, qr.account, qr.amount, purpose, qr.card)

    theirs = QRPay(payload)  # vietnam-qr-pay verifies the CRC itself
    assert theirs.is_valid
    assert (theirs.consumer.bank_bin, theirs.consumer.bank_number) == (qr.bin, qr.account)
    assert theirs.amount == (str(qr.amount) if qr.amount else None)
    assert (theirs.additional_data.purpose or "") == purpose
    service = VietQRService.BY_CARD_NUMBER if qr.card else VietQRService.BY_ACCOUNT_NUMBER
    assert theirs.provider.service == service.value
    assert theirs.crc == payload[-4:]

    assert VietQRParser.verify_checksum(payload)
    parsed = VietQRParser.parse(payload)
    assert (parsed["bank_bin"], parsed["account_number"]) == (qr.bin, qr.account)
    assert parsed["amount"] == (float(qr.amount) if qr.amount else None)
    assert parsed["memo"] == purpose
    assert parsed["napas_guid"] == "A000000727"
    assert parsed["service_code"] == ("QRIBFTTC" if qr.card else "QRIBFTTA")
    assert (parsed["currency"], parsed["country_code"]) == ("704", "VN")


def test_what_the_other_encoders_write_we_read():
    theirs = QRPay.init_viet_qr("970436", "0071000912345", "486500", "Tien dien").build()
    assert decode(theirs) == VietQR("970436", "0071000912345", 486_500, "Tien dien")
    # vietqr-emvco adds a merchant category (52) and name (59): extra fields are allowed.
    other = VietQRGenerator("970436", "0071000912345").generate(486_500, "Tien dien")
    assert "5204" in other
    assert "59" in other
    assert decode(other) == VietQR("970436", "0071000912345", 486_500, "Tien dien")


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200))
def test_fuzzed_text_raises_only_our_error(text):
    with contextlib.suppress(VietQRError):
        decode(text)


_tlv_field = st.tuples(
    st.integers(0, 99), st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
).map(lambda f: f"{f[0]:02d}{len(f[1]):02d}{f[1]}")


@settings(max_examples=400, deadline=None)
@given(st.lists(_tlv_field, max_size=12), st.booleans())
def test_fuzzed_tlv_with_a_right_crc_raises_only_our_error(fields, start_right):
    body = ("000201" if start_right else "") + "".join(fields)
    with contextlib.suppress(VietQRError):
        decode(_with_crc(body))


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(r"[0-9]{6}", fullmatch=True),
    st.from_regex(r"[0-9A-Za-z]{1,19}", fullmatch=True),
    st.one_of(st.none(), st.integers(1, 10**13 - 1)),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=25),
    st.booleans(),
)
def test_fuzzed_round_trip(bank, account, amount, purpose, card):
    qr = VietQR(bank, account, amount, purpose, card)
    expected = VietQR(bank, account, amount, " ".join(purpose.split()), card)
    assert decode(encode(qr)) == expected


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_a_changed_character_is_caught(data):
    payload = encode(VietQR("970436", "0071000912345", 486_500, "CSAB12CD34 Tien dien"))
    index = data.draw(st.integers(0, len(payload) - 1))
    replacement = data.draw(st.characters(min_codepoint=32, max_codepoint=126))
    changed = payload[:index] + replacement + payload[index + 1 :]
    if changed != payload:
        with pytest.raises(VietQRError):
            decode(changed)


def test_cabin_pay_qr_prints_the_payload():
    args = [sys.executable, "-m", "cabin", "pay", "qr", "--bin", "970415", "--account",
            "0011001932418", "--amount", "120000", "--purpose", "ủng hộ lũ lụt"]  # fmt: skip
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout.strip()) == (0, SUBIZ), done.stderr
    card = subprocess.run(
        [sys.executable, "-m", "cabin", "pay", "qr", "--bin", "970403", "--account",
         "9704031101234567", "--card"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert card.stdout.strip() == NAPAS_6_1_2
    bad = subprocess.run(
        [sys.executable, "-m", "cabin", "pay", "qr", "--bin", "97041", "--account", "1"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "BIN must be 6 digits" in bad.stderr
