"""The streaming analyser: any chunk sizes, the offline answer, updates within 2 s."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from hardware.events import SignalKind, WaveformChunk
from hardware.sim.ecg_model import EcgParams, ecg_simulate
from vitals.ecg import ecg_peaks
from vitals.ecg_stream import EcgAnalyser

FS = 500.0


def chunks(x, sizes, fs=FS, start_seq=0):
    """Cut x into WaveformChunks of the given sizes, as a driver would emit them."""
    i, out = 0, []
    for n in sizes:
        if i >= x.size:
            break
        out.append(WaveformChunk(SignalKind.ECG_II, fs, datetime.now(UTC), x[i : i + n],
                                 start_seq + i, "ecg", "mV"))  # fmt: skip
        i += n
    return out


def random_sizes(seed, lo=1, hi=700):
    rng = np.random.default_rng(seed)
    return iter(lambda: int(rng.integers(lo, hi)), None)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_chunks_give_the_offline_peaks(seed):
    ecg = ecg_simulate(90.0, FS, EcgParams(heart_rate=75, ectopic_beats=0.08, noise_mv=0.03,
                                           emg_mv=0.03), seed=seed)  # fmt: skip
    offline = ecg_peaks(ecg.lead_ii, FS).indices
    analyser = EcgAnalyser()
    for chunk in chunks(ecg.lead_ii, random_sizes(seed)):
        analyser.push(chunk)
    analyser.flush()
    assert np.array_equal(analyser.peaks, offline)


def test_arrays_and_single_samples_work_too():
    x = ecg_simulate(30.0, FS, EcgParams(heart_rate=66), seed=4).lead_ii
    analyser = EcgAnalyser(FS, hop_s=1.0)
    for v in x[: round(10 * FS)]:
        analyser.push(np.array([v]))
    analyser.push(x[round(10 * FS) :])
    analyser.flush()
    assert np.array_equal(analyser.peaks, ecg_peaks(x, FS).indices)


def test_each_beat_shows_within_two_seconds():
    ecg = ecg_simulate(40.0, FS, EcgParams(heart_rate=80), seed=5)
    analyser = EcgAnalyser(FS)
    pushed, late = 0, []
    for chunk in chunks(ecg.lead_ii, random_sizes(5, 50, 200)):
        analyser.push(chunk)
        pushed += len(chunk)
        seen = analyser.peaks
        for r in ecg.r_peaks:
            waited = (pushed - r) / FS
            if r > 4.0 * FS and 2.0 <= waited < 2.0 + len(chunk) / FS:
                late.extend([] if np.min(np.abs(seen - r)) <= 2 else [r])
    assert late == []


def test_heart_rate_follows_a_change_within_the_rate_window():
    slow = ecg_simulate(30.0, FS, EcgParams(heart_rate=60, heart_rate_std=1), seed=6)
    fast = ecg_simulate(30.0, FS, EcgParams(heart_rate=100, heart_rate_std=1), seed=7)
    cut_slow = slow.r_peaks[-3] + round(0.4 * FS)
    cut_fast = fast.r_peaks[2] + round(0.35 * FS)
    x = np.concatenate([slow.lead_ii[:cut_slow], fast.lead_ii[cut_fast:]])
    analyser = EcgAnalyser(FS)
    rates = []
    for chunk in chunks(x, random_sizes(8, 100, 300)):
        rate = analyser.push(chunk)
        if rate is not None:
            rates.append((analyser._window.total / FS, rate.value))
    before = [v for t, v in rates if 15.0 < t < cut_slow / FS]
    after = [v for t, v in rates if t > cut_slow / FS + 11.0]
    assert before
    assert after
    assert all(v is not None and abs(v - 60.0) < 4 for v in before)
    assert all(v is not None and abs(v - 100.0) < 5 for v in after)


def test_a_gap_in_the_stream_starts_again():
    x = ecg_simulate(30.0, FS, EcgParams(heart_rate=70), seed=9).lead_ii
    analyser = EcgAnalyser()
    for chunk in chunks(x[: round(12 * FS)], [250] * 100):
        analyser.push(chunk)
    assert analyser.peaks.size > 10
    for chunk in chunks(x[round(13 * FS) :], [250] * 100, start_seq=round(13 * FS)):
        analyser.push(chunk)
    analyser.flush()
    expected = ecg_peaks(x[round(13 * FS) :], FS).indices
    assert np.array_equal(analyser.peaks, expected)


def test_lead_off_in_the_stream_withholds_the_rate():
    ecg = ecg_simulate(30.0, FS, EcgParams(heart_rate=70, lead_off=((10.0, 30.0),)), seed=10)
    analyser = EcgAnalyser()
    rate = None
    for chunk in chunks(ecg.lead_ii, [500] * 60):
        rate = analyser.push(chunk) or rate
    assert rate is not None
    assert rate.value is None
    assert rate.quality.reason == "lead_off"


def test_bad_samples_and_settings_raise():
    analyser = EcgAnalyser(FS)
    with pytest.raises(ValueError, match="NaN"):
        analyser.push(np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="window_s"):
        EcgAnalyser(FS, window_s=5.0, settle_s=10.0)
    with pytest.raises(ValueError, match="fs is unknown"):
        EcgAnalyser().push(np.zeros(10))
