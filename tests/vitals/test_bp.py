"""Oscillometric blood pressure on simulated cuff cycles with known truth."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hardware.sim import CuffParams, cuff_simulate
from vitals.bp import bp_oscillometric


def record(seed=0, **kw):
    params = {"systolic": 130.0, "diastolic": 80.0, **kw}
    return cuff_simulate(CuffParams(**params), seed=seed)


@pytest.mark.parametrize(
    ("sbp", "dbp", "hr", "seed"),
    [(95, 55, 60, 1), (120, 80, 72, 2), (150, 95, 85, 3), (178, 105, 55, 4), (140, 60, 95, 5)],
)
def test_pressures_are_within_a_few_mmhg_of_the_truth(sbp, dbp, hr, seed):
    rec = record(seed, systolic=sbp, diastolic=dbp, heart_rate=hr)
    bp = bp_oscillometric(rec.pressure, rec.fs)
    assert bp.quality.usable
    assert bp.quality.score > 0.9
    assert bp.systolic == pytest.approx(sbp, abs=3.0)
    assert bp.diastolic == pytest.approx(dbp, abs=3.0)
    assert bp.mean == pytest.approx(rec.mean, abs=3.0)
    assert bp.pulse_rate == pytest.approx(hr, abs=1.5)
    assert (bp.unit, bp.fs, bp.method) == ("mm[Hg]", rec.fs, "ratio")
    assert not bp.irregular
    assert not bp.movement
    assert bp.flags == frozenset()


def test_mean_pressure_is_where_the_envelope_peaks():
    rec = record(6)
    bp = bp_oscillometric(rec.pressure, rec.fs)
    env = bp.envelope
    assert env is not None
    at_mean = np.interp(bp.mean, env.pressure[::-1], env.amplitude[::-1])
    assert at_mean >= 0.99 * env.amplitude.max()  # the top (MAP from a wider smoother)
    true_peak = rec.beat_cuff_mmhg[np.argmax(rec.beat_amplitudes_mmhg)]
    assert bp.mean == pytest.approx(true_peak, abs=3.0)


def test_slope_method_reads_pressures_too():
    rec = record(7)
    bp = bp_oscillometric(rec.pressure, rec.fs, method="slope")
    assert bp.quality.usable
    assert bp.method == "slope"
    assert bp.systolic == pytest.approx(130, abs=5.0)
    assert bp.diastolic == pytest.approx(80, abs=5.0)


def test_other_characteristic_ratios_move_the_estimate_as_documented():
    """The arm's ratios are unknown: 0.45 instead of the assumed 0.55 reads SBP low."""
    rec = record(8, systolic=160, diastolic=80, systolic_ratio=0.45)
    bp = bp_oscillometric(rec.pressure, rec.fs)
    assert bp.quality.usable
    assert -12.0 < bp.systolic - 160 < -2.0
    told = bp_oscillometric(rec.pressure, rec.fs, systolic_ratio=0.45)
    assert told.systolic == pytest.approx(160, abs=3.0)


def test_irregular_rhythm_is_flagged_but_measured():
    rec = record(9, irregular_rr_cv=0.2)
    bp = bp_oscillometric(rec.pressure, rec.fs)
    assert bp.quality.usable
    assert bp.irregular
    assert "irregular_pulse" in bp.flags
    assert bp.systolic == pytest.approx(130, abs=4.0)
    assert bp.diastolic == pytest.approx(80, abs=4.0)


def test_one_movement_is_flagged_and_bridged():
    rec = record(10, movement_times_s=(22.0,))
    bp = bp_oscillometric(rec.pressure, rec.fs)
    assert bp.quality.usable
    assert bp.movement
    assert "body_movement" in bp.flags
    assert bp.systolic == pytest.approx(130, abs=4.0)
    assert bp.diastolic == pytest.approx(80, abs=4.0)


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"leak_time_constant_s": 30.0}, "leak"),  # the monitor dumps after 1 s
        ({"leak_time_constant_s": 10.0}, "leak"),  # inflation stalls
        ({"deflate_rate": 8.0}, "deflation_too_fast"),
        ({"movement_times_s": tuple(np.arange(14.0, 36.0, 3.5))}, "movement"),
        ({"stop_below_diastolic": -8.0}, "deflation_above_diastolic"),
    ],
)
def test_unmeasurable_cycles_are_refused_with_a_reason(kw, reason):
    rec = record(11, **kw)
    bp = bp_oscillometric(rec.pressure, rec.fs)
    assert not bp.quality.usable
    assert bp.quality.reason == reason
    assert (bp.systolic, bp.diastolic, bp.mean) == (None, None, None)


