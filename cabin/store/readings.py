"""Spot measurements and waveform segments of a visit, their health data sealed.

What is sealed: a measurement's values and flags, as one JSON object
(``{"flags": [...], "values": {"systolic": 120.0, ...}}``, padded with spaces to
a multiple of 64 bytes so that its length does not give away how many digits a
value has) in ``measurements.data``; a segment's samples, zlib-compressed
float32 little-endian and then sealed, in ``waveform_segments.samples``. Both
use the field cipher of the residents' identities (AES-256-GCM under the
HKDF field subkey), bound to their place: ``measurements.data.<id>`` and
``waveform_segments.samples.<id>``, so a value copied to another row, column
or table no longer opens.

What stays in clear, because queries and ordering need it and it says nothing
about the resident's health on its own: the visit id, ``kind``/``signal_kind``,
``unit``, ``device_id``, the times, ``quality``, and for waveforms ``fs``,
``sample_count`` and the ``encoding`` name (the format inside the seal, so a
later format can sit beside this one). The length of a sealed waveform is the
length of its compressed samples, and so tells how compressible the signal was.

The associated data needs the row id, which SQLite assigns: each row is
inserted with an empty placeholder and sealed by an ``UPDATE`` in the same
transaction, so no reader ever sees the placeholder and the plain value never
reaches the database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cabin.store import codec
from cabin.store.db import Database, lastrowid, require_text
from cabin.store.models import Measurement, Waveform

__all__ = ["ReadingRecords"]

_INSERT_MEASUREMENT = (
    "INSERT INTO measurements (visit_id, kind, unit, device_id, device_time, received_at,"
    " quality, data) VALUES (?, ?, ?, ?, ?, ?, ?, X'')"
)
_SELECT_MEASUREMENTS = (
    "SELECT id, visit_id, kind, unit, device_id, device_time, received_at, quality, data"
    " FROM measurements WHERE visit_id = ? ORDER BY id"
)
_INSERT_WAVEFORM = (
    "INSERT INTO waveform_segments (visit_id, signal_kind, fs, start_time, sample_count, unit,"
    " encoding, device_id, samples) VALUES (?, ?, ?, ?, ?, ?, ?, ?, X'')"
)
_SELECT_WAVEFORMS = (
    "SELECT id, visit_id, signal_kind, fs, start_time, sample_count, unit, encoding, device_id,"
    " samples FROM waveform_segments WHERE visit_id = ? ORDER BY start_time, id"
)
_SEAL_MEASUREMENT = "UPDATE measurements SET data = ? WHERE id = ?"
_SEAL_WAVEFORM = "UPDATE waveform_segments SET samples = ? WHERE id = ?"
# Where each sealed value lives, named in its associated data with the row id.
_MEASUREMENT_DATA = "measurements.data"
_WAVEFORM_SAMPLES = "waveform_segments.samples"


def _aad(place: str, row_id: int) -> bytes:
    return f"{place}.{row_id}".encode("ascii")


class ReadingRecords(Database):
    """The ``measurements`` and ``waveform_segments`` tables."""

    def add_measurement(
        self,
        visit_id: str,
        kind: str,
        values: Mapping[str, float],
        unit: str,
        *,
        device_id: str | None = None,
        device_time: datetime | None = None,
        received_at: datetime | None = None,
        quality: float | None = None,
        flags: Iterable[str] = (),
    ) -> int:
        """Store a spot measurement and return its row id.

        Args:
            visit_id: the visit it belongs to.
            kind: what was measured (``"spo2"``, ``"blood_pressure"``...).
            values: named finite values, all in ``unit`` (``{"systolic": 120.0, ...}``).
            unit: UCUM unit (``"%"``, ``"/min"``, ``"mm[Hg]"``...).
            device_id: the device that measured it.
            device_time: the device's clock for it (UTC), if known.
            received_at: when the station received it (UTC); now by default.
            quality: signal quality from 0 to 1, if assessed.
            flags: condition codes reported with it.
        """
        require_text(kind, "kind")
        require_text(unit, "unit")
        if quality is not None and not (math.isfinite(quality) and 0.0 <= quality <= 1.0):
            raise ValueError("quality must lie between 0 and 1")
        reading = codec.encode_reading(values, flags)
        params = (
            visit_id,
            kind,
            unit,
            device_id,
            None if device_time is None else codec.to_db_time(device_time, "device_time"),
            codec.to_db_time(received_at or codec.utc_now(), "received_at"),
            None if quality is None else float(quality),
        )
        return self._insert_sealed(
            _INSERT_MEASUREMENT, params, _SEAL_MEASUREMENT, _MEASUREMENT_DATA, reading
        )

    def measurements(self, visit_id: str) -> list[Measurement]:
        """A visit's measurements, in the order they were stored.

        Raises:
            StoreError: a stored reading was altered, moved or sealed under another key.
        """
        rows = self._fetchall(_SELECT_MEASUREMENTS, (visit_id,))
        return [self._open_measurement(row) for row in rows]

    def add_waveform(
        self,
        visit_id: str,
        signal_kind: str,
        fs: float,
        start_time: datetime,
        samples: NDArray[np.float64],
        unit: str,
        *,
        device_id: str | None = None,
    ) -> int:
        """Store a run of samples and return its row id.

        Samples are kept as zlib-compressed float32 little-endian, sealed, so they
        read back rounded to float32 (about 7 significant digits).

        Args:
            visit_id: the visit it belongs to.
            signal_kind: the signal (a ``hardware.events.SignalKind`` value).
            fs: sampling rate in Hz.
            start_time: time of the first sample (UTC).
            samples: 1-D samples in ``unit``.
            unit: UCUM unit of the samples (``"mV"``, ``"mm[Hg]"``...).
            device_id: the device that recorded it.
        """
        require_text(signal_kind, "signal_kind")
        require_text(unit, "unit")
        if not (math.isfinite(fs) and fs > 0):
            raise ValueError("fs must be a positive number of hertz")
        array = np.asarray(samples, dtype=np.float64)
        blob = codec.encode_samples(array)  # compress before sealing: ciphertext won't shrink
        params = (
            visit_id,
            signal_kind,
            float(fs),
            codec.to_db_time(start_time, "start_time"),
            int(array.shape[0]),
            unit,
            codec.SAMPLE_ENCODING,
            device_id,
        )
        return self._insert_sealed(
            _INSERT_WAVEFORM, params, _SEAL_WAVEFORM, _WAVEFORM_SAMPLES, blob
        )

    def waveforms(self, visit_id: str) -> list[Waveform]:
        """A visit's waveform segments, by start time.

        Raises:
            StoreError: a stored segment was altered, moved or sealed under another key.
        """
        rows = self._fetchall(_SELECT_WAVEFORMS, (visit_id,))
        return [self._open_waveform(row) for row in rows]

    def _insert_sealed(
        self, insert: str, params: tuple[Any, ...], seal: str, place: str, plain: bytes
    ) -> int:
        """Insert a row with an empty placeholder, then seal ``plain`` into it under its new id."""
        with self.transaction():
            row_id = lastrowid(self._run(insert, params))
            self._run(seal, (self._cipher.seal(plain, _aad(place, row_id)), row_id))
        return row_id

    def _open_measurement(self, row: tuple[Any, ...]) -> Measurement:
        row_id = int(row[0])
        values, flags = codec.decode_reading(
            self._cipher.open(bytes(row[8]), _aad(_MEASUREMENT_DATA, row_id))
        )
        return Measurement(
            id=row_id,
            visit_id=str(row[1]),
            kind=str(row[2]),
            values=values,
            unit=str(row[3]),
            device_id=row[4],
            device_time=None if row[5] is None else codec.from_db_time(row[5]),
            received_at=codec.from_db_time(row[6]),
            quality=None if row[7] is None else float(row[7]),
            flags=flags,
        )

    def _open_waveform(self, row: tuple[Any, ...]) -> Waveform:
        row_id = int(row[0])
        blob = self._cipher.open(bytes(row[9]), _aad(_WAVEFORM_SAMPLES, row_id))
        return Waveform(
            id=row_id,
            visit_id=str(row[1]),
            signal_kind=str(row[2]),
            fs=float(row[3]),
            start_time=codec.from_db_time(row[4]),
            unit=str(row[6]),
            samples=codec.decode_samples(blob, int(row[5]), str(row[7])),
            device_id=row[8],
        )
