"""SpO2 and perfusion index from raw red and infrared photoplethysmograms.

The ratio of ratios R = (AC_red/DC_red)/(AC_ir/DC_ir) is read off a calibration curve
(:mod:`vitals.spo2_calibration`). AC is each beat's foot-to-peak swing of the band-passed
channel (0.5-8 Hz, zero phase, the same filter on both channels so that its gain cancels),
at the beats found on the infrared channel; DC is the channel's mean level over the
window. Two ways to combine the beats, chosen with ``method``:

* ``"regression"`` (default): the slope of the normalised red pulse against the
  normalised infrared pulse over every sample from the first foot to the last peak, by
  total least squares (both channels are noisy): the least-squares form of the
  derivative method in T. L. Rusch, R. Sankar and J. E. Scharf, "Signal processing
  methods for pulse oximetry", Comput. Biol. Med. 26(2):143-159, 1996. It uses every
  sample, so sensor noise hurts it least (``benchmarks/spo2.py``).
* ``"beat"``: R of every beat from its foot-to-peak swings, and their median: the
  peak-and-valley method of Rusch et al. (1996), made robust by the median.

Either way the per-beat ratios are computed, and their spread judges the window. The
perfusion index is the median infrared beat swing over DC, in %; the 0.5 Hz band edge
makes it read about 3 % (relative) low.

A window is refused (value None) rather than read wrong: a sample at the converter's
ceiling (``"saturated"``), a light level under 2 % of full scale or near the ambient
level (``"finger_out"``), a pulse under 0.05 % of the light level (``"no_pulse"``),
beats that do not look alike on either channel (``"motion"``, see
:mod:`vitals.ppg_quality`), or per-beat ratios spread by more than 20 % (interquartile
range over median; ``"unstable"``). Hand movement changes both channels' light by the
same fraction and pulls R towards 1, so these checks come before any number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vitals.ppg import FS_RANGE, MIN_SECONDS, PI_MIN, PpgMethod, PpgPeaks, _detect, ppg_clean
from vitals.ppg_quality import ppg_sqi
from vitals.signal import Quality, as_signal
from vitals.spo2_calibration import DEFAULT_CALIBRATION, Calibration, get_calibration

__all__ = [
    "PerfusionIndex",
    "RatioOfRatios",
    "Spo2",
    "Spo2Method",
    "perfusion_index",
    "spo2_estimate",
    "spo2_from_ratio",
    "spo2_ratio",
]

Spo2Method = Literal["beat", "regression"]

#: Bits of the photodiode converter (MAX30102, MAXM86161: 18-19; the simulator: 18).
ADC_BITS = 18
#: Light level, as a share of full scale, below which no finger covers the sensor.
FINGER_OUT_FRACTION = 0.02
#: Largest spread (interquartile range / median) of the per-beat ratios.
SPREAD_MAX = 0.2
#: SpO2 (%) range the calibration studies cover (ISO 80601-2-61); below, scores are capped.
CALIBRATED_RANGE = (70.0, 100.0)


@dataclass(frozen=True, slots=True, eq=False)
class RatioOfRatios:
    """The ratio of ratios of a red/infrared window.

    Attributes:
        value: R = (AC_red/DC_red)/(AC_ir/DC_ir), dimensionless, or None when unusable.
        fs: sampling rate in Hz.
        method: ``"beat"`` or ``"regression"``.
        quality: the verdict; ``value`` is None exactly when ``quality.usable`` is False.
        beat_ratios: R of each beat, dimensionless (empty when no beats).
        spread: interquartile range over median of ``beat_ratios``, dimensionless.
        perfusion_index: median AC/DC of the infrared channel, %, or None.
        peaks: the beats found on the infrared channel.
        unit: UCUM unit of ``value``.
    """

    value: float | None
    fs: float
    method: str
    quality: Quality
    beat_ratios: NDArray[np.float64]
    spread: float
    perfusion_index: float | None
    peaks: PpgPeaks | None
    unit: str = "1"


@dataclass(frozen=True, slots=True)
class Spo2:
    """An SpO2 reading and how far it can be trusted.

    Attributes:
        value: functional oxygen saturation in %, or None when unusable.
        fs: sampling rate in Hz.
        method: how R was formed (``"beat"`` or ``"regression"``).
        quality: the verdict; ``value`` is None exactly when ``quality.usable`` is False.
        ratio: the ratio of ratios R behind the value, dimensionless, or None.
        perfusion_index: AC/DC of the infrared channel, %, or None.
        calibration: the name of the curve used.
        unit: UCUM unit of ``value``.
    """

    value: float | None
    fs: float
    method: str
    quality: Quality
    ratio: float | None
    perfusion_index: float | None
    calibration: str
    unit: str = "%"


@dataclass(frozen=True, slots=True)
class PerfusionIndex:
    """The perfusion index: the pulsatile share of the infrared light.

    Attributes:
        value: median beat AC over DC of the infrared channel, %, or None.
        fs: sampling rate in Hz.
        method: the pulse detector used to find the beats.
        quality: the verdict; ``value`` is None exactly when ``quality.usable`` is False.
        unit: UCUM unit of ``value``.
    """

    value: float | None
    fs: float
    method: str
    quality: Quality
    unit: str = "%"


def _channel(signal: ArrayLike, fs: float) -> NDArray[np.float64]:
    return as_signal(signal, fs, min_seconds=MIN_SECONDS, fs_range=FS_RANGE)


def _light_check(
    channels: tuple[NDArray[np.float64], ...], adc_bits: int, ambient: float | None
) -> Quality | None:
    """Refuse a window at the converter's ceiling or without a finger; None if it passes."""
    if not 8 <= adc_bits <= 32:
        raise ValueError("adc_bits must be within 8 and 32")
    ceiling = 2.0**adc_bits - 1
    floor = FINGER_OUT_FRACTION * ceiling
    if ambient is not None:
        floor = max(floor, 3.0 * ambient)
    for x in channels:
        if x.max() >= ceiling:
            return Quality.refused("saturated")
    for x in channels:
        if x.min() < floor:
            return Quality.refused("finger_out")
    return None


