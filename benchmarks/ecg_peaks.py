"""R-peak detection on MIT-BIH: ours against neurokit2 0.2.13, scored as ANSI/AAMI EC57.

For each of the shared MIT-BIH records (channel 0, MLII, 360 Hz, 30 min) three
pipelines find R peaks on the whole record:

* ``ours``: :func:`vitals.ecg.ecg_peaks` (default method) on the raw signal;
* ``nk raw``: ``neurokit2.ecg_peaks`` on the raw signal;
* ``nk clean``: ``neurokit2.ecg_clean`` then ``neurokit2.ecg_peaks`` (both defaults).

Detections are matched to the reference beat annotations within 150 ms and 75 ms
(see :mod:`mitdb`): sensitivity Se, positive predictivity +P and F1, in %; the mean and
median absolute timing error of matched peaks (ms, 150 ms matching); and throughput,
seconds of signal per CPU second on one core. The records are split as they were
used while tuning: ``dev`` records were looked at, ``held-out`` ones were only scored.

    .venv/bin/python benchmarks/ecg_peaks.py [RECORD ...]
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable

import mitdb
import numpy as np
from numpy.typing import NDArray

from vitals.ecg import ecg_peaks

#: Records looked at while tuning the detector; the others are held out.
DEV = ("100", "105", "106", "108", "203", "207", "210", "231")


def ours(x: NDArray[np.float64], fs: float) -> NDArray[np.intp]:
    return ecg_peaks(x, fs).indices


def nk_raw(x: NDArray[np.float64], fs: float) -> NDArray[np.intp]:
    import neurokit2 as nk

    _, info = nk.ecg_peaks(x, sampling_rate=int(fs))
    return np.asarray(info["ECG_R_Peaks"], dtype=np.intp)


def nk_clean(x: NDArray[np.float64], fs: float) -> NDArray[np.intp]:
    import neurokit2 as nk

    clean = nk.ecg_clean(x, sampling_rate=int(fs))
    _, info = nk.ecg_peaks(clean, sampling_rate=int(fs))
    return np.asarray(info["ECG_R_Peaks"], dtype=np.intp)


PIPELINES: dict[str, Callable[[NDArray[np.float64], float], NDArray[np.intp]]] = {
    "ours": ours,
    "nk raw": nk_raw,
    "nk clean": nk_clean,
}


def cells(s150: mitdb.Score, s75: mitdb.Score) -> str:
    return f"{s150.se:6.2f} {s150.ppv:6.2f} {s150.f1:6.2f} {s75.f1:6.2f}"


def main(records: list[str]) -> int:
    if not mitdb.available():
        print(f"MIT-BIH records not found at {mitdb.DATA_DIR}: nothing to benchmark.")
        return 0
    names = list(PIPELINES)
    head = "record " + " | ".join(f"{n:^27}" for n in names)
    sub = "       " + " | ".join(f"{'Se':>6} {'+P':>6} {'F1':>6} {'F1@75':>6}" for _ in names)
    print(head)
    print(sub)
    totals: dict[tuple[str, str], tuple[mitdb.Score, mitdb.Score]] = {}
    cpu = dict.fromkeys(names, 0.0)
    seconds = 0.0
    for name in records:
        rec = mitdb.load(name)
        seconds += rec.signal.size / rec.fs
        row = []
        for p in names:
            t0 = time.process_time()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                det = PIPELINES[p](rec.signal, rec.fs)
            cpu[p] += time.process_time() - t0
            s150, s75 = mitdb.score(rec, det), mitdb.score(rec, det, 0.075)
            row.append(cells(s150, s75))
            group = "dev" if name in DEV else "held-out"
            for key in ((p, "all"), (p, group)):
                if key in totals:
                    a, b = totals[key]
                    totals[key] = (a + s150, b + s75)
                else:
                    totals[key] = (s150, s75)
        print(f"{name:6} " + " | ".join(row), flush=True)
    print("-" * len(sub))
    for group in ("dev", "held-out", "all"):
        if (names[0], group) in totals:
            print(f"{group:6.6} " + " | ".join(cells(*totals[(p, group)]) for p in names))
    print()
    print(f"{'pipeline':10} {'FN':>5} {'FP':>5} {'mean|err| ms':>13} {'median|err| ms':>15} "
          f"{'s signal / s CPU':>17}")  # fmt: skip
    for p in names:
        s150, _ = totals[(p, "all")]
        err = np.abs(s150.errors_ms)
        print(
            f"{p:10} {s150.fn:5d} {s150.fp:5d} {err.mean():13.1f} {np.median(err):15.1f} "
            f"{seconds / max(cpu[p], 1e-9):17.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or list(mitdb.RECORDS)))
