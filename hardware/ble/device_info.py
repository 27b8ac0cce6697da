"""Battery Service (0x180F) and Device Information Service (0x180A).

Battery Level (0x2A19) is a uint8 percentage, 0..100 (101..255 reserved). The
Device Information strings (manufacturer name 0x2A29, model number 0x2A24,
serial number 0x2A25, firmware revision 0x2A26, hardware revision 0x2A27,
software revision 0x2A28) are UTF-8 filling the whole value, with no
terminator; some devices pad them with NUL bytes, which are dropped when
read. System ID (0x2A23) is a 40-bit manufacturer-defined identifier and a
24-bit organizationally unique identifier (OUI), little-endian, 8 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from hardware.ble._codec import Reader, check_range, label, u8
from hardware.ble.uuids import CharacteristicUuid

__all__ = [
    "BatteryLevel",
    "FirmwareRevision",
    "HardwareRevision",
    "ManufacturerName",
    "ModelNumber",
    "SerialNumber",
    "SoftwareRevision",
    "SystemId",
]

MAX_ATTRIBUTE_LENGTH = 512  # Core Specification Vol 3 Part F 3.2.9


@dataclass(frozen=True, slots=True)
class BatteryLevel:
    """Battery Level (0x2A19).

    Attributes:
        level: remaining charge in ``%``, 0..100.
    """

    UUID: ClassVar[int] = CharacteristicUuid.BATTERY_LEVEL
    NAME: ClassVar[str] = "Battery Level"
    UNIT: ClassVar[str] = "%"

    level: int

    def __post_init__(self) -> None:
        check_range("battery level", self.level, 0, 100)

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        r = Reader(data, label(cls.NAME, cls.UUID))
        return r.build(cls, r.u8("battery level"))

    def __bytes__(self) -> bytes:
        return u8(self.level)


@dataclass(frozen=True, slots=True)
class _Utf8String:
    """A Device Information string: the whole value, UTF-8."""

    UUID: ClassVar[int]
    NAME: ClassVar[str]

    value: str

    def __post_init__(self) -> None:
        if len(self.value.encode("utf-8")) > MAX_ATTRIBUTE_LENGTH:
            raise ValueError(f"a string is {MAX_ATTRIBUTE_LENGTH} bytes at most")

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        r = Reader(data, label(cls.NAME, cls.UUID))
        raw = r.rest()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            r.fail("not UTF-8", exc.start)
        return r.build(cls, text.rstrip("\x00"))

    def __bytes__(self) -> bytes:
        return self.value.encode("utf-8")

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class ManufacturerName(_Utf8String):
    """Manufacturer Name String (0x2A29)."""

    UUID: ClassVar[int] = CharacteristicUuid.MANUFACTURER_NAME
    NAME: ClassVar[str] = "Manufacturer Name String"


@dataclass(frozen=True, slots=True)
class ModelNumber(_Utf8String):
    """Model Number String (0x2A24)."""

    UUID: ClassVar[int] = CharacteristicUuid.MODEL_NUMBER
    NAME: ClassVar[str] = "Model Number String"


@dataclass(frozen=True, slots=True)
class SerialNumber(_Utf8String):
    """Serial Number String (0x2A25)."""

    UUID: ClassVar[int] = CharacteristicUuid.SERIAL_NUMBER
    NAME: ClassVar[str] = "Serial Number String"


@dataclass(frozen=True, slots=True)
class FirmwareRevision(_Utf8String):
    """Firmware Revision String (0x2A26)."""

    UUID: ClassVar[int] = CharacteristicUuid.FIRMWARE_REVISION
    NAME: ClassVar[str] = "Firmware Revision String"


@dataclass(frozen=True, slots=True)
class HardwareRevision(_Utf8String):
    """Hardware Revision String (0x2A27)."""

    UUID: ClassVar[int] = CharacteristicUuid.HARDWARE_REVISION
    NAME: ClassVar[str] = "Hardware Revision String"


@dataclass(frozen=True, slots=True)
class SoftwareRevision(_Utf8String):
    """Software Revision String (0x2A28)."""

    UUID: ClassVar[int] = CharacteristicUuid.SOFTWARE_REVISION
    NAME: ClassVar[str] = "Software Revision String"


@dataclass(frozen=True, slots=True)
class SystemId:
    """System ID (0x2A23).

    Attributes:
        manufacturer_id: manufacturer-defined identifier, 40 bits.
        oui: the manufacturer's IEEE organizationally unique identifier, 24 bits.
    """

    UUID: ClassVar[int] = CharacteristicUuid.SYSTEM_ID
    NAME: ClassVar[str] = "System ID"

    manufacturer_id: int
    oui: int

    def __post_init__(self) -> None:
        check_range("manufacturer identifier", self.manufacturer_id, 0, (1 << 40) - 1)
        check_range("organizationally unique identifier", self.oui, 0, (1 << 24) - 1)

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        r = Reader(data, label(cls.NAME, cls.UUID))
        manufacturer = int.from_bytes(r.take(5, "manufacturer identifier"), "little")
        return cls(manufacturer, r.u24("organizationally unique identifier"))

    def __bytes__(self) -> bytes:
        return self.manufacturer_id.to_bytes(5, "little") + self.oui.to_bytes(3, "little")
