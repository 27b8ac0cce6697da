"""What every serial driver shares: the link, the silence watchdog, counters, status.

A driver owns one :class:`SerialLink` and one framer. It turns frames into
events, counts every fault in ``counters`` and reports it with a
:class:`DeviceStatus`, and leaves ``run`` with :class:`DeviceUnavailable` when
the port vanishes or falls silent, so the hub can restart it. A driver never
raises anything else out of ``run``.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import ClassVar

from cabin.errors import DeviceError, DeviceUnavailable, FrameError
from hardware.driver import Clock, Emit, utc_now
from hardware.events import DeviceState, DeviceStatus
from hardware.serial.link import SerialLink

__all__ = ["SerialDriver"]

log = logging.getLogger(__name__)


class SerialDriver(abc.ABC):
    """What every serial driver shares: the link, the watchdog, counters, status.

    Args:
        device_id: the configured id of the device.
        path: the serial port.
        baudrate: line speed in bit/s.
        silence_timeout: seconds without a byte, while streaming, after which the
            device counts as gone.
        clock: the station's clock (UTC), for event times.
    """

    protocol: ClassVar[str]

    def __init__(
        self,
        device_id: str,
        path: str,
        baudrate: int = 115200,
        *,
        silence_timeout: float = 3.0,
        clock: Clock = utc_now,
    ) -> None:
        self.device_id = device_id
        self.path = path
        self.baudrate = baudrate
        self.silence_timeout = silence_timeout
        self._clock = clock
        self._counters: Counter[str] = Counter()
        self._emit: Emit = lambda event: None
        self._link: SerialLink | None = None
        self._last_rx = 0.0
        self._t0: datetime = clock()

    @property
    def counters(self) -> Mapping[str, int]:
        """Running totals: bytes, frames, faults by kind, samples lost."""
        return dict(self._counters)

    async def run(self, emit: Emit) -> None:
        """Open, handshake and stream until the device goes away."""
        self._emit = emit
        link = SerialLink(self.path, self.baudrate, self._on_bytes, device_id=self.device_id)
        self._link = link
        await link.open()
        try:
            self._reset_stream()
            await self._handshake()
            self._status(DeviceState.CONNECTED, "streaming")
            await self._watch(link)
        finally:
            with contextlib.suppress(DeviceError):
                self._stop_stream()
            link.close()
            self._link = None

    async def command(self, name: str, **params: float) -> None:
        """Send a named command; the base driver knows none."""
        raise DeviceError(f"unknown command {name!r}", device_id=self.device_id)

    # --- for subclasses -------------------------------------------------------------

    @abc.abstractmethod
    def _feed(self, data: bytes) -> None:
        """Decode received bytes and emit what they complete."""

    @abc.abstractmethod
    async def _handshake(self) -> None:
        """Bring the device to streaming; raise DeviceUnavailable if it does not answer."""

    @abc.abstractmethod
    def _stop_stream(self) -> None:
        """Ask the device to stop streaming (best effort)."""

    def _reset_stream(self) -> None:  # noqa: B027 - an optional hook
        """Forget per-connection stream state before a handshake."""

    def _write(self, data: bytes) -> None:
        if self._link is None:
            raise DeviceUnavailable("not connected", device_id=self.device_id)
        self._link.write(data)

    def _status(self, state: DeviceState, reason: str) -> None:
        self._emit(DeviceStatus(self.device_id, state, self._clock(), reason, dict(self._counters)))

    def _count_faults(self, faults: list[FrameError]) -> None:
        if not faults:
            return
        for fault in faults:
            self._counters[_fault_key(fault.reason)] += 1
        self._counters["faults"] += len(faults)
        log.debug("frames dropped", extra={"device": self.device_id, "count": len(faults)})
        self._status(DeviceState.CONNECTED, _fault_key(faults[-1].reason))

    def _time_of(self, index: int, fs: float) -> datetime:
        return self._t0 + timedelta(seconds=index / fs)

    # --- internals --------------------------------------------------------------------

    def _on_bytes(self, data: bytes) -> None:
        self._last_rx = time.monotonic()
        self._counters["bytes"] += len(data)
        try:
            self._feed(data)
        except DeviceError as exc:
            # A payload that decodes to nonsense: count it, keep the link.
            self._counters["faults"] += 1
            self._counters["bad_payload"] += 1
            log.debug("bad payload", extra={"device": self.device_id, "error": type(exc).__name__})

    async def _watch(self, link: SerialLink) -> None:
        self._last_rx = time.monotonic()
        closed = asyncio.ensure_future(link.wait_closed())
        try:
            while not closed.done():
                await asyncio.wait({closed}, timeout=min(0.25, self.silence_timeout / 4))
                if time.monotonic() - self._last_rx > self.silence_timeout:
                    self._counters["silences"] += 1
                    raise DeviceUnavailable("silent", device_id=self.device_id)
            closed.result()  # raises DeviceUnavailable("unplugged")
        finally:
            closed.cancel()


def _fault_key(reason: str) -> str:
    key = reason.lower()
    for word, name in (("crc", "crc_errors"), ("cut short", "frames_cut"), ("sync", "sync_errors")):
        if word in key:
            return name
    return "bad_frames"
