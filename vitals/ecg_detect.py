"""QRS detectors: where the beats are, before the R peak itself is located.

Two independent detectors and their consensus, all returning the sample index of each
QRS complex as their feature signal sees it (not yet on the R extremum, which
:mod:`vitals.ecg` locates):

* :func:`detect_pantompkins`: the Pan-Tompkins front end (band-pass, derivative,
  squaring, moving-window integration; Pan J, Tompkins WJ, "A real-time QRS detection
  algorithm", IEEE Trans. Biomed. Eng. 32(3):230-236, 1985) with the decision rules
  that Hamilton and Tompkins found best on the MIT-BIH database (median-based signal
  and noise levels, a threshold between them, search-back over 1.5 mean RR, T-wave
  discrimination by slope within 360 ms; Hamilton PS, Tompkins WJ, "Quantitative
  investigation of QRS detection rules using the MIT/BIH arrhythmia database", IEEE
  Trans. Biomed. Eng. 33(12):1157-1165, 1986). Every filter is zero-phase, so the
  feature peak sits on the QRS rather than a filter delay after it.
* :func:`detect_elgendi`: two moving averages over the squared 8-20 Hz band (Elgendi
  M, "Fast QRS detection with an optimized knowledge-based method: evaluation on 11
  standard ECG databases", PLoS ONE 8(9):e73557, 2013). Used as the second opinion of
  the bSQI signal-quality index.
* :func:`detect_consensus` (the default of :func:`vitals.ecg.ecg_peaks`): the first
  detector's beats, each confirmed by one of the second's blocks of interest.

Departures from the papers, each chosen on the development records named in
``benchmarks/ecg_peaks.py``: the rules work on the square root of the integrated energy
(an amplitude, so that a beat half as tall is not four times smaller), with the
threshold at 0.4 of the way from the noise to the signal level (Hamilton and Tompkins:
0.3125 on the energy); candidates are the feature's largest peaks 250 ms apart (Pan and
Tompkins: a 200 ms refractory period), so rates above 240 /min are not followed; the
T-wave test compares the slope with 0.4 of the median slope of the last 8 beats (their
0.5 of the last beat's) and applies within 360 ms and 0.7 median RR. Two rules are
added for the tall P waves of some recordings: a candidate followed within 300 ms
by a much larger one, or by one that resembles the recent beats clearly better
(correlation with their mean shape), is taken for a P wave. When no beat at all has
been seen for 5 median RR intervals the signal level is halved, so that a sudden drop
in amplitude (an electrode moved) does not silence the detector.
"""

from __future__ import annotations

import math
from collections import deque
from statistics import median

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from scipy import signal as sps

from vitals.signal import butter_bandpass, keep_taller, true_runs

__all__ = [
    "confirm",
    "detect_consensus",
    "detect_elgendi",
    "detect_pantompkins",
    "elgendi_blocks",
    "qrs_energy",
]

_REFRACTORY_S = 0.25  # no two beats closer than this (240 /min)
_T_WAVE_S = 0.36  # a candidate this close to the last beat may be its T wave
_LEARN_S = 8.0  # seconds used to seed the signal and noise levels
_HISTORY = 8  # beats and noise peaks remembered (Hamilton and Tompkins: 8)
_THRESHOLD = 0.4  # threshold = noise + this x (signal - noise), on the sqrt of the feature
_SEARCH_BACK = 1.5  # search back when no beat for this many median RR
_SEARCH_BACK_FRACTION = 0.5  # a beat found on search-back needs half the threshold
_T_SLOPE = 0.4  # a T wave's steepest slope is below this fraction of the beats'
_T_WAVE_RR = 0.7  # the T-wave test applies within 360 ms and this fraction of median RR
_LOST = 5.0  # no beat at all for this many median RR: the signal level is too high
_P_WAVE_S = 0.30  # a small candidate this far before a much larger one may be its P wave
_P_LEVEL = 0.7  # ... if smaller than this fraction of the signal level
_P_RATIO = 0.6  # ... and than this fraction of the larger one
_P_MARGIN = 0.3  # or if it looks less like the recent beats than the next one by this much
_ELGENDI_BETA = 0.08  # Elgendi's offset of the beat average, in means of the squared band
_ELGENDI_MEAN_S = 10.0  # ... a mean over this long a stretch


