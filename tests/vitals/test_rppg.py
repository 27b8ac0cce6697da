"""Camera pulse: known rates from synthetic face video, refusals, streaming equals offline.

Every video here is drawn by :func:`vitals.rppg_simulate.rppg_simulate` (a cartoon
face whose skin colour carries a known pulse). Each test says whether it runs the
real face detector (OpenCV's Haar cascade on the drawn face, then template
tracking) or a fixed region (the signal path alone).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from vitals.rppg import RppgAnalyser, rppg_pulse, rppg_rate, rppg_video
from vitals.rppg_methods import bandpass
from vitals.rppg_roi import FaceRoi, FixedRoi
from vitals.rppg_simulate import rppg_simulate

SMALL = (320, 240)  # quick to draw; the benchmark runs 640x480
PBV = np.array([0.43, 1.0, 0.69])  # relative pulse amplitude in R, G, B


def stream(times, frames, **settings):
    """Push every frame; return the (push time, result) pairs the analyser gave."""
    analyser = RppgAnalyser(**settings)
    out = []
    for t, frame in zip(times, frames, strict=True):
        result = analyser.push(frame, float(t))
        if result is not None:
            out.append((float(t), result))
    return out


def iou(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0, min(ay + ah, by + bh) - max(ay, by))
    return w * h / (aw * ah + bw * bh - w * h)


@pytest.fixture(scope="module")
def video80():
    """11 s at 80 /min, irregular frame times with drops, small head motion."""
    video = rppg_simulate(
        11.0, heart_rate=80.0, size=SMALL, noise=2.5, motion=1.0, jitter=0.3, drop=0.05, seed=7
    )
    return video.times, list(video.frames())


# --- the face detector on a drawn face (real Haar cascade) ---


@pytest.mark.parametrize("size", [(640, 480), SMALL])
def test_the_haar_cascade_finds_the_drawn_face(size):
    video = rppg_simulate(0.1, size=size, motion=0.0)
    roi = FaceRoi()
    sample = roi.measure(next(video.frames()), 0.0)
    assert sample.reason == ""
    assert roi.box is not None
    assert iou(roi.box, video.face_box) > 0.5


def test_the_detector_finds_no_face_in_an_empty_cabin():
    video = rppg_simulate(0.1, size=SMALL, face=False)
    sample = FaceRoi().measure(next(video.frames()), 0.0)
    assert (sample.rgb, sample.reason) == (None, "no_face")


# --- known rates through the whole pipeline (real detector and tracker) ---


@pytest.mark.parametrize("heart_rate", [48.0, 150.0])
def test_rate_of_a_synthetic_face_is_within_2_per_min(heart_rate):
    video = rppg_simulate(
        10.0, heart_rate=heart_rate, size=SMALL, noise=3.0, motion=1.0, seed=int(heart_rate)
    )
    final = stream(video.times, video.frames())[-1][1]
    assert final.quality.usable, final.quality
    assert final.value == pytest.approx(heart_rate, abs=2.0)
    assert final.unit == "/min"
    assert final.snr_db > 0.0


@pytest.mark.parametrize("method", ["pos", "chrom"])
def test_both_methods_with_an_irregular_frame_rate(video80, method):
    times, frames = video80
    assert np.ptp(np.diff(times)) > 0.02  # really irregular
    result = rppg_video(frames, times, method=method)
    assert result.quality.usable, result.quality
    assert result.value == pytest.approx(80.0, abs=2.0)
    assert result.method == method


def test_the_first_seconds_are_too_short_then_a_rate_comes_within_2_s(video80):
    results = stream(*video80)
    times = [t for t, _ in results]
    assert np.diff(times).max() <= 1.1  # a fresh result every second
    assert all(r.quality.reason == "too_short" for t, r in results if t < 7.9)
    usable = [(t, r) for t, r in results if r.quality.usable]
    assert usable[0][0] <= 9.1
    for t, r in usable:
        assert t - r.t_end <= 2.0  # the value is about data at most 2 s old
        assert 8.0 <= r.t_end - r.t_start <= 10.0
        assert r.value == pytest.approx(80.0, abs=2.0)


# --- the signal path alone (fixed region, no detector) ---


def test_fixed_region_on_the_cheeks_gives_the_rate(video80):
    x, y, w, h = rppg_simulate(0.1, size=SMALL).face_box
    cheeks = FixedRoi((x + w // 5, y + h // 2, 3 * w // 5, h // 6))
    result = rppg_video(video80[1], video80[0], roi=cheeks)
    assert result.value == pytest.approx(80.0, abs=2.0)


def traces(rate, seconds=10.0, fs=30.0, amplitude=0.003, noise=0.0005, seed=0):
    """Mean skin colour that darkens with a sinusoidal blood volume, most in green."""
    rng = np.random.default_rng(seed)
    t = np.arange(0, seconds, 1 / fs)
    volume = np.sin(2 * math.pi * rate / 60 * t)
    drift = 1 + 0.05 * np.sin(2 * math.pi * t / 20)  # white light
    relative = 1 - amplitude / 2 * np.outer(volume, PBV) + noise * rng.standard_normal((t.size, 3))
    return np.array([180.0, 140.0, 120.0]) * relative * drift[:, None], volume


@pytest.mark.parametrize("method", ["pos", "chrom"])
@pytest.mark.parametrize("rate", [45.0, 60.0, 90.0, 120.0, 150.0, 200.0])
def test_rate_of_colour_traces(method, rate):
    rgb, _ = traces(rate)
    result = rppg_rate(rgb, 30.0, method=method)
    assert result.value == pytest.approx(rate, abs=1.5)
    assert result.quality.usable


@pytest.mark.parametrize("method", ["pos", "chrom"])
def test_pulse_rises_with_blood_volume(method):
    rgb, volume = traces(78.0, noise=0.0002)
    middle = slice(60, -60)  # the sliding windows and the filter taper the ends
    pulse = rppg_pulse(rgb, 30.0, method=method)[middle]
    assert np.corrcoef(pulse, bandpass(volume, 30.0)[middle])[0, 1] > 0.9


# --- refusals (real detector) ---


def test_no_face_is_refused():
    video = rppg_simulate(4.0, size=SMALL, face=False)
    results = stream(video.times, video.frames())
    assert results
    assert all(r.value is None and r.quality.reason == "no_face" for _, r in results)


def test_a_dark_cabin_is_refused():
    video = rppg_simulate(4.0, size=SMALL, light=0.15)
    results = stream(video.times, video.frames())
    assert results
    assert all(r.value is None and r.quality.reason == "too_dark" for _, r in results)


def test_a_moving_head_is_refused():
    video = rppg_simulate(6.0, size=SMALL, motion=20.0, motion_rate=0.5)
    results = stream(video.times, video.frames(), window=5.0, min_seconds=4.0)
    assert results[-1][1].quality.reason == "motion"


def test_a_face_without_pulse_is_refused_as_noise():
    video = rppg_simulate(9.5, size=SMALL, amplitude=0.0, noise=4.0, motion=1.0)
    late = [r for t, r in stream(video.times, video.frames()) if t >= 8.0]
    assert late
    assert all(r.value is None and r.quality.reason == "low_snr" for r in late)


def test_losing_the_face_restarts_the_signal():
    face = rppg_simulate(6.5, heart_rate=80.0, size=SMALL, noise=2.0, seed=1)
    empty = rppg_simulate(2.0, size=SMALL, face=False)
    frames = [*face.frames(), *empty.frames(), *list(face.frames())[:100]]
    times = np.concatenate([face.times, 6.5 + empty.times, 8.5 + face.times[:100]])
    results = stream(times, frames, window=6.0, min_seconds=5.0)
    reasons = {round(t): r.quality.reason for t, r in results}
    assert reasons[6] == ""  # 6 s of face
    assert reasons[8] == "no_face"
    assert reasons[11] == "too_short"  # the face is back, but only for 2.5 s


# --- streaming equals offline ---


def test_streaming_equals_offline_on_the_same_frames(video80):
    times, frames = video80
    analyser = RppgAnalyser()
    pushed = []
    for k, (t, frame) in enumerate(zip(times, frames, strict=True)):
        result = analyser.push(frame, float(t))
        if result is not None:
            pushed.append((k + 1, result))
    checked = [pushed[-3], pushed[-1]]
    assert all(r.quality.usable for _, r in checked)
    for count, result in checked:
        offline = rppg_video(frames[:count], times[:count])
        assert offline == result
        assert np.array_equal(offline.pulse, result.pulse)
    assert analyser.estimate() == rppg_video(frames, times)


# --- bad arguments ---


def test_bad_arguments_raise_value_error():
    frame = np.zeros((48, 64, 3), np.uint8)
    analyser = RppgAnalyser(roi=FixedRoi((0, 0, 8, 8)))
    analyser.push(frame, 1.0)
    with pytest.raises(ValueError, match="increasing"):
        analyser.push(frame, 1.0)
    with pytest.raises(ValueError, match="uint8"):
        analyser.push(frame.astype(float), 2.0)
    with pytest.raises(ValueError, match="shape"):
        rppg_rate(np.ones((300, 2)), 30.0)
    with pytest.raises(ValueError, match="fs must be"):
        rppg_rate(np.ones((300, 3)), 5.0)
    with pytest.raises(ValueError, match="too short"):
        rppg_rate(np.ones((60, 3)), 30.0)
    with pytest.raises(ValueError, match="method"):
        rppg_pulse(np.ones((300, 3)), 30.0, method="ica")
    with pytest.raises(ValueError, match="min_seconds"):
        RppgAnalyser(window=5.0, min_seconds=8.0)
    with pytest.raises(ValueError, match="fewer frames"):
        rppg_video([frame], [0.0, 0.1])
