"""How late the asyncio event loop wakes up: a probe for "media work never stalls the loop".

aiortc encodes (``RTCRtpSender`` runs ``Vp8Encoder.encode`` in the default
executor) and decodes (a ``decoder_worker`` thread per receiver) off the loop,
and the cabin's camera draws and scales in :func:`asyncio.to_thread`; what is
left on the loop is packetising, SRTP and the event handlers. :func:`measure_loop_lag`
puts a number on that: it sleeps ``interval`` over and over for ``duration``
seconds and records how much later than asked each sleep ended.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

__all__ = ["LoopLag", "measure_loop_lag"]


@dataclass(frozen=True, slots=True)
class LoopLag:
    """Sleep overshoot in milliseconds over ``samples`` sleeps."""

    samples: int
    p50_ms: float
    p99_ms: float
    max_ms: float


async def measure_loop_lag(duration: float, *, interval: float = 0.01) -> LoopLag:
    """Measure the running loop's wake-up lag for ``duration`` seconds.

    Raises:
        ValueError: a duration or interval that is not positive.
    """
    if duration <= 0 or interval <= 0:
        raise ValueError("duration and interval must be positive")
    overshoots: list[float] = []
    end = time.perf_counter() + duration
    while (start := time.perf_counter()) < end:
        await asyncio.sleep(interval)
        overshoots.append(max(0.0, time.perf_counter() - start - interval) * 1000)
    overshoots.sort()
    n = len(overshoots)
    return LoopLag(
        samples=n,
        p50_ms=overshoots[n // 2],
        p99_ms=overshoots[min(n - 1, int(n * 0.99))],
        max_ms=overshoots[-1],
    )
