"""VietQR: the EMVCo merchant-presented QR that Vietnamese banking apps scan to pay.

A payload is a string of TLV fields (two-digit id, two-digit length, value)::

    00 "01"                      payload format indicator
    01 "11" static | "12" dynamic (an amount is given: the payment is for this sum)
    38 merchant account information (the NAPAS template)
       00 "A000000727"           NAPAS's GUID
       01 beneficiary organisation
          00 the bank's BIN (6 digits, e.g. 970436)
          01 the account number, or the card number
       02 "QRIBFTTA" (transfer to an account) | "QRIBFTTC" (to a card)
    53 "704"                     Vietnamese dong
    54 amount                    integer VND, only when given
    58 "VN"
    62 additional data
       08 purpose of the transaction (at most 25 characters)
    63 CRC                       CRC-16/CCITT-FALSE over everything up to "6304",
                                 four upper-case hex digits

**Vietnamese text in the purpose.** Banks' apps and the NAPAS switch carry the purpose
as plain ASCII; many refuse or mangle diacritics. :func:`ascii_purpose` therefore
decomposes the text (Unicode NFD), drops the combining marks, maps ``đ``/``Đ`` to
``d``/``D``, turns runs of whitespace into one space, and refuses anything still not
printable ASCII (the EMVCo "ans" set). "Tiền điện tháng 5" becomes "Tien dien thang 5".
The result must then fit 25 characters (field 62-08's published maximum); a longer
purpose is refused, never cut silently (the payer would see a different text).

:func:`decode` is strict: every length must match, the CRC must be right, the fixed
fields must hold their fixed values, and nothing may trail. Every failure raises
:class:`VietQRError` (a :class:`ValueError`) with a plain message.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "NAPAS_GUID",
    "PURPOSE_MAX",
    "SERVICE_ACCOUNT",
    "SERVICE_CARD",
    "VietQR",
    "VietQRError",
    "ascii_purpose",
    "crc16",
    "decode",
    "encode",
]

NAPAS_GUID = "A000000727"
SERVICE_ACCOUNT = "QRIBFTTA"
SERVICE_CARD = "QRIBFTTC"
PURPOSE_MAX = 25
_ACCOUNT_MAX = 19
_AMOUNT_MAX = 13  # EMVCo field 54 holds at most 13 characters
_BIN = re.compile(r"[0-9]{6}")
_ACCOUNT = re.compile(r"[0-9A-Za-z]{1,19}")
_AMOUNT = re.compile(r"[1-9][0-9]{0,12}")


class VietQRError(ValueError):
    """A VietQR that cannot be made or does not read; the message says why, plainly."""


@dataclass(frozen=True, slots=True)
class VietQR:
    """What a VietQR says.

    Attributes:
        bin: the receiving bank's 6-digit BIN.
        account: the account (or card) number.
        amount: integer VND, or None for a static QR (the payer types the sum).
        purpose: the ASCII purpose (field 62-08), or "" when absent.
        card: True for a transfer to a card (QRIBFTTC), False to an account.
    """

    bin: str
    account: str
    amount: int | None = None
    purpose: str = ""
    card: bool = False


def crc16(data: bytes) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) as four upper-case hex digits."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def ascii_purpose(text: str) -> str:
    """The purpose as banks carry it: Vietnamese diacritics stripped, ASCII, ≤ 25 characters.

    Raises:
        VietQRError: a character has no ASCII form, or the text is too long.
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = " ".join(stripped.split())
    for ch in plain:
        if not (" " <= ch <= "~"):
            raise VietQRError(f"the purpose has a character banks cannot carry: U+{ord(ch):04X}")
    if len(plain) > PURPOSE_MAX:
        raise VietQRError(
            f"the purpose is {len(plain)} characters without diacritics; at most {PURPOSE_MAX}"
        )
    return plain


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise VietQRError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def encode(qr: VietQR) -> str:
    """The payload string of ``qr`` (the text to put in the QR image).

    The purpose is passed through :func:`ascii_purpose`, so Vietnamese text may be given.

    Raises:
        VietQRError: a BIN that is not 6 digits, an account that is not 1-19 letters or
            digits, an amount that is not a positive integer of at most 13 digits, or a
            purpose banks cannot carry.
    """
    if not isinstance(qr.bin, str) or not _BIN.fullmatch(qr.bin):
        raise VietQRError("the bank BIN must be 6 digits")
    if not isinstance(qr.account, str) or not _ACCOUNT.fullmatch(qr.account):
        raise VietQRError(f"the account number must be 1 to {_ACCOUNT_MAX} letters or digits")
    amount = qr.amount
    if amount is not None and (
        isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0
    ):
        raise VietQRError("the amount must be a whole number of dong, more than 0")
    if amount is not None and len(str(amount)) > _AMOUNT_MAX:
        raise VietQRError("the amount is too large")
    purpose = ascii_purpose(qr.purpose) if qr.purpose else ""
    beneficiary = _tlv("00", qr.bin) + _tlv("01", qr.account)
    merchant = (
        _tlv("00", NAPAS_GUID)
        + _tlv("01", beneficiary)
        + _tlv("02", SERVICE_CARD if qr.card else SERVICE_ACCOUNT)
    )
    body = _tlv("00", "01") + _tlv("01", "11" if amount is None else "12")
    body += _tlv("38", merchant) + _tlv("53", "704")
    if amount is not None:
        body += _tlv("54", str(amount))
    body += _tlv("58", "VN")
    if purpose:
        body += _tlv("62", _tlv("08", purpose))
    body += "6304"
    return body + crc16(body.encode("ascii"))


