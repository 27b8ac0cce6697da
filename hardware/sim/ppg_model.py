"""Red and infrared photoplethysmograms like a MAX30102-class sensor, with known ground truth.

The pulse is driven by a given heartbeat series, so one simulated heart can drive the ECG
and the PPG: each beat's pulse reaches the finger a pulse transit time after its R event.
One pulse is the sum of two Gaussians over the normalised beat time, a systolic wave and
a later diastolic (reflected, dicrotic) wave, after Q. Tang, Z. Chen, R. Ward and
M. Elgendi, "Synthetic photoplethysmogram generation using two Gaussian functions",
Sci. Rep. 10:13883, 2020.

Raw counts fall when blood volume rises (more light is absorbed), so the systolic peak of
the pulse is a trough of the raw signal, as on a real photodiode. The AC/DC ratio of each
wavelength follows from the perfusion index (infrared) and from the ratio of ratios
R = (AC_red / DC_red) / (AC_ir / DC_ir) that gives the target SpO2 through a linear
calibration (by default SpO2 = 110 - 25 R, the textbook empirical line, e.g. J. G.
Webster (ed.), "Design of Pulse Oximeters", IOP, 1997; real devices calibrate their own).

Breathing modulates the signal three ways (baseline, amplitude and frequency modulation;
P. H. Charlton et al., "Extraction of respiratory signals from the electrocardiogram and
photoplethysmogram: technical and physiological determinants", Physiol. Meas.
38(5):669-690, 2017).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import ndimage
from scipy import signal as sps

from hardware.sim._model_common import Interval, Seed, as_intervals, freeze_arrays, require

__all__ = [
    "PpgParams",
    "PulseShape",
    "SimulatedPpg",
    "SpO2Calibration",
    "beat_times_from_rr",
    "pleth_display",
    "ppg_simulate",
]

_EXTEND_BEFORE_S = 3.0
_EXTEND_AFTER_S = 2.0
_RAMP_S = 0.1  # finger-out and motion transitions


@dataclass(frozen=True, slots=True)
class SpO2Calibration:
    """A linear calibration between the ratio of ratios R and SpO2: SpO2 = a - b R.

    Attributes:
        a: intercept, %.
        b: slope, % per unit of R.
    """

    a: float = 110.0
    b: float = 25.0

    def __post_init__(self) -> None:
        ok = math.isfinite(self.a) and math.isfinite(self.b) and self.b > 0
        require(ok, "the calibration needs a finite a and a positive, finite b")

    def spo2(self, r: float) -> float:
        """SpO2 in % for a ratio of ratios ``r`` (dimensionless)."""
        return self.a - self.b * r

    def ratio(self, spo2: float) -> float:
        """The ratio of ratios (dimensionless) that reads as ``spo2`` (%)."""
        return (self.a - spo2) / self.b


@dataclass(frozen=True, slots=True)
class PulseShape:
    """One pulse as two Gaussians over the normalised beat time u = (t - foot) / RR.

    After Tang et al. (Sci. Rep. 2020). Evaluating a shape gives a blood-volume wave
    scaled so that a train of identical beats swings exactly 1 from trough to peak.

    Attributes:
        systolic_amplitude: height of the systolic wave (relative).
        systolic_centre: position of the systolic wave, fraction of RR.
        systolic_width: standard deviation of the systolic wave, fraction of RR.
        diastolic_amplitude: height of the diastolic wave (relative).
        diastolic_centre: position of the diastolic wave, fraction of RR.
        diastolic_width: standard deviation of the diastolic wave, fraction of RR.
    """

    systolic_amplitude: float = 1.0
    systolic_centre: float = 0.25
    systolic_width: float = 0.08
    diastolic_amplitude: float = 0.45
    diastolic_centre: float = 0.55
    diastolic_width: float = 0.12
    scale: float = field(init=False, repr=False, compare=False)
    mean: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        positive = min(self.systolic_width, self.diastolic_width, self.systolic_amplitude) > 0
        require(positive, "widths and the systolic amplitude must be positive")
        require(0 < self.systolic_centre < self.diastolic_centre < 1, "need 0 < centres < 1")
        u = np.linspace(0.0, 1.0, 2000, endpoint=False)
        train = sum(self._raw(u - m) for m in range(-3, 4))
        object.__setattr__(self, "scale", float(np.ptp(train)))
        object.__setattr__(self, "mean", float(np.mean(train)) / self.scale)

    def _raw(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        s = self.systolic_amplitude * np.exp(
            -((u - self.systolic_centre) ** 2) / (2 * self.systolic_width**2)
        )
        d = self.diastolic_amplitude * np.exp(
            -((u - self.diastolic_centre) ** 2) / (2 * self.diastolic_width**2)
        )
        return np.asarray(s + d, dtype=np.float64)

    def __call__(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        """The blood-volume wave at normalised beat times ``u`` (train trough-to-peak 1)."""
        return np.asarray(self._raw(u) / self.scale, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class PpgParams:
    """The finger, the sensor and what disturbs the recording.

    Attributes:
        spo2: target oxygen saturation, %.
        perfusion_index: AC/DC of the infrared signal, %.
        calibration: the curve between the ratio of ratios and SpO2.
        dc_red: mean red level with a finger in place, counts.
        dc_ir: mean infrared level with a finger in place, counts.
        pulse_transit_s: delay from a beat (R event) to the foot of its pulse, s.
        shape: the pulse shape.
        respiratory_rate: breathing rate, /min.
        baseline_modulation: respiratory change of the light level, fraction of DC.
        amplitude_modulation: respiratory change of the pulse amplitude, fraction.
        frequency_modulation: respiratory change of the beat intervals, fraction of RR
            (0 by default: a beat series from the ECG model already carries it).
        noise_counts: standard deviation of white sensor noise, counts.
        motion_segments: time ranges (s) of hand movement: large low-frequency swings of
            the light level and sharp spikes.
        motion_depth: standard deviation of the motion swings, fraction of DC.
        finger_out: time ranges (s) with no finger: the signal drops to the ambient level.
        ambient_counts: level with no finger on the sensor, counts.
        adc_bits: resolution of the converter; the output is clipped to its range.
    """

    spo2: float = 97.0
    perfusion_index: float = 2.0
    calibration: SpO2Calibration = SpO2Calibration()
    dc_red: float = 95_000.0
    dc_ir: float = 120_000.0
    pulse_transit_s: float = 0.2
    shape: PulseShape = PulseShape()
    respiratory_rate: float = 15.0
    baseline_modulation: float = 0.003
    amplitude_modulation: float = 0.1
    frequency_modulation: float = 0.0
    noise_counts: float = 8.0
    motion_segments: tuple[Interval, ...] = ()
    motion_depth: float = 0.05
    finger_out: tuple[Interval, ...] = ()
    ambient_counts: float = 1_500.0
    adc_bits: int = 18

    def __post_init__(self) -> None:
        require(0 < self.spo2 <= 100, "spo2 must be within 0 and 100 %")
        require(0 < self.perfusion_index <= 20, "perfusion_index must be within 0 and 20 %")
        ratio = self.calibration.ratio(self.spo2)
        require(0 < ratio * self.perfusion_index < 50, "spo2 is outside the calibration")
        full = 2**self.adc_bits - 1
        for name in ("dc_red", "dc_ir", "ambient_counts"):
            require(0 <= getattr(self, name) < full, f"{name} must fit the converter's range")
        require(0 <= self.pulse_transit_s <= 1, "pulse_transit_s must be within 0 and 1 s")
        require(3 <= self.respiratory_rate <= 60, "respiratory_rate must be within 3-60 /min")
        for name in ("baseline_modulation", "amplitude_modulation", "frequency_modulation"):
            require(0 <= getattr(self, name) < 0.5, f"{name} must be within 0 and 0.5")
        require(min(self.noise_counts, self.motion_depth) >= 0, "noise, motion must be >= 0")
        object.__setattr__(self, "motion_segments", as_intervals(self.motion_segments, "motion"))
        object.__setattr__(self, "finger_out", as_intervals(self.finger_out, "finger_out"))

    @property
    def ratio(self) -> float:
        """The ratio of ratios R that the calibration maps to ``spo2``."""
        return self.calibration.ratio(self.spo2)


@dataclass(frozen=True, slots=True, eq=False)
class SimulatedPpg:
    """A simulated red/infrared PPG and its ground truth.

    Attributes:
        fs: sampling rate, Hz.
        red: red channel, counts (integer-valued).
        ir: infrared channel, counts (integer-valued).
        peak_indices: sample of each pulse's systolic peak (blood volume maximum, a raw
            trough), found on the noise-free pulse wave.
        foot_indices: sample of each pulse's foot (blood volume minimum before the upstroke).
        beat_times_s: the heartbeat that launched each pulse, s (may precede the record).
        spo2: target SpO2, %.
        ratio: ratio of ratios built into the signal.
        perfusion_index: AC/DC of the infrared channel, %.
        heart_rate: mean rate of the pulses in the record, /min.
        finger_out_mask: per sample, whether the finger was out.
        motion_mask: per sample, whether the hand moved.
        params: the parameters the record was made with.
    """

    fs: float
    red: NDArray[np.float64]
    ir: NDArray[np.float64]
    peak_indices: NDArray[np.intp]
    foot_indices: NDArray[np.intp]
    beat_times_s: NDArray[np.float64]
    spo2: float
    ratio: float
    perfusion_index: float
    heart_rate: float
    finger_out_mask: NDArray[np.bool_]
    motion_mask: NDArray[np.bool_]
    params: PpgParams = field(repr=False)

    def __post_init__(self) -> None:
        freeze_arrays(self)


def beat_times_from_rr(rr_intervals_s: ArrayLike, start_s: float = 0.0) -> NDArray[np.float64]:
    """Beat times (s) from a first beat at ``start_s`` (s) and the RR intervals that follow (s)."""
    rr = np.asarray(rr_intervals_s, dtype=np.float64)
    require(rr.ndim == 1 and bool(np.all(rr > 0)), "RR intervals must be positive, in 1-D")
    return np.asarray(start_s + np.concatenate(([0.0], np.cumsum(rr))), dtype=np.float64)


def _extend_beats(beats: NDArray[np.float64], duration: float) -> NDArray[np.float64]:
    """Pad the series with beats at its median RR so that pulses cover the whole record."""
    rr = float(np.median(np.diff(beats)))
    n_before = max(0, math.ceil((beats[0] + _EXTEND_BEFORE_S) / rr))
    n_after = max(0, math.ceil((duration + _EXTEND_AFTER_S - beats[-1]) / rr))
    before = beats[0] - rr * np.arange(n_before, 0, -1)
    after = beats[-1] + rr * np.arange(1, n_after + 1)
    return np.concatenate((before, beats, after))


def _segments(intervals: Sequence[Interval], t: NDArray[np.float64]) -> NDArray[np.float64]:
    """1 inside the ranges, 0 outside, with linear ramps of _RAMP_S at the edges."""
    out = np.zeros(t.size)
    for s, e in intervals:
        out = np.maximum(out, np.clip(np.minimum(t - s, e - t) / _RAMP_S + 0.5, 0.0, 1.0))
    return out


def _motion(
    rng: np.random.Generator, t: NDArray[np.float64], fs: float, p: PpgParams
) -> NDArray[np.float64]:
    """Relative change of the light level caused by movement."""
    n = t.size
    if not p.motion_segments or p.motion_depth == 0:
        return np.zeros(n)
    sos = sps.butter(2, [0.2, min(3.0, 0.4 * fs)], btype="bandpass", fs=fs, output="sos")
    swing = sps.sosfiltfilt(sos, rng.standard_normal(n))
    swing *= p.motion_depth / float(np.std(swing))
    spikes = np.zeros(n)
    kernel = np.exp(-np.arange(round(0.25 * fs)) / (0.04 * fs))
    for s, e in p.motion_segments:
        for ts in rng.uniform(s, e, rng.poisson(1.5 * (e - s))):
            i = round(ts * fs)
            if 0 <= i < n:
                size = rng.choice((-1.0, 1.0)) * rng.uniform(1.0, 3.0) * p.motion_depth
                spikes[i : i + kernel.size] += size * kernel[: n - i]
    return np.asarray((swing + spikes) * _segments(p.motion_segments, t), dtype=np.float64)


def ppg_simulate(
    beat_times_s: ArrayLike,
    duration: float,
    fs: float = 100.0,
    params: PpgParams | None = None,
    *,
    seed: Seed = None,
) -> SimulatedPpg:
    """Simulate the red and infrared channels of a reflectance or transmission oximeter.

    Args:
        beat_times_s: times of the heartbeats (R events) driving the pulses, s, at least
            two. The series is extended at its median RR to cover the whole record.
        duration: length of the record, s.
        fs: sampling rate, Hz (a MAX30102 runs at 50-3200 Hz; 100 is common).
        params: the finger, the sensor and the faults; defaults to a healthy finger.
        seed: an int or a ``numpy.random.Generator`` for repeatable output.

    Returns:
        Both channels in counts with the true pulse feet and peaks, SpO2 and heart rate.
    """
    p = params or PpgParams()
    beats = np.sort(np.asarray(beat_times_s, dtype=np.float64))
    distinct = beats.ndim == 1 and beats.size >= 2 and bool(np.all(np.diff(beats) > 0))
    require(distinct, "need at least two distinct beat times")
    require(duration > 0 and fs >= 20, "duration must be positive and fs at least 20 Hz")
    rng = np.random.default_rng(seed)
    n = round(duration * fs)
    t = np.arange(n) / fs
    w = 2 * math.pi * p.respiratory_rate / 60.0
    breath = rng.uniform(0.0, 2 * math.pi)

    beats = _extend_beats(beats, duration)
    if p.frequency_modulation > 0:
        rr = np.diff(beats) * (1 + p.frequency_modulation * np.sin(w * beats[:-1] + breath))
        beats = beat_times_from_rr(rr, beats[0])
    feet = beats + p.pulse_transit_s
    rr = np.diff(feet)
    feet, beats = feet[:-1], beats[:-1]  # the last beat has no interval of its own
    amp = 1 + p.amplitude_modulation * np.sin(w * feet + breath)

    # Blood volume: every pulse's two Gaussians summed, less the current pulse's mean.
    cur = np.clip(np.searchsorted(feet, t, side="right") - 1, 0, feet.size - 1)
    volume = -amp[cur] * p.shape.mean
    for lag in (-1, 0, 1, 2):
        j = np.clip(cur - lag, 0, feet.size - 1)
        volume += amp[j] * p.shape((t - feet[j]) / rr[j]) * (cur - lag == j)

    r_ir = p.perfusion_index / 100.0
    r_red = p.ratio * r_ir
    light = 1 + p.baseline_modulation * np.sin(w * t + breath)
    motion_mask = _segments(p.motion_segments, t) > 0
    light = light * (1 + _motion(rng, t, fs, p))
    out_level = _segments(p.finger_out, t)
    full = 2**p.adc_bits - 1
    channels = []
    for dc, r in ((p.dc_red, r_red), (p.dc_ir, r_ir)):
        x = dc * light * (1 - r * volume)
        x = (1 - out_level) * x + out_level * p.ambient_counts
        x = x + p.noise_counts * rng.standard_normal(n)
        channels.append(np.asarray(np.clip(np.round(x), 0, full), dtype=np.float64))

    # Ground truth on the noise-free volume wave.
    peaks, foots, launched = [], [], []
    for k in range(1, feet.size - 1):
        lo = round((feet[k] - 0.15 * rr[k - 1]) * fs)
        mid = round((feet[k] + 0.05 * rr[k]) * fs)
        hi = round((feet[k] + 0.5 * rr[k]) * fs)
        if lo < 0 or hi >= n:
            continue
        foots.append(lo + int(np.argmin(volume[lo:mid])))
        peaks.append(mid + int(np.argmax(volume[mid:hi])))
        launched.append(beats[k])
    launched_t = np.asarray(launched, dtype=np.float64)
    heart_rate = 60.0 / float(np.mean(np.diff(launched_t))) if launched_t.size > 1 else math.nan

    return SimulatedPpg(
        fs=float(fs),
        red=channels[0],
        ir=channels[1],
        peak_indices=np.asarray(peaks, dtype=np.intp),
        foot_indices=np.asarray(foots, dtype=np.intp),
        beat_times_s=launched_t,
        spo2=p.spo2,
        ratio=p.ratio,
        perfusion_index=p.perfusion_index,
        heart_rate=heart_rate,
        finger_out_mask=out_level > 0,
        motion_mask=motion_mask,
        params=p,
    )


def pleth_display(
    ir: ArrayLike,
    fs: float,
    *,
    out_fs: float = 60.0,
    finger_out_counts: float = 20_000.0,
) -> NDArray[np.uint8]:
    """Turn a raw infrared PPG into the 0-100 plethysmogram a fingertip oximeter shows.

    Like a CMS50D+-style display: the pulse is inverted (blood volume up), band-passed
    (0.5-8 Hz), resampled to ``out_fs`` and auto-scaled over a 2 s window into 5-95;
    where the light level says there is no finger the wave reads 0.

    Args:
        ir: raw infrared signal, counts.
        fs: its sampling rate, Hz.
        out_fs: display rate, Hz (60 for the CMS50D+).
        finger_out_counts: level below which the finger counts as out, counts.

    Returns:
        The display wave, 7-bit values within 0-100.
    """
    x = np.asarray(ir, dtype=np.float64)
    ok = x.ndim == 1 and fs > 0 and out_fs > 0 and x.size >= fs
    require(ok, "need a 1-D signal of at least one second and positive rates")
    out = x < finger_out_counts
    if out.all():
        return np.zeros(math.ceil(x.size * out_fs / fs), dtype=np.uint8)
    out = ndimage.binary_dilation(out, iterations=max(1, round(0.15 * fs)))  # and the ramps
    x = np.where(out, np.median(x[~out]), x)  # no filter ringing from the drop
    low = sps.butter(2, 0.5, btype="lowpass", fs=fs, output="sos")
    dc = sps.sosfiltfilt(low, x)
    band = sps.butter(2, [0.5, min(8.0, 0.4 * fs)], btype="bandpass", fs=fs, output="sos")
    pulse = -sps.sosfiltfilt(band, x) / dc
    ratio = Fraction(out_fs / fs).limit_denominator(1000)
    pulse = sps.resample_poly(pulse, ratio.numerator, ratio.denominator, padtype="line")
    window = max(3, round(2.0 * out_fs))
    hi = ndimage.maximum_filter1d(pulse, window, mode="nearest")
    lo = ndimage.minimum_filter1d(pulse, window, mode="nearest")
    y = 5 + 90 * (pulse - lo) / np.maximum(hi - lo, 1e-9)
    # The display blanks while the finger is out and for half a second either side.
    at = np.minimum((np.arange(pulse.size) * fs / out_fs).astype(np.intp), x.size - 1)
    blank = ndimage.binary_dilation(out[at], iterations=max(1, round(0.5 * out_fs)))
    y[blank] = 0
    return np.asarray(np.clip(np.round(y), 0, 100), dtype=np.uint8)
