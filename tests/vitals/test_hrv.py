"""Heart rate, RR intervals and time-domain HRV against the simulator's true RR series."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.sim.ecg_model import EcgParams, ecg_simulate
from vitals.ecg import ecg_peaks
from vitals.hrv import ecg_rate, heart_rate, hrv_time, nn_mask, rr_series


def sim(seconds=120.0, seed=1, **params):
    return ecg_simulate(seconds, 500.0, EcgParams(**params), seed=seed)


def truth_hrv(rr_s):
    nn = 1000.0 * rr_s
    d = np.diff(nn)
    return np.std(nn, ddof=1), np.sqrt(np.mean(d**2)), 100.0 * np.mean(np.abs(d) > 50.0)


@pytest.mark.parametrize(("rate", "std"), [(45.0, 3.0), (70.0, 2.0), (130.0, 3.0)])
def test_heart_rate_matches_the_true_rr(rate, std):
    ecg = sim(60.0, heart_rate=rate, heart_rate_std=std, seed=2)
    hr = ecg_rate(ecg.lead_ii, 500.0)
    assert hr.quality.usable
    assert hr.unit == "/min"
    assert hr.value == pytest.approx(ecg.heart_rate, abs=0.2)


def test_hrv_matches_the_true_nn_intervals():
    ecg = sim(180.0, heart_rate=65, heart_rate_std=4.0, respiratory_rate=12, seed=3)
    hrv = hrv_time(ecg_peaks(ecg.lead_ii, 500.0))
    sdnn, rmssd, pnn50 = truth_hrv(ecg.rr_intervals_s)
    assert hrv.quality.usable
    assert hrv.excluded < 0.05
    assert hrv.sdnn == pytest.approx(sdnn, rel=0.05)
    assert hrv.rmssd == pytest.approx(rmssd, rel=0.05)
    assert hrv.pnn50 == pytest.approx(pnn50, abs=3.0)
    assert dict(hrv.units) == {"sdnn": "ms", "rmssd": "ms", "pnn50": "%", "mean_nn": "ms"}


def test_premature_beats_and_their_pauses_leave_the_nn_series():
    ecg = sim(180.0, heart_rate=70, ectopic_beats=0.05, seed=4)
    assert ecg.ectopic.sum() >= 5
    peaks = ecg_peaks(ecg.lead_ii, 500.0)
    rr = rr_series(peaks)
    # Truth: intervals neither ending on nor starting from an ectopic beat.
    clean = ~(ecg.ectopic[1:] | ecg.ectopic[:-1])
    sdnn, rmssd, _ = truth_hrv(ecg.rr_intervals_s[clean])
    hrv = hrv_time(peaks)
    assert rr.intervals.size == ecg.rr_intervals_s.size
    assert not np.any(rr.normal & ~clean)  # every interval next to a PVC is excluded
    assert hrv.sdnn == pytest.approx(sdnn, rel=0.1)
    assert hrv.rmssd == pytest.approx(rmssd, rel=0.15)
    with_ectopy = 1000.0 * np.sqrt(np.mean(np.diff(ecg.rr_intervals_s) ** 2))
    assert with_ectopy > 3 * hrv.rmssd  # what not filtering would have reported


def test_nn_filter_rejects_a_missed_beat():
    rr = np.full(21, 0.8)
    rr[10] = 1.6  # one beat missed
    keep = nn_mask(rr)
    assert not keep[10]
    assert keep.sum() == 20


def test_atrial_fibrillation_gives_no_hrv():
    ecg = sim(90.0, heart_rate=90, af_segments=((0.0, 90.0),), seed=5)
    hrv = hrv_time(ecg_peaks(ecg.lead_ii, 500.0))
    assert (hrv.sdnn, hrv.quality.usable, hrv.quality.reason) == (None, False, "irregular")


def test_short_recordings_give_rate_but_no_hrv():
    peaks = ecg_peaks(sim(20.0, seed=6).lead_ii, 500.0)
    assert heart_rate(peaks).value is not None
    hrv = hrv_time(peaks)
    assert (hrv.rmssd, hrv.quality.reason) == (None, "too_short")


def test_short_recordings_score_lower_than_five_minutes():
    short = hrv_time(ecg_peaks(sim(60.0, seed=7).lead_ii, 500.0))
    assert short.quality.usable
    assert short.quality.score < 0.6


def test_refused_peaks_give_no_rate_and_no_hrv():
    ecg = sim(30.0, lead_off=((0.0, 30.0),), seed=8)
    peaks = ecg_peaks(ecg.lead_ii, 500.0)
    hr, hrv = heart_rate(peaks), hrv_time(peaks)
    assert hr.value is None
    assert hr.quality.reason == "lead_off"
    assert hrv.sdnn is None
    assert hrv.quality.reason == "lead_off"
