"""ECG cleaning and R-peak location.

:func:`ecg_clean` removes baseline wander, mains and muscle noise without moving the
peaks (every filter runs forwards and backwards). :func:`ecg_peaks` finds the QRS
complexes with a detector from :mod:`vitals.ecg_detect` and then moves each detection
onto the R peak itself: the dominant extremum of the QRS in the cleaned signal, positive
or negative, so that RR intervals and HRV are measured between true fiducial points
rather than where a detector's feature peaks (detection and fiducial-point location
are distinct stages; see the review of Kohler BU, Hennig C, Orglmeister R, "The
principles of software QRS detection", IEEE Eng. Med. Biol. Mag. 21(1):42-57, 2002).
Of two peaks closer than 250 ms the steeper is kept. Its quality comes from
:mod:`vitals.ecg_quality`.

Signals are in mV (the station's ``WaveformChunk`` unit for ECG); ``fs`` in Hz.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import ndimage
from scipy import signal as sps

from vitals.ecg_detect import detect_consensus, detect_elgendi, detect_pantompkins
from vitals.signal import Quality, as_signal, freeze_arrays, keep_taller

__all__ = ["ECG_FS_RANGE", "EcgPeaks", "ecg_clean", "ecg_peaks", "interval_pairs"]

#: Sampling rates the ECG functions accept, Hz.
ECG_FS_RANGE = (100.0, 4000.0)
_MIN_SECONDS = 2.0  # shorter than this holds too few beats to tell a beat from noise
_SEARCH_S = 0.08  # half window around a detection where the R extremum is sought
_BASE_S = 0.25  # half window whose median is the local baseline
_FLIP = 1.4  # a beat's extremum against the usual polarity must be this much larger
_POLARITY_BEATS = 8  # neighbours each side that vote for the usual polarity
_REFRACTORY_S = 0.25  # two R peaks are never closer (the detectors' refractory period)
_REFINE_LOWPASS_HZ = 20.0  # the extremum is sought on this smoother copy (muscle noise)

CleanMethod = Literal["butterworth", "median"]
PeakMethod = Literal["consensus", "pantompkins", "elgendi"]


def ecg_clean(
    signal: ArrayLike,
    fs: float,
    *,
    method: CleanMethod = "butterworth",
    powerline: float | None = 50.0,
    lowpass: float | None = 40.0,
) -> NDArray[np.float64]:
    """Remove baseline wander, mains interference and muscle noise, zero-phase.

    Args:
        signal: ECG in mV.
        fs: sampling rate in Hz.
        method: ``"butterworth"``: a 0.5 Hz high-pass (2nd order, run forwards and
            backwards), the AHA diagnostic low edge (Kligfield P et al.,
            Circulation 115:1306-1324, 2007); ``"median"``: the baseline estimated
            by 200 ms then 600 ms median filters and subtracted (de Chazal P,
            O'Dwyer M, Reilly RB, IEEE Trans. Biomed. Eng. 51(7):1196-1206, 2004).
        powerline: mains frequency to notch out, Hz (50 in Vietnam; 60 selectable;
            None for none). Its second harmonic is notched too when below fs/2.
        lowpass: muscle-noise low-pass corner, Hz (4th order, zero-phase), or None.

    Returns:
        The cleaned ECG in mV, same length.

    Raises:
        ValueError: bad signal or ``fs``, or an unknown method.
    """
    x = as_signal(signal, fs, fs_range=ECG_FS_RANGE)
    if x.size < 3:
        raise ValueError("signal too short: need at least 3 samples")
    pad = min(x.size - 1, round(2 * fs))  # odd extension at each end, up to 2 s
    if method == "butterworth":
        sos = sps.butter(2, 0.5, btype="highpass", fs=fs, output="sos")
        y = sps.sosfiltfilt(sos, x, padlen=pad)
    elif method == "median":
        base = ndimage.median_filter(x, size=_odd(0.2 * fs), mode="nearest")
        base = ndimage.median_filter(base, size=_odd(0.6 * fs), mode="nearest")
        y = x - base
    else:
        raise ValueError(f"unknown method {method!r}: use 'butterworth' or 'median'")
    if powerline is not None:
        for f0 in (powerline, 2 * powerline):
            if f0 < 0.45 * fs:
                b, a = sps.iirnotch(f0, 30.0, fs=fs)
                y = sps.filtfilt(b, a, y, padlen=pad)
    if lowpass is not None and lowpass < 0.45 * fs:
        sos = sps.butter(4, lowpass, btype="lowpass", fs=fs, output="sos")
        y = sps.sosfiltfilt(sos, y, padlen=pad)
    return np.asarray(y, dtype=np.float64)


def _lowpass(x: NDArray[np.float64], fs: float, hz: float) -> NDArray[np.float64]:
    if hz >= 0.45 * fs:
        return x
    sos = sps.butter(4, hz, btype="lowpass", fs=fs, output="sos")
    return np.asarray(sps.sosfiltfilt(sos, x, padlen=min(x.size - 1, round(fs))), dtype=np.float64)


def _odd(n: float) -> int:
    k = max(1, round(n))
    return k if k % 2 else k + 1


@dataclass(frozen=True, slots=True, eq=False)
class EcgPeaks:
    """R peaks of an ECG.

    Attributes:
        indices: sample index of each R peak, on the extremum of its QRS, ascending.
        fs: sampling rate in Hz.
        method: the detector used.
        quality: whether the peaks may be used; when not, ``indices`` is empty.
        polarity: per peak, +1 where the R extremum is a maximum, -1 a minimum.
        segments: the sample ranges ``(start, stop)`` that were analysed (lead-off and
            flat stretches left out); an RR interval never spans two segments.
        n_samples: length of the signal, samples.
        similarity: per peak, the correlation of its QRS (+-80 ms) with the
            record's median beat, -1 to 1 (NaN where cut by an edge); ventricular and
            aberrant beats score low (see :mod:`vitals.rhythm`).
        unit: UCUM unit of ``indices``: ``"1"``, a count of samples (divide by ``fs``
            for seconds, or use :attr:`times`).
    """

    indices: NDArray[np.intp]
    fs: float
    method: str
    quality: Quality
    polarity: NDArray[np.int8] = field(default_factory=lambda: np.empty(0, dtype=np.int8))
    segments: tuple[tuple[int, int], ...] = ()
    n_samples: int = 0
    similarity: NDArray[np.float64] = field(default_factory=lambda: np.empty(0))
    unit: str = "1"

    def __post_init__(self) -> None:
        freeze_arrays(self, "indices", "polarity", "similarity")

    @property
    def times(self) -> NDArray[np.float64]:
        """R-peak times from the first sample, s."""
        return np.asarray(self.indices / self.fs, dtype=np.float64)

    @property
    def rr_intervals(self) -> NDArray[np.float64]:
        """RR intervals in s between consecutive peaks of the same segment."""
        rr = np.diff(self.indices) / self.fs
        return np.asarray(rr[interval_pairs(self)], dtype=np.float64)


def interval_pairs(peaks: EcgPeaks) -> NDArray[np.bool_]:
    """Per pair of consecutive peaks, whether they make an RR interval (same segment)."""
    idx = peaks.indices
    if idx.size < 2 or not peaks.segments:
        return np.ones(max(0, idx.size - 1), dtype=bool)
    seg_of = np.full(idx.size, -1)
    for k, (a, b) in enumerate(peaks.segments):
        seg_of[(idx >= a) & (idx < b)] = k
    return np.asarray(seg_of[1:] == seg_of[:-1], dtype=np.bool_)


_DETECTORS: dict[str, Callable[[NDArray[np.float64], float], NDArray[np.intp]]] = {
    "consensus": detect_consensus,
    "pantompkins": detect_pantompkins,
    "elgendi": detect_elgendi,
}


def refine_peaks(
    clean: NDArray[np.float64], fs: float, detections: NDArray[np.intp]
) -> tuple[NDArray[np.intp], NDArray[np.int8]]:
    """Move detections onto the dominant extremum of their QRS.

    Around each detection (+-80 ms) the largest rise above and the largest fall below
    the local baseline (median over +-250 ms) are compared. The usual polarity is the
    majority among the neighbouring beats; a beat takes the other one only when that
    deflection is clearly larger, so a deep S wave does not pull the fiducial point off
    an upright R wave while a truly inverted beat (a PVC, a V1-like lead) is marked on
    its negative peak.

    Args:
        clean: cleaned ECG (see :func:`ecg_clean`), here further low-passed at 20 Hz
            so that muscle noise does not pull the extremum off the R wave.
        fs: sampling rate in Hz.
        detections: approximate QRS positions, samples.

    Returns:
        The refined indices (ascending, duplicates merged) and their polarity (+1/-1).
    """
    n = clean.size
    if detections.size == 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.int8)
    half = max(1, round(_SEARCH_S * fs))
    base_half = max(1, round(_BASE_S * fs))
    pos = np.empty(detections.size)
    neg = np.empty(detections.size)
    at_pos = np.empty(detections.size, dtype=np.intp)
    at_neg = np.empty(detections.size, dtype=np.intp)
    for k, i in enumerate(detections):
        lo, hi = max(0, int(i) - half), min(n, int(i) + half + 1)
        base = float(np.median(clean[max(0, int(i) - base_half) : int(i) + base_half + 1]))
        seg = clean[lo:hi] - base
        a, b = int(np.argmax(seg)), int(np.argmin(seg))
        pos[k], neg[k], at_pos[k], at_neg[k] = seg[a], -seg[b], lo + a, lo + b
    votes = np.sign(pos - neg)
    out = np.empty(detections.size, dtype=np.intp)
    sign = np.empty(detections.size, dtype=np.int8)
    for k in range(detections.size):
        lo, hi = max(0, k - _POLARITY_BEATS), k + _POLARITY_BEATS + 1
        usual = 1 if float(np.sum(votes[lo:hi])) >= 0 else -1
        up = not neg[k] > _FLIP * pos[k] if usual > 0 else pos[k] > _FLIP * neg[k]
        out[k], sign[k] = (at_pos[k], 1) if up else (at_neg[k], -1)
    order = np.argsort(out, kind="stable")
    out, sign = out[order], sign[order]
    return _one_per_refractory(clean, fs, out, sign)


def _one_per_refractory(
    clean: NDArray[np.float64], fs: float, peaks: NDArray[np.intp], sign: NDArray[np.int8]
) -> tuple[NDArray[np.intp], NDArray[np.int8]]:
    """Of two peaks closer than the refractory period, keep the one with more QRS energy.

    Two detections that land on neighbouring waves (a tall P wave and its QRS) end up
    closer than any two beats can be; the steeper one is the QRS.
    """
    if peaks.size < 2:
        return peaks, sign
    slope = np.abs(np.gradient(clean))
    half = max(1, round(0.04 * fs))
    energy = np.array([float(np.sum(slope[max(0, i - half) : i + half + 1] ** 2)) for i in peaks])
    keep = keep_taller(peaks, energy, round(_REFRACTORY_S * fs))
    return peaks[keep], sign[keep]


def ecg_peaks(
    signal: ArrayLike,
    fs: float,
    *,
    method: PeakMethod = "consensus",
    powerline: float | None = 50.0,
) -> EcgPeaks:
    """Find the R peaks of a single-lead ECG.

    The QRS complexes are detected on the cleaned signal (:func:`ecg_clean`; the
    detectors band-pass it further), then each detection is moved onto the dominant R
    extremum (:func:`refine_peaks`). Lead-off, flat and rail-clipped stretches are left
    out, and the result is refused (``quality.usable`` False, no indices) when too
    little clean signal remains, the R peaks are clipped, or two independent detectors
    disagree or the beats do not look alike (see :mod:`vitals.ecg_quality`).

    Args:
        signal: single-lead ECG in mV, at least 2 s.
        fs: sampling rate in Hz (100 to 4000).
        method: ``"consensus"`` (the default: Pan and Tompkins 1985 with the Hamilton
            and Tompkins 1986 decision rules, each beat confirmed by a block of
            interest of Elgendi 2013), ``"pantompkins"`` (the first alone) or
            ``"elgendi"`` (the second alone). See :mod:`vitals.ecg_detect`.
        powerline: mains frequency in Hz for the cleaning notch (50 or 60), or None.

    Returns:
        The R peaks with their quality.

    Raises:
        ValueError: not 1-D, NaN or infinite samples, ``fs`` out of range, shorter
            than 2 s, or an unknown method.
    """
    from vitals.ecg_quality import assess_peaks, beat_correlations, usable_segments

    x = as_signal(signal, fs, min_seconds=_MIN_SECONDS, fs_range=ECG_FS_RANGE)
    if method not in _DETECTORS:
        raise ValueError(f"unknown method {method!r}: use one of {sorted(_DETECTORS)}")
    detector = _DETECTORS[method]
    segments, refusal = usable_segments(x, fs)
    if refusal:
        return EcgPeaks(
            np.empty(0, dtype=np.intp), fs, method, Quality.refused(refusal), n_samples=x.size
        )
    found: list[NDArray[np.intp]] = []
    signs: list[NDArray[np.int8]] = []
    second: list[NDArray[np.intp]] = []
    clean = np.zeros(x.size)
    other = detect_pantompkins if method == "elgendi" else detect_elgendi
    for a, b in segments:
        part = clean[a:b] = ecg_clean(x[a:b], fs, powerline=powerline)
        smooth = _lowpass(part, fs, _REFINE_LOWPASS_HZ)
        idx, sign = refine_peaks(smooth, fs, detector(part, fs))
        found.append(idx + a)
        signs.append(sign)
        second.append(other(part, fs) + a)
    indices = np.concatenate(found).astype(np.intp)
    polarity = np.concatenate(signs).astype(np.int8)
    similarity = beat_correlations(clean, fs, indices)
    quality = assess_peaks(x, fs, indices, np.concatenate(second), similarity, segments)
    if not quality.usable:
        indices, polarity = np.empty(0, dtype=np.intp), np.empty(0, dtype=np.int8)
        similarity = np.empty(0)
    return EcgPeaks(indices, fs, method, quality, polarity, tuple(segments), x.size, similarity)
