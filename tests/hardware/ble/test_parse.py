"""parse(uuid, payload): the registry, UUID spellings, errors, and fuzzing every parser."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import hardware.ble
from cabin.errors import FrameError
from hardware.ble import (
    PARSERS,
    BloodPressureMeasurement,
    CharacteristicUuid,
    HeartRateMeasurement,
    RacpNumberOfRecords,
    UnknownCharacteristic,
    parse,
    uuid128,
)

HRM = bytes.fromhex("16 48 5503")  # contact detected, 72 /min, one RR interval


def _parse(uuid, payload):
    """The value, or the FrameError; any other exception fails the test."""
    try:
        return parse(uuid, payload), None
    except FrameError as exc:
        return None, exc


@pytest.mark.parametrize(
    "uuid",
    [
        "00002a37-0000-1000-8000-00805f9b34fb",
        "00002A37-0000-1000-8000-00805F9B34FB",
        "2a37",
        "0x2A37",
        0x2A37,
        CharacteristicUuid.HEART_RATE_MEASUREMENT,
    ],
)
def test_every_uuid_spelling_reaches_the_parser(uuid):
    assert parse(uuid, HRM) == HeartRateMeasurement(72, True, True, None, (853,))


def test_bleak_bytearrays_and_memoryviews_are_accepted():
    assert parse(0x2A37, bytearray(HRM)) == parse(0x2A37, memoryview(HRM))


def test_the_registry_covers_every_characteristic_with_a_message():
    expected = {int(c) for c in CharacteristicUuid} - {
        CharacteristicUuid.HEART_RATE_CONTROL_POINT,  # written, never read
        CharacteristicUuid.MEASUREMENT_INTERVAL,
    }
    assert set(PARSERS) == expected
    assert list(PARSERS) == sorted(PARSERS)


def test_an_unknown_characteristic_is_a_lookup_error():
    with pytest.raises(UnknownCharacteristic, match="0x2A99") as info:
        parse("00002a99-0000-1000-8000-00805f9b34fb", b"\x00")
    assert info.value.uuid == 0x2A99
    assert isinstance(info.value, LookupError)
    assert not isinstance(info.value, KeyError)


def test_a_vendor_uuid_is_unknown_too():
    vendor = "6E400003-B5A3-F393-E0A9-E50E24DCCA9E"
    with pytest.raises(UnknownCharacteristic, match=vendor.lower()) as info:
        parse(vendor, b"\x00")
    assert info.value.uuid is None


def test_what_is_not_a_uuid_is_a_value_error():
    with pytest.raises(ValueError, match="not a UUID") as info:
        parse("heart rate", b"\x00")
    assert not isinstance(info.value, (FrameError, LookupError))


def test_a_malformed_payload_raises_frame_error_naming_the_characteristic():
    with pytest.raises(FrameError) as info:
        parse(uuid128(0x2A35), bytes.fromhex("02 7800 5000 5d00 e807"))
    assert str(info.value) == (
        "Blood Pressure Measurement (0x2A35): truncated time stamp (offset 7, length 9)"
    )


@pytest.mark.parametrize("uuid", sorted(PARSERS))
def test_every_parser_names_its_characteristic_when_the_payload_is_too_short(uuid):
    result, error = _parse(uuid, b"")
    if error is not None:
        assert f"(0x{uuid:04X}):" in str(error)
    else:  # only the strings take an empty value
        assert str(result) == ""


def test_parse_returns_the_class_registered_for_the_uuid():
    bp = parse(0x2A35, bytes.fromhex("00 7800 5000 5d00"))
    assert isinstance(bp, BloodPressureMeasurement)
    assert bp.systolic == Decimal(120)
    assert isinstance(parse(0x2A52, bytes.fromhex("05 00 0300")), RacpNumberOfRecords)


@pytest.mark.parametrize("uuid", sorted(PARSERS))
@given(payload=st.binary(max_size=80))
def test_fuzz_parse_returns_a_value_or_raises_frame_error(uuid, payload):
    value, error = _parse(uuid, payload)
    if error is not None:
        assert error.data == payload
        assert 0 <= error.offset <= len(payload)
        return
    # Whatever decodes encodes, and decodes again to the same value (special values
    # become NaN, reserved flag bits and trailing bytes drop, so the bytes may differ).
    again = parse(uuid, bytes(value))
    assert again == value
    assert bytes(again) == bytes(value)


@pytest.mark.parametrize("uuid", sorted(PARSERS))
@given(payload=st.binary(min_size=20, max_size=60), flags=st.integers(0, 0xFF))
def test_fuzz_long_payloads_with_every_flags_byte(uuid, flags, payload):
    # Random bytes are mostly too short for their flags; these are long enough to
    # reach the optional fields and the range checks.
    raw = bytes([flags]) + payload
    try:
        value = parse(uuid, raw)
    except FrameError:
        return
    assert parse(uuid, bytes(value)) == value


def test_the_package_exports_the_message_classes():
    for name in ("parse", "DateTime", "RacpRequest", "SpecialValue", "decode_sfloat"):
        assert name in hardware.ble.__all__
