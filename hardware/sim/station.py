"""Simulated devices for a whole station, built from a moniker's options.

``sim:ecg,hr=72,seed=3`` becomes an :class:`EcgSimulator` playing an ECGSYN
record with a mean heart rate of 72 /min. ECG, PPG and the oximeter built with
the same ``seed`` and ``hr`` share one heart: the PPG pulses follow the ECG's
beats (after the pulse transit time), as in a real person.

Options (all optional):

=========  ==========================================  ===========
option     meaning                                     default
=========  ==========================================  ===========
seed       random seed                                 1
speed      times faster than real time                 1
hr         mean heart rate, /min                       72
hrv        heart-rate standard deviation, /min         2
rr         respiratory rate, /min                      15
spo2       SpO2, %                                     97
fs         ECG sampling rate, Hz (250 or 500)          500
noise      ECG white noise, mV                         0.01
sbp, dbp   systolic and diastolic pressure, mmHg       128, 82
loop       seconds of signal made, then replayed       120
leak       a cuff leak's time constant, s (0: none)    0
overpressure  1: the pump runs past the safety limit   0
af         seconds of atrial fibrillation per loop     0
pvc        chance of a premature ventricular beat      0
mains      50 Hz interference on the ECG, mV           0
emg        muscle noise on the ECG, mV                 0
motion     seconds of hand movement per PPG loop       0
=========  ==========================================  ===========
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from hardware.sim.cuff_model import CuffParams
from hardware.sim.cuff_source import CycleSource
from hardware.sim.ecg_model import EcgParams, SimulatedEcg, ecg_simulate
from hardware.sim.oximeter import Cms50dSimulator
from hardware.sim.packet_devices import CuffSimulator, EcgSimulator, PpgSimulator
from hardware.sim.ppg_model import PpgParams, pleth_display, ppg_simulate
from hardware.sim.serial_device import LoopSource, SerialSimulator

__all__ = ["SIMULATED_KINDS", "make_simulator"]

_DEFAULTS: dict[str, float] = {
    "seed": 1,
    "speed": 1.0,
    "hr": 72.0,
    "hrv": 2.0,
    "rr": 15.0,
    "spo2": 97.0,
    "fs": 500,
    "noise": 0.01,
    "sbp": 128.0,
    "dbp": 82.0,
    "loop": 120.0,
    "leak": 0.0,
    "overpressure": 0.0,
    "af": 0.0,
    "pvc": 0.0,
    "mains": 0.0,
    "emg": 0.0,
    "motion": 0.0,
}


def _options(raw: Mapping[str, str]) -> dict[str, float]:
    unknown = set(raw) - set(_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown simulator option {sorted(unknown)[0]!r}")
    values = dict(_DEFAULTS)
    for key, text in raw.items():
        try:
            values[key] = float(text)
        except ValueError:
            raise ValueError(f"simulator option {key} must be a number") from None
    return values


def _middle(o: Mapping[str, float], key: str) -> tuple[tuple[float, float], ...]:
    """A stretch of ``o[key]`` seconds in the middle of the loop, or none."""
    seconds = min(o[key], o["loop"])
    if seconds <= 0:
        return ()
    start = (o["loop"] - seconds) / 2
    return ((start, start + seconds),)


def _heart(o: Mapping[str, float], fs: float) -> SimulatedEcg:
    params = EcgParams(
        heart_rate=o["hr"],
        heart_rate_std=o["hrv"],
        respiratory_rate=o["rr"],
        noise_mv=o["noise"],
        mains_mv=o["mains"],
        emg_mv=o["emg"],
        af_segments=_middle(o, "af"),
        ectopic_beats=o["pvc"],
    )
    return ecg_simulate(o["loop"], fs, params, seed=int(o["seed"]))


def _ppg(o: Mapping[str, float]) -> tuple[np.ndarray[Any, np.dtype[np.float64]], float]:
    beats = _heart(o, 250.0).beat_times_s
    ppg = ppg_simulate(
        beats,
        o["loop"],
        100.0,
        PpgParams(spo2=o["spo2"], respiratory_rate=o["rr"], motion_segments=_middle(o, "motion")),
        seed=int(o["seed"]),
    )
    return np.column_stack([ppg.red, ppg.ir]), ppg.heart_rate


def _ecg(o: Mapping[str, float]) -> tuple[SerialSimulator, str]:
    fs = int(o["fs"])
    heart = _heart(o, float(fs))
    source = LoopSource(np.column_stack([heart.lead_i, heart.lead_ii]))
    return EcgSimulator(source, fs=fs, seed=int(o["seed"]), speed=o["speed"]), "ecg"


def _ppg_device(o: Mapping[str, float]) -> tuple[SerialSimulator, str]:
    signal, _ = _ppg(o)
    return PpgSimulator(LoopSource(signal), seed=int(o["seed"]), speed=o["speed"]), "ppg"


def _oximeter(o: Mapping[str, float]) -> tuple[SerialSimulator, str]:
    signal, heart_rate = _ppg(o)
    pleth = pleth_display(signal[:, 1], 100.0, out_fs=60.0).astype(np.float64)
    simulator = Cms50dSimulator(
        LoopSource(pleth),
        spo2=round(o["spo2"]),
        pulse_rate=round(heart_rate),
        seed=int(o["seed"]),
        speed=o["speed"],
    )
    return simulator, "cms50d"


def _cuff(o: Mapping[str, float]) -> tuple[SerialSimulator, str]:
    params = CuffParams(
        systolic=o["sbp"],
        diastolic=o["dbp"],
        heart_rate=o["hr"],
        leak_time_constant_s=o["leak"] or None,
        over_pressure=bool(o["overpressure"]),
    )
    source = CycleSource(params, 100.0, seed=int(o["seed"]))
    return CuffSimulator(source, seed=int(o["seed"]), speed=o["speed"]), "cuff"


_BUILDERS = {
    "ecg": _ecg,
    "ppg": _ppg_device,
    "cms50d": _oximeter,
    "cuff": _cuff,
}

#: The kinds ``sim:`` monikers can name.
SIMULATED_KINDS = tuple(sorted(_BUILDERS))


def make_simulator(kind: str, options: Mapping[str, str]) -> tuple[SerialSimulator, str]:
    """Build the simulator a ``sim:`` moniker names; returns it and its driver's name.

    Raises:
        ValueError: an unknown kind or option.
    """
    builder = _BUILDERS.get(kind)
    if builder is None:
        raise ValueError(f"no simulator for {kind!r}; known: {', '.join(SIMULATED_KINDS)}")
    return builder(_options(options))
