"""Camera pulse from mean skin colour traces: POS and CHROM, band-pass, spectral rate.

Pure functions over uniformly sampled ``(n, 3)`` traces of the spatial mean R, G, B
of a skin region (any positive scale, e.g. 0-255 pixel levels) at ``fs`` Hz. The
frame-level steps (face, skin region, variable frame rate) are in :mod:`vitals.rppg`.

Methods:
    ``"pos"``: Plane-Orthogonal-to-Skin. W. Wang, A. C. den Brinker, S. Stuijk and
    G. de Haan, "Algorithmic principles of remote PPG", IEEE Trans. Biomed. Eng.
    64(7):1479-1491, 2017, Algorithm 1: in sliding windows of 1.6 s the colour
    traces are divided by their mean, projected on the plane orthogonal to skin tone,
    ``S = [[0, 1, -1], [-2, 1, 1]] C``, tuned ``h = S1 + (sd(S1) / sd(S2)) S2`` and
    overlap-added.

    ``"chrom"``: G. de Haan and V. Jeanne, "Robust pulse rate from
    chrominance-based rPPG", IEEE Trans. Biomed. Eng. 60(10):2878-2886, 2013:
    ``X = 3R - 2G``, ``Y = 1.5R + G - 1.5B`` on normalised colours, both band-passed,
    ``S = Xf - (sd(Xf) / sd(Yf)) Yf`` in Hann-weighted half-overlapping windows,
    overlap-added. Here the colours are normalised by a centred moving mean of the
    same 1.6 s length.

The pulse is band-passed with edges at 0.6 and 4.5 Hz, a little outside the
0.7-4 Hz (42-240 /min) pulse band so the filter's slopes neither damp nor pull a
rate at the band's ends; the rate is the highest peak of its spectrum within
0.7-4 Hz. Its quality is the spectral signal-to-noise ratio of de Haan and
Jeanne (2013): the power within a template around the pulse frequency and its
first harmonic over the rest of the filter's band. They centre the template on a
reference rate; with no reference, it is centred here on the estimated peak, with
half-widths of 0.1 Hz (6 /min) and 0.2 Hz (our choice, as is common in rPPG
toolboxes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import signal as sps

from vitals.signal import as_signal

__all__ = [
    "BAND_HZ",
    "FILTER_HZ",
    "RppgMethod",
    "SpectralPeak",
    "as_rgb_traces",
    "bandpass",
    "chrom",
    "pos",
    "spectral_peak",
]

RppgMethod = Literal["pos", "chrom"]

BAND_HZ = (0.7, 4.0)
"""The pulse band searched for the rate, Hz (42-240 /min)."""

FILTER_HZ = (0.6, 4.5)
"""The band-pass filter's -3 dB edges, Hz: a little wider than :data:`BAND_HZ`, so that
the filter's slopes neither damp nor pull a rate at either end of the band."""

WINDOW_S = 1.6
"""Length of the POS and CHROM sliding windows, s (Wang et al. 2017: 32 frames at 20 fps)."""

_FILTER_ORDER = 4
_FUNDAMENTAL_HALF_WIDTH_HZ = 0.1
_HARMONIC_HALF_WIDTH_HZ = 0.2
_MIN_FS = 10.0
_PROJECTION = np.array([[0.0, 1.0, -1.0], [-2.0, 1.0, 1.0]])


@dataclass(frozen=True, slots=True)
class SpectralPeak:
    """The pulse frequency found in a spectrum.

    Attributes:
        rate: pulse rate, /min.
        snr_db: spectral signal-to-noise ratio after de Haan and Jeanne (2013), dB.
    """

    rate: float
    snr_db: float


