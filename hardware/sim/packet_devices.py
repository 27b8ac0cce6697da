"""Simulators of the ECG, PPG and cuff front ends, speaking the framed packet protocol.

They build every packet with the same message classes the drivers decode
(:mod:`hardware.serial.messages`), answer GET_INFO, START and STOP as the
firmware does, and record the exact values they streamed (``truth``) for tests.
"""

from __future__ import annotations

import abc
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from hardware.serial.messages import (
    Ack,
    CuffData,
    EcgData,
    Info,
    LeadOff,
    PpgData,
    PpgStatus,
)
from hardware.serial.packet import Packet, PacketFramer, PacketType
from hardware.sim.cuff_source import CuffSource
from hardware.sim.serial_device import SampleSource, SerialSimulator

__all__ = ["CuffSimulator", "EcgSimulator", "PacketSimulator", "PpgSimulator"]

_HEADER_SIZE = 6


class PacketSimulator(SerialSimulator):
    """A front end behind the framed packet protocol.

    Args:
        info: what the device says about itself.
        per_packet: samples per data packet.
        source: where samples come from, in the device's codes.
        **kwargs: passed to :class:`SerialSimulator`.
    """

    data_type: ClassVar[PacketType]

    def __init__(self, info: Info, per_packet: int, source: SampleSource, **kwargs: object) -> None:
        super().__init__(float(info.fs), **kwargs)  # type: ignore[arg-type]
        self.info = info
        self.per_packet = per_packet
        self.source = source
        self._framer = PacketFramer()
        self._data_seq = 0
        self._due = 0  # samples due but not yet a whole packet
        self._truth: list[NDArray[np.int64]] = []

    @property
    def truth(self) -> NDArray[np.int64]:
        """Every code streamed since the last START, ``(samples, channels)``, in order."""
        if not self._truth:
            return np.empty((0, self.source.channels), dtype=np.int64)
        return np.concatenate(self._truth)

    def _on_host_data(self, data: bytes) -> None:
        for packet in self._framer.feed(data):
            self.commands_received += 1
            self._on_command(packet)

    def _on_command(self, packet: Packet) -> None:
        if packet.type == PacketType.GET_INFO:
            self._reply(packet, PacketType.INFO, bytes(self.info))
        elif packet.type == PacketType.START:
            self._reply(packet, PacketType.ACK, bytes(Ack(PacketType.START)))
            self._truth.clear()
            self._start_stream()
        elif packet.type == PacketType.STOP:
            self.streaming = False
            self._reply(packet, PacketType.ACK, bytes(Ack(PacketType.STOP)))
        else:
            self._reply(packet, PacketType.ACK, bytes(Ack(packet.type, 1)))  # not supported

    def _reply(self, command: Packet, ptype: PacketType, payload: bytes) -> None:
        self._send(bytes(Packet(ptype, command.seq, payload)))

    def _frames(self, count: int) -> list[tuple[bytes, int, bytes]]:
        # Samples are made a packet at a time, so the packet's status byte describes them.
        self._due += count
        frames = []
        while self._due >= self.per_packet:
            self._due -= self.per_packet
            block = self._codes(self.per_packet).astype(np.int64)
            self._truth.append(block)
            raw = bytes(Packet(self.data_type, self._data_seq, self._payload(block)))
            self._data_seq = (self._data_seq + 1) & 0xFFFF
            frames.append((raw[:_HEADER_SIZE], self.per_packet, raw[_HEADER_SIZE:]))
        return frames

    def _codes(self, count: int) -> NDArray[np.float64]:
        return self.source.take(count)

    @abc.abstractmethod
    def _payload(self, block: NDArray[np.int64]) -> bytes:
        """The data packet's payload for a block of codes."""


