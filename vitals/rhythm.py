"""Rhythm flags from R peaks: bradycardia, tachycardia, pauses, ectopy, atrial fibrillation.

These are screening flags for the doctor, not diagnoses. Each states its rule:

* **Bradycardia**: mean rate below 50 /min, the threshold of the 2018 ACC/AHA/HRS
  bradycardia guideline (Kusumoto FM et al., Circulation 140:e382-e482, 2019), which
  moved sinus bradycardia from 60 to 50 /min.
* **Tachycardia**: mean rate above 100 /min (the same guideline family; Page RL et al.,
  2015 ACC/AHA/HRS guideline for supraventricular tachycardia, Circulation
  133:e506-e574, 2016).
* **Pause**: an RR interval longer than 2.0 s, the usual Holter reporting threshold;
  pauses above 3.0 s are the ones the 2018 guideline calls significant, and are listed
  with their length so the doctor can tell.
* **Ectopic beats**: a beat whose coupling interval is under 80 % of the local median
  RR and is followed by a pause over 110 % of it (premature with a compensatory or
  near-compensatory pause), or whose QRS correlates under 0.9 with the record's median
  beat (a different morphology: ventricular or aberrant). RR timing and morphology
  are the two feature families of de Chazal P, O'Dwyer M, Reilly RB, "Automatic
  classification of heartbeats using ECG morphology and heartbeat interval features",
  IEEE Trans. Biomed. Eng. 51(7):1196-1206, 2004; the thresholds are ours. Atrial and
  ventricular origin are not told apart.
  *Frequent* means more than 6 per minute or over 10 % of beats (Lown B, Wolf M,
  Circulation 44:130-142, 1971 grade ectopy from 30 per hour; 6 per minute is the
  classic bedside threshold, and a 10 % burden the Holter one). Not judged during AF.
* **Atrial fibrillation** (irregularly irregular RR): Dash S, Chon KH, Lu S, Raeder EA,
  "Automatic real time detection of atrial fibrillation", Ann. Biomed. Eng.
  37(9):1701-1709, 2009: in windows of up to 64 beats (at least 32), the intervals
  next to an ectopic beat are dropped (ventricular bigeminy or frequent PVCs are
  irregular, but not irregularly irregular), then the 6.25 % longest and shortest;
  AF needs all three of normalised RMSSD >= 0.1,
  Shannon entropy of the 16-bin RR histogram >= 0.7 (normalised by log 16), and a
  turning-point ratio within the 95 % range expected of a random series. The record is
  flagged when at least half its windows are. Fewer than 33 beats: not judged (None).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vitals.ecg import EcgPeaks, PeakMethod, ecg_peaks
from vitals.hrv import heart_rate, interval_pairs, rr_series
from vitals.signal import Quality

__all__ = ["AfStatistics", "RhythmFlags", "af_statistics", "ecg_rhythm", "rhythm_flags"]

BRADY_PER_MIN = 50.0
TACHY_PER_MIN = 100.0
PAUSE_S = 2.0
SIGNIFICANT_PAUSE_S = 3.0
PREMATURE = 0.80  # coupling interval below this fraction of the local median RR
COMPENSATORY = 1.10  # and the next interval above this fraction
MORPH_SIMILARITY = 0.9  # a QRS correlating less with the median beat has another origin
ECTOPIC_CONTEXT = 4  # RR intervals each side whose median is the reference
FREQUENT_PER_MIN = 6.0
FREQUENT_FRACTION = 0.10
AF_WINDOW = 64  # RR intervals per AF window
AF_MIN = 32  # fewest RR intervals judged for AF
AF_TRIM = 0.0625  # fraction of the longest and of the shortest RR dropped (Dash: 8 of 128)
AF_NRMSSD = 0.1
AF_ENTROPY = 0.7
AF_BINS = 16
AF_MIN_KEPT = 16  # fewest intervals left in a window once ectopy is dropped


@dataclass(frozen=True, slots=True)
class AfStatistics:
    """Dash et al.'s (2009) three statistics of one RR window.

    Attributes:
        nrmssd: RMSSD over the mean RR, 1.
        entropy: Shannon entropy of the RR histogram over log(16), 0-1.
        tpr: turning-point ratio, 0-1.
        tpr_range: the 95 % range of the turning-point ratio of a random series.
        n: RR intervals used.
    """

    nrmssd: float
    entropy: float
    tpr: float
    tpr_range: tuple[float, float]
    n: int

    @property
    def irregular(self) -> bool:
        """Whether all three agree on an irregularly irregular rhythm."""
        lo, hi = self.tpr_range
        return self.nrmssd >= AF_NRMSSD and self.entropy >= AF_ENTROPY and lo <= self.tpr <= hi


def af_statistics(rr: ArrayLike) -> AfStatistics:
    """Normalised RMSSD, Shannon entropy and turning-point ratio of RR intervals.

    Args:
        rr: consecutive RR intervals, s (at least 8).

    Raises:
        ValueError: fewer than 8 intervals.
    """
    x = np.asarray(rr, dtype=np.float64)
    if x.size < 8:
        raise ValueError("need at least 8 RR intervals")
    k = math.floor(AF_TRIM * x.size)
    order = np.argsort(x, kind="stable")
    drop = np.zeros(x.size, dtype=bool)
    if k:
        drop[order[:k]] = drop[order[-k:]] = True
    t = x[~drop]  # kept in record order, as Dash et al. do
    nrmssd = float(np.sqrt(np.mean(np.diff(t) ** 2)) / np.mean(t))
    span = float(t.max() - t.min())
    if span > 0:
        counts, _ = np.histogram(t, bins=AF_BINS, range=(float(t.min()), float(t.max())))
        p = counts[counts > 0] / t.size
        entropy = float(-np.sum(p * np.log(p)) / math.log(AF_BINS))
    else:
        entropy = 0.0
    n = x.size
    turns = int(np.sum((x[1:-1] - x[:-2]) * (x[1:-1] - x[2:]) > 0))
    mu, sigma = (2 * n - 4) / 3, math.sqrt((16 * n - 29) / 90)
    tpr_range = ((mu - 1.96 * sigma) / n, (mu + 1.96 * sigma) / n)
    return AfStatistics(nrmssd, entropy, turns / n, tpr_range, int(n))


def _premature(rr: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Per beat ending interval i: premature with a pause after it."""
    out = np.zeros(rr.size, dtype=bool)
    for i in range(rr.size - 1):
        lo, hi = max(0, i - ECTOPIC_CONTEXT), i + 2 + ECTOPIC_CONTEXT
        around = np.concatenate([rr[lo:i], rr[i + 2 : hi]])
        if around.size < 2:
            continue
        ref = float(np.median(around))
        out[i] = rr[i] < PREMATURE * ref and rr[i + 1] > COMPENSATORY * ref
    return out


