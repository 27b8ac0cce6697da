"""Pulse Oximeter Service (0x1822): spot-check and continuous measurements, features.

Layouts, little-endian (GATT Specification Supplement; Pulse Oximeter
Service 1.0)::

    PLX Spot-Check Measurement (0x2A5E)
        flags                     uint8     PlxSpotCheckFlags
        SpO2, pulse rate          SFLOAT x2 %, beats per minute
        time stamp                7 bytes   Date Time, if TIME_STAMP
        measurement status        uint16    PlxMeasurementStatus, if MEASUREMENT_STATUS
        device and sensor status  uint24    PlxDeviceStatus, if DEVICE_AND_SENSOR_STATUS
        pulse amplitude index     SFLOAT    %, if PULSE_AMPLITUDE_INDEX

    PLX Continuous Measurement (0x2A5F)
        flags                     uint8     PlxContinuousFlags
        SpO2PR-Normal             SFLOAT x2
        SpO2PR-Fast               SFLOAT x2, if FAST
        SpO2PR-Slow               SFLOAT x2, if SLOW
        measurement status, device and sensor status, pulse amplitude index, as above

    PLX Features (0x2A60)
        supported features        uint16    PlxSupport
        measurement status support   uint16, if MEASUREMENT_STATUS
        device and sensor status support  uint24, if DEVICE_AND_SENSOR_STATUS

Reserved flag bits are ignored; reserved status bits are kept. Bytes after
the announced fields are ignored. The stored spot-check records are fetched
through the Record Access Control Point (:mod:`hardware.ble.racp`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Self, TypeVar

from hardware.ble._codec import (
    Reader,
    check_range,
    check_sfloat,
    label,
    sfloat,
    u8,
    u16,
    u24,
)
from hardware.ble.clock import DateTime
from hardware.ble.uuids import CharacteristicUuid

__all__ = [
    "PlxContinuousFlags",
    "PlxContinuousMeasurement",
    "PlxDeviceStatus",
    "PlxFeatures",
    "PlxMeasurementStatus",
    "PlxSpotCheckFlags",
    "PlxSpotCheckMeasurement",
    "PlxSupport",
    "SpO2PR",
]


class PlxSpotCheckFlags(enum.IntFlag):
    """The flags byte of 0x2A5E."""

    TIME_STAMP = 0x01
    MEASUREMENT_STATUS = 0x02
    DEVICE_AND_SENSOR_STATUS = 0x04
    PULSE_AMPLITUDE_INDEX = 0x08
    DEVICE_CLOCK_NOT_SET = 0x10


class PlxContinuousFlags(enum.IntFlag):
    """The flags byte of 0x2A5F."""

    FAST = 0x01
    SLOW = 0x02
    MEASUREMENT_STATUS = 0x04
    DEVICE_AND_SENSOR_STATUS = 0x08
    PULSE_AMPLITUDE_INDEX = 0x10


class PlxMeasurementStatus(enum.IntFlag):
    """Measurement Status (uint16); bits 0..4 are reserved."""

    NONE = 0
    MEASUREMENT_ONGOING = 1 << 5
    EARLY_ESTIMATED_DATA = 1 << 6
    VALIDATED_DATA = 1 << 7
    FULLY_QUALIFIED_DATA = 1 << 8
    DATA_FROM_MEASUREMENT_STORAGE = 1 << 9
    DATA_FOR_DEMONSTRATION = 1 << 10
    DATA_FOR_TESTING = 1 << 11
    CALIBRATION_ONGOING = 1 << 12
    MEASUREMENT_UNAVAILABLE = 1 << 13
    QUESTIONABLE_MEASUREMENT = 1 << 14
    INVALID_MEASUREMENT = 1 << 15


class PlxDeviceStatus(enum.IntFlag):
    """Device and Sensor Status (uint24); bits 16..23 are reserved."""

    NONE = 0
    EXTENDED_DISPLAY_UPDATE_ONGOING = 1 << 0
    EQUIPMENT_MALFUNCTION = 1 << 1
    SIGNAL_PROCESSING_IRREGULARITY = 1 << 2
    INADEQUATE_SIGNAL = 1 << 3
    POOR_SIGNAL = 1 << 4
    LOW_PERFUSION = 1 << 5
    ERRATIC_SIGNAL = 1 << 6
    NONPULSATILE_SIGNAL = 1 << 7
    QUESTIONABLE_PULSE = 1 << 8
    SIGNAL_ANALYSIS_ONGOING = 1 << 9
    SENSOR_INTERFERENCE = 1 << 10
    SENSOR_UNCONNECTED_TO_USER = 1 << 11
    UNKNOWN_SENSOR_CONNECTED = 1 << 12
    SENSOR_DISPLACED = 1 << 13
    SENSOR_MALFUNCTIONING = 1 << 14
    SENSOR_DISCONNECTED = 1 << 15


@dataclass(frozen=True, slots=True)
class SpO2PR:
    """A pair of SpO2 (``%``) and pulse rate (``/min``); None where the device gave no value."""

    spo2: Decimal | None
    pulse_rate: Decimal | None

    def __post_init__(self) -> None:
        check_sfloat("SpO2", self.spo2)
        check_sfloat("pulse rate", self.pulse_rate)

    def __bytes__(self) -> bytes:
        return sfloat(self.spo2) + sfloat(self.pulse_rate)


def _read_pair(r: Reader, what: str) -> SpO2PR:
    return SpO2PR(r.sfloat(f"{what} SpO2"), r.sfloat(f"{what} pulse rate"))


# The fields both measurements end with, announced by flags of the same names:
# measurement status, device and sensor status, pulse amplitude index.
_Status = tuple[PlxMeasurementStatus | None, PlxDeviceStatus | None, Decimal | None]
_Flags = TypeVar("_Flags", PlxSpotCheckFlags, PlxContinuousFlags)


def _check(m: PlxSpotCheckMeasurement | PlxContinuousMeasurement) -> None:
    check_sfloat("SpO2", m.spo2)
    check_sfloat("pulse rate", m.pulse_rate)
    check_range("measurement status", m.measurement_status, 0, 0xFFFF)
    check_range("device and sensor status", m.device_status, 0, 0xFFFFFF)
    check_sfloat("pulse amplitude index", m.pulse_amplitude_index)


def _read_status(r: Reader, flags: _Flags) -> _Status:
    """Measurement status, device and sensor status, pulse amplitude index, as ``flags`` say."""
    kind = type(flags)
    status = device = pai = None
    if flags & kind.MEASUREMENT_STATUS:
        status = PlxMeasurementStatus(r.u16("measurement status"))
    if flags & kind.DEVICE_AND_SENSOR_STATUS:
        device = PlxDeviceStatus(r.u24("device and sensor status"))
    if flags & kind.PULSE_AMPLITUDE_INDEX:
        pai = r.sfloat("pulse amplitude index")
    return status, device, pai


def _write_status(
    flags: _Flags, body: bytes, m: PlxSpotCheckMeasurement | PlxContinuousMeasurement
) -> bytes:
    """The whole value: the flags byte (with the bits of the fields sent), ``body``, the fields."""
    kind = type(flags)
    if m.measurement_status is not None:
        flags |= kind.MEASUREMENT_STATUS
        body += u16(m.measurement_status)
    if m.device_status is not None:
        flags |= kind.DEVICE_AND_SENSOR_STATUS
        body += u24(m.device_status)
    if m.pulse_amplitude_index is not None:
        flags |= kind.PULSE_AMPLITUDE_INDEX
        body += sfloat(m.pulse_amplitude_index)
    return u8(flags) + body


@dataclass(frozen=True, slots=True)
class PlxSpotCheckMeasurement:
    """PLX Spot-Check Measurement (0x2A5E): one settled reading, indicated (also stored ones).

    Attributes:
        spo2: oxygen saturation in ``%``; None when no value.
        pulse_rate: beats per minute (``/min``); None when no value.
        time_stamp: the device's wall-clock time of the reading.
        measurement_status: the reading's quality and origin.
        device_status: device and sensor status (24 bits).
        pulse_amplitude_index: in ``%``.
        device_clock_not_set: the device's clock was never set, so the time
            stamp is not to be trusted.
    """

    UUID: ClassVar[int] = CharacteristicUuid.PLX_SPOT_CHECK_MEASUREMENT
    NAME: ClassVar[str] = "PLX Spot-Check Measurement"
    SPO2_UNIT: ClassVar[str] = "%"
    PULSE_RATE_UNIT: ClassVar[str] = "/min"
    PULSE_AMPLITUDE_INDEX_UNIT: ClassVar[str] = "%"

    spo2: Decimal | None
    pulse_rate: Decimal | None
    time_stamp: DateTime | None = None
    measurement_status: PlxMeasurementStatus | None = None
    device_status: PlxDeviceStatus | None = None
    pulse_amplitude_index: Decimal | None = None
    device_clock_not_set: bool = False

    def __post_init__(self) -> None:
        _check(self)

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        r = Reader(data, label(cls.NAME, cls.UUID))
        flags = PlxSpotCheckFlags(r.u8("flags") & 0x1F)
        spo2, pulse_rate = r.sfloat("SpO2"), r.sfloat("pulse rate")
        time_stamp = None
        if flags & PlxSpotCheckFlags.TIME_STAMP:
            time_stamp = r.field("time stamp", DateTime.SIZE, DateTime.unpack)
        status, device, pai = _read_status(r, flags)
        clock_not_set = bool(flags & PlxSpotCheckFlags.DEVICE_CLOCK_NOT_SET)
        return r.build(cls, spo2, pulse_rate, time_stamp, status, device, pai, clock_not_set)

    def __bytes__(self) -> bytes:
        flags = PlxSpotCheckFlags(0)
        body = sfloat(self.spo2) + sfloat(self.pulse_rate)
        if self.time_stamp is not None:
            flags |= PlxSpotCheckFlags.TIME_STAMP
            body += bytes(self.time_stamp)
        if self.device_clock_not_set:
            flags |= PlxSpotCheckFlags.DEVICE_CLOCK_NOT_SET
        return _write_status(flags, body, self)


@dataclass(frozen=True, slots=True)
class PlxContinuousMeasurement:
    """PLX Continuous Measurement (0x2A5F): the running reading, notified.

    Attributes:
        spo2: oxygen saturation in ``%`` (SpO2PR-Normal); None when no value.
        pulse_rate: beats per minute (``/min``); None when no value.
        fast: SpO2PR-Fast, the fast-responding average, when sent.
        slow: SpO2PR-Slow, the slow-responding average, when sent.
        measurement_status: the reading's quality and origin.
        device_status: device and sensor status (24 bits).
        pulse_amplitude_index: in ``%``.
    """

    UUID: ClassVar[int] = CharacteristicUuid.PLX_CONTINUOUS_MEASUREMENT
    NAME: ClassVar[str] = "PLX Continuous Measurement"
    SPO2_UNIT: ClassVar[str] = "%"
    PULSE_RATE_UNIT: ClassVar[str] = "/min"
    PULSE_AMPLITUDE_INDEX_UNIT: ClassVar[str] = "%"

    spo2: Decimal | None
    pulse_rate: Decimal | None
    fast: SpO2PR | None = None
    slow: SpO2PR | None = None
    measurement_status: PlxMeasurementStatus | None = None
    device_status: PlxDeviceStatus | None = None
    pulse_amplitude_index: Decimal | None = None

    def __post_init__(self) -> None:
        _check(self)

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        r = Reader(data, label(cls.NAME, cls.UUID))
        flags = PlxContinuousFlags(r.u8("flags") & 0x1F)
        spo2, pulse_rate = r.sfloat("SpO2"), r.sfloat("pulse rate")
        fast = slow = None
        if flags & PlxContinuousFlags.FAST:
            fast = _read_pair(r, "fast")
        if flags & PlxContinuousFlags.SLOW:
            slow = _read_pair(r, "slow")
        status, device, pai = _read_status(r, flags)
        return r.build(cls, spo2, pulse_rate, fast, slow, status, device, pai)

    def __bytes__(self) -> bytes:
        flags = PlxContinuousFlags(0)
        body = sfloat(self.spo2) + sfloat(self.pulse_rate)
        if self.fast is not None:
            flags |= PlxContinuousFlags.FAST
            body += bytes(self.fast)
        if self.slow is not None:
            flags |= PlxContinuousFlags.SLOW
            body += bytes(self.slow)
        return _write_status(flags, body, self)


class PlxSupport(enum.IntFlag):
    """PLX Features, supported features (uint16); bits 8..15 are kept as sent."""

    NONE = 0
    MEASUREMENT_STATUS = 1 << 0
    DEVICE_AND_SENSOR_STATUS = 1 << 1
    MEASUREMENT_STORAGE = 1 << 2  # stored spot-check records, fetched through the RACP
    SPOT_CHECK_TIME_STAMP = 1 << 3
    SPO2PR_FAST = 1 << 4
    SPO2PR_SLOW = 1 << 5
    PULSE_AMPLITUDE_INDEX = 1 << 6
    MULTIPLE_BONDS = 1 << 7


@dataclass(frozen=True, slots=True)
class PlxFeatures:
    """PLX Features (0x2A60): what the oximeter supports.

    Attributes:
        supported: the supported features.
        measurement_status_support: which measurement status bits the device
            may set; present exactly when ``supported`` has MEASUREMENT_STATUS.
        device_status_support: which device and sensor status bits it may set;
            present exactly when ``supported`` has DEVICE_AND_SENSOR_STATUS.
    """

    UUID: ClassVar[int] = CharacteristicUuid.PLX_FEATURES
    NAME: ClassVar[str] = "PLX Features"

    supported: PlxSupport
    measurement_status_support: PlxMeasurementStatus | None = None
    device_status_support: PlxDeviceStatus | None = None

    def __post_init__(self) -> None:
        check_range("supported features", self.supported, 0, 0xFFFF)
        check_range("measurement status support", self.measurement_status_support, 0, 0xFFFF)
        check_range("device and sensor status support", self.device_status_support, 0, 0xFFFFFF)
        if bool(self.supported & PlxSupport.MEASUREMENT_STATUS) != (
            self.measurement_status_support is not None
        ):
            raise ValueError("measurement status support goes with the MEASUREMENT_STATUS bit")
        if bool(self.supported & PlxSupport.DEVICE_AND_SENSOR_STATUS) != (
            self.device_status_support is not None
        ):
            raise ValueError(
                "device and sensor status support goes with the DEVICE_AND_SENSOR_STATUS bit"
            )

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        r = Reader(data, label(cls.NAME, cls.UUID))
        supported = PlxSupport(r.u16("supported features"))
        status = device = None
        if supported & PlxSupport.MEASUREMENT_STATUS:
            status = PlxMeasurementStatus(r.u16("measurement status support"))
        if supported & PlxSupport.DEVICE_AND_SENSOR_STATUS:
            device = PlxDeviceStatus(r.u24("device and sensor status support"))
        return r.build(cls, supported, status, device)

    def __bytes__(self) -> bytes:
        out = u16(self.supported)
        if self.measurement_status_support is not None:
            out += u16(self.measurement_status_support)
        if self.device_status_support is not None:
            out += u24(self.device_status_support)
        return out
