"""One whole oscillometric cuff cycle as a record, with its ground truth.

:func:`cuff_simulate` runs a :class:`hardware.sim.cuff_model.CuffCycle` from idle to
done (or to an emergency dump) and returns the pressure trace together with the true
pressures, the beats and the phase changes as a :class:`SimulatedCuff`. For a cuff
streamed live, step the :class:`~hardware.sim.cuff_model.CuffCycle` itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hardware.sim._model_common import Seed, freeze_arrays
from hardware.sim.cuff_model import CuffCycle, CuffParams, CuffPhase

__all__ = ["SimulatedCuff", "cuff_simulate"]


@dataclass(frozen=True, slots=True, eq=False)
class SimulatedCuff:
    """One complete cuff cycle and its ground truth.

    Attributes:
        fs: sampling rate, Hz.
        pressure: measured cuff pressure, mmHg.
        cuff_mmhg: cuff pressure without pulses, movement or noise, mmHg.
        systolic: true systolic pressure, mmHg.
        diastolic: true diastolic pressure, mmHg.
        mean: true mean arterial pressure (the envelope's peak), mmHg.
        beat_times_s: onset of every pulse in the record, s.
        beat_amplitudes_mmhg: peak-to-trough amplitude of each pulse, mmHg.
        beat_cuff_mmhg: cuff pressure when each pulse was set, mmHg.
        transitions: each phase with the index of its first sample.
        params: the parameters the cycle was made with.
    """

    fs: float
    pressure: NDArray[np.float64]
    cuff_mmhg: NDArray[np.float64]
    systolic: float
    diastolic: float
    mean: float
    beat_times_s: NDArray[np.float64]
    beat_amplitudes_mmhg: NDArray[np.float64]
    beat_cuff_mmhg: NDArray[np.float64]
    transitions: tuple[tuple[int, CuffPhase], ...]
    params: CuffParams = field(repr=False)

    def __post_init__(self) -> None:
        freeze_arrays(self)

    def phase_start(self, phase: CuffPhase) -> int | None:
        """Index of the first sample in ``phase``, or None if the cycle never entered it."""
        return next((i for i, ph in self.transitions if ph is phase), None)

    @property
    def inflate_start(self) -> int | None:
        """Index of the first inflating sample."""
        return self.phase_start(CuffPhase.INFLATING)

    @property
    def deflate_start(self) -> int | None:
        """Index of the first deflating sample."""
        return self.phase_start(CuffPhase.DEFLATING)

    @property
    def dump_start(self) -> int | None:
        """Index of the first sample of the dump (normal, emergency or after a leak)."""
        starts = [self.phase_start(ph) for ph in (CuffPhase.DUMPING, CuffPhase.LEAK)]
        return min((s for s in starts if s is not None), default=None)

    @property
    def done_index(self) -> int | None:
        """Index of the first sample after the cycle finished."""
        return self.phase_start(CuffPhase.DONE)

    def envelope(self, cuff_mmhg: ArrayLike) -> NDArray[np.float64]:
        """The true envelope: pulse amplitude (mmHg) at each cuff pressure (mmHg)."""
        return self.params.envelope(cuff_mmhg)


def cuff_simulate(
    params: CuffParams | None = None,
    fs: float = 100.0,
    *,
    seed: Seed = None,
    idle_s: float = 1.0,
    tail_s: float = 1.0,
    emergency_deflate_at_s: float | None = None,
    max_duration_s: float = 180.0,
) -> SimulatedCuff:
    """Run one oscillometric cycle of a :class:`CuffCycle` to its end.

    Args:
        params: the arm, the heart and the monitor.
        fs: sampling rate, Hz.
        seed: an int or a ``numpy.random.Generator`` for repeatable output.
        idle_s: idle time before inflation starts, s.
        tail_s: time recorded after the cycle is done, s.
        emergency_deflate_at_s: when to command an emergency deflation, s from the
            first sample (None for never).
        max_duration_s: the record stops here even if the cycle has not finished, s.

    Returns:
        The pressure record with the true pressures, envelope, beats and phases.
    """
    p = params or CuffParams()
    cycle = CuffCycle(p, fs, seed=seed)
    chunks = [cycle.next_chunk(round(idle_s * fs))]
    cycle.start()
    limit = round(max_duration_s * fs)
    emergency = None if emergency_deflate_at_s is None else round(emergency_deflate_at_s * fs)
    step = max(1, round(0.1 * fs))
    done_at: int | None = None
    while cycle.samples_emitted < limit:
        if emergency is not None and cycle.samples_emitted >= emergency:
            cycle.emergency_deflate()
            emergency = None
        if cycle.phase is CuffPhase.DONE and done_at is None:
            done_at = cycle.samples_emitted
        if done_at is not None and cycle.samples_emitted >= done_at + round(tail_s * fs):
            break
        n = step if emergency is None else min(step, emergency - cycle.samples_emitted)
        chunks.append(cycle.next_chunk(min(n, limit - cycle.samples_emitted)))
    pressure = np.concatenate([c.samples for c in chunks])
    duration = pressure.size / fs
    beats = [b for b in cycle.beats if b[0] < duration]
    return SimulatedCuff(
        fs=float(fs),
        pressure=pressure,
        cuff_mmhg=np.concatenate([c.cuff_mmhg for c in chunks]),
        systolic=p.systolic,
        diastolic=p.diastolic,
        mean=p.mean_pressure,
        beat_times_s=np.array([b[0] for b in beats]),
        beat_amplitudes_mmhg=np.array([b[1] for b in beats]),
        beat_cuff_mmhg=np.array([b[2] for b in beats]),
        transitions=cycle.transitions,
        params=p,
    )