def qrs_energy(
    x: NDArray[np.float64], fs: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The Pan-Tompkins feature, zero-phase.

    Args:
        x: ECG, any unit.
        fs: sampling rate in Hz.

    Returns:
        The 5-15 Hz band-passed signal and its moving-window integral (150 ms, centred)
        of the squared derivative.
    """
    bp = butter_bandpass(x, fs, 5.0, 15.0)
    d = np.gradient(bp) * fs
    width = max(1, round(0.150 * fs))
    mwi = ndimage.uniform_filter1d(d * d, width, mode="nearest")
    return bp, np.asarray(np.sqrt(mwi), dtype=np.float64)


def _max_slope(bp: NDArray[np.float64], i: int, half: int) -> float:
    seg = bp[max(0, i - half) : i + half + 1]
    return float(np.max(np.abs(np.diff(seg)))) if seg.size > 1 else 0.0


def _dwarfed(k: int, cand: NDArray[np.intp], heights: NDArray[np.float64], span: int) -> bool:
    """Whether candidate ``k`` is followed within ``span`` samples by a much larger one."""
    j = k + 1
    while j < cand.size and cand[j] - cand[k] < span:
        if heights[k] < _P_RATIO * heights[j]:
            return True
        j += 1
    return False


def _p_before(
    k: int, cand: NDArray[np.intp], heights: NDArray[np.float64], span: int, thr: float
) -> bool:
    """Whether the next candidate is close enough for ``k`` to be its P wave, and a beat."""
    j = k + 1
    return j < cand.size and cand[j] - cand[k] < span and heights[j] > max(thr, heights[k])


def _similarity(bp: NDArray[np.float64], i: int, template: NDArray[np.float64]) -> float:
    """Largest correlation of the band-passed beat at ``i`` with the template, +-20 ms."""
    half = template.size // 2
    lag = max(1, template.size // 8)
    best = -1.0
    for d in range(-lag, lag + 1):
        c = i + d
        if c - half < 0 or c + half + 1 > bp.size:
            continue
        seg = bp[c - half : c + half + 1]
        den = float(np.linalg.norm(seg - seg.mean()) * np.linalg.norm(template - template.mean()))
        if den > 0:
            best = max(best, float(np.dot(seg - seg.mean(), template - template.mean())) / den)
    return best


def _seed_levels(
    heights: NDArray[np.float64], times: NDArray[np.intp], fs: float
) -> tuple[float, float]:
    """Signal and noise levels from the first seconds: the tallest peaks are beats."""
    first = heights[times < times[0] + _LEARN_S * fs] if heights.size else heights
    if first.size == 0:
        return 1.0, 0.0
    ranked = np.sort(first)[::-1]
    # At least one beat every 2 s: the top third of the expected beats are QRS complexes.
    n_beats = max(1, min(ranked.size, math.ceil(_LEARN_S / 2.0 / 2)))
    signal = float(np.median(ranked[:n_beats]))
    return signal, float(np.median(ranked[ranked < 0.5 * signal])) if np.any(
        ranked < 0.5 * signal
    ) else 0.0


def detect_pantompkins(x: NDArray[np.float64], fs: float) -> NDArray[np.intp]:
    """Pan-Tompkins / Hamilton-Tompkins QRS detection (see the module docstring).

    Args:
        x: ECG, any unit, baseline need not be removed.
        fs: sampling rate in Hz.

    Returns:
        Sample indices of the feature peak of each detected QRS complex, ascending.
    """
    bp, mwi = qrs_energy(x, fs)
    cand, _ = sps.find_peaks(mwi, distance=max(1, round(_REFRACTORY_S * fs)))
    if cand.size == 0:
        return np.empty(0, dtype=np.intp)
    heights = mwi[cand]
    s0, n0 = _seed_levels(heights, cand, fs)
    spk: deque[float] = deque([s0] * _HISTORY, maxlen=_HISTORY)
    npk: deque[float] = deque([n0] * _HISTORY, maxlen=_HISTORY)
    rrs: deque[float] = deque(maxlen=_HISTORY)
    half = max(1, round(0.075 * fs))
    t_wave = round(_T_WAVE_S * fs)
    p_wave = round(_P_WAVE_S * fs)
    beats: list[int] = []
    slopes: deque[float] = deque(maxlen=_HISTORY)
    since = 0  # first candidate after the last beat
    shapes: deque[NDArray[np.float64]] = deque(maxlen=_HISTORY)

    def threshold() -> float:
        n = median(npk)
        return n + _THRESHOLD * (median(spk) - n)

    def accept(k: int, weight: float = 1.0) -> None:
        nonlocal since
        i = int(cand[k])
        if beats:
            rrs.append(float(i - beats[-1]))
        beats.append(i)
        spk.append(float(heights[k]) * weight + (1 - weight) * median(spk))
        slopes.append(_max_slope(bp, i, half))
        since = k + 1
        if half <= i < bp.size - half:
            shapes.append(bp[i - half : i + half + 1])

    for k in range(cand.size):
        i = int(cand[k])
        # Search back: too long since the last beat, take the best peak skipped meanwhile.
        relearnt = False
        while beats and rrs and since < k:
            rr = median(rrs)
            if i - beats[-1] <= _SEARCH_BACK * rr:
                break
            window = [
                j
                for j in range(since, k)
                if cand[j] - beats[-1] >= t_wave
                or _max_slope(bp, int(cand[j]), half) >= _T_SLOPE * median(slopes)
            ]
            best = max(window, key=lambda j: heights[j], default=-1)
            if best < 0 or heights[best] < _SEARCH_BACK_FRACTION * threshold():
                if not relearnt and i - beats[-1] > _LOST * rr:
                    relearnt = True  # the beats have shrunk: lower the signal level once
                    spk.extend([0.5 * median(spk)] * _HISTORY)
                    continue
                break
            accept(best, 0.25)
        h = float(heights[k])
        if beats and i - beats[-1] < _REFRACTORY_S * fs:
            npk.append(h)
            continue
        if h > threshold():
            t_win = min(t_wave, _T_WAVE_RR * median(rrs)) if rrs else t_wave
            if (
                beats
                and i - beats[-1] < t_win
                and _max_slope(bp, i, half) < _T_SLOPE * median(slopes)
            ):
                npk.append(h)  # a T wave
                continue
            if h < _P_LEVEL * median(spk) and _dwarfed(k, cand, heights, p_wave):
                npk.append(h)  # a P wave before a much larger QRS
                continue
            if len(shapes) >= 3 and _p_before(k, cand, heights, p_wave, threshold()):
                tpl = np.mean(shapes, axis=0)
                j = k + 1
                if _similarity(bp, i, tpl) < _similarity(bp, int(cand[j]), tpl) - _P_MARGIN:
                    npk.append(h)  # a P wave: the next candidate looks more like the beats
                    continue
            accept(k)
        else:
            npk.append(h)
    return np.asarray(beats, dtype=np.intp)


def elgendi_blocks(
    x: NDArray[np.float64], fs: float
) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
    """Elgendi's (2013) blocks of interest, where a QRS complex may be.

    The squared 8-20 Hz band is averaged over 97 ms (a QRS) and over 611 ms (a beat);
    a block is where the first exceeds the second by ``0.08`` times the mean of the
    squared band. That mean is taken over the surrounding 10 s rather than the whole
    record, so that the answer does not depend on how long the record is.

    Args:
        x: ECG, any unit.
        fs: sampling rate in Hz.

    Returns:
        The block mask per sample and the squared band.
    """
    bp = butter_bandpass(x, fs, 8.0, 20.0)
    y = bp * bp
    ma_qrs = ndimage.uniform_filter1d(y, max(1, round(0.097 * fs)), mode="nearest")
    ma_beat = ndimage.uniform_filter1d(y, max(1, round(0.611 * fs)), mode="nearest")
    level = ndimage.uniform_filter1d(y, max(1, round(_ELGENDI_MEAN_S * fs)), mode="nearest")
    return ma_qrs > ma_beat + _ELGENDI_BETA * level, y


def confirm(beats: NDArray[np.intp], blocks: NDArray[np.bool_], fs: float) -> NDArray[np.intp]:
    """Keep the beats that lie within 50 ms of a block of interest."""
    reach = max(1, round(0.05 * fs))
    near = ndimage.maximum_filter1d(blocks.astype(np.int8), 2 * reach + 1, mode="nearest")
    return beats[near[beats] > 0] if beats.size else beats


def detect_elgendi(x: NDArray[np.float64], fs: float) -> NDArray[np.intp]:
    """Elgendi's (2013) two-moving-average QRS detector.

    Args:
        x: ECG, any unit.
        fs: sampling rate in Hz.

    Returns:
        Sample indices of the largest squared band amplitude in each block of interest
        at least 97 ms long, 300 ms apart at least.
    """
    on, y = elgendi_blocks(x, fs)
    w1 = max(1, round(0.097 * fs))
    cand = np.array(
        [a + int(np.argmax(y[a:b])) for a, b in true_runs(on) if b - a >= w1], dtype=np.intp
    )
    return cand[keep_taller(cand, y[cand], round(0.3 * fs))]


def detect_consensus(x: NDArray[np.float64], fs: float) -> NDArray[np.intp]:
    """Pan-Tompkins/Hamilton-Tompkins beats that Elgendi's blocks of interest confirm.

    A beat the first detector finds where the second sees no QRS-like burst at all
    (no block of interest within 50 ms) is most often noise: on the MIT-BIH records
    used for development this removed about 6 false detections per true beat lost.

    Args:
        x: ECG, any unit.
        fs: sampling rate in Hz.

    Returns:
        Sample indices of the feature peak of each confirmed QRS complex, ascending.
    """
    blocks, _ = elgendi_blocks(x, fs)
    return confirm(detect_pantompkins(x, fs), blocks, fs)
