"""Signal processing: pure functions over ``(signal, fs)`` and streaming analysers.

No I/O, no asyncio, no Qt. :mod:`vitals.signal` states the conventions every
function follows. By family:

- ECG: :func:`ecg_clean`, :func:`ecg_peaks`, :func:`heart_rate`, :func:`rr_series`,
  :func:`hrv_time`, :func:`rhythm_flags`; streaming :class:`EcgAnalyser`.
- PPG and SpO2: :func:`ppg_peaks`, :func:`ppg_rate`, :func:`spo2_estimate`,
  :func:`perfusion_index`, per-sensor :class:`Calibration`; streaming
  :class:`PpgAnalyser` and :class:`Spo2Analyser`.
- Blood pressure: :func:`bp_oscillometric`; streaming :class:`BpAnalyser`.
- Respiration: :func:`resp_rate`, :func:`resp_rate_from_beats`; streaming
  :class:`RespirationAnalyser`.
- Camera pulse: :func:`rppg_video`, :func:`rppg_rate`; streaming :class:`RppgAnalyser`.
- Interpretation: ``interpret_*`` give a category, colour and plain sentence.
"""

from vitals.bp import BloodPressure, OscillometricEnvelope, bp_oscillometric
from vitals.bp_stream import BpAnalyser
from vitals.ecg import EcgPeaks, ecg_clean, ecg_peaks
from vitals.ecg_stream import EcgAnalyser
from vitals.hrv import HeartRate, HrvTime, RRSeries, ecg_rate, heart_rate, hrv_time, rr_series
from vitals.interpret import (
    Interpretation,
    Severity,
    body_mass_index,
    interpret_blood_pressure,
    interpret_bmi,
    interpret_glucose,
    interpret_heart_rate,
    interpret_spo2,
    interpret_temperature,
)
from vitals.ppg import PpgPeaks, PulseRate, ppg_clean, ppg_peaks, ppg_rate, rate_from_peaks
from vitals.ppg_stream import PpgAnalyser, PpgUpdate
from vitals.resp import (
    Modulation,
    RespiratoryRate,
    resp_rate,
    resp_rate_from_beats,
    resp_rate_fuse,
)
from vitals.resp_stream import RespirationAnalyser
from vitals.rhythm import AfStatistics, RhythmFlags, af_statistics, ecg_rhythm, rhythm_flags
from vitals.rppg import RppgAnalyser, RppgResult, rppg_pulse, rppg_rate, rppg_video
from vitals.rppg_roi import FaceRoi, FixedRoi, RoiSample, RoiStage
from vitals.signal import Quality, SignalWindow, VitalsWarning, as_signal
from vitals.spo2 import (
    PerfusionIndex,
    RatioOfRatios,
    Spo2,
    perfusion_index,
    spo2_estimate,
    spo2_from_ratio,
    spo2_ratio,
)
from vitals.spo2_calibration import Calibration, fit_calibration, get_calibration
from vitals.spo2_stream import Spo2Analyser, Spo2Update

__all__ = [
    "AfStatistics",
    "BloodPressure",
    "BpAnalyser",
    "Calibration",
    "EcgAnalyser",
    "EcgPeaks",
    "FaceRoi",
    "FixedRoi",
    "HeartRate",
    "HrvTime",
    "Interpretation",
    "Modulation",
    "OscillometricEnvelope",
    "PerfusionIndex",
    "PpgAnalyser",
    "PpgPeaks",
    "PpgUpdate",
    "PulseRate",
    "Quality",
    "RRSeries",
    "RatioOfRatios",
    "RespirationAnalyser",
    "RespiratoryRate",
    "RhythmFlags",
    "RoiSample",
    "RoiStage",
    "RppgAnalyser",
    "RppgResult",
    "Severity",
    "SignalWindow",
    "Spo2",
    "Spo2Analyser",
    "Spo2Update",
    "VitalsWarning",
    "af_statistics",
    "as_signal",
    "body_mass_index",
    "bp_oscillometric",
    "ecg_clean",
    "ecg_peaks",
    "ecg_rate",
    "ecg_rhythm",
    "fit_calibration",
    "get_calibration",
    "heart_rate",
    "hrv_time",
    "interpret_blood_pressure",
    "interpret_bmi",
    "interpret_glucose",
    "interpret_heart_rate",
    "interpret_spo2",
    "interpret_temperature",
    "perfusion_index",
    "ppg_clean",
    "ppg_peaks",
    "ppg_rate",
    "rate_from_peaks",
    "resp_rate",
    "resp_rate_from_beats",
    "resp_rate_fuse",
    "rhythm_flags",
    "rppg_pulse",
    "rppg_rate",
    "rppg_video",
    "rr_series",
    "spo2_estimate",
    "spo2_from_ratio",
    "spo2_ratio",
]
