"""Glucose Service: measurement, measurement context, feature."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from cabin.errors import FrameError
from hardware.ble.clock import DateTime
from hardware.ble.glucose import (
    CarbohydrateId,
    GlucoseContextFlags,
    GlucoseFeature,
    GlucoseFlags,
    GlucoseHealth,
    GlucoseMeasurement,
    GlucoseMeasurementContext,
    GlucoseSensorStatus,
    GlucoseSupport,
    GlucoseTester,
    GlucoseType,
    GlucoseUnit,
    Meal,
    MedicationId,
    MedicationUnit,
    SampleLocation,
)

# From Nordic Semiconductor's Android-BLE-Library, GlucoseMeasurementDataCallbackTest
# (the Glucose Service specification has no byte example): flags 0x1B (time offset,
# concentration, status, context follows; kg/L); sequence 1; 2019-02-27 11:10:30;
# offset -5 min; concentration SFLOAT 0x001E = 30; type 2 / location 1 (0x12); status 0x0105.
GLUCOSE_PUBLISHED = bytes.fromhex("1b 0100 e307 02 1b 0b 0a 1e fbff 1e00 12 0501")


def test_published_measurement():
    m = GlucoseMeasurement.from_bytes(GLUCOSE_PUBLISHED)
    assert m.sequence_number == 1
    assert m.base_time == DateTime(2019, 2, 27, 11, 10, 30)
    assert m.time_offset == -5
    assert m.time == dt.datetime(2019, 2, 27, 11, 5, 30)
    assert m.concentration == 30
    assert m.unit is GlucoseUnit.KG_PER_L
    assert m.unit == "kg/L"
    assert m.sample_type is GlucoseType.CAPILLARY_PLASMA  # low nibble
    assert m.sample_location is SampleLocation.FINGER  # high nibble
    assert m.sensor_status == (
        GlucoseSensorStatus.DEVICE_BATTERY_LOW
        | GlucoseSensorStatus.SAMPLE_SIZE_INSUFFICIENT
        | GlucoseSensorStatus.TEMPERATURE_TOO_LOW
    )
    assert m.context_follows
    assert bytes(m) == GLUCOSE_PUBLISHED
    # The same payload without its time offset is short (Nordic's invalid vector).
    with pytest.raises(FrameError, match=r"Glucose Measurement \(0x2A18\): truncated"):
        GlucoseMeasurement.from_bytes(bytes.fromhex("1b 0000 e207 04 1a 0b 09 1e 1e00 12 0501"))


BASE = bytes.fromhex("2a00 e807 03 0f 08 1e 05")  # sequence 42, 2024-03-15 08:30:05
MEASUREMENT_FIELDS = {
    GlucoseFlags.TIME_OFFSET: bytes.fromhex("3c00"),  # +60 min
    GlucoseFlags.CONCENTRATION: bytes.fromhex("35c0 91"),  # 53e-4 mol/L or kg/L; type, location
    GlucoseFlags.SENSOR_STATUS: bytes.fromhex("0008"),  # time fault (bit 11)
}


@pytest.mark.parametrize("present", list(itertools.product([False, True], repeat=5)))
def test_every_measurement_flag_combination_round_trips(present):
    offset, concentration, mol, status, follows = present
    flags = GlucoseFlags(0)
    tail = b""
    if offset:
        flags |= GlucoseFlags.TIME_OFFSET
        tail += MEASUREMENT_FIELDS[GlucoseFlags.TIME_OFFSET]
    if concentration:
        flags |= GlucoseFlags.CONCENTRATION
        tail += MEASUREMENT_FIELDS[GlucoseFlags.CONCENTRATION]
    if mol:
        flags |= GlucoseFlags.MOL_PER_L
    if status:
        flags |= GlucoseFlags.SENSOR_STATUS
        tail += MEASUREMENT_FIELDS[GlucoseFlags.SENSOR_STATUS]
    if follows:
        flags |= GlucoseFlags.CONTEXT_FOLLOWS
    raw = bytes((flags,)) + BASE + tail
    m = GlucoseMeasurement.from_bytes(raw)
    assert bytes(m) == raw
    assert m.sequence_number == 42
    assert m.time_offset == (60 if offset else None)
    assert m.time == dt.datetime(2024, 3, 15, 9 if offset else 8, 30, 5)
    assert m.concentration == (Decimal("0.0053") if concentration else None)
    # 0x91: type 1 (capillary whole blood) in the low nibble, location 9 (reserved) high
    assert m.sample_type == (GlucoseType.CAPILLARY_WHOLE_BLOOD if concentration else None)
    assert m.sample_location == (9 if concentration else None)
    assert m.unit == ("mol/L" if mol else "kg/L")
    assert m.sensor_status == (GlucoseSensorStatus.TIME_FAULT if status else None)
    assert m.context_follows is follows


def test_a_nan_concentration_keeps_its_type_and_location():
    raw = bytes([GlucoseFlags.CONCENTRATION]) + BASE + bytes.fromhex("ff07 f1")
    m = GlucoseMeasurement.from_bytes(raw)
    assert m.concentration is None
    assert m.sample_type is GlucoseType.CAPILLARY_WHOLE_BLOOD
    assert m.sample_location is SampleLocation.NOT_AVAILABLE
    assert bytes(m) == raw


def test_unknown_base_time_gives_no_time():
    raw = bytes.fromhex("00 0100") + bytes(7)
    assert GlucoseMeasurement.from_bytes(raw).time is None


def test_every_truncated_measurement_prefix_raises_frame_error():
    for n in range(len(GLUCOSE_PUBLISHED)):
        with pytest.raises(FrameError, match=r"Glucose Measurement \(0x2A18\): truncated"):
            GlucoseMeasurement.from_bytes(GLUCOSE_PUBLISHED[:n])


def test_measurement_checks_on_construction():
    base = DateTime(2024, 3, 15)
    with pytest.raises(ValueError, match="together"):
        GlucoseMeasurement(1, base, sample_type=GlucoseType.VENOUS_PLASMA)
    with pytest.raises(ValueError, match="needs its type"):
        GlucoseMeasurement(1, base, concentration=Decimal("0.0053"))
    with pytest.raises(ValueError, match="type"):
        GlucoseMeasurement(
            1, base, sample_type=GlucoseType(16), sample_location=SampleLocation.FINGER
        )


# Context built by hand from the GATT Specification Supplement table, the field values
# following Nordic's GlucoseMeasurementContextDataCallbackTest: every flag (0xFF, so
# medication in litres); sequence 0; extended flags 0xB3; dinner, 0.050 kg (50e-3);
# casual; tester health care professional (2, low nibble) and minor issues (1, high);
# 60 s of exercise at 50 %; long acting insulin, 0.0001 L (1e-4); HbA1c 6.5 % (65e-1).
CONTEXT_FIELDS = {
    GlucoseContextFlags.CARBOHYDRATE: bytes.fromhex("03 32d0"),
    GlucoseContextFlags.MEAL: bytes.fromhex("04"),
    GlucoseContextFlags.TESTER_HEALTH: bytes.fromhex("12"),
    GlucoseContextFlags.EXERCISE: bytes.fromhex("3c00 32"),
    GlucoseContextFlags.MEDICATION: bytes.fromhex("04 01c0"),
    GlucoseContextFlags.MEDICATION_LITRES: b"",
    GlucoseContextFlags.HBA1C: bytes.fromhex("41f0"),
}
EXTENDED = bytes.fromhex("b3")
CONTEXT_FULL = bytes.fromhex("ff 0000") + EXTENDED + b"".join(CONTEXT_FIELDS.values())


def test_full_context():
    c = GlucoseMeasurementContext.from_bytes(CONTEXT_FULL)
    assert c == GlucoseMeasurementContext(
        sequence_number=0,
        carbohydrate_id=CarbohydrateId.DINNER,
        carbohydrate=Decimal("0.050"),
        meal=Meal.CASUAL,
        tester=GlucoseTester.HEALTH_CARE_PROFESSIONAL,
        health=GlucoseHealth.MINOR_HEALTH_ISSUES,
        exercise_duration=60,
        exercise_intensity=50,
        medication_id=MedicationId.LONG_ACTING_INSULIN,
        medication=Decimal("0.0001"),
        medication_unit=MedicationUnit.LITRE,
        hba1c=Decimal("6.5"),
        extended_flags=0xB3,
    )
    assert c.medication_unit == "L"
    assert bytes(c) == CONTEXT_FULL


@pytest.mark.parametrize("present", list(itertools.product([False, True], repeat=8)))
def test_every_context_flag_combination_round_trips(present):
    *groups, extended = present
    flags = GlucoseContextFlags(0)
    tail = b""
    for (flag, field), on in zip(CONTEXT_FIELDS.items(), groups, strict=True):
        if on:
            flags |= flag
            tail += field
    head = b""
    if extended:
        flags |= GlucoseContextFlags.EXTENDED_FLAGS
        head = EXTENDED
    raw = bytes((flags,)) + bytes.fromhex("0700") + head + tail
    c = GlucoseMeasurementContext.from_bytes(raw)
    assert bytes(c) == raw
    carb, meal, tester, exercise, medication, litres, hba1c = groups
    assert c.sequence_number == 7
    assert c.extended_flags == (0xB3 if extended else None)
    assert (c.carbohydrate_id, c.carbohydrate) == (
        (CarbohydrateId.DINNER, Decimal("0.050")) if carb else (None, None)
    )
    assert c.meal == (Meal.CASUAL if meal else None)
    assert (c.tester, c.health) == (
        (GlucoseTester.HEALTH_CARE_PROFESSIONAL, GlucoseHealth.MINOR_HEALTH_ISSUES)
        if tester
        else (None, None)
    )
    assert (c.exercise_duration, c.exercise_intensity) == ((60, 50) if exercise else (None, None))
    assert (c.medication_id, c.medication) == (
        (MedicationId.LONG_ACTING_INSULIN, Decimal("0.0001")) if medication else (None, None)
    )
    assert c.medication_unit is (MedicationUnit.LITRE if litres else MedicationUnit.KILOGRAM)
    assert c.hba1c == (Decimal("6.5") if hba1c else None)


def test_context_special_values_and_unknown_codes():
    # carbohydrate NRes with an unknown id 0x20; medication NaN; tester/health 0xFF
    raw = bytes.fromhex("15 0100 20 0008 ff 09 ff07")
    c = GlucoseMeasurementContext.from_bytes(raw)
    assert c.carbohydrate_id == 0x20
    assert c.carbohydrate is None
    assert (c.tester, c.health) == (GlucoseTester.NOT_AVAILABLE, GlucoseHealth.NOT_AVAILABLE)
    assert c.medication_id == 9
    assert c.medication is None
    assert bytes(c) == bytes.fromhex("15 0100 20 ff07 ff 09 ff07")  # NRes written back as NaN


def test_every_truncated_context_prefix_raises_frame_error():
    for n in range(len(CONTEXT_FULL)):
        with pytest.raises(FrameError, match=r"Glucose Measurement Context \(0x2A34\): truncated"):
            GlucoseMeasurementContext.from_bytes(CONTEXT_FULL[:n])


def test_context_checks_on_construction():
    with pytest.raises(ValueError, match="carbohydrate id"):
        GlucoseMeasurementContext(1, carbohydrate=Decimal("0.05"))
    with pytest.raises(ValueError, match="tester and health"):
        GlucoseMeasurementContext(1, tester=GlucoseTester.SELF)
    with pytest.raises(ValueError, match="exercise"):
        GlucoseMeasurementContext(1, exercise_duration=60)
    with pytest.raises(ValueError, match="medication id"):
        GlucoseMeasurementContext(1, medication=Decimal("0.0001"))


def test_feature():
    # By hand: every GLS 1.0.1 feature bit (0x07FF) and reserved bit 15.
    raw = bytes.fromhex("ff87")
    feature = GlucoseFeature.from_bytes(raw)
    assert feature.supported & GlucoseSupport.MULTIPLE_BONDS
    assert feature.supported & GlucoseSupport.TIME_FAULT
    assert feature.supported == 0x87FF
    assert bytes(feature) == raw
    with pytest.raises(FrameError, match=r"Glucose Feature \(0x2A51\): truncated"):
        GlucoseFeature.from_bytes(raw[:1])
