"""Measurement steps: when a vital sign is good enough to keep, and what went wrong if not.

Each step watches the device events of one vital (through :meth:`feed`),
reports progress and problems the resident can fix (a finger out of the clip,
a loose cuff, a detached electrode), and ends with an :class:`Outcome`: the
values to keep, each with its quality and interpretation, or a failure reason.
The steps do no I/O; the controller feeds them and carries out their commands.

Acceptance rules (why a value is kept):
- SpO2 and pulse from the fingertip oximeter: ``stable_s`` seconds of readings
  with no finger-out or searching flag, SpO2 within 2 points and pulse within
  5 /min over that time; the median is kept.
- ECG: ``record_s`` seconds without a detached electrode, then R peaks, heart
  rate and rhythm flags from :mod:`vitals`; kept only when the signal-quality
  index calls the rate usable. A detached electrode restarts the recording.
- Blood pressure: one oscillometric cycle read by :class:`vitals.bp_stream.BpAnalyser`;
  a refusal (leak, movement, too few oscillations...) is a failure with its reason.
"""

from __future__ import annotations

import abc
import enum
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from hardware.events import DeviceState, DeviceStatus, Event, Reading, SignalKind, WaveformChunk
from vitals.bp_stream import BpAnalyser
from vitals.ecg import ecg_peaks
from vitals.ecg_stream import EcgAnalyser
from vitals.hrv import heart_rate
from vitals.interpret import (
    Interpretation,
    interpret_blood_pressure,
    interpret_heart_rate,
    interpret_spo2,
)
from vitals.rhythm import rhythm_flags

__all__ = [
    "BloodPressureStep",
    "Command",
    "EcgStep",
    "Failure",
    "Kept",
    "MeasureStep",
    "Outcome",
    "Problem",
    "Progress",
    "Spo2Step",
    "Vital",
]


class Vital(enum.StrEnum):
    """What the resident can measure at this station's serial devices."""

    BLOOD_PRESSURE = "blood_pressure"
    SPO2 = "spo2"
    ECG = "ecg"


class Problem(enum.StrEnum):
    """Something the resident can fix; each has a spoken instruction in the catalogue."""

    FINGER_OUT = "finger_out"
    LEAD_OFF = "lead_off"
    CUFF_LOOSE = "cuff_loose"
    MOVEMENT = "movement"
    NO_SIGNAL = "no_signal"


@dataclass(frozen=True, slots=True)
class Command:
    """A command for the step's device (sent by the controller through the hub)."""

    name: str
    params: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a step stands, for the screen and the voice.

    Attributes:
        vital: the step.
        elapsed: seconds since it started.
        expected: seconds it usually takes.
        problem: a problem to fix now, if any.
        live: values to show while measuring (e.g. the pulse so far).
    """

    vital: Vital
    elapsed: float
    expected: float
    problem: Problem | None = None
    live: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Kept:
    """One measurement to store (the shape :meth:`cabin.visit.VisitFlow.record` takes)."""

    kind: str
    values: Mapping[str, float]
    unit: str
    device_id: str
    quality: float
    interpretation: Interpretation | None = None
    flags: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True, eq=False)
class Outcome:
    """A finished step: what to keep, and the waveform that supports it."""

    vital: Vital
    kept: tuple[Kept, ...]
    waveform: tuple[SignalKind, float, datetime, NDArray[np.float64], str] | None = None


@dataclass(frozen=True, slots=True)
class Failure:
    """A step that could not measure; ``reason`` is a short code for the screen."""

    vital: Vital
    reason: str


class MeasureStep(abc.ABC):
    """One vital's measurement, from start to outcome.

    Args:
        device_id: the device this step listens to.
        timeout: seconds after which the step gives up.
    """

    vital: Vital
    expected: float = 30.0

    def __init__(self, device_id: str, *, timeout: float = 120.0) -> None:
        self.device_id = device_id
        self.timeout = timeout
        self.started: datetime | None = None
        self.problem: Problem | None = None
        self.live: dict[str, float] = {}
        self.result: Outcome | Failure | None = None

    def start(self, now: datetime) -> list[Command]:
        """Begin; returns the commands the device needs."""
        self.started = now
        return []

    def feed(self, event: Event, now: datetime) -> None:
        """Take one hub event (events of other devices are ignored)."""
        if self.result is not None or event.device_id != self.device_id:
            return
        if isinstance(event, DeviceStatus):
            # The device dropped out (unplugged, silent): say so until it is back.
            if event.state in (DeviceState.DISCONNECTED, DeviceState.FAULT):
                self.problem = Problem.NO_SIGNAL
            elif event.state == DeviceState.CONNECTED and self.problem == Problem.NO_SIGNAL:
                self.problem = None
            return
        self._feed(event, now)

    def poll(self, now: datetime) -> Progress | Outcome | Failure:
        """The step's state now: progress, or its final result."""
        if self.result is not None:
            return self.result
        elapsed = 0.0 if self.started is None else (now - self.started).total_seconds()
        if elapsed > self.timeout:
            self.result = Failure(self.vital, self.problem or Problem.NO_SIGNAL)
            return self.result
        return Progress(self.vital, elapsed, self.expected, self.problem, dict(self.live))

    def stop(self) -> list[Command]:
        """The resident cancelled; returns the commands that make the device safe."""
        if self.result is None:
            self.result = Failure(self.vital, "cancelled")
        return []

    @abc.abstractmethod
    def _feed(self, event: Event, now: datetime) -> None: ...


