"""The health-insurance (BHYT) card: its 15-character code, the BHXH number, its QR.

The card code (Decision 1351/QĐ-BHXH of 2015, the card form in use since 2018)::

    HS 4 79 7912345678
    │  │ │  └─ the holder's 10-digit BHXH number (mã số BHXH, for life)
    │  │ └──── 2 digits: the province that issued the card (01-99)
    │  └────── 1 digit: the benefit level (mức hưởng, 1-5)
    └───────── 2 letters: the beneficiary group (mã đối tượng: DN employee, HS pupil,
               GD household, TE child under 6, HT pensioner...)

The QR printed on the card holds ``|``-separated fields, in this order (as read by
hospital information systems, e.g. the open-source HIS of Inventec, file
``ReadQrCodeHeinCard.cs``)::

    0 card code | 1 full name | 2 birth date | 3 sex (1 male, 2 female) | 4 address |
    5 registered first-care facility ("79 - 024") | 6 valid from | 7 valid to |
    8 issue date | 9 issuing agency code | 10 parent's name (children) |
    11 area code (K1/K2/K3) | 12 date five years of continuous cover are reached |
    [13 checksum | 14 "$"]

Text fields (name, address, parent's name) are UTF-8 written as hexadecimal on the
newer cards and as plain text on older ones; dates are ``dd/mm/yyyy`` (a birth date
may be a year alone); an empty field is ``""`` or ``"-"``. The checksum's algorithm
is not published: it is checked for shape (hexadecimal) only.

Errors are :class:`InsuranceInputError` whose ``reason`` keys a Vietnamese sentence
(``insurance.error.<reason>``); messages never repeat the card's content.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from cabin.errors import ServiceError

__all__ = [
    "BhytCard",
    "BhytCode",
    "GROUPS",
    "InsuranceInputError",
    "check_bhxh_number",
    "parse_bhyt_code",
    "parse_bhyt_qr",
]

#: Beneficiary groups printed as the code's first two letters (Decision 1351/QĐ-BHXH).
GROUPS = frozenset(
    [
        "DN",
        "HX",
        "CH",
        "NN",
        "TK",
        "HC",
        "XK",
        "CA",
        "QN",
        "CY",
        "HT",
        "TB",
        "NO",
        "CT",
        "XB",
        "TN",
        "CS",
        "XN",
        "MS",
        "HD",
        "TE",
        "HS",
        "SV",
        "GB",
        "GD",
        "CC",
        "CK",
        "CB",
        "KC",
        "HN",
        "DT",
        "DK",
        "XD",
        "TS",
        "TC",
        "TQ",
        "TA",
        "TY",
        "HG",
        "LS",
        "PV",
        "TV",
        "TL",
        "BT",
    ]
)

_BHXH = re.compile(r"[0-9]{10}")
_CODE = re.compile(r"([A-Z]{2})([0-9])([0-9]{2})([0-9]{10})")
_DATE = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4})")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
_FACILITY = re.compile(r"([0-9]{2})\s*[-–]?\s*([0-9]{3})")
_AREA = frozenset({"", "K1", "K2", "K3"})
_MIN_FIELDS = 13
_MAX_LENGTH = 2000


class InsuranceInputError(ServiceError, ValueError):
    """Something typed or scanned that cannot be used; ``reason`` keys the sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"insurance input: {reason}")
        self.reason = reason


def check_bhxh_number(text: str) -> str:
    """A 10-digit BHXH number (spaces removed); raises ``InsuranceInputError("bhxh")``."""
    digits = re.sub(r"\s", "", text)
    if not _BHXH.fullmatch(digits):
        raise InsuranceInputError("bhxh")
    return digits


@dataclass(frozen=True, slots=True)
class BhytCode:
    """A BHYT card code, split into its four parts."""

    group: str
    level: int
    province: str
    bhxh_number: str

    def __str__(self) -> str:
        return f"{self.group}{self.level}{self.province}{self.bhxh_number}"


def parse_bhyt_code(text: str) -> BhytCode:
    """Read a card code as typed ("hs4 79 7912345678" is fine).

    Raises:
        InsuranceInputError: ``code_length``, ``code_group`` (not two letters of a known
            group), ``code_level`` (not 1-5), ``code_province`` (00) or ``code_bhxh``.
    """
    compact = re.sub(r"[\s.\-]", "", text).upper()
    if len(compact) != 15:
        raise InsuranceInputError("code_length")
    match = _CODE.fullmatch(compact)
    if match is None:
        if not compact[:2].isalpha() or compact[:2] not in GROUPS:
            raise InsuranceInputError("code_group")
        if not compact[2].isdigit():
            raise InsuranceInputError("code_level")
        if not compact[3:5].isdigit():
            raise InsuranceInputError("code_province")
        raise InsuranceInputError("code_bhxh")
    group, level, province, number = match.groups()
    if group not in GROUPS:
        raise InsuranceInputError("code_group")
    if not 1 <= int(level) <= 5:
        raise InsuranceInputError("code_level")
    if province == "00":
        raise InsuranceInputError("code_province")
    return BhytCode(group, int(level), province, number)


