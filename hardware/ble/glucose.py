"""Glucose Service (0x1808): measurements, their context, and the meter's features.

Layouts, little-endian (GATT Specification Supplement; Glucose Service 1.0.1)::

    Glucose Measurement (0x2A18)
        flags                  uint8    GlucoseFlags
        sequence number        uint16
        base time              7 bytes  Date Time
        time offset            sint16   minutes, if TIME_OFFSET
        concentration          SFLOAT   kg/L, or mol/L with MOL_PER_L   } if CONCENTRATION
        type-sample location   uint8    type: low nibble, location: high } (together)
        sensor status          uint16   GlucoseSensorStatus, if SENSOR_STATUS
        (CONTEXT_FOLLOWS: a Glucose Measurement Context with the same sequence number follows)

    Glucose Measurement Context (0x2A34)
        flags                  uint8    GlucoseContextFlags
        sequence number        uint16
        extended flags         uint8    reserved, if EXTENDED_FLAGS
        carbohydrate id, carbohydrate    uint8, SFLOAT kg, if CARBOHYDRATE
        meal                   uint8    if MEAL
        tester-health          uint8    tester: low nibble, health: high, if TESTER_HEALTH
        exercise duration, intensity     uint16 s, uint8 %, if EXERCISE
        medication id, medication        uint8, SFLOAT kg (or L with MEDICATION_LITRES),
                                         if MEDICATION
        HbA1c                  SFLOAT   %, if HBA1C

    Glucose Feature (0x2A51): uint16 of GlucoseSupport.

Stored records are fetched through the Record Access Control Point
(:mod:`hardware.ble.racp`). Reserved flag bits are ignored; reserved status
bits are kept; code tables accept unknown codes. Bytes after the announced
fields are ignored. An HbA1c that is present but holds a special value
decodes as None, like an absent one, and is not written back.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Self

from hardware.ble._codec import (
    OpenIntEnum,
    Reader,
    check_range,
    check_sfloat,
    label,
    s16,
    sfloat,
    u8,
    u16,
)
from hardware.ble.clock import DateTime
from hardware.ble.uuids import CharacteristicUuid

__all__ = [
    "CarbohydrateId",
    "GlucoseContextFlags",
    "GlucoseFeature",
    "GlucoseFlags",
    "GlucoseHealth",
    "GlucoseMeasurement",
    "GlucoseMeasurementContext",
    "GlucoseSensorStatus",
    "GlucoseSupport",
    "GlucoseTester",
    "GlucoseType",
    "GlucoseUnit",
    "Meal",
    "MedicationId",
    "MedicationUnit",
    "SampleLocation",
]


class GlucoseUnit(enum.StrEnum):
    """Unit of a glucose concentration; the value is the UCUM code."""

    KG_PER_L = "kg/L"
    MOL_PER_L = "mol/L"


class GlucoseFlags(enum.IntFlag):
    """The flags byte of 0x2A18."""

    TIME_OFFSET = 0x01
    CONCENTRATION = 0x02  # with the type and sample location
    MOL_PER_L = 0x04
    SENSOR_STATUS = 0x08
    CONTEXT_FOLLOWS = 0x10


class GlucoseType(OpenIntEnum):
    """The sample's fluid (a nibble; 0 and 11..15 reserved)."""

    CAPILLARY_WHOLE_BLOOD = 1
    CAPILLARY_PLASMA = 2
    VENOUS_WHOLE_BLOOD = 3
    VENOUS_PLASMA = 4
    ARTERIAL_WHOLE_BLOOD = 5
    ARTERIAL_PLASMA = 6
    UNDETERMINED_WHOLE_BLOOD = 7
    UNDETERMINED_PLASMA = 8
    INTERSTITIAL_FLUID = 9
    CONTROL_SOLUTION = 10