def _beat_amplitudes(clean: NDArray[np.float64], peaks: PpgPeaks) -> NDArray[np.float64]:
    return np.asarray(clean[peaks.peaks] - clean[peaks.feet], dtype=np.float64)


def _tls_slope(x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    """Slope of y on x by total least squares (the principal axis)."""
    cov = np.cov(np.vstack((x, y)))
    _, vecs = np.linalg.eigh(cov)
    vx, vy = vecs[:, -1]
    return float(vy / vx) if vx != 0 else float("inf")


def _refused(
    quality: Quality, fs: float, method: str, peaks: PpgPeaks | None = None
) -> RatioOfRatios:
    return RatioOfRatios(None, fs, method, quality, np.empty(0), 0.0, None, peaks)


def spo2_ratio(
    red: ArrayLike,
    ir: ArrayLike,
    fs: float,
    *,
    method: Spo2Method = "regression",
    detector: PpgMethod = "elgendi",
    adc_bits: int = ADC_BITS,
    ambient: float | None = None,
) -> RatioOfRatios:
    """The ratio of ratios of simultaneous raw red and infrared counts.

    Args:
        red: raw red counts (light falls as blood volume rises).
        ir: raw infrared counts, sample for sample with ``red``.
        fs: sampling rate in Hz (20-2000).
        method: ``"beat"`` (median of per-beat ratios) or ``"regression"``.
        detector: the pulse detector run on the infrared channel (see ``ppg_peaks``).
        adc_bits: resolution of the converter; a sample at 2**adc_bits - 1 is saturated.
        ambient: the ambient light level, counts, if the sensor reports it (a light level
            under three times ambient means no finger).

    Returns:
        R with its per-beat values, spread, infrared perfusion index and quality.

    Raises:
        ValueError: the channels differ in length, NaN, ``fs`` out of range, shorter than
            1.5 s, or an unknown method.
    """
    if method not in ("beat", "regression"):
        raise ValueError(f"unknown method {method!r}: use 'beat' or 'regression'")
    if detector not in ("elgendi", "ssf"):
        raise ValueError(f"unknown detector {detector!r}: use 'elgendi' or 'ssf'")
    x_red, x_ir = _channel(red, fs), _channel(ir, fs)
    if x_red.size != x_ir.size:
        raise ValueError("red and ir must have the same number of samples")
    fs = float(fs)
    refused = _light_check((x_red, x_ir), adc_bits, ambient)
    if refused is not None:
        return _refused(refused, fs, method)
    c_ir = ppg_clean(x_ir, fs, inverted=True)
    beats = _detect(x_ir, c_ir, fs, detector, counts=True)
    if beats.quality.reason == "flat":
        return _refused(Quality.refused("no_pulse"), fs, method, beats)
    dc_ir, dc_red = float(x_ir.mean()), float(x_red.mean())
    ac_ir = _beat_amplitudes(c_ir, beats)
    pi = 100.0 * float(np.median(ac_ir)) / dc_ir if ac_ir.size else 0.0
    if pi < PI_MIN:
        return _refused(Quality.refused("no_pulse"), fs, method, beats)
    if not beats.quality.usable:
        return _refused(beats.quality, fs, method, beats)
    c_red = ppg_clean(x_red, fs, inverted=True)
    red_sqi = ppg_sqi(c_red, fs, beats.peaks, beats.feet, raw=x_red)
    if not red_sqi.quality.usable:
        return _refused(red_sqi.quality, fs, method, beats)

    ratios = (_beat_amplitudes(c_red, beats) / dc_red) / (ac_ir / dc_ir)
    q25, med, q75 = (float(v) for v in np.percentile(ratios, [25, 50, 75]))
    spread = (q75 - q25) / med if med > 0 else float("inf")
    if method == "beat":
        r = med
    else:
        span = slice(int(beats.feet[0]), int(beats.peaks[-1]) + 1)
        r = _tls_slope(c_ir[span] / dc_ir, c_red[span] / dc_red)
    score = min(beats.quality.score, red_sqi.quality.score, 1.0 - spread / (2 * SPREAD_MAX))
    score = min(1.0, max(0.0, score))
    if spread > SPREAD_MAX or not r > 0:
        quality = Quality.refused("unstable", score)
        return RatioOfRatios(None, fs, method, quality, ratios, spread, pi, beats)
    return RatioOfRatios(r, fs, method, Quality(score, True), ratios, spread, pi, beats)


def spo2_estimate(
    red: ArrayLike,
    ir: ArrayLike,
    fs: float,
    *,
    calibration: str | Calibration = DEFAULT_CALIBRATION,
    method: Spo2Method = "regression",
    detector: PpgMethod = "elgendi",
    adc_bits: int = ADC_BITS,
    ambient: float | None = None,
) -> Spo2:
    """SpO2 of a window of raw red and infrared counts.

    Args:
        red: raw red counts.
        ir: raw infrared counts, sample for sample with ``red``.
        fs: sampling rate in Hz (20-2000).
        calibration: a sensor model's name in ``CALIBRATIONS`` or a :class:`Calibration`.
        method: how R is formed (see :func:`spo2_ratio`).
        detector: the pulse detector run on the infrared channel.
        adc_bits: resolution of the converter, bits.
        ambient: the ambient light level, counts, if known.

    Returns:
        SpO2 in %, capped at 100. A reading more than 3 % above 100 or under 50 % is
        refused (``"out_of_range"``); one under 70 % (outside the calibrated range) is
        kept with its score capped at 0.5.

    Raises:
        ValueError: bad input (see :func:`spo2_ratio`) or an unknown calibration.
    """
    r = spo2_ratio(
        red, ir, fs, method=method, detector=detector, adc_bits=adc_bits, ambient=ambient
    )
    return spo2_from_ratio(r, calibration)


def spo2_from_ratio(
    ratio: RatioOfRatios, calibration: str | Calibration = DEFAULT_CALIBRATION
) -> Spo2:
    """Read a ratio of ratios off a calibration curve (see :func:`spo2_estimate`).

    Raises:
        ValueError: an unknown calibration.
    """
    cal = get_calibration(calibration)
    r, method = ratio, ratio.method
    if r.value is None:
        return Spo2(None, r.fs, method, r.quality, None, r.perfusion_index, cal.name)
    value = cal.spo2(r.value)
    if r.value > cal.r_max or not 50.0 <= value <= CALIBRATED_RANGE[1] + 3.0:
        quality = Quality.refused("out_of_range", r.quality.score)
        return Spo2(None, r.fs, method, quality, r.value, r.perfusion_index, cal.name)
    quality = r.quality
    if value < CALIBRATED_RANGE[0]:
        quality = Quality(min(quality.score, 0.5), True)
    value = min(value, CALIBRATED_RANGE[1])
    return Spo2(value, r.fs, method, quality, r.value, r.perfusion_index, cal.name)


def perfusion_index(
    ir: ArrayLike,
    fs: float,
    *,
    detector: PpgMethod = "elgendi",
    adc_bits: int = ADC_BITS,
    ambient: float | None = None,
) -> PerfusionIndex:
    """Perfusion index of raw infrared counts: median beat AC over mean DC, in %.

    Args:
        ir: raw infrared counts.
        fs: sampling rate in Hz (20-2000).
        detector: the pulse detector (see ``ppg_peaks``).
        adc_bits: resolution of the converter, bits.
        ambient: the ambient light level, counts, if known.

    Returns:
        The perfusion index, or None with the reason (as for :func:`spo2_ratio`).

    Raises:
        ValueError: bad input (see ``ppg_clean``) or an unknown detector.
    """
    if detector not in ("elgendi", "ssf"):
        raise ValueError(f"unknown detector {detector!r}: use 'elgendi' or 'ssf'")
    x = _channel(ir, fs)
    fs = float(fs)
    refused = _light_check((x,), adc_bits, ambient)
    if refused is not None:
        return PerfusionIndex(None, fs, detector, refused)
    clean = ppg_clean(x, fs, inverted=True)
    beats = _detect(x, clean, fs, detector, counts=True)
    ac = _beat_amplitudes(clean, beats)
    pi = 100.0 * float(np.median(ac)) / float(x.mean()) if ac.size else 0.0
    if beats.quality.reason == "flat" or pi < PI_MIN:
        return PerfusionIndex(None, fs, detector, Quality.refused("no_pulse"))
    if not beats.quality.usable:
        return PerfusionIndex(None, fs, detector, beats.quality)
    return PerfusionIndex(pi, fs, detector, beats.quality)