def _fields(text: str, where: str) -> list[tuple[str, str]]:
    """Split ``text`` into (id, value) pairs; strict about ids and lengths."""
    fields: list[tuple[str, str]] = []
    at = 0
    while at < len(text):
        head = text[at : at + 4]
        if len(head) < 4 or not head.isdigit() or not head.isascii():
            raise VietQRError(f"{where}: a field header at position {at} does not read")
        tag, size = head[:2], int(head[2:])
        value = text[at + 4 : at + 4 + size]
        if len(value) != size:
            raise VietQRError(f"{where}: field {tag} is cut short")
        fields.append((tag, value))
        at += 4 + size
    return fields


def _unique(fields: list[tuple[str, str]], where: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for tag, value in fields:
        if tag in found:
            raise VietQRError(f"{where}: field {tag} appears twice")
        found[tag] = value
    return found


def _expect(found: dict[str, str], tag: str, value: str, where: str) -> None:
    if found.get(tag) != value:
        raise VietQRError(f"{where}: field {tag} must be {value}")


def decode(payload: str) -> VietQR:
    """Read a VietQR payload; strict (see the module's notes).

    Raises:
        VietQRError: the payload is not a well-formed VietQR with a right CRC.
    """
    if not isinstance(payload, str):
        raise VietQRError("a VietQR payload is text")
    if not payload.isascii() or not payload.isprintable():
        raise VietQRError("a VietQR payload is printable ASCII")
    if len(payload) < 8 or payload[-8:-4] != "6304":
        raise VietQRError("the payload does not end with its CRC (field 63)")
    expected = crc16(payload[:-4].encode("ascii"))
    if payload[-4:] != expected:
        raise VietQRError("the CRC does not match: the payload was changed or misread")
    fields = _fields(payload, "payload")
    if fields[0] != ("00", "01"):
        raise VietQRError("the payload must start with field 00 = 01")
    if fields[-1][0] != "63":
        raise VietQRError("the CRC must be the last field")
    top = _unique(fields, "payload")
    initiation = top.get("01")
    if initiation not in ("11", "12"):
        raise VietQRError("field 01 must be 11 (static) or 12 (dynamic)")
    _expect(top, "53", "704", "payload")
    _expect(top, "58", "VN", "payload")
    if "38" not in top:
        raise VietQRError("the NAPAS merchant account (field 38) is missing")
    merchant = _unique(_fields(top["38"], "field 38"), "field 38")
    _expect(merchant, "00", NAPAS_GUID, "field 38")
    service = merchant.get("02")
    if service not in (SERVICE_ACCOUNT, SERVICE_CARD):
        raise VietQRError(f"field 38-02 must be {SERVICE_ACCOUNT} or {SERVICE_CARD}")
    beneficiary = _unique(_fields(merchant.get("01", ""), "field 38-01"), "field 38-01")
    bank, account = beneficiary.get("00", ""), beneficiary.get("01", "")
    if not _BIN.fullmatch(bank):
        raise VietQRError("the bank BIN (field 38-01-00) must be 6 digits")
    if not _ACCOUNT.fullmatch(account):
        raise VietQRError("the account number (field 38-01-01) does not read")
    amount: int | None = None
    if "54" in top:
        if not _AMOUNT.fullmatch(top["54"]):
            raise VietQRError("the amount (field 54) must be a whole number of dong")
        amount = int(top["54"])
    purpose = ""
    if "62" in top:
        extra = _unique(_fields(top["62"], "field 62"), "field 62")
        purpose = extra.get("08", "")
        if len(purpose) > PURPOSE_MAX:
            raise VietQRError(f"the purpose (field 62-08) is longer than {PURPOSE_MAX}")
    return VietQR(
        bin=bank, account=account, amount=amount, purpose=purpose, card=service == SERVICE_CARD
    )
