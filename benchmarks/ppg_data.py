"""Readers for the shared PPG recordings (read in place; never copied into the repo).

``<repo>/../shared/data`` holds them; see its README for formats and licences. The
OxiWear files carry no licence: they are read for evaluation only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy import signal as sps

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
BIDMC = DATA / "bidmc01" / "bidmc_01_Signals.csv"
OXIWEAR = DATA / "oxiwear_spo2"

#: Start-up transient at the head of every proto1 file, s (the data README).
PROTO1_SKIP_S = 0.6


@dataclass(frozen=True)
class Bidmc:
    """BIDMC record 01: finger PPG and ECG lead II at ``fs`` Hz."""

    fs: float
    pleth: NDArray[np.float64]
    ecg_ii: NDArray[np.float64]


@dataclass(frozen=True)
class OxiRecord:
    """One OxiWear recording: raw counts and the reference oximeter's reading.

    ``spo2`` and ``hr`` are (low, high) ranges; proto1 gives one value (low == high).
    ``spo2`` is None for the recording without a finger.
    """

    name: str
    fs: float
    ir: NDArray[np.float64]
    red: NDArray[np.float64]
    ambient: NDArray[np.float64]
    spo2: tuple[float, float] | None
    hr: tuple[float, float] | None


def load_bidmc() -> Bidmc:
    """Read record 01; fs from the time span (the printed time column is rounded)."""
    with BIDMC.open() as f:
        header = [h.strip() for h in f.readline().split(",")]
        data = np.loadtxt(f, delimiter=",")
    t = data[:, header.index("Time [s]")]
    fs = (t.size - 1) / (t[-1] - t[0])
    return Bidmc(fs, data[:, header.index("PLETH")], data[:, header.index("II")])


def _proto1(path: Path) -> OxiRecord:
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("timestamp,"))
    header = lines[start].split(",")
    rows = [line.split(",") for line in lines[start + 1 :] if line[:1].isdigit()]
    cols = [header.index(c) for c in ("timestamp", "LEDC1", "LEDC2", "LEDC3")]
    a = np.array([[float(r[c]) for c in cols] for r in rows])
    fs = 1000.0 * (a.shape[0] - 1) / (a[-1, 0] - a[0, 0])
    skip = round(PROTO1_SKIP_S * fs)
    m = re.match(r"\d{4}-(\d+)-(\d+)", path.stem)
    assert m, path.name
    spo2, hr = float(m[1]), float(m[2])
    return OxiRecord(path.stem, fs, a[skip:, 1], a[skip:, 2], a[skip:, 3], (spo2, spo2), (hr, hr))


def _range(text: str) -> tuple[float, float]:
    """'9596' -> (95, 96); '6765' -> (65, 67); '70' -> (70, 70)."""
    if len(text) == 4:
        a, b = float(text[:2]), float(text[2:])
        return (min(a, b), max(a, b))
    return (float(text), float(text))


def _proto2(path: Path) -> OxiRecord:
    rows = [line.split(",") for line in path.read_text().splitlines()[1:] if line.strip()]
    a = np.array([[float(v) for v in r[:3]] for r in rows])
    m = re.match(r"\d{8}-\d{6}-(\d+)-(\d+)", path.stem)
    spo2 = _range(m[1]) if m else None
    hr = _range(m[2]) if m else None
    return OxiRecord(path.stem, 24.995, a[:, 0], a[:, 2], a[:, 1], spo2, hr)


def proto1() -> Iterator[OxiRecord]:
    """The 58 finger test points (MAXM86161 kit, ~64 Hz), start-up transient dropped."""
    for path in sorted((OXIWEAR / "proto1").glob("*.csv")):
        yield _proto1(path)


def proto2() -> Iterator[OxiRecord]:
    """The 13 ear recordings (24.995 Hz); one has no finger and no reference."""
    for path in sorted((OXIWEAR / "proto2").glob("*.csv")):
        yield _proto2(path)


def ecg_r_peaks(ecg: NDArray[np.float64], fs: float) -> NDArray[np.intp]:
    """R peaks for a heart-rate reference: 5-15 Hz band, squared slope, 150 ms energy.

    Peaks of the energy at least 0.3 s apart and above 30 % of its 99th percentile, each
    moved to the largest deflection of the band-passed ECG within 80 ms. Plain, but on
    BIDMC 01 it agrees with neurokit2's ``ecg_peaks`` on all 730 beats (within 50 ms).
    """
    sos = sps.butter(2, [5.0, 15.0], btype="bandpass", fs=fs, output="sos")
    y = sps.sosfiltfilt(sos, ecg)
    energy = np.convolve(np.gradient(y) ** 2, np.ones(round(0.15 * fs)), mode="same")
    height = 0.3 * np.percentile(energy, 99)
    peaks, _ = sps.find_peaks(energy, distance=round(0.3 * fs), height=height)
    half = round(0.08 * fs)
    out = [max(0, p - half) + int(np.argmax(np.abs(y[max(0, p - half) : p + half]))) for p in peaks]
    return np.asarray(out, dtype=np.intp)


def available() -> bool:
    """Whether the shared data folder is there."""
    return BIDMC.exists() and (OXIWEAR / "proto1").is_dir()
