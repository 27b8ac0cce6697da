"""Driver of a CMS50D+-style fingertip oximeter (:mod:`hardware.serial.cms50d`)."""

from __future__ import annotations

import asyncio
import time

import numpy as np

from cabin.errors import DeviceUnavailable
from hardware.events import Reading, SignalKind, WaveformChunk
from hardware.serial.base import SerialDriver
from hardware.serial.cms50d import START_COMMAND, STOP_COMMAND, Cms50dFramer, Cms50dStatus

__all__ = ["Cms50dDriver"]


class Cms50dDriver(SerialDriver):
    """A CMS50D+-style fingertip oximeter: pleth at 60 Hz, SpO2 and pulse rate each second."""

    protocol = "cms50d"
    fs = 60.0
    reading_interval = 1.0  # seconds between spot readings

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._framer = Cms50dFramer()
        self._index = 0
        self._started: asyncio.Future[None] | None = None
        self._last_reading = -1e9

    def _reset_stream(self) -> None:
        self._framer = Cms50dFramer()
        self._index = 0
        self._t0 = self._clock()

    async def _handshake(self) -> None:
        # The oximeter does not acknowledge: its first frame is the answer.
        loop = asyncio.get_running_loop()
        for _ in range(3):
            self._started = loop.create_future()
            self._write(START_COMMAND)
            try:
                async with asyncio.timeout(1.0):  # not wait_for: see frontends._request
                    await self._started
                return
            except TimeoutError:
                self._counters["timeouts"] += 1
        raise DeviceUnavailable("no answer", device_id=self.device_id)

    def _stop_stream(self) -> None:
        if self._link is not None:
            self._write(STOP_COMMAND)

    def _feed(self, data: bytes) -> None:
        frames = self._framer.feed(data)
        self._counters["bytes_dropped"] = self._framer.bytes_dropped
        self._count_faults(self._framer.take_faults())
        if not frames:
            return
        if self._started is not None and not self._started.done():
            self._reset_stream()
            self._started.set_result(None)
        self._counters["frames"] += len(frames)
        self._counters["samples"] += len(frames)
        last = frames[-1]
        flags: set[str] = set()
        if any(f.status & Cms50dStatus.PROBE_ERROR for f in frames):
            flags.add("finger_out")
        if last.status & (Cms50dStatus.SEARCHING | Cms50dStatus.SEARCHING_TOO_LONG):
            flags.add("searching")
        pleth = np.array([f.pleth for f in frames], dtype=np.float64)
        start = self._time_of(self._index, self.fs)
        self._emit(
            WaveformChunk(
                SignalKind.PLETH,
                self.fs,
                start,
                pleth,
                self._index,
                self.device_id,
                "1",
                frozenset(flags),
            )
        )
        self._index += len(frames)
        now = time.monotonic()
        if now - self._last_reading >= self.reading_interval:
            self._last_reading = now
            at = self._clock()
            frozen = frozenset(flags)
            if last.spo2 is not None:
                self._emit(
                    Reading("spo2", {"spo2": last.spo2}, "%", self.device_id, at, flags=frozen)
                )
            if last.pulse_rate is not None:
                self._emit(
                    Reading(
                        "pulse_rate",
                        {"pulse_rate": last.pulse_rate},
                        "/min",
                        self.device_id,
                        at,
                        flags=frozen,
                    )
                )
