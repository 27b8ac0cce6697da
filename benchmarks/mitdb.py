"""Reading the shared MIT-BIH records and scoring beat detections as ANSI/AAMI EC57 does.

The records live in ``../shared/data/mitdb`` beside the repository (never copied into
it). Scoring follows the beat-by-beat comparison of PhysioNet's ``bxb`` (ANSI/AAMI
EC57:2012): a detection matches a reference beat within a window (150 ms by default),
each reference beat and each detection is used at most once (closest pairs first), only
beat annotations count, ventricular-flutter episodes between ``[`` and ``]`` are left
out for both sides, and so is the first and last second of the record.

Moody GB, Mark RG. The impact of the MIT-BIH Arrhythmia Database. IEEE Eng Med Biol
20(3):45-50, 2001.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "mitdb"
RECORDS = (
    "100", "105", "106", "108", "113", "119", "201", "203",
    "207", "208", "210", "221", "228", "231", "232",
)  # fmt: skip
BEAT_SYMBOLS = frozenset("NLRBAaJSVrFejnE/fQ?")
EDGE_S = 1.0


@dataclass(frozen=True)
class Record:
    """One MIT-BIH record: MLII in mV, its sampling rate, the scored reference beats."""

    name: str
    signal: NDArray[np.float64]
    fs: float
    beats: NDArray[np.intp]  # sample indices of the scored reference beats
    excluded: tuple[tuple[int, int], ...]  # sample spans left out of scoring


def available() -> bool:
    """Whether the shared MIT-BIH folder is there."""
    return (DATA_DIR / "100.hea").exists()


def load(name: str, seconds: float | None = None) -> Record:
    """Read channel 0 (MLII) of a record and its scored beats, optionally the first seconds."""
    import wfdb

    path = str(DATA_DIR / name)
    sampto = None if seconds is None else round(seconds * 360)
    rec = wfdb.rdrecord(path, channels=[0], sampto=sampto)
    ann = wfdb.rdann(path, "atr", sampto=sampto)
    fs = float(rec.fs)
    x = np.asarray(rec.p_signal[:, 0], dtype=np.float64)
    n = x.size
    edge = round(EDGE_S * fs)
    spans: list[tuple[int, int]] = [(0, edge), (n - edge, n)]
    start: int | None = None
    for sample, symbol in zip(ann.sample, ann.symbol, strict=True):
        if symbol == "[":
            start = int(sample)
        elif symbol == "]" and start is not None:
            spans.append((start, int(sample) + 1))
            start = None
    if start is not None:
        spans.append((start, n))
    samples = np.asarray(ann.sample, dtype=np.intp)
    keep = np.array([s in BEAT_SYMBOLS for s in ann.symbol], dtype=bool)
    beats = samples[keep]
    beats = beats[~_in_spans(beats, spans)]
    return Record(name, x, fs, beats, tuple(spans))


def _in_spans(
    idx: NDArray[np.intp], spans: tuple[tuple[int, int], ...] | list[tuple[int, int]]
) -> NDArray[np.bool_]:
    out = np.zeros(idx.size, dtype=bool)
    for a, b in spans:
        out |= (idx >= a) & (idx < b)
    return out


@dataclass(frozen=True)
class Score:
    """Beat-by-beat counts and the timing errors of matched detections (ms)."""

    tp: int
    fn: int
    fp: int
    errors_ms: NDArray[np.float64]

    @property
    def se(self) -> float:
        return 100.0 * self.tp / max(1, self.tp + self.fn)

    @property
    def ppv(self) -> float:
        return 100.0 * self.tp / max(1, self.tp + self.fp)

    @property
    def f1(self) -> float:
        return 100.0 * 2 * self.tp / max(1, 2 * self.tp + self.fp + self.fn)

    def __add__(self, other: Score) -> Score:
        return Score(
            self.tp + other.tp,
            self.fn + other.fn,
            self.fp + other.fp,
            np.concatenate([self.errors_ms, other.errors_ms]),
        )


def score(record: Record, detections: NDArray[np.intp], window_s: float = 0.150) -> Score:
    """Match detections to the reference beats within ``window_s``, closest pairs first."""
    det = np.sort(np.asarray(detections, dtype=np.intp))
    det = det[~_in_spans(det, record.excluded)]
    ref = record.beats
    tol = window_s * record.fs
    # All candidate pairs within the window; ref beats are >= ~200 ms apart so few pairs.
    lo = np.searchsorted(det, ref - tol, side="left")
    hi = np.searchsorted(det, ref + tol, side="right")
    pairs = [
        (abs(int(det[j]) - int(r)), i, j) for i, r in enumerate(ref) for j in range(lo[i], hi[i])
    ]
    pairs.sort()
    ref_used = np.zeros(ref.size, dtype=bool)
    det_used = np.zeros(det.size, dtype=bool)
    errors = []
    for d, i, j in pairs:
        if d > tol or ref_used[i] or det_used[j]:
            continue
        ref_used[i] = det_used[j] = True
        errors.append(1000.0 * (int(det[j]) - int(ref[i])) / record.fs)
    tp = int(ref_used.sum())
    return Score(tp, int(ref.size - tp), int(det.size - det_used.sum()), np.asarray(errors))
