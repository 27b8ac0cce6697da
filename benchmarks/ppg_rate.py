"""Pulse-rate accuracy and speed of vitals.ppg beside neurokit2, on real recordings.

* BIDMC record 01 (finger PPG, 125 Hz, 8 min, ICU): 8 s windows every 2 s; the
  reference is the heart rate of the simultaneous ECG lead II, 60 / mean RR of the R
  peaks inside the window. R peaks come from a plain derivative-energy detector written
  here, checked beat for beat against neurokit2's ``ecg_peaks``.
* OxiWear proto1 (MAXM86161 kit, finger, ~64 Hz, 2-6 s per test point): the infrared
  channel of each file against the reference oximeter's HR in the file name.
* OxiWear proto2 (ear prototype, 25 Hz): the file names give HR *ranges* read off a
  finger oximeter; a hit is a rate within the range (rounded to 1 /min), and the error
  is the distance to the range.

"ours" is ``vitals.ppg.ppg_rate`` (refuses unusable windows: the coverage column);
"ours, all" is the same beats with no refusal; neurokit2 is ``ppg_clean`` then
``ppg_findpeaks`` (its rate: 60 / mean interval of its peaks, no refusal). The OxiWear
data has no licence: it is read in place for evaluation only.

    .venv/bin/python benchmarks/ppg_rate.py
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable

import numpy as np
import ppg_data as data
from numpy.typing import NDArray

from vitals.ppg import ppg_peaks, rate_from_peaks

WINDOW_S, STEP_S = 8.0, 2.0

Rate = Callable[[NDArray[np.float64], float, bool], float | None]


def ours(method: str) -> tuple[Rate, Rate]:
    """(gated, ungated) pulse rate of vitals.ppg."""

    def both(
        x: NDArray[np.float64], fs: float, inverted: bool
    ) -> tuple[float | None, float | None]:
        found = ppg_peaks(x, fs, method=method, inverted=inverted)  # type: ignore[arg-type]
        gated = rate_from_peaks(found).value
        p = found.peaks
        return gated, (60.0 * fs / float(np.mean(np.diff(p))) if p.size >= 2 else None)

    return (lambda x, fs, inv: both(x, fs, inv)[0]), (lambda x, fs, inv: both(x, fs, inv)[1])


def neurokit(method: str) -> Rate:
    import neurokit2 as nk

    def rate(x: NDArray[np.float64], fs: float, inverted: bool) -> float | None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                clean = nk.ppg_clean(-x if inverted else x, sampling_rate=round(fs))
                p = np.asarray(
                    nk.ppg_findpeaks(clean, sampling_rate=round(fs), method=method)["PPG_Peaks"]
                )
            except Exception:  # a peer failing on a window is a miss
                return None
        return 60.0 * fs / float(np.mean(np.diff(p))) if p.size >= 2 else None

    return rate


def peers() -> dict[str, Rate]:
    g_e, a_e = ours("elgendi")
    g_s, a_s = ours("ssf")
    out: dict[str, Rate] = {
        "ours elgendi": g_e,
        "ours ssf": g_s,
        "ours elgendi, all": a_e,
        "ours ssf, all": a_s,
    }
    try:
        out["neurokit2 elgendi"] = neurokit("elgendi")
        out["neurokit2 msptd"] = neurokit("msptd")
    except ImportError:
        print("neurokit2 is not installed (make bench installs it): peers left out")
    return out


def table(title: str, rows: list[tuple[str, list[float], int]]) -> None:
    print(f"\n{title}")
    head = ("n", "cover", "MAE", "RMSE", "p95", "max")
    print(f"{'method':22s} {head[0]:>5s} " + " ".join(f"{h:>6s}" for h in head[1:]))
    for name, errors, total in rows:
        e = np.abs(np.asarray(errors))
        if e.size == 0:
            print(f"{name:22s} {0:5d} {0:6.0%}")
            continue
        rmse = float(np.sqrt(np.mean(e**2)))
        p95 = float(np.percentile(e, 95))
        stats = " ".join(f"{v:6.2f}" for v in (e.mean(), rmse, p95, e.max()))
        print(f"{name:22s} {e.size:5d} {e.size / total:6.0%} {stats}")


def bidmc(methods: dict[str, Rate]) -> None:
    rec = data.load_bidmc()
    fs = rec.fs
    r = data.ecg_r_peaks(rec.ecg_ii, fs)
    try:
        import neurokit2 as nk

        _, info = nk.ecg_peaks(nk.ecg_clean(rec.ecg_ii, sampling_rate=fs), sampling_rate=fs)
        nk_r = np.asarray(info["ECG_R_Peaks"])
        matched = sum(np.min(np.abs(nk_r - p)) <= round(0.05 * fs) for p in r)
        print(f"BIDMC 01: {r.size} R peaks here, {nk_r.size} by neurokit2, {matched} within 50 ms")
    except ImportError:
        print(f"BIDMC 01: {r.size} R peaks")
    w, step = round(WINDOW_S * fs), round(STEP_S * fs)
    starts = range(0, rec.pleth.size - w + 1, step)
    errors: dict[str, list[float]] = {m: [] for m in methods}
    for s in starts:
        rr = r[(r >= s) & (r < s + w)]
        ref = 60.0 * fs / float(np.mean(np.diff(rr)))
        for name, rate in methods.items():
            v = rate(rec.pleth[s : s + w], fs, False)
            if v is not None:
                errors[name].append(v - ref)
    n = len(starts)
    table(
        f"BIDMC 01 PLETH, {n} windows of {WINDOW_S:g} s every {STEP_S:g} s, error vs ECG II (/min)",
        [(m, e, n) for m, e in errors.items()],
    )


def proto1(methods: dict[str, Rate]) -> None:
    recs = list(data.proto1())
    errors: dict[str, list[float]] = {m: [] for m in methods}
    for rec in recs:
        assert rec.hr is not None
        for name, rate in methods.items():
            v = rate(rec.ir, rec.fs, True)
            if v is not None:
                errors[name].append(v - rec.hr[0])
    table(
        f"OxiWear proto1, {len(recs)} files (IR, 2-6 s each), error vs reference HR (/min)",
        [(m, e, len(recs)) for m, e in errors.items()],
    )


def proto2(methods: dict[str, Rate]) -> None:
    recs = [r for r in data.proto2() if r.hr is not None]
    errors: dict[str, list[float]] = {m: [] for m in methods}
    hits: dict[str, int] = dict.fromkeys(methods, 0)
    for rec in recs:
        assert rec.hr is not None
        lo, hi = rec.hr
        for name, rate in methods.items():
            v = rate(rec.ir, rec.fs, True)
            if v is None:
                continue
            d = max(lo - round(v), round(v) - hi, 0)
            hits[name] += d == 0
            errors[name].append(max(lo - v, v - hi, 0.0))
    print(f"\nOxiWear proto2 (ear, 25 Hz), {len(recs)} files with a reference HR range")
    print(f"{'method':22s} {'n':>5s} {'hits':>5s} {'MAE to range':>13s}")
    for name, e in errors.items():
        mae = float(np.mean(e)) if e else float("nan")
        print(f"{name:22s} {len(e):5d} {hits[name]:5d} {mae:13.2f}")
    unattached = [r for r in data.proto2() if r.hr is None]
    for rec in unattached:
        found = ppg_peaks(rec.ir, rec.fs, inverted=True)
        print(f"  {rec.name} (no finger): ours says {rate_from_peaks(found).quality.reason!r}")


def throughput(methods: dict[str, Rate]) -> None:
    rec = data.load_bidmc()
    x, fs = rec.pleth, rec.fs
    span = f"{x.size / fs:.0f} s at {fs:g} Hz"
    print(f"\nThroughput on BIDMC 01 PLETH ({span}), s of signal per s of CPU")
    print(f"{'method':22s} {'whole record':>13s} {'8 s windows':>12s}")
    w = round(WINDOW_S * fs)
    for name, rate in methods.items():
        if name.endswith(", all"):
            continue
        whole = "n/a"
        if "msptd" not in name:  # MSPTD's scalogram is quadratic in the length: minutes
            t0 = time.process_time()
            reps = 0
            while time.process_time() - t0 < 1.0:
                rate(x, fs, False)
                reps += 1
            whole = f"{reps * x.size / fs / (time.process_time() - t0):.0f}"
        t0 = time.process_time()
        done = 0
        for s in range(0, x.size - w + 1, w):
            rate(x[s : s + w], fs, False)
            done += w
        windows = done / fs / (time.process_time() - t0)
        print(f"{name:22s} {whole:>13s} {windows:12.0f}")


def main() -> int:
    if not data.available():
        print(f"shared data not found at {data.DATA}: nothing to benchmark")
        return 0
    methods = peers()
    bidmc(methods)
    proto1(methods)
    proto2(methods)
    throughput(methods)
    return 0


if __name__ == "__main__":
    sys.exit(main())
