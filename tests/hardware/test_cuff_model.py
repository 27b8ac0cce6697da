"""The oscillometric cuff model: a pressure cycle whose blood pressure and phases are known."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.sim.cuff_model import CuffCycle, CuffParams, CuffPhase
from hardware.sim.cuff_record import cuff_simulate

FS = 100.0


@pytest.fixture(scope="module")
def cycle():
    return cuff_simulate(CuffParams(systolic=130, diastolic=85, heart_rate=72), FS, seed=1)


def test_envelope_peaks_at_mean_arterial_pressure(cycle):
    assert cycle.mean == pytest.approx(85 + 45 / 3)
    p = np.linspace(40, 180, 14001)
    assert p[np.argmax(cycle.envelope(p))] == pytest.approx(cycle.mean, abs=0.02)
    deflating = cycle.beat_cuff_mmhg < cycle.params.target - 1  # beats on the way down
    biggest = np.argmax(np.where(deflating, cycle.beat_amplitudes_mmhg, 0))
    assert cycle.beat_cuff_mmhg[biggest] == pytest.approx(cycle.mean, abs=2.0)


def test_envelope_at_systolic_and_diastolic_equals_the_chosen_ratios():
    params = CuffParams(systolic_ratio=0.5, diastolic_ratio=0.8, max_oscillation_mmhg=2.5)
    env = params.envelope([params.systolic, params.mean_pressure, params.diastolic])
    assert env.tolist() == pytest.approx([0.5 * 2.5, 2.5, 0.8 * 2.5])


def test_oscillations_die_fast_above_systolic_and_fade_slowly_below_diastolic(cycle):
    env = cycle.envelope
    assert env(cycle.systolic + 30) < 0.1 * 2.0
    assert env(cycle.diastolic - 30) > 2 * env(cycle.systolic + 30)


def test_pulses_in_the_signal_have_the_envelope_amplitude(cycle):
    oscillation = cycle.pressure - cycle.cuff_mmhg
    t = np.arange(cycle.pressure.size) / FS
    onsets = cycle.beat_times_s
    checked = 0
    for k in range(1, onsets.size - 1):
        if cycle.beat_amplitudes_mmhg[k] < 1.0:
            continue
        beat = (t >= onsets[k]) & (t < onsets[k + 1])
        assert np.ptp(oscillation[beat]) == pytest.approx(cycle.beat_amplitudes_mmhg[k], abs=0.3)
        checked += 1
    assert checked > 10
    assert cycle.beat_amplitudes_mmhg.max() == pytest.approx(2.0, rel=0.02)


def test_phases_follow_inflate_deflate_dump_done(cycle):
    phases = [ph for _, ph in cycle.transitions]
    assert phases == [
        CuffPhase.IDLE,
        CuffPhase.INFLATING,
        CuffPhase.DEFLATING,
        CuffPhase.DUMPING,
        CuffPhase.DONE,
    ]
    assert cycle.inflate_start == 100  # one idle second
    assert cycle.cuff_mmhg[cycle.deflate_start] == pytest.approx(160.0)  # systolic + 30
    assert cycle.cuff_mmhg[cycle.dump_start] <= 85 - 20
    assert cycle.cuff_mmhg[cycle.dump_start - 1] > 85 - 20
    assert cycle.cuff_mmhg[-1] < 3.0


def test_inflation_and_deflation_run_at_the_set_rates():
    c = cuff_simulate(CuffParams(inflate_rate=18.0, deflate_rate=2.5), FS, seed=2)
    up = slice(c.inflate_start + 10, c.deflate_start - 10)
    down = slice(c.deflate_start + 10, c.dump_start - 10)
    t = np.arange(c.pressure.size) / FS
    assert np.polyfit(t[up], c.pressure[up], 1)[0] == pytest.approx(18.0, rel=0.02)
    assert np.polyfit(t[down], c.pressure[down], 1)[0] == pytest.approx(-2.5, rel=0.02)


def test_a_leak_stops_inflation_short_and_is_flagged():
    c = cuff_simulate(CuffParams(leak_time_constant_s=8.0), FS, seed=3)
    phases = [ph for _, ph in c.transitions]
    assert CuffPhase.LEAK in phases
    assert CuffPhase.DEFLATING not in phases
    assert c.cuff_mmhg.max() < c.params.target - 20
    leak_at = c.phase_start(CuffPhase.LEAK)
    assert c.cuff_mmhg[-1] < 3.0
    assert c.dump_start == leak_at


def test_a_slow_leak_makes_deflation_too_fast_and_is_flagged():
    c = cuff_simulate(CuffParams(leak_time_constant_s=30.0), FS, seed=3)
    phases = [ph for _, ph in c.transitions]
    assert phases[:4] == [CuffPhase.IDLE, CuffPhase.INFLATING, CuffPhase.DEFLATING, CuffPhase.LEAK]
    # Deflating, it lost more than twice the set 3 mmHg/s.
    d, leak = c.deflate_start, c.phase_start(CuffPhase.LEAK)
    assert (c.cuff_mmhg[d] - c.cuff_mmhg[leak]) / ((leak - d) / FS) > 6.0


def test_over_pressure_keeps_inflating_past_the_limit_until_told_to_deflate():
    params = CuffParams(over_pressure=True, pressure_limit_mmhg=300, pump_max_mmhg=330)
    c = cuff_simulate(params, FS, seed=4, emergency_deflate_at_s=25.0)
    over = c.phase_start(CuffPhase.OVER_PRESSURE)
    assert over is not None
    assert c.cuff_mmhg[over] > 300
    assert c.cuff_mmhg.max() == pytest.approx(330.0)
    assert c.phase_start(CuffPhase.DUMPING) == 2500
    assert c.cuff_mmhg[2499] == pytest.approx(330.0)


def test_emergency_deflate_brings_pressure_below_15_within_3_s():
    stream = CuffCycle(CuffParams(), FS, seed=5)
    stream.next_chunk(50)
    stream.start()
    stream.next_chunk(800)  # 8 s of inflation
    assert stream.phase is CuffPhase.INFLATING
    assert stream.pressure > 130
    stream.emergency_deflate()
    assert stream.phase is CuffPhase.DUMPING
    chunk = stream.next_chunk(300)
    assert chunk.samples[-1] < 15.0
    assert chunk.cuff_mmhg[-1] < 15.0
    assert stream.phase is CuffPhase.DONE


def test_emergency_deflate_from_over_pressure_also_dumps_fast():
    c = cuff_simulate(CuffParams(over_pressure=True), FS, seed=6, emergency_deflate_at_s=30.0)
    assert c.pressure[3000 + 300] < 15.0


def test_streaming_in_any_chunk_sizes_gives_the_same_samples():
    params = CuffParams(irregular_rr_cv=0.2, movement_times_s=(12.0,))
    whole = cuff_simulate(params, FS, seed=7)
    stream = CuffCycle(params, FS, seed=7)
    parts = [stream.next_chunk(100)]
    stream.start()
    sizes = iter([1, 7, 33, 250, 3, 64] * 100)
    while sum(p.samples.size for p in parts) < whole.pressure.size:
        left = whole.pressure.size - sum(p.samples.size for p in parts)
        parts.append(stream.next_chunk(min(next(sizes), left)))
    assert np.allclose(np.concatenate([p.samples for p in parts]), whole.pressure)
    assert stream.transitions == whole.transitions


def test_start_only_from_idle():
    stream = CuffCycle(seed=8)
    stream.start()
    with pytest.raises(RuntimeError):
        stream.start()


def test_movement_adds_a_pressure_spike():
    c = cuff_simulate(CuffParams(movement_times_s=(20.0,), movement_mmhg=15.0), FS, seed=9)
    extra = c.pressure - c.cuff_mmhg
    assert extra[2000:2050].max() > 8.0
    assert np.abs(extra[1500:1990]).max() < 3.0


def test_irregular_beats_have_irregular_intervals():
    c = cuff_simulate(CuffParams(irregular_rr_cv=0.25), FS, seed=10)
    rr = np.diff(c.beat_times_s)
    assert rr.std() / rr.mean() > 0.15
    regular = np.diff(cuff_simulate(CuffParams(), FS, seed=10).beat_times_s)
    assert regular.std() < 1e-9


def test_a_given_rr_series_sets_the_beats():
    rr = (0.8, 0.9, 1.0, 0.7) * 15
    c = cuff_simulate(CuffParams(rr_intervals_s=rr), FS, seed=11)
    assert np.diff(c.beat_times_s)[:12] == pytest.approx(list(rr[:12]))


def test_output_is_repeatable_from_a_seed():
    a = cuff_simulate(seed=12)
    b = cuff_simulate(seed=12)
    assert np.array_equal(a.pressure, b.pressure)


@pytest.mark.parametrize(
    "params",
    [
        {"systolic": 80, "diastolic": 90},
        {"systolic_ratio": 1.2},
        {"mean": 150.0},
        {"systolic": 280, "target_pressure": 310},
        {"deflate_rate": 0.0},
    ],
)
def test_bad_parameters_are_refused(params):
    with pytest.raises(ValueError):  # noqa: PT011
        CuffParams(**params)
