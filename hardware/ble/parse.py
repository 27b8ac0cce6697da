"""One entry point for every characteristic value: ``parse(uuid, payload)``.

Drivers hand over what bleak gives a notification callback or a read: the
characteristic's UUID (128-bit string) and its bytes.
"""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TypeAlias

from hardware.ble.blood_pressure import (
    BloodPressureFeature,
    BloodPressureMeasurement,
    IntermediateCuffPressure,
)
from hardware.ble.body_composition import BodyCompositionFeature, BodyCompositionMeasurement
from hardware.ble.clock import CurrentTime, DateTime
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
from hardware.ble.glucose import GlucoseFeature, GlucoseMeasurement, GlucoseMeasurementContext
from hardware.ble.heart_rate import BodySensorLocation, HeartRateMeasurement
from hardware.ble.pulse_oximeter import (
    PlxContinuousMeasurement,
    PlxFeatures,
    PlxSpotCheckMeasurement,
)
from hardware.ble.racp import RacpMessage, racp_from_bytes
from hardware.ble.thermometer import (
    IntermediateTemperature,
    TemperatureMeasurement,
    TemperatureType,
)
from hardware.ble.uuids import CharacteristicUuid, uuid16
from hardware.ble.weight_scale import WeightMeasurement, WeightScaleFeature

__all__ = ["CharacteristicValue", "PARSERS", "UnknownCharacteristic", "parse"]

CharacteristicValue: TypeAlias = (
    BatteryLevel
    | BloodPressureFeature
    | BloodPressureMeasurement
    | BodyCompositionFeature
    | BodyCompositionMeasurement
    | BodySensorLocation
    | CurrentTime
    | DateTime
    | FirmwareRevision
    | GlucoseFeature
    | GlucoseMeasurement
    | GlucoseMeasurementContext
    | HardwareRevision
    | HeartRateMeasurement
    | IntermediateCuffPressure
    | IntermediateTemperature
    | ManufacturerName
    | ModelNumber
    | PlxContinuousMeasurement
    | PlxFeatures
    | PlxSpotCheckMeasurement
    | RacpMessage
    | SerialNumber
    | SoftwareRevision
    | SystemId
    | TemperatureMeasurement
    | TemperatureType
    | WeightMeasurement
    | WeightScaleFeature
)
"""Any value :func:`parse` returns."""

_CLASSES: tuple[type[CharacteristicValue], ...] = (
    BatteryLevel,
    BloodPressureFeature,
    BloodPressureMeasurement,
    BodyCompositionFeature,
    BodyCompositionMeasurement,
    BodySensorLocation,
    CurrentTime,
    DateTime,
    FirmwareRevision,
    GlucoseFeature,
    GlucoseMeasurement,
    GlucoseMeasurementContext,
    HardwareRevision,
    HeartRateMeasurement,
    IntermediateCuffPressure,
    IntermediateTemperature,
    ManufacturerName,
    ModelNumber,
    PlxContinuousMeasurement,
    PlxFeatures,
    PlxSpotCheckMeasurement,
    SerialNumber,
    SoftwareRevision,
    SystemId,
    TemperatureMeasurement,
    TemperatureType,
    WeightMeasurement,
    WeightScaleFeature,
)

_parsers: dict[int, Callable[[bytes], CharacteristicValue]] = {
    cls.UUID: cls.from_bytes for cls in _CLASSES
}
_parsers[CharacteristicUuid.RECORD_ACCESS_CONTROL_POINT] = racp_from_bytes

PARSERS: Mapping[int, Callable[[bytes], CharacteristicValue]] = MappingProxyType(
    dict(sorted(_parsers.items()))
)
"""The decoder of each supported characteristic, by 16-bit assigned number."""


class UnknownCharacteristic(LookupError):
    """No parser for this characteristic: a programming error, not a device fault.

    Attributes:
        uuid: the 16-bit number asked for, or None for a 128-bit UUID off the
            Bluetooth base (a vendor's own characteristic).
    """

    def __init__(self, uuid: int | None, text: str) -> None:
        super().__init__(f"no parser for characteristic {text}")
        self.uuid = uuid


def _is_uuid(text: str) -> bool:
    try:
        uuid_module.UUID(text.strip())
    except ValueError:
        return False
    return True


def parse(
    uuid: str | int | uuid_module.UUID, payload: bytes | bytearray | memoryview
) -> CharacteristicValue:
    """Decode a characteristic value.

    Args:
        uuid: the characteristic: the 128-bit UUID string bleak reports (any
            case), a :class:`uuid.UUID`, a 16-bit assigned number, or its hex
            digits (``"2a35"``).
        payload: the value's bytes as read or notified.

    Returns:
        The frozen message for that characteristic, e.g. a
        :class:`~hardware.ble.blood_pressure.BloodPressureMeasurement` for
        ``"00002a35-0000-1000-8000-00805f9b34fb"``; for the Record Access
        Control Point, a request or one of the two responses.

    Raises:
        UnknownCharacteristic: no parser for this UUID (a ``LookupError``).
        ValueError: ``uuid`` is not a UUID at all.
        FrameError: the payload does not decode; its message names the
            characteristic, the problem, the offset and the length.
    """
    try:
        number = uuid16(uuid)
    except ValueError:
        if isinstance(uuid, str) and _is_uuid(uuid):
            raise UnknownCharacteristic(None, uuid.strip().lower()) from None
        raise
    parser = PARSERS.get(number)
    if parser is None:
        raise UnknownCharacteristic(number, f"0x{number:04X}")
    return parser(bytes(payload))
