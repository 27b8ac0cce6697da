"""The machinery every serial device simulator shares: a pty, real-time pacing, faults.

A simulator owns a :class:`PtyPort`, answers the host's commands, and while
streaming writes its device's frames at the device's sampling rate (times
``speed``). It keeps the ground truth of what it sent, so a test can check the
driver decoded exactly that, and it can misbehave on request the ways a real
serial device does: garbage on the line, bytes lost, a corrupted frame, a cable
pulled and plugged back, a device that stops answering.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from hardware.sim.pty_port import PtyPort

__all__ = ["LinkFaults", "LoopSource", "SampleSource", "SerialSimulator"]


class SampleSource(Protocol):
    """Where a simulator's samples come from: ``take(n)`` gives an ``(n, channels)`` array."""

    channels: int

    def take(self, n: int) -> NDArray[np.float64]: ...


class LoopSource:
    """Plays a recorded or synthesised ``(samples, channels)`` array in a loop."""

    def __init__(self, signal: NDArray[np.float64]) -> None:
        signal = np.asarray(signal, dtype=np.float64)
        if signal.ndim == 1:
            signal = signal[:, None]
        if signal.shape[0] == 0:
            raise ValueError("an empty signal cannot be looped")
        self.signal = signal
        self.channels = signal.shape[1]
        self._pos = 0

    def take(self, n: int) -> NDArray[np.float64]:
        idx = (self._pos + np.arange(n)) % self.signal.shape[0]
        self._pos = int((self._pos + n) % self.signal.shape[0])
        return np.asarray(self.signal[idx], dtype=np.float64)


@dataclass
class LinkFaults:
    """Faults to apply to the next frames a simulator writes.

    Attributes:
        garble: frames to precede with a burst of random bytes (no loss expected).
        drop: frames to send with a few bytes missing (each such frame is lost).
        corrupt: frames to send with one payload byte flipped (each is lost).
        silent: stop answering commands and stop streaming.
    """

    garble: int = 0
    drop: int = 0
    corrupt: int = 0
    silent: bool = False


class SerialSimulator(abc.ABC):
    """A device at the other end of a pty.

    Args:
        fs: sampling rate in Hz.
        seed: seeds the random faults, so a test repeats.
        speed: how many times faster than real time to stream.
        path: the stable path of the port (a temporary one if omitted).
    """

    tick = 0.02  # seconds between writes

    def __init__(
        self, fs: float, *, seed: int = 0, speed: float = 1.0, path: Path | None = None
    ) -> None:
        if not fs > 0 or not speed > 0:
            raise ValueError("fs and speed must be positive")
        self.fs = fs
        self.speed = speed
        self.rng = np.random.default_rng(seed)
        self.port = PtyPort(path, on_bytes=self._on_host_bytes)
        self.faults = LinkFaults()
        self.streaming = False
        self.samples_sent = 0  # samples in frames written, damaged or not
        self.samples_damaged = 0  # samples in frames the simulator damaged on purpose
        self.commands_received = 0
        # When a list, each write appends (time.monotonic(), samples written so far):
        # benchmarks use it to time the path from the pty to a subscriber.
        self.write_log: list[tuple[float, int]] | None = None
        self._task: asyncio.Task[None] | None = None
        self._stream_t0 = 0.0
        self._stream_done = 0

    @property
    def path(self) -> str:
        """The port a driver should open."""
        return str(self.port.path)

    async def start(self) -> None:
        """Plug the port in and start the clock."""
        self.port.plug()
        if self._task is None:
            self._task = asyncio.create_task(self._pace(), name=f"sim {type(self).__name__}")

    async def close(self) -> None:
        """Stop and unplug. Safe to call more than once."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.port.close()

    async def __aenter__(self) -> SerialSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def unplug(self) -> None:
        """Pull the cable: the port disappears and streaming stops."""
        self.streaming = False
        self.port.unplug()

    def replug(self) -> None:
        """Plug the cable back in; the device waits for a start command, as after power-on."""
        self.port.plug()

    # --- for subclasses ---------------------------------------------------------------

    @abc.abstractmethod
    def _on_host_data(self, data: bytes) -> None:
        """Handle bytes the host wrote (commands)."""

    @abc.abstractmethod
    def _frames(self, count: int) -> list[tuple[bytes, int, bytes]]:
        """Build frames holding the next ``count`` samples.

        Returns ``(header, samples_in_frame, rest)`` triples: a frame's bytes are
        ``header + rest``; faults flip bytes in ``rest`` only, so the damage shows
        as a payload error rather than a changed length.
        """

    def _start_stream(self) -> None:
        self.streaming = True
        self._stream_t0 = time.monotonic()
        self._stream_done = 0

    def _send(self, data: bytes) -> None:
        if not self.faults.silent:
            self.port.write(data)

    # --- internals --------------------------------------------------------------------

    def _on_host_bytes(self, data: bytes) -> None:
        if self.faults.silent:
            return
        self._on_host_data(data)

    async def _pace(self) -> None:
        while True:
            await asyncio.sleep(self.tick)
            if not self.streaming or not self.port.plugged:
                continue
            due = int((time.monotonic() - self._stream_t0) * self.fs * self.speed)
            count = due - self._stream_done
            if count <= 0:
                continue
            self._stream_done = due
            if self.faults.silent:
                continue
            out = bytearray()
            for header, n, rest in self._frames(count):
                out += self._apply_faults(header, n, rest)
                self.samples_sent += n
            if self.write_log is not None:
                self.write_log.append((time.monotonic(), self.samples_sent))
            self.port.write(bytes(out))

    def _apply_faults(self, header: bytes, n: int, rest: bytes) -> bytes:
        faults = self.faults
        prefix = b""
        if faults.garble:
            faults.garble -= 1
            size = int(self.rng.integers(3, 20))
            prefix = self.rng.integers(0, 256, size).astype(np.uint8).tobytes()
        if faults.corrupt and rest:
            faults.corrupt -= 1
            self.samples_damaged += n
            damaged = bytearray(rest)
            damaged[int(self.rng.integers(0, len(rest)))] ^= 0x5A
            return prefix + header + bytes(damaged)
        if faults.drop and len(rest) > 2:
            faults.drop -= 1
            self.samples_damaged += n
            cut = int(self.rng.integers(0, len(rest) - 2))
            return prefix + header + rest[:cut] + rest[cut + 2 :]
        return prefix + header + rest
