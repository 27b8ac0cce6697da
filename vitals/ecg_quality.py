"""ECG signal quality: lead-off and flat stretches, clipping, and agreement of detectors.

A heart rate is only as good as the beats under it. Three checks decide whether
:func:`vitals.ecg.ecg_peaks` may report peaks at all:

* **Lead-off / flat** (:func:`usable_segments`): an electrode off drives the front end
  to a rail, which shows as a constant signal; a disconnected or idle input is flat.
  Stretches whose samples stay constant for 150 ms, or whose range over a second is
  below 20 uV (a QRS is at least ten times that), are cut out with a 200 ms margin.
* **Clipping**: R peaks sitting on a plateau at the signal's extreme value.
* **bSQI** (:func:`bsqi`): the fraction of beats on which two independent detectors
  agree within 150 ms, ``matched / (n1 + n2 - matched)`` (Li Q, Mark RG, Clifford GD,
  "Robust heart rate estimation from multiple asynchronous noisy sources using signal
  quality indices and a Kalman filter", Physiol. Meas. 29(1):15-32, 2008), and the
  median correlation of each QRS (+-80 ms) with the record's median one, after Orphanidou C
  et al., "Signal-quality indices for the electrocardiogram and photoplethysmogram:
  derivation and applications to wireless monitoring", IEEE J. Biomed. Health Inform.
  19(3):832-838, 2015 (they accept above 0.66).

Noise makes both detectors fire, but not on the same samples, and its "beats" do not
look alike: either test fails and the peaks are refused.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from vitals.signal import Quality, true_runs

__all__ = [
    "BSQI_MIN",
    "TEMPLATE_MIN",
    "assess_peaks",
    "beat_correlations",
    "bsqi",
    "template_correlation",
    "usable_segments",
]

FLAT_RUN_S = 0.15  # constant this long: a rail or a dead input
FLAT_RANGE_MV = 0.02  # less range than this over a second: no ECG
MARGIN_S = 0.2  # cut this much more around a bad stretch (switching transients)
MIN_SEGMENT_S = 2.0  # shorter clean stretches are dropped
MIN_USABLE_FRACTION = 0.5  # less clean signal than this: refuse
MATCH_S = 0.15  # two detections of the same beat lie within this
#: Smallest detector agreement accepted; Li et al. (2008) treat bSQI near 1 as clean.
BSQI_MIN = 0.8
#: Smallest median beat-to-template correlation accepted (Orphanidou et al. 2015: 0.66).
TEMPLATE_MIN = 0.66
QRS_HALF_S = 0.08  # half the window compared between beats, s
CLIPPED_BEATS = 0.2  # more clipped R peaks than this fraction: refuse


def usable_segments(x: NDArray[np.float64], fs: float) -> tuple[list[tuple[int, int]], str]:
    """The stretches worth analysing, and a refusal reason if too little is left.

    Args:
        x: ECG in mV.
        fs: sampling rate in Hz.

    Returns:
        ``(segments, reason)``: sample ranges ``(start, stop)`` free of lead-off and flat
        signal, each at least 2 s long, and ``"lead_off"`` or ``"flat"`` when they add
        up to less than half the signal (empty otherwise).
    """
    n = x.size
    bad = np.zeros(n, dtype=bool)
    constant = np.concatenate([[False], np.abs(np.diff(x)) <= 1e-9])
    rail = False
    for a, b in true_runs(constant):
        if b - a + 1 >= FLAT_RUN_S * fs:
            bad[max(0, a - 1) : b] = True
            rail = True
    win = max(1, round(fs))
    for a in range(0, n, win // 2):
        seg = x[a : a + win]
        if seg.size and float(np.ptp(seg)) < FLAT_RANGE_MV:
            bad[a : a + win] = True
    margin = round(MARGIN_S * fs)
    if bad.any():
        grown = bad.copy()
        for a, b in true_runs(bad):
            grown[max(0, a - margin) : b + margin] = True
        bad = grown
    segments = [(a, b) for a, b in true_runs(~bad) if b - a >= MIN_SEGMENT_S * fs]
    usable = sum(b - a for a, b in segments)
    if usable < MIN_USABLE_FRACTION * n or not segments:
        return segments, "lead_off" if rail else "flat"
    return segments, ""


def bsqi(a: NDArray[np.intp], b: NDArray[np.intp], fs: float) -> float:
    """Agreement of two beat detectors, ``matched / (n_a + n_b - matched)``.

    Args:
        a: beat indices from one detector, samples, ascending.
        b: beat indices from the other.
        fs: sampling rate in Hz.

    Returns:
        0 (no common beat) to 1 (the same beats); 0 when both are empty.
    """
    if a.size == 0 or b.size == 0:
        return 0.0
    tol = MATCH_S * fs
    j = np.searchsorted(b, a)
    left = np.abs(a - b[np.clip(j - 1, 0, b.size - 1)])
    right = np.abs(b[np.clip(j, 0, b.size - 1)] - a)
    matched = int(np.sum(np.minimum(left, right) <= tol))
    matched = min(matched, int(b.size))
    return matched / (a.size + b.size - matched)


def beat_correlations(
    x: NDArray[np.float64], fs: float, peaks: NDArray[np.intp]
) -> NDArray[np.float64]:
    """Correlation of each QRS complex (+-80 ms around its R peak) with the median one.

    Args:
        x: ECG (cleaned), any unit.
        fs: sampling rate in Hz.
        peaks: R-peak indices, samples.

    Returns:
        Per peak, -1 to 1; NaN for a beat cut by the signal's edge, and all NaN when
        fewer than three whole beats.
    """
    lo = hi = round(QRS_HALF_S * fs)
    whole = (peaks >= lo) & (peaks + hi < x.size)
    out = np.full(peaks.size, np.nan)
    if whole.sum() < 3:
        return out
    beats = np.stack([x[i - lo : i + hi] for i in peaks[whole]])
    beats = beats - beats.mean(axis=1, keepdims=True)
    template = np.median(beats, axis=0)
    norm = np.linalg.norm(beats, axis=1) * float(np.linalg.norm(template))
    out[whole] = np.where(norm > 0, beats @ template / np.where(norm > 0, norm, 1.0), 0.0)
    return out


def template_correlation(x: NDArray[np.float64], fs: float, peaks: NDArray[np.intp]) -> float:
    """Median of :func:`beat_correlations` (Orphanidou et al. 2015's template match).

    Returns:
        -1 to 1; 0 when fewer than three whole beats.
    """
    corr = beat_correlations(x, fs, peaks)
    return 0.0 if np.all(np.isnan(corr)) else float(np.nanmedian(corr))


def _clipped_fraction(x: NDArray[np.float64], peaks: NDArray[np.intp]) -> float:
    inner = peaks[(peaks > 0) & (peaks < x.size - 1)]
    if inner.size == 0:
        return 0.0
    top, bottom = float(x.max()), float(x.min())
    v = x[inner]
    plateau = (x[inner - 1] == v) | (x[inner + 1] == v)
    at_rail = (v == top) | (v == bottom)
    return float(np.mean(plateau & at_rail))


def assess_peaks(
    x: NDArray[np.float64],
    fs: float,
    peaks: NDArray[np.intp],
    second: NDArray[np.intp],
    similarity: NDArray[np.float64],
    segments: list[tuple[int, int]],
) -> Quality:
    """The quality of detected R peaks.

    Args:
        x: the raw ECG, mV.
        fs: sampling rate in Hz.
        peaks: the R peaks, samples.
        second: beats found by an independent detector on the same signal, samples.
        similarity: per peak, its :func:`beat_correlations` (NaN at the edges).
        segments: the analysed stretches (see :func:`usable_segments`).

    Returns:
        Usable, with ``score = min(bSQI, template correlation) x analysed fraction``,
        when the detectors agree, the beats look alike, the rate is physiological and
        the R peaks are not clipped; else refused (``"no_beats"``, ``"clipped"``, ``"noise"``).
    """
    analysed = sum(b - a for a, b in segments)
    if peaks.size < 2:
        return Quality.refused("no_beats")
    rate = 60.0 * peaks.size / (analysed / fs)
    if _clipped_fraction(x, peaks) > CLIPPED_BEATS:
        return Quality.refused("clipped")
    agreement = bsqi(peaks, np.sort(second), fs)
    alike = 0.0 if np.all(np.isnan(similarity)) else float(np.nanmedian(similarity))
    score = float(np.clip(min(agreement, alike) * analysed / x.size, 0.0, 1.0))
    if agreement < BSQI_MIN or alike < TEMPLATE_MIN or not 20.0 <= rate <= 300.0:
        return Quality.refused("noise", score)
    return Quality(score, True)
