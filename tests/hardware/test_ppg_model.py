"""The PPG model: red and infrared counts whose SpO2, pulses and faults are known."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.sim.ecg_model import ecg_simulate
from hardware.sim.ppg_model import (
    PpgParams,
    PulseShape,
    SpO2Calibration,
    beat_times_from_rr,
    pleth_display,
    ppg_simulate,
)

FS = 100.0


@pytest.fixture(scope="module")
def beats():
    return ecg_simulate(40.0, 250.0, seed=21).beat_times_s


def _ac_dc(x, ppg, lo=0, hi=None):
    """Mean peak-to-trough per beat and the mean level over [lo, hi) samples."""
    hi = x.size if hi is None else hi
    keep = (ppg.foot_indices >= lo) & (ppg.peak_indices < hi)
    ac = x[ppg.foot_indices[keep]] - x[ppg.peak_indices[keep]]  # raw counts dip at systole
    return ac.mean(), x[lo:hi].mean()


@pytest.mark.parametrize("spo2", [100.0, 97.0, 90.0, 80.0])
def test_measured_ratio_of_ratios_reads_as_the_target_spo2(beats, spo2):
    ppg = ppg_simulate(beats, 30.0, FS, PpgParams(spo2=spo2), seed=1)
    ac_red, dc_red = _ac_dc(ppg.red, ppg)
    ac_ir, dc_ir = _ac_dc(ppg.ir, ppg)
    r = (ac_red / dc_red) / (ac_ir / dc_ir)
    assert SpO2Calibration().spo2(r) == pytest.approx(spo2, abs=1.0)
    assert ppg.spo2 == spo2
    assert ppg.ratio == pytest.approx(SpO2Calibration().ratio(spo2))


def test_a_custom_calibration_curve_is_used(beats):
    curve = SpO2Calibration(a=104.0, b=17.0)
    ppg = ppg_simulate(beats, 30.0, FS, PpgParams(spo2=95.0, calibration=curve), seed=1)
    r = (_ac_dc(ppg.red, ppg)[0] / _ac_dc(ppg.red, ppg)[1]) / (
        _ac_dc(ppg.ir, ppg)[0] / _ac_dc(ppg.ir, ppg)[1]
    )
    assert r == pytest.approx(curve.ratio(95.0), rel=0.03)


def test_perfusion_index_is_the_infrared_ac_over_dc(beats):
    ppg = ppg_simulate(beats, 30.0, FS, PpgParams(perfusion_index=1.5), seed=2)
    ac, dc = _ac_dc(ppg.ir, ppg)
    assert 100 * ac / dc == pytest.approx(1.5, rel=0.08)


@given(st.floats(min_value=0.0, max_value=3.0, allow_nan=False))
def test_calibration_ratio_inverts_spo2(r):
    curve = SpO2Calibration()
    assert math.isclose(curve.ratio(curve.spo2(r)), r, abs_tol=1e-12)


def test_default_calibration_is_the_textbook_line():
    curve = SpO2Calibration()
    assert curve.spo2(0.4) == pytest.approx(100.0)
    assert curve.spo2(1.0) == pytest.approx(85.0)


def test_pulse_peaks_are_raw_troughs_a_transit_time_after_the_beat(beats):
    # Without breathing the raw trough is exactly the blood-volume peak (the truth).
    p = PpgParams(noise_counts=0, pulse_transit_s=0.2, baseline_modulation=0.0)
    ppg = ppg_simulate(beats, 30.0, FS, p, seed=3)
    ir = ppg.ir
    for i in ppg.peak_indices:
        assert ir[i] == ir[max(0, i - 8) : i + 9].min()  # +-80 ms
    delay = ppg.foot_indices / FS - ppg.beat_times_s
    assert np.all(np.abs(delay - 0.2) < 0.06)
    assert np.all(ppg.peak_indices > ppg.foot_indices)


def test_pulses_follow_the_driving_heart(beats):
    ppg = ppg_simulate(beats, 30.0, FS, seed=4)
    in_record = beats[(beats + 0.2 >= 0.1) & (beats < 29.0)]
    assert set(np.round(in_record, 6)) <= set(np.round(ppg.beat_times_s, 6))
    assert ppg.heart_rate == pytest.approx(60 / np.mean(np.diff(ppg.beat_times_s)))


def test_finger_out_drops_to_ambient_with_no_pulse(beats):
    p = PpgParams(finger_out=((10.0, 15.0),), ambient_counts=1500.0, noise_counts=8.0)
    ppg = ppg_simulate(beats, 30.0, FS, p, seed=5)
    t = np.arange(ppg.ir.size) / FS
    inside = (t > 10.2) & (t < 14.8)
    assert np.all(ppg.finger_out_mask[inside])
    assert not ppg.finger_out_mask[t < 9.5].any()
    assert ppg.ir[inside].mean() == pytest.approx(1500.0, abs=20)
    ac_in = np.ptp(ppg.ir[inside])
    ac_normal, _ = _ac_dc(ppg.ir, ppg, 0, 900)
    assert ac_in < 0.05 * ac_normal  # only sensor noise remains


def test_motion_makes_large_slow_swings(beats):
    ppg = ppg_simulate(beats, 30.0, FS, PpgParams(motion_segments=((10.0, 20.0),)), seed=6)
    t = np.arange(ppg.ir.size) / FS
    moving, still = (t > 10.2) & (t < 19.8), (t > 21) & (t < 29)
    assert np.all(ppg.motion_mask[moving])
    assert not ppg.motion_mask[still].any()
    assert np.std(ppg.ir[moving]) > 3 * np.std(ppg.ir[still])


def test_breathing_modulates_pulse_amplitude(beats):
    p = PpgParams(amplitude_modulation=0.2, baseline_modulation=0.0, respiratory_rate=12)
    ppg = ppg_simulate(beats, 30.0, FS, p, seed=7)
    ac = ppg.ir[ppg.foot_indices] - ppg.ir[ppg.peak_indices]
    assert ac.max() / ac.min() > 1.3


def test_counts_fit_an_18_bit_converter_and_are_whole(beats):
    ppg = ppg_simulate(beats, 30.0, FS, seed=8)
    for x in (ppg.red, ppg.ir):
        assert x.min() >= 0
        assert x.max() < 2**18
        assert np.array_equal(x, np.round(x))


def test_output_is_repeatable_from_a_seed(beats):
    a = ppg_simulate(beats, 10.0, FS, seed=9)
    b = ppg_simulate(beats, 10.0, FS, seed=9)
    assert np.array_equal(a.ir, b.ir)
    assert np.array_equal(a.red, b.red)


def test_rr_intervals_can_drive_the_pulses():
    beats = beat_times_from_rr([0.8] * 40, start_s=0.3)
    assert beats[0] == 0.3
    ppg = ppg_simulate(beats, 20.0, FS, seed=10)
    assert ppg.heart_rate == pytest.approx(75.0)


def test_pulse_shape_train_swings_exactly_one():
    shape = PulseShape()
    u = np.linspace(0, 1, 1000, endpoint=False)
    train = sum(shape(u - m) for m in range(-3, 4))
    assert np.ptp(train) == pytest.approx(1.0, rel=1e-3)
    assert np.mean(train) == pytest.approx(shape.mean, rel=1e-3)


def test_pleth_display_is_a_0_to_100_wave_at_60_hz(beats):
    ppg = ppg_simulate(beats, 30.0, FS, PpgParams(finger_out=((20.0, 24.0),)), seed=11)
    pleth = pleth_display(ppg.ir, FS, out_fs=60.0)
    assert pleth.dtype == np.uint8
    assert pleth.size == 30 * 60
    assert pleth.max() <= 100
    t = np.arange(pleth.size) / 60.0
    assert np.all(pleth[(t > 20.2) & (t < 23.8)] == 0)
    live = pleth[(t > 3) & (t < 18)]
    assert np.percentile(live, 95) > 70
    assert np.percentile(live, 5) < 30
    # Its peaks are the pulses' blood-volume peaks (raw troughs).
    peak_t = ppg.peak_indices / FS
    peak_t = peak_t[(peak_t > 3) & (peak_t < 18)]
    for tp in peak_t:
        window = (t > tp - 0.15) & (t < tp + 0.15)
        assert pleth[window].max() > 75


@pytest.mark.parametrize(
    "params",
    [
        {"spo2": 120.0},
        {"spo2": 112.0},  # beyond the calibration line
        {"perfusion_index": 0.0},
        {"finger_out": ((3.0, 1.0),)},
        {"amplitude_modulation": 0.9},
    ],
)
def test_bad_parameters_are_refused(params):
    with pytest.raises(ValueError):  # noqa: PT011
        PpgParams(**params)


def test_a_single_beat_cannot_drive_the_model():
    with pytest.raises(ValueError, match="two"):
        ppg_simulate([1.0], 10.0, FS)
