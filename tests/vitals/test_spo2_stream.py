"""The streaming SpO2 analyser pairs red and infrared chunks and agrees with spo2_estimate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.events import SignalKind, WaveformChunk
from hardware.sim.ecg_model import heartbeat_times
from hardware.sim.ppg_model import PpgParams, ppg_simulate
from vitals.ppg import ppg_peaks, rate_from_peaks
from vitals.spo2 import spo2_estimate
from vitals.spo2_stream import Spo2Analyser

FS = 100.0
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
SIM = ppg_simulate(
    heartbeat_times(20.0, heart_rate=70.0, seed=5), 20.0, FS, PpgParams(spo2=91.0), seed=5
)
RED, IR = SignalKind.PPG_RED, SignalKind.PPG_IR


def chunk(kind, i, j, flags=frozenset()):
    x = (SIM.red if kind == RED else SIM.ir)[i:j]
    return WaveformChunk(kind, FS, T0 + timedelta(seconds=i / FS), x, i, "ppg-1", "1", flags)


def cuts(rng: np.random.Generator, n: int, largest: int) -> list[tuple[int, int]]:
    out, i = [], 0
    while i < n:
        j = min(n, i + int(rng.integers(1, largest + 1)))
        out.append((i, j))
        i = j
    return out


def check_offline(update, start=0):
    w = round(update.seconds * FS)
    lo, hi = update.end - w, update.end
    assert lo >= start
    assert update.spo2 == spo2_estimate(SIM.red[lo:hi], SIM.ir[lo:hi], FS)
    pulse = rate_from_peaks(ppg_peaks(SIM.ir[lo:hi], FS, inverted=True))
    assert update.pulse == pulse


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), largest=st.sampled_from([3, 50, 400, 2000]))
def test_red_and_ir_cut_and_ordered_differently_give_the_offline_answer(seed, largest):
    rng = np.random.default_rng(seed)
    chunks = [chunk(RED, i, j) for i, j in cuts(rng, SIM.ir.size, largest)]
    chunks += [chunk(IR, i, j) for i, j in cuts(rng, SIM.ir.size, largest)]
    # Each channel in order, the two interleaved at random.
    order = sorted(range(len(chunks)), key=lambda k: chunks[k].seq + rng.uniform(0, 300))
    order = sorted(order, key=lambda k: (chunks[k].kind, chunks[k].seq))
    red_first = [k for k in order if chunks[k].kind == RED]
    ir_first = [k for k in order if chunks[k].kind == IR]
    merged, a, b = [], 0, 0
    while a < len(red_first) or b < len(ir_first):
        if b >= len(ir_first) or (a < len(red_first) and rng.random() < 0.5):
            merged.append(red_first[a])
            a += 1
        else:
            merged.append(ir_first[b])
            b += 1
    analyser = Spo2Analyser()
    updates = [u for k in merged for u in analyser.push(chunks[k])]
    assert [u.end for u in updates] == list(range(400, 2001, 100))
    for u in updates:
        check_offline(u)
        assert u.at == T0 + timedelta(seconds=u.end / FS)
    last = analyser.latest
    assert last is not None
    assert last.spo2.value == pytest.approx(91.0, abs=1.0)
    assert last.pulse.value == pytest.approx(SIM.heart_rate, abs=2.0)
    assert last.spo2.perfusion_index == pytest.approx(2.0, rel=0.05)


def test_arrays_of_both_channels_give_the_same_updates():
    analyser, updates = Spo2Analyser(), []
    for i, j in cuts(np.random.default_rng(7), SIM.ir.size, 180):
        updates += analyser.push_pair(SIM.red[i:j], SIM.ir[i:j], fs=FS)
    assert [u.end for u in updates] == list(range(400, 2001, 100))
    for u in updates:
        check_offline(u)
        assert u.at is None


def test_a_chunk_lost_on_one_channel_restarts_both_windows():
    analyser = Spo2Analyser()
    for i in range(0, 2000, 100):
        if i != 800:  # the red chunk of samples 800-899 is lost
            analyser.push(chunk(RED, i, i + 100))
    updates = [u for i in range(0, 2000, 100) for u in analyser.push(chunk(IR, i, i + 100))]
    assert analyser.gaps == 1
    assert [u.end for u in updates] == [400, 500, 600, 700, 800, *range(1300, 2001, 100)]
    for u in updates[5:]:
        check_offline(u, start=900)


def test_a_channel_that_never_comes_does_not_pile_up():
    analyser = Spo2Analyser()
    for i in range(0, 7000, 100):
        red = WaveformChunk(RED, FS, T0, SIM.red[i % 2000 : i % 2000 + 100], i, "ppg-1", "1")
        assert analyser.push(red) == []
    assert sum(p.samples.size for p in analyser._pending[0]) == 6000  # a minute
    assert analyser._pending[0][0].start == 1000


def test_a_saturated_chunk_refuses_the_windows_that_hold_it():
    analyser = Spo2Analyser()
    updates = []
    for i in range(0, 2000, 100):
        flags = frozenset({"saturated"}) if i == 1000 else frozenset()
        updates += analyser.push(chunk(RED, i, i + 100, flags))
        updates += analyser.push(chunk(IR, i, i + 100))
    for u in updates:
        holds = u.end - round(u.seconds * FS) < 1100 and u.end > 1000
        assert (u.spo2.quality.reason == "saturated") == holds
        assert (u.pulse.quality.reason == "saturated") == holds
        assert (u.spo2.value is None) == holds


def test_a_finger_pulled_out_gives_neither_spo2_nor_pulse():
    sim = ppg_simulate(
        heartbeat_times(10.0, seed=1), 10.0, FS, PpgParams(finger_out=((0.0, 10.0),)), seed=1
    )
    (update, *_) = Spo2Analyser(step_s=8.0, min_s=8.0).push_pair(sim.red, sim.ir, fs=FS)
    assert (update.spo2.value, update.spo2.quality.reason) == (None, "finger_out")
    assert (update.pulse.value, update.pulse.quality.reason) == (None, "finger_out")


def test_the_calibration_is_chosen_by_sensor_model():
    analyser = Spo2Analyser(calibration="maxm86161-fitted", step_s=8.0, min_s=8.0)
    (update,) = analyser.push_pair(SIM.red[:800], SIM.ir[:800], fs=FS)
    assert update.spo2.calibration == "maxm86161-fitted"
    assert update.spo2.value == pytest.approx(110.25 - 32.50 * SIM.ratio, abs=1.0)


def test_bad_input_raises_value_error():
    with pytest.raises(ValueError, match="PPG_RED and PPG_IR"):
        Spo2Analyser().push(WaveformChunk(SignalKind.PLETH, 60.0, T0, np.zeros(6), 0, "oxi", "1"))
    with pytest.raises(ValueError, match="same number"):
        Spo2Analyser().push_pair(np.zeros(5), np.zeros(6), fs=FS)
    with pytest.raises(ValueError, match="fs is unknown"):
        Spo2Analyser().push_pair(np.zeros(5), np.zeros(5))
    with pytest.raises(ValueError, match="unknown calibration"):
        Spo2Analyser(calibration="no-such-sensor")
    with pytest.raises(ValueError, match="finite"):
        Spo2Analyser().push_pair(np.full(5, np.inf), np.zeros(5), fs=FS)
    with pytest.raises(ValueError, match="fs must be"):
        Spo2Analyser().push_pair(np.zeros(5), np.zeros(5), fs=1e4)