class EcgSimulator(PacketSimulator):
    """An ADS1292-class ECG front end: leads I and II as int24 codes.

    Args:
        source: leads I and II in mV, ``(samples, 2)``.
        fs: 250 or 500 Hz.
        lsb_nv: code size in nanovolts (ADS1292 at gain 6: about 48 nV).
        **kwargs: passed to :class:`SerialSimulator`.
    """

    data_type = PacketType.ECG_DATA

    def __init__(
        self, source: SampleSource, *, fs: int = 500, lsb_nv: int = 48, **kwargs: object
    ) -> None:
        if fs not in (250, 500):
            raise ValueError("the ECG front end runs at 250 or 500 Hz")
        info = Info(fs=fs, lsb=lsb_nv, channels=2, model="SIM-ADS1292")
        super().__init__(info, fs // 50, source, **kwargs)
        self.lead_off = LeadOff.NONE

    def _codes(self, count: int) -> NDArray[np.float64]:
        mv = self.source.take(count)
        if self.lead_off:
            # A detached electrode drives the input to the rail.
            mv = np.full_like(mv, 0.95 * ((1 << 23) - 1) * self.info.lsb * 1e-6)
        return np.clip(np.round(mv / (self.info.lsb * 1e-6)), -(1 << 23), (1 << 23) - 1)

    def _payload(self, block: NDArray[np.int64]) -> bytes:
        samples = tuple((int(a), int(b)) for a, b in block)
        return bytes(EcgData(self.lead_off, samples))


class PpgSimulator(PacketSimulator):
    """A MAX30102-class PPG front end: red and infrared 18-bit counts at 100 Hz.

    Args:
        source: red and infrared counts, ``(samples, 2)``.
        **kwargs: passed to :class:`SerialSimulator`.
    """

    data_type = PacketType.PPG_DATA
    ambient = 1200.0  # counts with nothing on the sensor

    def __init__(self, source: SampleSource, **kwargs: object) -> None:
        info = Info(fs=100, lsb=1, channels=2, model="SIM-MAX30102")
        super().__init__(info, 4, source, **kwargs)
        self.finger_out = False

    def _codes(self, count: int) -> NDArray[np.float64]:
        counts = self.source.take(count)
        if self.finger_out:
            counts = self.ambient + self.rng.normal(0, 15, counts.shape)
        return np.clip(np.round(counts), 0, (1 << 18) - 1)

    def _payload(self, block: NDArray[np.int64]) -> bytes:
        status = PpgStatus.PROXIMITY_LOW if self.finger_out else PpgStatus.NONE
        if (block >= (1 << 18) - 1).any():
            status |= PpgStatus.ADC_OVERFLOW
        return bytes(PpgData(status, tuple((int(r), int(i)) for r, i in block)))


class CuffSimulator(PacketSimulator):
    """A cuff module: streams pressure at 100 Hz, inflates and deflates on command.

    Args:
        cuff: the pressure model, stepped live so a dump command acts at once.
        **kwargs: passed to :class:`SerialSimulator`.
    """

    data_type = PacketType.CUFF_DATA

    def __init__(self, cuff: CuffSource, **kwargs: object) -> None:
        info = Info(fs=100, lsb=1, channels=1, model="SIM-CUFF")  # 1 code = 0.01 mmHg
        super().__init__(info, 5, cuff, **kwargs)
        self.cuff = cuff

    def _on_command(self, packet: Packet) -> None:
        if packet.type == PacketType.CUFF_START and len(packet.payload) == 2:
            self.cuff.inflate(int.from_bytes(packet.payload, "little"))
            self._reply(packet, PacketType.ACK, bytes(Ack(packet.type)))
        elif packet.type == PacketType.CUFF_DUMP:
            self.cuff.dump()
            self._reply(packet, PacketType.ACK, bytes(Ack(packet.type)))
        else:
            super()._on_command(packet)

    def _codes(self, count: int) -> NDArray[np.float64]:
        return np.clip(np.round(self.cuff.take(count) * 100.0), 0, 0xFFFF)

    def _payload(self, block: NDArray[np.int64]) -> bytes:
        return bytes(CuffData(self.cuff.state, tuple(int(c) for c in block[:, 0])))
