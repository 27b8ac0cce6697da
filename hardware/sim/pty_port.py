"""The device end of a pseudo-terminal: where a simulator plugs in.

A simulator writes its device's bytes into the master side; the driver opens
the slave side as it would open ``/dev/ttyUSB0``, through pyserial, so the real
driver, framer and TTY layer are exercised. The port is reached through a
stable symlink, so that unplugging (closing the pty) and plugging back (a new
pty behind the same link) look to the driver like a USB adapter coming and going.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pty
import tempfile
import tty
from collections.abc import Callable
from pathlib import Path

__all__ = ["PtyPort"]


class PtyPort:
    """A pluggable pseudo-terminal behind a fixed path.

    Args:
        path: where the symlink to the pty goes; a fresh temporary path if omitted.
        on_bytes: called in the loop with the bytes the host writes to the device.
    """

    def __init__(self, path: Path | None = None, on_bytes: Callable[[bytes], None] | None = None):
        if path is None:
            self._tmp: str | None = tempfile.mkdtemp(prefix="cabin-pty-")
            path = Path(self._tmp) / "tty"
        else:
            self._tmp = None
        self.path = path
        self._on_bytes = on_bytes
        self._master: int | None = None
        self._slave: int | None = None
        self.bytes_overflowed = 0  # written while nobody read, and lost as on a real UART

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def plug(self) -> None:
        """Create a new pty and point the path at it."""
        if self._master is not None:
            return
        master, slave = pty.openpty()
        tty.setraw(slave)  # no echo, no line discipline: bytes pass untouched
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        tmp_link = self.path.with_name(self.path.name + ".new")
        with contextlib.suppress(FileNotFoundError):
            tmp_link.unlink()
        tmp_link.symlink_to(os.ttyname(slave))
        tmp_link.replace(self.path)
        if self._on_bytes is not None:
            asyncio.get_running_loop().add_reader(master, self._readable)

    def unplug(self) -> None:
        """Close the pty, as if the cable were pulled; the path disappears."""
        master, slave = self._master, self._slave
        self._master = self._slave = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        if master is not None:
            if self._on_bytes is not None:
                with contextlib.suppress(RuntimeError):
                    asyncio.get_running_loop().remove_reader(master)
            os.close(master)
        if slave is not None:
            os.close(slave)

    def write(self, data: bytes) -> int:
        """Send bytes to the host; returns how many went out (the rest is lost)."""
        if self._master is None or not data:
            return 0
        try:
            sent = os.write(self._master, data)
        except BlockingIOError:
            sent = 0
        except OSError:
            return 0
        self.bytes_overflowed += len(data) - sent
        return sent

    def close(self) -> None:
        """Unplug and remove the temporary folder. Safe to call more than once."""
        self.unplug()
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                os.rmdir(self._tmp)
            self._tmp = None

    def _readable(self) -> None:
        if self._master is None or self._on_bytes is None:
            return
        try:
            data = os.read(self._master, 4096)
        except (BlockingIOError, OSError):
            return
        if data:
            self._on_bytes(data)
