"""IEEE 11073-20601 SFLOAT (16-bit) and FLOAT (32-bit), the numbers of the health profiles.

Both are decimal: ``value = mantissa * 10 ** exponent``, with the exponent in
the top bits and the mantissa, two's complement, below it::

    SFLOAT  uint16  exponent: 4 bits signed (-8..7)    mantissa: 12 bits signed
    FLOAT   uint32  exponent: 8 bits signed (-128..127) mantissa: 24 bits signed

A value decodes to a :class:`~decimal.Decimal` that keeps the mantissa and the
exponent the device chose (``0xF4B0`` is ``Decimal("120.0")``, ``0x0078`` is
``Decimal("120")``; the two compare equal), so encoding it again gives back
the same bytes, and 36.6 °C stays 36.6 rather than 36.600000000000001.

The special values, with exponent 0 (IEEE 11073-20601 section F.8; the GATT
Specification Supplement, "medfloat16" and "medfloat32")::

                       SFLOAT   FLOAT
    NaN                0x07FF   0x007FFFFF   not a number
    NRes               0x0800   0x00800000   not at this resolution
    +INFINITY          0x07FE   0x007FFFFE
    -INFINITY          0x0802   0x00800002
    reserved           0x0801   0x00800001

all decode to ``None``: no value. :func:`sfloat_special` and
:func:`float_special` tell which one it was. A mantissa equal to one of those
codes under another exponent is an ordinary number (``0x17FF`` is 20470).
Encoding ``None`` gives NaN.
"""

from __future__ import annotations

import decimal
import enum
import math
from decimal import Decimal

__all__ = [
    "SpecialValue",
    "decode_float",
    "decode_sfloat",
    "encode_float",
    "encode_sfloat",
    "float_special",
    "sfloat_special",
]


# Arithmetic that never rounds, whatever the caller's decimal context.
_EXACT = decimal.Context(prec=64)


class SpecialValue(enum.Enum):
    """The values an SFLOAT or FLOAT carries instead of a number."""

    NAN = "NaN"
    NRES = "NRes"
    POSITIVE_INFINITY = "+INFINITY"
    NEGATIVE_INFINITY = "-INFINITY"
    RESERVED = "reserved"


class _Format:
    """One of the two layouts: field widths and the special codes."""

    def __init__(self, name: str, mantissa_bits: int, exponent_bits: int) -> None:
        self.name = name
        self.mantissa_bits = mantissa_bits
        self.exponent_bits = exponent_bits
        self.mantissa_min = -(1 << (mantissa_bits - 1))
        self.mantissa_max = (1 << (mantissa_bits - 1)) - 1
        self.exponent_min = -(1 << (exponent_bits - 1))
        self.exponent_max = (1 << (exponent_bits - 1)) - 1
        self.raw_max = (1 << (mantissa_bits + exponent_bits)) - 1
        top = self.mantissa_max  # 0x07FF or 0x007FFFFF
        self.codes = {
            SpecialValue.NAN: top,
            SpecialValue.NRES: top + 1,
            SpecialValue.POSITIVE_INFINITY: top - 1,
            SpecialValue.NEGATIVE_INFINITY: top + 3,
            SpecialValue.RESERVED: top + 2,
        }
        self.specials = {code: special for special, code in self.codes.items()}

    def split(self, raw: int) -> tuple[int, int]:
        if not 0 <= raw <= self.raw_max:
            raise ValueError(
                f"{self.name} raw value outside {self.mantissa_bits + self.exponent_bits} bits"
            )
        mantissa = raw & ((1 << self.mantissa_bits) - 1)
        if mantissa > self.mantissa_max:
            mantissa -= 1 << self.mantissa_bits
        exponent = raw >> self.mantissa_bits
        if exponent > self.exponent_max:
            exponent -= 1 << self.exponent_bits
        return mantissa, exponent

    def special(self, raw: int) -> SpecialValue | None:
        self.split(raw)  # range check
        return self.specials.get(raw)

    def decode(self, raw: int) -> Decimal | None:
        mantissa, exponent = self.split(raw)
        if raw in self.specials:
            return None
        return Decimal(mantissa).scaleb(exponent, context=_EXACT)

    def encode(self, value: Decimal | float | SpecialValue | None) -> int:
        if value is None:
            return self.codes[SpecialValue.NAN]
        if isinstance(value, SpecialValue):
            return self.codes[value]
        if isinstance(value, Decimal):
            if value.is_nan():
                return self.codes[SpecialValue.NAN]
            if value.is_infinite():
                return self.codes[self._infinity(value > 0)]
            return self._pack(value, canonical=False)
        if math.isnan(value):
            return self.codes[SpecialValue.NAN]
        if math.isinf(value):
            return self.codes[self._infinity(value > 0)]
        # A float has no exponent of its own: take its shortest decimal form.
        return self._pack(Decimal(repr(float(value))), canonical=True)

    @staticmethod
    def _infinity(positive: bool) -> SpecialValue:
        return SpecialValue.POSITIVE_INFINITY if positive else SpecialValue.NEGATIVE_INFINITY

    def _pack(self, value: Decimal, *, canonical: bool) -> int:
        sign, digits, given_exponent = value.as_tuple()
        if not isinstance(given_exponent, int):  # NaN and infinities are handled by the caller
            raise ValueError(f"{value} is not finite")
        exponent = given_exponent
        magnitude = int("".join(map(str, digits)))
        limit = -self.mantissa_min if sign else self.mantissa_max
        if magnitude == 0:
            exponent = 0 if canonical else min(max(exponent, self.exponent_min), self.exponent_max)
        elif canonical:
            # Fewest digits, then the exponent as near zero as the mantissa allows.
            while magnitude % 10 == 0:
                magnitude //= 10
                exponent += 1
            while exponent > 0 and magnitude * 10 <= limit:
                magnitude *= 10
                exponent -= 1
        else:
            # Keep the exponent given, unless the mantissa or exponent is out of range.
            while magnitude % 10 == 0 and (magnitude > limit or exponent < self.exponent_min):
                magnitude //= 10
                exponent += 1
            while exponent > self.exponent_max and magnitude * 10 <= limit:
                magnitude *= 10
                exponent -= 1
        if magnitude > limit or not self.exponent_min <= exponent <= self.exponent_max:
            raise ValueError(f"{value} is not exactly representable as {self.name}")
        mantissa = -magnitude if sign else magnitude
        raw = ((exponent & ((1 << self.exponent_bits) - 1)) << self.mantissa_bits) | (
            mantissa & ((1 << self.mantissa_bits) - 1)
        )
        if raw in self.specials:
            raise ValueError(f"{value} would encode as a special {self.name} value")
        return raw


