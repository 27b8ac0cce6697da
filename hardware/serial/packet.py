"""The framed packet protocol of the station's ECG, PPG and blood-pressure front ends.

The three front ends (an ADS1292-class ECG, a MAX30102-class PPG and a cuff
module) sit behind a small microcontroller that speaks one framing, in both
directions, over a serial line at 115200 8N1::

    offset  size  field
    0       2     sync: A5 5A
    2       1     type (PacketType)
    3       2     sequence number, uint16 little-endian (see below)
    5       1     payload length N (0..255)
    6       N     payload
    6+N     2     CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over bytes 2..6+N-1, LE

A packet is 8 + N bytes. Data packets number themselves +1 each, wrapping, so
a gap tells the receiver exactly how many data packets were lost; a reply
(INFO, ACK) carries the sequence number of the command it answers, and the
host numbers its commands as it likes. The CRC lets a receiver drop garbled
packets and find the next sync.
"""

from __future__ import annotations

import binascii
import enum
import struct
from dataclasses import dataclass

from cabin.errors import FrameError

__all__ = ["HEADER", "SYNC", "Packet", "PacketFramer", "PacketType", "crc16"]

SYNC = b"\xa5\x5a"
HEADER = struct.Struct("<2sBHB")  # sync, type, seq, length
_CRC = struct.Struct("<H")
_OVERHEAD = HEADER.size + _CRC.size


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE of ``data`` (check value of b"123456789" is 0x29B1)."""
    return binascii.crc_hqx(data, 0xFFFF)


class PacketType(enum.IntEnum):
    """Packet types; values 0x01-0x7F travel device to host, 0x80-0xFF host to device."""

    INFO = 0x01  # device description, answers GET_INFO
    ECG_DATA = 0x10
    PPG_DATA = 0x20
    CUFF_DATA = 0x30
    ACK = 0x7F  # payload: the command's type, a status byte
    START = 0x80  # start streaming
    STOP = 0x81  # stop streaming
    GET_INFO = 0x82
    CUFF_START = 0x83  # payload: target pressure, uint16 mmHg
    CUFF_DUMP = 0x84  # emergency deflate

    @classmethod
    def _missing_(cls, value: object) -> PacketType | None:
        # Open enum: a newer firmware may send types we do not know yet.
        if isinstance(value, int) and 0 <= value <= 0xFF:
            member = int.__new__(cls, value)
            member._name_ = f"TYPE_{value:02X}"
            member._value_ = value
            return member
        return None


@dataclass(frozen=True, slots=True)
class Packet:
    """One packet of the framed protocol."""

    type: PacketType
    seq: int
    payload: bytes = b""

    def __post_init__(self) -> None:
        if not 0 <= self.seq <= 0xFFFF:
            raise ValueError("seq must fit in 16 bits")
        if len(self.payload) > 0xFF:
            raise ValueError("payload longer than 255 bytes")

    @classmethod
    def from_bytes(cls, data: bytes) -> Packet:
        """Decode exactly one packet; raises :class:`FrameError` on anything else."""
        if len(data) < _OVERHEAD:
            raise FrameError("truncated packet", data=data, offset=len(data))
        sync, ptype, seq, length = HEADER.unpack_from(data)
        if sync != SYNC:
            raise FrameError("bad sync", data=data, offset=0)
        if len(data) != _OVERHEAD + length:
            raise FrameError("length mismatch", data=data, offset=5)
        end = HEADER.size + length
        (crc,) = _CRC.unpack_from(data, end)
        if crc != crc16(data[2:end]):
            raise FrameError("CRC mismatch", data=data, offset=end)
        return cls(PacketType(ptype), seq, bytes(data[HEADER.size : end]))

    def __bytes__(self) -> bytes:
        body = HEADER.pack(SYNC, self.type, self.seq, len(self.payload))[2:] + self.payload
        return SYNC + body + _CRC.pack(crc16(body))


class PacketFramer:
    """Incremental decoder: feed it bytes as they come, get whole packets back.

    Garbage between packets is skipped and counted; a packet whose CRC fails is
    dropped and the search for the next sync resumes one byte after its start, so
    a corrupted length field cannot swallow the packets that follow. Problems are
    kept in :attr:`faults` for the driver to count; ``feed`` itself never raises.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.faults: list[FrameError] = []
        self.bytes_dropped = 0

    def feed(self, chunk: bytes) -> list[Packet]:
        """Add received bytes; return the packets completed by them, in order."""
        self._buf += chunk
        packets: list[Packet] = []
        buf = self._buf
        while True:
            start = buf.find(SYNC)
            if start < 0:
                # Keep a trailing A5: it may be the first half of the next sync.
                keep = 1 if buf[-1:] == SYNC[:1] else 0
                self._drop(len(buf) - keep)
                break
            if start:
                self._drop(start)
            if len(buf) < HEADER.size:
                break
            total = _OVERHEAD + buf[5]
            if len(buf) < total:
                # Wait for the rest, unless a whole valid packet already starts later on:
                # then this sync was false (garbage or a damaged length) and waiting
                # would only hold the good packets back.
                later = self._next_valid(1)
                if later is None:
                    break
                self.faults.append(FrameError("false sync", data=bytes(buf[:later])))
                self._drop(later)
                continue
            raw = bytes(buf[:total])
            try:
                packets.append(Packet.from_bytes(raw))
            except FrameError as exc:
                self.faults.append(exc)
                self._drop(1)
                continue
            del buf[:total]
        return packets

    def take_faults(self) -> list[FrameError]:
        """Return the faults seen since the last call, and forget them."""
        faults, self.faults = self.faults, []
        return faults

    def _next_valid(self, start: int) -> int | None:
        buf = self._buf
        at = buf.find(SYNC, start)
        while at >= 0:
            if len(buf) - at >= HEADER.size:
                end = at + HEADER.size + buf[at + 5]
                if end + _CRC.size <= len(buf):
                    (crc,) = _CRC.unpack_from(buf, end)
                    if crc == crc16(bytes(buf[at + 2 : end])):
                        return at
            at = buf.find(SYNC, at + 1)
        return None

    def _drop(self, n: int) -> None:
        if n > 0:
            del self._buf[:n]
            self.bytes_dropped += n
