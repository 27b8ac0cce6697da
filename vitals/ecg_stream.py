"""Streaming R peaks and heart rate, fed chunk by chunk, agreeing with the offline analysis.

:class:`EcgAnalyser` keeps the last ``window_s`` seconds of the ECG (a
:class:`vitals.signal.SignalWindow`) and, every ``hop_s`` seconds of new signal, runs
:func:`vitals.ecg.ecg_peaks` on the whole window. Peaks in the window's first
``settle_s`` seconds are final: they were found in earlier runs with at least
``settle_s`` seconds of signal before them and ``window_s - settle_s - hop_s`` after.
Peaks later in the window are provisional and replaced by each run, so a beat appears
within ``hop_s`` (plus the 0.1 s the filters need past it) of the data that shows it,
and is corrected if later signal changes the decision (a search-back).

**Agreement with the offline function.** At the start of the stream the window begins
where the offline signal begins, and :meth:`EcgAnalyser.flush` ends the last run where
the offline signal ends, so both edges see the same signal. In between, the detector
sees ``settle_s`` seconds of history instead of the whole record: its adaptive levels
(medians of the last 8 beats) are then seeded afresh, and its zero-phase filters see a
window edge instead of signal. With ``settle_s`` of 10 s (over 8 beats down to
48 /min) those differences have died out before a peak becomes final; the tests feed
records in random chunk sizes and find the same peaks. A gap in the stream
(a sequence number that does not follow on) restarts the analysis.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hardware.events import WaveformChunk
from vitals.ecg import EcgPeaks, PeakMethod, ecg_peaks
from vitals.hrv import HeartRate, heart_rate
from vitals.signal import Quality, SignalWindow

__all__ = ["EcgAnalyser"]

MIN_RUN_S = 4.0  # the first run waits for this much signal


class EcgAnalyser:
    """Incremental R-peak detection and heart rate over a stream of ECG chunks.

    Args:
        fs: sampling rate in Hz; taken from the first chunk when omitted.
        method: the R-peak detector (see :func:`vitals.ecg.ecg_peaks`).
        powerline: mains frequency in Hz.
        window_s: signal analysed by each run, s.
        settle_s: history a peak needs before it is final, s.
        hop_s: new signal between runs, s.
        rate_s: the heart rate is the mean over the peaks of the last ``rate_s``, s.

    Example:
        >>> analyser = EcgAnalyser(500.0)
        >>> for chunk in chunks:  # doctest: +SKIP
        ...     rate = analyser.push(chunk)
        ...     if rate is not None and rate.value is not None:
        ...         show(rate.value)
    """

    def __init__(
        self,
        fs: float | None = None,
        *,
        method: PeakMethod = "consensus",
        powerline: float | None = 50.0,
        window_s: float = 24.0,
        settle_s: float = 10.0,
        hop_s: float = 0.5,
        rate_s: float = 10.0,
    ) -> None:
        if not (hop_s > 0 and settle_s >= 0 and settle_s + hop_s + 2.0 <= window_s):
            raise ValueError("need hop_s > 0 and settle_s + hop_s + 2 <= window_s")
        self.method: PeakMethod = method
        self.powerline = powerline
        self.settle_s = settle_s
        self.hop_s = hop_s
        self.rate_s = rate_s
        self._window = SignalWindow(window_s, fs)
        self._final: list[int] = []  # absolute indices, since the last gap
        self._provisional = np.empty(0, dtype=np.intp)
        self._analysed = 0  # window.total at the last run
        self._gaps = 0
        self._rate: HeartRate | None = None
        self._last: EcgPeaks | None = None

    @property
    def fs(self) -> float | None:
        """Sampling rate in Hz, once known."""
        return self._window.fs

    @property
    def _fs(self) -> float:
        if self._window.fs is None:
            raise ValueError("fs is unknown: give it with the first samples")
        return self._window.fs

    @property
    def peaks(self) -> NDArray[np.intp]:
        """R peaks so far (final then provisional), samples since the stream (re)started."""
        return np.concatenate([np.asarray(self._final, dtype=np.intp), self._provisional])

    @property
    def heart_rate(self) -> HeartRate | None:
        """The latest heart rate, or None before the first run."""
        return self._rate

    @property
    def last_run(self) -> EcgPeaks | None:
        """Peaks of the latest run, indices relative to its window."""
        return self._last

    def push(self, chunk: WaveformChunk | ArrayLike, fs: float | None = None) -> HeartRate | None:
        """Add samples and, when ``hop_s`` of new signal has come, analyse.

        Args:
            chunk: a :class:`hardware.events.WaveformChunk`, or an array of samples in mV.
            fs: sampling rate in Hz, for arrays.

        Returns:
            The updated heart rate when a run took place, else None.

        Raises:
            ValueError: NaN or infinite samples, or no sampling rate known.
        """
        samples = chunk.samples if isinstance(chunk, WaveformChunk) else np.asarray(chunk)
        if not np.all(np.isfinite(samples)):
            raise ValueError("signal contains NaN or infinite samples")
        self._window.push(chunk, fs)
        if self._window.gaps != self._gaps:  # lost samples: start again
            self._gaps = self._window.gaps
            self._reset()
            self._analysed = self._window.total - self._window.samples.size
        hop = round(self.hop_s * self._fs)
        if self._window.duration < MIN_RUN_S or self._window.total - self._analysed < hop:
            return None
        return self._run(final=False)

    def flush(self) -> HeartRate | None:
        """Analyse what is left at the end of the stream and make every peak final."""
        if self._window.fs is None or self._window.duration < 2.0:
            return self._rate
        rate = self._run(final=True)
        self._final.extend(int(i) for i in self._provisional)
        self._provisional = np.empty(0, dtype=np.intp)
        return rate

    def reset(self) -> None:
        """Forget everything, as after a gap."""
        self._window.clear()
        self._reset()
        self._analysed = 0

    def _reset(self) -> None:
        self._final = []
        self._provisional = np.empty(0, dtype=np.intp)
        self._rate = None
        self._last = None

    def _run(self, *, final: bool) -> HeartRate:
        fs = self._fs
        x = self._window.samples
        offset = self._window.total - x.size
        previous_end, self._analysed = self._analysed, self._window.total
        result = ecg_peaks(x, fs, method=self.method, powerline=self.powerline)
        self._last = result
        # Peaks before the boundary are kept from earlier runs: the first settle_s of the
        # window, unless the stream starts in it, and only what earlier runs saw with as
        # much signal after it as usual (after a large chunk, the new run must fill in).
        boundary = 0
        if offset > 0:
            usual_after = round((self._window.seconds - self.settle_s - self.hop_s) * fs)
            boundary = max(offset, min(offset + round(self.settle_s * fs),
                                       previous_end - usual_after))  # fmt: skip
        found = result.indices.astype(np.intp) + offset
        self._final = [i for i in self._final if i < boundary]
        keep_old = np.asarray(self._provisional[self._provisional < boundary], dtype=np.intp)
        self._final.extend(int(i) for i in keep_old)
        fresh = found[found >= boundary]
        if self._final and fresh.size:
            fresh = fresh[fresh - self._final[-1] >= round(0.25 * fs)]
        self._provisional = fresh
        self._rate = self._recent_rate(result, offset, fs)
        return self._rate

    def _recent_rate(self, result: EcgPeaks, offset: int, fs: float) -> HeartRate:
        if not result.quality.usable:
            return heart_rate(result)
        start = offset + result.n_samples - round(self.rate_s * fs)
        recent = self.peaks[self.peaks >= start] - offset
        segments = tuple(
            (max(a, start - offset), b) for a, b in result.segments if b > start - offset
        )
        part = EcgPeaks(recent, fs, result.method, result.quality, segments=segments,
                        n_samples=result.n_samples)  # fmt: skip
        rate = heart_rate(part)
        if rate.value is None and rate.quality.usable:
            return HeartRate(None, fs, result.method, Quality.refused("too_few_beats"))
        return rate
