"""Heart Rate Service: Heart Rate Measurement and Body Sensor Location."""

from __future__ import annotations

import itertools

import pytest

from cabin.errors import FrameError
from hardware.ble.heart_rate import (
    BodySensorLocation,
    HeartRateFlags,
    HeartRateMeasurement,
    SensorLocation,
)

# The Heart Rate Service specification gives field tables, not byte examples. These
# come from Nordic Semiconductor's Android-BLE-Library,
# HeartRateMeasurementDataCallbackTest, checked against the GATT Specification
# Supplement layout.
HRM_SIMPLE = bytes([0, 85])  # 85 /min, nothing else
HRM_NO_CONTACT = bytes([0x04, 0xFF])  # contact supported, not detected; 255 /min
HRM_UINT8 = bytes([0b11110, 85, 50, 0, 33, 0])  # contact; 50 kJ; one RR of 33/1024 s
# uint16 rate 257; contact; 306 kJ; RR 1, 258, 65535 (1/1024 s)
HRM_UINT16 = bytes([0b11111, 1, 1, 50, 1, 1, 0, 2, 1, 0xFF, 0xFF])
HRM_INVALID = bytes([0b10111, 1, 1])  # the RR flag with no interval


def test_published_vectors():
    assert HeartRateMeasurement.from_bytes(HRM_SIMPLE) == HeartRateMeasurement(85)
    no_contact = HeartRateMeasurement.from_bytes(HRM_NO_CONTACT)
    assert no_contact.heart_rate == 255
    assert no_contact.sensor_contact_supported
    assert not no_contact.sensor_contact_detected
    small = HeartRateMeasurement.from_bytes(HRM_UINT8)
    assert small == HeartRateMeasurement(85, True, True, 50, (33,))
    assert small.rr_intervals_s == (33 / 1024,)
    wide = HeartRateMeasurement.from_bytes(HRM_UINT16)
    assert wide.heart_rate == 257
    assert wide.energy_expended == 306
    assert wide.rr_intervals == (1, 258, 65535)
    assert wide.rr_intervals_s == (1 / 1024, 258 / 1024, 65535 / 1024)
    assert wide.uint16_format
    for raw in (HRM_SIMPLE, HRM_NO_CONTACT, HRM_UINT8, HRM_UINT16):
        assert bytes(HeartRateMeasurement.from_bytes(raw)) == raw
    with pytest.raises(FrameError, match=r"Heart Rate Measurement \(0x2A37\): truncated RR"):
        HeartRateMeasurement.from_bytes(HRM_INVALID)


def test_units():
    assert HeartRateMeasurement.UNIT == "/min"
    assert HeartRateMeasurement.ENERGY_UNIT == "kJ"
    assert HeartRateMeasurement.RR_INTERVAL_UNIT == "s"


@pytest.mark.parametrize("present", list(itertools.product([False, True], repeat=5)))
def test_every_flag_combination_round_trips(present):
    wide, detected, supported, energy, rr = present
    flags = HeartRateFlags(0)
    raw_fields = b""
    if wide:
        flags |= HeartRateFlags.UINT16_FORMAT
        raw_fields += bytes.fromhex("4800")  # 72 /min as uint16
    else:
        raw_fields += bytes.fromhex("48")
    if detected:
        flags |= HeartRateFlags.SENSOR_CONTACT_DETECTED
    if supported:
        flags |= HeartRateFlags.SENSOR_CONTACT_SUPPORTED
    if energy:
        flags |= HeartRateFlags.ENERGY_EXPENDED
        raw_fields += bytes.fromhex("3412")  # 0x1234 kJ
    if rr:
        flags |= HeartRateFlags.RR_INTERVALS
        raw_fields += bytes.fromhex("5503 0004")  # 853/1024 s, 1024/1024 s
    raw = bytes((flags,)) + raw_fields
    m = HeartRateMeasurement.from_bytes(raw)
    assert bytes(m) == raw
    assert m.heart_rate == 72
    assert m.uint16_format is wide
    assert (m.sensor_contact_detected, m.sensor_contact_supported) == (detected, supported)
    assert m.energy_expended == (0x1234 if energy else None)
    assert m.rr_intervals == ((853, 1024) if rr else ())
    assert m.rr_intervals_s == ((853 / 1024, 1.0) if rr else ())


def test_a_rate_above_255_travels_as_uint16():
    m = HeartRateMeasurement(300)
    assert m.uint16_format
    assert bytes(m) == bytes.fromhex("01 2c01")
    assert HeartRateMeasurement.from_bytes(bytes(m)) == m


def test_an_odd_byte_after_the_rr_intervals_raises_frame_error():
    with pytest.raises(FrameError, match="RR intervals are 2 bytes each") as info:
        HeartRateMeasurement.from_bytes(bytes.fromhex("10 48 5503 00"))
    assert info.value.offset == 4


def test_reserved_flag_bits_and_extra_bytes_without_rr_are_ignored():
    m = HeartRateMeasurement.from_bytes(bytes.fromhex("e0 48 99"))
    assert m == HeartRateMeasurement(72)


def test_every_truncated_prefix_raises_frame_error():
    # Up to the first RR interval every prefix is short; after it, a prefix of whole
    # intervals is a shorter valid measurement and an odd one is not.
    with_first_rr = 1 + 2 + 2 + 2  # flags, rate, energy, one interval
    for n in range(len(HRM_UINT16)):
        if n < with_first_rr or (n - with_first_rr) % 2:
            with pytest.raises(FrameError, match="Heart Rate Measurement"):
                HeartRateMeasurement.from_bytes(HRM_UINT16[:n])
        else:
            assert HeartRateMeasurement.from_bytes(HRM_UINT16[:n]).rr_intervals


def test_range_checks_on_construction():
    with pytest.raises(ValueError, match="heart rate"):
        HeartRateMeasurement(70000)
    with pytest.raises(ValueError, match="RR interval"):
        HeartRateMeasurement(60, rr_intervals=(-1,))


@pytest.mark.parametrize(
    ("raw", "location"),
    [(0, SensorLocation.OTHER), (1, SensorLocation.CHEST), (2, SensorLocation.WRIST)],
)
def test_body_sensor_location(raw, location):
    value = BodySensorLocation.from_bytes(bytes([raw]))
    assert value.location is location
    assert bytes(value) == bytes([raw])


def test_an_unknown_location_code_is_kept():
    value = BodySensorLocation.from_bytes(b"\x2a")
    assert value.location == 42
    assert value.location.name == "UNKNOWN_42"
    assert bytes(value) == b"\x2a"
    with pytest.raises(FrameError, match=r"Body Sensor Location \(0x2A38\): truncated"):
        BodySensorLocation.from_bytes(b"")
