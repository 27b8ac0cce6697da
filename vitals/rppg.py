"""Pulse rate from a camera (remote photoplethysmography), live or over a recording.

Each frame goes through a region-of-interest stage (:class:`~vitals.rppg_roi.FaceRoi`
by default: Viola-Jones face detection about once a second, template tracking in
between, forehead and cheeks masked to skin colour), which gives the spatial mean R,
G, B of the skin. The colour traces of the last ``window`` seconds are resampled
from the camera's irregular frame times to a uniform grid, turned into a pulse
signal by POS (Wang et al., IEEE TBME 2017) or CHROM (de Haan and Jeanne, IEEE TBME
2013) and band-passed; the rate is the highest spectral peak within 0.7-4 Hz
(42-240 /min), trusted only when its spectral SNR reaches ``min_snr_db``: see
:mod:`vitals.rppg_methods`.

A result refuses (``value`` None, ``quality.usable`` False) with a reason:

* ``"no_face"``, ``"too_dark"``, ``"too_bright"``: the latest ``max_gap`` seconds of
  frames have no usable skin, for that reason;
* ``"too_short"``: less than ``min_seconds`` of contiguous skin signal so far;
* ``"low_frame_rate"``: fewer than 8 usable frames a second;
* ``"motion"``: the face moved faster than ``max_motion`` face widths a second for
  more than a tenth of the window;
* ``"low_snr"``: the spectrum has no clear pulse peak.

Skin signal is contiguous while usable frames are at most ``max_gap`` seconds
apart; a longer gap (no face, darkness, dropped frames) starts it afresh. Shorter
gaps are bridged by the resampling.

:class:`RppgAnalyser` takes frames one at a time and gives a fresh result every
``update_every`` seconds of stream time; :func:`rppg_video` runs the same stages over
a whole recording and gives the result at its end, equal to the analyser's on the
same frames.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vitals.rppg_methods import (
    RppgMethod,
    as_rgb_traces,
    bandpass,
    chrom,
    pos,
    spectral_peak,
)
from vitals.rppg_roi import FaceRoi, RoiSample, RoiStage
from vitals.signal import Quality

__all__ = ["RppgAnalyser", "RppgResult", "rppg_pulse", "rppg_rate", "rppg_video"]

_METHODS = {"pos": pos, "chrom": chrom}
_MIN_FRAME_RATE = 8.0
_MOTION_LAG_S = 0.5
_MOTION_FRACTION = 0.1


@dataclass(frozen=True, slots=True)
class RppgResult:
    """A camera pulse rate and how far to trust it.

    Attributes:
        value: pulse rate, /min; None when refused.
        quality: usability; ``score`` maps the SNR linearly from -10 dB (0) to
            +10 dB (1).
        snr_db: spectral SNR of the pulse peak, dB; None when not computed.
        fs: rate of the uniform grid the traces were resampled to, Hz.
        method: ``"pos"`` or ``"chrom"``.
        t_start: stream time of the first frame supporting the value, s; None
            when no skin signal was analysed.
        t_end: stream time of the last frame supporting the value, s; None likewise.
        pulse: the band-passed pulse signal on the grid (dimensionless), empty
            when not computed; not compared.
        unit: UCUM unit of ``value``.
    """

    value: float | None
    quality: Quality
    snr_db: float | None
    fs: float
    method: str
    t_start: float | None = None
    t_end: float | None = None
    pulse: NDArray[np.float64] = field(
        default_factory=lambda: np.empty(0), compare=False, repr=False
    )
    unit: str = "/min"


def rppg_pulse(rgb: ArrayLike, fs: float, *, method: RppgMethod = "pos") -> NDArray[np.float64]:
    """The band-passed pulse signal of uniformly sampled skin colour traces.

    Args:
        rgb: spatial mean R, G, B of the skin per sample, shape ``(n, 3)``, positive
            levels (any scale); at least 3.2 s.
        fs: sampling rate in Hz (10-1000).
        method: ``"pos"`` (Wang et al. 2017) or ``"chrom"`` (de Haan and Jeanne 2013).

    Returns:
        The pulse, dimensionless, one value per sample; rises with blood volume.

    Raises:
        ValueError: bad traces, ``fs`` or method.
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {sorted(_METHODS)}, not {method!r}")
    x = as_rgb_traces(rgb, fs)
    return bandpass(_METHODS[method](x, fs), fs)