def as_rgb_traces(rgb: ArrayLike, fs: float) -> NDArray[np.float64]:
    """Check and convert colour traces to an ``(n, 3)`` float64 array.

    Args:
        rgb: spatial mean R, G, B per sample, shape ``(n, 3)``, positive levels.
        fs: sampling rate in Hz; at least 10 Hz, so the pulse band lies below Nyquist.

    Raises:
        ValueError: wrong shape, ``fs`` below 10 Hz or not finite, fewer than two
            POS windows, or values that are not finite and positive.
    """
    x = np.asarray(rgb, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 3:
        raise ValueError(f"rgb must have shape (n, 3), not {x.shape}")
    for channel in x.T:  # the shared checks: fs, length, NaN and inf
        as_signal(channel, fs, min_seconds=2 * WINDOW_S, fs_range=(_MIN_FS, 1000.0))
    if x.shape[0] < 2 * _window_length(fs):
        raise ValueError(f"signal too short: need at least {2 * WINDOW_S:g} s")
    if (x <= 0).any():
        raise ValueError("rgb must be positive")
    return x


def _window_length(fs: float) -> int:
    return max(2, round(WINDOW_S * fs))


def pos(rgb: NDArray[np.float64], fs: float) -> NDArray[np.float64]:
    """The POS pulse of checked ``(n, 3)`` traces at ``fs`` Hz; rises with blood volume."""
    n, length = rgb.shape[0], _window_length(fs)
    # windows: (m, 3, length), one per start sample.
    windows = np.lib.stride_tricks.sliding_window_view(rgb, length, axis=0)
    normalised = windows / windows.mean(axis=2, keepdims=True)
    s = np.einsum("ij,mjl->mil", _PROJECTION, normalised)
    sd = s.std(axis=2)
    alpha = np.divide(sd[:, 0], sd[:, 1], out=np.zeros(sd.shape[0]), where=sd[:, 1] > 0)
    h = s[:, 0, :] + alpha[:, None] * s[:, 1, :]
    h -= h.mean(axis=1, keepdims=True)
    # S1 and S2 fall as blood volume rises: turn the pulse the right way up.
    return -_overlap_add(h, np.arange(h.shape[0]), n)


def chrom(rgb: NDArray[np.float64], fs: float) -> NDArray[np.float64]:
    """The CHROM pulse of checked ``(n, 3)`` traces at ``fs`` Hz; rises with blood volume."""
    n, length = rgb.shape[0], _window_length(fs)
    kernel = np.ones(length) / length
    level = np.stack(
        [np.convolve(np.pad(c, (length // 2, length - 1 - length // 2), "edge"), kernel, "valid")
         for c in rgb.T],
        axis=1,
    )  # fmt: skip
    r, g, b = (rgb / level).T
    xf = bandpass(3.0 * r - 2.0 * g, fs)
    yf = bandpass(1.5 * r + g - 1.5 * b, fs)
    starts = np.unique(np.append(np.arange(0, n - length + 1, max(1, length // 2)), n - length))
    taper = np.hanning(length)
    segments = np.empty((starts.size, length))
    for k, start in enumerate(starts):
        xs, ys = xf[start : start + length], yf[start : start + length]
        sy = ys.std()
        alpha = xs.std() / sy if sy > 0 else 0.0
        segments[k] = (xs - alpha * ys) * taper
    return _overlap_add(segments, starts, n)


def _overlap_add(
    segments: NDArray[np.float64], starts: NDArray[np.intp], n: int
) -> NDArray[np.float64]:
    out = np.zeros(n)
    for j in range(segments.shape[1]):
        out[starts + j] += segments[:, j]
    return out


def bandpass(x: NDArray[np.float64], fs: float) -> NDArray[np.float64]:
    """Zero-phase Butterworth band-pass over :data:`FILTER_HZ` (order 4, applied twice)."""
    sos = sps.butter(_FILTER_ORDER, FILTER_HZ, btype="bandpass", fs=fs, output="sos")
    return np.asarray(sps.sosfiltfilt(sos, x - x.mean()), dtype=np.float64)


def spectral_peak(pulse: NDArray[np.float64], fs: float) -> SpectralPeak | None:
    """The strongest frequency of ``pulse`` (sampled at ``fs`` Hz) within the pulse band.

    The spectrum is the Hann-windowed periodogram zero-padded to a 0.25 /min grid or
    finer; the peak is refined by a parabola through the log power of its three bins.

    Returns:
        The peak with its SNR, or None for a flat (all-zero) pulse.
    """
    n = pulse.size
    nfft = max(1 << math.ceil(math.log2(n)), 1 << math.ceil(math.log2(fs * 240.0)))
    power = np.abs(np.fft.rfft((pulse - pulse.mean()) * np.hanning(n), nfft)) ** 2
    freqs = np.fft.rfftfreq(nfft, 1.0 / fs)
    band = (freqs >= BAND_HZ[0]) & (freqs <= BAND_HZ[1])
    total = float(power[band].sum())
    if total <= 0.0 or not math.isfinite(total):
        return None
    index = int(np.flatnonzero(band)[np.argmax(power[band])])
    band = (freqs >= FILTER_HZ[0]) & (freqs <= FILTER_HZ[1])
    peak = freqs[index]
    if 0 < index < power.size - 1 and min(power[index - 1 : index + 2]) > 0:
        a, b, c = np.log(power[index - 1 : index + 2])
        denominator = a - 2.0 * b + c
        if denominator < 0:
            peak += 0.5 * (a - c) / denominator * (freqs[1] - freqs[0])
    template = (np.abs(freqs - peak) <= _FUNDAMENTAL_HALF_WIDTH_HZ) | (
        np.abs(freqs - 2.0 * peak) <= _HARMONIC_HALF_WIDTH_HZ
    )
    signal_power = float(power[band & template].sum())
    noise_power = float(power[band & ~template].sum())
    snr = math.inf if noise_power == 0 else 10.0 * math.log10(signal_power / noise_power)
    return SpectralPeak(rate=float(peak) * 60.0, snr_db=snr)
