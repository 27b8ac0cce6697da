"""Oscillometric cuff pressure, stepped live like a monitor's pump and valve, with ground truth.

A cycle inflates the cuff at a steady rate to a target above systolic pressure, deflates
it linearly to below diastolic, then dumps it. Each heartbeat adds one pressure pulse
whose peak-to-trough amplitude follows an envelope of the cuff pressure at that beat. The
envelope peaks at mean arterial pressure and crosses fixed fractions of its maximum at
systolic and diastolic pressure: the characteristic ratios of the fixed-ratio method
(L. A. Geddes et al., "Characterization of the oscillometric method for measuring
indirect blood pressure", Ann. Biomed. Eng. 10:271-280, 1982; A. Sapinski, "Standard
algorithm of blood-pressure measurement by the oscillometric method", Med. Biol. Eng.
Comput. 34:82-83, 1996). The defaults, 0.55 and 0.75, sit inside the spread reported
for healthy adults (about 0.44-0.74 systolic and 0.51-0.85 diastolic, depending on how
the envelope is drawn; Blood Press. Monit. 2020, PMID 32897911), and the ratios move with
arterial stiffness and pulse pressure (A. Chandrasekhar et al., "Formulas to explain
popular oscillometric blood pressure estimation algorithms", Front. Physiol. 10:1415,
2019), hence parameters.

The envelope is phenomenological, not a mechanical artery model: a Gaussian above the
mean pressure (oscillations die quickly once the artery stays collapsed) and a Lorentzian
below it (they fade slowly while the artery stays open), each scaled so that the ratios
hold exactly. Both halves meet at the maximum with zero slope, so the peak is at MAP.

:class:`CuffCycle` is the stateful model a device simulator streams from, chunk by chunk,
and it obeys an emergency deflation at any moment;
:func:`hardware.sim.cuff_record.cuff_simulate` runs one cycle to the end and returns it
with its ground truth.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hardware.sim._model_common import Seed, require
from hardware.sim.ppg_model import PulseShape

__all__ = [
    "CuffChunk",
    "CuffCycle",
    "CuffParams",
    "CuffPhase",
]

_TAPER_MMHG = 10.0  # oscillations vanish below this cuff pressure (a slack cuff)
_CHECK_S = 1.0  # the firmware's leak checks look at the last second
_STALL_FRACTION = 0.25  # inflation slower than this fraction of the set rate is a leak
_LOOKAHEAD = 0.2  # a beat is registered this fraction of its RR before its onset


class CuffPhase(enum.StrEnum):
    """What the pump and valve are doing."""

    IDLE = "idle"
    INFLATING = "inflating"
    DEFLATING = "deflating"
    DUMPING = "dumping"  # fast exhaust at the end of a cycle or on an emergency
    DONE = "done"
    LEAK = "leak"  # a leak was detected; the valve dumps the cuff
    OVER_PRESSURE = "over_pressure"  # the pump runs past the pressure limit


@dataclass(frozen=True, slots=True)
class CuffParams:
    """The arm, the heart and the monitor, all pressures in mmHg.

    Attributes:
        systolic: systolic blood pressure, mmHg.
        diastolic: diastolic blood pressure, mmHg.
        mean: mean arterial pressure, mmHg; default diastolic + (systolic - diastolic) / 3.
        heart_rate: heart rate, /min.
        rr_intervals_s: an RR series to use instead (s); the rate continues at
            ``heart_rate`` once it runs out.
        irregular_rr_cv: coefficient of variation of independent, gamma-distributed RR
            intervals (an irregular rhythm); 0 for a regular one.
        max_oscillation_mmhg: peak-to-trough amplitude of the largest pulse, mmHg.
        systolic_ratio: envelope at systolic pressure, fraction of its maximum.
        diastolic_ratio: envelope at diastolic pressure, fraction of its maximum.
        inflate_rate: pump rate, mmHg/s.
        target_pressure: inflation target, mmHg; default systolic + 30.
        deflate_rate: linear deflation rate, mmHg/s.
        stop_below_diastolic: deflation stops this far below diastolic, mmHg.
        dump_time_constant_s: time constant of the exhaust valve, s.
        done_below_mmhg: the cycle is done once the dump falls below this, mmHg.
        leak_time_constant_s: fault: a leak that bleeds the cuff with this time
            constant (s); the firmware flags it when inflation stalls below a quarter
            of the set rate or deflation runs faster than ``leak_rate_factor`` times it.
        leak_rate_factor: deflation faster than this multiple of the set rate is a leak.
        over_pressure: fault: the pump ignores the target and runs past
            ``pressure_limit_mmhg`` up to ``pump_max_mmhg`` until an emergency deflation.
        pressure_limit_mmhg: safety limit, mmHg (300 for adults).
        pump_max_mmhg: the most the pump can reach, mmHg.
        movement_times_s: times of arm movements after the cycle's first sample, s.
        movement_mmhg: height of a movement's pressure spike, mmHg.
        noise_mmhg: standard deviation of white sensor noise, mmHg.
    """

    systolic: float = 120.0
    diastolic: float = 80.0
    mean: float | None = None
    heart_rate: float = 70.0
    rr_intervals_s: tuple[float, ...] = ()
    irregular_rr_cv: float = 0.0
    max_oscillation_mmhg: float = 2.0
    systolic_ratio: float = 0.55
    diastolic_ratio: float = 0.75
    inflate_rate: float = 17.0
    target_pressure: float | None = None
    deflate_rate: float = 3.0
    stop_below_diastolic: float = 20.0
    dump_time_constant_s: float = 0.5
    done_below_mmhg: float = 3.0
    leak_time_constant_s: float | None = None
    leak_rate_factor: float = 2.0
    over_pressure: bool = False
    pressure_limit_mmhg: float = 300.0
    pump_max_mmhg: float = 330.0
    movement_times_s: tuple[float, ...] = ()
    movement_mmhg: float = 15.0
    noise_mmhg: float = 0.05

    def __post_init__(self) -> None:
        m = self.mean_pressure
        require(0 < self.diastolic < m < self.systolic <= 280, "need 0 < DBP < MAP < SBP <= 280")
        require(25 <= self.heart_rate <= 250, "heart_rate must be within 25 and 250 /min")
        require(0 < self.systolic_ratio < 1, "systolic_ratio must lie within 0 and 1")
        require(0 < self.diastolic_ratio < 1, "diastolic_ratio must lie within 0 and 1")
        require(
            self.systolic < self.target < self.pressure_limit_mmhg <= self.pump_max_mmhg,
            "need systolic < target < pressure limit <= pump maximum",
        )
        for name in ("max_oscillation_mmhg", "inflate_rate", "deflate_rate", "done_below_mmhg"):
            require(getattr(self, name) > 0, f"{name} must be positive")
        for name in ("dump_time_constant_s", "leak_time_constant_s"):
            require((getattr(self, name) or 1) > 0, f"{name} must be positive")
        stop = self.diastolic - self.stop_below_diastolic
        require(stop >= 2 * self.done_below_mmhg, "deflation must stop above the done level")
        require(0 <= self.irregular_rr_cv <= 0.5, "irregular_rr_cv must be within 0 and 0.5")
        require(self.noise_mmhg >= 0 and self.movement_mmhg >= 0, "noise, movement >= 0")
        rr = tuple(float(x) for x in self.rr_intervals_s)
        require(all(0.2 <= x <= 3.0 for x in rr), "RR intervals must be within 0.2 and 3 s")
        object.__setattr__(self, "rr_intervals_s", rr)
        object.__setattr__(self, "movement_times_s", tuple(sorted(self.movement_times_s)))

    @property
    def mean_pressure(self) -> float:
        """Mean arterial pressure, mmHg: where the envelope peaks."""
        if self.mean is not None:
            return self.mean
        return self.diastolic + (self.systolic - self.diastolic) / 3.0

    @property
    def target(self) -> float:
        """Inflation target, mmHg."""
        return self.systolic + 30.0 if self.target_pressure is None else self.target_pressure

    def relative_envelope(self, cuff_mmhg: float) -> float:
        """Pulse amplitude at a cuff pressure (mmHg), as a fraction of the maximum."""
        m = self.mean_pressure
        if cuff_mmhg >= m:
            sigma = (self.systolic - m) / math.sqrt(-2.0 * math.log(self.systolic_ratio))
            env = math.exp(-((cuff_mmhg - m) ** 2) / (2.0 * sigma**2))
        else:
            width = (m - self.diastolic) / math.sqrt(1.0 / self.diastolic_ratio - 1.0)
            env = 1.0 / (1.0 + ((m - cuff_mmhg) / width) ** 2)
        x = min(max(cuff_mmhg / _TAPER_MMHG, 0.0), 1.0)
        return env * x * x * (3.0 - 2.0 * x)

    def envelope(self, cuff_mmhg: ArrayLike) -> NDArray[np.float64]:
        """Peak-to-trough pulse amplitude (mmHg) at each cuff pressure (mmHg)."""
        p = np.asarray(cuff_mmhg, dtype=np.float64)
        flat = [self.max_oscillation_mmhg * self.relative_envelope(float(x)) for x in p.flat]
        return np.asarray(flat, dtype=np.float64).reshape(p.shape)


@dataclass(frozen=True, slots=True, eq=False)
class CuffChunk:
    """Samples from one step of a :class:`CuffCycle`.

    Attributes:
        start_index: index of the first sample since the cycle began.
        samples: measured cuff pressure, mmHg.
        cuff_mmhg: the same without pulses, movement or noise, mmHg.
        phase: the phase after the last sample.
    """

    start_index: int
    samples: NDArray[np.float64]
    cuff_mmhg: NDArray[np.float64]
    phase: CuffPhase


@dataclass(slots=True)
class _Beat:
    onset: float  # s
    rr: float  # s
    registered: float  # s, first sample time the pulse contributes to
    amplitude: float  # mmHg
    cuff_mmhg: float


class CuffCycle:
    """One measurement cycle that a simulator steps through, sample by sample.

    Call :meth:`start` to leave ``IDLE``, then :meth:`next_chunk` repeatedly; the phase
    moves through inflating, deflating and dumping to done, or into ``LEAK`` or
    ``OVER_PRESSURE`` when those faults are set. :meth:`emergency_deflate` switches to a
    fast dump at once. Output does not depend on how the samples are chunked.

    Args:
        params: the arm, the heart and the monitor.
        fs: sampling rate, Hz.
        seed: an int or a ``numpy.random.Generator`` for repeatable output.
    """

    def __init__(self, params: CuffParams | None = None, fs: float = 100.0, *, seed: Seed = None):
        require(10 <= fs <= 2000, "fs must be within 10 and 2000 Hz")
        self.params = params or CuffParams()
        self.fs = float(fs)
        beat_rng, self._noise_rng, move_rng = np.random.default_rng(seed).spawn(3)
        self._beat_rng = beat_rng
        self._shape = PulseShape()
        self._n = 0
        self._p = 0.0
        self._phase = CuffPhase.IDLE
        self._transitions: list[tuple[int, CuffPhase]] = [(0, CuffPhase.IDLE)]
        self._check = (0.0, 0.0)  # (time, pressure) at the last leak check
        mean_rr = 60.0 / self.params.heart_rate
        self._onsets = [float(beat_rng.uniform(0.0, mean_rr))]
        self._rr_index = 0
        self._beats: list[_Beat] = []
        moves = self.params.movement_times_s
        self._moves = np.asarray(moves, dtype=np.float64)
        self._move_size = self.params.movement_mmhg * move_rng.uniform(0.6, 1.4, len(moves))

    @property
    def phase(self) -> CuffPhase:
        """The current phase."""
        return self._phase

    @property
    def pressure(self) -> float:
        """The current cuff pressure without pulses or noise, mmHg."""
        return self._p

    @property
    def samples_emitted(self) -> int:
        """Number of samples produced so far."""
        return self._n

    @property
    def transitions(self) -> tuple[tuple[int, CuffPhase], ...]:
        """Each phase with the index of the first sample produced in it."""
        return tuple(self._transitions)

    @property
    def beats(self) -> tuple[tuple[float, float, float], ...]:
        """Each registered beat as (onset in s, amplitude in mmHg, cuff pressure in mmHg)."""
        return tuple((b.onset, b.amplitude, b.cuff_mmhg) for b in self._beats)

    def start(self) -> None:
        """Start inflating. Only allowed while idle."""
        if self._phase is not CuffPhase.IDLE:
            raise RuntimeError(f"cannot start a cycle that is {self._phase}")
        self._enter(CuffPhase.INFLATING)

    def emergency_deflate(self) -> None:
        """Open the exhaust valve now: a fast dump from any pressurised phase."""
        if self._phase in (CuffPhase.INFLATING, CuffPhase.DEFLATING, CuffPhase.OVER_PRESSURE):
            self._enter(CuffPhase.DUMPING)
        elif self._phase is CuffPhase.IDLE:
            self._enter(CuffPhase.DONE)

    def next_chunk(self, n: int) -> CuffChunk:
        """Produce the next ``n`` samples."""
        require(n >= 0, "n must not be negative")
        start = self._n
        cuff = np.empty(n)
        for i in range(n):
            t = self._n / self.fs
            self._step(t)
            cuff[i] = self._p
            self._register_beats(t)
            self._n += 1
        t_chunk = np.arange(start, self._n) / self.fs
        samples = cuff + self._pulses(t_chunk) + self._movements(t_chunk)
        samples += self.params.noise_mmhg * self._noise_rng.standard_normal(n)
        return CuffChunk(start, samples, cuff, self._phase)

    def _enter(self, phase: CuffPhase) -> None:
        self._phase = phase
        self._check = (self._n / self.fs, self._p)
        if self._transitions[-1][0] == self._n:
            self._transitions[-1] = (self._n, phase)
        else:
            self._transitions.append((self._n, phase))

    def _step(self, t: float) -> None:
        """Advance the pump and valve to time t (s)."""
        p, dt, ph = self.params, 1.0 / self.fs, self._phase
        leak = self._p / p.leak_time_constant_s if p.leak_time_constant_s else 0.0
        if ph in (CuffPhase.INFLATING, CuffPhase.OVER_PRESSURE):
            self._p = min(self._p + (p.inflate_rate - leak) * dt, p.pump_max_mmhg)
            if ph is CuffPhase.INFLATING and not p.over_pressure and self._p >= p.target:
                self._p = p.target
                self._enter(CuffPhase.DEFLATING)
            elif ph is CuffPhase.INFLATING and self._p > p.pressure_limit_mmhg:
                self._enter(CuffPhase.OVER_PRESSURE)
            elif ph is CuffPhase.INFLATING and t - self._check[0] >= _CHECK_S:
                self._leak_check(t)
        elif ph is CuffPhase.DEFLATING:
            self._p = max(self._p - (p.deflate_rate + leak) * dt, 0.0)
            if self._p <= p.diastolic - p.stop_below_diastolic:
                self._enter(CuffPhase.DUMPING)
            elif t - self._check[0] >= _CHECK_S:
                self._leak_check(t)
        elif ph is not CuffPhase.IDLE:  # DUMPING, LEAK, DONE: the valve is open
            self._p *= math.exp(-dt / p.dump_time_constant_s)
            if ph is not CuffPhase.DONE and self._p < p.done_below_mmhg:
                self._enter(CuffPhase.DONE)

    def _leak_check(self, t: float) -> None:
        """Once a second the firmware compares the pressure change with the set rate."""
        p, (t0, p0) = self.params, self._check
        rate = (self._p - p0) / (t - t0)  # mmHg/s, negative while deflating
        if self._phase is CuffPhase.INFLATING:
            leaking = rate < _STALL_FRACTION * p.inflate_rate
        else:
            leaking = -rate > p.leak_rate_factor * p.deflate_rate
        if leaking:
            self._enter(CuffPhase.LEAK)
        else:
            self._check = (t, self._p)

    def _next_rr(self) -> float:
        p = self.params
        if self._rr_index < len(p.rr_intervals_s):
            self._rr_index += 1
            return p.rr_intervals_s[self._rr_index - 1]
        mean_rr = 60.0 / p.heart_rate
        if p.irregular_rr_cv > 0:
            k = 1.0 / p.irregular_rr_cv**2
            return float(np.clip(self._beat_rng.gamma(k, mean_rr / k), 0.3, 2.5))
        return mean_rr

    def _register_beats(self, t: float) -> None:
        """Fix the amplitude of every beat whose pulse is about to start."""
        while True:
            k = len(self._beats)
            while len(self._onsets) < k + 2:
                self._onsets.append(self._onsets[-1] + self._next_rr())
            onset, rr = self._onsets[k], self._onsets[k + 1] - self._onsets[k]
            if onset - _LOOKAHEAD * rr > t:
                return
            amp = self.params.max_oscillation_mmhg * self.params.relative_envelope(self._p)
            self._beats.append(_Beat(onset, rr, t, amp, self._p))

    def _pulses(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.zeros(t.size)
        if t.size == 0:
            return out
        current_amp = np.zeros(t.size)
        for b in reversed(self._beats):
            if b.onset + 4 * b.rr < t[0]:
                break
            u = (t - b.onset) / b.rr
            out += np.where(t >= b.registered, b.amplitude * self._shape(u), 0.0)
            current_amp = np.where((u >= 0) & (u < 1), b.amplitude, current_amp)
        return np.asarray(out - current_amp * self._shape.mean, dtype=np.float64)

    def _movements(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.zeros(t.size)
        if t.size == 0:
            return out
        near = (self._moves > t[0] - 3.0) & (self._moves <= t[-1])
        for tm, size in zip(self._moves[near], self._move_size[near], strict=True):
            d = t - tm
            rise = np.clip(d / 0.05, 0.0, 1.0)
            out += size * np.where(d >= 0, rise * np.exp(-np.maximum(d - 0.05, 0.0) / 0.3), 0.0)
        return out
