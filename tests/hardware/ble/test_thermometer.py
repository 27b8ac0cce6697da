"""Health Thermometer Service: temperature measurements and the temperature type."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from cabin.errors import FrameError
from hardware.ble.clock import DateTime
from hardware.ble.thermometer import (
    IntermediateTemperature,
    TemperatureFlags,
    TemperatureMeasurement,
    TemperatureSite,
    TemperatureType,
    TemperatureUnit,
)

# From Nordic Semiconductor's Android-BLE-Library, TemperatureMeasurementDataCallbackTest
# (the Health Thermometer Service specification has no byte example): flags 0x06 (time
# stamp, type); FLOAT 0xFE000EB0 = 3760e-2 = 37.60 Cel; 2012-12-05 11:50:27; finger.
HTM_PUBLISHED = bytes.fromhex("06 b00e00fe dc07 0c 05 0b 32 1b 04")


def test_published_vector():
    m = TemperatureMeasurement.from_bytes(HTM_PUBLISHED)
    assert m.temperature == Decimal("37.60")
    assert str(m.temperature) == "37.60"  # the device's two decimals are kept
    assert m.unit is TemperatureUnit.CELSIUS
    assert m.unit == "Cel"
    assert m.time_stamp == DateTime(2012, 12, 5, 11, 50, 27)
    assert m.site is TemperatureSite.FINGER
    assert bytes(m) == HTM_PUBLISHED


TEMPERATURE = bytes.fromhex("6e0100ff")  # 366e-1 = 36.6
FIELDS = {
    TemperatureFlags.TIME_STAMP: bytes.fromhex("e807 03 0f 08 1e 05"),  # 2024-03-15 08:30:05
    TemperatureFlags.TEMPERATURE_TYPE: bytes.fromhex("09"),  # tympanum
}


@pytest.mark.parametrize("cls", [TemperatureMeasurement, IntermediateTemperature])
@pytest.mark.parametrize("present", list(itertools.product([False, True], repeat=3)))
def test_every_flag_combination_round_trips(cls, present):
    fahrenheit, stamped, typed = present
    flags = TemperatureFlags.FAHRENHEIT if fahrenheit else TemperatureFlags(0)
    tail = b""
    for flag, on in zip(FIELDS, (stamped, typed), strict=True):
        if on:
            flags |= flag
            tail += FIELDS[flag]
    raw = bytes((flags,)) + TEMPERATURE + tail
    m = cls.from_bytes(raw)
    assert type(m) is cls
    assert bytes(m) == raw
    assert m.temperature == Decimal("36.6")
    assert m.unit == ("[degF]" if fahrenheit else "Cel")
    assert m.time_stamp == (DateTime(2024, 3, 15, 8, 30, 5) if stamped else None)
    assert m.site == (TemperatureSite.TYMPANUM if typed else None)


def test_intermediate_and_final_temperatures_are_different_types():
    final = TemperatureMeasurement.from_bytes(HTM_PUBLISHED)
    running = IntermediateTemperature.from_bytes(HTM_PUBLISHED)
    assert not isinstance(running, TemperatureMeasurement)
    assert final != running


@pytest.mark.parametrize("raw", ["ffff7f00", "00008000", "feff7f00", "02008000", "01008000"])
def test_special_float_values_are_no_value(raw):
    m = TemperatureMeasurement.from_bytes(bytes.fromhex("00" + raw))
    assert m.temperature is None
    assert bytes(m) == bytes.fromhex("00 ffff7f00")  # written back as NaN


def test_reserved_flag_bits_and_trailing_bytes_are_ignored():
    m = TemperatureMeasurement.from_bytes(bytes([0xF8]) + TEMPERATURE + b"\x00\x01")
    assert m == TemperatureMeasurement(Decimal("36.6"))


def test_every_truncated_prefix_raises_frame_error():
    for n in range(len(HTM_PUBLISHED)):
        with pytest.raises(FrameError, match=r"Temperature Measurement \(0x2A1C\): truncated"):
            TemperatureMeasurement.from_bytes(HTM_PUBLISHED[:n])
        with pytest.raises(FrameError, match=r"Intermediate Temperature \(0x2A1E\): truncated"):
            IntermediateTemperature.from_bytes(HTM_PUBLISHED[:n])


def test_range_checks_on_construction():
    with pytest.raises(ValueError, match="FLOAT"):
        TemperatureMeasurement(Decimal("36.1234567"))
    TemperatureMeasurement(Decimal("36.12345"))  # six digits fit


def test_temperature_type_and_unknown_sites():
    assert TemperatureType.from_bytes(b"\x01").site is TemperatureSite.ARMPIT
    unknown = TemperatureType.from_bytes(b"\x00")  # 0 is reserved: kept, not refused
    assert unknown.site == 0
    assert bytes(unknown) == b"\x00"
    assert bytes(TemperatureType(TemperatureSite.MOUTH)) == b"\x06"
    with pytest.raises(FrameError, match=r"Temperature Type \(0x2A1D\)"):
        TemperatureType.from_bytes(b"")
