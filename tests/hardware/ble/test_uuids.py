"""Assigned numbers and the Bluetooth Base UUID."""

from __future__ import annotations

import uuid

import pytest

from hardware.ble.uuids import BASE_UUID, CharacteristicUuid, ServiceUuid, uuid16, uuid128


def test_a_16_bit_number_sits_in_the_base_uuid_as_bleak_writes_it():
    assert uuid128(0x2A35) == "00002a35-0000-1000-8000-00805f9b34fb"
    assert uuid128(0) == BASE_UUID
    assert CharacteristicUuid.HEART_RATE_MEASUREMENT.uuid == "00002a37-0000-1000-8000-00805f9b34fb"
    assert ServiceUuid.PULSE_OXIMETER.uuid == "00001822-0000-1000-8000-00805f9b34fb"


@pytest.mark.parametrize(
    "value",
    [
        "00002a35-0000-1000-8000-00805f9b34fb",
        "00002A35-0000-1000-8000-00805F9B34FB",
        " 00002a35-0000-1000-8000-00805f9b34fb ",
        "2a35",
        "2A35",
        "0x2a35",
        "00002a35",
        0x2A35,
        uuid.UUID("00002a35-0000-1000-8000-00805f9b34fb"),
        CharacteristicUuid.BLOOD_PRESSURE_MEASUREMENT,
    ],
)
def test_every_spelling_of_a_uuid_gives_its_16_bit_number(value):
    assert uuid16(value) == 0x2A35


@pytest.mark.parametrize(
    "value",
    [
        "6e400003-b5a3-f393-e0a9-e50e24dcca9e",  # a vendor's 128-bit UUID
        "12342a35-0000-1000-8000-00805f9b34fb",  # a 32-bit number on the base
        "not a uuid",
        "",
        "12345",  # more than 16 bits
        0x10000,
        -1,
        True,
    ],
)
def test_what_is_not_a_16_bit_uuid_raises_value_error(value):
    with pytest.raises(ValueError, match=r"UUID|bool"):
        uuid16(value)


def test_uuid128_refuses_numbers_beyond_16_bits():
    with pytest.raises(ValueError, match=r"0\.\.0xFFFF"):
        uuid128(0x10000)


def test_assigned_numbers_are_unique_and_in_their_ranges():
    assert len({int(c) for c in CharacteristicUuid}) == len(CharacteristicUuid)
    assert all(0x2A00 <= c <= 0x2BFF for c in CharacteristicUuid)
    assert all(0x1800 <= s <= 0x18FF for s in ServiceUuid)
