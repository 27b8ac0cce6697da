"""SpO2, ratio of ratios, perfusion index and calibration curves on seeded red/IR."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hardware.sim.ecg_model import heartbeat_times
from hardware.sim.ppg_model import PpgParams, SimulatedPpg, SpO2Calibration, ppg_simulate
from vitals.spo2 import perfusion_index, spo2_estimate, spo2_ratio
from vitals.spo2_calibration import (
    CALIBRATIONS,
    DEFAULT_CALIBRATION,
    Calibration,
    fit_calibration,
    get_calibration,
)

FS = 100.0


def simulate(
    spo2: float = 97.0, seconds: float = 8.0, seed: int = 1, heart_rate: float = 75.0, **kw: object
) -> SimulatedPpg:
    beats = heartbeat_times(seconds, heart_rate=heart_rate, seed=seed)
    params = PpgParams(spo2=spo2, **kw)  # type: ignore[arg-type]
    return ppg_simulate(beats, seconds, FS, params, seed=seed)


@pytest.mark.parametrize("spo2", [70.0, 75.0, 80.0, 85.0, 90.0, 95.0, 98.0, 100.0])
@pytest.mark.parametrize("pi", [0.3, 2.0, 8.0])
def test_spo2_within_one_percent_across_70_to_100(spo2, pi):
    sim = simulate(spo2, perfusion_index=pi, noise_counts=15.0, seed=int(spo2 * 10 + pi))
    est = spo2_estimate(sim.red, sim.ir, FS)
    assert est.quality.usable, est.quality
    assert est.value == pytest.approx(spo2, abs=1.0)
    assert est.ratio == pytest.approx(sim.ratio, rel=0.03)
    assert (est.unit, est.fs, est.calibration) == ("%", FS, DEFAULT_CALIBRATION)


@pytest.mark.parametrize("method", ["beat", "regression"])
def test_both_ratio_methods_find_the_built_in_ratio(method):
    sim = simulate(88.0, perfusion_index=1.0)
    r = spo2_ratio(sim.red, sim.ir, FS, method=method)
    assert r.value == pytest.approx(sim.ratio, rel=0.02)
    assert r.beat_ratios.size >= 8
    assert r.spread < 0.1
    assert r.unit == "1"


@pytest.mark.parametrize("pi", [0.5, 2.0, 10.0])
def test_perfusion_index_within_five_percent_of_truth(pi):
    sim = simulate(perfusion_index=pi)
    got = perfusion_index(sim.ir, FS)
    assert got.value == pytest.approx(pi, rel=0.05)
    assert got.unit == "%"
    assert spo2_estimate(sim.red, sim.ir, FS).perfusion_index == pytest.approx(pi, rel=0.05)


def test_a_sensor_read_with_its_own_curve_is_right_and_with_another_is_not():
    line = SpO2Calibration(a=120.0, b=35.0)
    sim = simulate(97.0, calibration=line)
    own = spo2_estimate(sim.red, sim.ir, FS, calibration=Calibration("own", 120.0, 35.0))
    generic = spo2_estimate(sim.red, sim.ir, FS)
    assert own.value == pytest.approx(97.0, abs=1.0)
    assert generic.value == pytest.approx(110.0 - 25.0 * 23.0 / 35.0, abs=1.0)  # 93.6 %


@pytest.mark.parametrize("depth", [0.02, 0.05])
def test_hand_movement_gives_no_number(depth):
    sim = simulate(92.0, motion_segments=((0.0, 8.0),), motion_depth=depth)
    est = spo2_estimate(sim.red, sim.ir, FS)
    assert est.value is None
    assert est.quality.reason == "motion"


def test_a_finger_pulled_out_is_refused_as_finger_out():
    sim = simulate(finger_out=((3.0, 5.0),))
    est = spo2_estimate(sim.red, sim.ir, FS)
    assert (est.value, est.quality.reason) == (None, "finger_out")
    assert perfusion_index(sim.ir, FS).quality.reason == "finger_out"


def test_light_near_the_ambient_level_is_finger_out():
    sim = simulate(dc_red=9_000.0, dc_ir=9_000.0)  # above 2 % of full scale
    assert spo2_estimate(sim.red, sim.ir, FS).quality.usable
    est = spo2_estimate(sim.red, sim.ir, FS, ambient=4_000.0)
    assert est.quality.reason == "finger_out"


def test_a_channel_at_the_18_bit_ceiling_is_saturated():
    sim = simulate(dc_ir=258_000.0, perfusion_index=5.0)  # pulse troughs reach 2**18 - 1
    assert sim.ir.max() == 2**18 - 1
    est = spo2_estimate(sim.red, sim.ir, FS)
    assert (est.value, est.quality.reason) == (None, "saturated")
    wider = spo2_estimate(sim.red, sim.ir, FS, adc_bits=19)  # a 19-bit part is not saturated
    assert wider.quality.reason != "saturated"


def test_no_pulse_is_refused():
    rng = np.random.default_rng(0)
    red, ir = (level + 8.0 * rng.standard_normal(800) for level in (90_000.0, 120_000.0))
    est = spo2_estimate(red, ir, FS)
    assert (est.value, est.quality.reason) == (None, "no_pulse")


def test_a_reading_far_above_100_is_refused_and_just_above_is_capped():
    sim = simulate(99.0)
    high = spo2_estimate(sim.red, sim.ir, FS, calibration=Calibration("high", 130.0, 25.0))
    assert (high.value, high.quality.reason) == (None, "out_of_range")
    capped = spo2_estimate(sim.red, sim.ir, FS, calibration=Calibration("c", 112.0, 25.0))
    assert capped.value == 100.0


def test_below_70_percent_is_kept_with_a_low_score():
    sim = simulate(65.0)
    est = spo2_estimate(sim.red, sim.ir, FS)
    assert est.value == pytest.approx(65.0, abs=1.0)
    assert est.quality.usable
    assert est.quality.score <= 0.5


@pytest.mark.parametrize(
    ("red", "ir", "fs", "kwargs", "message"),
    [
        (np.ones(800), np.ones(700), FS, {}, "same number"),
        (np.full(800, np.nan), np.ones(800), FS, {}, "NaN"),
        (np.ones(800), np.ones(800), 5.0, {}, "fs must be"),
        (np.ones(100), np.ones(100), FS, {}, "too short"),
        (np.ones(800), np.ones(800), FS, {"method": "magic"}, "unknown method"),
        (np.ones(800), np.ones(800), FS, {"detector": "magic"}, "unknown detector"),
        (np.ones(800), np.ones(800), FS, {"adc_bits": 40}, "adc_bits"),
        (np.ones(800), np.ones(800), FS, {"calibration": "no-such-sensor"}, "unknown calib"),
    ],
)
def test_bad_input_raises_value_error(red, ir, fs, kwargs, message):
    with pytest.raises(ValueError, match=message):
        spo2_estimate(red, ir, fs, **kwargs)


def test_the_registry_names_its_curves():
    assert DEFAULT_CALIBRATION == "generic-110-25"
    assert set(CALIBRATIONS) >= {"generic-110-25", "maxm86161-fitted"}
    generic = get_calibration("generic-110-25")
    assert generic.spo2(0.4) == pytest.approx(100.0)
    assert get_calibration(generic) is generic
    for name, cal in CALIBRATIONS.items():
        assert cal.name == name
        assert cal.source
        assert cal.spo2(1.0) < cal.spo2(0.5)


def test_a_fit_recovers_a_line_and_a_quadratic():
    r = np.linspace(0.4, 1.6, 12)
    line = fit_calibration(r, 112.0 - 28.0 * r, name="kit")
    assert (line.a, line.b, line.c, line.name) == pytest.approx((112.0, 28.0, 0.0, "kit"))
    quad = fit_calibration(r, 120.0 - 40.0 * r + 5.0 * r * r, quadratic=True)
    assert (quad.a, quad.b, quad.c) == pytest.approx((120.0, 40.0, 5.0))
    assert quad.ratio(quad.spo2(0.9)) == pytest.approx(0.9)
    assert line.ratio(line.spo2(0.9)) == pytest.approx(0.9)


@pytest.mark.parametrize(
    ("ratios", "reference", "message"),
    [
        ([0.5, 0.6], [99.0, 97.0], "at least 3"),
        ([0.5, 0.6, 0.7], [99.0, 97.0], "same length"),
        ([0.5, math.nan, 0.7], [99.0, 97.0, 95.0], "finite"),
        ([0.7, 0.7, 0.7], [99.0, 97.0, 95.0], "distinct"),
        ([0.5, 0.6, 0.7], [90.0, 95.0, 99.0], "must fall"),  # SpO2 rising with R
    ],
)
def test_a_bad_fit_raises_value_error(ratios, reference, message):
    with pytest.raises(ValueError, match=message):
        fit_calibration(ratios, reference)


def test_a_curve_must_fall_with_r():
    with pytest.raises(ValueError, match="must fall"):
        Calibration("up", 80.0, -10.0)
    with pytest.raises(ValueError, match="must fall"):
        Calibration("turns", 110.0, 25.0, 20.0)  # turns back up at 102 %
    with pytest.raises(ValueError, match="finite"):
        Calibration("nan", math.nan, 25.0)
    assert Calibration("line", 110.0, 25.0).r_max == math.inf
