"""Rhythm flags on simulated rhythms with known truth."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.sim.ecg_model import EcgParams, ecg_simulate
from vitals.ecg import ecg_peaks
from vitals.rhythm import af_statistics, ecg_rhythm, rhythm_flags


def sim(seconds=60.0, seed=1, **params):
    return ecg_simulate(seconds, 500.0, EcgParams(**params), seed=seed)


def with_pause(ecg, after_beat, seconds):
    """Insert a stretch of (slightly noisy) diastolic baseline after the T wave of a beat."""
    r, following = ecg.r_peaks[after_beat], ecg.r_peaks[after_beat + 1]
    cut = r + round(0.7 * (following - r))
    x = ecg.lead_ii
    rng = np.random.default_rng(0)
    gap = x[cut] + 0.01 * rng.standard_normal(round(seconds * ecg.fs))
    return np.concatenate([x[:cut], gap, x[cut:]])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sinus_rhythm_raises_no_flag(seed):
    flags = ecg_rhythm(sim(seed=seed, heart_rate=72, heart_rate_std=4).lead_ii, 500.0)
    assert flags.quality.usable
    assert flags.atrial_fibrillation is False
    assert not (flags.bradycardia)
    assert not (flags.tachycardia)
    assert not (flags.frequent_ectopy)
    assert flags.pauses == ()
    assert flags.ectopic_beats == 0


@pytest.mark.parametrize(("seed", "rate"), [(4, 75.0), (5, 110.0), (6, 60.0)])
def test_atrial_fibrillation_is_flagged(seed, rate):
    ecg = sim(90.0, seed=seed, heart_rate=rate, af_segments=((0.0, 90.0),))
    flags = ecg_rhythm(ecg.lead_ii, 500.0)
    assert flags.atrial_fibrillation is True
    assert flags.ectopic_beats is None  # prematurity means nothing in AF


def test_an_af_episode_in_sinus_rhythm_is_flagged_where_it_is():
    ecg = sim(150.0, seed=7, heart_rate=70, af_segments=((75.0, 150.0),))
    peaks = ecg_peaks(ecg.lead_ii, 500.0)
    half = round(75.0 * 500)
    first = ecg_rhythm(ecg.lead_ii[:half], 500.0)
    second = ecg_rhythm(ecg.lead_ii[half:], 500.0)
    assert (first.atrial_fibrillation, second.atrial_fibrillation) == (False, True)
    assert 0.2 <= (rhythm_flags(peaks).af_windows or 0.0) <= 0.8


def test_sinus_rhythm_with_premature_beats_is_not_called_af():
    ecg = sim(120.0, seed=8, heart_rate=75, ectopic_beats=0.12)
    flags = ecg_rhythm(ecg.lead_ii, 500.0)
    assert flags.atrial_fibrillation is False
    assert flags.ectopic_beats == pytest.approx(int(ecg.ectopic.sum()), abs=1)
    assert flags.frequent_ectopy


def test_occasional_premature_beats_are_counted_not_frequent():
    ecg = sim(120.0, seed=9, heart_rate=70, ectopic_beats=(20, 80))
    flags = ecg_rhythm(ecg.lead_ii, 500.0)
    assert flags.ectopic_beats == 2
    assert not flags.frequent_ectopy


def test_too_few_beats_are_not_judged_for_af():
    flags = ecg_rhythm(sim(20.0, seed=10).lead_ii, 500.0)
    assert flags.atrial_fibrillation is None
    assert flags.af_windows is None


@pytest.mark.parametrize(("rate", "brady", "tachy"), [(42.0, True, False), (125.0, False, True)])
def test_bradycardia_and_tachycardia(rate, brady, tachy):
    flags = ecg_rhythm(sim(seed=11, heart_rate=rate).lead_ii, 500.0)
    assert (flags.bradycardia, flags.tachycardia) == (brady, tachy)


def test_a_pause_is_flagged_with_its_length():
    ecg = sim(40.0, seed=12, heart_rate=70)
    flags = ecg_rhythm(with_pause(ecg, 20, 2.5), 500.0)
    true_rr = float(np.diff(ecg.r_peaks)[20]) / 500.0 + 2.5
    assert len(flags.pauses) == 1
    assert flags.pauses[0][1] == pytest.approx(true_rr, abs=0.004)
    assert flags.significant_pause
    assert flags.longest_rr == pytest.approx(true_rr, abs=0.004)


def test_a_refused_record_raises_no_flag():
    ecg = sim(30.0, seed=13, heart_rate=40, lead_off=((0.0, 30.0),))
    flags = ecg_rhythm(ecg.lead_ii, 500.0)
    assert not flags.quality.usable
    assert flags.heart_rate is None
    assert not (flags.bradycardia)
    assert not (flags.tachycardia)
    assert flags.atrial_fibrillation is None


def test_af_statistics_of_regular_and_random_series():
    rng = np.random.default_rng(0)
    regular = af_statistics(0.8 + 0.02 * np.sin(np.arange(64) / 3))
    random = af_statistics(rng.gamma(16.0, 0.05, 64))
    assert not regular.irregular
    assert random.irregular
    with pytest.raises(ValueError, match="at least 8"):
        af_statistics([0.8] * 5)
