"""The ECGSYN model: a heart whose every beat is known."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from hardware.sim.ecg_model import EcgParams, ecg_simulate, heartbeat_times
from hardware.sim.ecg_waves import LEAD_II_WAVES


@pytest.fixture(scope="module")
def minute():
    return ecg_simulate(60.0, 500.0, EcgParams(heart_rate=72, heart_rate_std=3), seed=7)


def test_r_peak_truth_sits_on_local_maxima_of_lead_ii(minute):
    x = minute.lead_ii
    for i in minute.r_peaks:
        lo, hi = max(0, i - 25), min(x.size, i + 26)  # +-50 ms
        assert x[i] == x[lo:hi].max()
    assert np.all(x[minute.r_peaks] > 0.7)


def test_r_peaks_lie_within_a_few_samples_of_the_model_r_events(minute):
    offset = minute.r_peaks - minute.beat_times_s * minute.fs
    assert np.all(np.abs(offset) <= 3)


def test_mean_heart_rate_over_a_minute_is_within_1_bpm_of_the_target(minute):
    assert abs(minute.heart_rate - 72) < 1.0
    assert abs(60 / np.mean(np.diff(minute.r_peaks) / minute.fs) - 72) < 1.0


def test_heart_rate_std_is_roughly_as_asked(minute):
    hr = 60 / minute.rr_intervals_s
    assert 2.2 < hr.std() < 3.8


def test_rr_intervals_are_the_gaps_between_beats(minute):
    assert minute.rr_intervals_s.size == minute.r_peaks.size - 1
    assert np.allclose(np.diff(minute.beat_times_s), minute.rr_intervals_s)


def test_sixty_seconds_at_500_hz_has_the_right_shape(minute):
    assert minute.lead_i.shape == minute.lead_ii.shape == (30_000,)
    assert minute.lead_i.dtype == np.float64
    assert 0.3 < np.percentile(minute.lead_i[minute.r_peaks], 50) < 1.0  # lead I smaller
    assert np.allclose(minute.lead_iii, minute.lead_ii - minute.lead_i)


def test_output_is_repeatable_from_a_seed():
    a = ecg_simulate(5.0, 250.0, seed=11)
    b = ecg_simulate(5.0, 250.0, seed=11)
    c = ecg_simulate(5.0, 250.0, seed=12)
    assert np.array_equal(a.lead_ii, b.lead_ii)
    assert np.array_equal(a.r_peaks, b.r_peaks)
    assert not np.array_equal(a.lead_ii, c.lead_ii)


def test_noise_settings_do_not_change_the_heart():
    clean = ecg_simulate(10.0, 360.0, seed=4)
    noisy = ecg_simulate(10.0, 360.0, EcgParams(noise_mv=0.05), seed=4)
    assert np.array_equal(clean.r_peaks, noisy.r_peaks)
    assert np.std(noisy.lead_ii - clean.lead_ii) == pytest.approx(0.05, rel=0.05)


def test_result_arrays_are_read_only(minute):
    with pytest.raises(ValueError, match="read-only"):
        minute.lead_ii[0] = 1.0


def test_model_matches_direct_integration_of_the_mcsharry_ode():
    """Integrate the full 3-D system of McSharry et al. (2003) and compare lead II."""
    ecg = ecg_simulate(
        8.0,
        250.0,
        EcgParams(heart_rate=60, heart_rate_std=0, respiratory_baseline_mv=0),
        seed=3,
    )
    rr, t_r = ecg.rr_intervals_s[0], ecg.beat_times_s[0]
    assert rr == pytest.approx(1.0)
    theta_i, a_i, b_i = (
        np.array(v) for v in (LEAD_II_WAVES.theta, LEAD_II_WAVES.a, LEAD_II_WAVES.b)
    )

    def ode(_t, s):
        x, y, z = s
        alpha, omega = 1 - math.hypot(x, y), 2 * math.pi / rr
        d = np.mod(math.atan2(y, x) - theta_i + math.pi, 2 * math.pi) - math.pi
        dz = -np.sum(a_i * d * np.exp(-(d**2) / (2 * b_i**2))) - z
        return [alpha * x - omega * y, alpha * y + omega * x, dz]

    t = np.arange(ecg.lead_ii.size) / ecg.fs
    th0 = 2 * math.pi * (0.0 - t_r) / rr
    sol = solve_ivp(
        ode, (0, t[-1]), [math.cos(th0), math.sin(th0), 0.0], t_eval=t, max_step=0.004, rtol=1e-8
    )
    # Same system up to the mV scale and the decaying memory of z's start value.
    basis = np.column_stack([sol.y[2], np.exp(-t)])
    coef, *_ = np.linalg.lstsq(basis, ecg.lead_ii, rcond=None)
    assert np.max(np.abs(ecg.lead_ii - basis @ coef)) < 0.002 * np.max(ecg.lead_ii)


def test_af_segment_rr_is_irregular_and_sinus_rr_is_not():
    ecg = ecg_simulate(60.0, 250.0, EcgParams(af_segments=((20.0, 50.0),)), seed=5)
    af = ecg.atrial_fibrillation
    both_af = af[1:] & af[:-1]
    both_sinus = ~af[1:] & ~af[:-1] & ~ecg.ectopic[1:]
    rr = ecg.rr_intervals_s
    assert rr[both_af].std() / rr[both_af].mean() > 0.15
    assert rr[both_sinus].std() / rr[both_sinus].mean() < 0.06
    t = np.arange(ecg.lead_ii.size) / ecg.fs
    assert np.array_equal(ecg.af_mask, (t >= 20) & (t < 50))
    assert np.array_equal(af, (ecg.beat_times_s >= 20) & (ecg.beat_times_s < 50))


def _p_wave_heights(ecg, beats):
    """Height of the P wave (150 ms before R) above the preceding TP baseline, mV."""
    fs, x, out = ecg.fs, ecg.lead_ii, []
    for i in beats:
        r = ecg.r_peaks[i]
        p_wave = x[r - round(0.22 * fs) : r - round(0.09 * fs)]
        tp = x[r - round(0.33 * fs) : r - round(0.25 * fs)]
        out.append(p_wave.max() - np.median(tp))
    return np.array(out)


def test_af_beats_have_no_p_waves():
    ecg = ecg_simulate(60.0, 500.0, EcgParams(af_segments=((20.0, 50.0),), af_fwave_mv=0.0), seed=6)
    # Only beats after a long enough pause, so the previous T wave is out of the way.
    long_rr = np.concatenate(([False], ecg.rr_intervals_s > 0.8))
    af = np.flatnonzero(ecg.atrial_fibrillation & long_rr)
    sinus = np.flatnonzero(~ecg.atrial_fibrillation & long_rr & ~ecg.ectopic)[1:]
    assert af.size > 5
    assert sinus.size > 5
    sinus_p, af_p = _p_wave_heights(ecg, sinus), _p_wave_heights(ecg, af)
    assert np.min(sinus_p) > 0.2
    assert np.median(af_p) < 0.03
    assert np.max(af_p) < 0.06


def test_ectopic_beats_come_early_with_a_compensatory_pause():
    ecg = ecg_simulate(20.0, 500.0, EcgParams(heart_rate=60, ectopic_beats=(5, 12)), seed=8)
    assert np.flatnonzero(ecg.ectopic).tolist() == [5, 12]
    rr = ecg.rr_intervals_s
    for i in (5, 12):
        assert rr[i - 1] == pytest.approx(0.6 * (rr[i - 1] + rr[i]) / 2, rel=0.1)
        assert rr[i - 1] + rr[i] == pytest.approx(2.0, rel=0.1)
    # The ectopic QRS is wide: it stays above half its height for longer.
    x = ecg.lead_ii

    def width(i):
        r = ecg.r_peaks[i]
        return np.sum(x[r - 50 : r + 50] > x[r] / 2)

    assert width(5) > 2 * width(4)


def test_ectopic_beats_at_a_rate():
    ecg = ecg_simulate(120.0, 250.0, EcgParams(ectopic_beats=0.1), seed=9)
    assert 0.04 < ecg.ectopic.mean() < 0.18


def test_lead_off_holds_the_output_at_the_rail_and_is_masked():
    ecg = ecg_simulate(10.0, 250.0, EcgParams(lead_off=((3.0, 5.0),), full_scale_mv=5.0), seed=1)
    t = np.arange(ecg.lead_ii.size) / ecg.fs
    off = (t >= 3) & (t < 5)
    assert np.array_equal(ecg.lead_off_mask, off)
    assert np.all(ecg.lead_i[off] == 5.0)
    assert np.all(ecg.lead_ii[off] == 5.0)
    assert np.all(np.abs(ecg.lead_ii[~off]) < 5.0)


def test_mains_interference_has_the_asked_frequency_and_amplitude():
    clean = ecg_simulate(10.0, 500.0, seed=2)
    hum = ecg_simulate(10.0, 500.0, EcgParams(mains_hz=50.0, mains_mv=0.2), seed=2)
    d = hum.lead_ii - clean.lead_ii
    spectrum = np.abs(np.fft.rfft(d)) * 2 / d.size
    f = np.fft.rfftfreq(d.size, 1 / 500.0)
    assert f[np.argmax(spectrum)] == pytest.approx(50.0)
    assert spectrum.max() == pytest.approx(0.2, rel=0.02)


def test_emg_noise_is_band_limited_with_the_asked_rms():
    clean = ecg_simulate(10.0, 500.0, seed=2)
    emg = ecg_simulate(10.0, 500.0, EcgParams(emg_mv=0.05), seed=2)
    d = emg.lead_i - clean.lead_i
    assert np.sqrt(np.mean(d**2)) == pytest.approx(0.05, rel=0.05)
    power = np.abs(np.fft.rfft(d)) ** 2
    f = np.fft.rfftfreq(d.size, 1 / 500.0)
    assert power[(f > 20) & (f < 150)].sum() > 0.9 * power.sum()


def test_heartbeat_times_follow_the_asked_rate():
    beats = heartbeat_times(60.0, heart_rate=80, heart_rate_std=2, seed=1)
    assert beats[0] >= 0
    assert beats[-1] < 60
    assert 60 / np.mean(np.diff(beats)) == pytest.approx(80, abs=1.5)


@pytest.mark.parametrize(
    "params",
    [
        {"heart_rate": 10},
        {"heart_rate_std": -1},
        {"af_segments": ((5.0, 2.0),)},
        {"ectopic_beats": (-1,)},
        {"ectopic_beats": 0.9},
        {"noise_mv": -0.1},
    ],
)
def test_bad_parameters_are_refused(params):
    with pytest.raises(ValueError):  # noqa: PT011
        EcgParams(**params)
