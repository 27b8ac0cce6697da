"""Body Composition Service: Body Composition Measurement and Feature."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from cabin.errors import FrameError
from hardware.ble.body_composition import (
    BodyCompositionFeature,
    BodyCompositionFlags,
    BodyCompositionMeasurement,
    BodyCompositionSupport,
)
from hardware.ble.clock import DateTime
from hardware.ble.weight_scale import HeightResolution, MeasurementSystem, WeightResolution

# No byte example is published with the Body Composition Service; these are built by
# hand from the GATT Specification Supplement field table, in its field order.
BODY_FAT = bytes.fromhex("fa00")  # 250: 25.0 %
FIELDS = {
    BodyCompositionFlags.TIME_STAMP: bytes.fromhex("e807 03 0f 08 1e 05"),
    BodyCompositionFlags.USER_ID: bytes.fromhex("03"),
    BodyCompositionFlags.BASAL_METABOLISM: bytes.fromhex("ac1a"),  # 6828 kJ
    BodyCompositionFlags.MUSCLE_PERCENTAGE: bytes.fromhex("a401"),  # 42.0 %
    BodyCompositionFlags.MUSCLE_MASS: bytes.fromhex("8813"),  # 5000 counts
    BodyCompositionFlags.FAT_FREE_MASS: bytes.fromhex("1027"),  # 10000
    BodyCompositionFlags.SOFT_LEAN_MASS: bytes.fromhex("b80b"),  # 3000
    BodyCompositionFlags.BODY_WATER_MASS: bytes.fromhex("401f"),  # 8000
    BodyCompositionFlags.IMPEDANCE: bytes.fromhex("8813"),  # 500.0 Ohm
    BodyCompositionFlags.WEIGHT: bytes.fromhex("1437"),  # 14100
    BodyCompositionFlags.HEIGHT: bytes.fromhex("d606"),  # 1750
}
# SI, every optional field, multiple packet (flags 0x1FFE)
FULL = (0x1FFE).to_bytes(2, "little") + BODY_FAT + b"".join(FIELDS.values())


def _expected(system):
    mass = system.mass_step
    return {
        "time_stamp": DateTime(2024, 3, 15, 8, 30, 5),
        "user_id": 3,
        "basal_metabolism": 6828,
        "muscle_percentage": Decimal("42.0"),
        "muscle_mass": 5000 * mass,
        "fat_free_mass": 10000 * mass,
        "soft_lean_mass": 3000 * mass,
        "body_water_mass": 8000 * mass,
        "impedance": Decimal("500.0"),
        "weight": 14100 * mass,
        "height": 1750 * system.length_step,
    }


def test_every_flag_combination_round_trips():
    # 2**13 combinations: one test looping rather than 8192 parametrized ones.
    for present in itertools.product([False, True], repeat=len(FIELDS) + 2):
        _check_combination(present)


def _check_combination(present):
    imperial, multiple, *optional = present
    flags = BodyCompositionFlags(0)
    if imperial:
        flags |= BodyCompositionFlags.IMPERIAL
    if multiple:
        flags |= BodyCompositionFlags.MULTIPLE_PACKET
    tail = b""
    for (flag, field), on in zip(FIELDS.items(), optional, strict=True):
        if on:
            flags |= flag
            tail += field
    raw = int(flags).to_bytes(2, "little") + BODY_FAT + tail
    m = BodyCompositionMeasurement.from_bytes(raw)
    assert bytes(m) == raw
    system = MeasurementSystem.IMPERIAL if imperial else MeasurementSystem.SI
    assert m.system is system
    assert m.body_fat_percentage == Decimal("25.0")
    assert m.multiple_packet is multiple
    for (name, value), on in zip(_expected(system).items(), optional, strict=True):
        assert getattr(m, name) == (value if on else None), name


def test_units():
    si = BodyCompositionMeasurement.from_bytes(FULL)
    assert (si.mass_unit, si.height_unit) == ("kg", "m")
    assert si.weight == Decimal("70.5")
    assert si.height == Decimal("1.75")
    imperial = BodyCompositionMeasurement.from_bytes(bytes([FULL[0] | 1]) + FULL[1:])
    assert (imperial.mass_unit, imperial.height_unit) == ("[lb_av]", "[in_i]")
    assert imperial.weight == Decimal("141")
    m = BodyCompositionMeasurement
    assert (m.PERCENT_UNIT, m.ENERGY_UNIT, m.IMPEDANCE_UNIT) == ("%", "kJ", "Ohm")


def test_measurement_unsuccessful_is_no_value():
    m = BodyCompositionMeasurement.from_bytes(bytes.fromhex("0000 ffff"))
    assert m.body_fat_percentage is None
    assert bytes(m) == bytes.fromhex("0000 ffff")


def test_two_packets_of_one_measurement_each_decode():
    # A scale splits a long measurement: both packets carry MULTIPLE_PACKET and the
    # body fat percentage, each with part of the optional fields.
    first = BodyCompositionMeasurement.from_bytes(bytes.fromhex("0210 fa00 e807 03 0f 08 1e 05"))
    second = BodyCompositionMeasurement.from_bytes(bytes.fromhex("0014 fa00 1437"))
    assert first.multiple_packet
    assert second.multiple_packet
    assert first.time_stamp == DateTime(2024, 3, 15, 8, 30, 5)
    assert second.weight == Decimal("70.5")


def test_reserved_flag_bits_and_trailing_bytes_are_ignored():
    m = BodyCompositionMeasurement.from_bytes(bytes.fromhex("00e0 fa00 0102"))
    assert m == BodyCompositionMeasurement(Decimal("25.0"))


def test_every_truncated_prefix_raises_frame_error():
    for n in range(len(FULL)):
        with pytest.raises(FrameError, match=r"Body Composition Measurement \(0x2A9C\): truncated"):
            BodyCompositionMeasurement.from_bytes(FULL[:n])


def test_resolution_checks_on_construction():
    with pytest.raises(ValueError, match="muscle mass"):
        BodyCompositionMeasurement(Decimal("20"), muscle_mass=Decimal("30.001"))
    with pytest.raises(ValueError, match="body fat percentage"):
        BodyCompositionMeasurement(Decimal("20.05"))


def test_feature_fields_and_reserved_bits():
    # By hand: every feature bit 0..10 (0x7FF), weight resolution 0.1 kg (3, bits
    # 11..14), height resolution 0.005 m (2, bits 15..17), reserved bit 20.
    raw = (0x7FF | 3 << 11 | 2 << 15 | 1 << 20).to_bytes(4, "little")
    feature = BodyCompositionFeature.from_bytes(raw)
    assert feature.supported & BodyCompositionSupport.IMPEDANCE
    assert feature.supported == 0x7FF | 1 << 20
    assert feature.weight_resolution is WeightResolution.KG_0_1
    assert feature.height_resolution is HeightResolution.M_0_005
    assert bytes(feature) == raw
    for n in range(4):
        with pytest.raises(FrameError, match=r"Body Composition Feature \(0x2A9B\): truncated"):
            BodyCompositionFeature.from_bytes(raw[:n])
    with pytest.raises(ValueError, match="resolutions"):
        BodyCompositionFeature(BodyCompositionSupport(1 << 11))
