"""SpO2 accuracy (Arms, bias, spread of errors) of vitals.spo2 on real and synthetic red/IR.

* OxiWear proto1: 58 finger test points (MAXM86161 kit, ~64 Hz, 2-6 s each, one subject,
  induced hypoxia, 70-98 %) against a reference oximeter. Each file's R is read off a
  line fitted on all the other files (leave-one-out), and off the fixed 110 - 25 R line.
  A textbook baseline beside ours: R from the RMS of each band-passed channel over the
  whole file, no beats and no refusal. neurokit2 has no SpO2, so no peer from it.
* Synthetic: ``hardware.sim.ppg_model`` red/IR (100 Hz, 8 s windows) over 70-100 %, with
  sensor noise, several perfusion indices, hand movement and a finger pulled out. The
  simulator builds R from the same 110 - 25 R line the reading uses, so this measures
  how well R is estimated, not a calibration.

Arms = sqrt(mean((SpO2 - reference)^2)); ISO 80601-2-61 asks for <= 4 % over 70-100 %.
The reference oximeter is itself good to about +-2 %, a floor for the real-data numbers.
The OxiWear data has no licence: it is read in place for evaluation only.

    .venv/bin/python benchmarks/spo2.py
"""

from __future__ import annotations

import sys
from collections import Counter

import numpy as np
import ppg_data as data
from numpy.typing import NDArray
from scipy import signal as sps

from hardware.sim.ecg_model import heartbeat_times
from hardware.sim.ppg_model import PpgParams, ppg_simulate
from vitals.spo2 import Spo2Method, spo2_estimate, spo2_ratio
from vitals.spo2_calibration import CALIBRATIONS, Calibration, fit_calibration

FIXED = Calibration("fixed", 110.0, 25.0)


def describe(name: str, err: NDArray[np.float64], total: int) -> None:
    """One row: coverage, Arms, bias, SD, percentiles, within 2 and 4 %, max."""
    if err.size == 0:
        print(f"{name:40s} {0:4d} {0:6.0%}")
        return
    arms = float(np.sqrt(np.mean(err**2)))
    p = np.percentile(err, [5, 50, 95])
    within = [float(np.mean(np.abs(err) <= k)) for k in (2, 4)]
    print(
        f"{name:40s} {err.size:4d} {err.size / total:6.0%} {arms:5.2f} {err.mean():+6.2f} "
        f"{err.std():5.2f} {p[0]:+6.1f} {p[1]:+6.1f} {p[2]:+6.1f} "
        f"{within[0]:5.0%} {within[1]:5.0%} {np.abs(err).max():5.1f}"
    )


def header(title: str) -> None:
    print(f"\n{title}")
    print(
        f"{'':40s} {'n':>4s} {'cover':>6s} {'Arms':>5s} {'bias':>6s} {'SD':>5s} "
        f"{'p5':>6s} {'p50':>6s} {'p95':>6s} {'<=2%':>5s} {'<=4%':>5s} {'max':>5s}"
    )


def loo(r: NDArray[np.float64], ref: NDArray[np.float64], quadratic: bool) -> NDArray[np.float64]:
    """Each point read off a curve fitted on all the others; the errors, %.

    A quadratic fit that does not fall monotonically to 70 % is refused by
    ``fit_calibration``; that fold falls back to the line (counted and printed).
    """
    out = np.empty(r.size)
    fallback = 0
    for i in range(r.size):
        keep = np.arange(r.size) != i
        try:
            cal = fit_calibration(r[keep], ref[keep], quadratic=quadratic)
        except ValueError:
            cal = fit_calibration(r[keep], ref[keep])
            fallback += 1
        out[i] = cal.spo2(r[i]) - ref[i]
    if fallback:
        print(f"{'':40s} ({fallback} of {r.size} quadratic folds not monotonic: line used)")
    return out


def rms_ratio(red: NDArray[np.float64], ir: NDArray[np.float64], fs: float) -> float:
    """Textbook R: RMS of each 0.5-8 Hz band-passed channel over its mean."""
    sos = sps.butter(2, [0.5, 8.0], btype="bandpass", fs=fs, output="sos")
    ac = [float(np.std(sps.sosfiltfilt(sos, x - x.mean()))) / float(x.mean()) for x in (red, ir)]
    return ac[0] / ac[1]


