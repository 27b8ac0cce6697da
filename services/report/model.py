"""What a public-order report holds, its checks, and the tracking code's shape. No I/O.

A report has a category (:class:`Category`), a description typed by the resident,
up to :data:`MAX_PHOTOS` JPEG photos from the cabin camera, the station as its
location, and either no name at all (anonymous) or the name and CCCD number read
from the resident's own card, sent only after they agree on screen. An optional
phone number lets the ward police call back.

Checks raise :class:`ReportInputError` whose ``reason`` keys a Vietnamese sentence
(``report.error.<reason>``); no message repeats what the resident typed.
"""

from __future__ import annotations

import enum
import re
import secrets
import unicodedata
from dataclasses import dataclass, field

from cabin.errors import ServiceError

__all__ = [
    "Category",
    "MAX_DESCRIPTION",
    "MAX_PHOTOS",
    "MIN_DESCRIPTION",
    "Report",
    "ReportInputError",
    "ReportStatus",
    "Reporter",
    "check_description",
    "check_phone",
    "new_tracking_code",
    "normalise_tracking_code",
]

MAX_PHOTOS = 3
MIN_DESCRIPTION = 10  # characters: "Ồn quá" alone tells the police too little
MAX_DESCRIPTION = 1000
MAX_PHOTO_BYTES = 2_000_000

# Vietnamese numbers: a mobile is 10 digits, 03/05/07/08/09 then 8 more (the 2018
# renumbering); a landline is 11 digits, 02 + area code + subscriber.
_MOBILE = re.compile(r"0[35789][0-9]{8}")
_LANDLINE = re.compile(r"02[0-9]{9}")
_CODE = re.compile(r"[0-9]{8}")


class ReportInputError(ServiceError, ValueError):
    """A field the resident must correct; ``reason`` keys the sentence that says how."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"report input: {reason}")
        self.reason = reason


class Category(enum.Enum):
    """What the problem is (the catalogue key ``report.category.<value>`` names it)."""

    NOISE = "noise"
    FIGHTING = "fighting"
    THEFT = "theft"
    PARKING = "parking"
    FIRE_RISK = "fire_risk"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Reporter:
    """Who reports, as read from their CCCD (never typed); kept out of ``repr``."""

    name: str = field(repr=False)
    id_number: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Report:
    """One report as sent to the ward police."""

    category: Category
    description: str = field(repr=False)
    station_id: str
    photos: tuple[bytes, ...] = field(default=(), repr=False)
    reporter: Reporter | None = field(default=None, repr=False)
    phone: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        check_description(self.description)
        check_phone(self.phone)
        if len(self.photos) > MAX_PHOTOS:
            raise ReportInputError("too_many_photos")
        if any(len(photo) > MAX_PHOTO_BYTES for photo in self.photos):
            raise ReportInputError("photo_too_big")

    @property
    def anonymous(self) -> bool:
        return self.reporter is None


@dataclass(frozen=True, slots=True)
class ReportStatus:
    """What the police say about a report: ``status`` is received, in_progress or resolved."""

    code: str
    status: str
    category: Category
    answer: str | None = None


def check_description(text: str) -> str:
    """The description, trimmed and NFC; raises :class:`ReportInputError` if unusable."""
    text = unicodedata.normalize("NFC", text.strip())
    if len(text) < MIN_DESCRIPTION:
        raise ReportInputError("description_short")
    if len(text) > MAX_DESCRIPTION:
        raise ReportInputError("description_long")
    return text


def check_phone(text: str) -> str:
    """A Vietnamese phone number with spaces, dots and dashes removed ('' allowed).

    ``+84`` becomes ``0``. Raises :class:`ReportInputError` (``phone``) otherwise.
    """
    digits = re.sub(r"[\s.\-]", "", text)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    if digits and not (_MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits)):
        raise ReportInputError("phone")
    return digits


def new_tracking_code() -> str:
    """A fresh tracking code ``PA-dddd-dddd`` (digits only: easy to read out and type)."""
    number = f"{secrets.randbelow(10**8):08d}"
    return f"PA-{number[:4]}-{number[4:]}"


def normalise_tracking_code(text: str) -> str:
    """``PA-dddd-dddd`` from what a resident typed ("pa 1234 5678", "12345678").

    Raises:
        ReportInputError: ``code``: not eight digits.
    """
    digits = re.sub(r"[^0-9]", "", text)
    rest = re.sub(r"[0-9\s\-]", "", text).upper()
    if not _CODE.fullmatch(digits) or rest not in ("", "PA"):
        raise ReportInputError("code")
    return f"PA-{digits[:4]}-{digits[4:]}"
