"""The three procedures a resident can file at the station: their fields, checks and fees.

* Temporary residence registration (đăng ký tạm trú): the form CT01 (Tờ khai thay
  đổi thông tin cư trú, Circular 66/2023/TT-BCA) and a proof of lawful
  accommodation (Law on Residence 2020, art. 28 and Decree 62/2021/NĐ-CP, art. 5).
  Fee: Circular 75/2022/TT-BTC, 10,000 VND filed online; children under 16, people
  aged 60 or more, people with meritorious service, people with disabilities and
  poor households pay nothing (art. 4 as we read it).
* Criminal record certificate (phiếu lý lịch tư pháp): Circular 244/2016/TT-BTC
  (kept by Circular 16/2025/TT-BTC): 200,000 VND a request, 100,000 for students,
  people with meritorious service and martyrs' relatives; free for children,
  the elderly (60 and more), people with disabilities, poor households and residents
  of communes in especially difficult conditions; 5,000 VND more for each copy
  after the second.
* Birth registration bundled with permanent residence and the child's health
  insurance card (liên thông khai sinh, thường trú, thẻ BHYT cho trẻ dưới 6 tuổi;
  Decree 63/2024/NĐ-CP): registering on time is free, the card is paid by the state.

Everything the CCCD says is filled in from the card (:func:`prefill`) so nothing is
typed twice; :func:`validate` checks what was typed and names each problem with a
catalogue key of a plain Vietnamese sentence.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from enum import Enum, StrEnum

from cabin.cccd import check_id_number
from cabin.errors import CardError
from cabin.store.models import Identity, Sex

__all__ = [
    "PROCEDURES",
    "Applicant",
    "Category",
    "Fee",
    "FieldKind",
    "FormField",
    "Procedure",
    "age_on",
    "fee_for",
    "parse_date",
    "prefill",
    "validate",
]

PHONE = re.compile(r"0[35789][0-9]{8}")
_DATE = re.compile(
    r"([0-9]{1,2})[/.\- ]([0-9]{1,2})[/.\- ]([0-9]{4})|([0-9]{2})([0-9]{2})([0-9]{4})"
)
ELDERLY_AGE = 60  # Law on the Elderly 2009, art. 2
CHILD_AGE = 16  # Law on Children 2016, art. 1


class FieldKind(Enum):
    TEXT = "text"
    NAME = "name"
    DATE = "date"
    PHONE = "phone"
    CCCD = "cccd"
    NUMBER = "number"


class Category(StrEnum):
    """What a resident may declare that changes a fee."""

    STUDENT = "student"
    MERITORIOUS = "meritorious"  # người có công với cách mạng
    MARTYR_RELATIVE = "martyr_relative"  # thân nhân liệt sĩ
    DISABLED = "disabled"
    POOR_HOUSEHOLD = "poor_household"
    DIFFICULT_COMMUNE = "difficult_commune"


@dataclass(frozen=True, slots=True)
class FormField:
    """One field: its key, its label's catalogue key, its kind, where the card fills it."""

    key: str
    kind: FieldKind
    required: bool = True
    source: str | None = None  # an Identity attribute, or "address"
    low: int = 1  # NUMBER: allowed range
    high: int = 99

    @property
    def label(self) -> str:
        return f"dossier.field.{self.key}"


@dataclass(frozen=True, slots=True)
class Procedure:
    """A procedure: its key, its catalogue title, its form, the documents to capture."""

    key: str
    fields: tuple[FormField, ...]
    documents: tuple[str, ...]  # catalogue keys of the pages to photograph
    categories: tuple[Category, ...] = ()

    @property
    def title(self) -> str:
        return f"dossier.proc.{self.key}"


_NAME = FormField("full_name", FieldKind.NAME, source="full_name")
_BIRTH = FormField("birth_date", FieldKind.DATE, source="birth_date")
_ID = FormField("cccd", FieldKind.CCCD, source="cccd")
_PHONE = FormField("phone", FieldKind.PHONE)