class SampleLocation(OpenIntEnum):
    """Where the sample came from (a nibble; 0 and 5..14 reserved)."""

    FINGER = 1
    ALTERNATE_SITE_TEST = 2
    EARLOBE = 3
    CONTROL_SOLUTION = 4
    NOT_AVAILABLE = 15


class GlucoseSensorStatus(enum.IntFlag):
    """Sensor Status Annunciation (uint16): problems at the time of the measurement."""

    NONE = 0
    DEVICE_BATTERY_LOW = 1 << 0
    SENSOR_MALFUNCTION = 1 << 1
    SAMPLE_SIZE_INSUFFICIENT = 1 << 2
    STRIP_INSERTION_ERROR = 1 << 3
    STRIP_TYPE_INCORRECT = 1 << 4
    RESULT_TOO_HIGH = 1 << 5
    RESULT_TOO_LOW = 1 << 6
    TEMPERATURE_TOO_HIGH = 1 << 7
    TEMPERATURE_TOO_LOW = 1 << 8
    READ_INTERRUPTED = 1 << 9  # strip pulled too soon
    GENERAL_DEVICE_FAULT = 1 << 10
    TIME_FAULT = 1 << 11


@dataclass(frozen=True, slots=True)
class GlucoseMeasurement:
    """Glucose Measurement (0x2A18): one stored record of the meter, notified.

    Attributes:
        sequence_number: the record's number, 0..65535, matching its context.
        base_time: the meter's wall-clock time of the record.
        time_offset: minutes to add to ``base_time`` (-32768..32767), when sent.
        concentration: glucose in ``unit``; None when absent or no value.
        unit: ``kg/L`` or ``mol/L`` (95 mg/dL is 0.00095 kg/L; 5.3 mmol/L is 0.0053 mol/L).
        sample_type: the sample's fluid; sent with the concentration.
        sample_location: where the sample came from; sent with the concentration.
        sensor_status: problems the meter noticed.
        context_follows: a Glucose Measurement Context for this record follows.
    """

    UUID: ClassVar[int] = CharacteristicUuid.GLUCOSE_MEASUREMENT
    NAME: ClassVar[str] = "Glucose Measurement"
    TIME_OFFSET_UNIT: ClassVar[str] = "min"

    sequence_number: int
    base_time: DateTime
    time_offset: int | None = None
    concentration: Decimal | None = None
    unit: GlucoseUnit = GlucoseUnit.KG_PER_L
    sample_type: GlucoseType | None = None
    sample_location: SampleLocation | None = None
    sensor_status: GlucoseSensorStatus | None = None
    context_follows: bool = False

    def __post_init__(self) -> None:
        check_range("sequence number", self.sequence_number, 0, 0xFFFF)
        check_range("time offset", self.time_offset, -0x8000, 0x7FFF)
        check_sfloat("concentration", self.concentration)
        check_range("type", self.sample_type, 0, 0x0F)
        check_range("sample location", self.sample_location, 0, 0x0F)
        check_range("sensor status", self.sensor_status, 0, 0xFFFF)
        if (self.sample_type is None) != (self.sample_location is None):
            raise ValueError("type and sample location travel together")
        if self.concentration is not None and self.sample_type is None:
            raise ValueError("a concentration needs its type and sample location")

    @property
    def time(self) -> dt.datetime | None:
        """Base time plus the time offset (naive wall-clock), or None when the date is unknown."""
        base = self.base_time.to_datetime()
        if base is None:
            return None
        return base + dt.timedelta(minutes=self.time_offset or 0)

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        r = Reader(data, label(cls.NAME, cls.UUID))
        flags = GlucoseFlags(r.u8("flags") & 0x1F)
        sequence = r.u16("sequence number")
        base_time = r.field("base time", DateTime.SIZE, DateTime.unpack)
        offset = r.s16("time offset") if flags & GlucoseFlags.TIME_OFFSET else None
        concentration = sample_type = location = status = None
        if flags & GlucoseFlags.CONCENTRATION:
            concentration = r.sfloat("concentration")
            nibbles = r.u8("type-sample location")
            sample_type, location = GlucoseType(nibbles & 0x0F), SampleLocation(nibbles >> 4)
        if flags & GlucoseFlags.SENSOR_STATUS:
            status = GlucoseSensorStatus(r.u16("sensor status annunciation"))
        unit = GlucoseUnit.MOL_PER_L if flags & GlucoseFlags.MOL_PER_L else GlucoseUnit.KG_PER_L
        follows = bool(flags & GlucoseFlags.CONTEXT_FOLLOWS)
        return r.build(
            cls,
            sequence,
            base_time,
            offset,
            concentration,
            unit,
            sample_type,
            location,
            status,
            follows,
        )

    def __bytes__(self) -> bytes:
        flags = GlucoseFlags(0)
        body = u16(self.sequence_number) + bytes(self.base_time)
        if self.unit is GlucoseUnit.MOL_PER_L:
            flags |= GlucoseFlags.MOL_PER_L
        if self.time_offset is not None:
            flags |= GlucoseFlags.TIME_OFFSET
            body += s16(self.time_offset)
        if self.sample_type is not None and self.sample_location is not None:
            flags |= GlucoseFlags.CONCENTRATION
            body += sfloat(self.concentration) + u8(self.sample_type | self.sample_location << 4)
        if self.sensor_status is not None:
            flags |= GlucoseFlags.SENSOR_STATUS
            body += u16(self.sensor_status)
        if self.context_follows:
            flags |= GlucoseFlags.CONTEXT_FOLLOWS
        return u8(flags) + body


