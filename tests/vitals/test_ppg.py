"""Pulse detection and pulse rate on seeded simulated PPG with known beats."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.sim.ecg_model import heartbeat_times
from hardware.sim.ppg_model import PpgParams, SimulatedPpg, ppg_simulate
from vitals.ppg import PpgPeaks, ppg_clean, ppg_peaks, ppg_rate, rate_from_peaks
from vitals.ppg_quality import clipped_fraction

FS = 100.0


def simulate(
    heart_rate: float = 72.0, seconds: float = 10.0, seed: int = 1, **params: object
) -> SimulatedPpg:
    beats = heartbeat_times(seconds, heart_rate=heart_rate, seed=seed)
    return ppg_simulate(beats, seconds, FS, PpgParams(**params), seed=seed)  # type: ignore[arg-type]


def matched(found: PpgPeaks, truth: np.ndarray, tolerance_s: float = 0.05) -> float:
    """Share of true peaks with a detection within ``tolerance_s``."""
    if found.peaks.size == 0:
        return 0.0
    gaps = np.abs(truth[:, None] - found.peaks[None, :]).min(axis=1)
    return float(np.mean(gaps <= tolerance_s * FS))


@pytest.mark.parametrize("method", ["elgendi", "ssf"])
@pytest.mark.parametrize("heart_rate", [45.0, 72.0, 120.0, 180.0])
def test_rate_of_a_clean_finger_is_within_one_per_minute(method, heart_rate):
    sim = simulate(heart_rate, perfusion_index=2.0)
    rate = ppg_rate(sim.ir, FS, method=method, inverted=True)
    assert rate.quality.usable, rate.quality
    assert rate.value == pytest.approx(sim.heart_rate, abs=1.0)
    assert rate.unit == "/min"
    assert (rate.fs, rate.method) == (FS, method)


@pytest.mark.parametrize("method", ["elgendi", "ssf"])
def test_peaks_and_feet_sit_on_the_true_pulses(method):
    sim = simulate(80.0, seconds=20.0, perfusion_index=1.0)
    found = ppg_peaks(sim.ir, FS, method=method, inverted=True)
    assert matched(found, sim.peak_indices) >= 0.95
    assert found.peaks.size <= sim.peak_indices.size + 1
    assert np.all(found.feet < found.peaks)
    assert found.feet.size == found.peaks.size
    assert np.allclose(found.times, found.peaks / FS)


def test_a_pleth_drawn_blood_volume_up_reads_without_inversion():
    sim = simulate(66.0)
    pleth = -sim.ir  # blood volume up, like a display plethysmogram
    rate = ppg_rate(pleth, FS)
    assert rate.value == pytest.approx(sim.heart_rate, abs=1.0)
    assert np.allclose(ppg_clean(pleth, FS), ppg_clean(sim.ir, FS, inverted=True))


def test_low_perfusion_still_reads():
    sim = simulate(90.0, perfusion_index=0.2, noise_counts=10.0)
    rate = ppg_rate(sim.ir, FS, inverted=True)
    assert rate.value == pytest.approx(sim.heart_rate, abs=1.5)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hand_movement_is_flagged_not_read(seed):
    sim = simulate(75.0, seed=seed, motion_segments=((1.0, 9.0),), motion_depth=0.05)
    found = ppg_peaks(sim.ir, FS, inverted=True)
    rate = rate_from_peaks(found)
    assert not found.quality.usable
    assert found.quality.reason == "motion"
    assert rate.value is None
    assert rate.quality.reason == "motion"


def test_motion_lowers_the_quality_indices():
    clean = ppg_peaks(simulate(75.0).ir, FS, inverted=True).sqi
    moved = simulate(75.0, motion_segments=((0.0, 10.0),), motion_depth=0.05)
    shaken = ppg_peaks(moved.ir, FS, inverted=True).sqi
    assert clean.template > 0.95 > shaken.template
    assert clean.purity > shaken.purity
    assert clean.amplitude_cv < shaken.amplitude_cv
    assert clean.quality.score > shaken.quality.score


def test_a_finger_pulled_out_gives_no_rate():
    # Only the light level tells "no finger" from "no pulse": vitals.spo2 knows the
    # converter's range and says finger_out; a bare PPG can only refuse.
    sim = simulate(75.0, finger_out=((0.0, 10.0),))
    rate = ppg_rate(sim.ir, FS, inverted=True)
    assert rate.value is None
    assert rate.quality.reason in {"no_pulse", "too_few_beats", "motion"}


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), level=st.floats(1e3, 2e5))
def test_white_noise_is_never_read_as_a_pulse(seed, level):
    noise = level + 50.0 * np.random.default_rng(seed).standard_normal(800)
    rate = ppg_rate(noise, FS, inverted=True)
    assert rate.value is None
    assert not rate.quality.usable


def test_a_flat_signal_is_refused_as_flat():
    rate = ppg_rate(np.full(500, 1234.0), FS)
    assert rate.value is None
    assert rate.quality.reason == "flat"


def test_a_clipped_signal_is_refused_as_clipped():
    sim = simulate(75.0, perfusion_index=5.0)
    pleth = np.minimum(-sim.ir, np.percentile(-sim.ir, 70))  # tops held at a ceiling
    assert clipped_fraction(pleth, FS) > 0.2
    rate = ppg_rate(pleth, FS)
    assert rate.value is None
    assert rate.quality.reason == "clipped"


def test_a_quantised_display_pleth_is_not_mistaken_for_clipping():
    sim = simulate(75.0)
    pleth = -sim.ir
    pleth = np.round(5 + 90 * (pleth - pleth.min()) / np.ptp(pleth))  # 0..100 integers
    assert ppg_rate(pleth, FS).quality.usable


def test_too_few_beats_are_refused():
    sim = simulate(40.0, seconds=3.0)
    rate = ppg_rate(sim.ir[:200], FS, inverted=True)  # 2 s at 40 /min: one or two beats
    assert rate.value is None
    assert rate.quality.reason == "too_few_beats"


@pytest.mark.parametrize(
    ("signal", "fs", "kwargs", "message"),
    [
        (np.full(500, np.nan), FS, {}, "NaN"),
        (np.zeros((2, 500)), FS, {}, "one-dimensional"),
        (np.zeros(500), 0.0, {}, "fs must be"),
        (np.zeros(500), 10.0, {}, "fs must be"),  # too slow for a 0.5-8 Hz band
        (np.zeros(500), 1e5, {}, "fs must be"),
        (np.zeros(100), FS, {}, "too short"),
        (np.zeros(500), FS, {"method": "magic"}, "unknown method"),
    ],
)
def test_bad_input_raises_value_error(signal, fs, kwargs, message):
    with pytest.raises(ValueError, match=message):
        ppg_rate(signal, fs, **kwargs)
