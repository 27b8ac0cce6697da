"""Heart rate, RR intervals and time-domain heart-rate variability from R peaks.

Definitions follow the Task Force of the European Society of Cardiology and the
North American Society of Pacing and Electrophysiology, "Heart rate variability:
standards of measurement, physiological interpretation and clinical use",
Circulation 93(5):1043-1065, 1996: SDNN is the standard deviation of the normal-to-normal
(NN) intervals, RMSSD the root mean square of successive NN differences, pNN50 the
percentage of successive NN differences above 50 ms.

**Ectopic and artefact handling.** An RR interval is kept as NN only if it lies within
20 % of the median of the RR intervals around it (five each side), the filter of
Malik M et al., "Heart rate variability in relation to prognosis after myocardial
infarction: selection of optimal processing techniques", Eur. Heart J. 10:1060-1074,
1989. A premature beat thus removes both its short coupling interval and the long pause
after it, and a missed or extra detection removes the intervals it distorts. Successive
differences are only taken between NN intervals that are adjacent in the record.
Intervals across a lead-off gap never exist (see :attr:`vitals.ecg.EcgPeaks.segments`).

**Length.** The Task Force standard for short-term HRV is 5 min. The cabin records less;
HRV is given from 30 s and 20 NN intervals (RMSSD from 10 s and SDNN from 30 s agree
well with 5-min values: Munoz ML et al., "Validity of (ultra-)short recordings for
heart rate variability measurements", PLoS ONE 10(9):e0138921, 2015), with the
``quality.score`` scaled down below 5 min.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vitals.ecg import EcgPeaks, PeakMethod, ecg_peaks, interval_pairs
from vitals.signal import Quality, freeze_arrays, true_runs

__all__ = [
    "HeartRate",
    "HrvTime",
    "RRSeries",
    "ecg_rate",
    "heart_rate",
    "hrv_time",
    "interval_pairs",
    "rr_series",
]

NN_TOLERANCE = 0.20  # Malik et al. (1989): an NN interval is within 20 % of its neighbours
NN_CONTEXT = 5  # intervals each side whose median is the reference
MIN_HRV_S = 30.0  # shortest recording HRV is given for, s
MIN_NN = 20  # fewest NN intervals HRV is given for
MIN_NN_FRACTION = 0.6  # fewer RR intervals kept as NN than this: too irregular or noisy
STANDARD_HRV_S = 300.0  # the Task Force's short-term recording, s
MIN_RATE_BEATS = 3  # fewest beats a heart rate is given for


@dataclass(frozen=True, slots=True, eq=False)
class RRSeries:
    """RR intervals of a record and which of them are normal-to-normal.

    Attributes:
        intervals: RR intervals, s, in record order (none across a lead-off gap).
        times: time of the beat ending each interval, s from the first sample.
        normal: per interval, whether it is kept as an NN interval.
        fs: sampling rate of the ECG, Hz.
        method: the R-peak detector.
        quality: the quality of the peaks underneath.
        unit: ``"s"``.
    """

    intervals: NDArray[np.float64]
    times: NDArray[np.float64]
    normal: NDArray[np.bool_]
    fs: float
    method: str
    quality: Quality
    unit: str = "s"

    def __post_init__(self) -> None:
        freeze_arrays(self, "intervals", "times", "normal")

    @property
    def nn(self) -> NDArray[np.float64]:
        """The NN intervals, s."""
        return np.asarray(self.intervals[self.normal], dtype=np.float64)


def nn_mask(rr: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Malik's 20 % filter: whether each RR interval is within 20 % of its local median."""
    keep = np.zeros(rr.size, dtype=bool)
    for i in range(rr.size):
        around = np.concatenate([rr[max(0, i - NN_CONTEXT) : i], rr[i + 1 : i + 1 + NN_CONTEXT]])
        if around.size == 0:
            continue
        ref = float(np.median(around))
        keep[i] = abs(float(rr[i]) - ref) <= NN_TOLERANCE * ref
    return keep


def rr_series(peaks: EcgPeaks) -> RRSeries:
    """The RR intervals of detected R peaks, with the NN filter applied.

    Args:
        peaks: R peaks from :func:`vitals.ecg.ecg_peaks`.

    Returns:
        Intervals in s; empty when the peaks were refused.
    """
    idx = peaks.indices
    if idx.size < 2:
        empty = np.empty(0)
        return RRSeries(
            empty, empty, np.empty(0, dtype=bool), peaks.fs, peaks.method, peaks.quality
        )
    pairs = interval_pairs(peaks)
    rr = np.diff(idx) / peaks.fs
    times = idx[1:] / peaks.fs
    # The NN filter runs per segment so that a gap does not make neighbours of strangers.
    normal = np.zeros(rr.size, dtype=bool)
    for a, b in true_runs(pairs):
        normal[a:b] = nn_mask(rr[a:b])
    return RRSeries(rr[pairs], times[pairs], normal[pairs], peaks.fs, peaks.method, peaks.quality)


