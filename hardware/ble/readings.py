"""From decoded GATT measurements to the hub's :class:`~hardware.events.Reading` events.

Pure functions. Values leave in the units the station uses everywhere (UCUM:
``mm[Hg]``, ``/min``, ``Cel``, ``kg``, ``m``, ``%``, ``mmol/L``), whatever the
device chose; a device's wall-clock time stamp becomes UTC through the
station's time zone (devices keep local time, with no zone). A field the
device left out, or sent as a special value (NaN, NRes...), gives no reading
rather than a number. Status bits become flag names the rest of the station
reads (``body_movement``, ``cuff_loose``, ``irregular_pulse``, ``finger_out``...).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from hardware.ble.blood_pressure import (
    BloodPressureMeasurement,
    BloodPressureStatus,
    PressureUnit,
)
from hardware.ble.body_composition import BodyCompositionMeasurement
from hardware.ble.clock import DateTime
from hardware.ble.glucose import (
    GlucoseMeasurement,
    GlucoseMeasurementContext,
    GlucoseSensorStatus,
    GlucoseUnit,
    Meal,
)
from hardware.ble.heart_rate import HeartRateMeasurement
from hardware.ble.pulse_oximeter import (
    PlxContinuousMeasurement,
    PlxDeviceStatus,
    PlxMeasurementStatus,
    PlxSpotCheckMeasurement,
)
from hardware.ble.thermometer import TemperatureMeasurement, TemperatureUnit
from hardware.ble.weight_scale import MeasurementSystem, WeightMeasurement
from hardware.events import Reading

__all__ = ["ReadingContext", "glucose_reading", "to_readings"]

MMHG_PER_KPA = 7.500616827  # 1 kPa in mmHg (1 mmHg = 133.322387415 Pa)
GLUCOSE_G_PER_MOL = 180.156  # molar mass of glucose, C6H12O6
KG_PER_LB = 0.45359237
M_PER_IN = 0.0254

_BP_FLAGS: Mapping[BloodPressureStatus, str] = {
    BloodPressureStatus.BODY_MOVEMENT: "body_movement",
    BloodPressureStatus.CUFF_TOO_LOOSE: "cuff_loose",
    BloodPressureStatus.IRREGULAR_PULSE: "irregular_pulse",
    BloodPressureStatus.PULSE_RATE_EXCEEDS_UPPER_LIMIT: "pulse_rate_high",
    BloodPressureStatus.PULSE_RATE_BELOW_LOWER_LIMIT: "pulse_rate_low",
    BloodPressureStatus.IMPROPER_POSITION: "improper_position",
}
# The oximeter bits a resident can fix, under the names the serial oximeter uses.
_PLX_DEVICE_FLAGS: Mapping[PlxDeviceStatus, str] = {
    PlxDeviceStatus.SENSOR_UNCONNECTED_TO_USER: "finger_out",
    PlxDeviceStatus.SENSOR_DISPLACED: "sensor_displaced",
    PlxDeviceStatus.SENSOR_DISCONNECTED: "probe_off",
    PlxDeviceStatus.LOW_PERFUSION: "low_perfusion",
    PlxDeviceStatus.POOR_SIGNAL: "poor_signal",
    PlxDeviceStatus.INADEQUATE_SIGNAL: "poor_signal",
    PlxDeviceStatus.ERRATIC_SIGNAL: "motion",
    PlxDeviceStatus.QUESTIONABLE_PULSE: "questionable_pulse",
    PlxDeviceStatus.EQUIPMENT_MALFUNCTION: "device_fault",
    PlxDeviceStatus.SENSOR_MALFUNCTIONING: "device_fault",
}
_PLX_MEASUREMENT_FLAGS: Mapping[PlxMeasurementStatus, str] = {
    PlxMeasurementStatus.MEASUREMENT_ONGOING: "searching",
    PlxMeasurementStatus.EARLY_ESTIMATED_DATA: "early_estimate",
    PlxMeasurementStatus.DATA_FROM_MEASUREMENT_STORAGE: "stored",
    PlxMeasurementStatus.DATA_FOR_DEMONSTRATION: "demonstration",
    PlxMeasurementStatus.DATA_FOR_TESTING: "testing",
    PlxMeasurementStatus.MEASUREMENT_UNAVAILABLE: "unavailable",
    PlxMeasurementStatus.QUESTIONABLE_MEASUREMENT: "questionable",
    PlxMeasurementStatus.INVALID_MEASUREMENT: "invalid",
}


class ReadingContext:
    """What every reading from one device at one moment shares.

    Args:
        device_id: the station's name for the device.
        received_at: when the station received the payload (UTC).
        timezone: the zone of the device's clock (the station's).
        device_info: what the device says of itself (model, serial, battery...).
    """

    __slots__ = ("device_id", "device_info", "received_at", "timezone")

    def __init__(
        self,
        device_id: str,
        received_at: datetime,
        timezone: tzinfo,
        device_info: Mapping[str, str] | None = None,
    ) -> None:
        self.device_id = device_id
        self.received_at = received_at
        self.timezone = timezone
        self.device_info = dict(device_info or {})

    def device_time(self, stamp: DateTime | None) -> datetime | None:
        """A device's wall-clock time stamp in UTC (None when absent or incomplete)."""
        if stamp is None:
            return None
        local = stamp.to_datetime(self.timezone)
        return local.astimezone(UTC) if local is not None else None

    def device_time_at(self, stamp: DateTime, offset_minutes: int) -> datetime | None:
        """A time stamp moved by a device's offset (a glucose meter's time offset)."""
        at = self.device_time(stamp)
        return at + timedelta(minutes=offset_minutes) if at is not None else None

    def reading(
        self,
        kind: str,
        values: Mapping[str, float | Decimal | None],
        unit: str,
        *,
        stamp: DateTime | None = None,
        at: datetime | None = None,
        flags: frozenset[str] = frozenset(),
    ) -> Reading | None:
        """A Reading of the values that are present; None when none is.

        The device's time is ``at`` if given, else the ``stamp`` in UTC.
        """
        present = {name: float(v) for name, v in values.items() if v is not None}
        if not present:
            return None
        return Reading(
            kind,
            present,
            unit,
            self.device_id,
            self.received_at,
            device_time=at if at is not None else self.device_time(stamp),
            flags=flags,
            device_info=self.device_info,
        )


