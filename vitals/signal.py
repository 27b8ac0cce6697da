"""What every vitals function shares: input checks, quality, warnings, a sliding window.

Conventions (STYLE.md, practice 7): functions take ``(signal, fs, *, method=...)``
with ``fs`` in Hz and return frozen dataclasses that carry ``fs``, ``method``
and a :class:`Quality`. Bad arguments (wrong shape, ``fs`` out of range, too
short) raise ``ValueError``; a signal that is merely unusable (flat, clipped,
noise, no finger) gives a result whose ``quality.usable`` is False with a
reason, and whose value is ``None``: never a wrong number with high quality.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import signal as sps

from hardware.events import WaveformChunk

__all__ = [
    "Quality",
    "SignalWindow",
    "VitalsWarning",
    "as_signal",
    "butter_bandpass",
    "freeze_arrays",
    "keep_taller",
    "read_chunk",
    "stream_rate",
    "true_runs",
]


class VitalsWarning(UserWarning):
    """A soft problem with the input that did not stop the analysis."""


@dataclass(frozen=True, slots=True)
class Quality:
    """How far a result can be trusted.

    Attributes:
        score: 0 (noise) to 1 (clean); method-specific, documented where computed.
        usable: whether a value may be shown and stored.
        reason: why not, as a short code (``"flat"``, ``"clipped"``, ``"noise"``,
            ``"too_short"``, ``"lead_off"``, ``"motion"``...), empty when usable.
    """

    score: float
    usable: bool
    reason: str = ""

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0 or math.isnan(self.score):
            raise ValueError("quality score must be within 0 and 1")
        if self.usable and self.reason:
            raise ValueError("a usable result has no reason to refuse")
        if not self.usable and not self.reason:
            raise ValueError("an unusable result needs a reason")

    @classmethod
    def refused(cls, reason: str, score: float = 0.0) -> Quality:
        """An unusable result, for ``reason``."""
        return cls(score, False, reason)


def as_signal(
    signal: ArrayLike,
    fs: float,
    *,
    min_seconds: float = 0.0,
    fs_range: tuple[float, float] = (1.0, 10_000.0),
    allow_nan: bool = False,
) -> NDArray[np.float64]:
    """Check and convert an input signal to a 1-D float64 array.

    Args:
        signal: the samples.
        fs: sampling rate in Hz.
        min_seconds: the shortest signal the caller can work with, in seconds.
        fs_range: the sampling rates the caller supports, in Hz.
        allow_nan: whether NaN samples (gaps) are allowed through.

    Raises:
        ValueError: not 1-D, ``fs`` outside ``fs_range``, shorter than
            ``min_seconds``, or NaN/inf where not allowed.
    """
    x = np.asarray(signal, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"signal must be one-dimensional, not {x.ndim}-D")
    if not (math.isfinite(fs) and fs_range[0] <= fs <= fs_range[1]):
        raise ValueError(f"fs must be within {fs_range[0]:g} and {fs_range[1]:g} Hz")
    if x.size < min_seconds * fs:
        raise ValueError(f"signal too short: need at least {min_seconds:g} s")
    if np.isinf(x).any() or (not allow_nan and np.isnan(x).any()):
        raise ValueError("signal contains NaN or infinite samples")
    return x


def true_runs(mask: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """The ``(start, stop)`` index ranges of the runs of True in ``mask``."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def keep_taller(positions: NDArray[np.intp], heights: NDArray[np.float64], gap: int) -> list[int]:
    """Which candidates to keep, in order: of any two closer than ``gap`` samples, the taller.

    Each candidate is compared with the last one kept; ``heights`` go with ``positions``.
    """
    kept: list[int] = []
    for i in range(positions.size):
        if kept and positions[i] - positions[kept[-1]] < gap:
            if heights[i] > heights[kept[-1]]:
                kept[-1] = i
        else:
            kept.append(i)
    return kept


def freeze_arrays(obj: object, *names: str) -> None:
    """Replace the fields ``names`` of a frozen dataclass with read-only array copies."""
    for name in names:
        arr = np.array(getattr(obj, name))
        arr.flags.writeable = False
        object.__setattr__(obj, name, arr)


def butter_bandpass(
    x: NDArray[np.float64], fs: float, low: float, high: float
) -> NDArray[np.float64]:
    """``x`` through a second-order Butterworth band-pass run forwards and backwards.

    The upper edge is held below 0.45 ``fs``; the filter's design is cached.
    """
    return np.asarray(sps.sosfiltfilt(_butter_sos(fs, low, high), x), dtype=np.float64)


@functools.lru_cache(maxsize=64)
def _butter_sos(fs: float, low: float, high: float) -> NDArray[np.float64]:
    sos = sps.butter(2, [low, min(high, 0.45 * fs)], btype="bandpass", fs=fs, output="sos")
    return np.asarray(sos, dtype=np.float64)


def stream_rate(fs: float | None, known: float | None) -> float:
    """The sampling rate given with some samples, else the one already ``known``, Hz.

    Raises:
        ValueError: neither is known.
    """
    rate = fs if fs is not None else known
    if rate is None:
        raise ValueError("fs is unknown: give it with the first samples")
    return rate


def read_chunk(
    chunk: WaveformChunk | ArrayLike, fs: float | None, known: float | None
) -> tuple[NDArray[np.float64], float, int | None]:
    """The samples, sampling rate and ``seq`` of a chunk, or of an array (``seq`` None).

    An array's rate is ``fs``, else the one already ``known`` (see :func:`stream_rate`).
    """
    if isinstance(chunk, WaveformChunk):
        return chunk.samples, chunk.fs, chunk.seq
    samples = np.asarray(chunk, dtype=np.float64).ravel()
    return samples, stream_rate(fs, known), None


class SignalWindow:
    """The last ``seconds`` of one signal, fed chunk by chunk, for streaming analysers.

    A gap in the stream (a chunk whose ``seq`` does not follow the previous one,
    or a change of sampling rate) clears the window, so an analysis never spans
    lost samples as if they were contiguous.

    Args:
        seconds: how much signal to keep.
        fs: sampling rate in Hz; taken from the first chunk when omitted.
    """

    def __init__(self, seconds: float, fs: float | None = None) -> None:
        if seconds <= 0:
            raise ValueError("seconds must be positive")
        self.seconds = seconds
        self.fs = fs
        self._buf = np.empty(0)
        self._next_seq: int | None = None
        self.total = 0  # samples taken in since the last gap
        self.gaps = 0

    def push(self, chunk: WaveformChunk | ArrayLike, fs: float | None = None) -> None:
        """Add samples (a chunk, or an array with its ``fs``)."""
        samples, rate, seq = read_chunk(chunk, fs, self.fs)
        if self.fs is None:
            self.fs = rate
        if rate != self.fs or (
            seq is not None and self._next_seq is not None and seq != self._next_seq
        ):
            self.clear()
            self.fs = rate
            self.gaps += 1
        if seq is not None:
            self._next_seq = seq + len(samples)
        keep = round(self.seconds * self.fs)
        self._buf = np.concatenate([self._buf, samples])[-keep:]
        self.total += len(samples)

    def clear(self) -> None:
        self._buf = np.empty(0)
        self._next_seq = None
        self.total = 0

    @property
    def samples(self) -> NDArray[np.float64]:
        """The samples held, oldest first."""
        return self._buf

    @property
    def duration(self) -> float:
        """Seconds of signal held."""
        return 0.0 if not self.fs else self._buf.size / self.fs
