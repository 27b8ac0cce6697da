"""The doctor's incoming media as one track per kind that outlives reconnections.

aiortc gives each :class:`~aiortc.RTCPeerConnection` its own remote tracks, and
queues every decoded frame on them without bound until someone reads it. The
cabin rebuilds its connection after a network failure, and the kiosk's screen
should not have to know: :class:`IncomingTrack` is handed to ``on_track`` once
per kind, and :meth:`IncomingTrack.attach` switches it to each new connection's
track. A pump task reads the attached track all the time (so aiortc's queue
never grows) and keeps only the newest ``keep`` frames for the reader; the
frame count and the time of the last frame feed the stall watchdog.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from typing import Any

from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError
from av.frame import Frame
from av.packet import Packet

__all__ = ["IncomingTrack"]


class IncomingTrack(MediaStreamTrack):
    """A stable track relaying whichever remote track is attached.

    Args:
        kind: ``"video"`` or ``"audio"``.
        keep: frames kept for a slow reader (older ones are dropped).
    """

    def __init__(self, kind: str, *, keep: int | None = None) -> None:
        super().__init__()
        self.kind = kind
        self.frames = 0
        self.dropped = 0
        self.last_frame_at: float | None = None
        self._buffer: deque[Frame | Packet[Any]] = deque(
            maxlen=keep or (3 if kind == "video" else 25)
        )
        self._ready = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None

    def attach(self, source: MediaStreamTrack) -> None:
        """Relay ``source`` from now on (the previous one is let go)."""
        if self.readyState != "live":
            return
        if self._pump is not None:
            self._pump.cancel()
        self._pump = asyncio.get_running_loop().create_task(self._run(source))

    async def recv(self) -> Frame | Packet[Any]:
        """The oldest kept frame, waiting for one if need be."""
        while not self._buffer:
            if self.readyState != "live":
                raise MediaStreamError
            self._ready.clear()
            await self._ready.wait()
        return self._buffer.popleft()

    def stop(self) -> None:
        """End the track (readers get :class:`MediaStreamError`); safe to call twice."""
        super().stop()
        if self._pump is not None:
            self._pump.cancel()
            self._pump = None
        self._buffer.clear()
        self._ready.set()

    async def _run(self, source: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await source.recv()
                if len(self._buffer) == self._buffer.maxlen:
                    self.dropped += 1
                self._buffer.append(frame)
                self.frames += 1
                self.last_frame_at = time.monotonic()
                self._ready.set()
