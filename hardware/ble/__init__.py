"""Bluetooth LE health devices: the profiles' parsers, and the driver that reads them.

Every characteristic value is a frozen dataclass with ``from_bytes`` (raising
:class:`~cabin.errors.FrameError` on bytes that do not decode) and
``__bytes__`` (so simulators send a device's real bytes); :func:`parse` picks
the class from the characteristic's UUID. Nothing here does I/O.

Conventions of the parsers: IEEE 11073 numbers are :class:`~decimal.Decimal`
with the device's own exponent, so bytes round-trip exactly; a special value
(NaN, NRes, infinities) or an unsuccessful measurement is ``None``; units are
UCUM strings (``mm[Hg]``, ``/min``, ``Cel``, ``kg``...). Reserved flag bits
and bytes after the fields the flags announce are ignored, as the
specifications ask of a collector; reserved status bits and unknown codes are
kept. A malformed payload raises :class:`~cabin.errors.FrameError` naming the
characteristic, field, offset and length; an unknown UUID raises
:class:`UnknownCharacteristic`, a ``LookupError``.

Modules:

- :mod:`hardware.ble.uuids`: assigned numbers of the services and characteristics;
  16-bit to 128-bit UUIDs and back.
- :mod:`hardware.ble.ieee11073`: IEEE 11073 SFLOAT and FLOAT; special values are None.
- :mod:`hardware.ble.clock`: Date Time (0x2A08) and Current Time (0x2A2B).
- :mod:`hardware.ble.blood_pressure`: Blood Pressure Service (0x1810).
- :mod:`hardware.ble.heart_rate`: Heart Rate Service (0x180D).
- :mod:`hardware.ble.thermometer`: Health Thermometer Service (0x1809).
- :mod:`hardware.ble.pulse_oximeter`: Pulse Oximeter Service (0x1822).
- :mod:`hardware.ble.weight_scale`: Weight Scale Service (0x181D).
- :mod:`hardware.ble.body_composition`: Body Composition Service (0x181B).
- :mod:`hardware.ble.glucose`: Glucose Service (0x1808).
- :mod:`hardware.ble.racp`: Record Access Control Point (0x2A52), shared by glucose
  and pulse oximeter.
- :mod:`hardware.ble.device_info`: Battery (0x180F) and Device Information (0x180A).
- :mod:`hardware.ble.parse`: :func:`parse` and the registry of parsers.
- :mod:`hardware.ble.profiles`: which characteristics of which service the station follows.
- :mod:`hardware.ble.readings`: decoded measurements as the hub's Readings (station units,
  UTC device times, flags).
- :mod:`hardware.ble.driver`: :class:`BleDriver`, one allow-listed device through bleak.
- :mod:`hardware.ble.bumble_backend`: a bleak backend on bumble's virtual air, for tests
  and the simulated station.
"""

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
from hardware.ble.body_composition import (
    BodyCompositionFeature,
    BodyCompositionFlags,
    BodyCompositionMeasurement,
    BodyCompositionSupport,
)
from hardware.ble.clock import (
    AdjustReason,
    CurrentTime,
    DateTime,
    DayOfWeek,
)
from hardware.ble.device_info import (
    BatteryLevel,
    FirmwareRevision,
    HardwareRevision,
    ManufacturerName,
    ModelNumber,
    SerialNumber,
    SoftwareRevision,
    SystemId,
)
from hardware.ble.driver import BleDriver, find_by_address
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
from hardware.ble.heart_rate import (
    BodySensorLocation,
    HeartRateFlags,
    HeartRateMeasurement,
    SensorLocation,
)
from hardware.ble.ieee11073 import (
    SpecialValue,
    decode_float,
    decode_sfloat,
    encode_float,
    encode_sfloat,
    float_special,
    sfloat_special,
)
from hardware.ble.parse import (
    PARSERS,
    CharacteristicValue,
    UnknownCharacteristic,
    parse,
)
from hardware.ble.profiles import PROFILES, Profile, profile_for_services
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
from hardware.ble.racp import (
    RacpFilterType,
    RacpMessage,
    RacpNumberOfRecords,
    RacpOpCode,
    RacpOperator,
    RacpRequest,
    RacpResponse,
    RacpResponseCode,
    racp_from_bytes,
)
from hardware.ble.readings import ReadingContext, glucose_reading, to_readings
from hardware.ble.thermometer import (
    IntermediateTemperature,
    TemperatureFlags,
    TemperatureMeasurement,
    TemperatureSite,
    TemperatureType,
    TemperatureUnit,
)
from hardware.ble.uuids import (
    BASE_UUID,
    CharacteristicUuid,
    ServiceUuid,
    uuid16,
    uuid128,
)
from hardware.ble.weight_scale import (
    HeightResolution,
    MeasurementSystem,
    WeightFlags,
    WeightMeasurement,
    WeightResolution,
    WeightScaleFeature,
    WeightScaleSupport,
)

__all__ = [
    "AdjustReason",
    "BASE_UUID",
    "BatteryLevel",
    "BleDriver",
    "BloodPressureFeature",
    "BloodPressureFlags",
    "BloodPressureMeasurement",
    "BloodPressureStatus",
    "BloodPressureSupport",
    "BodyCompositionFeature",
    "BodyCompositionFlags",
    "BodyCompositionMeasurement",
    "BodyCompositionSupport",
    "BodySensorLocation",
    "CarbohydrateId",
    "CharacteristicUuid",
    "CharacteristicValue",
    "CurrentTime",
    "DateTime",
    "DayOfWeek",
    "FirmwareRevision",
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
    "HardwareRevision",
    "HeartRateFlags",
    "HeartRateMeasurement",
    "HeightResolution",
    "IntermediateCuffPressure",
    "IntermediateTemperature",
    "ManufacturerName",
    "Meal",
    "MeasurementSystem",
    "MedicationId",
    "MedicationUnit",
    "ModelNumber",
    "PARSERS",
    "PROFILES",
    "PlxContinuousFlags",
    "PlxContinuousMeasurement",
    "PlxDeviceStatus",
    "PlxFeatures",
    "PlxMeasurementStatus",
    "PlxSpotCheckFlags",
    "PlxSpotCheckMeasurement",
    "PlxSupport",
    "PressureUnit",
    "Profile",
    "PulseRateRange",
    "RacpFilterType",
    "RacpMessage",
    "RacpNumberOfRecords",
    "RacpOpCode",
    "RacpOperator",
    "RacpRequest",
    "RacpResponse",
    "RacpResponseCode",
    "ReadingContext",
    "SampleLocation",
    "SensorLocation",
    "SerialNumber",
    "ServiceUuid",
    "SoftwareRevision",
    "SpO2PR",
    "SpecialValue",
    "SystemId",
    "TemperatureFlags",
    "TemperatureMeasurement",
    "TemperatureSite",
    "TemperatureType",
    "TemperatureUnit",
    "UNKNOWN_USER",
    "UnknownCharacteristic",
    "WeightFlags",
    "WeightMeasurement",
    "WeightResolution",
    "WeightScaleFeature",
    "WeightScaleSupport",
    "decode_float",
    "decode_sfloat",
    "encode_float",
    "encode_sfloat",
    "find_by_address",
    "float_special",
    "glucose_reading",
    "parse",
    "profile_for_services",
    "racp_from_bytes",
    "sfloat_special",
    "to_readings",
    "uuid128",
    "uuid16",
]
