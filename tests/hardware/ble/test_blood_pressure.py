"""Blood Pressure Service: measurement, intermediate cuff pressure, feature."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from cabin.errors import FrameError
from hardware.ble.blood_pressure import (
    UNKNOWN_USER,
    BloodPressureFeature,
    BloodPressureFlags,
    BloodPressureMeasurement,
    BloodPressureStatus,
    BloodPressureSupport,
    IntermediateCuffPressure,
    PressureUnit,
    PulseRateRange,
)
from hardware.ble.clock import DateTime

# The Bluetooth SIG specifications give field tables, not byte examples. These three
# come from Nordic Semiconductor's Android-BLE-Library,
# BloodPressureMeasurementDataCallbackTest (onBloodPressureMeasurementReceived_full,
# _some, _minimal), checked here against the GATT Specification Supplement layout.
# Full: flags 0x1E; 138/88/120 mmHg; time stamp year unknown, April 17 20:41:59;
# pulse 60; user 1; status 0x0027.
BPM_FULL = bytes.fromhex("1e 8a00 5800 7800 0000 04 11 14 29 3b 3c00 01 2700")
# Some: flags 0x15 (kPa, pulse, status); 18.9/11/15.9 kPa (exponent -1); pulse 60;
# status 0x0012 (cuff too loose, pulse rate below the lower limit).
BPM_KPA = bytes.fromhex("15 bdf0 0b00 9ff0 3c00 1200")
# Minimal: flags 0; the same pressures, read as mmHg.
BPM_MINIMAL = bytes.fromhex("00 bdf0 0b00 9ff0")


def test_full_measurement_from_a_published_vector():
    m = BloodPressureMeasurement.from_bytes(BPM_FULL)
    assert (m.systolic, m.diastolic, m.mean_arterial_pressure) == (138, 88, 120)
    assert m.unit == "mm[Hg]"
    assert m.time_stamp == DateTime(None, 4, 17, 20, 41, 59)
    assert m.pulse_rate == 60
    assert m.PULSE_RATE_UNIT == "/min"
    assert m.user_id == 1
    assert m.status == (
        BloodPressureStatus.BODY_MOVEMENT
        | BloodPressureStatus.CUFF_TOO_LOOSE
        | BloodPressureStatus.IRREGULAR_PULSE
        | BloodPressureStatus.IMPROPER_POSITION
    )
    assert m.status.pulse_rate_range is PulseRateRange.WITHIN_RANGE
    assert bytes(m) == BPM_FULL


def test_kpa_measurement_keeps_the_exponent():
    m = BloodPressureMeasurement.from_bytes(BPM_KPA)
    assert m.unit is PressureUnit.KPA
    assert m.unit == "kPa"
    assert (m.systolic, m.diastolic, m.mean_arterial_pressure) == (
        Decimal("18.9"),
        Decimal("11"),
        Decimal("15.9"),
    )
    assert (
        m.status
        == BloodPressureStatus.CUFF_TOO_LOOSE | BloodPressureStatus.PULSE_RATE_BELOW_LOWER_LIMIT
    )
    assert m.status is not None
    assert m.status.pulse_rate_range is PulseRateRange.BELOW_LOWER_LIMIT
    assert m.time_stamp is None
    assert m.user_id is None
    assert bytes(m) == BPM_KPA


def test_minimal_measurement():
    m = BloodPressureMeasurement.from_bytes(BPM_MINIMAL)
    assert m == BloodPressureMeasurement(Decimal("18.9"), Decimal("11"), Decimal("15.9"))
    assert bytes(m) == BPM_MINIMAL


FIELDS = {
    BloodPressureFlags.TIME_STAMP: bytes.fromhex("e807 0c 1f 17 3b 3b"),  # 2024-12-31 23:59:59
    BloodPressureFlags.PULSE_RATE: bytes.fromhex("4800"),  # 72 /min
    BloodPressureFlags.USER_ID: bytes.fromhex("ff"),  # unknown user
    BloodPressureFlags.MEASUREMENT_STATUS: bytes.fromhex("0c00"),  # irregular, above upper
}
PRESSURES = bytes.fromhex("7800 5000 5d00")  # 120 / 80 / 93


@pytest.mark.parametrize("present", list(itertools.product([False, True], repeat=5)))
def test_every_flag_combination_round_trips(present):
    kpa, *optional = present
    flags = BloodPressureFlags.KPA if kpa else BloodPressureFlags(0)
    tail = b""
    for flag, on in zip(FIELDS, optional, strict=True):
        if on:
            flags |= flag
            tail += FIELDS[flag]
    raw = bytes((flags,)) + PRESSURES + tail
    m = BloodPressureMeasurement.from_bytes(raw)
    assert bytes(m) == raw
    assert (m.systolic, m.diastolic, m.mean_arterial_pressure) == (120, 80, 93)
    assert m.unit is (PressureUnit.KPA if kpa else PressureUnit.MMHG)
    assert (m.time_stamp == DateTime(2024, 12, 31, 23, 59, 59)) is optional[0]
    assert (m.pulse_rate == 72) is optional[1]
    assert (m.user_id == UNKNOWN_USER) is optional[2]
    expected_status = (
        BloodPressureStatus.IRREGULAR_PULSE | BloodPressureStatus.PULSE_RATE_EXCEEDS_UPPER_LIMIT
    )
    assert (m.status == expected_status) is optional[3]
    if optional[3]:
        assert m.status is not None
        assert m.status.pulse_rate_range is PulseRateRange.EXCEEDS_UPPER_LIMIT
    cuff = IntermediateCuffPressure.from_bytes(raw)
    assert cuff.cuff_pressure == 120
    assert (cuff.unit, cuff.time_stamp, cuff.pulse_rate) == (m.unit, m.time_stamp, m.pulse_rate)
    assert (cuff.user_id, cuff.status) == (m.user_id, m.status)


def test_special_values_are_no_value():
    # systolic NaN, diastolic NRes, MAP +INFINITY, pulse rate -INFINITY
    raw = bytes.fromhex("04 ff07 0008 fe07 0208")
    m = BloodPressureMeasurement.from_bytes(raw)
    assert (m.systolic, m.diastolic, m.mean_arterial_pressure, m.pulse_rate) == (None,) * 4
    # No value is written back as NaN; an absent-or-special pulse rate is left out.
    assert bytes(m) == bytes.fromhex("00 ff07 ff07 ff07")


def test_intermediate_cuff_pressure_writes_nan_for_the_unused_fields():
    # Built by hand from the Blood Pressure Service table: flags 0x00, cuff 152 mmHg,
    # diastolic and MAP NaN.
    raw = bytes.fromhex("00 9800 ff07 ff07")
    cuff = IntermediateCuffPressure.from_bytes(raw)
    assert cuff == IntermediateCuffPressure(Decimal("152"))
    assert bytes(cuff) == raw
    # A cuff that puts numbers there is read all the same; they are not kept.
    assert IntermediateCuffPressure.from_bytes(bytes.fromhex("00 9800 0000 0000")) == cuff


def test_reserved_flag_bits_are_ignored_and_reserved_status_bits_kept():
    m = BloodPressureMeasurement.from_bytes(
        bytes([0xE0 | 0x10]) + PRESSURES + bytes.fromhex("18c0")
    )
    assert m.status == 0xC018
    assert m.status is not None
    assert m.status.pulse_rate_range == 3  # reserved code, kept
    assert bytes(m) == bytes([0x10]) + PRESSURES + bytes.fromhex("18c0")


def test_bytes_after_the_announced_fields_are_ignored():
    assert BloodPressureMeasurement.from_bytes(BPM_MINIMAL + b"\x12\x34") == (
        BloodPressureMeasurement.from_bytes(BPM_MINIMAL)
    )


def test_every_truncated_prefix_raises_frame_error():
    for n in range(len(BPM_FULL)):
        with pytest.raises(FrameError, match=r"Blood Pressure Measurement \(0x2A35\): truncated"):
            BloodPressureMeasurement.from_bytes(BPM_FULL[:n])
        with pytest.raises(FrameError, match=r"Intermediate Cuff Pressure \(0x2A36\)"):
            IntermediateCuffPressure.from_bytes(BPM_FULL[:n])


def test_the_error_names_field_offset_and_length_not_the_bytes():
    with pytest.raises(FrameError) as info:
        BloodPressureMeasurement.from_bytes(BPM_FULL[:9])
    assert str(info.value) == (
        "Blood Pressure Measurement (0x2A35): truncated time stamp (offset 7, length 9)"
    )
    assert info.value.offset == 7
    assert info.value.data == BPM_FULL[:9]


def test_a_bad_time_stamp_raises_frame_error_at_its_offset():
    raw = bytes.fromhex("02 7800 5000 5d00 e807 0d 01 00 00 00")  # month 13
    with pytest.raises(FrameError, match="bad time stamp: month") as info:
        BloodPressureMeasurement.from_bytes(raw)
    assert info.value.offset == 7


def test_range_checks_on_construction():
    with pytest.raises(ValueError, match="user id"):
        BloodPressureMeasurement(Decimal(120), Decimal(80), Decimal(93), user_id=256)
    with pytest.raises(ValueError, match="systolic"):
        BloodPressureMeasurement(Decimal("120.25"), None, None)
    with pytest.raises(ValueError, match="measurement status"):
        BloodPressureMeasurement(None, None, None, status=BloodPressureStatus(0x10000))


def test_feature_round_trips_and_keeps_reserved_bits():
    # Built by hand: all six BLS 1.0 features (0x003F) plus reserved bit 8.
    raw = bytes.fromhex("3f01")
    feature = BloodPressureFeature.from_bytes(raw)
    assert feature.supported & BloodPressureSupport.MULTIPLE_BONDS
    assert feature.supported & BloodPressureSupport.IRREGULAR_PULSE_DETECTION
    assert feature.supported == 0x013F
    assert bytes(feature) == raw
    with pytest.raises(FrameError, match=r"Blood Pressure Feature \(0x2A49\): truncated"):
        BloodPressureFeature.from_bytes(b"\x3f")