def rppg_rate(
    rgb: ArrayLike,
    fs: float,
    *,
    method: RppgMethod = "pos",
    min_snr_db: float = 0.0,
) -> RppgResult:
    """Pulse rate of uniformly sampled skin colour traces, from the pulse spectrum.

    Args:
        rgb: spatial mean R, G, B of the skin per sample, shape ``(n, 3)``, positive
            levels; 8-10 s or more give a stable rate.
        fs: sampling rate in Hz (10-1000).
        method: ``"pos"`` or ``"chrom"``, see :func:`rppg_pulse`.
        min_snr_db: the least spectral SNR (de Haan and Jeanne 2013) for a usable
            rate, dB.

    Returns:
        The rate (``t_start`` 0 and ``t_end`` the last sample's time, s), or a
        refusal ``"low_snr"``.

    Raises:
        ValueError: bad traces, ``fs`` or method.
    """
    pulse = rppg_pulse(rgb, fs, method=method)
    span = (0.0, (pulse.size - 1) / fs)
    peak = spectral_peak(pulse, fs)
    if peak is None:
        return RppgResult(None, Quality.refused("low_snr"), None, fs, method, *span, pulse)
    score = min(1.0, max(0.0, (peak.snr_db + 10.0) / 20.0))
    if peak.snr_db < min_snr_db:
        quality = Quality.refused("low_snr", score)
        return RppgResult(None, quality, peak.snr_db, fs, method, *span, pulse)
    return RppgResult(peak.rate, Quality(score, True), peak.snr_db, fs, method, *span, pulse)


@dataclass(frozen=True, slots=True)
class _Settings:
    method: RppgMethod
    window: float
    min_seconds: float
    fs: float
    max_gap: float
    max_motion: float
    min_snr_db: float

    def __post_init__(self) -> None:
        if self.method not in _METHODS:
            raise ValueError(f"method must be one of {sorted(_METHODS)}, not {self.method!r}")
        if not 3.2 <= self.min_seconds <= self.window <= 120:
            raise ValueError("need 3.2 s <= min_seconds <= window <= 120 s")
        if not (10 <= self.fs <= 120 and 0 < self.max_gap <= 2 and self.max_motion > 0):
            raise ValueError("need fs within 10-120 Hz, max_gap within 0-2 s, max_motion > 0")

    def oldest_needed(self, now: float) -> float:
        """The earliest frame time, s, that the result at ``now`` may use."""
        return now - self.window - self.max_gap - 1.0


def _evaluate(times: Sequence[float], samples: Sequence[RoiSample], s: _Settings) -> RppgResult:
    """The result at the last of ``samples`` (taken at ``times``, s, increasing)."""
    now = times[-1]
    valid = [k for k, sample in enumerate(samples) if sample.rgb is not None]
    if not valid or now - times[valid[-1]] > s.max_gap:
        reason = next((x.reason for x in reversed(samples) if x.reason), "no_face")
        return _refused(reason, s)
    t_end = times[valid[-1]]
    first = len(valid) - 1
    while (
        first > 0
        and times[valid[first - 1]] >= t_end - s.window
        and times[valid[first]] - times[valid[first - 1]] <= s.max_gap
    ):
        first -= 1
    chosen = valid[first:]
    t = np.array([times[k] for k in chosen])
    t_start = float(t[0])
    if t_end - t_start < s.min_seconds:
        return _refused("too_short", s, t_start, t_end)
    if (len(chosen) - 1) / (t_end - t_start) < _MIN_FRAME_RATE:
        return _refused("low_frame_rate", s, t_start, t_end)
    n = math.floor((t_end - t_start) * s.fs + 1e-9) + 1
    grid = t_end - (n - 1 - np.arange(n)) / s.fs
    rgb = np.array([samples[k].rgb for k in chosen], dtype=np.float64)
    traces = np.stack([np.interp(grid, t, rgb[:, c]) for c in range(3)], axis=1)
    if _moving_fraction(grid, t, [samples[k] for k in chosen], s) > _MOTION_FRACTION:
        return _refused("motion", s, t_start, t_end)
    result = rppg_rate(traces, s.fs, method=s.method, min_snr_db=s.min_snr_db)
    return RppgResult(
        result.value, result.quality, result.snr_db, s.fs, s.method, t_start, t_end, result.pulse
    )


def _refused(
    reason: str, s: _Settings, t_start: float | None = None, t_end: float | None = None
) -> RppgResult:
    return RppgResult(None, Quality.refused(reason), None, s.fs, s.method, t_start, t_end)


def _moving_fraction(
    grid: NDArray[np.float64], t: NDArray[np.float64], chosen: list[RoiSample], s: _Settings
) -> float:
    """Fraction of the grid where the face moves faster than ``max_motion`` widths/s."""
    centres = np.array([x.centre if x.centre is not None else (0.0, 0.0) for x in chosen])
    width = float(np.median([x.width for x in chosen])) or 1.0
    lag = max(1, round(_MOTION_LAG_S * s.fs))
    if grid.size <= lag:
        return 0.0
    path = np.stack([np.interp(grid, t, centres[:, c]) for c in range(2)], axis=1)
    speed = np.hypot(*(path[lag:] - path[:-lag]).T) / width / (lag / s.fs)
    return float(np.mean(speed > s.max_motion))


