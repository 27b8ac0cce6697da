"""Respiratory rate from ECG and PPG on BIDMC record 01 against its impedance respiration.

32 s windows every 5 s over the 8 min of ``bidmc01`` (PLETH, ECG II and thoracic
impedance RESP at 125 Hz; Pimentel et al., IEEE TBME 64(8):1914-1923, 2017). The
reference rate of a window comes from RESP two ways, the peak of its spectrum and a count
of its breaths (upward crossings of the band-passed wave, after Schaefer and Kratky, Ann.
Biomed. Eng. 36:2045-2055, 2008); windows where the two differ by more than 2 /min have
no trustworthy reference and are left out. Beats come from ``vitals.ecg``/``vitals.ppg``
when present, else from a minimal detector here. Beside ours, neurokit2's ECG-derived
respiration (``ecg_rsp``, from the heart rate) read with the same spectral peak.

Run: ``.venv/bin/python benchmarks/respiration.py``. Exits 0 with a message if the data
is absent.
"""

from __future__ import annotations

import importlib.util
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy import signal as sps

from vitals.resp import RespiratoryRate, detect_beats, resp_rate_from_beats, resp_rate_fuse

DETECTORS: dict[str, str] = {}
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "bidmc01"
WINDOW_S, STEP_S = 32.0, 5.0


def load() -> tuple[float, dict[str, np.ndarray]]:
    raw = np.genfromtxt(DATA / "bidmc_01_Signals.csv", delimiter=",", skip_header=1)
    t = raw[:, 0]
    fs = (t.size - 1) / (t[-1] - t[0])  # the time column is rounded: use its span
    return fs, {"resp": raw[:, 1], "pleth": raw[:, 2], "ecg": raw[:, 5]}


def ecg_beats(x: np.ndarray, fs: float) -> np.ndarray:
    if importlib.util.find_spec("vitals.ecg") is not None:
        try:
            beats = detect_beats(x, fs, "ecg")
            if beats.size >= 3:
                DETECTORS["ecg"] = "vitals.ecg"
                return beats
        except (RuntimeError, AttributeError, ValueError):
            pass
    # bidmc01's ECG is clipped at its top (1,535 samples at the ceiling), which vitals.ecg
    # refuses as it should; its R-peak times are still good enough for respiration.
    DETECTORS["ecg"] = "local minimal detector (vitals.ecg refused the clipped ECG)"
    sos = sps.butter(2, [5, 20], btype="bandpass", fs=fs, output="sos")
    e = np.convolve(np.gradient(sps.sosfiltfilt(sos, x)) ** 2, np.ones(round(0.12 * fs)), "same")
    peaks, _ = sps.find_peaks(e, distance=round(0.3 * fs), height=0.25 * np.percentile(e, 99))
    half = round(0.06 * fs)
    return np.array(
        [max(0, p - half) + int(np.argmax(x[max(0, p - half) : p + half])) for p in peaks]
    )


def ppg_beats(x: np.ndarray, fs: float) -> np.ndarray:
    if importlib.util.find_spec("vitals.ppg") is not None:
        try:
            DETECTORS["ppg"] = "vitals.ppg"
            return detect_beats(x, fs, "ppg")
        except (RuntimeError, AttributeError, ValueError):
            pass
    DETECTORS["ppg"] = "local minimal detector"
    sos = sps.butter(2, [0.5, 8], btype="bandpass", fs=fs, output="sos")
    y = sps.sosfiltfilt(sos, x)
    peaks, _ = sps.find_peaks(y, distance=round(0.33 * fs), prominence=0.3 * np.std(y) * 2)
    return peaks


def _spectral_rate(x: np.ndarray, fs: float) -> float:
    sos = sps.butter(2, [4 / 60, 1.0], btype="bandpass", fs=fs, output="sos")
    y = sps.sosfiltfilt(sos, sps.detrend(x))
    nfft = 1 << 16
    spec = np.abs(np.fft.rfft(y * np.hanning(y.size), nfft)) ** 2
    f = np.fft.rfftfreq(nfft, 1 / fs)
    band = (f >= 4 / 60) & (f <= 1.0)
    return 60.0 * float(f[band][np.argmax(spec[band])])


