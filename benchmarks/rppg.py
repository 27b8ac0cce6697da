"""Camera pulse on synthetic face video: rate error by pulse rate and noise, and throughput.

Videos come from :func:`vitals.rppg_simulate.rppg_simulate` (a drawn face whose skin
carries a known pulse), at 640x480 and 30 frames/s with +-20 % frame-time jitter and
2 % dropped frames. The full live pipeline runs on them: :class:`vitals.rppg.RppgAnalyser`
with its defaults (Haar detection about once a second, template tracking, forehead
and cheek skin, 10 s window, results every second, 0 dB SNR gate). Each video lasts
14 s; the results given from 8 s on (six per video, three videos per cell by
default) are scored against the true mean rate: MAE over the accepted ones, in
/min, and the share accepted, in %.

Conditions (per-pixel sensor noise standard deviation in 8-bit levels; pulse
modulation of green trough to peak; head motion amplitude):

* ``clean``: noise 2, pulse 0.3 %, motion 1 px;
* ``noisy``: noise 6, pulse 0.3 %, motion 2 px;
* ``noisy+jpeg``: as noisy, then JPEG quality 85;
* ``weak``: noise 4, pulse 0.15 %, motion 2 px.

The seeds here (1000 and up) are not those the SNR gate was calibrated on (100 and up).

Refusal of noise: faces whose skin carries no pulse at all (noise 4, motion 2 px,
with and without JPEG 85), scored as the share of results from 8 s on that were
wrongly accepted.

Throughput is frames per CPU second on one core (OpenCV and BLAS limited to one
thread) at 640x480, the analyser alone: 150 frames are drawn first and fed in a
loop with fresh timestamps.

    .venv/bin/python benchmarks/rppg.py [--seeds N] [--size WxH]
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import time  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from vitals.rppg import RppgAnalyser  # noqa: E402
from vitals.rppg_roi import FaceRoi  # noqa: E402
from vitals.rppg_simulate import rppg_simulate  # noqa: E402

RATES = (45.0, 60.0, 75.0, 90.0, 105.0, 120.0, 135.0, 150.0)
CONDITIONS = {
    "clean": dict(noise=2.0, amplitude=0.003, motion=1.0),
    "noisy": dict(noise=6.0, amplitude=0.003, motion=2.0),
    "noisy+jpeg": dict(noise=6.0, amplitude=0.003, motion=2.0, jpeg_quality=85),
    "weak": dict(noise=4.0, amplitude=0.0015, motion=2.0),
}
METHODS = ("pos", "chrom")
DURATION = 14.0
SCORED_FROM = 8.0


def score(rate, condition, seed, size):
    """Errors (/min) of the accepted results and the count given, per method."""
    condition = {**condition, "motion": condition["motion"] * size[0] / 640}
    video = rppg_simulate(
        DURATION, heart_rate=rate, size=size, jitter=0.2, drop=0.02, seed=seed, **condition
    )
    analysers = {m: RppgAnalyser(method=m) for m in METHODS}
    errors = {m: [] for m in METHODS}
    given = dict.fromkeys(METHODS, 0)
    for t, frame in video:
        for method, analyser in analysers.items():
            result = analyser.push(frame, t)
            if result is None or t < SCORED_FROM:
                continue
            given[method] += 1
            if result.value is not None:
                errors[method].append(abs(result.value - rate))
    return errors, given


def accuracy(seeds, size):
    cells = {}
    for name, condition in CONDITIONS.items():
        for k, rate in enumerate(RATES):
            for method in METHODS:
                cells[name, rate, method] = ([], 0)
            for s in range(seeds):
                errors, given = score(rate, condition, 1000 + 100 * k + s, size)
                for method in METHODS:
                    old_errors, old_given = cells[name, rate, method]
                    cells[name, rate, method] = (
                        old_errors + errors[method],
                        old_given + given[method],
                    )
        print(f"  {name} done", flush=True)
    return cells


def false_accepts(seeds, size):
    """Accepted results (should be none) on faces without a pulse, per condition."""
    out = {}
    for jpeg in (None, 85):
        accepted = given = 0
        for s in range(3 * seeds):
            condition = dict(noise=4.0, amplitude=0.0, motion=2.0, jpeg_quality=jpeg)
            errors, count = score(72.0, condition, 5000 + 10 * s + (jpeg or 0), size)
            accepted += sum(len(errors[m]) for m in METHODS)
            given += sum(count[m] for m in METHODS)
        out["no pulse" + ("" if jpeg is None else f", jpeg {jpeg}")] = (accepted, given)
    return out


def cell(errors, given):
    if not errors:
        return f"{'-':>5} {0:>4.0f}%"
    return f"{np.mean(errors):5.1f} {100 * len(errors) / given:4.0f}%"


def print_accuracy(cells, size):
    print(f"\nRate error at {size[0]}x{size[1]}: MAE /min over accepted results, accepted %")
    for method in METHODS:
        print(f"\n{method.upper():<10}" + "".join(f"{name:>14}" for name in CONDITIONS))
        for rate in RATES:
            row = "".join(f"{cell(*cells[name, rate, method]):>14}" for name in CONDITIONS)
            print(f"{rate:>6.0f}/min{row}")
        total = ""
        for name in CONDITIONS:
            errors = [e for rate in RATES for e in cells[name, rate, method][0]]
            given = sum(cells[name, rate, method][1] for rate in RATES)
            total += f"{cell(errors, given):>14}"
        print(f"{'all':>10}{total}")


def throughput(size):
    cv2.setNumThreads(1)
    video = rppg_simulate(5.0, heart_rate=72.0, size=size, noise=4.0, motion=2.0)
    frames = list(video.frames())
    analyser = RppgAnalyser()
    n = 900
    period = 1 / 30
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    for k in range(n):
        analyser.push(frames[k % len(frames)], k * period)
    cpu = time.process_time() - start_cpu
    wall = time.perf_counter() - start_wall
    roi = analyser.roi
    detections = roi.detections if isinstance(roi, FaceRoi) else 0
    # The pieces: one detection, and one tracked frame.
    probe = FaceRoi()
    probe.measure(frames[0], 0.0)
    t0 = time.process_time()
    for k in range(1, 301):
        probe.measure(frames[k % len(frames)], k * 1e-3)  # no re-detection within 1 s
    tracked = (time.process_time() - t0) / 300
    t0 = time.process_time()
    for _ in range(20):
        FaceRoi().measure(frames[0], 0.0)
    detect = (time.process_time() - t0) / 20
    t0 = time.process_time()
    for _ in range(50):
        analyser.estimate()
    evaluate = (time.process_time() - t0) / 50
    print(f"\nThroughput at {size[0]}x{size[1]}, one core, {n} frames ({n * period:.0f} s at 30/s)")
    print(f"{'frames per CPU second':<34}{n / cpu:8.0f}")
    print(f"{'frames per wall second':<34}{n / wall:8.0f}")
    print(f"{'CPU ms per frame (average)':<34}{1000 * cpu / n:8.2f}")
    print(f"{'  face detection, ms each':<34}{1000 * detect:8.2f}  ({detections} runs)")
    print(f"{'  tracking + skin mean, ms/frame':<34}{1000 * tracked:8.2f}")
    print(f"{'  window analysis, ms per result':<34}{1000 * evaluate:8.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="videos per cell")
    parser.add_argument("--size", default="640x480", help="frame size, WxH")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    throughput(size)
    print_accuracy(accuracy(args.seeds, size), size)
    print(f"\nFaces without a pulse at {size[0]}x{size[1]}: results wrongly accepted (POS + CHROM)")
    for name, (accepted, given) in false_accepts(args.seeds, size).items():
        print(f"{name:<22}{accepted:>4} of {given}")


if __name__ == "__main__":
    main()