@dataclass(frozen=True, slots=True)
class HeartRate:
    """Mean heart rate over a record.

    Attributes:
        value: beats per minute, or None when refused.
        fs: sampling rate of the ECG, Hz.
        method: the R-peak detector.
        quality: whether ``value`` may be shown and stored.
        n_beats: beats it is computed from.
        unit: UCUM ``"/min"``.
    """

    value: float | None
    fs: float
    method: str
    quality: Quality
    n_beats: int = 0
    unit: str = "/min"


def heart_rate(peaks: EcgPeaks) -> HeartRate:
    """Mean heart rate of the R peaks: 60 over the mean RR interval (all beats count).

    Args:
        peaks: R peaks from :func:`vitals.ecg.ecg_peaks`.

    Returns:
        The rate in /min, or None with the peaks' refusal reason (or ``"too_few_beats"``).
    """
    rr = rr_series(peaks)
    if not peaks.quality.usable:
        return HeartRate(None, peaks.fs, peaks.method, peaks.quality)
    if rr.intervals.size < MIN_RATE_BEATS - 1:
        return HeartRate(None, peaks.fs, peaks.method, Quality.refused("too_few_beats"))
    value = 60.0 / float(np.mean(rr.intervals))
    return HeartRate(value, peaks.fs, peaks.method, peaks.quality, int(peaks.indices.size))


def ecg_rate(
    signal: ArrayLike, fs: float, *, method: PeakMethod = "consensus", powerline: float = 50.0
) -> HeartRate:
    """Mean heart rate of an ECG (:func:`vitals.ecg.ecg_peaks` then :func:`heart_rate`).

    Args:
        signal: single-lead ECG in mV, at least 2 s.
        fs: sampling rate in Hz.
        method: the R-peak detector.
        powerline: mains frequency in Hz.

    Raises:
        ValueError: as :func:`vitals.ecg.ecg_peaks`.
    """
    return heart_rate(ecg_peaks(signal, fs, method=method, powerline=powerline))


@dataclass(frozen=True, slots=True)
class HrvTime:
    """Time-domain HRV of the NN intervals (Task Force 1996).

    Attributes:
        sdnn: standard deviation of the NN intervals, ms (None when refused).
        rmssd: root mean square of successive NN differences, ms.
        pnn50: successive NN differences above 50 ms, % of all successive differences.
        mean_nn: mean NN interval, ms.
        n_nn: NN intervals used.
        excluded: fraction of RR intervals left out as ectopic or artefact, 0-1.
        duration: length of the analysed record, s.
        fs: sampling rate of the ECG, Hz.
        method: the R-peak detector.
        quality: whether the values may be shown; the score falls below 5 min of data.
        units: UCUM unit of each value.
    """

    sdnn: float | None
    rmssd: float | None
    pnn50: float | None
    mean_nn: float | None
    n_nn: int
    excluded: float
    duration: float
    fs: float
    method: str
    quality: Quality
    units: tuple[tuple[str, str], ...] = (
        ("sdnn", "ms"),
        ("rmssd", "ms"),
        ("pnn50", "%"),
        ("mean_nn", "ms"),
    )


def hrv_time(peaks: EcgPeaks) -> HrvTime:
    """SDNN, RMSSD and pNN50 of detected R peaks, ectopic beats and artefacts excluded.

    Args:
        peaks: R peaks from :func:`vitals.ecg.ecg_peaks`.

    Returns:
        The HRV values, or None values with a reason: the peaks' own, ``"too_short"``
        (under 30 s or 20 NN intervals) or ``"irregular"`` (under 60 % of RR kept as NN,
        as in atrial fibrillation, frequent ectopy or noise, where HRV means little).
    """
    rr = rr_series(peaks)
    duration = float(np.sum(rr.intervals))
    kept = rr.normal
    excluded = 1.0 - float(np.mean(kept)) if kept.size else 1.0

    def refuse(q: Quality) -> HrvTime:
        return HrvTime(None, None, None, None, int(kept.sum()), excluded, duration,
                       peaks.fs, peaks.method, q)  # fmt: skip

    if not peaks.quality.usable:
        return refuse(peaks.quality)
    if duration < MIN_HRV_S or int(kept.sum()) < MIN_NN:
        return refuse(Quality.refused("too_short"))
    if 1.0 - excluded < MIN_NN_FRACTION:
        return refuse(Quality.refused("irregular"))
    nn = 1000.0 * rr.intervals
    both = kept[1:] & kept[:-1]  # successive differences between adjacent NN intervals only
    diffs = np.diff(nn)[both]
    if diffs.size == 0:
        return refuse(Quality.refused("too_short"))
    score = peaks.quality.score * (1.0 - excluded) * min(1.0, duration / STANDARD_HRV_S) ** 0.5
    return HrvTime(
        sdnn=float(np.std(nn[kept], ddof=1)),
        rmssd=float(np.sqrt(np.mean(diffs**2))),
        pnn50=100.0 * float(np.mean(np.abs(diffs) > 50.0)),
        mean_nn=float(np.mean(nn[kept])),
        n_nn=int(kept.sum()),
        excluded=excluded,
        duration=duration,
        fs=peaks.fs,
        method=peaks.method,
        quality=Quality(float(np.clip(score, 0.0, 1.0)), True),
    )
