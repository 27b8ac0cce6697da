"""ECG cleaning and R peaks against the seeded ECGSYN simulator's exact R-peak truth."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.sim.ecg_model import EcgParams, ecg_simulate
from vitals.ecg import EcgPeaks, ecg_clean, ecg_peaks
from vitals.ecg_quality import bsqi


def sim(seconds=30.0, fs=500.0, seed=1, **params):
    return ecg_simulate(seconds, fs, EcgParams(**params), seed=seed)


def inner(ecg, edge_s=0.1):
    """True R peaks whose QRS lies whole in the record (edge beats may be cut off)."""
    r = ecg.r_peaks
    return r[(r >= edge_s * ecg.fs) & (r < ecg.lead_ii.size - edge_s * ecg.fs)]


def errors_ms(found, truth, fs):
    """For each true R peak, the distance to the nearest detection, ms."""
    return np.array([np.min(np.abs(found - t)) for t in truth]) * 1000.0 / fs


def assert_on_truth(found, ecg, tol_ms, truth=None):
    """Every whole true beat found within tol_ms, and every detection on a true beat."""
    truth = inner(ecg) if truth is None else truth
    assert errors_ms(found, truth, ecg.fs).max() <= tol_ms
    assert errors_ms(ecg.r_peaks, found, ecg.fs).max() <= tol_ms


@pytest.mark.parametrize("fs", [250.0, 360.0, 500.0, 1000.0])
def test_every_beat_is_found_on_its_r_peak(fs):
    ecg = sim(fs=fs, heart_rate=72)
    peaks = ecg_peaks(ecg.lead_ii, fs)
    assert isinstance(peaks, EcgPeaks)
    assert peaks.indices.dtype == np.intp
    assert peaks.quality.usable
    assert_on_truth(peaks.indices, ecg, 1000.0 / fs + 0.01)  # one sample


def test_inverted_qrs_is_located_on_its_negative_extremum():
    ecg = sim(heart_rate=65, seed=2)
    peaks = ecg_peaks(-ecg.lead_ii, 500.0)
    assert_on_truth(peaks.indices, ecg, 2.0)
    assert np.all(peaks.polarity == -1)


def test_premature_ventricular_beats_are_found():
    ecg = sim(60.0, heart_rate=70, ectopic_beats=0.15, seed=3)
    assert ecg.ectopic.sum() >= 5
    peaks = ecg_peaks(ecg.lead_ii, 500.0)
    assert_on_truth(peaks.indices, ecg, 20.0)  # a wide PVC's extremum: near the R event
    normal = ecg.r_peaks[~ecg.ectopic]
    assert errors_ms(peaks.indices, normal[np.isin(normal, inner(ecg))], 500.0).max() <= 2.0


@pytest.mark.parametrize("mains_hz", [50.0, 60.0])
def test_peaks_survive_mains_noise_and_baseline_wander(mains_hz):
    ecg = sim(heart_rate=80, mains_hz=mains_hz, mains_mv=0.3, noise_mv=0.03, emg_mv=0.05,
              respiratory_baseline_mv=0.6, seed=4)  # fmt: skip
    peaks = ecg_peaks(ecg.lead_ii, 500.0, powerline=mains_hz)
    assert peaks.quality.usable
    assert_on_truth(peaks.indices, ecg, 6.0)


def test_clean_removes_wander_and_mains_without_moving_peaks():
    fs = 500.0
    ecg = sim(heart_rate=70, seed=5)
    t = np.arange(ecg.lead_ii.size) / fs
    noisy = ecg.lead_ii + 0.8 * np.sin(2 * np.pi * 0.2 * t) + 0.4 * np.sin(2 * np.pi * 50 * t)
    clean = ecg_clean(noisy, fs)
    reference = ecg_clean(ecg.lead_ii, fs)
    inner = slice(round(2 * fs), -round(2 * fs))
    assert np.sqrt(np.mean((clean - reference)[inner] ** 2)) < 0.02  # mV
    half = round(0.02 * fs)
    moved = [int(np.argmax(clean[r - half : r + half + 1])) - half for r in ecg.r_peaks[2:-2]]
    assert max(abs(m) for m in moved) <= 1


def test_clean_notches_60_hz_when_asked():
    fs = 500.0
    t = np.arange(round(10 * fs)) / fs
    hum = np.sin(2 * np.pi * 60 * t)
    inner = slice(round(2 * fs), -round(2 * fs))
    assert np.std(ecg_clean(hum, fs, powerline=60.0)[inner]) < 0.01
    assert np.std(ecg_clean(hum, fs, powerline=50.0, lowpass=None)[inner]) > 0.5


def test_median_baseline_method_keeps_the_beats():
    ecg = sim(heart_rate=70, respiratory_baseline_mv=0.8, seed=6)
    clean = ecg_clean(ecg.lead_ii, 500.0, method="median")
    assert abs(float(np.median(clean))) < 0.05
    assert np.all(clean[ecg.r_peaks[1:-1]] > 0.6)


def test_lead_off_stretch_is_cut_out_and_rr_never_spans_it():
    ecg = sim(60.0, heart_rate=70, lead_off=((20.0, 26.0),), seed=7)
    peaks = ecg_peaks(ecg.lead_ii, 500.0)
    assert peaks.quality.usable
    assert len(peaks.segments) == 2
    (_, end), (start, _) = peaks.segments
    assert end <= 20.0 * 500
    assert start >= 26.0 * 500
    assert not np.any((peaks.indices >= end) & (peaks.indices < start))
    assert peaks.rr_intervals.max() < 1.5  # no interval bridges the gap
    outside = ~ecg.lead_off_mask[ecg.r_peaks]
    kept = ecg.r_peaks[outside & ((ecg.r_peaks < end - 50) | (ecg.r_peaks >= start + 50))]
    assert_on_truth(peaks.indices, ecg, 2.0, truth=kept[1:-1])


@pytest.mark.parametrize(
    ("ecg_params", "reason"),
    [
        ({"lead_off": ((0.0, 30.0),)}, "lead_off"),
        ({"lead_off": ((3.0, 27.0),)}, "lead_off"),
        ({"full_scale_mv": 0.6}, "clipped"),
        ({"emg_mv": 3.0, "full_scale_mv": 50.0}, "noise"),
    ],
)
def test_unusable_signals_are_refused_with_a_reason(ecg_params, reason):
    ecg = sim(heart_rate=70, seed=8, **ecg_params)
    peaks = ecg_peaks(ecg.lead_ii, 500.0)
    assert not peaks.quality.usable
    assert peaks.quality.reason == reason
    assert peaks.indices.size == 0


@pytest.mark.parametrize("declared_fs", [100.0, 125.0, 2000.0])
def test_a_wrong_sampling_rate_is_refused_not_misread(declared_fs):
    ecg = sim(heart_rate=70, seed=10)  # sampled at 500 Hz
    peaks = ecg_peaks(ecg.lead_ii, declared_fs)
    assert not peaks.quality.usable
    assert peaks.indices.size == 0


def test_flat_line_and_pure_noise_give_no_peaks():
    rng = np.random.default_rng(0)
    flat = ecg_peaks(np.full(5000, 0.3), 500.0)
    assert (flat.quality.usable, flat.quality.reason) == (False, "lead_off")
    quiet = ecg_peaks(0.001 * rng.standard_normal(5000), 500.0)
    assert (quiet.quality.usable, quiet.quality.reason) == (False, "flat")
    for seed in range(3):
        noise = np.random.default_rng(seed).standard_normal(15000) * 0.5
        refused = ecg_peaks(noise, 500.0)
        assert not refused.quality.usable
        assert refused.indices.size == 0


@pytest.mark.parametrize(
    ("signal", "fs", "message"),
    [
        (np.zeros(5000) + np.nan, 500.0, "NaN"),
        (np.r_[np.zeros(2000), np.inf, np.zeros(2000)], 500.0, "infinite"),
        (np.zeros((2, 5000)), 500.0, "one-dimensional"),
        (np.zeros(5000), 50.0, "fs must be"),
        (np.zeros(5000), float("nan"), "fs must be"),
        (np.zeros(500), 500.0, "too short"),
    ],
)
def test_bad_input_raises_value_error(signal, fs, message):
    with pytest.raises(ValueError, match=message):
        ecg_peaks(signal, fs)


def test_unknown_methods_raise_value_error():
    ecg = sim(10.0)
    with pytest.raises(ValueError, match="unknown method"):
        ecg_peaks(ecg.lead_ii, 500.0, method="magic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown method"):
        ecg_clean(ecg.lead_ii, 500.0, method="magic")  # type: ignore[arg-type]


def test_the_second_detector_finds_the_same_beats():
    ecg = sim(heart_rate=90, noise_mv=0.02, seed=9)
    a = ecg_peaks(ecg.lead_ii, 500.0)
    b = ecg_peaks(ecg.lead_ii, 500.0, method="elgendi")
    assert b.method == "elgendi"
    assert b.quality.usable
    assert bsqi(a.indices, b.indices, 500.0) == 1.0
    assert np.max(np.abs(a.indices - b.indices)) <= 1


def test_result_is_frozen():
    peaks = ecg_peaks(sim(10.0).lead_ii, 500.0)
    with pytest.raises(ValueError, match="read-only"):
        peaks.indices[0] = 3
    with pytest.raises(AttributeError):
        peaks.fs = 1.0  # type: ignore[misc]
