"""A CMS50D+-style fingertip oximeter at the other end of a pty.

It waits for the start command, then streams 60 five-byte frames a second:
the pleth from its source, and the SpO2 and pulse rate it was told to show,
with the beep flag on each beat. Pulling the finger out sets the probe-error
flag and blanks the values, as the device does.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from hardware.serial.cms50d import (
    FRAME_SIZE,
    START_COMMAND,
    STOP_COMMAND,
    Cms50dFrame,
    Cms50dStatus,
)
from hardware.sim.serial_device import SampleSource, SerialSimulator

__all__ = ["Cms50dSimulator"]


class Cms50dSimulator(SerialSimulator):
    """A fingertip oximeter.

    Args:
        pleth: the 0..100 display pleth at 60 Hz (one channel).
        spo2: the SpO2 it shows, %.
        pulse_rate: the pulse rate it shows, /min.
        **kwargs: passed to :class:`SerialSimulator`.
    """

    def __init__(
        self, pleth: SampleSource, *, spo2: int = 97, pulse_rate: int = 72, **kwargs: object
    ) -> None:
        super().__init__(60.0, **kwargs)  # type: ignore[arg-type]
        self.pleth = pleth
        self.spo2 = spo2
        self.pulse_rate = pulse_rate
        self.finger_out = False
        self._commands = bytearray()
        self._truth: list[Cms50dFrame] = []
        self._last = 0.0

    @property
    def truth(self) -> list[Cms50dFrame]:
        """Every frame streamed since the last start command."""
        return list(self._truth)

    def _on_host_data(self, data: bytes) -> None:
        self._commands += data
        while len(self._commands) >= len(START_COMMAND):
            start = self._commands.find(b"\x7d")
            if start < 0:
                self._commands.clear()
                return
            del self._commands[:start]
            if len(self._commands) < len(START_COMMAND):
                return
            command = bytes(self._commands[: len(START_COMMAND)])
            del self._commands[: len(START_COMMAND)]
            self.commands_received += 1
            if command == START_COMMAND:
                self._truth.clear()
                self._start_stream()
            elif command == STOP_COMMAND:
                self.streaming = False

    def _frames(self, count: int) -> list[tuple[bytes, int, bytes]]:
        values: NDArray[np.float64] = self.pleth.take(count)[:, 0]
        frames = []
        for value in values:
            frame = self._frame(float(value))
            self._truth.append(frame)
            raw = bytes(frame)
            frames.append((raw[:1], 1, raw[1:FRAME_SIZE]))
        return frames

    def _frame(self, value: float) -> Cms50dFrame:
        if self.finger_out:
            status = Cms50dStatus.PROBE_ERROR | Cms50dStatus.SEARCHING
            return Cms50dFrame(status, 0, 0, 0, None, None)
        pleth = int(np.clip(round(value), 0, 100))
        # Beep on the upstroke through mid-scale, as the device beeps on each beat.
        beep = self._last < 50 <= pleth
        self._last = pleth
        status = Cms50dStatus.BEEP if beep else Cms50dStatus.NONE
        return Cms50dFrame(status, 8, pleth, pleth * 15 // 100, self.pulse_rate, self.spo2)
