"""The streaming BpAnalyser against the offline function."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from hardware.events import SignalKind, WaveformChunk
from hardware.sim import CuffParams, cuff_simulate
from vitals.bp import bp_oscillometric
from vitals.bp_stream import BpAnalyser


def chunks(x, fs, rng, most=250, seq=0):
    i = 0
    while i < x.size:
        n = int(rng.integers(1, most))
        yield WaveformChunk(
            SignalKind.CUFF_PRESSURE, fs, datetime.now(UTC), x[i : i + n], seq + i, "cuff",
            "mm[Hg]",
        )  # fmt: skip
        i += n


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_streaming_equals_offline_for_any_chunking(seed):
    rec = cuff_simulate(CuffParams(systolic=140, diastolic=85), seed=seed, tail_s=3.0)
    offline = bp_oscillometric(rec.pressure, rec.fs)
    an = BpAnalyser()
    results = [
        r for c in chunks(rec.pressure, rec.fs, np.random.default_rng(seed)) if (r := an.push(c))
    ]
    assert len(results) == 1
    assert results[0] == offline or (
        results[0].systolic == offline.systolic
        and results[0].diastolic == offline.diastolic
        and results[0].mean == offline.mean
        and results[0].quality == offline.quality
    )
    assert an.latest is results[0]


def test_the_result_comes_within_2_s_of_the_end_of_deflation():
    rec = cuff_simulate(CuffParams(), seed=3, tail_s=3.0)
    an = BpAnalyser()
    for c in chunks(rec.pressure, rec.fs, np.random.default_rng(3), most=10):
        if an.push(c) is not None:
            at = c.seq + len(c)
            break
    else:
        pytest.fail("no result")
    assert rec.dump_start is not None
    assert 0 < (at - rec.dump_start) / rec.fs <= 2.0


def test_two_cycles_in_one_stream_give_two_results():
    a = cuff_simulate(CuffParams(systolic=120, diastolic=75), seed=4, tail_s=2.0)
    b = cuff_simulate(CuffParams(systolic=160, diastolic=95), seed=5, tail_s=2.0)
    an = BpAnalyser(fs=100.0)
    results = []
    for part in np.array_split(np.concatenate([a.pressure, b.pressure]), 37):
        if (r := an.push(part)) is not None:
            results.append(r)
    assert [r.systolic for r in results] == [pytest.approx(120, abs=4), pytest.approx(160, abs=4)]


def test_a_gap_drops_the_cycle_under_way():
    rec = cuff_simulate(CuffParams(), seed=6)
    an = BpAnalyser()
    got = []
    for c in chunks(rec.pressure, rec.fs, np.random.default_rng(6)):
        if c.seq > 2000 and an.gaps == 0:  # lose one chunk mid-deflation
            c = WaveformChunk(c.kind, c.fs, c.start, c.samples, c.seq + 50, c.device_id, c.unit)
        got.append(an.push(c))
    assert an.gaps >= 1
    assert all(r is None for r in got)


def test_other_signals_are_rejected():
    an = BpAnalyser()
    chunk = WaveformChunk(SignalKind.ECG_II, 250.0, datetime.now(UTC), np.zeros(10), 0, "ecg", "mV")
    with pytest.raises(ValueError, match="cuff pressure"):
        an.push(chunk)
    with pytest.raises(ValueError, match="fs is unknown"):
        BpAnalyser().push(np.zeros(10))
