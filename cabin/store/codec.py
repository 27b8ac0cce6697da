"""How values cross the boundary between Python and SQLite.

Times are timezone-aware UTC :class:`~datetime.datetime` objects in the API and
fixed-width ISO-8601 text in the database (``2025-03-01T08:15:30.123456+00:00``),
so that text order is time order. A measurement's values and flags become one
small JSON object, padded with spaces to a multiple of :data:`READING_BLOCK`
bytes. Waveform samples are numpy float64 arrays in the API and zlib-compressed
float32 little-endian bytes in the database. The readings module seals both
kinds of bytes before they reach SQLite; this module only shapes them.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime

import numpy as np
from numpy.typing import NDArray

from cabin.errors import StoreError

__all__ = [
    "READING_BLOCK",
    "SAMPLE_ENCODING",
    "decode_reading",
    "decode_samples",
    "encode_reading",
    "encode_samples",
    "from_db_date",
    "from_db_time",
    "to_db_date",
    "to_db_time",
    "utc_now",
]

#: Name of the waveform blob format (before sealing), stored with each segment.
SAMPLE_ENCODING = "zlib-f32le"
#: A measurement's JSON is padded to a multiple of this many bytes, so that the
#: length of its ciphertext does not tell 72 beats a minute from 120.
READING_BLOCK = 64

_F32 = np.dtype("<f4")
_F32_MAX = float(np.finfo(np.float32).max)


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def to_db_time(t: datetime, name: str = "time") -> str:
    """Fixed-width ISO-8601 UTC text for an aware datetime; naive ones are refused."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return t.astimezone(UTC).isoformat(timespec="microseconds")


def from_db_time(text: str) -> datetime:
    """The aware UTC datetime for text written by :func:`to_db_time`."""
    try:
        t = datetime.fromisoformat(text)
    except ValueError as exc:
        raise StoreError("a stored time is malformed") from exc
    if t.tzinfo is None:
        raise StoreError("a stored time has no time zone")
    return t.astimezone(UTC)


def to_db_date(d: date) -> str:
    """ISO-8601 text (``YYYY-MM-DD``) for a calendar date."""
    if isinstance(d, datetime):
        raise TypeError("expected a date, not a datetime")
    return d.isoformat()


def from_db_date(text: str) -> date:
    """The date for text written by :func:`to_db_date`."""
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise StoreError("a stored date is malformed") from exc


def encode_reading(values: Mapping[str, float], flags: Iterable[str]) -> bytes:
    """UTF-8 JSON ``{"flags": [...], "values": {...}}`` padded to :data:`READING_BLOCK` bytes.

    Flags are sorted and deduplicated. Empty, non-finite or unnamed values and
    empty flags are refused with ``ValueError``.
    """
    if not values:
        raise ValueError("a measurement needs at least one value")
    clean: dict[str, float] = {}
    for name, value in values.items():
        if not isinstance(name, str) or not name:
            raise ValueError("value names must be non-empty strings")
        number = float(value)
        if not math.isfinite(number):
            raise ValueError("measured values must be finite")
        clean[name] = number
    items = sorted(set(flags))
    if not all(isinstance(flag, str) and flag for flag in items):
        raise ValueError("flags must be non-empty strings")
    text = json.dumps(
        {"flags": items, "values": clean},
        sort_keys=True,
        allow_nan=False,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    padded = -(-len(text) // READING_BLOCK) * READING_BLOCK  # round up
    return text.ljust(padded, b" ")  # JSON ignores trailing blanks


def decode_reading(data: bytes) -> tuple[dict[str, float], frozenset[str]]:
    """The values and flags written by :func:`encode_reading`."""
    try:
        raw = json.loads(data.decode("utf-8"))
        values, flags = raw["values"], raw["flags"]
        if not isinstance(values, dict) or not isinstance(flags, list):
            raise TypeError("wrong shape")
        return (
            {str(name): float(value) for name, value in values.items()},
            frozenset(str(flag) for flag in flags),
        )
    except (ValueError, TypeError, KeyError):
        raise StoreError("a stored measurement is malformed") from None


def encode_samples(samples: NDArray[np.float64]) -> bytes:
    """Zlib-compressed float32 little-endian bytes for a 1-D array of samples.

    Values are rounded to the nearest float32 (about 7 significant digits, plenty
    for any sensor the station has); NaN is kept (a dropped sample), and values
    beyond the float32 range are refused rather than turned into infinities.
    """
    array = np.asarray(samples, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError("samples must be one-dimensional")
    finite = array[np.isfinite(array)]
    if finite.size and float(np.max(np.abs(finite))) > _F32_MAX:
        raise ValueError("samples exceed the float32 range")
    return zlib.compress(array.astype(_F32).tobytes(), level=6)


def decode_samples(blob: bytes, count: int, encoding: str = SAMPLE_ENCODING) -> NDArray[np.float64]:
    """A read-only float64 array of ``count`` samples from :func:`encode_samples` bytes."""
    if encoding != SAMPLE_ENCODING:
        raise StoreError(f"unknown waveform encoding {encoding!r}")
    try:
        raw = zlib.decompress(blob)
    except zlib.error as exc:
        raise StoreError("a stored waveform does not decompress") from exc
    if len(raw) != count * _F32.itemsize:
        raise StoreError("a stored waveform has the wrong length")
    samples = np.frombuffer(raw, dtype=_F32).astype(np.float64)
    samples.flags.writeable = False
    return samples