PROCEDURES: dict[str, Procedure] = {
    p.key: p
    for p in (
        Procedure(
            "temporary_residence",
            (
                _NAME,
                _BIRTH,
                _ID,
                _PHONE,
                FormField("current_address", FieldKind.TEXT, source="address"),
                FormField("new_address", FieldKind.TEXT),
                FormField("host_name", FieldKind.NAME),
                FormField("months", FieldKind.NUMBER, low=1, high=24),
            ),
            ("dossier.doc.accommodation",),
            (Category.MERITORIOUS, Category.DISABLED, Category.POOR_HOUSEHOLD),
        ),
        Procedure(
            "criminal_record",
            (
                _NAME,
                _BIRTH,
                _ID,
                _PHONE,
                FormField("current_address", FieldKind.TEXT, source="address"),
                FormField("purpose", FieldKind.TEXT),
                FormField("copies", FieldKind.NUMBER, low=1, high=10),
            ),
            (),
            tuple(Category),
        ),
        Procedure(
            "birth_bundle",
            (
                _NAME,
                _ID,
                _PHONE,
                FormField("child_name", FieldKind.NAME),
                FormField("child_birth_date", FieldKind.DATE),
                FormField("birth_place", FieldKind.TEXT),
                FormField("current_address", FieldKind.TEXT, source="address"),
            ),
            ("dossier.doc.birth_certificate",),
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Applicant:
    """Who files, as far as a fee is concerned."""

    birth_date: date
    categories: frozenset[Category] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class Fee:
    """What to pay (VND) and why (a catalogue key: the basis shown to the resident)."""

    amount_vnd: int
    basis: str


def age_on(birth: date, day: date) -> int:
    """Whole years from ``birth`` to ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def fee_for(procedure: str, applicant: Applicant, *, copies: int = 1, on: date) -> Fee:
    """The fee for ``procedure`` filed by ``applicant`` on day ``on`` (see the module doc).

    Raises:
        ValueError: an unknown procedure, or fewer than one copy.
    """
    if procedure not in PROCEDURES:
        raise ValueError(f"unknown procedure {procedure!r}")
    if copies < 1:
        raise ValueError("copies must be at least 1")
    age = age_on(applicant.birth_date, on)
    cats = applicant.categories
    if procedure == "birth_bundle":
        return Fee(0, "dossier.fee.birth_free")
    if procedure == "temporary_residence":
        if age < CHILD_AGE or age >= ELDERLY_AGE:
            return Fee(0, "dossier.fee.exempt_age")
        if cats & {Category.MERITORIOUS, Category.DISABLED, Category.POOR_HOUSEHOLD}:
            return Fee(0, "dossier.fee.exempt")
        return Fee(10_000, "dossier.fee.residence")
    # criminal record certificate
    extra = 5_000 * max(0, copies - 2)
    if age < CHILD_AGE or age >= ELDERLY_AGE:
        return Fee(0, "dossier.fee.exempt_age")
    if cats & {Category.DISABLED, Category.POOR_HOUSEHOLD, Category.DIFFICULT_COMMUNE}:
        return Fee(0, "dossier.fee.exempt")
    if cats & {Category.STUDENT, Category.MERITORIOUS, Category.MARTYR_RELATIVE}:
        return Fee(100_000 + extra, "dossier.fee.reduced")
    return Fee(200_000 + extra, "dossier.fee.record")


def _card_value(identity: Identity, source: str) -> str:
    value = getattr(identity, source)
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, Sex):
        return value.value
    return str(value)


def prefill(procedure: Procedure, identity: Identity | None) -> dict[str, str]:
    """Every field the card answers, as text the form shows (dates ``DD/MM/YYYY``)."""
    values = {f.key: "" for f in procedure.fields}
    if identity is None:
        return values
    for f in procedure.fields:
        if f.source is not None:
            values[f.key] = _card_value(identity, f.source)
    if "copies" in values:
        values["copies"] = "1"
    if "months" in values:
        values["months"] = "12"
    return values


def parse_date(text: str) -> date | None:
    """``D/M/YYYY`` (or with ``.``, ``-`` or a space; or ``DDMMYYYY`` as the on-screen
    keyboard types it) as a date; None when it is not one."""
    match = _DATE.fullmatch(" ".join(text.split()))
    if match is None:
        return None
    day, month, year = (
        (match[1], match[2], match[3]) if match[1] else (match[4], match[5], match[6])
    )
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def validate(procedure: Procedure, values: dict[str, str], *, today: date) -> dict[str, str]:
    """The problems with a filled form: ``{field key: catalogue key of the message}``.

    An empty answer means the form can be sent.
    """
    problems: dict[str, str] = {}
    for f in procedure.fields:
        text = unicodedata.normalize("NFC", values.get(f.key, "")).strip()
        if not text:
            if f.required:
                problems[f.key] = "dossier.err.required"
            continue
        problem = _check(f, text, today)
        if problem is not None:
            problems[f.key] = problem
    return problems


def _check(f: FormField, text: str, today: date) -> str | None:
    if f.kind is FieldKind.NAME:
        if any(ch.isdigit() for ch in text) or len(text.split()) < 2:
            return "dossier.err.name"
    elif f.kind is FieldKind.DATE:
        day = parse_date(text)
        if day is None:
            return "dossier.err.date"
        if day > today:
            return "dossier.err.date_future"
        if day.year < today.year - 130:
            return "dossier.err.date_old"
    elif f.kind is FieldKind.PHONE:
        if not PHONE.fullmatch(text.replace(" ", "")):
            return "dossier.err.phone"
    elif f.kind is FieldKind.CCCD:
        try:
            check_id_number(text)
        except CardError:
            return (
                "dossier.err.cccd"
                if re.fullmatch(r"[0-9]{12}", text) is None
                else ("dossier.err.cccd_province")
            )
    elif f.kind is FieldKind.NUMBER:
        if not text.isdigit() or not f.low <= int(text) <= f.high:
            return "dossier.err.number"
    elif len(text) < 5:
        return "dossier.err.short"
    return None
