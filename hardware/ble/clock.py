"""Date Time (0x2A08) and Current Time (0x2A2B): a device's wall clock, and setting it.

Date Time is the 7-byte time stamp embedded in the measurements of every
health profile; Current Time (Current Time Service, 0x1805) is what a
collector reads and writes to set a device's clock. Both carry local wall
time with no zone: the station writes the time of its own zone
(Asia/Ho_Chi_Minh) and reads measurement time stamps back in it.

Layouts (GATT Specification Supplement, "Date Time", "Day Date Time",
"Exact Time 256", "Current Time")::

    Date Time     year uint16 (1582..9999, 0 unknown), month uint8 (1..12, 0 unknown),
                  day uint8 (1..31, 0 unknown), hours uint8 (0..23),
                  minutes uint8 (0..59), seconds uint8 (0..59)
    Current Time  Date Time, day of week uint8 (1 Monday..7 Sunday, 0 unknown),
                  fractions256 uint8 (1/256 s), adjust reason uint8 (flags)

Values outside those ranges are reserved and raise
:class:`~cabin.errors.FrameError`. Bytes after the last field are ignored.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import ClassVar, Self

from hardware.ble._codec import Reader, check_range, label, u8, u16
from hardware.ble.uuids import CharacteristicUuid

__all__ = ["AdjustReason", "CurrentTime", "DateTime", "DayOfWeek"]


@dataclass(frozen=True, slots=True)
class DateTime:
    """A wall-clock date and time from a device (characteristic 0x2A08), no time zone.

    Attributes:
        year: 1582..9999, or None when the device does not know it (0 on the wire).
        month: 1..12, or None when unknown (0 on the wire).
        day: 1..31, or None when unknown (0 on the wire).
        hours: 0..23.
        minutes: 0..59.
        seconds: 0..59.
    """

    UUID: ClassVar[int] = CharacteristicUuid.DATE_TIME
    NAME: ClassVar[str] = "Date Time"
    SIZE: ClassVar[int] = 7

    year: int | None
    month: int | None
    day: int | None
    hours: int = 0
    minutes: int = 0
    seconds: int = 0

    def __post_init__(self) -> None:
        check_range("year", self.year, 1582, 9999)
        check_range("month", self.month, 1, 12)
        check_range("day", self.day, 1, 31)
        check_range("hours", self.hours, 0, 23)
        check_range("minutes", self.minutes, 0, 59)
        check_range("seconds", self.seconds, 0, 59)

    @classmethod
    def unpack(cls, data: bytes) -> Self:
        """Decode the first 7 bytes of ``data``.

        For embedding in other characteristics: raises a plain ``ValueError``
        on a reserved value, and expects at least 7 bytes.
        """
        year = data[0] | data[1] << 8
        return cls(year or None, data[2] or None, data[3] or None, data[4], data[5], data[6])

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        return Reader(data, label(cls.NAME, cls.UUID)).field("date time", cls.SIZE, cls.unpack)

    def __bytes__(self) -> bytes:
        return (
            u16(self.year or 0)
            + bytes((self.month or 0, self.day or 0))
            + bytes((self.hours, self.minutes, self.seconds))
        )

    @classmethod
    def from_datetime(cls, when: dt.datetime) -> Self:
        """The wall-clock fields of ``when`` (its zone, if any, is dropped; seconds truncated)."""
        return cls(when.year, when.month, when.day, when.hour, when.minute, when.second)

    def to_datetime(self, tzinfo: dt.tzinfo | None = None) -> dt.datetime | None:
        """This time as a :class:`datetime.datetime` in ``tzinfo`` (naive if None).

        Returns None when the year, month or day is unknown, or the date does
        not exist (31 April): the caller falls back to the time of reception.
        """
        if self.year is None or self.month is None or self.day is None:
            return None
        try:
            return dt.datetime(
                self.year,
                self.month,
                self.day,
                self.hours,
                self.minutes,
                self.seconds,
                tzinfo=tzinfo,
            )
        except ValueError:
            return None


class DayOfWeek(enum.IntEnum):
    """Day of Week: ISO 8601 numbering (0 on the wire is unknown)."""

    MONDAY = 1
    TUESDAY = 2
    WEDNESDAY = 3
    THURSDAY = 4
    FRIDAY = 5
    SATURDAY = 6
    SUNDAY = 7


class AdjustReason(enum.IntFlag):
    """Why the device's clock last changed (Current Time, adjust reason field)."""

    NONE = 0
    MANUAL_TIME_UPDATE = 0x01
    EXTERNAL_REFERENCE_TIME_UPDATE = 0x02
    CHANGE_OF_TIME_ZONE = 0x04
    CHANGE_OF_DST = 0x08


@dataclass(frozen=True, slots=True)
class CurrentTime:
    """Current Time (0x2A2B): Exact Time 256 and an adjust reason; 10 bytes.

    Attributes:
        date_time: the wall-clock date and time.
        day_of_week: the day, or None when unknown (0 on the wire).
        fractions256: fractions of the second in 1/256 s, 0..255.
        adjust_reason: why the time was last changed; bits 4..7 are reserved
            and kept as they came.
    """

    UUID: ClassVar[int] = CharacteristicUuid.CURRENT_TIME
    NAME: ClassVar[str] = "Current Time"

    date_time: DateTime
    day_of_week: DayOfWeek | None = None
    fractions256: int = 0
    adjust_reason: AdjustReason = AdjustReason.NONE

    def __post_init__(self) -> None:
        check_range("fractions256", self.fractions256, 0, 0xFF)
        check_range("adjust reason", self.adjust_reason, 0, 0xFF)

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        r = Reader(data, label(cls.NAME, cls.UUID))
        date_time = r.field("date time", DateTime.SIZE, DateTime.unpack)
        day = r.field("day of week", 1, lambda b: DayOfWeek(b[0]) if b[0] else None)
        fractions = r.u8("fractions256")
        reason = AdjustReason(r.u8("adjust reason"))
        return r.build(cls, date_time, day, fractions, reason)

    def __bytes__(self) -> bytes:
        return (
            bytes(self.date_time)
            + u8(self.day_of_week or 0)
            + u8(self.fractions256)
            + u8(self.adjust_reason)
        )

    @classmethod
    def from_datetime(
        cls, when: dt.datetime, adjust_reason: AdjustReason = AdjustReason.NONE
    ) -> Self:
        """The value that sets a device's clock to the wall time of ``when``.

        Args:
            when: the time to set, in the zone the device should show (its
                wall-clock fields are used; microseconds become fractions256).
            adjust_reason: why the time changes; a collector syncing from its
                own clock says ``EXTERNAL_REFERENCE_TIME_UPDATE``.
        """
        return cls(
            DateTime.from_datetime(when),
            DayOfWeek(when.isoweekday()),
            when.microsecond * 256 // 1_000_000,
            adjust_reason,
        )

    def to_datetime(self, tzinfo: dt.tzinfo | None = None) -> dt.datetime | None:
        """This time, fractions included (to the microsecond), or None when the date is unknown."""
        base = self.date_time.to_datetime(tzinfo)
        if base is None:
            return None
        return base + dt.timedelta(microseconds=self.fractions256 * 1_000_000 // 256)
