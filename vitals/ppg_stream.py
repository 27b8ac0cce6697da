"""A streaming pulse-rate analyser fed PPG chunks or arrays of any size.

Every analyser here works the same way: samples go into a window of the last
``window_s``; each time the stream reaches a multiple of ``step_s`` (counted in samples
since the start or the last gap, so the schedule does not depend on how the stream was
cut into chunks) and the window holds at least ``min_s``, the offline function runs on
exactly the window's samples. A value is therefore never more than ``step_s`` (1 s by
default) behind the data that supports it, and equals the offline answer on the same
samples. A gap in the stream (a chunk whose ``seq`` does not follow, or a new sampling
rate) clears the window. A chunk flagged ``finger_out`` or ``saturated`` by its driver
makes every window that holds any of its samples refused with that reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hardware.events import SignalKind, WaveformChunk
from vitals.ppg import FS_RANGE, PpgMethod, PulseRate, ppg_rate
from vitals.signal import Quality, SignalWindow, stream_rate

__all__ = ["PpgAnalyser", "PpgUpdate"]

#: Driver flags that make a window unusable, and the reason given.
FLAG_REASONS = {"finger_out": "finger_out", "saturated": "saturated"}


@dataclass(frozen=True, slots=True)
class PpgUpdate:
    """A pulse rate from the stream.

    Attributes:
        rate: the pulse rate of the window.
        end: index of the first sample after the window: the device's ``seq``
            numbering for chunks, the count of samples pushed for arrays.
        at: time just after the window's last sample (UTC), None for arrays.
        seconds: length of the window, s.
    """

    rate: PulseRate
    end: int
    at: datetime | None
    seconds: float


@dataclass(frozen=True, slots=True)
class _Slice:
    """One analysis point: the window of each channel, where it ends, and any flag."""

    windows: tuple[NDArray[np.float64], ...]
    fs: float
    end: int
    at: datetime | None
    flag: str


class _Windowed:
    """Windows of one or more channels fed in step, with the analysis schedule."""

    def __init__(
        self, channels: int, window_s: float, step_s: float, min_s: float, fs: float | None
    ) -> None:
        if not 0 < min_s <= window_s or not 0 < step_s <= window_s:
            raise ValueError("need 0 < min_s <= window_s and 0 < step_s <= window_s")
        self.window_s, self.step_s, self.min_s = window_s, step_s, min_s
        self.fs = fs
        self.gaps = 0
        self._windows = [SignalWindow(window_s, fs) for _ in range(channels)]
        self._next: int | None = None  # stream index expected next
        self._flags: list[tuple[int, int, str]] = []  # (start, end) in window.total, reason

    def _clear(self) -> None:
        for w in self._windows:
            w.clear()
        self._flags.clear()

    def _feed(
        self,
        arrays: tuple[NDArray[np.float64], ...],
        fs: float,
        index: int | None,
        start: datetime | None,
        flags: frozenset[str],
    ) -> list[_Slice]:
        """Add samples of every channel; return the analysis points they complete.

        Raises:
            ValueError: ``fs`` outside 20-2000 Hz or a sample that is NaN or infinite;
                nothing is taken in.
        """
        if not FS_RANGE[0] <= fs <= FS_RANGE[1]:
            raise ValueError(f"fs must be within {FS_RANGE[0]:g} and {FS_RANGE[1]:g} Hz")
        if not all(np.isfinite(x).all() for x in arrays):
            raise ValueError("samples must be finite (no NaN or infinite values)")
        n = arrays[0].size
        if self.fs is not None and fs != self.fs:
            self._clear()
            self.gaps += 1
            self._next = None
            for w in self._windows:
                w.fs = fs
        self.fs = fs
        first = index if index is not None else (self._next or 0)
        if self._next is not None and first != self._next:
            self._clear()
            self.gaps += 1
        self._next = first + n
        step, least = round(self.step_s * fs), round(self.min_s * fs)
        reason = next((FLAG_REASONS[f] for f in sorted(flags) if f in FLAG_REASONS), "")
        out: list[_Slice] = []
        pos = 0
        while pos < n:
            total = self._windows[0].total
            take = min(step - total % step, n - pos)
            for w, x in zip(self._windows, arrays, strict=True):
                w.push(x[pos : pos + take], fs)
            if reason:
                self._flags.append((total, total + take, reason))
            pos += take
            total += take
            if total % step == 0 and self._windows[0].samples.size >= least:
                keep = self._windows[0].samples.size
                self._flags = [f for f in self._flags if f[1] > total - keep]
                flag = next((f[2] for f in self._flags), "")
                at = None if start is None else start + timedelta(seconds=pos / fs)
                windows = tuple(w.samples.copy() for w in self._windows)
                out.append(_Slice(windows, fs, first + pos, at, flag))
        return out


class PpgAnalyser(_Windowed):
    """Pulse rate over the last ``window_s`` of a PPG stream, updated every ``step_s``.

    Feed it :class:`~hardware.events.WaveformChunk` s or plain arrays of any size;
    :meth:`push` returns the updates the new samples completed (often none, sometimes
    several), each equal to :func:`~vitals.ppg.ppg_rate` on the window's samples.

    Args:
        fs: sampling rate in Hz; taken from the first chunk when omitted.
        window_s: analysis window, s.
        step_s: analysis interval, s: the most a value lags its data.
        min_s: the shortest window analysed after a start or a gap, s.
        method: the pulse detector (see :func:`~vitals.ppg.ppg_peaks`).
        inverted: whether the pulse points down; by default True for raw counts
            (``PPG_RED``, ``PPG_IR`` chunks) and False for a ``PLETH`` or an array.
    """

    def __init__(
        self,
        *,
        fs: float | None = None,
        window_s: float = 8.0,
        step_s: float = 1.0,
        min_s: float = 4.0,
        method: PpgMethod = "elgendi",
        inverted: bool | None = None,
    ) -> None:
        super().__init__(1, window_s, step_s, min_s, fs)
        self.method: PpgMethod = method
        self.inverted = inverted
        self.latest: PpgUpdate | None = None

    def push(self, chunk: WaveformChunk | ArrayLike, fs: float | None = None) -> list[PpgUpdate]:
        """Add samples: a chunk, or an array with its ``fs`` (Hz) if not given before.

        Raises:
            ValueError: no sampling rate known, a rate outside 20-2000 Hz, a NaN or
                infinite sample, or a chunk that is not a PPG; nothing is taken in.
        """
        if isinstance(chunk, WaveformChunk):
            if chunk.kind not in (SignalKind.PLETH, SignalKind.PPG_IR, SignalKind.PPG_RED):
                raise ValueError(f"PpgAnalyser reads PPG chunks, not {chunk.kind}")
            inverted = chunk.kind != SignalKind.PLETH if self.inverted is None else self.inverted
            x, rate = chunk.samples, chunk.fs
            slices = self._feed((x,), rate, chunk.seq, chunk.start, chunk.flags)
        else:
            inverted = bool(self.inverted)
            x = np.asarray(chunk, dtype=np.float64).ravel()
            slices = self._feed((x,), float(stream_rate(fs, self.fs)), None, None, frozenset())
        updates = [self._analyse(s, inverted) for s in slices]
        if updates:
            self.latest = updates[-1]
        return updates

    def _analyse(self, s: _Slice, inverted: bool) -> PpgUpdate:
        (x,) = s.windows
        if s.flag:
            rate = PulseRate(None, s.fs, self.method, Quality.refused(s.flag), 0)
        else:
            rate = ppg_rate(x, s.fs, method=self.method, inverted=inverted)
        return PpgUpdate(rate, s.end, s.at, x.size / s.fs)
