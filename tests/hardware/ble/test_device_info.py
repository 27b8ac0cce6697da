"""Battery Level and the Device Information strings and System ID."""

from __future__ import annotations

import pytest

from cabin.errors import FrameError
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

STRINGS = [
    ManufacturerName,
    ModelNumber,
    SerialNumber,
    FirmwareRevision,
    HardwareRevision,
    SoftwareRevision,
]


@pytest.mark.parametrize("level", [0, 1, 57, 100])
def test_battery_level(level):
    value = BatteryLevel.from_bytes(bytes([level]))
    assert value.level == level
    assert value.UNIT == "%"
    assert bytes(value) == bytes([level])


def test_battery_level_beyond_100_is_reserved():
    with pytest.raises(FrameError, match=r"Battery Level \(0x2A19\): battery level out of range"):
        BatteryLevel.from_bytes(b"\x65")
    with pytest.raises(FrameError, match="truncated"):
        BatteryLevel.from_bytes(b"")


@pytest.mark.parametrize("cls", STRINGS)
@pytest.mark.parametrize("text", ["SIM-BP-01", "1.2.3", "", "Nhiệt kế ảo"])
def test_strings_are_the_whole_value_in_utf8(cls, text):
    value = cls.from_bytes(text.encode("utf-8"))
    assert value.value == text
    assert str(value) == text
    assert bytes(value) == text.encode("utf-8")


def test_nul_padding_is_dropped():
    assert ModelNumber.from_bytes(b"SIM-SCALE\x00\x00\x00").value == "SIM-SCALE"


def test_bytes_that_are_not_utf8_raise_frame_error_at_their_offset():
    with pytest.raises(FrameError, match=r"Serial Number String \(0x2A25\): not UTF-8") as info:
        SerialNumber.from_bytes(b"AB\xff")
    assert info.value.offset == 2


def test_a_string_longer_than_an_attribute_is_refused():
    with pytest.raises(ValueError, match="512 bytes"):
        ManufacturerName("x" * 513)


def test_system_id():
    # By hand: manufacturer identifier 0x0102030405 (5 bytes LE), OUI 0x0A0B0C (3 bytes LE).
    raw = bytes.fromhex("0504030201 0c0b0a")
    value = SystemId.from_bytes(raw)
    assert (value.manufacturer_id, value.oui) == (0x0102030405, 0x0A0B0C)
    assert bytes(value) == raw
    for n in range(len(raw)):
        with pytest.raises(FrameError, match=r"System ID \(0x2A23\): truncated"):
            SystemId.from_bytes(raw[:n])
    with pytest.raises(ValueError, match="organizationally unique identifier"):
        SystemId(0, 1 << 24)
