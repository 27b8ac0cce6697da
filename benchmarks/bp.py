"""Accuracy, refusals and speed of vitals.bp on simulated oscillometric cuff recordings.

Seeded random draws of systolic 90-180 mmHg and diastolic 50-110 mmHg (pulse pressure at
least 20 mmHg), heart rate 50-100 /min and largest oscillation 1-3 mmHg, in subsets:
clean, noisy sensor, irregular rhythm, arm movements, the arm's characteristic ratios
drawn away from the simulator's defaults, and faults that must be refused. Errors are
estimate minus truth (mean and SD, mmHg) over the recordings measured; ISO 81060-2 asks
for a mean within 5 and an SD within 8 mmHg, the goal here is 2 and 5.

Run: ``.venv/bin/python benchmarks/bp.py [--n 60] [--method ratio|slope]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from hardware.sim import CuffParams, cuff_simulate
from vitals.bp import bp_oscillometric

Draw = Callable[[np.random.Generator, float, float], dict[str, object]]


def _none(rng, sbp, dbp):
    return {}


SUBSETS: dict[str, Draw] = {
    "clean": _none,
    "noisy (0.15 mmHg)": lambda rng, s, d: {"noise_mmhg": 0.15},
    "irregular (RR CV 0.2)": lambda rng, s, d: {"irregular_rr_cv": 0.2},
    "movement (1-2 spikes)": lambda rng, s, d: {
        "movement_times_s": tuple(rng.uniform(12.0, 12.0 + (s - d + 40) / 3.0, rng.integers(1, 3)))
    },
    "ratios 0.45-0.65/0.65-0.85": lambda rng, s, d: {
        "systolic_ratio": float(rng.uniform(0.45, 0.65)),
        "diastolic_ratio": float(rng.uniform(0.65, 0.85)),
    },
}
FAULTS: dict[str, Draw] = {
    "leak (tau 8-40 s)": lambda rng, s, d: {"leak_time_constant_s": float(rng.uniform(8, 40))},
    "fast deflation (6-12 mmHg/s)": lambda rng, s, d: {"deflate_rate": float(rng.uniform(6, 12))},
    "heavy movement (6 spikes)": lambda rng, s, d: {
        "movement_times_s": tuple(np.linspace(12.0, 12.0 + (s - d + 30) / 3.0, 6))
    },
    "stops above diastolic": lambda rng, s, d: {"stop_below_diastolic": -8.0},
}


def _draw(rng: np.random.Generator) -> dict[str, float]:
    sbp = float(rng.uniform(90, 180))
    dbp = float(rng.uniform(50, min(110, sbp - 20)))
    return {
        "systolic": sbp,
        "diastolic": dbp,
        "heart_rate": float(rng.uniform(50, 100)),
        "max_oscillation_mmhg": float(rng.uniform(1, 3)),
    }


def run(name: str, draw: Draw, n: int, seed: int, method: str) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    errs, refused, flagged, t_analyse = [], {}, {"irregular": 0, "movement": 0}, 0.0
    for i in range(n):
        base = _draw(rng)
        extra = draw(rng, base["systolic"], base["diastolic"])
        rec = cuff_simulate(CuffParams(**base, **extra), seed=seed * 1000 + i)  # type: ignore[arg-type]
        t0 = time.perf_counter()
        bp = bp_oscillometric(rec.pressure, rec.fs, method=method)  # type: ignore[arg-type]
        t_analyse += time.perf_counter() - t0
        flagged["irregular"] += bp.irregular
        flagged["movement"] += bp.movement
        if not bp.quality.usable:
            refused[bp.quality.reason] = refused.get(bp.quality.reason, 0) + 1
            continue
        assert bp.systolic is not None and bp.diastolic is not None and bp.mean is not None
        errs.append((bp.systolic - rec.systolic, bp.diastolic - rec.diastolic, bp.mean - rec.mean))
    return {
        "name": name,
        "n": n,
        "errs": np.array(errs).reshape(-1, 3),
        "refused": refused,
        "flagged": flagged,
        "rate": n / t_analyse,
    }


def _row(r: dict[str, object]) -> str:
    e = r["errs"]
    assert isinstance(e, np.ndarray)
    n = r["n"]
    assert isinstance(n, int)
    stats = (
        "  ".join(f"{m:+5.2f} {s:4.2f}" for m, s in zip(e.mean(0), e.std(0), strict=True))
        if len(e)
        else "   -" * 6
    )
    refused = r["refused"]
    assert isinstance(refused, dict)
    flagged = r["flagged"]
    assert isinstance(flagged, dict)
    why = ", ".join(f"{k} {v}" for k, v in sorted(refused.items())) or "-"
    return (
        f"| {r['name']:<28} | {n:>3} | {stats} | {100 * sum(refused.values()) / n:5.1f} % "
        f"| {flagged['irregular']:>3} | {flagged['movement']:>3} | {why} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=50, help="recordings per subset")
    ap.add_argument("--method", default="ratio", choices=["ratio", "slope"])
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    head = (
        "| subset                       |   n | SBP mean   SD  DBP mean   SD  MAP mean   SD "
        "| refused | irr | mov | reasons |"
    )
    print(f"vitals.bp, method={args.method}: error = estimate - truth, mmHg")
    print(head)
    print("|" + "---|" * 8)
    results = []
    for k, (name, draw) in enumerate({**SUBSETS, **FAULTS}.items()):
        r = run(name, draw, args.n, args.seed + k, args.method)
        results.append(r)
        print(_row(r), flush=True)
    measured = np.concatenate([r["errs"] for r in results[: len(SUBSETS)]])  # type: ignore[misc]
    print(
        f"all measurable subsets: n={len(measured)}, mean "
        + ", ".join(
            f"{lab} {m:+.2f} SD {s:.2f}"
            for lab, m, s in zip(
                ("SBP", "DBP", "MAP"), measured.mean(0), measured.std(0), strict=True
            )
        )
    )
    total = sum(r["n"] for r in results)  # type: ignore[misc]
    rate = total / sum(r["n"] / r["rate"] for r in results)  # type: ignore[operator]
    print(f"throughput: {rate:.1f} recordings/s (analysis only, one core)")

    print("\nDegradation with the arm's characteristic ratio (the method assumes 0.55 / 0.75):")
    print("| true ratio | SBP mean SD (varying systolic ratio) | DBP mean SD (varying diastolic) |")
    print("|---|---|---|")
    for rs, rd in zip((0.45, 0.50, 0.55, 0.60, 0.65), (0.65, 0.70, 0.75, 0.80, 0.85), strict=True):
        a = run("", lambda rng, s, d, rs=rs: {"systolic_ratio": rs}, 20, 99, args.method)
        b = run("", lambda rng, s, d, rd=rd: {"diastolic_ratio": rd}, 20, 98, args.method)
        ea, eb = a["errs"], b["errs"]
        assert isinstance(ea, np.ndarray) and isinstance(eb, np.ndarray)
        print(
            f"| {rs:.2f} / {rd:.2f} | {ea[:, 0].mean():+6.2f} {ea[:, 0].std():5.2f} "
            f"| {eb[:, 1].mean():+6.2f} {eb[:, 1].std():5.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
