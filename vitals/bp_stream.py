"""A streaming blood-pressure analyser fed cuff-pressure chunks of any size."""

from __future__ import annotations

import logging

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hardware.events import SignalKind, WaveformChunk
from vitals import bp_oscillogram as og
from vitals.bp import BloodPressure, BpMethod, bp_oscillometric
from vitals.signal import Quality, read_chunk

__all__ = ["BpAnalyser"]

_log = logging.getLogger(__name__)

_IDLE_KEEP_S = 20.0  # s of cuff history kept before a cycle is armed
_RELEASED_MMHG = 20.0  # after a cycle, the cuff must fall below this before the next


class BpAnalyser:
    """Reads each oscillometric cycle as it completes, chunk by chunk.

    Feed it the cuff pressure in chunks of any size; :meth:`push` returns a
    :class:`~vitals.bp.BloodPressure` when the chunk completed a cycle (the cuff was seen
    dumping), else None. The answer is that of :func:`~vitals.bp.bp_oscillometric` on the
    same samples, and it comes within about 1 s of the end of deflation (the dump is
    judged on 0.25 s blocks, 1-2 s back). A gap in the stream (lost samples, a change of
    rate) drops the cycle under way; :attr:`gaps` counts them.

    Args:
        method: as for :func:`~vitals.bp.bp_oscillometric`.
        fs: sampling rate in Hz; taken from the first chunk when omitted.
        max_cycle_s: a cycle longer than this (s) is dropped as stuck.
    """

    def __init__(
        self, *, method: BpMethod = "ratio", fs: float | None = None, max_cycle_s: float = 240.0
    ) -> None:
        self.method: BpMethod = method
        self.fs = fs
        self.max_cycle_s = max_cycle_s
        self.latest: BloodPressure | None = None
        self.gaps = 0
        self._buf: NDArray[np.float64] = np.empty(0)
        self._next_seq: int | None = None
        self._released = True  # waiting for a deflated cuff
        self._checked_blocks = 0

    def reset(self) -> None:
        """Forget the cycle under way."""
        self._buf = np.empty(0)
        self._released = True
        self._checked_blocks = 0

    def push(
        self, chunk: WaveformChunk | ArrayLike, fs: float | None = None
    ) -> BloodPressure | None:
        """Add cuff pressure (mmHg): a chunk, or an array with its ``fs`` in Hz.

        Returns:
            The blood pressure of a cycle completed by these samples, or None.

        Raises:
            ValueError: a chunk that is not cuff pressure, or an unknown ``fs``.
        """
        if isinstance(chunk, WaveformChunk) and chunk.kind is not SignalKind.CUFF_PRESSURE:
            raise ValueError(f"BpAnalyser takes cuff pressure, not {chunk.kind}")
        samples, rate, seq = read_chunk(chunk, fs, self.fs)
        gap = seq is not None and self._next_seq is not None and seq != self._next_seq
        if self.fs is None:
            self.fs = rate
        if gap or rate != self.fs:
            self.gaps += 1
            _log.info("cuff stream gap: cycle under way dropped")
            self.reset()
            self.fs = rate
        if seq is not None:
            self._next_seq = seq + len(samples)
        self._buf = np.concatenate([self._buf, samples])
        return self._scan(self.fs)

    def _scan(self, fs: float) -> BloodPressure | None:
        b = max(1, round(og.BLOCK_S * fs))
        result = None
        while self._buf.size // b > self._checked_blocks:
            self._checked_blocks = self._buf.size // b
            blocks = self._buf[: self._checked_blocks * b].reshape(-1, b)
            if self._released:
                low = np.flatnonzero(np.median(blocks, axis=1) < _RELEASED_MMHG)
                if low.size == 0:
                    self._drop(self._checked_blocks, b)
                    continue
                self._released = False
                self._drop(int(low[0]), b)
                continue
            armed = bool((np.median(blocks, axis=1) > og.ARM_MMHG).any())
            if not armed:
                keep = round(_IDLE_KEEP_S / og.BLOCK_S)
                self._drop(max(0, self._checked_blocks - keep), b)
                continue
            end = og.cycle_end(self._buf, fs)
            if end is not None:
                result = self._measure(self._buf[:end], fs)
                self.latest = result
                self._buf = self._buf[end:]
                self._released = True
                self._checked_blocks = 0
            elif self._buf.size > self.max_cycle_s * fs:
                _log.info("cuff cycle longer than %.0f s dropped", self.max_cycle_s)
                self.reset()
        return result

    def _measure(self, x: NDArray[np.float64], fs: float) -> BloodPressure:
        if x.size < 5.0 * fs:  # a cuff dumped within seconds of the start
            return BloodPressure(
                None, None, None, None, fs, self.method, Quality.refused("deflation_interrupted")
            )
        return bp_oscillometric(x, fs, method=self.method)

    def _drop(self, blocks: int, b: int) -> None:
        """Drop whole blocks from the front, keeping the block alignment."""
        if blocks > 0:
            self._buf = self._buf[blocks * b :]
            self._checked_blocks -= blocks