def to_readings(measurement: object, context: ReadingContext) -> list[Reading]:
    """The readings a decoded measurement holds (none for a feature or a control answer)."""
    convert = _CONVERTERS.get(type(measurement))
    if convert is None:
        return []
    return [r for r in convert(measurement, context) if r is not None]


def _flags(status: enum.IntFlag | None, names: Mapping[Any, str]) -> frozenset[str]:
    if status is None:
        return frozenset()
    return frozenset(name for bit, name in names.items() if bit in status)


def _scaled(value: Decimal | None, factor: float) -> float | None:
    return None if value is None else float(value) * factor


def _blood_pressure(m: BloodPressureMeasurement, c: ReadingContext) -> list[Reading | None]:
    factor = MMHG_PER_KPA if m.unit is PressureUnit.KPA else 1.0
    flags = _flags(m.status, _BP_FLAGS)
    pressures = {
        "systolic": _scaled(m.systolic, factor),
        "diastolic": _scaled(m.diastolic, factor),
        "mean": _scaled(m.mean_arterial_pressure, factor),
    }
    # A panel without both of its main values is no blood pressure.
    if pressures["systolic"] is None or pressures["diastolic"] is None:
        return [c.reading("pulse_rate", {"pulse_rate": m.pulse_rate}, "/min", stamp=m.time_stamp)]
    return [
        c.reading("blood_pressure", pressures, "mm[Hg]", stamp=m.time_stamp, flags=flags),
        c.reading(
            "pulse_rate", {"pulse_rate": m.pulse_rate}, "/min", stamp=m.time_stamp, flags=flags
        ),
    ]


def _heart_rate(m: HeartRateMeasurement, c: ReadingContext) -> list[Reading | None]:
    no_contact = m.sensor_contact_supported and not m.sensor_contact_detected
    flags = frozenset({"no_contact"}) if no_contact else frozenset()
    return [c.reading("heart_rate", {"heart_rate": m.heart_rate}, "/min", flags=flags)]


def _temperature(m: TemperatureMeasurement, c: ReadingContext) -> list[Reading | None]:
    value = None if m.temperature is None else float(m.temperature)
    if value is not None and m.unit is TemperatureUnit.FAHRENHEIT:
        value = (value - 32.0) * 5.0 / 9.0
    flags = frozenset({f"site_{m.site.name.lower()}"}) if m.site is not None else frozenset()
    return [
        c.reading("temperature", {"temperature": value}, "Cel", stamp=m.time_stamp, flags=flags)
    ]


def _plx_flags(
    measurement: PlxMeasurementStatus | None, device: PlxDeviceStatus | None
) -> frozenset[str]:
    return _flags(measurement, _PLX_MEASUREMENT_FLAGS) | _flags(device, _PLX_DEVICE_FLAGS)