def reference(resp: np.ndarray, fs: float) -> float | None:
    """RESP rate of a window (/min) when spectrum and breath count agree, else None."""
    spectral = _spectral_rate(resp, fs)
    sos = sps.butter(2, [4 / 60, 1.0], btype="bandpass", fs=fs, output="sos")
    y = sps.sosfiltfilt(sos, sps.detrend(resp))
    hyst = 0.2 * np.percentile(np.abs(y), 75)
    ups, state = [], -1
    for i, v in enumerate(y):
        if state < 0 and v > hyst:
            ups.append(i)
            state = 1
        elif state > 0 and v < -hyst:
            state = -1
    if len(ups) < 3:
        return None
    counted = 60.0 * (len(ups) - 1) / ((ups[-1] - ups[0]) / fs)
    return (spectral + counted) / 2 if abs(spectral - counted) <= 2.0 else None


def neurokit_edr(ecg: np.ndarray, beats: np.ndarray, fs: float) -> float | None:
    try:
        import neurokit2 as nk
    except ImportError:
        return None
    if beats.size < 3:  # our detector refused the window: nothing to derive from
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rate = nk.ecg_rate(beats, sampling_rate=round(fs), desired_length=ecg.size)
        edr = nk.ecg_rsp(rate, sampling_rate=round(fs))
    return _spectral_rate(np.asarray(edr, dtype=float), fs)


def main() -> None:
    if not (DATA / "bidmc_01_Signals.csv").exists():
        print(f"bidmc01 not found at {DATA}: nothing to benchmark (see shared/data/README.md)")
        sys.exit(0)
    fs, sig = load()
    n_win, n_step = round(WINDOW_S * fs), round(STEP_S * fs)
    rows: dict[str, list[float]] = {}
    refused: dict[str, int] = {}
    n_ref, n_total, t_ours = 0, 0, 0.0
    for start in range(0, sig["ecg"].size - n_win + 1, n_step):
        n_total += 1
        win = {k: v[start : start + n_win] for k, v in sig.items()}
        ref = reference(win["resp"], fs)
        if ref is None:
            continue
        n_ref += 1
        eb, pb = ecg_beats(win["ecg"], fs), ppg_beats(win["pleth"], fs)
        t0 = time.perf_counter()
        ecg = resp_rate_from_beats(win["ecg"], fs, eb, kind="ecg")
        ppg = resp_rate_from_beats(win["pleth"], fs, pb, kind="ppg")
        fused = resp_rate_fuse(ecg, ppg)
        t_ours += time.perf_counter() - t0
        results: dict[str, RespiratoryRate | float | None] = {"ECG fused": ecg, "PPG fused": ppg}
        results["ECG+PPG fused"] = fused
        for m in ecg.modulations + ppg.modulations:
            results[m.name] = m.rate
        results["neurokit2 ecg_rsp (EDR)"] = neurokit_edr(win["ecg"], eb, fs)
        for name, r in results.items():
            value = r.value if isinstance(r, RespiratoryRate) else r
            if isinstance(r, RespiratoryRate) and not r.quality.usable:
                refused[name] = refused.get(name, 0) + 1
            if value is not None:
                rows.setdefault(name, []).append(abs(value - ref))
            else:
                rows.setdefault(name, [])
    print(f"bidmc01: fs {fs:.3f} Hz, {n_total} windows of {WINDOW_S:g} s every {STEP_S:g} s, ")
    print(f"{n_ref} with an agreeing RESP reference (spectrum vs breath count within 2 /min)")
    print("| estimator | windows with a value | refused | MAE /min | median AE | within 2 /min |")
    print("|---|---|---|---|---|---|")
    for name, errs in rows.items():
        e = np.array(errs)
        stats = (
            f"{e.mean():6.2f} | {np.median(e):6.2f} | {100 * np.mean(e <= 2):5.1f} %"
            if e.size
            else "- | - | -"
        )
        print(f"| {name} | {e.size}/{n_ref} | {refused.get(name, 0)} | {stats} |")
    print(f"beats from: ECG {DETECTORS.get('ecg')}, PPG {DETECTORS.get('ppg')}")
    print(f"throughput: {3 * n_ref / t_ours:.0f} window analyses/s (ECG, PPG, fusion; beats given)")


if __name__ == "__main__":
    main()
