"""Respiratory rate from ECG and PPG modulations: simulated truth, bidmc01, bad input."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from scipy import signal as sps

from hardware.events import SignalKind, WaveformChunk
from hardware.sim import EcgParams, PpgParams, ecg_simulate, ppg_simulate
from vitals.resp import resp_rate_from_beats, resp_rate_fuse
from vitals.resp_stream import RespirationAnalyser

BIDMC = Path(__file__).resolve().parents[3] / "shared" / "data" / "bidmc01" / "bidmc_01_Signals.csv"


def simulate(rate, seed, duration=40.0, hr=70.0, lf_hf=0.2):
    """ECG and PPG of one heart; lf_hf sets the Mayer waves (0.1 Hz) against the RSA."""
    params = EcgParams(respiratory_rate=rate, heart_rate=hr, lf_hf_ratio=lf_hf)
    ecg = ecg_simulate(duration, 250.0, params, seed=seed)
    ppg = ppg_simulate(
        ecg.beat_times_s, duration, 100.0, PpgParams(respiratory_rate=rate), seed=seed
    )
    return ecg, ppg


def r_peaks(x, fs):
    """A minimal R-peak detector for clean test signals (the real one is vitals.ecg)."""
    sos = sps.butter(2, [5, 20], btype="bandpass", fs=fs, output="sos")
    e = sps.sosfiltfilt(sos, x) ** 2
    peaks, _ = sps.find_peaks(e, distance=round(0.3 * fs), height=0.2 * np.percentile(e, 99.5))
    half = round(0.05 * fs)
    return np.array(
        [max(0, p - half) + int(np.argmax(x[max(0, p - half) : p + half])) for p in peaks]
    )


def pulse_peaks(x, fs):
    sos = sps.butter(2, [0.5, 8], btype="bandpass", fs=fs, output="sos")
    y = sps.sosfiltfilt(sos, x)
    return sps.find_peaks(y, distance=round(0.33 * fs), prominence=0.5 * np.std(y))[0]


@pytest.mark.parametrize(("rate", "seed"), [(8, 1), (12, 3), (15, 3), (20, 4), (25, 5)])
def test_fused_rate_matches_the_simulated_breathing(rate, seed):
    ecg, ppg = simulate(rate, seed)
    e = resp_rate_from_beats(ecg.lead_ii, ecg.fs, ecg.r_peaks, kind="ecg")
    p = resp_rate_from_beats(-ppg.ir, ppg.fs, ppg.peak_indices, kind="ppg")
    fused = resp_rate_fuse(e, p)
    assert fused.quality.usable
    assert fused.value == pytest.approx(rate, abs=1.0)
    assert (fused.unit, fused.method, len(fused.modulations)) == ("/min", "fusion", 6)


@pytest.mark.parametrize(("rate", "seed"), [(10, 6), (18, 7)])
def test_ppg_alone_gives_the_rate(rate, seed):
    _, ppg = simulate(rate, seed)
    p = resp_rate_from_beats(-ppg.ir, ppg.fs, ppg.peak_indices, kind="ppg")
    assert p.quality.usable
    assert p.value == pytest.approx(rate, abs=1.0)


def test_ecg_alone_gives_the_rate_and_each_modulation_is_reported():
    ecg, _ = simulate(15, 3)
    e = resp_rate_from_beats(ecg.lead_ii, ecg.fs, ecg.r_peaks, kind="ecg")
    assert e.value == pytest.approx(15, abs=1.0)
    assert [m.name for m in e.modulations] == ["ecg_frequency", "ecg_amplitude", "ecg_baseline"]
    single = resp_rate_from_beats(ecg.lead_ii, ecg.fs, ecg.r_peaks, kind="ecg", method="baseline")
    assert single.value == pytest.approx(15, abs=1.0)


@pytest.mark.parametrize(("rate", "seed"), [(12, 2), (15, 3), (20, 4), (30, 5), (10, 13)])
def test_strong_mayer_waves_give_the_rate_or_a_refusal_never_the_mayer_rate(rate, seed):
    """Mayer waves at 6 /min (LF/HF 0.5) modulate the beat intervals like breathing."""
    ecg, ppg = simulate(rate, seed, lf_hf=0.5)
    e = resp_rate_from_beats(ecg.lead_ii, ecg.fs, ecg.r_peaks, kind="ecg")
    p = resp_rate_from_beats(-ppg.ir, ppg.fs, ppg.peak_indices, kind="ppg")
    fused = resp_rate_fuse(e, p)
    if fused.quality.usable:
        assert fused.value == pytest.approx(rate, abs=1.0)
    else:
        assert fused.quality.reason == "modulations_disagree"


def test_signals_that_disagree_are_refused():
    """ECG breathing at 10 /min and PPG at 24 /min cannot both be right."""
    ecg, _ = simulate(10, 8)
    _, ppg = simulate(24, 9)
    e = resp_rate_from_beats(ecg.lead_ii, ecg.fs, ecg.r_peaks, kind="ecg")
    p = resp_rate_from_beats(-ppg.ir, ppg.fs, ppg.peak_indices, kind="ppg")
    fused = resp_rate_fuse(e, p)
    assert not fused.quality.usable
    assert fused.quality.reason == "modulations_disagree"
    assert fused.value is None


def test_no_breathing_modulation_is_refused():
    beats = np.arange(0.3, 40.0, 0.8)  # a metronome heart, no breathing in the PPG
    params = PpgParams(amplitude_modulation=0.0, baseline_modulation=0.0)
    ppg = ppg_simulate(beats, 40.0, 100.0, params, seed=10)
    p = resp_rate_from_beats(-ppg.ir, ppg.fs, ppg.peak_indices, kind="ppg")
    assert not p.quality.usable


@pytest.mark.parametrize(
    ("signal", "beats", "kw", "message"),
    [
        (np.full(5000, np.nan), [10, 20], {}, "NaN"),
        (np.zeros(500), [10, 20], {}, "too short"),
        (np.zeros(5000), [10, 9000], {}, "within the signal"),
        (np.zeros(5000), [1.5, 2.5], {}, "sample indices"),
        (np.ones(5000), [10, 20], {"kind": "eeg"}, "kind"),
        (np.ones(5000), [10, 20], {"method": "magic"}, "method"),
    ],
)
def test_bad_input_raises(signal, beats, kw, message):
    with pytest.raises(ValueError, match=message):
        resp_rate_from_beats(signal, 100.0, np.asarray(beats), **kw)


def test_flat_signal_and_too_few_beats_are_refused():
    assert resp_rate_from_beats(np.ones(5000), 100.0, [10, 20]).quality.reason == "flat"
    x = np.random.default_rng(0).standard_normal(5000)
    assert resp_rate_from_beats(x, 100.0, [10, 200, 400]).quality.reason == "too_few_beats"
    with pytest.raises(ValueError, match="fs"):
        resp_rate_from_beats(x, 5.0, [10, 20])


def _chunks(kind, x, fs, rng):
    i = 0
    while i < x.size:
        n = int(rng.integers(1, 400))
        yield WaveformChunk(kind, fs, datetime.now(UTC), x[i : i + n], i, "dev", "1")
        i += n


def test_streaming_equals_offline_for_any_chunking():
    ecg, _ = simulate(15, 11, duration=50.0)
    fs, x = ecg.fs, ecg.lead_ii
    an = RespirationAnalyser(window_s=32.0, step_s=1.0, ecg_detector=r_peaks)
    full = round(32.0 * fs)
    ends = []
    for c in _chunks(SignalKind.ECG_II, x, fs, np.random.default_rng(11)):
        if (r := an.push(c)) is not None:
            end = c.seq + len(c)
            ends.append(end)
            window = x[end - full : end]
            offline = resp_rate_from_beats(window, fs, r_peaks(window, fs), kind="ecg")
            assert r == offline
    assert ends[0] >= full
    # A value at least every step_s of data (plus the chunk that crosses it).
    assert max(np.diff(ends)) <= round(1.0 * fs) + 400
    assert an.latest is not None
    assert an.latest.value == pytest.approx(15, abs=1.5)


def test_streaming_fuses_ecg_and_raw_ppg():
    ecg, ppg = simulate(18, 12, duration=40.0)
    an = RespirationAnalyser(ecg_detector=r_peaks, ppg_detector=pulse_peaks)
    rng = np.random.default_rng(12)
    streams = [
        list(_chunks(SignalKind.ECG_II, ecg.lead_ii, ecg.fs, rng)),
        list(_chunks(SignalKind.PPG_IR, ppg.ir, ppg.fs, rng)),  # raw counts: inverted inside
    ]
    for a, b in zip(*streams, strict=False):
        an.push(a)
        an.push(b)
    for rest in (streams[0][len(streams[1]) :], streams[1][len(streams[0]) :]):
        for c in rest:
            an.push(c)
    assert an.latest is not None
    assert an.latest.value == pytest.approx(18, abs=1.0)
    assert {m.name.split("_")[0] for m in an.latest.modulations} == {"ecg", "ppg"}


def test_streaming_rejects_cuff_pressure():
    chunk = WaveformChunk(
        SignalKind.CUFF_PRESSURE, 100.0, datetime.now(UTC), np.zeros(5), 0, "c", "mm[Hg]"
    )
    with pytest.raises(ValueError, match="ECG and PPG"):
        RespirationAnalyser().push(chunk)
    with pytest.raises(ValueError, match="window_s"):
        RespirationAnalyser(window_s=5.0)


@pytest.mark.skipif(not BIDMC.exists(), reason=f"bidmc01 not found at {BIDMC} (shared/data absent)")
def test_bidmc01_rate_follows_the_impedance_reference():
    raw = np.genfromtxt(BIDMC, delimiter=",", skip_header=1, max_rows=125 * 200)
    fs = (raw.shape[0] - 1) / (raw[-1, 0] - raw[0, 0])
    errors = []
    for start in (10.0, 60.0, 110.0, 160.0):
        sl = slice(round(start * fs), round((start + 32.0) * fs))
        resp, pleth, ecg = raw[sl, 1], raw[sl, 2], raw[sl, 5]
        e = resp_rate_from_beats(ecg, fs, r_peaks(ecg, fs), kind="ecg")
        p = resp_rate_from_beats(pleth, fs, pulse_peaks(pleth, fs), kind="ppg")
        fused = resp_rate_fuse(e, p)
        sos = sps.butter(2, [0.1, 1.0], btype="bandpass", fs=fs, output="sos")
        f, pxx = sps.periodogram(sps.sosfiltfilt(sos, resp), fs, nfft=1 << 16)
        reference = 60.0 * f[np.argmax(pxx)]
        if fused.quality.usable:
            errors.append(abs(fused.value - reference))
    assert len(errors) >= 3  # most windows give a value
    assert max(errors) < 2.0
