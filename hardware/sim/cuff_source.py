"""The cuff module's firmware, simulated: idle until told to measure, then one cycle.

It steps a :class:`CuffCycle` live, so a dump command acts at the next sample,
and reports the module's state (:class:`CuffState`) as the protocol carries it.
"""

from __future__ import annotations

import abc
import dataclasses

import numpy as np
from numpy.typing import NDArray

from hardware.serial.messages import CuffState
from hardware.sim.cuff_model import CuffCycle, CuffParams, CuffPhase

__all__ = ["CuffSource", "CycleSource"]

_STATES = {
    CuffPhase.IDLE: CuffState.IDLE,
    CuffPhase.INFLATING: CuffState.INFLATING,
    CuffPhase.DEFLATING: CuffState.DEFLATING,
    CuffPhase.DUMPING: CuffState.DUMPING,
    CuffPhase.DONE: CuffState.DONE,
    CuffPhase.LEAK: CuffState.LEAK,
    CuffPhase.OVER_PRESSURE: CuffState.OVER_PRESSURE,
}


class CuffSource(abc.ABC):
    """A cuff's pressure (mmHg) as the module produces it, stepped live."""

    channels = 1

    @property
    @abc.abstractmethod
    def state(self) -> CuffState:
        """What the module is doing now."""

    @abc.abstractmethod
    def take(self, n: int) -> NDArray[np.float64]:
        """The next ``n`` pressure samples, mmHg, as an ``(n, 1)`` array."""

    @abc.abstractmethod
    def inflate(self, target: float) -> None:
        """Start a measurement: inflate to ``target`` mmHg, then deflate."""

    @abc.abstractmethod
    def dump(self) -> None:
        """Emergency deflate."""


class CycleSource(CuffSource):
    """Runs a new :class:`CuffCycle` for each inflate command.

    Args:
        params: the arm and the heart; the target comes with each command.
        fs: sampling rate, Hz.
        seed: seeds the first cycle; each later one takes the next seed.
    """

    def __init__(self, params: CuffParams, fs: float = 100.0, *, seed: int = 0) -> None:
        self.params = params
        self.fs = fs
        self._seed = seed
        self._cycle = CuffCycle(params, fs, seed=seed)
        self.cycles = 0

    @property
    def state(self) -> CuffState:
        return _STATES[self._cycle.phase]

    @property
    def cycle(self) -> CuffCycle:
        """The cycle under way (or the last one), with its ground truth."""
        return self._cycle

    def take(self, n: int) -> NDArray[np.float64]:
        return self._cycle.next_chunk(n).samples[:, None]

    def inflate(self, target: float) -> None:
        if self.state in (CuffState.INFLATING, CuffState.DEFLATING):
            return  # already measuring; the firmware ignores a second start
        # Inflate past systolic at least, as a monitor re-inflates when it finds the
        # pulse still there at its target.
        target = max(float(target), self.params.systolic + 10.0)
        params = dataclasses.replace(self.params, target_pressure=target)
        self.cycles += 1
        self._cycle = CuffCycle(params, self.fs, seed=self._seed + self.cycles)
        self._cycle.start()

    def dump(self) -> None:
        self._cycle.emergency_deflate()
