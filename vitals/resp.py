"""Respiratory rate from the breathing modulations of the ECG and the PPG.

Breathing modulates a cardiac signal three ways (P. H. Charlton et al., "An assessment
of algorithms to estimate respiratory rate from the electrocardiogram and
photoplethysmogram", Physiol. Meas. 37(4):610-626, 2016; P. H. Charlton et al.,
"Breathing rate estimation from the electrocardiogram and photoplethysmogram: a review",
IEEE Rev. Biomed. Eng. 11:2-20, 2018):

* frequency modulation: respiratory sinus arrhythmia shortens the beat intervals on
  inspiration (``frequency``);
* amplitude modulation: the R wave (chest impedance, heart axis) or the pulse (stroke
  volume) changes size (``amplitude``);
* baseline modulation: the isoelectric level of the ECG, or the light level of the PPG
  (venous return), wanders with each breath (``baseline``).

:func:`resp_rate_from_beats` measures each modulation at the given beats, resamples it at
4 Hz, and takes the peak of its spectrum within 4-60 breaths/min (and below half the
heart rate) as that modulation's rate, with a spectral purity (the share of the band's
power within 0.04 Hz of the peak) as its quality. Rates are then fused after Karlen et
al.'s smart fusion (W. Karlen, S. Raman, J. M. Ansermino and G. A. Dumont, "Multiparameter
respiratory rate estimation from the photoplethysmogram", IEEE Trans. Biomed. Eng.
60(7):1946-1953, 2013): only modulations that agree count, and a window whose
modulations disagree is refused (``modulations_disagree``) rather than averaged: the
winning cluster of rates (within 2 /min of one of them) needs two members, twice the purity of any
other cluster, and, when an ECG and a PPG are pooled, a member from each.
:func:`resp_rate_fuse` pools the modulations of an ECG and a PPG result the same way.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import signal as sps

from vitals.signal import Quality, as_signal

__all__ = [
    "Modulation",
    "RespiratoryRate",
    "detect_beats",
    "resp_rate",
    "resp_rate_from_beats",
    "resp_rate_fuse",
]

SignalType = Literal["ecg", "ppg"]
RespMethod = Literal["fusion", "frequency", "amplitude", "baseline"]

_RESAMPLE_HZ = 4.0
_BAND = (4.0 / 60.0, 1.0)  # Hz, 4-60 breaths/min
_PEAK_HALF_WIDTH_HZ = 0.04
_MIN_PURITY = 0.25  # below this a modulation shows no clear breathing rhythm
_AGREE = 2.0  # breaths/min
_F64 = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Modulation:
    """One respiratory modulation and the rate it shows.

    Attributes:
        name: ``<signal>_<modulation>``, e.g. ``ecg_frequency``, ``ppg_amplitude``.
        rate: its breathing rate, /min (None when it could not be measured).
        purity: share (0-1) of its 4-60 /min power within 0.04 Hz of the peak.
    """

    name: str
    rate: float | None
    purity: float


@dataclass(frozen=True, slots=True)
class RespiratoryRate:
    """A respiratory rate; ``value`` is None when ``quality.usable`` is False.

    Attributes:
        value: breaths per minute.
        fs: sampling rate of the signal(s) it came from, Hz.
        method: ``fusion`` or the single modulation used.
        quality: trust in the value; score is the share of modulations that agree times
            their mean purity.
        modulations: every modulation measured, agreeing or not.
        unit: UCUM unit of ``value``.
    """

    value: float | None
    fs: float
    method: str
    quality: Quality
    modulations: tuple[Modulation, ...] = ()
    unit: str = "/min"


def _clean_beats(beats: ArrayLike, n: int, fs: float) -> NDArray[np.intp]:
    b = np.asarray(beats)
    if b.ndim != 1 or (b.size and not np.issubdtype(b.dtype, np.integer)):
        raise ValueError("beats must be a 1-D array of sample indices")
    b = np.unique(b.astype(np.intp))
    if b.size and (b[0] < 0 or b[-1] >= n):
        raise ValueError("beat indices must lie within the signal")
    return b


def _series_ecg(x: _F64, fs: float, b: NDArray[np.intp]) -> dict[str, _F64]:
    """Per-beat values: R-to-S amplitude, and the isoelectric level before the QRS."""
    lo, hi, s = round(0.10 * fs), round(0.05 * fs), max(1, round(0.06 * fs))
    iso = np.array([float(np.mean(x[max(0, r - lo) : max(1, r - hi)])) for r in b])
    trough = np.array([float(np.min(x[r : r + s + 1])) for r in b])
    return {"amplitude": x[b] - trough, "baseline": iso}


def _series_ppg(x: _F64, fs: float, b: NDArray[np.intp]) -> dict[str, _F64]:
    """Per-beat values: pulse height above its foot, and the foot level."""
    starts = np.concatenate(([max(0, int(b[0]) - round(0.6 * fs))], b[:-1]))
    feet = np.array([float(np.min(x[s : p + 1])) for s, p in zip(starts, b, strict=True)])
    return {"amplitude": x[b] - feet, "baseline": feet}


def _rate(t: _F64, v: _F64, hr_hz: float) -> tuple[float | None, float]:
    """Breathing rate (/min) and spectral purity of a beat-sampled series at times t (s)."""
    if t.size < 6 or t[-1] - t[0] < 8.0 or np.ptp(v) == 0:
        return None, 0.0
    grid = np.arange(t[0], t[-1], 1.0 / _RESAMPLE_HZ)
    u = np.interp(grid, t, v)
    u = sps.detrend(u)
    sos = sps.butter(2, _BAND, btype="bandpass", fs=_RESAMPLE_HZ, output="sos")
    u = sps.sosfiltfilt(sos, u, padlen=min(3 * 7, u.size - 1))
    nfft = max(1024, 1 << (u.size * 4 - 1).bit_length())
    spec = np.abs(np.fft.rfft(u * np.hanning(u.size), nfft)) ** 2
    f = np.fft.rfftfreq(nfft, 1.0 / _RESAMPLE_HZ)
    top = min(_BAND[1], 0.5 * hr_hz)
    band = (f >= _BAND[0]) & (f <= top)
    if not band.any() or spec[band].sum() <= 0:
        return None, 0.0
    i = int(np.flatnonzero(band)[np.argmax(spec[band])])
    if 0 < i < spec.size - 1:  # parabolic interpolation of the peak
        a, b_, c = np.log(spec[i - 1 : i + 2] + 1e-300)
        den = a - 2 * b_ + c
        shift = 0.5 * (a - c) / den if den < 0 else 0.0
    else:
        shift = 0.0
    f_peak = float(f[i] + shift * (f[1] - f[0]))
    purity = float(
        spec[band & (np.abs(f - f_peak) <= _PEAK_HALF_WIDTH_HZ)].sum() / spec[band].sum()
    )
    return 60.0 * f_peak, purity


def _fuse(mods: Sequence[Modulation], fs: float, method: str) -> RespiratoryRate:
    """Smart fusion (after Karlen et al. 2013): the agreeing modulations, or a refusal."""
    kept = [m for m in mods if m.rate is not None and m.purity >= _MIN_PURITY]
    if not kept:
        return RespiratoryRate(
            None, fs, method, Quality.refused("no_breathing_rhythm"), tuple(mods)
        )
    rates = np.array([m.rate for m in kept], dtype=np.float64)
    w = np.array([m.purity for m in kept])
    if method != "fusion":
        m = kept[0]
        return RespiratoryRate(m.rate, fs, method, Quality(round(m.purity, 3), True), tuple(mods))
    # The heaviest (by purity) set of rates within _AGREE of one of them must have two
    # members and outweigh twice over any set of the others that agrees in the same way.
    near = np.abs(rates[:, None] - rates[None, :]) <= _AGREE
    weight = near.astype(float) @ w
    best = int(np.argmax(weight))
    agree = near[best]
    rest = ~agree
    rival = float((near[rest][:, rest].astype(float) @ w[rest]).max()) if rest.any() else 0.0
    # Breathing modulates every signal: one whose modulations all sit outside the
    # winning cluster (a slow vasomotor wave in the PPG, say) contradicts it.
    sources = {m.name.split("_")[0] for m in kept}
    agreeing = {kept[i].name.split("_")[0] for i in np.flatnonzero(agree)}
    if agree.sum() < 2 or weight[best] < 2.0 * rival or sources - agreeing:
        return RespiratoryRate(
            None, fs, method, Quality.refused("modulations_disagree"), tuple(mods)
        )
    value = float(np.sum(rates[agree] * w[agree]) / np.sum(w[agree]))
    score = float(agree.sum() / len(kept) * np.mean(w[agree]))
    return RespiratoryRate(value, fs, method, Quality(round(score, 3), True), tuple(mods))


def resp_rate_from_beats(
    signal: ArrayLike,
    fs: float,
    beats: ArrayLike,
    *,
    kind: SignalType = "ecg",
    method: RespMethod = "fusion",
) -> RespiratoryRate:
    """Respiratory rate of one window of ECG or PPG from its beats.

    Args:
        signal: the ECG (any unit, R waves upwards) or PPG (pulses upwards: blood volume
            up, as a monitor's pleth; invert raw photodiode counts first). 32 s windows
            are usual; at least 15 s.
        fs: sampling rate in Hz.
        beats: sample indices of the R peaks (ECG) or pulse peaks (PPG), e.g. from
            ``vitals.ecg.ecg_peaks(...).indices``.
        kind: ``"ecg"`` or ``"ppg"``.
        method: ``"fusion"`` of the three modulations (smart fusion, Karlen et al. 2013),
            or one of ``"frequency"``, ``"amplitude"``, ``"baseline"`` alone.

    Returns:
        Breaths per minute with every modulation's rate, or a refusal
        (``too_few_beats``, ``flat``, ``no_breathing_rhythm``, ``modulations_disagree``).

    Raises:
        ValueError: bad signal (not 1-D, NaN, ``fs`` outside 20-5000 Hz, under 15 s),
            beats out of range, unknown kind or method.
    """
    x = as_signal(signal, fs, min_seconds=15.0, fs_range=(20.0, 5000.0))
    if kind not in ("ecg", "ppg"):
        raise ValueError(f"unknown kind {kind!r}: use 'ecg' or 'ppg'")
    if method not in ("fusion", "frequency", "amplitude", "baseline"):
        raise ValueError(f"unknown method {method!r}")
    b = _clean_beats(beats, x.size, fs)
    if float(np.ptp(x)) == 0.0:
        return RespiratoryRate(None, fs, method, Quality.refused("flat"))
    if b.size < 8:
        return RespiratoryRate(None, fs, method, Quality.refused("too_few_beats"))
    t = b / fs
    rr = np.diff(t)
    hr_hz = 1.0 / float(np.median(rr))
    # Ectopic or missed beats: intervals far from their neighbours' median are dropped.
    ref = np.asarray(sps.medfilt(rr, 5), dtype=np.float64)
    good_rr = (np.abs(rr - ref) < 0.3 * ref) & (rr > 0.25) & (rr < 2.5)
    series = (_series_ecg if kind == "ecg" else _series_ppg)(x, fs, b)
    # Beat intervals that vary by less than half a sample carry only quantisation.
    steady = float(np.std(rr[good_rr])) < 0.5 / fs if good_rr.any() else True
    values = {"frequency": (t[1:][good_rr], rr[good_rr] * (0.0 if steady else 1.0))}
    good_beat = np.concatenate(([True], good_rr))
    for name, v in series.items():
        values[name] = (t[good_beat], v[good_beat])
    wanted = ("frequency", "amplitude", "baseline") if method == "fusion" else (method,)
    mods = []
    for name in wanted:
        tt, vv = values[name]
        rate, purity = _rate(tt, vv, hr_hz)
        mods.append(Modulation(f"{kind}_{name}", rate, purity))
    return _fuse(mods, fs, method)


def resp_rate_fuse(*results: RespiratoryRate) -> RespiratoryRate:
    """Pool the modulations of several results (an ECG's and a PPG's) into one rate.

    Args:
        results: respiratory rates of the same time window from different signals.

    Returns:
        The smart fusion of every modulation; ``fs`` is the first result's.

    Raises:
        ValueError: no results.
    """
    if not results:
        raise ValueError("nothing to fuse")
    mods = tuple(m for r in results for m in r.modulations)
    return _fuse(mods, results[0].fs, "fusion")


def _detector(kind: SignalType) -> object:
    name = "vitals.ecg" if kind == "ecg" else "vitals.ppg"
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        raise RuntimeError(f"{name} is not available: give the beats yourself") from exc
    return getattr(module, "ecg_peaks" if kind == "ecg" else "ppg_peaks")


def detect_beats(signal: ArrayLike, fs: float, kind: SignalType) -> NDArray[np.intp]:
    """Beats of an ECG or PPG with :mod:`vitals.ecg` / :mod:`vitals.ppg`, imported lazily.

    Raises:
        RuntimeError: the detector module is not installed in this tree.
    """
    found = _detector(kind)(signal, fs)  # type: ignore[operator]
    indices = getattr(found, "indices", None)  # ecg_peaks(...).indices
    if indices is None:
        indices = found.peaks  # ppg_peaks(...).peaks
    return np.asarray(indices, dtype=np.intp)


def resp_rate(
    fs: float, *, ecg: ArrayLike | None = None, ppg: ArrayLike | None = None
) -> RespiratoryRate:
    """Respiratory rate of one window of ECG and/or PPG, finding the beats itself.

    A convenience over :func:`resp_rate_from_beats` and :func:`resp_rate_fuse` that
    detects beats with ``vitals.ecg.ecg_peaks`` / ``vitals.ppg.ppg_peaks``.

    Args:
        fs: sampling rate of both signals, Hz.
        ecg: an ECG window (R waves up).
        ppg: a PPG window of the same time (pulses up).

    Raises:
        ValueError: neither signal given, or bad input as for :func:`resp_rate_from_beats`.
        RuntimeError: a beat detector module is missing.
    """
    parts = []
    for kind, x in (("ecg", ecg), ("ppg", ppg)):
        if x is not None:
            beats = detect_beats(x, fs, kind)  # type: ignore[arg-type]
            parts.append(resp_rate_from_beats(x, fs, beats, kind=kind))  # type: ignore[arg-type]
    if not parts:
        raise ValueError("give an ECG, a PPG or both")
    return parts[0] if len(parts) == 1 else resp_rate_fuse(*parts)
