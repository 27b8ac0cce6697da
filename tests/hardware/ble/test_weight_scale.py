"""Weight Scale Service: Weight Measurement and Weight Scale Feature."""

from __future__ import annotations

import decimal
import itertools
from decimal import Decimal

import pytest

from cabin.errors import FrameError
from hardware.ble.clock import DateTime
from hardware.ble.weight_scale import (
    HeightResolution,
    MeasurementSystem,
    WeightFlags,
    WeightMeasurement,
    WeightResolution,
    WeightScaleFeature,
    WeightScaleSupport,
)

# No byte example is published with the Weight Scale Service; these are built by hand
# from the GATT Specification Supplement field table.
WEIGHT = bytes.fromhex("1437")  # 14100 counts: 70.5 kg at 0.005 kg, 141 lb at 0.01 lb
TIME_STAMP = bytes.fromhex("e807 03 0f 08 1e 05")  # 2024-03-15 08:30:05
USER = bytes.fromhex("02")
BMI_HEIGHT = bytes.fromhex("e600 d606")  # BMI 23.0 kg/m2; 1750 counts: 1.750 m or 175.0 in
FULL = bytes([0x0F]) + WEIGHT + TIME_STAMP + USER + BMI_HEIGHT


@pytest.mark.parametrize("present", list(itertools.product([False, True], repeat=4)))
def test_every_flag_combination_round_trips(present):
    imperial, stamped, user, bmi = present
    flags = WeightFlags(0)
    tail = b""
    if imperial:
        flags |= WeightFlags.IMPERIAL
    if stamped:
        flags |= WeightFlags.TIME_STAMP
        tail += TIME_STAMP
    if user:
        flags |= WeightFlags.USER_ID
        tail += USER
    if bmi:
        flags |= WeightFlags.BMI_AND_HEIGHT
        tail += BMI_HEIGHT
    raw = bytes((flags,)) + WEIGHT + tail
    m = WeightMeasurement.from_bytes(raw)
    assert bytes(m) == raw
    if imperial:
        assert (m.weight, m.weight_unit, m.height_unit) == (Decimal("141"), "[lb_av]", "[in_i]")
    else:
        assert (m.weight, m.weight_unit, m.height_unit) == (Decimal("70.5"), "kg", "m")
    assert m.time_stamp == (DateTime(2024, 3, 15, 8, 30, 5) if stamped else None)
    assert m.user_id == (2 if user else None)
    assert m.bmi == (Decimal("23.0") if bmi else None)
    expected_height = Decimal("175.0") if imperial else Decimal("1.750")
    assert m.height == (expected_height if bmi else None)
    assert m.BMI_UNIT == "kg/m2"


def test_resolution_of_the_weight():
    assert WeightMeasurement.from_bytes(bytes.fromhex("00 0100")).weight == Decimal("0.005")
    assert WeightMeasurement.from_bytes(bytes.fromhex("01 0100")).weight == Decimal("0.01")
    assert WeightMeasurement.from_bytes(bytes.fromhex("00 feff")).weight == Decimal("327.670")


def test_measurement_unsuccessful_is_no_value():
    m = WeightMeasurement.from_bytes(bytes.fromhex("00 ffff"))
    assert m.weight is None
    assert bytes(m) == bytes.fromhex("00 ffff")


def test_reserved_flag_bits_and_trailing_bytes_are_ignored():
    assert WeightMeasurement.from_bytes(bytes([0xF0]) + WEIGHT + b"\x01") == (
        WeightMeasurement(Decimal("70.5"))
    )


def test_every_truncated_prefix_raises_frame_error():
    for n in range(len(FULL)):
        with pytest.raises(FrameError, match=r"Weight Measurement \(0x2A9D\): truncated"):
            WeightMeasurement.from_bytes(FULL[:n])


def test_range_and_resolution_checks_on_construction():
    with pytest.raises(ValueError, match=r"weight must be a multiple of 0\.005"):
        WeightMeasurement(Decimal("70.502"))
    with pytest.raises(ValueError, match=r"weight must be a multiple of 0\.01"):
        WeightMeasurement(Decimal("70.005"), MeasurementSystem.IMPERIAL)
    with pytest.raises(ValueError, match="weight"):
        WeightMeasurement(Decimal("327.675"))  # 0xFFFF counts: the unsuccessful marker
    with pytest.raises(ValueError, match="together"):
        WeightMeasurement(Decimal("70"), bmi=Decimal("23.0"))


def test_feature_fields():
    # By hand: time stamp, multiple users, BMI (0x07); weight resolution 0.005 kg (7,
    # bits 3..6); height resolution 0.001 m (3, bits 7..9).
    raw = (0x07 | 7 << 3 | 3 << 7).to_bytes(4, "little")
    feature = WeightScaleFeature.from_bytes(raw)
    assert feature.supported == WeightScaleSupport.TIME_STAMP | (
        WeightScaleSupport.MULTIPLE_USERS | WeightScaleSupport.BMI
    )
    assert feature.weight_resolution is WeightResolution.KG_0_005
    assert feature.weight_resolution.kg == Decimal("0.005")
    assert feature.weight_resolution.lb == Decimal("0.01")
    assert feature.height_resolution is HeightResolution.M_0_001
    assert feature.height_resolution.m == Decimal("0.001")
    assert feature.height_resolution.inch == Decimal("0.1")
    assert bytes(feature) == raw


@pytest.mark.parametrize(("weight", "height"), list(itertools.product(range(16), range(8))))
def test_every_resolution_code_round_trips(weight, height):
    raw = (weight << 3 | height << 7 | 1 << 31).to_bytes(4, "little")  # and a reserved bit
    feature = WeightScaleFeature.from_bytes(raw)
    assert (feature.weight_resolution, feature.height_resolution) == (weight, height)
    assert feature.supported == 1 << 31
    assert bytes(feature) == raw
    if weight == 0 or weight > 7:
        assert feature.weight_resolution.kg is None


def test_feature_truncated_and_overlapping():
    for n in range(4):
        with pytest.raises(FrameError, match=r"Weight Scale Feature \(0x2A9E\): truncated"):
            WeightScaleFeature.from_bytes(bytes(n))
    with pytest.raises(ValueError, match="resolutions"):
        WeightScaleFeature(WeightScaleSupport(1 << 3))


def test_resolution_is_checked_exactly_whatever_the_decimal_context():
    with pytest.raises(ValueError, match="weight"):
        WeightMeasurement(Decimal("70.5000000000000000000000000000001"))
    with decimal.localcontext(prec=2):
        m = WeightMeasurement.from_bytes(bytes.fromhex("00 1437"))
        assert m.weight == Decimal("70.500")
        assert bytes(m) == bytes.fromhex("00 1437")
