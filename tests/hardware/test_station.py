"""Simulated devices built from ``sim:`` moniker options."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.sim.station import SIMULATED_KINDS, make_simulator


def test_every_kind_builds_with_its_driver():
    drivers = {kind: make_simulator(kind, {"loop": "20"})[1] for kind in SIMULATED_KINDS}
    assert drivers == {"cms50d": "cms50d", "cuff": "cuff", "ecg": "ecg", "ppg": "ppg"}


def test_the_oximeter_shows_the_heart_rate_and_spo2_asked_for():
    simulator, _ = make_simulator("cms50d", {"hr": "104", "spo2": "91", "loop": "30"})
    assert simulator.spo2 == 91
    assert abs(simulator.pulse_rate - 104) <= 2


def test_ecg_options_reach_the_signal():
    quiet, _ = make_simulator("ecg", {"loop": "10", "noise": "0"})
    humming, _ = make_simulator("ecg", {"loop": "10", "noise": "0", "mains": "0.2"})
    spectrum = np.abs(np.fft.rfft(humming.source.signal[:, 1] - quiet.source.signal[:, 1]))
    freqs = np.fft.rfftfreq(humming.source.signal.shape[0], 1 / 500)
    assert freqs[np.argmax(spectrum)] == pytest.approx(50.0, abs=0.2)


def test_the_same_seed_makes_the_same_station():
    a, _ = make_simulator("ppg", {"seed": "5", "loop": "10"})
    b, _ = make_simulator("ppg", {"seed": "5", "loop": "10"})
    c, _ = make_simulator("ppg", {"seed": "6", "loop": "10"})
    assert np.array_equal(a.source.signal, b.source.signal)
    assert not np.array_equal(a.source.signal, c.source.signal)


def test_the_cuff_takes_the_pressures_asked_for():
    simulator, _ = make_simulator("cuff", {"sbp": "150", "dbp": "95"})
    assert (simulator.cuff.params.systolic, simulator.cuff.params.diastolic) == (150, 95)


@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [
        ("toaster", {}, "no simulator"),
        ("ecg", {"colour": "red"}, "unknown simulator option"),
        ("ecg", {"hr": "fast"}, "must be a number"),
        ("ecg", {"fs": "300"}, "250 or 500"),
    ],
)
def test_bad_options_are_refused_with_a_reason(kind, options, message):
    with pytest.raises(ValueError, match=message):
        make_simulator(kind, options)