def _plx_spot(m: PlxSpotCheckMeasurement, c: ReadingContext) -> list[Reading | None]:
    flags = _plx_flags(m.measurement_status, m.device_status)
    # A device that admits its clock is not set: the station's time is better.
    stamp = None if m.device_clock_not_set else m.time_stamp
    return [
        c.reading("spo2", {"spo2": m.spo2}, "%", stamp=stamp, flags=flags),
        c.reading("pulse_rate", {"pulse_rate": m.pulse_rate}, "/min", stamp=stamp, flags=flags),
    ]


def _plx_continuous(m: PlxContinuousMeasurement, c: ReadingContext) -> list[Reading | None]:
    flags = _plx_flags(m.measurement_status, m.device_status) | {"continuous"}
    return [
        c.reading("spo2", {"spo2": m.spo2}, "%", flags=flags),
        c.reading("pulse_rate", {"pulse_rate": m.pulse_rate}, "/min", flags=flags),
    ]


def _weight(m: WeightMeasurement, c: ReadingContext) -> list[Reading | None]:
    imperial = m.system is MeasurementSystem.IMPERIAL
    mass, length = (KG_PER_LB, M_PER_IN) if imperial else (1.0, 1.0)
    return [
        c.reading("weight", {"weight": _scaled(m.weight, mass)}, "kg", stamp=m.time_stamp),
        c.reading("height", {"height": _scaled(m.height, length)}, "m", stamp=m.time_stamp),
        c.reading("bmi", {"bmi": m.bmi}, "kg/m2", stamp=m.time_stamp),
    ]


def _body_composition(m: BodyCompositionMeasurement, c: ReadingContext) -> list[Reading | None]:
    imperial = m.system is MeasurementSystem.IMPERIAL
    mass = KG_PER_LB if imperial else 1.0
    stamp = m.time_stamp
    return [
        c.reading("body_fat", {"body_fat": m.body_fat_percentage}, "%", stamp=stamp),
        c.reading("muscle", {"muscle": m.muscle_percentage}, "%", stamp=stamp),
        c.reading(
            "body_mass",
            {
                "muscle_mass": _scaled(m.muscle_mass, mass),
                "fat_free_mass": _scaled(m.fat_free_mass, mass),
                "soft_lean_mass": _scaled(m.soft_lean_mass, mass),
                "body_water_mass": _scaled(m.body_water_mass, mass),
            },
            "kg",
            stamp=stamp,
        ),
        c.reading("basal_metabolism", {"basal_metabolism": m.basal_metabolism}, "kJ", stamp=stamp),
        c.reading("impedance", {"impedance": m.impedance}, "Ohm", stamp=stamp),
    ]


def glucose_reading(
    m: GlucoseMeasurement, context: GlucoseMeasurementContext | None, c: ReadingContext
) -> Reading | None:
    """A meter's record in mmol/L, with the meal, sample and sensor problems as flags.

    The context (sent after the measurement when it says one follows) tells
    whether the resident was fasting, which decides how the value is read.
    """
    if m.concentration is None:
        return None
    if m.unit is GlucoseUnit.MOL_PER_L:
        mmol = float(m.concentration) * 1000.0
    else:  # kg/L: * 1e3 g/L, / molar mass -> mol/L, * 1e3 -> mmol/L
        mmol = float(m.concentration) * 1e6 / GLUCOSE_G_PER_MOL
    flags = set(_flags(m.sensor_status, _GLUCOSE_STATUS))
    if m.sample_type is not None:
        flags.add(f"sample_{m.sample_type.name.lower()}")
    if m.sample_location is not None:
        flags.add(f"site_{m.sample_location.name.lower()}")
    if context is not None and context.meal is not None:
        flags.add(
            "fasting" if context.meal is Meal.FASTING else f"meal_{context.meal.name.lower()}"
        )
    at = c.device_time_at(m.base_time, m.time_offset or 0)
    return c.reading("glucose", {"glucose": mmol}, "mmol/L", at=at, flags=frozenset(flags))


_GLUCOSE_STATUS: Mapping[GlucoseSensorStatus, str] = {
    bit: bit.name.lower() for bit in GlucoseSensorStatus if bit.name and bit.value
}


_CONVERTERS: Mapping[type, Callable[[Any, ReadingContext], list[Reading | None]]] = {
    BloodPressureMeasurement: _blood_pressure,
    HeartRateMeasurement: _heart_rate,
    TemperatureMeasurement: _temperature,
    PlxSpotCheckMeasurement: _plx_spot,
    PlxContinuousMeasurement: _plx_continuous,
    WeightMeasurement: _weight,
    BodyCompositionMeasurement: _body_composition,
}