@dataclass(frozen=True, slots=True)
class RhythmFlags:
    """Rhythm findings of a record.

    Attributes:
        heart_rate: mean rate, /min (None when refused).
        bradycardia: rate below 50 /min.
        tachycardia: rate above 100 /min.
        atrial_fibrillation: irregularly irregular RR (Dash et al. 2009); None when
            fewer than 33 beats, so not judged.
        af_windows: fraction of RR windows judged irregular, 0-1 (None if not judged).
        pauses: ``(time, length)`` of each RR interval over 2.0 s, s (time of its end).
        longest_rr: longest RR interval, s.
        ectopic_beats: premature beats counted (None during AF).
        ectopic_per_minute: their rate, /min (None during AF).
        frequent_ectopy: more than 6 per minute or 10 % of beats.
        duration: analysed length, s.
        fs: sampling rate of the ECG, Hz.
        method: the R-peak detector.
        quality: whether the flags may be shown; when not, all flags are False or None.
        units: UCUM unit of each quantity.
    """

    heart_rate: float | None
    bradycardia: bool
    tachycardia: bool
    atrial_fibrillation: bool | None
    af_windows: float | None
    pauses: tuple[tuple[float, float], ...]
    longest_rr: float | None
    ectopic_beats: int | None
    ectopic_per_minute: float | None
    frequent_ectopy: bool
    duration: float
    fs: float
    method: str
    quality: Quality
    units: tuple[tuple[str, str], ...] = (
        ("heart_rate", "/min"),
        ("af_windows", "1"),
        ("pauses", "s"),
        ("longest_rr", "s"),
        ("ectopic_per_minute", "/min"),
        ("duration", "s"),
    )

    @property
    def significant_pause(self) -> bool:
        """A pause over 3.0 s (Kusumoto et al. 2019)."""
        return any(length > SIGNIFICANT_PAUSE_S for _, length in self.pauses)


