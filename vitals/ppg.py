"""Pulse detection and pulse rate from a photoplethysmogram (PPG).

Two detectors, chosen with ``method``:

* ``"elgendi"`` (default): systolic peaks by two event-related moving averages over the
  clipped, squared band-passed signal. M. Elgendi, I. Norton, M. Brearley, D. Abbott
  and D. Schuurmans, "Systolic peak detection in acceleration photoplethysmograms
  measured from emergency responders in tropical conditions", PLoS ONE 8(10):e76585,
  2013 (W1 = 111 ms, W2 = 667 ms, beta = 0.02).
* ``"ssf"``: pulses from the slope sum function with an adaptive threshold. W. Zong,
  T. Heldt, G. B. Moody and R. G. Mark, "An open-source algorithm to detect onset of
  arterial blood pressure pulses", Computers in Cardiology 30:259-262, 2003 (128 ms
  window, initial threshold base 3x the mean SSF, then 60 % of the last pulse's SSF
  maximum). Two changes for short PPG windows: the onset is the lowest point of the
  wave in the 300 ms before the threshold crossing (the 1 % rule wanders on a flat
  diastole), and after 2 s without a pulse the threshold halves.

Both give every beat's foot and systolic peak, so the quality indices of
:mod:`vitals.ppg_quality` and the per-beat ratio of :mod:`vitals.spo2` work on either.
A detected pulse smaller than 40 % of the window's median (a dicrotic or reflected wave
taken for a beat, usually at slow rates) is dropped, and so is a pulse cut by the
window's edge. The pulse rate is taken from the systolic peaks for both detectors.

Raw photodiode counts fall when blood volume rises, so their systolic peak is a trough:
pass ``inverted=True`` for raw red or infrared counts (``SignalKind.PPG_RED``/``PPG_IR``),
and leave it False for a plethysmogram drawn blood volume up (``SignalKind.PLETH``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vitals.ppg_quality import MIN_BEATS, PpgSqi, ppg_sqi
from vitals.signal import Quality, as_signal, butter_bandpass, keep_taller, true_runs

__all__ = [
    "PpgMethod",
    "PpgPeaks",
    "PulseRate",
    "ppg_clean",
    "ppg_peaks",
    "ppg_rate",
    "rate_from_peaks",
]

PpgMethod = Literal["elgendi", "ssf"]

#: Sampling rates (Hz) the PPG functions accept: the 0.5-8 Hz band needs at least 20 Hz.
FS_RANGE = (20.0, 2000.0)
#: The shortest window (s) a detector works on.
MIN_SECONDS = 1.5
#: Pulse rates (/min) a beat series may show; intervals outside are not pulses.
RATE_RANGE = (30.0, 220.0)
#: Perfusion index (%) of raw counts below which there is no usable pulse.
PI_MIN = 0.05

#: A pulse under this share of the window's median pulse is not a beat of its own.
SMALL_PULSE = 0.4

_BAND_HZ = (0.5, 8.0)


@dataclass(frozen=True, slots=True, eq=False)
class PpgPeaks:
    """The beats found in a PPG window.

    Attributes:
        peaks: sample index of each beat's systolic peak (blood-volume maximum).
        feet: sample index of each beat's foot (the minimum before the upstroke),
            paired with ``peaks`` (``feet[i] < peaks[i]``).
        fs: sampling rate in Hz.
        method: the detector (``"elgendi"`` or ``"ssf"``).
        sqi: the signal-quality indices of the window.
        quality: whether the beats may be used, and why not.
    """

    peaks: NDArray[np.intp]
    feet: NDArray[np.intp]
    fs: float
    method: str
    sqi: PpgSqi
    quality: Quality

    @property
    def times(self) -> NDArray[np.float64]:
        """Systolic peak times from the window's first sample, s."""
        return np.asarray(self.peaks / self.fs, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class PulseRate:
    """A pulse rate and how far it can be trusted.

    Attributes:
        value: pulse rate in /min, or None when the window is unusable.
        fs: sampling rate in Hz.
        method: the pulse detector.
        quality: the verdict; ``value`` is None exactly when ``quality.usable`` is False.
        beats: beats the rate was computed from.
        unit: UCUM unit of ``value``.
    """

    value: float | None
    fs: float
    method: str
    quality: Quality
    beats: int
    unit: str = "/min"


def ppg_clean(signal: ArrayLike, fs: float, *, inverted: bool = False) -> NDArray[np.float64]:
    """Band-pass a PPG to its pulse band, blood volume upwards.

    A second-order Butterworth band-pass, 0.5-8 Hz, run forwards and backwards (zero
    phase), as in Elgendi et al. (2013).

    Args:
        signal: the PPG, any unit.
        fs: sampling rate in Hz (20-2000).
        inverted: True for raw photodiode counts, whose pulse points down.

    Raises:
        ValueError: not 1-D, NaN, ``fs`` out of range, or shorter than 1.5 s.
    """
    x = as_signal(signal, fs, min_seconds=MIN_SECONDS, fs_range=FS_RANGE)
    y = butter_bandpass(x - x.mean(), float(fs), *_BAND_HZ)
    return -y if inverted else y


def _moving_average(x: NDArray[np.float64], width: int) -> NDArray[np.float64]:
    """Centred moving average over ``width`` samples (shrinking at the edges)."""
    c = np.concatenate(([0.0], np.cumsum(x)))
    i = np.arange(x.size)
    lo = np.clip(i - width // 2, 0, x.size)
    hi = np.clip(i - width // 2 + width, 0, x.size)
    return np.asarray((c[hi] - c[lo]) / (hi - lo), dtype=np.float64)


def _peaks_elgendi(clean: NDArray[np.float64], fs: float) -> NDArray[np.intp]:
    z = np.clip(clean, 0.0, None) ** 2
    w1 = max(1, round(0.111 * fs))
    ma_peak = _moving_average(z, w1)
    ma_beat = _moving_average(z, max(1, round(0.667 * fs)))
    blocks = true_runs(ma_peak > ma_beat + 0.02 * z.mean())
    cand = np.array(
        [s + int(np.argmax(clean[s:e])) for s, e in blocks if e - s >= w1], dtype=np.intp
    )
    kept = keep_taller(cand, clean[cand], round(60.0 / RATE_RANGE[1] * fs))
    return cand[kept]


def _feet_ssf(clean: NDArray[np.float64], fs: float) -> NDArray[np.intp]:
    du = np.clip(np.diff(clean, prepend=clean[0]), 0.0, None)
    w = max(1, round(0.128 * fs))
    c = np.concatenate(([0.0], np.cumsum(du)))
    ssf = np.concatenate((c[1:w], c[w:] - c[:-w]))  # causal sum over the last w samples
    floor = 0.1 * float(ssf.mean())
    base = 3.0 * float(ssf[: round(10 * fs)].mean())  # then the last pulse's SSF maximum
    eye = round(60.0 / RATE_RANGE[1] * fs)  # eye-closing period after a pulse
    half, back, wait = round(0.15 * fs), round(0.3 * fs), round(2.0 * fs)
    onsets: list[int] = []
    i = 0
    while i < ssf.size:
        seg = ssf[max(i - 1, 0) : i + wait] > 0.6 * base  # upward crossings only
        above = np.flatnonzero(seg[1:] & ~seg[:-1]) + (0 if i > 0 else 1)
        if above.size == 0:  # nothing for 2 s: the threshold is too high, or no pulse
            if base > floor:
                base *= 0.5
            else:
                i += wait
            continue
        j = i + int(above[0])
        top = j + int(np.argmax(ssf[j : j + half + 1]))
        base = float(ssf[top])
        # The onset: the lowest point of the pulse wave in the 300 ms before the crossing.
        lo = max(0, j - back, onsets[-1] + eye if onsets else 0)
        k = lo + int(np.argmin(clean[lo : j + 1]))
        if k > lo or (onsets and lo == onsets[-1] + eye):
            onsets.append(k)
        i = max(top + 1, j + eye)
    return np.asarray(onsets, dtype=np.intp)


def _pair(
    clean: NDArray[np.float64], peaks: NDArray[np.intp], feet: NDArray[np.intp] | None, fs: float
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Match each fiducial with the other: a foot before each peak, or a peak after each foot."""
    span = round(0.6 * fs)
    out_p: list[int] = []
    out_f: list[int] = []
    if feet is None:  # peaks known: the foot is the minimum before, back to the last peak
        for k, p in enumerate(peaks):
            lo = max(int(peaks[k - 1]) + 1 if k else 0, int(p) - span)
            if p - lo < 2:
                continue
            f = lo + int(np.argmin(clean[lo:p]))
            if f > 0:  # a foot at the window's edge belongs to a truncated pulse
                out_p.append(int(p))
                out_f.append(f)
    else:  # feet known: the peak is the maximum after, up to the next foot
        for k, f in enumerate(feet):
            hi = min(int(feet[k + 1]) if k + 1 < feet.size else clean.size, int(f) + span)
            if hi - f < 2:
                continue
            p = int(f) + int(np.argmax(clean[f:hi]))
            if p < clean.size - 1:  # a peak on the last sample belongs to a truncated pulse
                out_f.append(int(f))
                out_p.append(p)
    p_arr, f_arr = np.asarray(out_p, dtype=np.intp), np.asarray(out_f, dtype=np.intp)
    # A pulse far smaller than the others is a dicrotic or reflected wave, not a beat.
    amps = clean[p_arr] - clean[f_arr]
    keep = amps >= SMALL_PULSE * float(np.median(amps)) if amps.size else amps.astype(bool)
    return p_arr[keep], f_arr[keep]


def ppg_peaks(
    signal: ArrayLike,
    fs: float,
    *,
    method: PpgMethod = "elgendi",
    inverted: bool = False,
) -> PpgPeaks:
    """Find every beat's systolic peak and foot in a PPG window, and judge the window.

    Args:
        signal: the PPG, any unit (raw counts, or a plethysmogram).
        fs: sampling rate in Hz (20-2000).
        method: ``"elgendi"`` (Elgendi et al. 2013) or ``"ssf"`` (Zong et al. 2003).
        inverted: True for raw photodiode counts, whose pulse points down.

    Returns:
        The beats, their signal-quality indices and a verdict (see
        :func:`vitals.ppg_quality.ppg_sqi`); a flat window is refused as ``"flat"``,
        and raw counts whose pulse is under 0.05 % of the light level (no finger, or
        no perfusion) as ``"no_pulse"``.

    Raises:
        ValueError: bad input (see :func:`ppg_clean`) or an unknown method.
    """
    if method not in ("elgendi", "ssf"):
        raise ValueError(f"unknown method {method!r}: use 'elgendi' or 'ssf'")
    x = as_signal(signal, fs, min_seconds=MIN_SECONDS, fs_range=FS_RANGE)
    return _detect(x, ppg_clean(x, fs, inverted=inverted), float(fs), method, counts=inverted)


def _detect(
    x: NDArray[np.float64],
    clean: NDArray[np.float64],
    fs: float,
    method: str,
    *,
    counts: bool,
) -> PpgPeaks:
    """:func:`ppg_peaks` on a checked signal ``x`` and its cleaned version.

    For raw ``counts`` a pulse under ``PI_MIN`` % of the light level is no pulse.
    """
    if np.ptp(x) == 0 or np.ptp(clean) <= 1e-9 * max(1.0, float(np.abs(x).max())):
        empty = np.empty(0, dtype=np.intp)
        flat = Quality.refused("flat")
        return PpgPeaks(empty, empty, float(fs), method, PpgSqi(0, 0, 0, 0, 0, 0, flat), flat)
    if method == "elgendi":
        peaks, feet = _pair(clean, _peaks_elgendi(clean, fs), None, fs)
    else:
        peaks, feet = _pair(clean, np.empty(0, dtype=np.intp), _feet_ssf(clean, fs), fs)
    sqi = ppg_sqi(clean, fs, peaks, feet, raw=x)
    quality = sqi.quality
    level = float(x.mean())
    if counts and level > 0 and quality.reason != "clipped":
        pi = 100.0 * float(np.median(clean[peaks] - clean[feet])) / level if peaks.size else 0.0
        if pi < PI_MIN:
            quality = Quality.refused("no_pulse")
    return PpgPeaks(peaks, feet, float(fs), method, sqi, quality)


def _rate_from_beats(beats: NDArray[np.intp], fs: float) -> tuple[float | None, str]:
    """Pulse rate (/min) from beat sample indices, or None and the reason it is refused.

    Intervals further than 40 % from the median (a missed or extra beat) are set aside;
    the rate is 60 over the mean of the rest. Refused as ``"too_few_beats"`` with fewer
    than three beats, ``"irregular"`` when over a third of the intervals are set aside,
    and ``"implausible_rate"`` outside 30-220 /min.
    """
    if beats.size < MIN_BEATS:
        return None, "too_few_beats"
    ibi = np.diff(beats) / fs
    med = float(np.median(ibi))
    kept = ibi[np.abs(ibi - med) <= 0.4 * med]
    if kept.size < max(2, round(2 / 3 * ibi.size)):
        return None, "irregular"
    rate = 60.0 / float(kept.mean())
    if not RATE_RANGE[0] <= rate <= RATE_RANGE[1]:
        return None, "implausible_rate"
    return rate, ""


def ppg_rate(
    signal: ArrayLike,
    fs: float,
    *,
    method: PpgMethod = "elgendi",
    inverted: bool = False,
) -> PulseRate:
    """Pulse rate of a PPG window, with its quality.

    Args:
        signal: the PPG, any unit.
        fs: sampling rate in Hz (20-2000).
        method: the pulse detector (see :func:`ppg_peaks`).
        inverted: True for raw photodiode counts, whose pulse points down.

    Returns:
        60 over the mean interval between systolic peaks, in /min, leaving out intervals
        more than 40 % from the median (a missed or extra beat). None with the reason
        when the window is unusable (see :func:`ppg_peaks`), or its beats are:
        ``"too_few_beats"`` (under three), ``"irregular"`` (over a third of the
        intervals left out) or ``"implausible_rate"`` (outside 30-220 /min).

    Raises:
        ValueError: bad input (see :func:`ppg_clean`) or an unknown method.
    """
    found = ppg_peaks(signal, fs, method=method, inverted=inverted)
    return rate_from_peaks(found)


def rate_from_peaks(found: PpgPeaks) -> PulseRate:
    """The :class:`PulseRate` of beats already found (see :func:`ppg_rate`)."""
    beats = found.peaks
    if not found.quality.usable:
        return PulseRate(None, found.fs, found.method, found.quality, int(beats.size))
    rate, reason = _rate_from_beats(beats, found.fs)
    quality = found.quality if rate is not None else Quality.refused(reason)
    return PulseRate(rate, found.fs, found.method, quality, int(beats.size))
