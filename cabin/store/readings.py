"""Spot measurements and waveform segments of a visit.

Measurement values are JSON text (``{"systolic": 120.0, "diastolic": 80.0}``)
with one UCUM unit per row; flags are a sorted JSON list. Waveform samples are
stored as zlib-compressed float32 little-endian bytes with their count and an
``encoding`` name, so a later format can sit beside this one.
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
    "INSERT INTO measurements (visit_id, kind, value_json, unit, device_id, device_time,"
    " received_at, quality, flags_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SELECT_MEASUREMENTS = (
    "SELECT id, visit_id, kind, value_json, unit, device_id, device_time, received_at, quality,"
    " flags_json FROM measurements WHERE visit_id = ? ORDER BY id"
)
_INSERT_WAVEFORM = (
    "INSERT INTO waveform_segments (visit_id, signal_kind, fs, start_time, sample_count, unit,"
    " encoding, samples, device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SELECT_WAVEFORMS = (
    "SELECT id, visit_id, signal_kind, fs, start_time, sample_count, unit, encoding, samples,"
    " device_id FROM waveform_segments WHERE visit_id = ? ORDER BY start_time, id"
)


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
        params = (
            visit_id,
            kind,
            codec.encode_values(values),
            unit,
            device_id,
            None if device_time is None else codec.to_db_time(device_time, "device_time"),
            codec.to_db_time(received_at or codec.utc_now(), "received_at"),
            None if quality is None else float(quality),
            codec.encode_flags(flags),
        )
        with self.transaction():
            cursor = self._run(_INSERT_MEASUREMENT, params)
            return lastrowid(cursor)

    def measurements(self, visit_id: str) -> list[Measurement]:
        """A visit's measurements, in the order they were stored."""
        rows = self._fetchall(_SELECT_MEASUREMENTS, (visit_id,))
        return [_measurement(row) for row in rows]

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

        Samples are kept as zlib-compressed float32 little-endian, so they read back
        rounded to float32 (about 7 significant digits).

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
        blob = codec.encode_samples(array)
        params = (
            visit_id,
            signal_kind,
            float(fs),
            codec.to_db_time(start_time, "start_time"),
            int(array.shape[0]),
            unit,
            codec.SAMPLE_ENCODING,
            blob,
            device_id,
        )
        with self.transaction():
            cursor = self._run(_INSERT_WAVEFORM, params)
            return lastrowid(cursor)

    def waveforms(self, visit_id: str) -> list[Waveform]:
        """A visit's waveform segments, by start time."""
        rows = self._fetchall(_SELECT_WAVEFORMS, (visit_id,))
        return [_waveform(row) for row in rows]


def _measurement(row: tuple[Any, ...]) -> Measurement:
    return Measurement(
        id=int(row[0]),
        visit_id=str(row[1]),
        kind=str(row[2]),
        values=codec.decode_values(row[3]),
        unit=str(row[4]),
        device_id=row[5],
        device_time=None if row[6] is None else codec.from_db_time(row[6]),
        received_at=codec.from_db_time(row[7]),
        quality=None if row[8] is None else float(row[8]),
        flags=codec.decode_flags(row[9]),
    )


def _waveform(row: tuple[Any, ...]) -> Waveform:
    return Waveform(
        id=int(row[0]),
        visit_id=str(row[1]),
        signal_kind=str(row[2]),
        fs=float(row[3]),
        start_time=codec.from_db_time(row[4]),
        unit=str(row[6]),
        samples=codec.decode_samples(bytes(row[8]), int(row[5]), str(row[7])),
        device_id=row[9],
    )