def rhythm_flags(peaks: EcgPeaks, *, pause_s: float = PAUSE_S) -> RhythmFlags:
    """Rhythm flags of detected R peaks (rules in the module docstring).

    Args:
        peaks: R peaks from :func:`vitals.ecg.ecg_peaks`.
        pause_s: an RR interval longer than this is a pause, s.

    Returns:
        The flags; refused (nothing flagged) when the peaks or the rate are.
    """
    rate = heart_rate(peaks)
    rr = rr_series(peaks)
    duration = float(np.sum(rr.intervals))
    if rate.value is None:
        return RhythmFlags(None, False, False, None, None, (), None, None, None, False,
                           duration, peaks.fs, peaks.method, rate.quality)  # fmt: skip
    x = rr.intervals
    pauses = tuple((float(t), float(v)) for t, v in zip(rr.times, x, strict=True) if v > pause_s)
    # Per interval: does it end on an ectopic beat (premature, or of another shape)?
    pairs = interval_pairs(peaks)
    odd_beat = np.nan_to_num(peaks.similarity, nan=1.0) < MORPH_SIMILARITY
    if odd_beat.size != peaks.indices.size:
        odd_beat = np.zeros(peaks.indices.size, dtype=bool)
    ends_odd = odd_beat[1:][pairs]
    starts_odd = odd_beat[:-1][pairs]
    ectopic = _premature(x) | ends_odd
    near_ectopy = ectopic | starts_odd | np.concatenate([[False], ectopic[:-1]])
    af: bool | None = None
    af_fraction: float | None = None
    if x.size >= AF_MIN:
        # Windows of AF_WINDOW intervals, half overlapping; the last one ends at the end.
        step = AF_WINDOW // 2
        starts = list(range(0, max(1, x.size - AF_WINDOW + 1), step))
        if starts[-1] + AF_WINDOW < x.size:
            starts.append(x.size - AF_WINDOW)
        votes = []
        for s0 in starts:
            kept = x[s0 : s0 + AF_WINDOW][~near_ectopy[s0 : s0 + AF_WINDOW]]
            if kept.size >= AF_MIN_KEPT:
                votes.append(af_statistics(kept).irregular)
        if votes:
            af_fraction = float(np.mean(votes))
            af = af_fraction >= 0.5
    if af:
        n_ectopic: int | None = None
        per_min: float | None = None
        frequent = False
    else:
        n_ectopic = int(ectopic.sum())
        per_min = 60.0 * n_ectopic / duration if duration > 0 else 0.0
        frequent = per_min > FREQUENT_PER_MIN or n_ectopic > FREQUENT_FRACTION * (x.size + 1)
    return RhythmFlags(
        heart_rate=rate.value,
        bradycardia=rate.value < BRADY_PER_MIN,
        tachycardia=rate.value > TACHY_PER_MIN,
        atrial_fibrillation=af,
        af_windows=af_fraction,
        pauses=pauses,
        longest_rr=float(x.max()) if x.size else None,
        ectopic_beats=n_ectopic,
        ectopic_per_minute=per_min,
        frequent_ectopy=frequent,
        duration=duration,
        fs=peaks.fs,
        method=peaks.method,
        quality=rate.quality,
    )


def ecg_rhythm(
    signal: ArrayLike, fs: float, *, method: PeakMethod = "consensus", powerline: float = 50.0
) -> RhythmFlags:
    """Rhythm flags of an ECG (:func:`vitals.ecg.ecg_peaks` then :func:`rhythm_flags`).

    Args:
        signal: single-lead ECG in mV, at least 2 s.
        fs: sampling rate in Hz.
        method: the R-peak detector.
        powerline: mains frequency in Hz.

    Raises:
        ValueError: as :func:`vitals.ecg.ecg_peaks`.
    """
    return rhythm_flags(ecg_peaks(signal, fs, method=method, powerline=powerline))
