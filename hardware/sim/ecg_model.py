"""Synthetic two-lead ECG from McSharry et al.'s dynamical model, with known ground truth.

The heart is the ECGSYN model of P. E. McSharry, G. D. Clifford, L. Tarassenko and
L. A. Smith, "A dynamical model for generating synthetic electrocardiogram signals",
IEEE Trans. Biomed. Eng. 50(3):289-294, 2003. A point (x, y, z) circles the unit limit
cycle in the (x, y) plane at angular velocity ``omega(t) = 2 pi / RR(t)``; each of the
P, Q, R, S and T events, a Gaussian at angle ``theta_i`` with amplitude ``a_i`` and width
``b_i``, pushes z away from the baseline ``z0(t)`` as the point passes:

    dz/dt = -sum_i a_i dtheta_i exp(-dtheta_i**2 / (2 b_i**2)) - (z - z0(t))

Started on the limit cycle the (x, y) motion is an exact rotation, so the phase is the
integral of ``omega``; z is a linear first-order system driven by the events, integrated
with an exponential trapezoidal rule at an internal rate of at least 2 kHz and sampled at
the output rate. The RR tachogram is McSharry's bimodal spectrum (Mayer waves near
0.1 Hz and respiratory sinus arrhythmia at the breathing rate) with random phases.

Two departures from ECGSYN, both to keep the ground truth clean: the angular velocity is
constant between consecutive R events (so the R events sit exactly on the chosen beat
times), and the event parameters adapt beat by beat to the local RR (Q, R, S keep their
duration in seconds, every wave keeps its amplitude) instead of the R wave shrinking on
short beats. Lead I is lead II's event set with scaled amplitudes (a plausible frontal
axis near +60 degrees), not a separate physical projection; the event tables live in
:mod:`hardware.sim.ecg_waves`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import signal as sps

from hardware.sim._model_common import Interval, Seed, as_intervals, freeze_arrays, require
from hardware.sim.ecg_waves import (
    LEAD_I_WAVES,
    LEAD_II_WAVES,
    PVC_LEAD_I_WAVES,
    PVC_LEAD_II_WAVES,
    EcgWaves,
)

__all__ = [
    "EcgParams",
    "SimulatedEcg",
    "ecg_simulate",
    "heartbeat_times",
]

_RR_FS = 4.0  # Hz, sampling rate of the RR tachogram
_LF_HZ = 0.1  # Mayer wave centre
_BAND_WIDTH_HZ = 0.01  # c1 = c2 in McSharry et al.
_MIN_INTERNAL_FS = 2000.0  # Hz
_PRE_ROLL_S = 5.0  # lets z forget its initial condition (time constant 1 s)
_POST_ROLL_S = 1.5
_MV_PER_UNIT = 28.0  # scales z to mV: lead II R wave about 1.2 mV
_R_SEARCH_S = 0.06  # half window around an R event where the output peak is sought
_QRS = np.array([False, True, True, True, False])
_NORMAL, _AF, _PVC = 0, 1, 2


@dataclass(frozen=True, slots=True)
class EcgParams:
    """What the simulated heart does and what disturbs the recording.

    Attributes:
        heart_rate: mean heart rate, /min.
        heart_rate_std: standard deviation of the heart rate, /min.
        respiratory_rate: breathing rate, /min (sets the HF peak and the baseline wander).
        lf_hf_ratio: LF/HF power ratio of the RR tachogram.
        respiratory_baseline_mv: amplitude of the respiratory baseline z0(t), mV
            (McSharry's A = 0.15 mV; the z relaxation attenuates it somewhat).
        lead_i: event set of lead I.
        lead_ii: event set of lead II.
        af_segments: time ranges (s) of atrial fibrillation: irregularly irregular RR
            (independent gamma-distributed intervals, after Bootsma et al., Circulation
            41:783-794, 1970), no P waves, fibrillatory waves.
        af_heart_rate: mean ventricular rate during AF, /min (default ``heart_rate``).
        af_rr_cv: coefficient of variation of RR during AF.
        af_fwave_mv: amplitude of the 4-9 Hz fibrillatory waves in lead II, mV.
        ectopic_beats: premature ventricular beats, either indices of beats in the record
            (0 is the first beat at or after t = 0; indices past the end are ignored) or a
            probability per beat in [0, 0.5]. Each one comes after ``ectopic_coupling`` of
            the current RR and is followed by a full compensatory pause.
        ectopic_coupling: coupling interval of an ectopic beat as a fraction of RR.
        noise_mv: standard deviation of white measurement noise, mV.
        mains_hz: mains frequency, Hz.
        mains_mv: amplitude of the mains interference, mV.
        emg_mv: RMS of muscle noise (white noise band-limited to 20-150 Hz), mV.
        lead_off: time ranges (s) with an electrode off: both leads sit on the
            front end's positive rail.
        full_scale_mv: input range of the front end, mV: the output is clipped to
            +-``full_scale_mv``.
    """

    heart_rate: float = 70.0
    heart_rate_std: float = 2.0
    respiratory_rate: float = 15.0
    lf_hf_ratio: float = 0.5
    respiratory_baseline_mv: float = 0.15
    lead_i: EcgWaves = LEAD_I_WAVES
    lead_ii: EcgWaves = LEAD_II_WAVES
    af_segments: tuple[Interval, ...] = ()
    af_heart_rate: float | None = None
    af_rr_cv: float = 0.25
    af_fwave_mv: float = 0.05
    ectopic_beats: tuple[int, ...] | float = ()
    ectopic_coupling: float = 0.6
    noise_mv: float = 0.0
    mains_hz: float = 50.0
    mains_mv: float = 0.0
    emg_mv: float = 0.0
    lead_off: tuple[Interval, ...] = ()
    full_scale_mv: float = 5.0

    def __post_init__(self) -> None:
        require(20 <= self.heart_rate <= 250, "heart_rate must be within 20-250 /min")
        require(0 <= self.heart_rate_std <= self.heart_rate / 4, "heart_rate_std: 0 to HR/4")
        require(3 <= self.respiratory_rate <= 60, "respiratory_rate must be within 3-60 /min")
        require(self.lf_hf_ratio >= 0, "lf_hf_ratio must not be negative")
        require(30 <= (self.af_heart_rate or 60) <= 220, "af_heart_rate: 30-220 /min")
        require(0 <= self.af_rr_cv <= 0.5, "af_rr_cv must be within 0 and 0.5")
        require(0.3 <= self.ectopic_coupling <= 0.9, "ectopic_coupling: 0.3 to 0.9")
        for name in ("respiratory_baseline_mv", "af_fwave_mv", "noise_mv", "mains_mv", "emg_mv"):
            require(getattr(self, name) >= 0, f"{name} must not be negative")
        require(self.mains_hz > 0 and self.full_scale_mv > 0, "mains_hz, full_scale_mv > 0")
        object.__setattr__(self, "af_segments", as_intervals(self.af_segments, "af_segments"))
        object.__setattr__(self, "lead_off", as_intervals(self.lead_off, "lead_off"))
        ectopic = self.ectopic_beats
        require(not isinstance(ectopic, bool), "ectopic_beats: indices or a probability")
        if isinstance(ectopic, float | int):
            require(0 <= ectopic <= 0.5, "an ectopic beat probability must be within 0-0.5")
            object.__setattr__(self, "ectopic_beats", float(ectopic))
        else:
            beats = tuple(int(i) for i in ectopic)
            require(all(i >= 0 for i in beats), "ectopic beat indices must not be negative")
            object.__setattr__(self, "ectopic_beats", beats)


@dataclass(frozen=True, slots=True, eq=False)
class SimulatedEcg:
    """A simulated two-lead ECG and its ground truth.

    Attributes:
        fs: sampling rate, Hz.
        lead_i: limb lead I, mV.
        lead_ii: limb lead II, mV.
        r_peaks: sample index of the top of every R wave in the record, found on the
            noise-free lead II (the maximum within 60 ms of the R event).
        beat_times_s: time of each R event of the model, s, one per entry of ``r_peaks``.
        rr_intervals_s: exact RR intervals between consecutive beats, s
            (``len(r_peaks) - 1`` values).
        ectopic: per beat, whether it is a premature ventricular beat.
        atrial_fibrillation: per beat, whether it was conducted during AF.
        af_mask: per sample, whether the sample lies in an AF segment.
        lead_off_mask: per sample, whether an electrode was off.
        params: the parameters the record was made with.
    """

    fs: float
    lead_i: NDArray[np.float64]
    lead_ii: NDArray[np.float64]
    r_peaks: NDArray[np.intp]
    beat_times_s: NDArray[np.float64]
    rr_intervals_s: NDArray[np.float64]
    ectopic: NDArray[np.bool_]
    atrial_fibrillation: NDArray[np.bool_]
    af_mask: NDArray[np.bool_]
    lead_off_mask: NDArray[np.bool_]
    params: EcgParams = field(repr=False)

    def __post_init__(self) -> None:
        freeze_arrays(self)

    @property
    def lead_iii(self) -> NDArray[np.float64]:
        """Limb lead III by Einthoven's law (II - I), mV."""
        return np.asarray(self.lead_ii - self.lead_i, dtype=np.float64)

    @property
    def heart_rate(self) -> float:
        """Mean heart rate of the record from the true RR intervals, /min."""
        if self.rr_intervals_s.size == 0:
            return math.nan
        return 60.0 / float(np.mean(self.rr_intervals_s))


def _gaussian(f: NDArray[np.float64], centre: float, width: float) -> NDArray[np.float64]:
    g = np.exp(-((f - centre) ** 2) / (2 * width**2)) / (math.sqrt(2 * math.pi) * width)
    return np.asarray(g, dtype=np.float64)


def _rr_tachogram(
    t0: float, t1: float, p: EcgParams, rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """McSharry's RR process on a 4 Hz grid over [t0, t1]: (times in s, RR in s)."""
    n_used = math.ceil((t1 - t0) * _RR_FS) + 2
    n = max(1024, 1 << (n_used - 1).bit_length())
    f = np.asarray(np.fft.rfftfreq(n, 1 / _RR_FS), dtype=np.float64)
    lf_power = p.lf_hf_ratio / (1 + p.lf_hf_ratio)
    psd = lf_power * _gaussian(f, _LF_HZ, _BAND_WIDTH_HZ) + (1 - lf_power) * _gaussian(
        f, p.respiratory_rate / 60, _BAND_WIDTH_HZ
    )
    phases = rng.uniform(0.0, 2 * math.pi, f.size)
    x = np.fft.irfft(np.sqrt(psd) * np.exp(1j * phases), n)[:n_used]
    x = x - x.mean()
    rr_mean = 60.0 / p.heart_rate
    rr_std = 60.0 * p.heart_rate_std / p.heart_rate**2
    sd = float(x.std())
    rr = rr_mean + (x * (rr_std / sd) if sd > 0 else 0.0 * x)
    return t0 + np.arange(n_used) / _RR_FS, np.asarray(rr, dtype=np.float64)


def _in_any(t: float, intervals: Sequence[Interval]) -> bool:
    return any(s <= t < e for s, e in intervals)


def _beat_sequence(
    t0: float, t1: float, p: EcgParams, rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.int8]]:
    """R event times from t0 past t1, and the kind of each beat (normal, AF, PVC)."""
    grid, rr = _rr_tachogram(t0, t1 + 3.0, p, rng)
    af_mean = 60.0 / (p.af_heart_rate or p.heart_rate)
    times = [t0]
    kinds = [_AF if _in_any(t0, p.af_segments) else _NORMAL]
    while times[-1] <= t1:
        t = times[-1]
        if kinds[-1] == _AF and p.af_rr_cv > 0:
            shape = 1.0 / p.af_rr_cv**2
            interval = float(np.clip(rng.gamma(shape, af_mean / shape), 0.3, 2.0))
        elif kinds[-1] == _AF:
            interval = af_mean
        else:
            interval = float(np.interp(t, grid, rr))
        times.append(t + interval)
        kinds.append(_AF if _in_any(t + interval, p.af_segments) else _NORMAL)
    beat_t = np.array(times)
    kind = np.array(kinds, dtype=np.int8)

    first = int(np.searchsorted(beat_t, 0.0))
    if isinstance(p.ectopic_beats, float):
        draws = rng.uniform(size=beat_t.size)
        chosen = [
            i - first for i in range(max(first, 1), beat_t.size) if draws[i] < p.ectopic_beats
        ]
    else:
        chosen = list(p.ectopic_beats)
    for j in sorted(chosen):
        i = first + j
        if not 1 <= i < beat_t.size - 1 or kind[i - 1] == _PVC:
            continue
        beat_t[i] = beat_t[i - 1] + p.ectopic_coupling * (beat_t[i] - beat_t[i - 1])
        kind[i] = _PVC
    return beat_t, kind


def heartbeat_times(
    duration: float,
    *,
    heart_rate: float = 70.0,
    heart_rate_std: float = 2.0,
    respiratory_rate: float = 15.0,
    lf_hf_ratio: float = 0.5,
    seed: Seed = None,
) -> NDArray[np.float64]:
    """Beat times of a sinus rhythm with McSharry et al.'s (2003) RR tachogram.

    Args:
        duration: length of the record, s.
        heart_rate: mean heart rate, /min.
        heart_rate_std: standard deviation of the heart rate, /min.
        respiratory_rate: breathing rate, /min (the HF peak of the tachogram).
        lf_hf_ratio: LF/HF power ratio.
        seed: an int or a ``numpy.random.Generator`` for repeatable output.

    Returns:
        The beat times within [0, duration), s.
    """
    require(duration > 0, "duration must be positive")
    p = EcgParams(
        heart_rate=heart_rate,
        heart_rate_std=heart_rate_std,
        respiratory_rate=respiratory_rate,
        lf_hf_ratio=lf_hf_ratio,
    )
    rng = np.random.default_rng(seed)
    start = -rng.uniform(0.0, 60.0 / heart_rate)
    times, _ = _beat_sequence(start, duration, p, rng)
    return np.asarray(times[(times >= 0) & (times < duration)], dtype=np.float64)


def _scaled_tables(
    waves: EcgWaves, pvc: EcgWaves, heart_rate: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Angles, amplitudes and widths per beat kind, scaled to the mean heart rate.

    As in McSharry et al.'s reference implementation, widths and the angles of Q and S
    scale with sqrt(HR/60), the angles of P and T with (HR/60)**0.25.
    """
    hf = math.sqrt(heart_rate / 60.0)
    angle_scale = np.array([math.sqrt(hf), hf, 1.0, hf, math.sqrt(hf)])
    normal = np.array([waves.theta, waves.a, waves.b])
    af = normal.copy()
    af[1, 0] = 0.0  # no P wave
    table = np.stack([normal, af, np.array([pvc.theta, pvc.a, pvc.b])])
    theta = np.clip(table[:, 0] * angle_scale, -math.pi, math.pi)
    return theta, table[:, 1].copy(), table[:, 2] * hf


def _z_forcing(
    theta: NDArray[np.float64],
    kind: NDArray[np.int8],
    rate_ratio: NDArray[np.float64],
    tables: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]],
) -> NDArray[np.float64]:
    """The event term of dz/dt, sample by sample."""
    th, a, b = (tab[kind] for tab in tables)
    r = rate_ratio[:, None]
    b = b * np.where(_QRS, r, 1.0)  # QRS keeps its duration in seconds
    a = a * np.where(_QRS, 1.0 / r, r)  # every wave keeps its amplitude
    d = np.mod(theta[:, None] - th + math.pi, 2 * math.pi) - math.pi
    return np.asarray(-np.sum(a * d * np.exp(-(d**2) / (2 * b**2)), axis=1), dtype=np.float64)


def _relax(forcing: NDArray[np.float64], h: float) -> NDArray[np.float64]:
    """Solve dz/dt = -z + forcing from z = 0 (exponential trapezoidal rule, step h in s)."""
    decay = math.exp(-h)
    z = sps.lfilter([h / 2, h * decay / 2], [1.0, -decay], forcing)
    return np.asarray(z, dtype=np.float64)


def _interval_mask(intervals: Sequence[Interval], t: NDArray[np.float64]) -> NDArray[np.bool_]:
    mask = np.zeros(t.size, dtype=bool)
    for s, e in intervals:
        mask |= (t >= s) & (t < e)
    return mask


def _taper(
    intervals: Sequence[Interval], t: NDArray[np.float64], ramp: float
) -> NDArray[np.float64]:
    out = np.zeros(t.size)
    for s, e in intervals:
        out = np.maximum(out, np.clip(np.minimum(t - s, e - t) / ramp, 0.0, 1.0))
    return out


def _band_noise(
    rng: np.random.Generator, n: int, fs: float, lo: float, hi: float, rms: float
) -> NDArray[np.float64]:
    if rms == 0 or n < 32:
        return np.zeros(n)
    sos = sps.butter(4, [lo, min(hi, 0.45 * fs)], btype="bandpass", fs=fs, output="sos")
    x = sps.sosfiltfilt(sos, rng.standard_normal(n))
    return np.asarray(x * (rms / float(np.sqrt(np.mean(x**2)))), dtype=np.float64)


def ecg_simulate(
    duration: float,
    fs: float = 500.0,
    params: EcgParams | None = None,
    *,
    seed: Seed = None,
) -> SimulatedEcg:
    """Simulate leads I and II with McSharry et al.'s (2003) ECGSYN model.

    The heart (RR series, ectopic beats, AF) draws from one random stream and the
    disturbances (noise, mains phase, EMG) from another, so changing only the noise
    settings keeps the same heartbeats for the same seed.

    Args:
        duration: length of the record, s.
        fs: sampling rate, Hz (250, 360 and 500 are typical).
        params: the heart and the disturbances; defaults to a resting sinus rhythm.
        seed: an int or a ``numpy.random.Generator`` for repeatable output.

    Returns:
        The two leads in mV with the true R peaks, RR intervals and fault masks.

    Example:
        >>> ecg = ecg_simulate(10.0, 500.0, EcgParams(heart_rate=60), seed=1)
        >>> round(ecg.heart_rate)
        60
    """
    require(duration > 0 and fs >= 100, "duration must be positive and fs at least 100 Hz")
    p = params or EcgParams()
    heart_rng, noise_rng = np.random.default_rng(seed).spawn(2)

    n = round(duration * fs)
    k = math.ceil(_MIN_INTERNAL_FS / fs)
    fs_int = k * fs
    pre = k * round(_PRE_ROLL_S * fs)
    t_int = (np.arange(pre + n * k) - pre) / fs_int
    beat_t, kind = _beat_sequence(t_int[0], duration + _POST_ROLL_S, p, heart_rng)

    # Phase on the limit cycle: 0 at each R event, uniform between consecutive R events.
    idx = np.searchsorted(beat_t, t_int, side="right") - 1
    rr = beat_t[idx + 1] - beat_t[idx]
    phi = 2 * math.pi * (t_int - beat_t[idx]) / rr
    late = phi >= math.pi  # P and Q of the next beat
    own = idx + late
    theta = np.where(late, phi - 2 * math.pi, phi)
    rate_ratio = (60.0 / p.heart_rate) / rr
    own_kind = kind[own]

    t = np.arange(n) / fs
    w = 2 * math.pi * p.respiratory_rate / 60.0
    phase = heart_rng.uniform(0.0, 2 * math.pi)
    # Steady-state response of the z relaxation to z0 = A sin(w t + phase).
    baseline = (
        p.respiratory_baseline_mv / math.sqrt(1 + w**2) * np.sin(w * t + phase - math.atan(w))
    )
    af_mask = _interval_mask(p.af_segments, t)
    fwave = np.zeros(n)
    if p.af_segments and p.af_fwave_mv > 0:
        psi = heart_rng.uniform(0.0, 2 * math.pi, 3)
        freq = 6.0 + 1.0 * np.sin(2 * math.pi * 0.07 * t + psi[0])
        amp = p.af_fwave_mv * (1 + 0.3 * np.sin(2 * math.pi * 0.13 * t + psi[1]))
        fwave = amp * np.sin(2 * math.pi * np.cumsum(freq) / fs + psi[2])
        fwave *= _taper(p.af_segments, t, 0.2)

    leads = []
    for waves, pvc, gain in (
        (p.lead_i, PVC_LEAD_I_WAVES, 0.5),
        (p.lead_ii, PVC_LEAD_II_WAVES, 1.0),
    ):
        tables = _scaled_tables(waves, pvc, p.heart_rate)
        z = _relax(_z_forcing(theta, own_kind, rate_ratio, tables), 1.0 / fs_int)
        leads.append(_MV_PER_UNIT * z[pre::k][:n] + baseline + gain * fwave)
    clean_i, clean_ii = leads

    # Ground truth: the top of each R wave on the noise-free lead II.
    in_record = (beat_t >= 0) & (beat_t < duration)
    half = max(1, round(_R_SEARCH_S * fs))
    peaks = []
    for tb in beat_t[in_record]:
        c = round(tb * fs)
        lo, hi = max(0, c - half), min(n, c + half + 1)
        peaks.append(lo + int(np.argmax(clean_ii[lo:hi])))
    truth_t = beat_t[in_record]

    lead_off = _interval_mask(p.lead_off, t)
    out = []
    for clean in (clean_i, clean_ii):
        x = clean + p.noise_mv * noise_rng.standard_normal(n)
        if p.mains_mv > 0:
            x = x + p.mains_mv * np.sin(
                2 * math.pi * p.mains_hz * t + noise_rng.uniform(0, 2 * math.pi)
            )
        x = x + _band_noise(noise_rng, n, fs, 20.0, 150.0, p.emg_mv)
        x = np.clip(x, -p.full_scale_mv, p.full_scale_mv)
        x[lead_off] = p.full_scale_mv
        out.append(np.asarray(x, dtype=np.float64))

    return SimulatedEcg(
        fs=float(fs),
        lead_i=out[0],
        lead_ii=out[1],
        r_peaks=np.asarray(peaks, dtype=np.intp),
        beat_times_s=np.asarray(truth_t, dtype=np.float64),
        rr_intervals_s=np.asarray(np.diff(truth_t), dtype=np.float64),
        ectopic=kind[in_record] == _PVC,
        atrial_fibrillation=kind[in_record] == _AF,
        af_mask=af_mask,
        lead_off_mask=lead_off,
        params=p,
    )
