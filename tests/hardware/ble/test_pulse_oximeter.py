"""Pulse Oximeter Service: spot-check and continuous measurements, features."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from cabin.errors import FrameError
from hardware.ble.clock import DateTime
from hardware.ble.pulse_oximeter import (
    PlxContinuousFlags,
    PlxContinuousMeasurement,
    PlxDeviceStatus,
    PlxFeatures,
    PlxMeasurementStatus,
    PlxSpotCheckFlags,
    PlxSpotCheckMeasurement,
    PlxSupport,
    SpO2PR,
)

# No byte example is published with the Pulse Oximeter Service; every payload here is
# built by hand from the GATT Specification Supplement field tables.
SPO2_PR = bytes.fromhex("6100 4800")  # SpO2 97 %, pulse 72 /min
TIME_STAMP = bytes.fromhex("e807 03 0f 08 1e 05")  # 2024-03-15 08:30:05
STATUS = bytes.fromhex("8000")  # validated data (bit 7)
DEVICE = bytes.fromhex("200800")  # low perfusion (bit 5), sensor unconnected (bit 11)
PAI = bytes.fromhex("1bf0")  # 27e-1 = 2.7 %

SPOT_FIELDS = {
    PlxSpotCheckFlags.TIME_STAMP: TIME_STAMP,
    PlxSpotCheckFlags.MEASUREMENT_STATUS: STATUS,
    PlxSpotCheckFlags.DEVICE_AND_SENSOR_STATUS: DEVICE,
    PlxSpotCheckFlags.PULSE_AMPLITUDE_INDEX: PAI,
    PlxSpotCheckFlags.DEVICE_CLOCK_NOT_SET: b"",
}
SPOT_FULL = bytes([0x1F]) + SPO2_PR + TIME_STAMP + STATUS + DEVICE + PAI

CONTINUOUS_FIELDS = {
    PlxContinuousFlags.FAST: bytes.fromhex("6200 4a00"),  # 98 %, 74 /min
    PlxContinuousFlags.SLOW: bytes.fromhex("ff07 4600"),  # NaN, 70 /min
    PlxContinuousFlags.MEASUREMENT_STATUS: STATUS,
    PlxContinuousFlags.DEVICE_AND_SENSOR_STATUS: DEVICE,
    PlxContinuousFlags.PULSE_AMPLITUDE_INDEX: PAI,
}
CONTINUOUS_FULL = bytes([0x1F]) + SPO2_PR + b"".join(CONTINUOUS_FIELDS.values())

EXPECTED_DEVICE = PlxDeviceStatus.LOW_PERFUSION | PlxDeviceStatus.SENSOR_UNCONNECTED_TO_USER


def _payload(fields, present):
    flags = 0
    tail = b""
    for (flag, field), on in zip(fields.items(), present, strict=True):
        if on:
            flags |= flag
            tail += field
    return bytes((flags,)) + SPO2_PR + tail


@pytest.mark.parametrize("present", list(itertools.product([False, True], repeat=5)))
def test_every_spot_check_flag_combination_round_trips(present):
    raw = _payload(SPOT_FIELDS, present)
    m = PlxSpotCheckMeasurement.from_bytes(raw)
    assert bytes(m) == raw
    assert (m.spo2, m.pulse_rate) == (97, 72)
    stamped, status, device, pai, clock_not_set = present
    assert m.time_stamp == (DateTime(2024, 3, 15, 8, 30, 5) if stamped else None)
    assert m.measurement_status == (PlxMeasurementStatus.VALIDATED_DATA if status else None)
    assert m.device_status == (EXPECTED_DEVICE if device else None)
    assert m.pulse_amplitude_index == (Decimal("2.7") if pai else None)
    assert m.device_clock_not_set is clock_not_set


@pytest.mark.parametrize("present", list(itertools.product([False, True], repeat=5)))
def test_every_continuous_flag_combination_round_trips(present):
    raw = _payload(CONTINUOUS_FIELDS, present)
    m = PlxContinuousMeasurement.from_bytes(raw)
    assert bytes(m) == raw
    assert (m.spo2, m.pulse_rate) == (97, 72)
    fast, slow, status, device, pai = present
    assert m.fast == (SpO2PR(Decimal(98), Decimal(74)) if fast else None)
    assert m.slow == (SpO2PR(None, Decimal(70)) if slow else None)  # NaN SpO2 is kept present
    assert m.measurement_status == (PlxMeasurementStatus.VALIDATED_DATA if status else None)
    assert m.device_status == (EXPECTED_DEVICE if device else None)
    assert m.pulse_amplitude_index == (Decimal("2.7") if pai else None)


def test_units():
    for cls in (PlxSpotCheckMeasurement, PlxContinuousMeasurement):
        assert (cls.SPO2_UNIT, cls.PULSE_RATE_UNIT, cls.PULSE_AMPLITUDE_INDEX_UNIT) == (
            "%",
            "/min",
            "%",
        )


def test_special_values_are_no_value():
    m = PlxSpotCheckMeasurement.from_bytes(bytes.fromhex("00 ff07 0008"))  # NaN, NRes
    assert (m.spo2, m.pulse_rate) == (None, None)
    assert bytes(m) == bytes.fromhex("00 ff07 ff07")


def test_reserved_status_bits_are_kept_and_reserved_flags_ignored():
    raw = bytes([0xE0 | 0x06]) + SPO2_PR + bytes.fromhex("1f00") + bytes.fromhex("0000ff")
    m = PlxSpotCheckMeasurement.from_bytes(raw)
    assert m.measurement_status == 0x001F
    assert m.device_status == 0xFF0000
    assert bytes(m) == bytes([0x06]) + raw[1:]


def test_every_truncated_prefix_raises_frame_error():
    for n in range(len(SPOT_FULL)):
        with pytest.raises(FrameError, match=r"PLX Spot-Check Measurement \(0x2A5E\): truncated"):
            PlxSpotCheckMeasurement.from_bytes(SPOT_FULL[:n])
    for n in range(len(CONTINUOUS_FULL)):
        with pytest.raises(FrameError, match=r"PLX Continuous Measurement \(0x2A5F\): truncated"):
            PlxContinuousMeasurement.from_bytes(CONTINUOUS_FULL[:n])


def test_range_checks_on_construction():
    with pytest.raises(ValueError, match="device and sensor status"):
        PlxSpotCheckMeasurement(None, None, device_status=PlxDeviceStatus(1 << 24))
    with pytest.raises(ValueError, match="SpO2"):
        SpO2PR(Decimal("97.25"), None)


# PLX Features, by hand: measurement status and device status supported (0x0003) plus
# storage, time stamp, fast, slow, PAI, multiple bonds (0x00FF in all); then the
# measurement status bits it may set (0xFFE0) and the device status bits (0x00FFFF).
FEATURES_FULL = bytes.fromhex("ff00 e0ff ffff00")


@pytest.mark.parametrize("present", list(itertools.product([False, True], repeat=2)))
def test_features_with_each_optional_field(present):
    status, device = present
    supported = PlxSupport.SPOT_CHECK_TIME_STAMP
    raw_tail = b""
    if status:
        supported |= PlxSupport.MEASUREMENT_STATUS
        raw_tail += bytes.fromhex("e0ff")
    if device:
        supported |= PlxSupport.DEVICE_AND_SENSOR_STATUS
        raw_tail += bytes.fromhex("ffff00")
    raw = int(supported).to_bytes(2, "little") + raw_tail
    features = PlxFeatures.from_bytes(raw)
    assert bytes(features) == raw
    assert features.measurement_status_support == (PlxMeasurementStatus(0xFFE0) if status else None)
    assert features.device_status_support == (PlxDeviceStatus(0xFFFF) if device else None)


def test_features_truncated_and_inconsistent():
    for n in range(len(FEATURES_FULL)):
        with pytest.raises(FrameError, match=r"PLX Features \(0x2A60\): truncated"):
            PlxFeatures.from_bytes(FEATURES_FULL[:n])
    with pytest.raises(ValueError, match="MEASUREMENT_STATUS"):
        PlxFeatures(PlxSupport.MEASUREMENT_STATUS)
    with pytest.raises(ValueError, match="DEVICE_AND_SENSOR_STATUS"):
        PlxFeatures(PlxSupport.NONE, device_status_support=PlxDeviceStatus.POOR_SIGNAL)
