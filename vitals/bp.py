"""Oscillometric blood pressure from a cuff-pressure recording.

:func:`bp_oscillometric` takes one cuff cycle (inflation above systolic pressure, a slow
linear deflation, a dump), reads the pulse oscillations riding on the deflation, draws
their envelope against cuff pressure and reads the pressures off it:

* mean arterial pressure (MAP) at the envelope's maximum (M. Ramsey, "Noninvasive
  automatic determination of mean arterial pressure", Med. Biol. Eng. Comput.
  17:11-18, 1979);
* ``method="ratio"`` (default): systolic and diastolic pressure where the envelope crosses
  fixed fractions of its maximum above and below MAP, the characteristic ratios (L. A.
  Geddes et al., "Characterization of the oscillometric method for measuring indirect
  blood pressure", Ann. Biomed. Eng. 10:271-280, 1982; A. Sapinski, "Standard algorithm
  of blood-pressure measurement by the oscillometric method", Med. Biol. Eng. Comput.
  34:82-83, 1996). Defaults 0.55 and 0.75, mid-range of the published spread;
* ``method="slope"``: systolic and diastolic pressure where the envelope is steepest above
  and below MAP (the maximum-slope criterion, G. Drzewiecki et al., "Theory of the
  oscillometric maximum and the systolic and diastolic detection ratios", Ann. Biomed.
  Eng. 22:88-96, 1994).

Neither method can know the arm's true ratios, which vary between people (about
0.45-0.75 systolic, 0.5-0.85 diastolic; M. Forouzanfar et al., IEEE Rev. Biomed. Eng.
8:44-63, 2015): a ratio off by 0.1 moves systolic pressure by several mmHg (see
``benchmarks/bp.py``). MAP does not depend on them.

The result is refused, with a reason, rather than guessed: ``flat``, ``clipped``,
``no_inflation``, ``leak``, ``deflation_interrupted``, ``deflation_too_fast``,
``too_few_oscillations``, ``movement``, ``no_envelope_maximum``,
``inflation_below_systolic``, ``deflation_above_diastolic``, ``noise``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vitals import bp_oscillogram as og
from vitals.signal import Quality, as_signal

__all__ = ["BloodPressure", "OscillometricEnvelope", "bp_oscillometric"]

BpMethod = Literal["ratio", "slope"]

_MAX_RATE = 5.0  # mmHg/s: faster deflation is refused
_MAX_STEP = 5.0  # mmHg between consecutive beats
_LEAK_RATIO = 1.5  # early/late deflation rate of a leaking cuff
_MIN_BEATS = 8
_MAX_MOVES = 2
_MAX_GAP = 12.0  # mmHg without a usable beat near the pressures read
_IRREGULAR_INDEX = 0.08  # SD/mean of the RR intervals above which the rhythm is irregular
_GRID_STEP = 0.25  # mmHg


@dataclass(frozen=True, slots=True, eq=False)
class OscillometricEnvelope:
    """The beats of a deflation and their smoothed envelope, for display and checks.

    Attributes:
        beat_pressure: cuff pressure at each detected oscillation, mmHg.
        beat_amplitude: peak-to-trough amplitude of each oscillation, mmHg.
        kept: whether each beat went into the envelope (False: movement or outlier).
        pressure: pressure grid of the smoothed envelope, mmHg, falling.
        amplitude: the smoothed envelope on that grid, mmHg.
    """

    beat_pressure: NDArray[np.float64]
    beat_amplitude: NDArray[np.float64]
    kept: NDArray[np.bool_]
    pressure: NDArray[np.float64]
    amplitude: NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class BloodPressure:
    """An oscillometric blood pressure; values are None when ``quality.usable`` is False.

    Attributes:
        systolic: systolic pressure, mmHg.
        diastolic: diastolic pressure, mmHg.
        mean: mean arterial pressure, mmHg.
        pulse_rate: pulse rate during deflation, /min.
        fs: sampling rate of the cuff pressure, Hz.
        method: how systolic and diastolic pressure were read (``ratio`` or ``slope``).
        quality: trust in the result, with the reason for a refusal.
        irregular: an irregular rhythm during deflation (SD/mean of the beat intervals
            above 0.08).
        movement: movement artefacts during deflation.
        deflation_rate: mean deflation rate, mmHg/s (None without a deflation).
        envelope: the beats and their envelope (None without beats).
        unit: UCUM unit of the pressures.
    """

    systolic: float | None
    diastolic: float | None
    mean: float | None
    pulse_rate: float | None
    fs: float
    method: str
    quality: Quality
    irregular: bool = False
    movement: bool = False
    deflation_rate: float | None = None
    envelope: OscillometricEnvelope | None = None
    unit: str = "mm[Hg]"

    @property
    def flags(self) -> frozenset[str]:
        """The flags in the vocabulary of :class:`hardware.events.Reading`."""
        out = {"irregular_pulse"} if self.irregular else set()
        return frozenset(out | ({"body_movement"} if self.movement else set()))


@dataclass(frozen=True, slots=True)
class _Found:
    """What is known about a cycle before its pressures are read."""

    fs: float
    method: str
    deflation_rate: float | None = None
    movement: bool = False
    irregular: bool = False
    envelope: OscillometricEnvelope | None = None

    def refuse(self, reason: str) -> BloodPressure:
        return BloodPressure(
            None, None, None, None, self.fs, self.method, Quality.refused(reason),
            self.irregular, self.movement, self.deflation_rate, self.envelope,
        )  # fmt: skip


def bp_oscillometric(
    pressure: ArrayLike,
    fs: float,
    *,
    method: BpMethod = "ratio",
    systolic_ratio: float = 0.55,
    diastolic_ratio: float = 0.75,
) -> BloodPressure:
    """Blood pressure from one oscillometric cuff cycle.

    Only the first cycle in the record is read: the record is cut where the cuff is first
    seen dumping (so that a streaming :class:`vitals.bp_stream.BpAnalyser` gives the same
    answer as soon as it holds that sample).

    Args:
        pressure: cuff pressure, mmHg, from before inflation to after the dump.
        fs: sampling rate in Hz (20-2000; 100 is usual).
        method: ``"ratio"`` (fixed characteristic ratios, Geddes 1982, Sapinski 1996) or
            ``"slope"`` (maximum envelope slope, Drzewiecki 1994).
        systolic_ratio: envelope fraction at systolic pressure for ``"ratio"``.
        diastolic_ratio: envelope fraction at diastolic pressure for ``"ratio"``.

    Returns:
        Systolic, diastolic and mean pressure in mmHg, the pulse rate in /min, the
        irregular-rhythm and movement flags, or a refusal with its reason.

    Raises:
        ValueError: not 1-D, NaN, ``fs`` out of range, shorter than 5 s, unknown method
            or ratios outside (0, 1).
    """
    x = as_signal(pressure, fs, min_seconds=5.0, fs_range=(20.0, 2000.0))
    if method not in ("ratio", "slope"):
        raise ValueError(f"unknown method {method!r}: use 'ratio' or 'slope'")
    if not (0 < systolic_ratio < 1 and 0 < diastolic_ratio < 1):
        raise ValueError("characteristic ratios must lie within 0 and 1")
    found = _Found(fs, method)
    if float(np.ptp(x)) < 5.0:
        return found.refuse("flat")
    top_run = x >= x.max() - 1e-9
    if top_run.sum() >= max(3, round(0.05 * fs)):
        return found.refuse("clipped")
    if x.max() < og.ARM_MMHG + 20:
        return found.refuse("no_inflation")
    defl = og.deflation(x, fs, og.cycle_end(x, fs))
    if defl is None or defl.stop - defl.start < round(5.0 * fs):
        stalled = defl is not None and defl.inflation_stalled
        fast = defl is not None and defl.rate > _MAX_RATE
        return found.refuse("leak" if stalled or fast else "deflation_interrupted")
    found = _Found(fs, method, defl.rate)
    if defl.inflation_stalled or defl.rate_early > _LEAK_RATIO * max(defl.rate_late, 0.1):
        return found.refuse("leak")
    if defl.rate > _MAX_RATE:
        return found.refuse("deflation_too_fast")
    return _read(x[defl.start : defl.stop], found, systolic_ratio, diastolic_ratio)


def _irregular(
    peaks: NDArray[np.intp], strong: NDArray[np.bool_], clean: NDArray[np.bool_]
) -> tuple[bool, float]:
    """Whether the rhythm is irregular, and the median RR in samples, from strong beats.

    The irregularity index SD/mean of the RR intervals, after Wiesel et al.'s screening
    for atrial fibrillation with an oscillometric monitor (Am. J. Hypertens.
    22:848-852, 2009); only intervals between neighbouring detections count.
    """
    idx = np.flatnonzero(strong)
    rr = np.diff(peaks[idx])[(np.diff(idx) == 1) & clean[idx[:-1]]]
    if rr.size < 4:
        return False, math.nan
    index = float(np.std(rr) / np.mean(rr))
    return index > _IRREGULAR_INDEX, float(np.median(rr))


def _crossing(grid: NDArray[np.float64], env: NDArray[np.float64], level: float) -> float | None:
    """First grid pressure (walking ``grid``) where ``env`` falls to ``level``, interpolated."""
    below = np.flatnonzero(env <= level)
    if below.size == 0 or below[0] == 0:
        return None
    i = int(below[0])
    e0, e1 = env[i - 1], env[i]
    f = (e0 - level) / (e0 - e1) if e0 != e1 else 0.0
    return float(grid[i - 1] + f * (grid[i] - grid[i - 1]))


def _read(x: NDArray[np.float64], found: _Found, rs: float, rd: float) -> BloodPressure:
    """Read the pressures off one deflation segment."""
    fs, method = found.fs, found.method
    # Movement: what stands out of the ramp more than twice the biggest plausible pulse.
    mask0 = np.zeros(x.size, dtype=bool)
    osc0, _ = og.oscillogram(x, fs, mask0)
    amp_ref = 2.0 * float(np.percentile(np.abs(osc0), 90))
    mask, moves = og.movement_mask(x, fs, max(3.0, 2.0 * amp_ref))
    osc, base = og.oscillogram(x, fs, mask)
    b = og.beats(osc, base, fs, mask)
    found = replace(found, movement=moves > 0)
    if int(b.kept.sum()) < _MIN_BEATS:
        reason = "movement" if b.peaks.size >= _MIN_BEATS and moves else "too_few_oscillations"
        return found.refuse(reason)
    if moves > _MAX_MOVES or b.kept.mean() < 0.7:
        return found.refuse("movement")

    p, a = b.pressure[b.kept], b.amplitude[b.kept]
    step = float(np.median(np.abs(np.diff(p))))
    grid = np.arange(p.max(), p.min(), -_GRID_STEP)
    # A broad envelope is flat at its top: widen the smoother with it (a sixth of the
    # range above 70 % of the maximum), or MAP wanders with the beat-to-beat scatter.
    h0 = max(3.0, 1.2 * step)
    env, fitted, h = og.smooth_envelope(p, a, grid, (h0, 1.5 * h0, 2 * h0, 3 * h0))
    high = grid[env >= 0.7 * float(env.max())]
    wide = env
    if high.size and (high.max() - high.min()) / 6.0 > h:
        wide = og.smooth_envelope(p, a, grid, (float(high.max() - high.min()) / 6.0,))[0]
    envelope = OscillometricEnvelope(b.pressure, b.amplitude, b.kept, grid, env)
    strong = b.kept & (b.amplitude > 0.3 * float(env.max()))
    irregular, rr = _irregular(b.peaks, strong, b.clean_rr)
    found = replace(found, irregular=irregular, envelope=envelope)
    if step > _MAX_STEP:
        return found.refuse("deflation_too_fast")

    top = int(np.argmax(wide))
    e_max = float(env.max())
    if e_max <= 0:
        return found.refuse("no_envelope_maximum")
    # A second hump nearly as high, separated by a dip, leaves MAP ambiguous.
    far = np.abs(grid - grid[top]) > 15.0
    if far.any():
        for j in np.flatnonzero(far & (env > 0.85 * e_max)):
            lo, hi = min(int(j), top), max(int(j), top)
            if env[lo : hi + 1].min() < 0.6 * e_max:
                return found.refuse("no_envelope_maximum")
    above, below = grid[: top + 1][::-1], grid[top:]
    env_above, env_below = env[: top + 1][::-1], env[top:]
    if method == "ratio":
        sbp = _crossing(above, env_above, rs * e_max)
        dbp = _crossing(below, env_below, rd * e_max)
    else:
        slope = np.gradient(env, grid)  # d amplitude / d pressure
        sbp = float(grid[int(np.argmin(slope[: top + 1]))]) if top > 0 else None
        dbp = float(grid[top + int(np.argmax(slope[top:]))]) if top < grid.size - 1 else None
        sbp = None if sbp is None or env_above[-1] > 0.8 * e_max else sbp
        dbp = None if dbp is None or env_below[-1] > 0.85 * e_max else dbp
    if sbp is None:
        return found.refuse("inflation_below_systolic")
    if dbp is None:
        return found.refuse("deflation_above_diastolic")
    # The envelope must be seen to fall past each crossing, not just extrapolated there:
    # two measured beats beyond it on each side.
    if int((p > sbp).sum()) < 2:
        return found.refuse("inflation_below_systolic")
    if int((p < dbp).sum()) < 2:
        return found.refuse("deflation_above_diastolic")
    map_ = float(grid[top])
    if top in (0, grid.size - 1) or not dbp < map_ < sbp:
        return found.refuse("no_envelope_maximum")

    # Every pressure read needs beats close by on either side.
    ps = np.sort(p)
    inside = ps[(ps > dbp - 2 * step) & (ps < sbp + 2 * step)]
    if inside.size < 2 or float(np.max(np.diff(inside))) > max(_MAX_GAP, 3 * step):
        return found.refuse("movement" if moves else "too_few_oscillations")
    scatter = float(np.sqrt(np.mean((a - fitted) ** 2))) / e_max
    if scatter > 0.15:
        return found.refuse("noise")
    score = max(0.0, min(1.0, 1.0 - 2.0 * scatter)) * (0.8 if moves else 1.0)
    score *= 0.8 if irregular else 1.0
    pulse = 60.0 * fs / rr if math.isfinite(rr) else None
    return BloodPressure(
        sbp, dbp, map_, pulse, fs, method, Quality(round(score, 3), True),
        irregular, moves > 0, found.deflation_rate, envelope,
    )  # fmt: skip
