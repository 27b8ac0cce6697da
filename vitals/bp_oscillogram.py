"""The steps of oscillometry before the pressures are read: cycle, deflation, beats, envelope.

Private helpers of :mod:`vitals.bp`; every pressure is in mmHg, every time in s unless a
name says ``index``. The pipeline follows the reviews of M. Forouzanfar et al.,
"Oscillometric blood pressure estimation: past, present, and future", IEEE Rev. Biomed.
Eng. 8:44-63, 2015, and L. Geddes et al., Ann. Biomed. Eng. 10:271-280, 1982:

1. :func:`cycle_end`: the first dump of the cuff, found causally on 0.25 s blocks so that a
   streaming analyser finds the same sample as the offline function;
2. :func:`deflation`: the linear deflation between the top of inflation and the dump;
3. :func:`movement_mask`: spikes and steps that stand out of the deflation ramp;
4. :func:`beats`: one peak-to-trough oscillation amplitude per heartbeat on the
   band-passed oscillogram;
5. :func:`smooth_envelope`: a robust local-quadratic regression (LOWESS, W. S. Cleveland,
   "Robust locally weighted regression and smoothing scatterplots", J. Am. Stat. Assoc.
   74:829-836, 1979) of amplitude against cuff pressure, after a Hampel filter (F. R.
   Hampel, J. Am. Stat. Assoc. 69:383-393, 1974) against single outlying beats.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from scipy import signal as sps

BLOCK_S = 0.25  # s, the block on which the dump is sought
ARM_MMHG = 40.0  # a cycle counts once the cuff held this much
_DUMP_RATIO = 0.6  # the dump: below this fraction of the level 1-2 s before...
_DUMP_DROP_MMHG = 10.0  # ...and this much lower
_VALVE_S = 0.5  # skipped after the top of inflation (valve transient)
_GUARD_S = 0.3  # skipped before the dump
_BAND_HZ = (0.5, 6.0)  # oscillogram pass band
_MIN_RR_S = 0.27  # 220 /min
_F64 = NDArray[np.float64]


def _block_medians(x: _F64, fs: float) -> tuple[int, _F64]:
    b = max(1, round(BLOCK_S * fs))
    nb = x.size // b
    return b, np.median(x[: nb * b].reshape(nb, b), axis=1)


def cycle_end(x: _F64, fs: float) -> int | None:
    """Index just after the block where the cuff was first seen dumping, or None.

    Causal and aligned on blocks counted from the first sample, so that the answer for a
    prefix of ``x`` is the answer for ``x`` as soon as the prefix holds it.
    """
    b, med = _block_medians(x, fs)
    armed = np.flatnonzero(med > ARM_MMHG)
    if armed.size == 0 or med.size < 9:
        return None
    windows = np.lib.stride_tricks.sliding_window_view(x[: med.size * b], 4 * b)[::b]
    ref = np.median(windows, axis=1)  # ref[j]: blocks j..j+3
    for k in range(max(int(armed[0]) + 1, 8), med.size):
        r = ref[k - 7]  # blocks k-7..k-4: from 2 s to 1 s before the block ends
        if med[k] < _DUMP_RATIO * r and r - med[k] > _DUMP_DROP_MMHG:
            return (k + 1) * b
    return None


@dataclass(frozen=True, slots=True)
class Deflation:
    """Where the deflation lies and how it went (indices into the pressure record)."""

    top: int  # top of inflation
    start: int
    stop: int
    dumped: bool  # whether the dump was seen (else the record ends mid-deflation)
    rate: float  # mmHg/s, positive while deflating
    rate_early: float
    rate_late: float
    inflation_stalled: bool


def _line(t: _F64, y: _F64) -> tuple[float, float]:
    slope, icpt = np.polyfit(t, y, 1)
    return float(slope), float(icpt)


def deflation(x: _F64, fs: float, end: int | None) -> Deflation | None:
    """The deflation ramp of a record cut at ``end`` (the dump), or None if there is none."""
    stop = x.size if end is None else end
    smooth = ndimage.uniform_filter1d(x[:stop], max(1, round(0.5 * fs)), mode="nearest")
    top = int(np.argmax(smooth))
    start = top + round(_VALVE_S * fs)
    if end is not None:
        # The dump began where the pressure left the extrapolated ramp of the last 6 s.
        lo = max(start, end - round(8.5 * fs))
        hi = max(lo + 2, end - round(2.5 * fs))
        t = np.arange(lo, hi) / fs
        slope, icpt = _line(t, smooth[lo:hi])
        tail = np.arange(hi, end)
        below = np.flatnonzero(smooth[hi:end] < slope * tail / fs + icpt - 2.0)
        stop = int(tail[below[0]]) if below.size else end
    stop = max(stop - round(_GUARD_S * fs), min(start + round(0.3 * fs), x.size))
    if top == 0 or stop - start < 3:
        return None
    # Rates from a 1 s running median, which movement spikes barely move.
    seg = ndimage.median_filter(x[start:stop], max(1, round(fs)) | 1, mode="nearest")
    t = np.arange(seg.size) / fs
    third = max(2, seg.size // 3)
    rate = -_line(t, seg)[0]
    early = -_line(t[:third], seg[:third])[0]
    late = -_line(t[-third:], seg[-third:])[0]
    # Inflation: the rate over the last second before the top against the rate until then.
    rise = np.flatnonzero(smooth[:top] < 0.25 * smooth[top])
    i0 = int(rise[-1]) if rise.size else 0
    stalled = False
    one = round(fs)
    if top - i0 > 3 * one:
        whole = (smooth[top] - smooth[i0]) / ((top - i0) / fs)
        last = (smooth[top] - smooth[top - one]) / 1.0
        stalled = bool(last < 0.3 * whole)
    return Deflation(top, start, stop, end is not None, rate, early, late, stalled)


def movement_mask(x: _F64, fs: float, threshold: float) -> tuple[NDArray[np.bool_], int]:
    """Samples disturbed by movement in a deflation segment, and the number of events.

    A movement is where the pressure leaves its slow trend (a 3 s running median) by more
    than ``threshold`` mmHg, or where the trend rises (the ramp only ever falls); the mask
    spreads 0.2 s before and 1 s after each such place, as a spike decays.
    """
    trend = ndimage.median_filter(x, max(3, round(3.0 * fs)) | 1, mode="nearest")
    hit = np.abs(x - trend) > threshold
    lag = max(1, round(0.5 * fs))
    rising = np.zeros(x.size, dtype=bool)
    rising[lag:] = trend[lag:] - trend[:-lag] > 1.5
    hit |= rising
    _, events = ndimage.label(hit)
    before, after = round(0.2 * fs), round(1.0 * fs)
    mask = ndimage.binary_dilation(
        hit, structure=np.ones(before + after + 1, dtype=bool), origin=(before - after) // 2
    )
    return np.asarray(mask & True, dtype=np.bool_), int(events)


def oscillogram(x: _F64, fs: float, mask: NDArray[np.bool_]) -> tuple[_F64, _F64]:
    """(oscillations, baseline pressure) of a deflation segment, movement bridged over."""
    t = np.arange(x.size) / fs
    good = ~mask
    slope, icpt = _line(t[good], x[good]) if good.sum() > 2 else _line(t, x)
    r = x - (slope * t + icpt)
    if mask.any() and good.any():
        r[mask] = np.interp(t[mask], t[good], r[good])
    hi = min(_BAND_HZ[1], 0.4 * fs)
    sos = sps.butter(2, [_BAND_HZ[0], hi], btype="bandpass", fs=fs, output="sos")
    osc = sps.sosfiltfilt(sos, r)
    return np.asarray(osc, dtype=np.float64), np.asarray(x - osc, dtype=np.float64)


@dataclass(frozen=True, slots=True, eq=False)
class Beats:
    """Detected oscillations: peak index, amplitude (mmHg), cuff pressure (mmHg), kept."""

    peaks: NDArray[np.intp]
    amplitude: _F64
    pressure: _F64
    kept: NDArray[np.bool_]  # not disturbed by movement, not a Hampel outlier
    clean_rr: NDArray[np.bool_]  # per interval to the next peak: free of movement


def _hampel(a: _F64, half: int = 2, k: float = 3.0) -> NDArray[np.bool_]:
    """True where a value is an outlier among its 2*half neighbours (Hampel 1974)."""
    out = np.zeros(a.size, dtype=bool)
    for i in range(a.size):
        w = a[max(0, i - half) : i + half + 1]
        med = float(np.median(w))
        mad = 1.4826 * float(np.median(np.abs(w - med)))
        out[i] = abs(a[i] - med) > max(k * mad, 0.25 * med)
    return out


def _feet(osc: _F64, peaks: NDArray[np.intp]) -> NDArray[np.intp]:
    """The trough before each peak, back to the previous peak (or one RR for the first)."""
    rr = int(np.median(np.diff(peaks)))
    lows = np.concatenate(([max(0, int(peaks[0]) - rr)], peaks[:-1]))
    return np.array(
        [
            lo + int(np.argmin(osc[lo:p])) if p > lo else p
            for lo, p in zip(lows, peaks, strict=True)
        ],
        dtype=np.intp,
    )


def beats(osc: _F64, base: _F64, fs: float, mask: NDArray[np.bool_]) -> Beats:
    """One oscillation per heartbeat: its peak-to-trough amplitude and the cuff pressure."""
    noise = 1.4826 * float(np.median(np.abs(np.diff(osc)))) / np.sqrt(2.0)
    big = float(np.percentile(np.abs(osc[~mask]), 98)) if (~mask).any() else 0.0
    prominence = max(4.0 * noise, 0.08 * big, 1e-6)
    peaks, _ = sps.find_peaks(osc, distance=max(1, round(_MIN_RR_S * fs)), prominence=prominence)
    if peaks.size < 2:
        empty = np.empty(0)
        none = np.empty(0, dtype=bool)
        return Beats(np.empty(0, dtype=np.intp), empty, empty, none, none)
    # Drop the small peaks a beat's own reflected wave makes, judged by their neighbours.
    for _ in range(3):
        feet = _feet(osc, peaks)
        amp = osc[peaks] - osc[feet]
        ref = ndimage.median_filter(amp, size=min(7, amp.size), mode="mirror")
        small = amp < 0.4 * ref
        if not small.any() or peaks.size - small.sum() < 2:
            break
        peaks = peaks[~small]
    # Peak and trough placed on a 0.1 s mean and read as 50 ms means: searching the
    # noisy samples themselves for extremes would add the noise's range to every beat.
    coarse = ndimage.uniform_filter1d(osc, max(1, round(0.1 * fs)), mode="nearest")
    near = max(1, round(0.08 * fs))
    peaks = np.array(
        [max(0, p - near) + int(np.argmax(coarse[max(0, p - near) : p + near + 1])) for p in peaks],
        dtype=np.intp,
    )
    feet = _feet(coarse, peaks)
    level = ndimage.uniform_filter1d(osc, max(1, round(0.05 * fs)), mode="nearest")
    amp = level[peaks] - level[feet]
    pressure = base[feet]
    marks = np.concatenate(([0], np.cumsum(mask)))
    clean_rr = marks[peaks[1:] + 1] - marks[feet[:-1]] == 0
    disturbed = np.array([bool(mask[f : p + 1].any()) for f, p in zip(feet, peaks, strict=True)])
    kept = ~disturbed
    idx = np.flatnonzero(kept)
    if idx.size >= 3:
        kept[idx[_hampel(amp[idx])]] = False
    return Beats(np.asarray(peaks, dtype=np.intp), amp, pressure, kept, clean_rr)


def _local_quadratic(
    p: _F64, a: _F64, w_rob: _F64, at: _F64, bandwidth: float
) -> tuple[_F64, _F64]:
    """Local quadratic fit at ``at``: (values, weight of the point at ``at`` in its fit)."""
    x1 = p[None, :] - at[:, None]
    w = np.exp(-0.5 * (x1 / bandwidth) ** 2) * w_rob[None, :]
    s = [(w * x1**k).sum(1) for k in range(5)]
    t = [(w * x1**k * a).sum(1) for k in range(3)]
    m = np.stack([np.stack(s[i : i + 3], -1) for i in range(3)], -2)
    m += 1e-9 * (s[0][:, None, None] + 1e-12) * np.eye(3)[None]
    inv = np.linalg.inv(m)
    rhs = np.stack(t, -1)[..., None]
    return np.asarray((inv @ rhs)[:, 0, 0], dtype=np.float64), np.asarray(inv[:, 0, 0])


def smooth_envelope(
    p: _F64, a: _F64, grid: _F64, bandwidths: tuple[float, ...]
) -> tuple[_F64, _F64, float]:
    """Robust local-quadratic fit of amplitude ``a`` against pressure ``p`` on ``grid``.

    Gaussian kernel; the bandwidth (mmHg) is the candidate with the least robust
    leave-one-out error, two bisquare robustness passes (Cleveland 1979). Returns
    (envelope on the grid, fitted value at each beat, bandwidth used).
    """
    best: tuple[float, float, _F64] | None = None
    for h in bandwidths:
        weights = np.ones(p.size)
        for _ in range(2):
            fit, own = _local_quadratic(p, a, weights, p, h)
            resid = a - fit
            s = 6.0 * float(np.median(np.abs(resid))) + 1e-12
            weights = (1 - np.clip(resid / s, -1.0, 1.0) ** 2) ** 2
        fit, own = _local_quadratic(p, a, weights, p, h)
        loo = (a - fit) / np.clip(1.0 - own * weights, 0.05, None)
        err = float(np.median(loo**2))
        if best is None or err < 0.9 * best[0]:  # a wider fit must earn its place
            best = (err, h, weights)
    if best is None:
        raise ValueError("no bandwidth to try")
    _, h, weights = best
    return _local_quadratic(p, a, weights, grid, h)[0], _local_quadratic(p, a, weights, p, h)[0], h
