"""The P, Q, R, S and T events of ECGSYN beats: one lead's wave table and the stock leads.

In McSharry et al.'s dynamical model (IEEE Trans. Biomed. Eng. 50(3):289-294, 2003)
each wave of a beat is a Gaussian event at an angle on the limit cycle, with an
amplitude and a width. :class:`EcgWaves` holds the five of one lead; the tables below are
the paper's lead II, a lead I derived from it (lead II's events with scaled amplitudes,
a plausible frontal axis near +60 degrees, not a separate physical projection), and a
premature ventricular beat in both leads. :func:`hardware.sim.ecg_model.ecg_simulate`
plays them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hardware.sim._model_common import require

__all__ = [
    "LEAD_II_WAVES",
    "LEAD_I_WAVES",
    "PVC_LEAD_II_WAVES",
    "PVC_LEAD_I_WAVES",
    "EcgWaves",
]

_Five = tuple[float, float, float, float, float]


@dataclass(frozen=True, slots=True)
class EcgWaves:
    """The five Gaussian events of one beat on the limit cycle, in the order P, Q, R, S, T.

    Attributes:
        theta: angle of each event on the limit cycle, rad (the R wave at 0), at 60/min.
        a: event amplitudes a_i, model units (z is scaled to mV on output).
        b: event widths b_i, rad, at 60/min.
    """

    theta: _Five
    a: _Five
    b: _Five

    def __post_init__(self) -> None:
        require(all(len(v) == 5 for v in (self.theta, self.a, self.b)), "need P, Q, R, S, T")
        require(all(b > 0 for b in self.b), "event widths b must be positive")
        require(all(abs(t) <= math.pi for t in self.theta), "angles must lie in [-pi, pi]")


#: Table 1 of McSharry et al. (2003): lead II-like morphology.
LEAD_II_WAVES = EcgWaves(
    theta=(-math.pi / 3, -math.pi / 12, 0.0, math.pi / 12, math.pi / 2),
    a=(1.2, -5.0, 30.0, -7.5, 0.75),
    b=(0.25, 0.1, 0.1, 0.1, 0.4),
)
#: Lead I: lead II's events with amplitudes scaled (P 0.6, Q 0.5, R 0.55, S 0.6, T 0.7).
LEAD_I_WAVES = EcgWaves(
    theta=LEAD_II_WAVES.theta,
    a=(0.72, -2.5, 16.5, -4.5, 0.525),
    b=LEAD_II_WAVES.b,
)
#: A premature ventricular beat in lead II: no P wave, wide tall QRS, discordant T wave.
PVC_LEAD_II_WAVES = EcgWaves(
    theta=(-math.pi / 3, -0.3, 0.0, 0.38, 0.6 * math.pi),
    a=(0.0, -1.2, 8.0, -2.6, -0.55),
    b=(0.25, 0.18, 0.24, 0.22, 0.5),
)
#: The same premature ventricular beat in lead I.
PVC_LEAD_I_WAVES = EcgWaves(
    theta=PVC_LEAD_II_WAVES.theta,
    a=(0.0, -0.8, 4.2, -1.8, -0.35),
    b=PVC_LEAD_II_WAVES.b,
)
