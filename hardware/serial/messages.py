"""Payloads of the framed packet protocol (:mod:`hardware.serial.packet`).

Each is a frozen dataclass with ``from_bytes`` (raises :class:`FrameError` on a
payload that does not decode) and ``__bytes__``; simulators build their packets
from the same classes, so they speak the device's real bytes. Multi-byte fields
are little-endian.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass

from cabin.errors import FrameError

__all__ = [
    "Ack",
    "CuffData",
    "CuffState",
    "EcgData",
    "Info",
    "LeadOff",
    "PpgData",
    "PpgStatus",
]

_INFO = struct.Struct("<HIB")  # fs (Hz), lsb (nV or 1/100 mmHg), channels; then model name
_MAX_CODE24 = (1 << 23) - 1


def _int24_le(data: bytes, offset: int, *, signed: bool) -> int:
    return int.from_bytes(data[offset : offset + 3], "little", signed=signed)


@dataclass(frozen=True, slots=True)
class Info:
    """The device's description, sent in answer to GET_INFO.

    Attributes:
        fs: sampling rate in Hz.
        lsb: size of one code: nanovolts for ECG, 1/100 mmHg for the cuff, 1 for PPG counts.
        channels: samples per time point.
        model: the model name, ASCII.
    """

    fs: int
    lsb: int
    channels: int
    model: str

    def __post_init__(self) -> None:
        if not 0 < self.fs <= 0xFFFF:
            raise ValueError("fs out of range")
        if not 0 < self.lsb <= 0xFFFFFFFF:
            raise ValueError("lsb out of range")
        if not 0 < self.channels <= 8:
            raise ValueError("channels out of range")
        if not self.model.isascii() or len(self.model) > 32:
            raise ValueError("model must be ASCII, 32 characters at most")

    @classmethod
    def from_bytes(cls, data: bytes) -> Info:
        if len(data) < _INFO.size:
            raise FrameError("truncated INFO", data=data, offset=len(data))
        fs, lsb, channels = _INFO.unpack_from(data)
        raw_model = data[_INFO.size :]
        try:
            return cls(fs, lsb, channels, raw_model.decode("ascii"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise FrameError(f"bad INFO: {exc}", data=data, offset=0) from None

    def __bytes__(self) -> bytes:
        return _INFO.pack(self.fs, self.lsb, self.channels) + self.model.encode("ascii")


@dataclass(frozen=True, slots=True)
class Ack:
    """A device's answer to a command: which command, and ``status`` 0 for done."""

    command: int
    status: int = 0

    @classmethod
    def from_bytes(cls, data: bytes) -> Ack:
        if len(data) != 2:
            raise FrameError("ACK is 2 bytes", data=data, offset=min(len(data), 2))
        return cls(data[0], data[1])

    def __bytes__(self) -> bytes:
        return bytes((self.command, self.status))


class LeadOff(enum.IntFlag):
    """Electrodes the ECG front end finds detached (ADS1292 lead-off comparators)."""

    NONE = 0
    RA = 0x01  # right arm
    LA = 0x02  # left arm
    LL = 0x04  # left leg
    RL = 0x08  # right leg drive


@dataclass(frozen=True, slots=True)
class EcgData:
    """ECG samples: a lead-off byte, then per time point lead I and lead II as int24 codes."""

    lead_off: LeadOff
    samples: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        if not 1 <= len(self.samples) <= 42:
            raise ValueError("1 to 42 samples per packet")
        for pair in self.samples:
            if not all(-_MAX_CODE24 - 1 <= code <= _MAX_CODE24 for code in pair):
                raise ValueError("ECG code outside int24")

    @classmethod
    def from_bytes(cls, data: bytes) -> EcgData:
        if len(data) < 7 or (len(data) - 1) % 6:
            raise FrameError("ECG payload is 1 + 6n bytes", data=data, offset=len(data))
        samples = tuple(
            (_int24_le(data, i, signed=True), _int24_le(data, i + 3, signed=True))
            for i in range(1, len(data), 6)
        )
        return cls(LeadOff(data[0] & 0x0F), samples)

    def __bytes__(self) -> bytes:
        out = bytearray((int(self.lead_off),))
        for lead_i, lead_ii in self.samples:
            out += lead_i.to_bytes(3, "little", signed=True)
            out += lead_ii.to_bytes(3, "little", signed=True)
        return bytes(out)


class PpgStatus(enum.IntFlag):
    """Conditions the PPG front end reports with each packet."""

    NONE = 0
    ADC_OVERFLOW = 0x01  # a photodiode saturated
    AMBIENT_OVERFLOW = 0x02  # ambient light cancellation out of range
    PROXIMITY_LOW = 0x04  # nothing on the sensor (finger out)


@dataclass(frozen=True, slots=True)
class PpgData:
    """PPG samples: a status byte, then per time point red and infrared 18-bit counts (3 bytes)."""

    status: PpgStatus
    samples: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        if not 1 <= len(self.samples) <= 42:
            raise ValueError("1 to 42 samples per packet")
        for pair in self.samples:
            if not all(0 <= code < (1 << 18) for code in pair):
                raise ValueError("PPG count outside 18 bits")

    @classmethod
    def from_bytes(cls, data: bytes) -> PpgData:
        if len(data) < 7 or (len(data) - 1) % 6:
            raise FrameError("PPG payload is 1 + 6n bytes", data=data, offset=len(data))
        samples = []
        for i in range(1, len(data), 6):
            red = _int24_le(data, i, signed=False)
            ir = _int24_le(data, i + 3, signed=False)
            if red >> 18 or ir >> 18:
                raise FrameError("PPG count outside 18 bits", data=data, offset=i)
            samples.append((red, ir))
        return cls(PpgStatus(data[0] & 0x07), tuple(samples))

    def __bytes__(self) -> bytes:
        out = bytearray((int(self.status),))
        for red, ir in self.samples:
            out += red.to_bytes(3, "little") + ir.to_bytes(3, "little")
        return bytes(out)


class CuffState(enum.IntEnum):
    """What the cuff module is doing."""

    IDLE = 0
    INFLATING = 1
    DEFLATING = 2
    DONE = 3  # deflated after a measurement
    LEAK = 4  # cannot hold pressure: the cuff is loose or torn; the module vents
    OVER_PRESSURE = 5  # passed the safety limit; the driver commands a dump at once
    DUMPING = 6  # emergency deflate on command


@dataclass(frozen=True, slots=True)
class CuffData:
    """Cuff pressure samples: a state byte, then uint16 pressures in 1/100 mmHg."""

    state: CuffState
    samples: tuple[int, ...]

    def __post_init__(self) -> None:
        if not 1 <= len(self.samples) <= 127:
            raise ValueError("1 to 127 samples per packet")
        if not all(0 <= code <= 0xFFFF for code in self.samples):
            raise ValueError("pressure code outside uint16")

    @classmethod
    def from_bytes(cls, data: bytes) -> CuffData:
        if len(data) < 3 or (len(data) - 1) % 2:
            raise FrameError("cuff payload is 1 + 2n bytes", data=data, offset=len(data))
        try:
            state = CuffState(data[0])
        except ValueError:
            raise FrameError("unknown cuff state", data=data, offset=0) from None
        count = (len(data) - 1) // 2
        return cls(state, struct.unpack_from(f"<{count}H", data, 1))

    def __bytes__(self) -> bytes:
        return bytes((self.state,)) + struct.pack(f"<{len(self.samples)}H", *self.samples)