_SFLOAT = _Format("SFLOAT", mantissa_bits=12, exponent_bits=4)
_FLOAT = _Format("FLOAT", mantissa_bits=24, exponent_bits=8)


def decode_sfloat(raw: int) -> Decimal | None:
    """The number an SFLOAT holds, or None for a special value.

    Args:
        raw: the 16-bit field as an unsigned integer (read little-endian).

    Raises:
        ValueError: ``raw`` is not within 0..0xFFFF.
    """
    return _SFLOAT.decode(raw)


def decode_float(raw: int) -> Decimal | None:
    """The number a FLOAT holds, or None for a special value.

    Args:
        raw: the 32-bit field as an unsigned integer (read little-endian).

    Raises:
        ValueError: ``raw`` is not within 0..0xFFFFFFFF.
    """
    return _FLOAT.decode(raw)


def sfloat_special(raw: int) -> SpecialValue | None:
    """Which special value an SFLOAT holds; None for an ordinary number."""
    return _SFLOAT.special(raw)


def float_special(raw: int) -> SpecialValue | None:
    """Which special value a FLOAT holds; None for an ordinary number."""
    return _FLOAT.special(raw)


def encode_sfloat(value: Decimal | float | SpecialValue | None) -> int:
    """The SFLOAT for ``value``, as an unsigned 16-bit integer (write it little-endian).

    A :class:`~decimal.Decimal` keeps its own exponent when it fits (so decoded
    values encode to the same bytes); a float takes its shortest decimal form
    with the exponent nearest zero (``120.0`` is mantissa 120, exponent 0).
    Trailing zeros are moved into the exponent when the mantissa is too wide.
    None and NaN give NaN; infinities give ±INFINITY; a :class:`SpecialValue`
    gives its code.

    Raises:
        ValueError: the value needs more than the mantissa's digits (about 3
            significant digits) or an exponent outside -8..7; no rounding is done.
    """
    return _SFLOAT.encode(value)


def encode_float(value: Decimal | float | SpecialValue | None) -> int:
    """The FLOAT for ``value``, as an unsigned 32-bit integer (write it little-endian).

    As :func:`encode_sfloat`, with a 24-bit mantissa (about 6 significant
    digits) and an exponent in -128..127.

    Raises:
        ValueError: the value is not exactly representable.
    """
    return _FLOAT.encode(value)
