"""What devices say: the frozen events every driver emits and every consumer reads.

A driver yields a spot :class:`Reading` (a blood pressure, a temperature) or a
:class:`WaveformChunk` (a run of samples of one signal), and the hub adds a
:class:`DeviceStatus` whenever a device connects, drops out or misbehaves. No
event knows about a visit or a resident.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "DeviceState",
    "DeviceStatus",
    "Event",
    "Reading",
    "SignalKind",
    "WaveformChunk",
]


class SignalKind(enum.StrEnum):
    """Waveforms a station records. Values are stable names used in files and the store."""

    ECG_I = "ecg_i"  # limb lead I, mV
    ECG_II = "ecg_ii"  # limb lead II, mV
    PLETH = "pleth"  # an oximeter's display plethysmogram, device units
    PPG_RED = "ppg_red"  # raw red photodiode counts
    PPG_IR = "ppg_ir"  # raw infrared photodiode counts
    CUFF_PRESSURE = "cuff_pressure"  # mm[Hg]


def _aware(t: datetime, name: str) -> None:
    if t.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")


@dataclass(frozen=True, slots=True)
class Reading:
    """A spot value from a device.

    Attributes:
        kind: what was measured, e.g. ``"spo2"``, ``"pulse_rate"``, ``"blood_pressure"``.
        values: named values in ``unit``; one entry for a scalar (named like ``kind``),
            several for a panel (``systolic``, ``diastolic``, ``mean``).
        unit: UCUM unit of every value, e.g. ``"%"``, ``"/min"``, ``"mm[Hg]"``.
        device_id: the configured id of the device.
        device_time: the device's own clock for the measurement (UTC), if it has one.
        received_at: when the station received it (UTC).
        flags: conditions the device reported (``"finger_out"``, ``"searching"``,
            ``"irregular_pulse"``, ``"body_movement"``...).
        device_info: what the device said of itself when it measured: ``manufacturer``,
            ``model``, ``serial``, ``firmware``, ``hardware``, ``software``, ``battery``
            (percent) for a BLE device; empty when it says nothing.
    """

    kind: str
    values: Mapping[str, float]
    unit: str
    device_id: str
    received_at: datetime
    device_time: datetime | None = None
    flags: frozenset[str] = frozenset()
    device_info: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.values:
            raise ValueError("a reading needs at least one value")
        _aware(self.received_at, "received_at")
        if self.device_time is not None:
            _aware(self.device_time, "device_time")
        values = {name: float(v) for name, v in self.values.items()}
        object.__setattr__(self, "values", MappingProxyType(values))
        object.__setattr__(self, "device_info", MappingProxyType(dict(self.device_info)))

    @property
    def value(self) -> float:
        """The value of a scalar reading (one whose ``values`` has a single entry)."""
        if len(self.values) != 1:
            raise ValueError(f"{self.kind} holds {len(self.values)} values, not one")
        return next(iter(self.values.values()))


@dataclass(frozen=True, slots=True, eq=False)
class WaveformChunk:
    """Consecutive samples of one signal from one device.

    Attributes:
        kind: the signal.
        fs: sampling rate in Hz.
        start: time of the first sample (UTC).
        samples: the samples, 1-D float64, in ``unit``; read-only.
        seq: index of the first sample in the device's stream since it started;
            a gap between chunks is a loss of ``next.seq - (prev.seq + len(prev))``.
        device_id: the configured id of the device.
        unit: UCUM unit of the samples (``"mV"``, ``"mm[Hg]"``, ``"1"`` for counts).
        flags: conditions over the chunk (``"lead_off"``, ``"finger_out"``...).
    """

    kind: SignalKind
    fs: float
    start: datetime
    samples: NDArray[np.float64]
    seq: int
    device_id: str
    unit: str
    flags: frozenset[str] = field(default=frozenset())

    def __post_init__(self) -> None:
        if not self.fs > 0:
            raise ValueError("fs must be positive")
        if self.seq < 0:
            raise ValueError("seq must not be negative")
        _aware(self.start, "start")
        samples = np.array(self.samples, dtype=np.float64)  # a private copy
        if samples.ndim != 1:
            raise ValueError("samples must be one-dimensional")
        samples.flags.writeable = False
        object.__setattr__(self, "samples", samples)

    def __len__(self) -> int:
        return int(self.samples.shape[0])

    @property
    def end(self) -> datetime:
        """Time just after the last sample."""
        return self.start + timedelta(seconds=len(self) / self.fs)


class DeviceState(enum.StrEnum):
    """Where a device stands, as the hub sees it."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    FAULT = "fault"


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """A change in a device's link or health.

    Attributes:
        device_id: the configured id of the device.
        state: the new state.
        at: when it happened (UTC).
        reason: a short code (``"unplugged"``, ``"crc_error"``, ``"silent"``...), no data.
        counters: running totals for the link (``frames``, ``crc_errors``,
            ``resyncs``, ``bytes_dropped``, ``samples_lost``...).
    """

    device_id: str
    state: DeviceState
    at: datetime
    reason: str = ""
    counters: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _aware(self.at, "at")
        object.__setattr__(self, "counters", MappingProxyType(dict(self.counters)))


Event = Reading | WaveformChunk | DeviceStatus