class Spo2Step(MeasureStep):
    """SpO2 and pulse rate from a fingertip oximeter's own readings."""

    vital = Vital.SPO2
    expected = 20.0
    stable_s = 8.0

    def __init__(self, device_id: str = "oximeter", *, timeout: float = 90.0) -> None:
        super().__init__(device_id, timeout=timeout)
        self._spo2: list[tuple[datetime, float]] = []
        self._pulse: list[tuple[datetime, float]] = []

    def _feed(self, event: Event, now: datetime) -> None:
        if isinstance(event, WaveformChunk):
            if "finger_out" in event.flags:
                self.problem = Problem.FINGER_OUT
                self._spo2.clear()
                self._pulse.clear()
            return
        if not isinstance(event, Reading) or event.kind not in ("spo2", "pulse_rate"):
            return
        if event.flags & {"finger_out", "searching"}:
            self.problem = Problem.FINGER_OUT if "finger_out" in event.flags else None
            self._spo2.clear()
            self._pulse.clear()
            return
        self.problem = None
        series = self._spo2 if event.kind == "spo2" else self._pulse
        series.append((now, event.value))
        self.live[event.kind] = event.value
        self._try_accept(now)

    def _try_accept(self, now: datetime) -> None:
        spo2 = _recent(self._spo2, now, self.stable_s)
        pulse = _recent(self._pulse, now, self.stable_s)
        if not spo2 or not pulse or not _spans(self._spo2, now, self.stable_s):
            return
        if max(spo2) - min(spo2) > 2 or max(pulse) - min(pulse) > 5:
            return  # still settling
        level, rate = statistics.median(spo2), statistics.median(pulse)
        self.result = Outcome(
            self.vital,
            (
                Kept("spo2", {"spo2": level}, "%", self.device_id, 1.0, interpret_spo2(level)),
                Kept(
                    "pulse_rate", {"pulse_rate": rate}, "/min", self.device_id, 1.0,
                    interpret_heart_rate(rate),
                ),
            ),
        )  # fmt: skip


def _recent(series: list[tuple[datetime, float]], now: datetime, seconds: float) -> list[float]:
    return [v for t, v in series if (now - t).total_seconds() <= seconds]


def _spans(series: list[tuple[datetime, float]], now: datetime, seconds: float) -> bool:
    return bool(series) and (now - series[0][0]).total_seconds() >= seconds


