"""Device simulators and the physiological signal models they play.

The models are pure, seeded numpy/scipy functions with known ground truth: an ECGSYN
heart (:func:`ecg_simulate`), red/infrared PPG driven by its beats
(:func:`ppg_simulate`) and an oscillometric cuff cycle (:func:`cuff_simulate`, or
:class:`CuffCycle` to stream one live).
"""

from __future__ import annotations

from hardware.sim.cuff_model import CuffChunk, CuffCycle, CuffParams, CuffPhase
from hardware.sim.cuff_record import SimulatedCuff, cuff_simulate
from hardware.sim.ecg_model import EcgParams, SimulatedEcg, ecg_simulate, heartbeat_times
from hardware.sim.ecg_waves import EcgWaves
from hardware.sim.ppg_model import (
    PpgParams,
    PulseShape,
    SimulatedPpg,
    SpO2Calibration,
    beat_times_from_rr,
    pleth_display,
    ppg_simulate,
)

__all__ = [
    "CuffChunk",
    "CuffCycle",
    "CuffParams",
    "CuffPhase",
    "EcgParams",
    "EcgWaves",
    "PpgParams",
    "PulseShape",
    "SimulatedCuff",
    "SimulatedEcg",
    "SimulatedPpg",
    "SpO2Calibration",
    "beat_times_from_rr",
    "cuff_simulate",
    "ecg_simulate",
    "heartbeat_times",
    "pleth_display",
    "ppg_simulate",
]