class GlucoseContextFlags(enum.IntFlag):
    """The flags byte of 0x2A34."""

    CARBOHYDRATE = 0x01
    MEAL = 0x02
    TESTER_HEALTH = 0x04
    EXERCISE = 0x08
    MEDICATION = 0x10
    MEDICATION_LITRES = 0x20
    HBA1C = 0x40
    EXTENDED_FLAGS = 0x80


class CarbohydrateId(OpenIntEnum):
    """What the carbohydrate was taken with (0 and 8..255 reserved)."""

    BREAKFAST = 1
    LUNCH = 2
    DINNER = 3
    SNACK = 4
    DRINK = 5
    SUPPER = 6
    BRUNCH = 7


class Meal(OpenIntEnum):
    """When the sample was taken relative to a meal (0 and 6..255 reserved)."""

    PREPRANDIAL = 1  # before a meal
    POSTPRANDIAL = 2  # after a meal
    FASTING = 3
    CASUAL = 4  # snacks, drinks
    BEDTIME = 5


class GlucoseTester(OpenIntEnum):
    """Who took the sample (a nibble; 0 and 4..14 reserved)."""

    SELF = 1
    HEALTH_CARE_PROFESSIONAL = 2
    LAB_TEST = 3
    NOT_AVAILABLE = 15


class GlucoseHealth(OpenIntEnum):
    """The tested person's state (a nibble; 0 and 6..14 reserved)."""

    MINOR_HEALTH_ISSUES = 1
    MAJOR_HEALTH_ISSUES = 2
    DURING_MENSES = 3
    UNDER_STRESS = 4
    NO_HEALTH_ISSUES = 5
    NOT_AVAILABLE = 15


class MedicationId(OpenIntEnum):
    """The medication taken (0 and 6..255 reserved)."""

    RAPID_ACTING_INSULIN = 1
    SHORT_ACTING_INSULIN = 2
    INTERMEDIATE_ACTING_INSULIN = 3
    LONG_ACTING_INSULIN = 4
    PRE_MIXED_INSULIN = 5


class MedicationUnit(enum.StrEnum):
    """Unit of the medication amount; the value is the UCUM code."""

    KILOGRAM = "kg"
    LITRE = "L"