class EcgStep(MeasureStep):
    """A lead II recording, then heart rate and rhythm."""

    vital = Vital.ECG
    record_s = 30.0

    def __init__(self, device_id: str = "ecg", *, timeout: float = 120.0) -> None:
        super().__init__(device_id, timeout=timeout)
        self.expected = self.record_s
        self._chunks: list[WaveformChunk] = []
        self._live = EcgAnalyser()

    def _feed(self, event: Event, now: datetime) -> None:
        if not isinstance(event, WaveformChunk) or event.kind != SignalKind.ECG_II:
            return
        if "lead_off" in event.flags or (
            self._chunks and event.seq != self._chunks[-1].seq + len(self._chunks[-1])
        ):
            # A detached electrode, or lost samples: start the recording again.
            self.problem = Problem.LEAD_OFF if "lead_off" in event.flags else None
            self._chunks.clear()
            self._live = EcgAnalyser()
            self.live.clear()
            if "lead_off" in event.flags:
                return
        self.problem = None
        self._chunks.append(event)
        rate = self._live.push(event)
        if rate is not None and rate.value is not None and rate.quality.usable:
            self.live["heart_rate"] = round(rate.value)
        if sum(len(c) for c in self._chunks) >= self.record_s * event.fs:
            self._finish(event.fs)

    def _finish(self, fs: float) -> None:
        samples = np.concatenate([c.samples for c in self._chunks])
        peaks = ecg_peaks(samples, fs)
        rate = heart_rate(peaks)
        if rate.value is None or not rate.quality.usable:
            self.result = Failure(self.vital, rate.quality.reason or "noise")
            return
        rhythm = rhythm_flags(peaks)
        flags = {
            name
            for name, on in (
                ("bradycardia", rhythm.bradycardia),
                ("tachycardia", rhythm.tachycardia),
                ("irregular_rhythm_af_suspected", bool(rhythm.atrial_fibrillation)),
                ("pause", bool(rhythm.pauses)),
                ("frequent_ectopic_beats", rhythm.frequent_ectopy),
            )
            if on
        }
        kept = Kept(
            "heart_rate",
            {"heart_rate": round(rate.value, 1)},
            "/min",
            self.device_id,
            rate.quality.score,
            interpret_heart_rate(rate.value),
            frozenset(flags),
        )
        first = self._chunks[0]
        self.result = Outcome(
            self.vital, (kept,), (SignalKind.ECG_II, fs, first.start, samples, first.unit)
        )


class BloodPressureStep(MeasureStep):
    """One oscillometric cycle of the cuff module."""

    vital = Vital.BLOOD_PRESSURE
    expected = 45.0

    def __init__(self, device_id: str = "bp", *, target: float = 180.0, timeout: float = 150.0):
        super().__init__(device_id, timeout=timeout)
        self.target = target
        self._analyser = BpAnalyser()
        self._chunks: list[WaveformChunk] = []

    def start(self, now: datetime) -> list[Command]:
        super().start(now)
        return [Command("start", {"target": self.target})]

    def stop(self) -> list[Command]:
        cancelled = self.result is None
        super().stop()
        return [Command("dump")] if cancelled else []

    def _feed(self, event: Event, now: datetime) -> None:
        if not isinstance(event, WaveformChunk) or event.kind != SignalKind.CUFF_PRESSURE:
            return
        if "leak" in event.flags:
            self.problem = Problem.CUFF_LOOSE
        if "idle" in event.flags and not self._chunks:
            return  # the cycle has not begun yet
        self._chunks.append(event)
        self.live["pressure"] = round(float(event.samples[-1]))
        reading = self._analyser.push(event)
        if reading is None:
            return
        if reading.systolic is None or reading.diastolic is None or not reading.quality.usable:
            reason = reading.quality.reason or "noise"
            self.result = Failure(self.vital, "cuff_loose" if reason == "leak" else reason)
            return
        values = {"systolic": round(reading.systolic), "diastolic": round(reading.diastolic)}
        if reading.mean is not None:
            values["mean"] = round(reading.mean)
        kept = [
            Kept(
                "blood_pressure", values, "mm[Hg]", self.device_id, reading.quality.score,
                interpret_blood_pressure(values["systolic"], values["diastolic"]),
                reading.flags,
            )
        ]  # fmt: skip
        if reading.pulse_rate is not None:
            kept.append(
                Kept(
                    "pulse_rate", {"pulse_rate": round(reading.pulse_rate)}, "/min",
                    self.device_id, reading.quality.score, None, reading.flags,
                )
            )  # fmt: skip
        samples = np.concatenate([c.samples for c in self._chunks])
        first = self._chunks[0]
        self.result = Outcome(
            self.vital,
            tuple(kept),
            (SignalKind.CUFF_PRESSURE, first.fs, first.start, samples, first.unit),
        )