def proto1() -> Calibration | None:
    recs = list(data.proto1())
    ref_all = np.array([r.spo2[0] for r in recs if r.spo2])
    n = len(recs)
    header(f"OxiWear proto1: {n} test points, SpO2 error (%) vs reference oximeter")
    base = np.array([rms_ratio(r.red, r.ir, r.fs) for r in recs])
    describe("baseline RMS, fixed 110-25R", FIXED.spo2(base) - ref_all, n)  # type: ignore[arg-type]
    describe("baseline RMS, leave-one-out line", loo(base, ref_all, False), n)
    fitted: Calibration | None = None
    for method in ("regression", "beat"):
        m: Spo2Method = method  # type: ignore[assignment]
        rs, ref, refused = [], [], Counter[str]()
        for rec in recs:
            amb = float(rec.ambient.mean())
            ratio = spo2_ratio(rec.red, rec.ir, rec.fs, method=m, ambient=amb)
            if ratio.value is None:
                refused[ratio.quality.reason] += 1
                continue
            rs.append(ratio.value)
            ref.append(rec.spo2[0] if rec.spo2 else np.nan)
        r, s = np.array(rs), np.array(ref)
        describe(f"ours {method}, fixed 110-25R", FIXED.spo2(r) - s, n)  # type: ignore[arg-type]
        describe(f"ours {method}, leave-one-out line", loo(r, s, False), n)
        describe(f"ours {method}, leave-one-out quadratic", loo(r, s, True), n)
        print(f"{'':40s} refused: {dict(refused)}")
        if method == "regression":
            fitted = fit_calibration(r, s, name="maxm86161-fitted")
            errs = loo(r, s, False)
            print(f"{'':40s} leave-one-out line by reference SpO2 band:")
            for lo, hi in ((70, 80), (80, 90), (90, 101)):
                band = (s >= lo) & (s < hi)
                describe(f"  {lo}-{min(hi, 100)} %", errs[band], int(band.sum()))
    if fitted is not None:
        reg = CALIBRATIONS["maxm86161-fitted"]
        print(
            f"\nfit on every accepted point (ours regression): SpO2 = {fitted.a:.2f} - "
            f"{fitted.b:.2f} R   (registry 'maxm86161-fitted': {reg.a:.2f} - {reg.b:.2f} R)"
        )
    return fitted


def simulate(
    spo2: float, pi: float, noise: float, seed: int, **faults: object
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    rng = np.random.default_rng(seed)
    beats = heartbeat_times(8.0, heart_rate=float(rng.uniform(50, 120)), seed=seed)
    params = PpgParams(spo2=spo2, perfusion_index=pi, noise_counts=noise, **faults)  # type: ignore[arg-type]
    sim = ppg_simulate(beats, 8.0, 100.0, params, seed=seed)
    return sim.red, sim.ir


def synthetic() -> None:
    levels = np.arange(70.0, 100.1, 2.0)
    pis = (0.3, 0.5, 1.0, 2.0, 5.0)
    noises = (8.0, 30.0)
    header(f"Synthetic red/IR, 8 s at 100 Hz, SpO2 {levels[0]:g}-{levels[-1]:g} %, error (%)")
    by_pi: dict[float, list[float]] = {p: [] for p in pis}
    total_pi: Counter[float] = Counter()
    seed = 0
    for spo2 in levels:
        for pi in pis:
            for noise in noises:
                seed += 1
                red, ir = simulate(float(spo2), pi, noise, seed)
                total_pi[pi] += 1
                est = spo2_estimate(red, ir, 100.0)
                if est.value is not None:
                    by_pi[pi].append(est.value - spo2)
    every = np.concatenate([np.asarray(v) for v in by_pi.values()])
    describe("clean finger, all", every, sum(total_pi.values()))
    for pi in pis:
        describe(f"  perfusion index {pi:g} %", np.asarray(by_pi[pi]), total_pi[pi])

    faults: dict[str, dict[str, object]] = {
        "hand movement, depth 0.5 %": {"motion_segments": ((0, 8),), "motion_depth": 0.005},
        "hand movement, depth 2 %": {"motion_segments": ((0, 8),), "motion_depth": 0.02},
        "hand movement, depth 5 %": {"motion_segments": ((0, 8),), "motion_depth": 0.05},
        "finger out for 2 s": {"finger_out": ((3, 5),)},
    }
    for name, fault in faults.items():
        errs, refused, total = [], Counter[str](), 0
        for spo2 in levels[::2]:
            for pi in (0.5, 1.0, 2.0):
                seed += 1
                red, ir = simulate(float(spo2), pi, 8.0, seed, **fault)
                total += 1
                est = spo2_estimate(red, ir, 100.0)
                if est.value is None:
                    refused[est.quality.reason] += 1
                else:
                    errs.append(est.value - spo2)
        describe(name, np.asarray(errs), total)
        print(f"{'':40s} refused: {dict(refused)}")


def main() -> int:
    synthetic()
    if not data.available():
        print(f"\nshared data not found at {data.DATA}: OxiWear part skipped")
        return 0
    proto1()
    return 0


if __name__ == "__main__":
    sys.exit(main())
