"""A streaming respiratory-rate analyser fed ECG and PPG chunks of any size."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from hardware.events import SignalKind, WaveformChunk
from vitals.resp import (
    RespiratoryRate,
    SignalType,
    detect_beats,
    resp_rate_from_beats,
    resp_rate_fuse,
)
from vitals.signal import SignalWindow

__all__ = ["BeatDetector", "RespirationAnalyser"]

#: Finds beats in a window: ``(signal, fs in Hz) -> sample indices``.
BeatDetector = Callable[[NDArray[np.float64], float], NDArray[np.intp]]

_KINDS: dict[SignalKind, tuple[SignalType, float]] = {
    SignalKind.ECG_I: ("ecg", 1.0),
    SignalKind.ECG_II: ("ecg", 1.0),
    SignalKind.PLETH: ("ppg", 1.0),
    SignalKind.PPG_IR: ("ppg", -1.0),  # raw counts fall as blood volume rises
    SignalKind.PPG_RED: ("ppg", -1.0),
}


class RespirationAnalyser:
    """Respiratory rate over the last ``window_s`` of ECG and/or PPG, updated as data comes.

    :meth:`push` takes :class:`~hardware.events.WaveformChunk` s of any size: ECG lead I
    or II, a pleth (pulses up) or raw PPG counts (inverted here). Once a signal holds a
    full window, it is analysed again whenever ``step_s`` more of it has arrived, with
    :func:`~vitals.resp.resp_rate_from_beats` on exactly the window's samples, so a value
    is never more than ``step_s`` behind its data. :attr:`latest` fuses the latest ECG
    and PPG results (:func:`~vitals.resp.resp_rate_fuse`) when both are fresh (their
    windows end within ``step_s`` of each other), else it is the fresher one's.

    Args:
        window_s: analysis window, s (32 s is usual; at least 15).
        step_s: analysis interval, s.
        ecg_detector: finds R peaks; default ``vitals.ecg.ecg_peaks``, imported lazily.
        ppg_detector: finds pulse peaks; default ``vitals.ppg.ppg_peaks``, lazily.
    """

    def __init__(
        self,
        *,
        window_s: float = 32.0,
        step_s: float = 1.0,
        ecg_detector: BeatDetector | None = None,
        ppg_detector: BeatDetector | None = None,
    ) -> None:
        if window_s < 15.0 or not 0 < step_s <= window_s:
            raise ValueError("need window_s >= 15 s and 0 < step_s <= window_s")
        self.window_s = window_s
        self.step_s = step_s
        self._detectors: dict[SignalType, BeatDetector] = {
            "ecg": ecg_detector or (lambda x, fs: detect_beats(x, fs, "ecg")),
            "ppg": ppg_detector or (lambda x, fs: detect_beats(x, fs, "ppg")),
        }
        self._windows: dict[SignalType, SignalWindow] = {}
        self._done: dict[SignalType, int] = {}  # samples taken in at the last analysis
        self.results: dict[SignalType, RespiratoryRate] = {}
        self._ends: dict[SignalType, float] = {}  # end of each result's window, POSIX s
        self.latest: RespiratoryRate | None = None

    def push(self, chunk: WaveformChunk) -> RespiratoryRate | None:
        """Add a chunk; returns the updated rate if this chunk completed an analysis.

        Raises:
            ValueError: a signal kind it does not read (cuff pressure).
        """
        if chunk.kind not in _KINDS:
            raise ValueError(f"RespirationAnalyser reads ECG and PPG, not {chunk.kind}")
        kind, sign = _KINDS[chunk.kind]
        win = self._windows.setdefault(kind, SignalWindow(self.window_s))
        gaps = win.gaps
        win.push(chunk if sign > 0 else _inverted(chunk))
        if win.gaps != gaps:  # a gap clears the window: nothing from before it is fresh
            self._done.pop(kind, None)
            self.results.pop(kind, None)
        fs = chunk.fs
        full = round(self.window_s * fs)
        if win.samples.size < full:
            return None
        last = self._done.get(kind)
        if last is not None and win.total - last < round(self.step_s * fs):
            return None
        self._done[kind] = win.total
        x = win.samples
        self.results[kind] = resp_rate_from_beats(x, fs, self._detectors[kind](x, fs), kind=kind)
        self._ends[kind] = chunk.end.timestamp()
        self.latest = self._combined(kind)
        return self.latest

    def _combined(self, kind: SignalType) -> RespiratoryRate:
        other: SignalType = "ppg" if kind == "ecg" else "ecg"
        if other in self.results and abs(self._ends[other] - self._ends[kind]) <= self.step_s:
            return resp_rate_fuse(self.results["ecg"], self.results["ppg"])
        return self.results[kind]


def _inverted(chunk: WaveformChunk) -> WaveformChunk:
    return WaveformChunk(
        chunk.kind, chunk.fs, chunk.start, -chunk.samples, chunk.seq, chunk.device_id,
        chunk.unit, chunk.flags,
    )  # fmt: skip
