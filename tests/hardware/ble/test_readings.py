"""Decoded BLE measurements become Readings in the station's units, with UTC device times."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from hardware.ble.blood_pressure import (
    BloodPressureMeasurement,
    BloodPressureStatus,
    PressureUnit,
)
from hardware.ble.clock import DateTime
from hardware.ble.glucose import (
    GlucoseMeasurement,
    GlucoseMeasurementContext,
    GlucoseType,
    GlucoseUnit,
    Meal,
    SampleLocation,
)
from hardware.ble.heart_rate import HeartRateMeasurement
from hardware.ble.pulse_oximeter import (
    PlxDeviceStatus,
    PlxSpotCheckMeasurement,
)
from hardware.ble.readings import ReadingContext, glucose_reading, to_readings
from hardware.ble.thermometer import TemperatureMeasurement, TemperatureUnit
from hardware.ble.weight_scale import MeasurementSystem, WeightMeasurement

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
INFO = {"model": "BP-Sim 1", "battery": "80"}


def context() -> ReadingContext:
    return ReadingContext("bp", NOW, HANOI, INFO)


def test_blood_pressure_in_kpa_becomes_mmhg_with_the_device_time_in_utc():
    # 16 / 10.7 / 12.4 kPa = 120 / 80 / 93 mmHg, measured at 09:30 Hanoi time = 02:30 UTC.
    m = BloodPressureMeasurement(
        Decimal("16.0"),
        Decimal("10.7"),
        Decimal("12.4"),
        unit=PressureUnit.KPA,
        time_stamp=DateTime(2026, 11, 24, 9, 30, 0),
        pulse_rate=Decimal(64),
        status=BloodPressureStatus.IRREGULAR_PULSE | BloodPressureStatus.CUFF_TOO_LOOSE,
    )
    bp, pulse = to_readings(m, context())
    assert bp.kind == "blood_pressure"
    assert bp.unit == "mm[Hg]"
    assert bp.values["systolic"] == pytest.approx(120.0, abs=0.1)
    assert bp.values["diastolic"] == pytest.approx(80.3, abs=0.1)
    assert bp.values["mean"] == pytest.approx(93.0, abs=0.1)
    assert bp.device_time == datetime(2026, 11, 24, 2, 30, tzinfo=UTC)
    assert bp.received_at == NOW
    assert bp.flags == {"irregular_pulse", "cuff_loose"}
    assert dict(bp.device_info) == INFO
    assert (pulse.kind, pulse.value, pulse.unit) == ("pulse_rate", 64.0, "/min")


def test_a_blood_pressure_without_its_diastolic_gives_only_the_pulse():
    m = BloodPressureMeasurement(Decimal(130), None, None, pulse_rate=Decimal(70))
    (pulse,) = to_readings(m, context())
    assert pulse.kind == "pulse_rate"


def test_fahrenheit_becomes_celsius_and_the_site_a_flag():
    from hardware.ble.thermometer import TemperatureSite

    m = TemperatureMeasurement(
        Decimal("98.6"), unit=TemperatureUnit.FAHRENHEIT, site=TemperatureSite(2)
    )
    (reading,) = to_readings(m, context())
    assert reading.unit == "Cel"
    assert reading.value == pytest.approx(37.0)
    assert reading.flags == {f"site_{TemperatureSite(2).name.lower()}"}


def test_a_special_value_gives_no_reading():
    m = TemperatureMeasurement(None)  # NaN on the wire
    assert to_readings(m, context()) == []


def test_an_oximeter_says_when_the_finger_is_out_and_its_clock_is_not_trusted():
    m = PlxSpotCheckMeasurement(
        Decimal(95),
        Decimal(72),
        time_stamp=DateTime(2000, 1, 1, 0, 0, 0),
        device_status=PlxDeviceStatus.SENSOR_UNCONNECTED_TO_USER,
        device_clock_not_set=True,
    )
    spo2, pulse = to_readings(m, context())
    assert (spo2.kind, spo2.value, spo2.unit) == ("spo2", 95.0, "%")
    assert "finger_out" in spo2.flags
    assert spo2.device_time is None  # the station's time is the better one
    assert pulse.value == 72.0


def test_an_imperial_scale_reads_in_kilograms_and_metres():
    m = WeightMeasurement(
        Decimal("154.00"),
        system=MeasurementSystem.IMPERIAL,
        bmi=Decimal("24.1"),
        height=Decimal("67.0"),
    )
    weight, height, bmi = to_readings(m, context())
    assert weight.value == pytest.approx(69.85, abs=0.01)
    assert (weight.unit, height.unit, bmi.unit) == ("kg", "m", "kg/m2")
    assert height.value == pytest.approx(1.7018)
    assert bmi.value == pytest.approx(24.1)


def test_heart_rate_without_skin_contact_is_flagged():
    m = HeartRateMeasurement(
        75, sensor_contact_supported=True, sensor_contact_detected=False, rr_intervals=(800,)
    )
    (reading,) = to_readings(m, context())
    assert reading.value == 75.0
    assert reading.flags == {"no_contact"}


@pytest.mark.parametrize(
    ("concentration", "unit", "mmol"),
    [
        (Decimal("0.00099"), GlucoseUnit.KG_PER_L, 5.50),  # 99 mg/dL
        (Decimal("0.0070"), GlucoseUnit.MOL_PER_L, 7.0),  # 7 mmol/L
    ],
)
def test_glucose_becomes_mmol_per_litre_with_the_meal_and_the_offset(concentration, unit, mmol):
    m = GlucoseMeasurement(
        sequence_number=12,
        base_time=DateTime(2026, 11, 24, 6, 0, 0),
        time_offset=15,
        concentration=concentration,
        unit=unit,
        sample_type=GlucoseType.CAPILLARY_WHOLE_BLOOD,
        sample_location=SampleLocation.FINGER,
        context_follows=True,
    )
    reading = glucose_reading(m, GlucoseMeasurementContext(12, meal=Meal.FASTING), context())
    assert reading.kind == "glucose"
    assert reading.unit == "mmol/L"
    assert reading.value == pytest.approx(mmol, abs=0.01)
    assert reading.flags == {"fasting", "sample_capillary_whole_blood", "site_finger"}
    assert reading.device_time == datetime(2026, 11, 23, 23, 15, tzinfo=UTC)  # 06:15 in Hanoi


def test_a_feature_or_control_point_value_gives_no_reading():
    from hardware.ble.racp import RacpNumberOfRecords

    assert to_readings(RacpNumberOfRecords(3), context()) == []
