"""The streaming pulse-rate analyser agrees with ppg_rate on the same samples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.events import SignalKind, WaveformChunk
from hardware.sim.ecg_model import heartbeat_times
from hardware.sim.ppg_model import PpgParams, ppg_simulate
from vitals.ppg import ppg_rate
from vitals.ppg_stream import PpgAnalyser

FS = 100.0
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
SIM = ppg_simulate(heartbeat_times(30.0, heart_rate=78.0, seed=4), 30.0, FS, PpgParams(), seed=4)


def chunk(x, seq, kind=SignalKind.PPG_IR, flags=frozenset(), fs=FS):
    start = T0 + timedelta(seconds=seq / fs)
    return WaveformChunk(kind, fs, start, x, seq, "ppg-1", "1", flags)


def cuts(rng: np.random.Generator, n: int, largest: int) -> list[tuple[int, int]]:
    out, i = [], 0
    while i < n:
        j = min(n, i + int(rng.integers(1, largest + 1)))
        out.append((i, j))
        i = j
    return out


def offline(x, update, inverted=True):
    w = round(update.seconds * FS)
    return ppg_rate(x[update.end - w : update.end], FS, inverted=inverted)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), largest=st.sampled_from([1, 7, 64, 333, 3000]))
def test_chunks_of_any_size_give_the_offline_answer_on_the_same_window(seed, largest):
    analyser = PpgAnalyser()
    updates = []
    for i, j in cuts(np.random.default_rng(seed), SIM.ir.size, largest):
        updates += analyser.push(chunk(SIM.ir[i:j], i))
    assert [u.end for u in updates] == list(range(400, 3001, 100))  # from 4 s, every 1 s
    for u in updates:
        assert u.rate == offline(SIM.ir, u)
        assert u.at == T0 + timedelta(seconds=u.end / FS)
    assert analyser.latest == updates[-1]
    assert updates[-1].seconds == 8.0
    assert updates[-1].rate.value == pytest.approx(SIM.heart_rate, abs=2.0)


def test_arrays_give_the_same_updates_as_chunks():
    analyser, by_array = PpgAnalyser(inverted=True), []
    for i, j in cuts(np.random.default_rng(1), SIM.ir.size, 250):
        by_array += analyser.push(SIM.ir[i:j], fs=FS)
    by_chunk = PpgAnalyser().push(chunk(SIM.ir, 0))
    assert [u.rate for u in by_array] == [u.rate for u in by_chunk]
    assert all(u.at is None for u in by_array)


def test_a_value_is_never_more_than_a_second_behind_its_data():
    analyser = PpgAnalyser()
    for i, j in cuts(np.random.default_rng(2), SIM.ir.size, 90):
        analyser.push(chunk(SIM.ir[i:j], i))
        if j >= 400:
            assert analyser.latest is not None
            assert j - analyser.latest.end < FS  # within 1 s (the step)


def test_a_pleth_chunk_is_read_blood_volume_up():
    pleth = -SIM.ir
    updates = PpgAnalyser().push(chunk(pleth, 0, SignalKind.PLETH))
    assert updates[-1].rate == offline(pleth, updates[-1], inverted=False)


def test_a_gap_restarts_the_window():
    analyser = PpgAnalyser()
    first = analyser.push(chunk(SIM.ir[:1000], 0))
    after = analyser.push(chunk(SIM.ir[1200:2000], 1200))  # 2 s lost
    assert analyser.gaps == 1
    assert first[-1].end == 1000
    assert [u.end for u in after] == [1600, 1700, 1800, 1900, 2000]  # 4 s after the gap
    assert after[0].seconds == 4.0
    assert after[0].rate == ppg_rate(SIM.ir[1200:1600], FS, inverted=True)


def test_a_change_of_rate_restarts_the_window():
    analyser = PpgAnalyser()
    analyser.push(chunk(SIM.ir[:600], 0))
    analyser.push(chunk(SIM.ir[600:900], 600, fs=50.0))
    assert analyser.gaps == 1
    assert analyser.fs == 50.0


def test_a_flagged_chunk_refuses_every_window_that_holds_it():
    analyser = PpgAnalyser()
    analyser.push(chunk(SIM.ir[:1000], 0))
    flagged = analyser.push(chunk(SIM.ir[1000:1050], 1000, flags=frozenset({"finger_out"})))
    assert flagged == []
    later = analyser.push(chunk(SIM.ir[1050:2000], 1050))
    for u in later:
        holds_flag = u.end - round(u.seconds * FS) < 1050
        assert (u.rate.quality.reason == "finger_out") == holds_flag
        assert (u.rate.value is None) == holds_flag


def test_bad_input_raises_value_error():
    with pytest.raises(ValueError, match="fs is unknown"):
        PpgAnalyser().push(np.zeros(10))
    with pytest.raises(ValueError, match="PPG chunks"):
        PpgAnalyser().push(chunk(SIM.ir[:10], 0, SignalKind.ECG_II))
    with pytest.raises(ValueError, match="min_s"):
        PpgAnalyser(window_s=4.0, min_s=6.0)
    with pytest.raises(ValueError, match="fs must be"):
        PpgAnalyser().push(chunk(SIM.ir[:10], 0, fs=5.0))
    analyser = PpgAnalyser()
    analyser.push(chunk(SIM.ir[:300], 0))
    bad = SIM.ir[300:500].copy()
    bad[7] = np.nan
    with pytest.raises(ValueError, match="finite"):
        analyser.push(chunk(bad, 300))
    assert analyser.push(chunk(SIM.ir[300:500], 300))[0].end == 400  # nothing was taken in
