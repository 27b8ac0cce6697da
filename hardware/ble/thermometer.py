"""Health Thermometer Service (0x1809): temperature measurements and the temperature type.

Layout of Temperature Measurement (0x2A1C) and Intermediate Temperature
(0x2A1E), little-endian (GATT Specification Supplement; Health Thermometer
Service 1.0)::

    flags             uint8     TemperatureFlags
    temperature       FLOAT     degrees Celsius, or Fahrenheit with FAHRENHEIT
    time stamp        7 bytes   Date Time, if TIME_STAMP
    temperature type  uint8     TemperatureSite, if TEMPERATURE_TYPE

Reserved flag bits are ignored, and bytes after the announced fields too.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Self

from hardware.ble._codec import OpenIntEnum, Reader, check_float, check_range, float32, label, u8
from hardware.ble.clock import DateTime
from hardware.ble.uuids import CharacteristicUuid

__all__ = [
    "IntermediateTemperature",
    "TemperatureFlags",
    "TemperatureMeasurement",
    "TemperatureSite",
    "TemperatureType",
    "TemperatureUnit",
]


class TemperatureUnit(enum.StrEnum):
    """Unit of a temperature; the value is the UCUM code."""

    CELSIUS = "Cel"
    FAHRENHEIT = "[degF]"


class TemperatureFlags(enum.IntFlag):
    """The flags byte of 0x2A1C and 0x2A1E."""

    FAHRENHEIT = 0x01
    TIME_STAMP = 0x02
    TEMPERATURE_TYPE = 0x04


class TemperatureSite(OpenIntEnum):
    """Temperature Type codes: where on the body it was taken (0 and 10..255 reserved)."""

    ARMPIT = 1
    BODY = 2  # general
    EAR = 3  # usually the ear lobe
    FINGER = 4
    GASTROINTESTINAL_TRACT = 5
    MOUTH = 6
    RECTUM = 7
    TOE = 8
    TYMPANUM = 9  # ear drum


@dataclass(frozen=True, slots=True)
class _Temperature:
    """Fields and codec of the two temperature characteristics."""

    UUID: ClassVar[int]
    NAME: ClassVar[str]

    temperature: Decimal | None
    unit: TemperatureUnit = TemperatureUnit.CELSIUS
    time_stamp: DateTime | None = None
    site: TemperatureSite | None = None

    def __post_init__(self) -> None:
        check_float("temperature", self.temperature)
        check_range("temperature type", self.site, 0, 0xFF)

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        r = Reader(data, label(cls.NAME, cls.UUID))
        flags = TemperatureFlags(r.u8("flags") & 0x07)
        temperature = r.float32("temperature")
        time_stamp = site = None
        if flags & TemperatureFlags.TIME_STAMP:
            time_stamp = r.field("time stamp", DateTime.SIZE, DateTime.unpack)
        if flags & TemperatureFlags.TEMPERATURE_TYPE:
            site = TemperatureSite(r.u8("temperature type"))
        unit = (
            TemperatureUnit.FAHRENHEIT
            if flags & TemperatureFlags.FAHRENHEIT
            else TemperatureUnit.CELSIUS
        )
        return r.build(cls, temperature, unit, time_stamp, site)

    def __bytes__(self) -> bytes:
        flags = TemperatureFlags(0)
        tail = b""
        if self.unit is TemperatureUnit.FAHRENHEIT:
            flags |= TemperatureFlags.FAHRENHEIT
        if self.time_stamp is not None:
            flags |= TemperatureFlags.TIME_STAMP
            tail += bytes(self.time_stamp)
        if self.site is not None:
            flags |= TemperatureFlags.TEMPERATURE_TYPE
            tail += u8(self.site)
        return u8(flags) + float32(self.temperature) + tail


@dataclass(frozen=True, slots=True)
class TemperatureMeasurement(_Temperature):
    """Temperature Measurement (0x2A1C): a finished measurement, indicated.

    Attributes:
        temperature: in ``unit``; None when the thermometer gave no value.
        unit: ``Cel`` or ``[degF]``.
        time_stamp: the device's wall-clock time of the measurement.
        site: where it was taken, when the device says so in the measurement
            (otherwise see the Temperature Type characteristic).
    """

    UUID: ClassVar[int] = CharacteristicUuid.TEMPERATURE_MEASUREMENT
    NAME: ClassVar[str] = "Temperature Measurement"


@dataclass(frozen=True, slots=True)
class IntermediateTemperature(_Temperature):
    """Intermediate Temperature (0x2A1E): a reading while measuring, notified; not final.

    Attributes as :class:`TemperatureMeasurement`.
    """

    UUID: ClassVar[int] = CharacteristicUuid.INTERMEDIATE_TEMPERATURE
    NAME: ClassVar[str] = "Intermediate Temperature"


@dataclass(frozen=True, slots=True)
class TemperatureType:
    """Temperature Type (0x2A1D): where the thermometer measures, when it is fixed."""

    UUID: ClassVar[int] = CharacteristicUuid.TEMPERATURE_TYPE
    NAME: ClassVar[str] = "Temperature Type"

    site: TemperatureSite

    def __post_init__(self) -> None:
        check_range("temperature type", self.site, 0, 0xFF)

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        r = Reader(data, label(cls.NAME, cls.UUID))
        return cls(TemperatureSite(r.u8("temperature type")))

    def __bytes__(self) -> bytes:
        return u8(self.site)
