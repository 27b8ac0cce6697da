"""IEEE 11073-20601 SFLOAT and FLOAT: numbers, exponents kept, special values as None."""

from __future__ import annotations

import decimal
import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.ble.ieee11073 import (
    SpecialValue,
    decode_float,
    decode_sfloat,
    encode_float,
    encode_sfloat,
    float_special,
    sfloat_special,
)

# Special values, exponent 0 (IEEE 11073-20601 F.8; GATT Specification Supplement
# "medfloat16"/"medfloat32").
SFLOAT_SPECIALS = {
    0x07FF: SpecialValue.NAN,
    0x0800: SpecialValue.NRES,
    0x07FE: SpecialValue.POSITIVE_INFINITY,
    0x0802: SpecialValue.NEGATIVE_INFINITY,
    0x0801: SpecialValue.RESERVED,
}
FLOAT_SPECIALS = {
    0x007FFFFF: SpecialValue.NAN,
    0x00800000: SpecialValue.NRES,
    0x007FFFFE: SpecialValue.POSITIVE_INFINITY,
    0x00800002: SpecialValue.NEGATIVE_INFINITY,
    0x00800001: SpecialValue.RESERVED,
}


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (0x0078, Decimal("120")),  # 120 mmHg, exponent 0 (Nordic BPM test vector)
        (0xF0BD, Decimal("18.9")),  # 189e-1 kPa (Nordic BPM test vector)
        (0xF4B0, Decimal("120.0")),  # 1200e-1: same number, another exponent
        (0x100C, Decimal("120")),  # 12e1
        (0xFFFF, Decimal("-0.1")),  # mantissa -1, exponent -1: a number, not a special
        (0x0000, Decimal("0")),
        (0x0FFF, Decimal("-1")),
        (0x7001, Decimal("1e7")),  # largest exponent
        (0x8001, Decimal("1e-8")),  # smallest exponent
        (0x17FF, Decimal("20470")),  # NaN's mantissa under exponent 1 is a number
        (0xC035, Decimal("0.0053")),  # 5.3 mmol/L in mol/L
    ],
)
def test_sfloat_decodes_mantissa_times_ten_to_the_exponent(raw, value):
    decoded = decode_sfloat(raw)
    assert decoded == value
    assert sfloat_special(raw) is None


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (0xFE000EB0, Decimal("37.60")),  # 3760e-2 Cel (Nordic temperature test vector)
        (0xFF00016E, Decimal("36.6")),
        (0x00000000, Decimal("0")),
        (0xFFFFFFFF, Decimal("-0.1")),
        (0x80000001, Decimal("1e-128")),
        (0x7F000001, Decimal("1e127")),
    ],
)
def test_float_decodes_mantissa_times_ten_to_the_exponent(raw, value):
    assert decode_float(raw) == value
    assert float_special(raw) is None


@pytest.mark.parametrize(("raw", "special"), SFLOAT_SPECIALS.items())
def test_sfloat_special_values_are_no_value(raw, special):
    assert decode_sfloat(raw) is None
    assert sfloat_special(raw) is special
    assert encode_sfloat(special) == raw


@pytest.mark.parametrize(("raw", "special"), FLOAT_SPECIALS.items())
def test_float_special_values_are_no_value(raw, special):
    assert decode_float(raw) is None
    assert float_special(raw) is special
    assert encode_float(special) == raw


def test_none_nan_and_infinities_encode_as_special_values():
    assert encode_sfloat(None) == 0x07FF
    assert encode_sfloat(math.nan) == 0x07FF
    assert encode_sfloat(Decimal("NaN")) == 0x07FF
    assert encode_sfloat(math.inf) == 0x07FE
    assert encode_sfloat(-math.inf) == 0x0802
    assert encode_sfloat(Decimal("-Infinity")) == 0x0802
    assert encode_float(None) == 0x007FFFFF
    assert encode_float(math.inf) == 0x007FFFFE
    assert encode_float(Decimal("-Infinity")) == 0x00800002


def test_every_sfloat_that_is_a_number_encodes_back_to_its_own_bits():
    for raw in range(0x10000):
        value = decode_sfloat(raw)
        if value is None:
            assert raw in SFLOAT_SPECIALS
        else:
            assert encode_sfloat(value) == raw, hex(raw)


@given(st.integers(0, 0xFFFFFFFF))
def test_every_float_that_is_a_number_encodes_back_to_its_own_bits(raw):
    value = decode_float(raw)
    if value is None:
        assert raw in FLOAT_SPECIALS
    else:
        assert encode_float(value) == raw


@pytest.mark.parametrize(
    ("value", "raw"),
    [
        (120.0, 0x0078),  # the exponent nearest zero, as cuffs send it
        (36.6, 0xF16E),
        (98.6, 0xF3DA),
        (-1.5, 0xFFF1),
        (0.0, 0x0000),
        (5000.0, 0x11F4),  # 5000 does not fit 12 bits: 500e1
        (1e9, 0x63E8),  # 1000e6
        (0.0053, 0xC035),
        (120, 0x0078),  # an int
    ],
)
def test_a_float_encodes_in_its_shortest_decimal_form(value, raw):
    assert encode_sfloat(value) == raw


def test_a_decimal_keeps_its_exponent_unless_it_must_move():
    assert encode_sfloat(Decimal("120.0")) == 0xF4B0
    assert encode_sfloat(Decimal("1.2E+2")) == 0x100C
    assert encode_sfloat(Decimal("12000")) == 0x14B0  # too wide: one trailing zero moves out
    assert encode_sfloat(Decimal("1E+9")) == 0x7064  # 100e7: the exponent moves just into range
    assert encode_sfloat(Decimal("0.000000000")) == 0x8000  # zero clamps its exponent


@pytest.mark.parametrize(
    "value",
    [
        Decimal("2049"),  # 12-bit mantissa: 2047 at most, no trailing zero to move
        Decimal("1.2345"),  # too many digits; no rounding
        Decimal("1E-9"),  # exponent below -8
        Decimal("3E+12"),  # exponent above 7 even with the widest mantissa
        Decimal("2047"),  # would be NaN's bits
        Decimal("-2046"),  # would be -INFINITY's bits
        0.12345,
    ],
)
def test_values_an_sfloat_cannot_hold_exactly_are_refused(value):
    with pytest.raises(ValueError, match="SFLOAT"):
        encode_sfloat(value)


def test_float_holds_a_24_bit_mantissa():
    assert encode_float(Decimal("8388605")) == 0x007FFFFD
    assert encode_float(Decimal("-8388608E-1")) == 0xFF800000
    with pytest.raises(ValueError, match="special"):
        encode_float(Decimal("8388606"))  # +INFINITY's bits
    with pytest.raises(ValueError, match="FLOAT"):
        encode_float(Decimal("1234567.8"))  # 8 digits


def test_raw_values_outside_the_field_width_are_refused():
    with pytest.raises(ValueError, match="16 bits"):
        decode_sfloat(0x10000)
    with pytest.raises(ValueError, match="32 bits"):
        decode_float(-1)


def test_decoding_does_not_depend_on_the_callers_decimal_context():
    with decimal.localcontext(prec=2):
        assert decode_float(0xFD7FFFFD) == Decimal("8388.605")
        assert str(decode_sfloat(0xF4B0)) == "120.0"
