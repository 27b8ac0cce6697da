"""A streaming SpO2 and pulse-rate analyser fed red and infrared chunks of any size.

A PPG front end sends each run of samples as two chunks, ``PPG_RED`` and ``PPG_IR``,
with the same ``seq``. The analyser holds each channel's samples until the other
channel's cover the same stream indices (whatever the order and sizes of the chunks),
then feeds the pairs to windows kept in step (see :mod:`vitals.ppg_stream` for the
schedule, gaps and flags). Samples one channel lost are dropped from the other too, and
the windows restart after them. A channel more than a minute ahead of the other drops
its oldest samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hardware.events import SignalKind, WaveformChunk
from vitals.ppg import PpgMethod, PulseRate, rate_from_peaks
from vitals.ppg_stream import _Slice, _Windowed
from vitals.signal import Quality, stream_rate
from vitals.spo2 import ADC_BITS, Spo2, Spo2Method, spo2_from_ratio, spo2_ratio
from vitals.spo2_calibration import DEFAULT_CALIBRATION, Calibration, get_calibration

__all__ = ["Spo2Analyser", "Spo2Update"]

_RED, _IR = 0, 1
#: How far (s) one channel may run ahead of the other before its oldest samples go.
MAX_AHEAD_S = 60.0


@dataclass(frozen=True, slots=True)
class Spo2Update:
    """SpO2 and pulse rate from the stream.

    Attributes:
        spo2: SpO2 of the window (with its ratio of ratios and perfusion index).
        pulse: pulse rate of the window, from the infrared channel's beats.
        end: index of the first sample after the window (the device's ``seq``
            numbering for chunks, the count of samples pushed for arrays).
        at: time just after the window's last sample (UTC), None for arrays.
        seconds: length of the window, s.
    """

    spo2: Spo2
    pulse: PulseRate
    end: int
    at: datetime | None
    seconds: float


@dataclass
class _Pending:
    """Samples of one channel not yet paired: from stream index ``start``."""

    start: int
    samples: NDArray[np.float64]
    time: datetime
    flags: frozenset[str]

    @property
    def end(self) -> int:
        return self.start + self.samples.size

    def consume(self, n: int, fs: float) -> None:
        """Drop the first ``n`` samples."""
        self.time += timedelta(seconds=n / fs)
        self.start, self.samples = self.start + n, self.samples[n:]


class Spo2Analyser(_Windowed):
    """SpO2 and pulse rate over the last ``window_s`` of red and infrared counts.

    Feed it ``PPG_RED`` and ``PPG_IR`` chunks in any order and of any size with
    :meth:`push`, or both channels as arrays with :meth:`push_pair`. Each update equals
    :func:`~vitals.spo2.spo2_estimate` (and the pulse rate of the same beats) on the
    window's samples.

    Args:
        fs: sampling rate in Hz; taken from the first chunk when omitted.
        window_s: analysis window, s (oximeters average over 4-8 s).
        step_s: analysis interval, s: the most a value lags its data.
        min_s: the shortest window analysed after a start or a gap, s.
        calibration: the sensor model's curve (a name in ``CALIBRATIONS`` or a curve).
        method: how the ratio of ratios is formed (see :func:`~vitals.spo2.spo2_ratio`).
        detector: the pulse detector run on the infrared channel.
        adc_bits: resolution of the converter, bits.
    """

    def __init__(
        self,
        *,
        fs: float | None = None,
        window_s: float = 8.0,
        step_s: float = 1.0,
        min_s: float = 4.0,
        calibration: str | Calibration = DEFAULT_CALIBRATION,
        method: Spo2Method = "regression",
        detector: PpgMethod = "elgendi",
        adc_bits: int = ADC_BITS,
    ) -> None:
        super().__init__(2, window_s, step_s, min_s, fs)
        self.calibration = get_calibration(calibration)
        self.method: Spo2Method = method
        self.detector: PpgMethod = detector
        self.adc_bits = adc_bits
        self.latest: Spo2Update | None = None
        self._pending: tuple[list[_Pending], list[_Pending]] = ([], [])
        self._chunk_fs: float | None = None

    def push(self, chunk: WaveformChunk) -> list[Spo2Update]:
        """Add a red or infrared chunk; return the updates completed by pairing it.

        Raises:
            ValueError: a chunk that is neither ``PPG_RED`` nor ``PPG_IR``.
        """
        if chunk.kind not in (SignalKind.PPG_RED, SignalKind.PPG_IR):
            raise ValueError(f"Spo2Analyser reads PPG_RED and PPG_IR chunks, not {chunk.kind}")
        if self._chunk_fs is not None and chunk.fs != self._chunk_fs:
            for held in self._pending:  # samples at the old rate cannot pair any more
                held.clear()
        self._chunk_fs = chunk.fs
        held = self._pending[_RED if chunk.kind == SignalKind.PPG_RED else _IR]
        if held and held[-1].end == chunk.seq:
            last = held[-1]
            last.samples = np.concatenate((last.samples, chunk.samples))
            last.flags = last.flags | chunk.flags
        else:
            if held and chunk.seq < held[-1].end:  # the device restarted its count
                held.clear()
            held.append(_Pending(chunk.seq, chunk.samples, chunk.start, chunk.flags))
        # A channel running more than MAX_AHEAD_S ahead of the other drops its oldest.
        excess = sum(p.samples.size for p in held) - round(MAX_AHEAD_S * chunk.fs)
        while excess > 0:
            n = min(excess, held[0].samples.size)
            held[0].consume(n, chunk.fs)
            excess -= n
            if held[0].samples.size == 0:
                held.pop(0)
        return self._pair(chunk.fs)

    def _pair(self, fs: float) -> list[Spo2Update]:
        reds, irs = self._pending
        slices: list[_Slice] = []
        while reds and irs:
            red, ir = reds[0], irs[0]
            if red.end <= ir.start or ir.end <= red.start:  # lost on the other channel
                (reds if red.end <= ir.start else irs).pop(0)
                continue
            lo, hi = max(red.start, ir.start), min(red.end, ir.end)
            for p in (red, ir):  # drop the head the other channel does not have
                p.consume(lo - p.start, fs)
            pair = (red.samples[: hi - lo], ir.samples[: hi - lo])
            slices += self._feed(pair, fs, lo, red.time, red.flags | ir.flags)
            for p, held in ((red, reds), (ir, irs)):
                p.consume(hi - lo, fs)
                if p.samples.size == 0:
                    held.pop(0)
        return self._publish(slices)

    def push_pair(self, red: ArrayLike, ir: ArrayLike, fs: float | None = None) -> list[Spo2Update]:
        """Add the same run of samples of both channels as arrays (counts).

        Raises:
            ValueError: the arrays differ in length, or no sampling rate is known.
        """
        r = np.asarray(red, dtype=np.float64).ravel()
        i = np.asarray(ir, dtype=np.float64).ravel()
        if r.size != i.size:
            raise ValueError("red and ir must have the same number of samples")
        rate = float(stream_rate(fs, self.fs))
        return self._publish(self._feed((r, i), rate, None, None, frozenset()))

    def _publish(self, slices: list[_Slice]) -> list[Spo2Update]:
        updates = [self._analyse(s) for s in slices]
        if updates:
            self.latest = updates[-1]
        return updates

    def _analyse(self, s: _Slice) -> Spo2Update:
        red, ir = s.windows
        if s.flag:
            q = Quality.refused(s.flag)
            spo2 = Spo2(None, s.fs, self.method, q, None, None, self.calibration.name)
            pulse = PulseRate(None, s.fs, self.detector, q, 0)
        else:
            ratio = spo2_ratio(
                red, ir, s.fs, method=self.method, detector=self.detector, adc_bits=self.adc_bits
            )
            spo2 = spo2_from_ratio(ratio, self.calibration)
            if ratio.peaks is not None and ratio.quality.reason != "no_pulse":
                pulse = rate_from_peaks(ratio.peaks)
            else:
                pulse = PulseRate(None, s.fs, self.detector, ratio.quality, 0)
        return Spo2Update(spo2, pulse, s.end, s.at, red.size / s.fs)
