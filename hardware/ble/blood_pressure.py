"""Blood Pressure Service (0x1810): measurement, intermediate cuff pressure, features.

Layout of Blood Pressure Measurement (0x2A35) and Intermediate Cuff Pressure
(0x2A36), little-endian (GATT Specification Supplement; Blood Pressure
Service 1.1)::

    flags                 uint8     BloodPressureFlags
    systolic              SFLOAT    (ICP: the current cuff pressure)
    diastolic             SFLOAT    (ICP: unused, NaN)
    mean arterial press.  SFLOAT    (ICP: unused, NaN)
    time stamp            7 bytes   Date Time, if TIME_STAMP
    pulse rate            SFLOAT    beats per minute, if PULSE_RATE
    user id               uint8     0xFF = unknown user, if USER_ID
    measurement status    uint16    BloodPressureStatus, if MEASUREMENT_STATUS

Pressures are in mmHg (``mm[Hg]``) or, with the KPA flag, kPa. Reserved flag
bits are ignored; reserved status bits are kept. Bytes after the fields the
flags announce are ignored (a later version of the service may append
fields). A pulse rate that is present but holds a special value decodes as
None, like an absent one, and is not written back.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Self

from hardware.ble._codec import (
    OpenIntEnum,
    Reader,
    check_range,
    check_sfloat,
    label,
    sfloat,
    u8,
    u16,
)
from hardware.ble.clock import DateTime
from hardware.ble.uuids import CharacteristicUuid

__all__ = [
    "BloodPressureFeature",
    "BloodPressureFlags",
    "BloodPressureMeasurement",
    "BloodPressureStatus",
    "BloodPressureSupport",
    "IntermediateCuffPressure",
    "PressureUnit",
    "PulseRateRange",
    "UNKNOWN_USER",
]

UNKNOWN_USER = 0xFF
"""The user id a device sends when it does not know who measured."""

PULSE_RATE_UNIT = "/min"


class PressureUnit(enum.StrEnum):
    """Unit of the pressures; the value is the UCUM code."""

    MMHG = "mm[Hg]"
    KPA = "kPa"


class BloodPressureFlags(enum.IntFlag):
    """The flags byte of 0x2A35 and 0x2A36."""

    KPA = 0x01
    TIME_STAMP = 0x02
    PULSE_RATE = 0x04
    USER_ID = 0x08
    MEASUREMENT_STATUS = 0x10


class PulseRateRange(OpenIntEnum):
    """The two-bit pulse rate range of the measurement status (3 is reserved)."""

    WITHIN_RANGE = 0
    EXCEEDS_UPPER_LIMIT = 1
    BELOW_LOWER_LIMIT = 2


class BloodPressureStatus(enum.IntFlag):
    """Measurement Status: what the cuff noticed during the measurement (uint16).

    Bits 3-4 hold :class:`PulseRateRange`: 0b01 above the upper limit, 0b10
    below the lower one; :attr:`pulse_rate_range` reads them as one value.
    """

    NONE = 0
    BODY_MOVEMENT = 0x0001
    CUFF_TOO_LOOSE = 0x0002
    IRREGULAR_PULSE = 0x0004
    PULSE_RATE_EXCEEDS_UPPER_LIMIT = 0x0008
    PULSE_RATE_BELOW_LOWER_LIMIT = 0x0010
    IMPROPER_POSITION = 0x0020

    @property
    def pulse_rate_range(self) -> PulseRateRange:
        """Bits 3-4 as one code."""
        return PulseRateRange((self.value >> 3) & 0x03)


@dataclass(frozen=True, slots=True)
class _Cuff:
    """Fields the two characteristics share, decoded once."""

    unit: PressureUnit
    pressures: tuple[Decimal | None, Decimal | None, Decimal | None]
    time_stamp: DateTime | None
    pulse_rate: Decimal | None
    user_id: int | None
    status: BloodPressureStatus | None

    @classmethod
    def read(cls, r: Reader) -> _Cuff:
        flags = BloodPressureFlags(r.u8("flags") & 0x1F)
        unit = PressureUnit.KPA if flags & BloodPressureFlags.KPA else PressureUnit.MMHG
        pressures = (
            r.sfloat("systolic"),
            r.sfloat("diastolic"),
            r.sfloat("mean arterial pressure"),
        )
        time_stamp = pulse_rate = user_id = status = None
        if flags & BloodPressureFlags.TIME_STAMP:
            time_stamp = r.field("time stamp", DateTime.SIZE, DateTime.unpack)
        if flags & BloodPressureFlags.PULSE_RATE:
            pulse_rate = r.sfloat("pulse rate")
        if flags & BloodPressureFlags.USER_ID:
            user_id = r.u8("user id")
        if flags & BloodPressureFlags.MEASUREMENT_STATUS:
            status = BloodPressureStatus(r.u16("measurement status"))
        return cls(unit, pressures, time_stamp, pulse_rate, user_id, status)

    @staticmethod
    def write(
        unit: PressureUnit,
        pressures: tuple[Decimal | None, Decimal | None, Decimal | None],
        time_stamp: DateTime | None,
        pulse_rate: Decimal | None,
        user_id: int | None,
        status: BloodPressureStatus | None,
    ) -> bytes:
        flags = BloodPressureFlags(0)
        tail = b""
        if unit is PressureUnit.KPA:
            flags |= BloodPressureFlags.KPA
        if time_stamp is not None:
            flags |= BloodPressureFlags.TIME_STAMP
            tail += bytes(time_stamp)
        if pulse_rate is not None:
            flags |= BloodPressureFlags.PULSE_RATE
            tail += sfloat(pulse_rate)
        if user_id is not None:
            flags |= BloodPressureFlags.USER_ID
            tail += u8(user_id)
        if status is not None:
            flags |= BloodPressureFlags.MEASUREMENT_STATUS
            tail += u16(status)
        return u8(flags) + b"".join(sfloat(p) for p in pressures) + tail

    @staticmethod
    def check(pulse_rate: Decimal | None, user_id: int | None, status: int | None) -> None:
        check_sfloat("pulse rate", pulse_rate)
        check_range("user id", user_id, 0, 0xFF)
        check_range("measurement status", status, 0, 0xFFFF)


@dataclass(frozen=True, slots=True)
class BloodPressureMeasurement:
    """Blood Pressure Measurement (0x2A35): one finished measurement, indicated.

    Attributes:
        systolic: systolic pressure in ``unit``; None when the cuff gave no value.
        diastolic: diastolic pressure in ``unit``; None when no value.
        mean_arterial_pressure: mean arterial pressure in ``unit``; None when no value.
        unit: ``mm[Hg]`` or ``kPa``.
        time_stamp: the device's wall-clock time of the measurement.
        pulse_rate: pulse rate in beats per minute (``/min``).
        user_id: the device's user index, 0..254, or 255 (:data:`UNKNOWN_USER`).
        status: conditions during the measurement.
    """

    UUID: ClassVar[int] = CharacteristicUuid.BLOOD_PRESSURE_MEASUREMENT
    NAME: ClassVar[str] = "Blood Pressure Measurement"
    PULSE_RATE_UNIT: ClassVar[str] = PULSE_RATE_UNIT

    systolic: Decimal | None
    diastolic: Decimal | None
    mean_arterial_pressure: Decimal | None
    unit: PressureUnit = PressureUnit.MMHG
    time_stamp: DateTime | None = None
    pulse_rate: Decimal | None = None
    user_id: int | None = None
    status: BloodPressureStatus | None = None

    def __post_init__(self) -> None:
        check_sfloat("systolic", self.systolic)
        check_sfloat("diastolic", self.diastolic)
        check_sfloat("mean arterial pressure", self.mean_arterial_pressure)
        _Cuff.check(self.pulse_rate, self.user_id, self.status)

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        r = Reader(data, label(cls.NAME, cls.UUID))
        f = _Cuff.read(r)
        systolic, diastolic, mean = f.pressures
        return r.build(
            cls, systolic, diastolic, mean, f.unit, f.time_stamp, f.pulse_rate, f.user_id, f.status
        )

    def __bytes__(self) -> bytes:
        pressures = (self.systolic, self.diastolic, self.mean_arterial_pressure)
        return _Cuff.write(
            self.unit, pressures, self.time_stamp, self.pulse_rate, self.user_id, self.status
        )


@dataclass(frozen=True, slots=True)
class IntermediateCuffPressure:
    """Intermediate Cuff Pressure (0x2A36): the cuff pressure during a measurement, notified.

    The diastolic and mean arterial pressure fields are unused (NaN by the
    specification); they are ignored when read and written as NaN.

    Attributes:
        cuff_pressure: current cuff pressure in ``unit``; None when no value.
        unit: ``mm[Hg]`` or ``kPa``.
        time_stamp: the device's wall-clock time.
        pulse_rate: pulse rate in beats per minute (``/min``).
        user_id: the device's user index, 0..254, or 255 (:data:`UNKNOWN_USER`).
        status: conditions so far.
    """

    UUID: ClassVar[int] = CharacteristicUuid.INTERMEDIATE_CUFF_PRESSURE
    NAME: ClassVar[str] = "Intermediate Cuff Pressure"
    PULSE_RATE_UNIT: ClassVar[str] = PULSE_RATE_UNIT

    cuff_pressure: Decimal | None
    unit: PressureUnit = PressureUnit.MMHG
    time_stamp: DateTime | None = None
    pulse_rate: Decimal | None = None
    user_id: int | None = None
    status: BloodPressureStatus | None = None

    def __post_init__(self) -> None:
        check_sfloat("cuff pressure", self.cuff_pressure)
        _Cuff.check(self.pulse_rate, self.user_id, self.status)

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        r = Reader(data, label(cls.NAME, cls.UUID))
        f = _Cuff.read(r)
        return r.build(cls, f.pressures[0], f.unit, f.time_stamp, f.pulse_rate, f.user_id, f.status)

    def __bytes__(self) -> bytes:
        pressures = (self.cuff_pressure, None, None)
        return _Cuff.write(
            self.unit, pressures, self.time_stamp, self.pulse_rate, self.user_id, self.status
        )


class BloodPressureSupport(enum.IntFlag):
    """Blood Pressure Feature bits: what the cuff can detect. Bits 6..15 are kept as sent."""

    NONE = 0
    BODY_MOVEMENT_DETECTION = 0x0001
    CUFF_FIT_DETECTION = 0x0002
    IRREGULAR_PULSE_DETECTION = 0x0004
    PULSE_RATE_RANGE_DETECTION = 0x0008
    MEASUREMENT_POSITION_DETECTION = 0x0010
    MULTIPLE_BONDS = 0x0020


@dataclass(frozen=True, slots=True)
class BloodPressureFeature:
    """Blood Pressure Feature (0x2A49): uint16 of :class:`BloodPressureSupport`."""

    UUID: ClassVar[int] = CharacteristicUuid.BLOOD_PRESSURE_FEATURE
    NAME: ClassVar[str] = "Blood Pressure Feature"

    supported: BloodPressureSupport

    def __post_init__(self) -> None:
        check_range("features", self.supported, 0, 0xFFFF)

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        r = Reader(data, label(cls.NAME, cls.UUID))
        return cls(BloodPressureSupport(r.u16("features")))

    def __bytes__(self) -> bytes:
        return u16(self.supported)
