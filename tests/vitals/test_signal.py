"""The conventions every vitals function shares."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from hardware.events import SignalKind, WaveformChunk
from vitals import Quality, SignalWindow, as_signal


def chunk(seq, n, fs=100.0):
    return WaveformChunk(
        SignalKind.PPG_IR, fs, datetime.now(UTC), np.arange(seq, seq + n, dtype=float), seq,
        "ppg", "1",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("signal", "fs", "kwargs", "message"),
    [
        (np.zeros((2, 5)), 100, {}, "one-dimensional"),
        (np.zeros(10), 0, {}, "fs must be"),
        (np.zeros(10), float("nan"), {}, "fs must be"),
        (np.zeros(10), 100, {"min_seconds": 1}, "too short"),
        (np.array([0, np.nan, 1]), 100, {}, "NaN"),
        (np.array([0, np.inf, 1]), 100, {"allow_nan": True}, "infinite"),
    ],
)
def test_bad_input_raises_value_error(signal, fs, kwargs, message):
    with pytest.raises(ValueError, match=message):
        as_signal(signal, fs, **kwargs)


def test_quality_refuses_with_a_reason_only():
    assert Quality.refused("flat") == Quality(0.0, False, "flat")
    with pytest.raises(ValueError, match="needs a reason"):
        Quality(0.9, False)
    with pytest.raises(ValueError, match="no reason"):
        Quality(0.9, True, "noise")
    with pytest.raises(ValueError, match="within 0 and 1"):
        Quality(1.5, True)


def test_window_keeps_the_last_seconds_in_order():
    window = SignalWindow(1.0)
    for seq in range(0, 250, 10):
        window.push(chunk(seq, 10))
    assert window.fs == 100.0
    assert np.array_equal(window.samples, np.arange(150, 250))
    assert window.total == 250


def test_window_clears_on_a_gap_in_the_stream():
    window = SignalWindow(2.0)
    window.push(chunk(0, 50))
    window.push(chunk(80, 50))  # 30 samples lost
    assert np.array_equal(window.samples, np.arange(80, 130))
    assert window.gaps == 1
    assert window.total == 50


def test_window_takes_plain_arrays_with_their_rate():
    window = SignalWindow(0.5)
    with pytest.raises(ValueError, match="fs is unknown"):
        window.push(np.zeros(3))
    window.push(np.arange(80.0), fs=100)
    assert np.array_equal(window.samples, np.arange(30.0, 80.0))
