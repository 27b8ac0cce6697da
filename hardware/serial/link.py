"""A serial port read through the asyncio event loop: a thin pipe, no protocol.

pyserial opens and configures the port (raw, 8N1); the loop watches its file
descriptor and hands every burst of bytes to a callback. A port that vanishes
(a USB adapter pulled out, a pty whose other end closed) ends :meth:`wait_closed`
with :class:`DeviceUnavailable`; nothing else is raised at the caller.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import serial

from cabin.errors import DeviceUnavailable

__all__ = ["SerialLink"]

log = logging.getLogger(__name__)


class SerialLink:
    """An open serial port whose bytes go to ``on_bytes`` as they arrive.

    Args:
        path: the port, e.g. ``/dev/ttyUSB0`` or a pty path.
        baudrate: line speed in bit/s.
        on_bytes: called in the loop with each burst of received bytes.
        device_id: for errors and logs.
    """

    def __init__(
        self, path: str, baudrate: int, on_bytes: Callable[[bytes], None], *, device_id: str
    ) -> None:
        self.path = path
        self.baudrate = baudrate
        self.device_id = device_id
        self._on_bytes = on_bytes
        self._port: serial.Serial | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed: asyncio.Future[None] | None = None
        self.bytes_received = 0

    async def open(self) -> None:
        """Open the port; raises :class:`DeviceUnavailable` when it cannot."""
        self._loop = asyncio.get_running_loop()
        self._closed = self._loop.create_future()
        try:
            self._port = serial.Serial(self.path, self.baudrate, timeout=0, write_timeout=1)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise DeviceUnavailable("cannot open the port", device_id=self.device_id) from exc
        self._loop.add_reader(self._port.fileno(), self._readable)

    def write(self, data: bytes) -> None:
        """Send bytes; raises :class:`DeviceUnavailable` if the port is gone."""
        if self._port is None:
            raise DeviceUnavailable("port is not open", device_id=self.device_id)
        try:
            self._port.write(data)
        except (serial.SerialException, OSError) as exc:
            self._lost()
            raise DeviceUnavailable("write failed", device_id=self.device_id) from exc

    async def wait_closed(self) -> None:
        """Wait until the port goes away; raises :class:`DeviceUnavailable` then."""
        if self._closed is None:
            raise DeviceUnavailable("port was never opened", device_id=self.device_id)
        await asyncio.shield(self._closed)

    def close(self) -> None:
        """Close the port. Safe to call more than once."""
        port, self._port = self._port, None
        if port is not None:
            if self._loop is not None and not self._loop.is_closed():
                self._loop.remove_reader(port.fileno())
            port.close()
        if self._closed is not None and not self._closed.done():
            self._closed.set_result(None)

    def _readable(self) -> None:
        port = self._port
        if port is None:
            return
        try:
            data = port.read(max(port.in_waiting, 1))
        except (serial.SerialException, OSError):
            self._lost()
            return
        if data:
            self.bytes_received += len(data)
            self._on_bytes(data)

    def _lost(self) -> None:
        log.warning("serial port lost", extra={"device": self.device_id})
        closed = self._closed
        if closed is not None and not closed.done():
            closed.set_exception(DeviceUnavailable("unplugged", device_id=self.device_id))
            closed.exception()  # retrieved here, so a waiter that was cancelled leaves no warning
        self.close()
