"""How far a photoplethysmogram (PPG) window can be trusted: signal quality and motion.

Four indices, each from the literature, computed on a band-passed PPG and its beats:

* template matching: the mean correlation of each beat with the window's mean beat,
  after C. Orphanidou et al., "Signal-quality indices for the electrocardiogram and
  photoplethysmogram: derivation and applications to wireless monitoring", IEEE J.
  Biomed. Health Inform. 19(3):832-838, 2015 (threshold 0.86 for the PPG);
* beat-to-beat amplitude consistency, a waveform-morphology measure after J. A. Sukor,
  S. J. Redmond and N. H. Lovell, "Signal quality measures for pulse oximetry through
  waveform morphology analysis", Physiol. Meas. 32(3):369-384, 2011;
* skewness, the best single index in M. Elgendi, "Optimal signal quality index for
  photoplethysmogram signals", Bioengineering 3(4):21, 2016 (and a motion marker in
  R. Krishnan et al., IEEE TBME 57(8):1867-1876, 2010);
* spectral purity: the share of the pulse band's power at the pulse rate and its first
  two harmonics. Hand movement spreads power over the band.

Movement of the hand (no accelerometer needed) shows as beats that no longer look alike
or change size from beat to beat, and as power away from the pulse harmonics; a window
that fails is refused with ``reason="motion"``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from vitals.signal import Quality, true_runs

__all__ = ["PpgSqi", "clipped_fraction", "ppg_sqi"]

#: Orphanidou et al. (2015): a PPG window is good when the mean beat correlation is >= 0.86.
TEMPLATE_MIN = 0.86
#: Largest robust coefficient of variation of the beat amplitudes (breathing gives ~0.1).
AMPLITUDE_CV_MAX = 0.3
#: Smallest share of the pulse band's power at the pulse harmonics.
PURITY_MIN = 0.5
#: Beats a window needs before its morphology can be judged.
MIN_BEATS = 3
#: Largest share of samples on a flat run at the rails before a window is clipped.
CLIPPED_MAX = 0.01


@dataclass(frozen=True, slots=True)
class PpgSqi:
    """Signal-quality indices of one PPG window.

    Attributes:
        template: mean Pearson correlation of each beat with the mean beat, -1 to 1
            (Orphanidou et al. 2015).
        amplitude_cv: robust coefficient of variation (1.4826 MAD / median) of the beat
            amplitudes, foot to systolic peak; dimensionless.
        skewness: skewness of the band-passed window (Elgendi 2016); dimensionless.
        purity: share of the 0.5-8 Hz power within the pulse rate's first three
            harmonics, 0 to 1.
        clipped: share of samples on flat runs at the window's extremes, 0 to 1.
        beats: number of beats the indices were computed on.
        quality: the verdict: ``usable`` with a score, or refused with a reason
            (``"clipped"``, ``"too_few_beats"``, ``"motion"``).
    """

    template: float
    amplitude_cv: float
    skewness: float
    purity: float
    clipped: float
    beats: int
    quality: Quality


def clipped_fraction(x: NDArray[np.float64], fs: float) -> float:
    """Share of samples on flat runs (at least 50 ms and 3 samples) at the signal's extremes.

    A converter at its ceiling or floor holds the same code for many samples in a row; a
    live signal touches its extremes only briefly, even when coarsely quantised.

    Args:
        x: raw samples (before any filter).
        fs: sampling rate in Hz.
    """
    if x.size == 0:
        return 0.0
    at_rail = (x == x.max()) | (x == x.min())
    shortest = max(3, round(0.05 * fs))
    return sum(b - a for a, b in true_runs(at_rail) if b - a >= shortest) / x.size


def _template_correlation(clean: NDArray[np.float64], peaks: NDArray[np.intp]) -> float:
    """Mean correlation of each beat (one median interval around its peak) with the mean beat."""
    if peaks.size < 2:
        return 0.0
    width = int(np.median(np.diff(peaks)))
    half = width // 2
    ok = peaks[(peaks - half >= 0) & (peaks + half < clean.size)]
    if ok.size < 2 or half < 2:
        return 0.0
    beats = clean[ok[:, None] + np.arange(-half, half + 1)[None, :]]
    beats = beats - beats.mean(axis=1, keepdims=True)
    template = beats.mean(axis=0)
    norms = np.linalg.norm(beats, axis=1) * np.linalg.norm(template)
    if np.any(norms == 0):
        return 0.0
    return float(np.mean(beats @ template / norms))


def _skewness(x: NDArray[np.float64]) -> float:
    d = x - x.mean()
    sd = math.sqrt(float(np.mean(d**2)))
    return 0.0 if sd == 0 else float(np.mean(d**3)) / sd**3


def _purity(clean: NDArray[np.float64], fs: float, rate_hz: float) -> float:
    """Share of the 0.5-8 Hz power within +-max(0.15 Hz, 10 %, 1/T) of the first three harmonics."""
    n = max(clean.size, round(20 * fs))  # zero-pad to 0.05 Hz bins or finer
    spectrum = np.abs(np.fft.rfft(clean * np.hanning(clean.size), n)) ** 2
    f = np.fft.rfftfreq(n, 1.0 / fs)
    band = (f >= 0.5) & (f <= 8.0)
    total = float(spectrum[band].sum())
    if total == 0 or not rate_hz > 0:
        return 0.0
    near = np.zeros(f.size, dtype=bool)
    for k in (1, 2, 3):
        near |= np.abs(f - k * rate_hz) <= max(0.15, 0.1 * k * rate_hz, fs / clean.size)
    return float(spectrum[band & near].sum()) / total


def ppg_sqi(
    clean: NDArray[np.float64],
    fs: float,
    peaks: NDArray[np.intp],
    feet: NDArray[np.intp],
    *,
    raw: NDArray[np.float64] | None = None,
) -> PpgSqi:
    """Signal-quality indices and a verdict for one window of a band-passed PPG.

    Args:
        clean: the band-passed PPG, blood volume upwards (see ``vitals.ppg.ppg_clean``).
        fs: sampling rate in Hz.
        peaks: sample index of each beat's systolic peak.
        feet: sample index of each beat's foot, paired with ``peaks``.
        raw: the unfiltered samples, to detect clipping; skipped when omitted.

    Returns:
        The indices. The window is refused as ``"clipped"`` when more than 1 % of it sits
        on flat runs at the rails, ``"too_few_beats"`` with fewer than three beats, and
        ``"motion"`` when the template correlation is below 0.86, the amplitude
        variation above 0.25 or the spectral purity below 0.5. The score is the
        smallest of the three indices' margins, mapped to 0-1.
    """
    clipped = clipped_fraction(raw, fs) if raw is not None else 0.0
    skew = _skewness(clean) if clean.size else 0.0
    n = int(peaks.size)
    if n >= 2:
        amps = clean[peaks] - clean[feet]
        med = float(np.median(amps))
        mad = float(np.median(np.abs(amps - med)))
        cv = 1.4826 * mad / med if med > 0 else math.inf
        template = _template_correlation(clean, peaks)
        purity = _purity(clean, fs, fs / float(np.median(np.diff(peaks))))
    else:
        cv, template, purity = math.inf, 0.0, 0.0

    if clipped > CLIPPED_MAX:
        quality = Quality.refused("clipped")
    elif n < MIN_BEATS:
        quality = Quality.refused("too_few_beats")
    else:
        score = min(
            (template - 0.5) / (1.0 - 0.5),
            1.0 - cv / (2 * AMPLITUDE_CV_MAX),
            purity,
        )
        score = min(1.0, max(0.0, score))
        good = template >= TEMPLATE_MIN and cv <= AMPLITUDE_CV_MAX and purity >= PURITY_MIN
        quality = Quality(score, True) if good else Quality.refused("motion", score)
    return PpgSqi(template, cv, skew, purity, clipped, n, quality)