@dataclass(frozen=True, slots=True)
class BhytCard:
    """What a BHYT card's QR says. Personal fields stay out of ``repr``."""

    code: BhytCode = field(repr=False)
    full_name: str = field(repr=False)
    birth: date | int = field(repr=False)  # a date, or a year alone
    sex: str = field(repr=False)  # "male" / "female"
    address: str = field(repr=False)
    facility: str  # the first-care facility, 5 digits: province + facility
    valid_from: date
    valid_to: date | None
    issued: date | None
    agency: str
    parent_name: str = field(default="", repr=False)
    area: str = ""
    five_years: date | None = None


def _empty(value: str) -> bool:
    return value.strip() in ("", "-")


def _text(value: str, *, required: bool) -> str:
    value = value.strip()
    if _empty(value):
        if required:
            raise InsuranceInputError("qr_field")
        return ""
    if _HEX.fullmatch(value):
        try:
            value = bytes.fromhex(value).decode("utf-8")
        except UnicodeDecodeError:
            raise InsuranceInputError("qr_field") from None
    value = unicodedata.normalize("NFC", value.strip())
    if not value or any(unicodedata.category(char).startswith("C") for char in value):
        raise InsuranceInputError("qr_field")
    return value


def _name(value: str, *, required: bool) -> str:
    name = _text(value, required=required)
    if name and not all(char.isalpha() or char in " '-." for char in name):
        raise InsuranceInputError("qr_field")
    return name


def _date(value: str, *, required: bool) -> date | None:
    value = value.strip()
    if _empty(value):
        if required:
            raise InsuranceInputError("qr_date")
        return None
    match = _DATE.fullmatch(value)
    if match is None:
        raise InsuranceInputError("qr_date")
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise InsuranceInputError("qr_date") from None


def _birth(value: str) -> date | int:
    value = value.strip()
    if re.fullmatch(r"[0-9]{4}", value):
        return int(value)
    birth = _date(value, required=True)
    assert birth is not None  # noqa: S101 - required=True never returns None
    return birth


def parse_bhyt_qr(text: str) -> BhytCard:
    """Read the text of a BHYT card's QR code (strict: every field must read).

    Raises:
        InsuranceInputError: ``qr_format`` (not a BHYT QR), ``code_*`` (its card code),
            ``qr_field``, ``qr_date`` or ``qr_sex``.
    """
    if not text or len(text) > _MAX_LENGTH:
        raise InsuranceInputError("qr_format")
    fields = text.strip().split("|")
    if fields and fields[-1] == "$":
        fields = fields[:-1]
        if len(fields) > _MIN_FIELDS and re.fullmatch(r"[0-9a-fA-F]{1,16}", fields[-1]):
            fields = fields[:-1]  # the checksum: its algorithm is not published
    if len(fields) != _MIN_FIELDS:
        raise InsuranceInputError("qr_format")
    code = parse_bhyt_code(fields[0])
    sex = {"1": "male", "2": "female"}.get(fields[3].strip())
    if sex is None:
        raise InsuranceInputError("qr_sex")
    facility = _FACILITY.fullmatch(fields[5].strip())
    if facility is None:
        raise InsuranceInputError("qr_field")
    valid_from = _date(fields[6], required=True)
    assert valid_from is not None  # noqa: S101 - required=True never returns None
    valid_to = _date(fields[7], required=False)
    if valid_to is not None and valid_to < valid_from:
        raise InsuranceInputError("qr_date")
    area = fields[11].strip().upper()
    if area == "-":
        area = ""
    if area not in _AREA:
        raise InsuranceInputError("qr_field")
    agency = fields[9].strip()
    if not re.fullmatch(r"[0-9A-Za-z]{0,12}", agency.replace("-", "")):
        raise InsuranceInputError("qr_field")
    return BhytCard(
        code=code,
        full_name=_name(fields[1], required=True),
        birth=_birth(fields[2]),
        sex=sex,
        address=_text(fields[4], required=False),
        facility="".join(facility.groups()),
        valid_from=valid_from,
        valid_to=valid_to,
        issued=_date(fields[8], required=False),
        agency=agency,
        parent_name=_name(fields[10], required=False),
        area=area,
        five_years=_date(fields[12], required=False),
    )
