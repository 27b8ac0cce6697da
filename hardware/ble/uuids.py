"""Bluetooth SIG assigned numbers of the health services and their characteristics.

A 16-bit assigned number ``0xXXXX`` stands for the 128-bit UUID
``0000XXXX-0000-1000-8000-00805F9B34FB`` (the Bluetooth Base UUID, Core
Specification Vol 3 Part B 2.5.1); bleak reports the 128-bit form, in lower
case. :func:`uuid128` and :func:`uuid16` convert between the two.

Source: Bluetooth SIG, Assigned Numbers, section 3.4 (services) and 3.8
(characteristics).
"""

from __future__ import annotations

import enum
import uuid

__all__ = ["BASE_UUID", "CharacteristicUuid", "ServiceUuid", "uuid128", "uuid16"]

BASE_UUID = "00000000-0000-1000-8000-00805f9b34fb"
_BASE_SUFFIX = BASE_UUID[8:]


def uuid128(number: int) -> str:
    """The 128-bit UUID string (lower case, as bleak gives it) of a 16-bit assigned number.

    Raises:
        ValueError: ``number`` is not within 0..0xFFFF.
    """
    if not 0 <= number <= 0xFFFF:
        raise ValueError("a 16-bit assigned number is within 0..0xFFFF")
    return f"{number:08x}{_BASE_SUFFIX}"


def uuid16(value: str | int | uuid.UUID) -> int:
    """The 16-bit assigned number behind a UUID.

    Args:
        value: a 128-bit UUID on the Bluetooth base (a string in any case, or a
            :class:`uuid.UUID`), a 16-bit number, or its hex digits (``"2a35"``,
            ``"0x2A35"``, ``"00002a35"``).

    Raises:
        ValueError: ``value`` is not a UUID, or a 128-bit UUID that is not a
            16-bit number on the Bluetooth base (a vendor's own UUID).
    """
    if isinstance(value, bool):
        raise ValueError("a UUID is not a bool")
    if isinstance(value, int):
        if not 0 <= value <= 0xFFFF:
            raise ValueError("a 16-bit UUID is within 0..0xFFFF")
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        short = text[2:] if text.startswith("0x") else text
        if 1 <= len(short) <= 8 and all(c in "0123456789abcdef" for c in short):
            number = int(short, 16)
            if number > 0xFFFF:
                raise ValueError("not a 16-bit UUID")
            return number
        try:
            value = uuid.UUID(text)
        except ValueError:
            raise ValueError("not a UUID") from None
    full = str(value)
    if full[8:] != _BASE_SUFFIX or full[:4] != "0000":
        raise ValueError("not a 16-bit UUID on the Bluetooth base UUID")
    return int(full[4:8], 16)


class _AssignedNumber(enum.IntEnum):
    @property
    def uuid(self) -> str:
        """The 128-bit UUID string, lower case."""
        return uuid128(self.value)


class ServiceUuid(_AssignedNumber):
    """16-bit assigned numbers of the services the station's devices offer."""

    CURRENT_TIME = 0x1805
    GLUCOSE = 0x1808
    HEALTH_THERMOMETER = 0x1809
    DEVICE_INFORMATION = 0x180A
    HEART_RATE = 0x180D
    BATTERY = 0x180F
    BLOOD_PRESSURE = 0x1810
    BODY_COMPOSITION = 0x181B
    WEIGHT_SCALE = 0x181D
    PULSE_OXIMETER = 0x1822


class CharacteristicUuid(_AssignedNumber):
    """16-bit assigned numbers of the characteristics of those services."""

    DATE_TIME = 0x2A08
    GLUCOSE_MEASUREMENT = 0x2A18
    BATTERY_LEVEL = 0x2A19
    TEMPERATURE_MEASUREMENT = 0x2A1C
    TEMPERATURE_TYPE = 0x2A1D
    INTERMEDIATE_TEMPERATURE = 0x2A1E
    MEASUREMENT_INTERVAL = 0x2A21
    SYSTEM_ID = 0x2A23
    MODEL_NUMBER = 0x2A24
    SERIAL_NUMBER = 0x2A25
    FIRMWARE_REVISION = 0x2A26
    HARDWARE_REVISION = 0x2A27
    SOFTWARE_REVISION = 0x2A28
    MANUFACTURER_NAME = 0x2A29
    CURRENT_TIME = 0x2A2B
    GLUCOSE_MEASUREMENT_CONTEXT = 0x2A34
    BLOOD_PRESSURE_MEASUREMENT = 0x2A35
    INTERMEDIATE_CUFF_PRESSURE = 0x2A36
    HEART_RATE_MEASUREMENT = 0x2A37
    BODY_SENSOR_LOCATION = 0x2A38
    HEART_RATE_CONTROL_POINT = 0x2A39
    BLOOD_PRESSURE_FEATURE = 0x2A49
    GLUCOSE_FEATURE = 0x2A51
    RECORD_ACCESS_CONTROL_POINT = 0x2A52
    PLX_SPOT_CHECK_MEASUREMENT = 0x2A5E
    PLX_CONTINUOUS_MEASUREMENT = 0x2A5F
    PLX_FEATURES = 0x2A60
    BODY_COMPOSITION_FEATURE = 0x2A9B
    BODY_COMPOSITION_MEASUREMENT = 0x2A9C
    WEIGHT_MEASUREMENT = 0x2A9D
    WEIGHT_SCALE_FEATURE = 0x2A9E