@dataclass(frozen=True, slots=True)
class GlucoseMeasurementContext:
    """Glucose Measurement Context (0x2A34): what the resident noted about a record.

    Each group is sent only when its identifying field is set: the
    carbohydrate with ``carbohydrate_id``, the medication with
    ``medication_id``, tester and health together, exercise duration and
    intensity together.

    Attributes:
        sequence_number: the record this context belongs to.
        carbohydrate_id: with what the carbohydrate was taken.
        carbohydrate: carbohydrate in ``kg``; None when no value.
        meal: relation to a meal.
        tester: who took the sample.
        health: the person's state.
        exercise_duration: in ``s``, 0..65535 (65535: at least that).
        exercise_intensity: in ``%``, 0..255.
        medication_id: which medication.
        medication: amount in ``medication_unit``; None when no value.
        medication_unit: ``kg`` or ``L``.
        hba1c: glycated haemoglobin in ``%``.
        extended_flags: the extended flags byte (all reserved), when sent.
    """

    UUID: ClassVar[int] = CharacteristicUuid.GLUCOSE_MEASUREMENT_CONTEXT
    NAME: ClassVar[str] = "Glucose Measurement Context"
    CARBOHYDRATE_UNIT: ClassVar[str] = "kg"
    EXERCISE_DURATION_UNIT: ClassVar[str] = "s"
    EXERCISE_INTENSITY_UNIT: ClassVar[str] = "%"
    HBA1C_UNIT: ClassVar[str] = "%"

    sequence_number: int
    carbohydrate_id: CarbohydrateId | None = None
    carbohydrate: Decimal | None = None
    meal: Meal | None = None
    tester: GlucoseTester | None = None
    health: GlucoseHealth | None = None
    exercise_duration: int | None = None
    exercise_intensity: int | None = None
    medication_id: MedicationId | None = None
    medication: Decimal | None = None
    medication_unit: MedicationUnit = MedicationUnit.KILOGRAM
    hba1c: Decimal | None = None
    extended_flags: int | None = None

    def __post_init__(self) -> None:
        check_range("sequence number", self.sequence_number, 0, 0xFFFF)
        check_range("carbohydrate id", self.carbohydrate_id, 0, 0xFF)
        check_sfloat("carbohydrate", self.carbohydrate)
        check_range("meal", self.meal, 0, 0xFF)
        check_range("tester", self.tester, 0, 0x0F)
        check_range("health", self.health, 0, 0x0F)
        check_range("exercise duration", self.exercise_duration, 0, 0xFFFF)
        check_range("exercise intensity", self.exercise_intensity, 0, 0xFF)
        check_range("medication id", self.medication_id, 0, 0xFF)
        check_sfloat("medication", self.medication)
        check_sfloat("HbA1c", self.hba1c)
        check_range("extended flags", self.extended_flags, 0, 0xFF)
        if self.carbohydrate is not None and self.carbohydrate_id is None:
            raise ValueError("a carbohydrate amount needs its carbohydrate id")
        if self.medication is not None and self.medication_id is None:
            raise ValueError("a medication amount needs its medication id")
        if (self.tester is None) != (self.health is None):
            raise ValueError("tester and health travel together")
        if (self.exercise_duration is None) != (self.exercise_intensity is None):
            raise ValueError("exercise duration and intensity travel together")

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        r = Reader(data, label(cls.NAME, cls.UUID))
        flags = GlucoseContextFlags(r.u8("flags"))
        sequence = r.u16("sequence number")
        extended = r.u8("extended flags") if flags & GlucoseContextFlags.EXTENDED_FLAGS else None
        carb_id = carb = meal = tester = health = duration = intensity = None
        med_id = med = hba1c = None
        if flags & GlucoseContextFlags.CARBOHYDRATE:
            carb_id = CarbohydrateId(r.u8("carbohydrate id"))
            carb = r.sfloat("carbohydrate")
        if flags & GlucoseContextFlags.MEAL:
            meal = Meal(r.u8("meal"))
        if flags & GlucoseContextFlags.TESTER_HEALTH:
            nibbles = r.u8("tester-health")
            tester, health = GlucoseTester(nibbles & 0x0F), GlucoseHealth(nibbles >> 4)
        if flags & GlucoseContextFlags.EXERCISE:
            duration = r.u16("exercise duration")
            intensity = r.u8("exercise intensity")
        if flags & GlucoseContextFlags.MEDICATION:
            med_id = MedicationId(r.u8("medication id"))
            med = r.sfloat("medication")
        if flags & GlucoseContextFlags.HBA1C:
            hba1c = r.sfloat("HbA1c")
        unit = (
            MedicationUnit.LITRE
            if flags & GlucoseContextFlags.MEDICATION_LITRES
            else MedicationUnit.KILOGRAM
        )
        return r.build(
            cls,
            sequence,
            carb_id,
            carb,
            meal,
            tester,
            health,
            duration,
            intensity,
            med_id,
            med,
            unit,
            hba1c,
            extended,
        )

    def __bytes__(self) -> bytes:
        flags = GlucoseContextFlags(0)
        body = b""
        if self.extended_flags is not None:
            flags |= GlucoseContextFlags.EXTENDED_FLAGS
            body += u8(self.extended_flags)
        if self.carbohydrate_id is not None:
            flags |= GlucoseContextFlags.CARBOHYDRATE
            body += u8(self.carbohydrate_id) + sfloat(self.carbohydrate)
        if self.meal is not None:
            flags |= GlucoseContextFlags.MEAL
            body += u8(self.meal)
        if self.tester is not None and self.health is not None:
            flags |= GlucoseContextFlags.TESTER_HEALTH
            body += u8(self.tester | self.health << 4)
        if self.exercise_duration is not None and self.exercise_intensity is not None:
            flags |= GlucoseContextFlags.EXERCISE
            body += u16(self.exercise_duration) + u8(self.exercise_intensity)
        if self.medication_id is not None:
            flags |= GlucoseContextFlags.MEDICATION
            body += u8(self.medication_id) + sfloat(self.medication)
        if self.medication_unit is MedicationUnit.LITRE:
            flags |= GlucoseContextFlags.MEDICATION_LITRES
        if self.hba1c is not None:
            flags |= GlucoseContextFlags.HBA1C
            body += sfloat(self.hba1c)
        return u8(flags) + u16(self.sequence_number) + body