class RppgAnalyser:
    """Live camera pulse: feed frames as they come, read a result every second or so.

    Args:
        method: ``"pos"`` or ``"chrom"``.
        window: seconds of skin signal each result uses (the latest).
        min_seconds: the least contiguous skin signal for a rate, s.
        update_every: stream seconds between results.
        fs: rate of the uniform grid the traces are resampled to, Hz.
        max_gap: the longest gap between usable frames still bridged, s.
        max_motion: the fastest face movement tolerated, face widths per second.
        min_snr_db: the least spectral SNR for a usable rate, dB. The default 0 dB
            was set on synthetic faces (seeds apart from the benchmark's): pulse-less
            faces gave at most about -1 dB over 10 s windows, while faces with a
            0.15-0.3 % pulse at 640x480 mostly gave 1-8 dB.
        roi: the region-of-interest stage; a :class:`~vitals.rppg_roi.FaceRoi`
            by default.

    Raises:
        ValueError: settings out of range.
    """

    def __init__(
        self,
        *,
        method: RppgMethod = "pos",
        window: float = 10.0,
        min_seconds: float = 8.0,
        update_every: float = 1.0,
        fs: float = 30.0,
        max_gap: float = 0.5,
        max_motion: float = 0.25,
        min_snr_db: float = 0.0,
        roi: RoiStage | None = None,
    ) -> None:
        if not 0 < update_every <= 2:
            raise ValueError("update_every must be within 0 and 2 s")
        self._settings = _Settings(method, window, min_seconds, fs, max_gap, max_motion, min_snr_db)
        self.update_every = update_every
        self.roi: RoiStage = roi if roi is not None else FaceRoi()
        self._times: deque[float] = deque()
        self._samples: deque[RoiSample] = deque()
        self._next_update = math.nan
        self.latest: RppgResult | None = None

    def push(self, frame: NDArray[np.uint8], t: float) -> RppgResult | None:
        """Take one BGR uint8 frame captured at ``t`` (s, stream time).

        Returns:
            A fresh result when one is due (every ``update_every`` s of stream
            time, starting ``update_every`` after the first frame), else None.

        Raises:
            ValueError: a bad frame, or ``t`` not after the previous frame's.
        """
        if not math.isfinite(t) or (self._times and t <= self._times[-1]):
            raise ValueError("frame times must be finite and increasing")
        sample = self.roi.measure(frame, t)
        self._times.append(t)
        self._samples.append(sample)
        keep_from = self._settings.oldest_needed(t)
        while self._times[0] < keep_from:
            self._times.popleft()
            self._samples.popleft()
        if math.isnan(self._next_update):
            self._next_update = t + self.update_every
        if t < self._next_update:
            return None
        self._next_update = max(self._next_update + self.update_every, t)
        return self.estimate()

    def estimate(self) -> RppgResult:
        """The result over the frames so far, now.

        Raises:
            ValueError: no frame yet.
        """
        if not self._times:
            raise ValueError("no frame yet")
        self.latest = _evaluate(self._times, self._samples, self._settings)
        return self.latest

    def reset(self) -> None:
        """Forget every frame and the face (e.g. when the resident changes)."""
        self.roi.reset()
        self._times.clear()
        self._samples.clear()
        self._next_update = math.nan
        self.latest = None


def rppg_video(
    frames: Iterable[NDArray[np.uint8]],
    times: ArrayLike,
    *,
    method: RppgMethod = "pos",
    window: float = 10.0,
    min_seconds: float = 8.0,
    fs: float = 30.0,
    max_gap: float = 0.5,
    max_motion: float = 0.25,
    min_snr_db: float = 0.0,
    roi: RoiStage | None = None,
) -> RppgResult:
    """Pulse rate over the last ``window`` seconds of a recorded video.

    The same stages as :class:`RppgAnalyser` with the same settings (see there),
    so the result equals the analyser's :meth:`~RppgAnalyser.estimate` after the
    same frames.

    Args:
        frames: BGR uint8 frames, in order.
        times: capture time of each frame, s, increasing.

    Raises:
        ValueError: bad frames or settings, times not increasing, or the counts of
            frames and times differ.
    """
    settings = _Settings(method, window, min_seconds, fs, max_gap, max_motion, min_snr_db)
    t = np.asarray(times, dtype=np.float64)
    if t.ndim != 1 or t.size == 0 or not np.isfinite(t).all() or (np.diff(t) <= 0).any():
        raise ValueError("times must be a non-empty, finite, increasing 1-D sequence")
    stage = roi if roi is not None else FaceRoi()
    samples = []
    for k, frame in enumerate(frames):
        if k >= t.size:
            raise ValueError("more frames than times")
        samples.append(stage.measure(frame, float(t[k])))
    if len(samples) != t.size:
        raise ValueError("fewer frames than times")
    start = bisect.bisect_left(t.tolist(), settings.oldest_needed(t[-1]))
    return _evaluate(t.tolist()[start:], samples[start:], settings)