def test_inflation_below_systolic_is_refused():
    """The cuff only reached 115 mmHg: rebuild the cycle from that point of a real one."""
    rec = record(12, systolic=150, diastolic=90)
    fs = rec.fs
    deflating = np.flatnonzero(rec.cuff_mmhg[rec.deflate_start :] <= 115.0)[0] + rec.deflate_start
    ramp = np.linspace(0.0, rec.pressure[deflating], round(115 / 17 * fs))
    pressure = np.concatenate([np.zeros(round(fs)), ramp, rec.pressure[deflating:]])
    bp = bp_oscillometric(pressure, fs)
    assert bp.quality.reason == "inflation_below_systolic"


def test_too_few_oscillations_are_refused():
    """A narrow window of oscillations: the envelope cannot be drawn from 5 beats."""
    rec = record(13, heart_rate=30, deflate_rate=4.5, systolic=100, diastolic=90)
    bp = bp_oscillometric(rec.pressure, rec.fs)
    assert not bp.quality.usable
    assert bp.quality.reason in {"too_few_oscillations", "deflation_too_fast"}


def test_a_noisy_sensor_is_refused_not_guessed():
    rec = record(14, noise_mmhg=1.0)
    bp = bp_oscillometric(rec.pressure, rec.fs)
    assert not bp.quality.usable
    assert bp.systolic is None


def test_only_the_first_cycle_is_read_and_the_tail_does_not_matter():
    rec = record(15)
    short = bp_oscillometric(rec.pressure[: rec.done_index], rec.fs)
    twice = bp_oscillometric(np.concatenate([rec.pressure, rec.pressure]), rec.fs)
    assert short.systolic == twice.systolic
    assert short.mean == twice.mean


@pytest.mark.parametrize(
    ("signal", "fs", "message"),
    [
        (np.full(1000, np.nan), 100.0, "NaN"),
        (np.zeros((2, 1000)), 100.0, "one-dimensional"),
        (np.zeros(100), 100.0, "too short"),
        (np.zeros(1000), 5.0, "fs must be"),
        (np.zeros(1000), math.inf, "fs must be"),
    ],
)
def test_bad_input_raises(signal, fs, message):
    with pytest.raises(ValueError, match=message):
        bp_oscillometric(signal, fs)


def test_bad_arguments_raise():
    rec = record(16)
    with pytest.raises(ValueError, match="method"):
        bp_oscillometric(rec.pressure, rec.fs, method="magic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ratios"):
        bp_oscillometric(rec.pressure, rec.fs, systolic_ratio=1.2)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda rec: np.full(rec.pressure.size, 3.0), "flat"),
        (lambda rec: np.minimum(rec.pressure, 120.0), "clipped"),
        (lambda rec: 0.2 * rec.pressure, "no_inflation"),
    ],
)
def test_unusable_signals_are_refused(make, reason):
    rec = record(17)
    bp = bp_oscillometric(make(rec), rec.fs)
    assert bp.quality.reason == reason
    assert bp.mean is None


def test_a_wrong_sampling_rate_leaves_the_pressures_and_shows_in_the_pulse_rate():
    """Pressures are read against cuff pressure, not time: told 50 Hz for a 100 Hz record,
    only the rates halve (deflation 1.5 mmHg/s, pulse 35 /min)."""
    rec = record(18)
    right, wrong = bp_oscillometric(rec.pressure, rec.fs), bp_oscillometric(rec.pressure, 50.0)
    assert wrong.systolic == pytest.approx(right.systolic, abs=3.0)  # filters scale with fs
    assert wrong.pulse_rate == pytest.approx(right.pulse_rate / 2, rel=0.05)
    assert wrong.deflation_rate == pytest.approx(1.5, abs=0.1)