class GlucoseSupport(enum.IntFlag):
    """Glucose Feature bits (uint16); bits 11..15 are kept as sent."""

    NONE = 0
    LOW_BATTERY_DETECTION = 1 << 0
    SENSOR_MALFUNCTION_DETECTION = 1 << 1
    SENSOR_SAMPLE_SIZE = 1 << 2
    SENSOR_STRIP_INSERTION_ERROR_DETECTION = 1 << 3
    SENSOR_STRIP_TYPE_ERROR_DETECTION = 1 << 4
    SENSOR_RESULT_HIGH_LOW_DETECTION = 1 << 5
    SENSOR_TEMPERATURE_HIGH_LOW_DETECTION = 1 << 6
    SENSOR_READ_INTERRUPT_DETECTION = 1 << 7
    GENERAL_DEVICE_FAULT = 1 << 8
    TIME_FAULT = 1 << 9
    MULTIPLE_BONDS = 1 << 10


@dataclass(frozen=True, slots=True)
class GlucoseFeature:
    """Glucose Feature (0x2A51): what the meter can detect."""

    UUID: ClassVar[int] = CharacteristicUuid.GLUCOSE_FEATURE
    NAME: ClassVar[str] = "Glucose Feature"

    supported: GlucoseSupport

    def __post_init__(self) -> None:
        check_range("features", self.supported, 0, 0xFFFF)

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        r = Reader(data, label(cls.NAME, cls.UUID))
        return cls(GlucoseSupport(r.u16("features")))

    def __bytes__(self) -> bytes:
        return u16(self.supported)
