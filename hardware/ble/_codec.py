"""Helpers shared by the characteristic modules: a bounds-checked reader and open enums.

Private: the public surface is each module's message classes.
"""

from __future__ import annotations

import decimal
import enum
import struct
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import NoReturn, ParamSpec, Self, TypeVar

from cabin.errors import FrameError
from hardware.ble import ieee11073

P = ParamSpec("P")
T = TypeVar("T")

_EXACT = decimal.Context(prec=64)  # never rounds, whatever the caller's context
_U16 = struct.Struct("<H")
_S16 = struct.Struct("<h")
_U32 = struct.Struct("<I")


def label(name: str, uuid: int) -> str:
    """How error messages name a characteristic: ``"Heart Rate Measurement (0x2A37)"``."""
    return f"{name} (0x{uuid:04X})"


class OpenIntEnum(enum.IntEnum):
    """An integer code table that accepts codes it does not name.

    A newer device, or a vendor, may send a code this table does not list; it
    becomes a pseudo-member named ``UNKNOWN_<value>`` instead of an error, so a
    reading is never lost to an unfamiliar code. Only non-negative integers are
    accepted.
    """

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            member = int.__new__(cls, value)
            member._name_ = f"UNKNOWN_{value}"
            member._value_ = value
            return member
        return None


class Reader:
    """Reads little-endian fields off a payload, raising :class:`FrameError` on a short one.

    Every error names the characteristic (``where``), the field, and the offset
    at which the field starts; never the bytes.
    """

    __slots__ = ("_data", "_where", "offset")

    def __init__(self, data: bytes | bytearray | memoryview, where: str) -> None:
        self._data = bytes(data)
        self._where = where
        self.offset = 0

    @property
    def remaining(self) -> int:
        """Bytes not read yet."""
        return len(self._data) - self.offset

    def fail(self, reason: str, offset: int | None = None) -> NoReturn:
        """Raise a :class:`FrameError` naming the characteristic."""
        raise FrameError(
            f"{self._where}: {reason}",
            data=self._data,
            offset=self.offset if offset is None else offset,
        )

    def take(self, size: int, what: str) -> bytes:
        """The next ``size`` bytes, which hold ``what``."""
        if size > self.remaining:
            self.fail(f"truncated {what}")
        chunk = self._data[self.offset : self.offset + size]
        self.offset += size
        return chunk

    def rest(self) -> bytes:
        """Every byte not read yet."""
        chunk = self._data[self.offset :]
        self.offset = len(self._data)
        return chunk

    def u8(self, what: str) -> int:
        return self.take(1, what)[0]

    def u16(self, what: str) -> int:
        value: int = _U16.unpack(self.take(2, what))[0]
        return value

    def s16(self, what: str) -> int:
        value: int = _S16.unpack(self.take(2, what))[0]
        return value

    def u24(self, what: str) -> int:
        return int.from_bytes(self.take(3, what), "little")

    def u32(self, what: str) -> int:
        value: int = _U32.unpack(self.take(4, what))[0]
        return value

    def sfloat(self, what: str) -> Decimal | None:
        return ieee11073.decode_sfloat(self.u16(what))

    def float32(self, what: str) -> Decimal | None:
        return ieee11073.decode_float(self.u32(what))

    def field(self, what: str, size: int, decode: Callable[[bytes], T]) -> T:
        """Decode a ``size``-byte structure; a ``ValueError`` from ``decode`` becomes ours."""
        start = self.offset
        chunk = self.take(size, what)
        try:
            return decode(chunk)
        except ValueError as exc:
            self.fail(f"bad {what}: {getattr(exc, 'reason', exc)}", start)

    def build(self, factory: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Construct the message; a range check that fails becomes a :class:`FrameError`."""
        try:
            return factory(*args, **kwargs)
        except FrameError:
            raise
        except ValueError as exc:
            self.fail(str(exc), 0)


def u8(value: int) -> bytes:
    return bytes((value,))


def u16(value: int) -> bytes:
    return _U16.pack(value)


def s16(value: int) -> bytes:
    return _S16.pack(value)


def u24(value: int) -> bytes:
    return value.to_bytes(3, "little")


def u32(value: int) -> bytes:
    return _U32.pack(value)


def sfloat(value: Decimal | None) -> bytes:
    return _U16.pack(ieee11073.encode_sfloat(value))


def float32(value: Decimal | None) -> bytes:
    return _U32.pack(ieee11073.encode_float(value))


def check_range(name: str, value: int | None, low: int, high: int) -> None:
    """Raise ``ValueError`` unless ``value`` is None or within ``low..high``."""
    if value is not None and not low <= value <= high:
        raise ValueError(f"{name} out of range {low}..{high}")


def check_sfloat(name: str, value: Decimal | None) -> None:
    """Raise ``ValueError`` unless ``value`` is None or exactly an SFLOAT."""
    if value is not None:
        try:
            ieee11073.encode_sfloat(value)
        except ValueError:
            raise ValueError(f"{name} is not exactly representable as an SFLOAT") from None


def check_float(name: str, value: Decimal | None) -> None:
    """Raise ``ValueError`` unless ``value`` is None or exactly a FLOAT."""
    if value is not None:
        try:
            ieee11073.encode_float(value)
        except ValueError:
            raise ValueError(f"{name} is not exactly representable as a FLOAT") from None


def check_fixed(name: str, value: Decimal | None, step: Decimal, high: int) -> None:
    """Raise ``ValueError`` unless ``value`` is None or a whole number of ``step`` in 0..high."""
    if value is None:
        return
    if not value.is_finite():
        raise ValueError(f"{name} must be finite")
    count = Fraction(value) / Fraction(step)
    if count.denominator != 1 or not 0 <= count <= high:
        raise ValueError(f"{name} must be a multiple of {step} within 0..{high * step}")


def to_fixed(value: Decimal, step: Decimal) -> int:
    """The raw count of ``step`` in ``value`` (checked beforehand by :func:`check_fixed`)."""
    return int(Fraction(value) / Fraction(step))


def from_fixed(raw: int, step: Decimal) -> Decimal:
    """``raw`` counts of ``step`` as a Decimal with the step's number of decimals."""
    return _EXACT.multiply(raw, step)
