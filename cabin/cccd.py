"""The Vietnamese citizen ID card (CCCD): its QR code and its 12-digit number.

The QR on the card holds ``|``-separated fields::

    12-digit ID | old 9-digit CMND or empty | full name | DDMMYYYY birth date |
    Nam/Nữ | address | DDMMYYYY issue date [| more fields on newer cards]

It carries no signature, so what it says only pre-fills the form. The number
itself encodes (Circular 59/2021/TT-BCA, art. 7): the province of birth
registration (digits 1-3, 001-096), the century of birth and sex (digit 4:
0/1 for 1900-1999 male/female, 2/3 for 2000-2099, 4/5, 6/7, 8/9 for the
following centuries), and the last two digits of the birth year (digits 5-6).
:func:`parse_cccd_qr` cross-checks those against the QR's own fields.

Errors are :class:`CardError` with a short ``reason``; no message ever repeats
what the card says.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from cabin.errors import CardError
from cabin.store.models import Identity, Sex

__all__ = ["CitizenCard", "check_id_number", "parse_cccd_qr"]

_ID = re.compile(r"[0-9]{12}")
_OLD_ID = re.compile(r"[0-9]{9}")
_MIN_FIELDS = 7
_MAX_LENGTH = 2000  # a card's QR holds a few hundred characters


@dataclass(frozen=True, slots=True)
class CitizenCard:
    """What a CCCD QR says. Personal fields stay out of ``repr``.

    Attributes:
        id_number: the 12-digit CCCD number.
        old_id: the 9-digit CMND number it replaced, if any.
        full_name: as printed, NFC-normalised.
        birth_date: date of birth.
        sex: administrative sex.
        address: place of residence.
        issue_date: when the card was issued.
        extra: fields after the seventh, as found (newer cards add some).
    """

    id_number: str = field(repr=False)
    old_id: str | None = field(repr=False)
    full_name: str = field(repr=False)
    birth_date: date = field(repr=False)
    sex: Sex = field(repr=False)
    address: str = field(repr=False)
    issue_date: date = field(repr=False)
    extra: tuple[str, ...] = field(default=(), repr=False)

    def to_identity(self) -> Identity:
        """The identity the store keeps."""
        return Identity(self.id_number, self.full_name, self.birth_date, self.sex, self.address)


def parse_cccd_qr(text: str, *, today: date | None = None) -> CitizenCard:
    """Read the text of a CCCD QR code.

    Args:
        text: what the QR decoder returned.
        today: the date to check birth and issue dates against (default: today).

    Raises:
        CardError: not a CCCD QR, a malformed field, or a number that contradicts
            the birth date or sex on the same card.
    """
    today = today or date.today()
    if not text or not text.strip():
        raise CardError("the QR code is empty", reason="empty")
    if len(text) > _MAX_LENGTH:
        raise CardError("the QR code is too long for a CCCD", reason="not_cccd")
    text = unicodedata.normalize("NFC", text.strip().lstrip("\ufeff"))
    fields = [part.strip() for part in text.split("|")]
    if len(fields) < _MIN_FIELDS:
        raise CardError("the QR code is not a CCCD: too few fields", reason="not_cccd")
    id_number, old_id, name, birth, sex_text, address, issued, *extra = fields
    if not _ID.fullmatch(id_number):
        raise CardError("the card number is not 12 digits", reason="bad_id")
    if old_id and not _OLD_ID.fullmatch(old_id):
        raise CardError("the old CMND number is not 9 digits", reason="bad_old_id")
    if not name or any(ch.isdigit() for ch in name):
        raise CardError("the name is missing or malformed", reason="bad_name")
    birth_date = _date(birth, "birth")
    issue_date = _date(issued, "issue")
    sex = _sex(sex_text)
    if birth_date > today or issue_date > today or issue_date < birth_date:
        raise CardError("the card's dates are impossible", reason="bad_date")
    check_id_number(id_number, birth_date=birth_date, sex=sex)
    return CitizenCard(
        id_number=id_number,
        old_id=old_id or None,
        full_name=" ".join(name.split()),
        birth_date=birth_date,
        sex=sex,
        address=address,
        issue_date=issue_date,
        extra=tuple(extra),
    )


def check_id_number(
    id_number: str, *, birth_date: date | None = None, sex: Sex | None = None
) -> None:
    """Check a typed or scanned CCCD number, and against a birth date and sex if known.

    Raises:
        CardError: ``bad_id`` (not 12 digits, unknown province), ``mismatch_sex``
            or ``mismatch_birth_year``.
    """
    if not _ID.fullmatch(id_number):
        raise CardError("the card number is not 12 digits", reason="bad_id")
    if not 1 <= int(id_number[:3]) <= 96:
        raise CardError("the card number's province code does not exist", reason="bad_id")
    code = int(id_number[3])
    century = 1900 + 100 * (code // 2)
    female_code = code % 2 == 1
    if sex in (Sex.MALE, Sex.FEMALE) and female_code != (sex == Sex.FEMALE):
        raise CardError("the card number does not match the sex", reason="mismatch_sex")
    if birth_date is not None:
        year = century + int(id_number[4:6])
        if year != birth_date.year:
            raise CardError(
                "the card number does not match the birth year", reason="mismatch_birth_year"
            )


def _date(text: str, what: str) -> date:
    if not re.fullmatch(r"[0-9]{8}", text):
        raise CardError(f"the {what} date is not DDMMYYYY", reason="bad_date")
    try:
        return date(int(text[4:]), int(text[2:4]), int(text[:2]))
    except ValueError:
        raise CardError(f"the {what} date does not exist", reason="bad_date") from None


def _sex(text: str) -> Sex:
    word = unicodedata.normalize("NFC", text).casefold()
    if word == "nam":
        return Sex.MALE
    if word == unicodedata.normalize("NFC", "nữ").casefold():
        return Sex.FEMALE
    raise CardError("the sex field is neither Nam nor Nữ", reason="bad_sex")
