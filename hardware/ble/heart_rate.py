"""Heart Rate Service (0x180D): Heart Rate Measurement and Body Sensor Location.

Layout of Heart Rate Measurement (0x2A37), little-endian (GATT Specification
Supplement; Heart Rate Service 1.0)::

    flags             uint8     HeartRateFlags
    heart rate        uint8, or uint16 with UINT16_FORMAT; beats per minute
    energy expended   uint16    kJ since the last reset, if ENERGY_EXPENDED
    RR intervals      uint16 each, 1/1024 s, up to the end, if RR_INTERVALS

Sensor contact is two bits: SENSOR_CONTACT_SUPPORTED, and
SENSOR_CONTACT_DETECTED meaningful only with it. Reserved flag bits are
ignored. RR intervals run to the end of the value: the flag with no
interval, or an odd byte left over, is a :class:`~cabin.errors.FrameError`;
without the RR flag, bytes after the announced fields are ignored.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar, Self

from hardware.ble._codec import OpenIntEnum, Reader, check_range, label, u8, u16
from hardware.ble.uuids import CharacteristicUuid

__all__ = ["BodySensorLocation", "HeartRateFlags", "HeartRateMeasurement", "SensorLocation"]


class HeartRateFlags(enum.IntFlag):
    """The flags byte of 0x2A37."""

    UINT16_FORMAT = 0x01
    SENSOR_CONTACT_DETECTED = 0x02
    SENSOR_CONTACT_SUPPORTED = 0x04
    ENERGY_EXPENDED = 0x08
    RR_INTERVALS = 0x10


@dataclass(frozen=True, slots=True)
class HeartRateMeasurement:
    """Heart Rate Measurement (0x2A37), notified about once a second.

    Attributes:
        heart_rate: beats per minute (``/min``), 0..65535.
        sensor_contact_supported: the sensor reports skin contact.
        sensor_contact_detected: the sensor is on the skin (meaningful only
            when ``sensor_contact_supported``).
        energy_expended: kJ since the last reset, 0..65535 (65535: at least that).
        rr_intervals: beat-to-beat intervals in 1/1024 s, oldest first; see
            :attr:`rr_intervals_s` for seconds.
        uint16_format: the rate travels as uint16; set automatically above 255.
    """

    UUID: ClassVar[int] = CharacteristicUuid.HEART_RATE_MEASUREMENT
    NAME: ClassVar[str] = "Heart Rate Measurement"
    UNIT: ClassVar[str] = "/min"
    ENERGY_UNIT: ClassVar[str] = "kJ"
    RR_INTERVAL_UNIT: ClassVar[str] = "s"

    heart_rate: int
    sensor_contact_supported: bool = False
    sensor_contact_detected: bool = False
    energy_expended: int | None = None
    rr_intervals: tuple[int, ...] = ()
    uint16_format: bool = False

    def __post_init__(self) -> None:
        check_range("heart rate", self.heart_rate, 0, 0xFFFF)
        check_range("energy expended", self.energy_expended, 0, 0xFFFF)
        for rr in self.rr_intervals:
            check_range("RR interval", rr, 0, 0xFFFF)
        object.__setattr__(self, "rr_intervals", tuple(self.rr_intervals))
        if self.heart_rate > 0xFF:
            object.__setattr__(self, "uint16_format", True)

    @property
    def rr_intervals_s(self) -> tuple[float, ...]:
        """The RR intervals in seconds."""
        return tuple(rr / 1024 for rr in self.rr_intervals)

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        r = Reader(data, label(cls.NAME, cls.UUID))
        flags = HeartRateFlags(r.u8("flags") & 0x1F)
        wide = bool(flags & HeartRateFlags.UINT16_FORMAT)
        rate = r.u16("heart rate") if wide else r.u8("heart rate")
        energy = r.u16("energy expended") if flags & HeartRateFlags.ENERGY_EXPENDED else None
        rr: list[int] = []
        if flags & HeartRateFlags.RR_INTERVALS:
            if r.remaining % 2:
                r.fail("RR intervals are 2 bytes each", r.offset + r.remaining - 1)
            rr.append(r.u16("RR interval"))  # the flag announces at least one
            while r.remaining:
                rr.append(r.u16("RR interval"))
        return r.build(
            cls,
            rate,
            bool(flags & HeartRateFlags.SENSOR_CONTACT_SUPPORTED),
            bool(flags & HeartRateFlags.SENSOR_CONTACT_DETECTED),
            energy,
            tuple(rr),
            wide,
        )

    def __bytes__(self) -> bytes:
        flags = HeartRateFlags(0)
        if self.uint16_format:
            flags |= HeartRateFlags.UINT16_FORMAT
            body = u16(self.heart_rate)
        else:
            body = u8(self.heart_rate)
        if self.sensor_contact_supported:
            flags |= HeartRateFlags.SENSOR_CONTACT_SUPPORTED
        if self.sensor_contact_detected:
            flags |= HeartRateFlags.SENSOR_CONTACT_DETECTED
        if self.energy_expended is not None:
            flags |= HeartRateFlags.ENERGY_EXPENDED
            body += u16(self.energy_expended)
        if self.rr_intervals:
            flags |= HeartRateFlags.RR_INTERVALS
            body += b"".join(u16(rr) for rr in self.rr_intervals)
        return u8(flags) + body


class SensorLocation(OpenIntEnum):
    """Body Sensor Location codes (1 byte; 7..255 reserved, kept as UNKNOWN_<n>)."""

    OTHER = 0
    CHEST = 1
    WRIST = 2
    FINGER = 3
    HAND = 4
    EAR_LOBE = 5
    FOOT = 6


@dataclass(frozen=True, slots=True)
class BodySensorLocation:
    """Body Sensor Location (0x2A38): where the heart rate sensor sits."""

    UUID: ClassVar[int] = CharacteristicUuid.BODY_SENSOR_LOCATION
    NAME: ClassVar[str] = "Body Sensor Location"

    location: SensorLocation

    def __post_init__(self) -> None:
        check_range("location", self.location, 0, 0xFF)

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        r = Reader(data, label(cls.NAME, cls.UUID))
        return cls(SensorLocation(r.u8("location")))

    def __bytes__(self) -> bytes:
        return u8(self.location)
