"""The live-data protocol of a Contec CMS50D+-style fingertip pulse oximeter.

The oximeter streams 60 five-byte frames a second. Only the first byte of a
frame has its top bit set, which is how a receiver finds frame starts::

    byte 0  1 | beep | probe error | searching too long | signal strength (4 bits)
    byte 1  0 | pleth, 0..100 (7 bits)
    byte 2  0 | pulse rate bit 7 | - | searching | bar graph (4 bits)
    byte 3  0 | pulse rate bits 0..6
    byte 4  0 | SpO2 % (7 bits); 127 while there is no value

A pulse rate of 255 means no value. The host starts and stops the stream with
9-byte commands ``7D 81 A1 80 80 80 80 80 80`` and ``7D 81 A2 ...``; the oximeter
does not acknowledge them. There is no checksum: the framer can only drop frames
that are cut short by the next sync byte or that carry impossible values.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from cabin.errors import FrameError

__all__ = [
    "NO_PULSE_RATE",
    "NO_SPO2",
    "START_COMMAND",
    "STOP_COMMAND",
    "Cms50dFrame",
    "Cms50dFramer",
    "Cms50dStatus",
]

NO_SPO2 = 127
NO_PULSE_RATE = 255
FRAME_SIZE = 5
START_COMMAND = bytes((0x7D, 0x81, 0xA1)) + b"\x80" * 6
STOP_COMMAND = bytes((0x7D, 0x81, 0xA2)) + b"\x80" * 6


class Cms50dStatus(enum.IntFlag):
    """Flags of a live frame."""

    NONE = 0
    BEEP = 0x01  # a heartbeat was just detected
    PROBE_ERROR = 0x02  # finger out or probe unplugged
    SEARCHING_TOO_LONG = 0x04
    SEARCHING = 0x08  # looking for a pulse


@dataclass(frozen=True, slots=True)
class Cms50dFrame:
    """One live frame.

    Attributes:
        status: the frame's flags.
        strength: signal strength, 0..15.
        pleth: plethysmogram sample, 0..100 (device units).
        bargraph: pulse bar height, 0..15.
        pulse_rate: beats per minute, or ``None`` when the device has none.
        spo2: per cent, or ``None`` when the device has none.
    """

    status: Cms50dStatus
    strength: int
    pleth: int
    bargraph: int
    pulse_rate: int | None
    spo2: int | None

    def __post_init__(self) -> None:
        if not 0 <= self.strength <= 15 or not 0 <= self.bargraph <= 15:
            raise ValueError("strength and bargraph are 4-bit")
        if not 0 <= self.pleth <= 100:
            raise ValueError("pleth out of 0..100")
        if self.pulse_rate is not None and not 0 <= self.pulse_rate < NO_PULSE_RATE:
            raise ValueError("pulse rate out of range")
        if self.spo2 is not None and not 0 <= self.spo2 <= 100:
            raise ValueError("SpO2 out of range")

    @classmethod
    def from_bytes(cls, data: bytes) -> Cms50dFrame:
        if len(data) != FRAME_SIZE:
            raise FrameError("a frame is 5 bytes", data=data, offset=min(len(data), FRAME_SIZE))
        if not data[0] & 0x80:
            raise FrameError("no sync bit", data=data, offset=0)
        for i in range(1, FRAME_SIZE):
            if data[i] & 0x80:
                raise FrameError("sync bit inside a frame", data=data, offset=i)
        b0, b1, b2, b3, b4 = data
        status = Cms50dStatus.NONE
        if b0 & 0x40:
            status |= Cms50dStatus.BEEP
        if b0 & 0x20:
            status |= Cms50dStatus.PROBE_ERROR
        if b0 & 0x10:
            status |= Cms50dStatus.SEARCHING_TOO_LONG
        if b2 & 0x10:
            status |= Cms50dStatus.SEARCHING
        pulse_rate = ((b2 & 0x40) << 1) | b3
        if b1 > 100:
            raise FrameError("pleth above 100", data=data, offset=1)
        if b4 > 100 and b4 != NO_SPO2:
            raise FrameError("SpO2 above 100", data=data, offset=4)
        return cls(
            status=status,
            strength=b0 & 0x0F,
            pleth=b1,
            bargraph=b2 & 0x0F,
            pulse_rate=None if pulse_rate == NO_PULSE_RATE else pulse_rate,
            spo2=None if b4 == NO_SPO2 else b4,
        )

    def __bytes__(self) -> bytes:
        pulse_rate = NO_PULSE_RATE if self.pulse_rate is None else self.pulse_rate
        b0 = 0x80 | self.strength
        if self.status & Cms50dStatus.BEEP:
            b0 |= 0x40
        if self.status & Cms50dStatus.PROBE_ERROR:
            b0 |= 0x20
        if self.status & Cms50dStatus.SEARCHING_TOO_LONG:
            b0 |= 0x10
        b2 = self.bargraph | ((pulse_rate & 0x80) >> 1)
        if self.status & Cms50dStatus.SEARCHING:
            b2 |= 0x10
        spo2 = NO_SPO2 if self.spo2 is None else self.spo2
        return bytes((b0, self.pleth, b2, pulse_rate & 0x7F, spo2))


class Cms50dFramer:
    """Incremental decoder of live frames; problems go to :attr:`faults`, never raised."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.faults: list[FrameError] = []
        self.bytes_dropped = 0

    def feed(self, chunk: bytes) -> list[Cms50dFrame]:
        """Add received bytes; return the frames completed by them, in order."""
        frames: list[Cms50dFrame] = []
        for byte in chunk:
            if byte & 0x80:
                if self._buf:
                    self._reject(FrameError("frame cut short", data=bytes(self._buf)))
                self._buf.append(byte)
            elif self._buf:
                self._buf.append(byte)
                if len(self._buf) == FRAME_SIZE:
                    raw = bytes(self._buf)
                    self._buf.clear()
                    try:
                        frames.append(Cms50dFrame.from_bytes(raw))
                    except FrameError as exc:
                        self.faults.append(exc)
                        self.bytes_dropped += len(raw)
            else:
                self.bytes_dropped += 1  # between frames: not ours to decode
        return frames

    def take_faults(self) -> list[FrameError]:
        """Return the faults seen since the last call, and forget them."""
        faults, self.faults = self.faults, []
        return faults

    def _reject(self, error: FrameError) -> None:
        self.faults.append(error)
        self.bytes_dropped += len(self._buf)
        self._buf.clear()
