"""Drivers of the ECG, PPG and cuff front ends, which share the framed packet protocol.

Handshake (STOP, GET_INFO, START), then data packets become
:class:`WaveformChunk` events placed by their sample index; a gap in the data
packets' sequence numbers is counted as lost samples and leaves a gap in the
index, so nothing after it shifts.
"""

from __future__ import annotations

import abc
import asyncio
import logging

import numpy as np
from numpy.typing import NDArray

from cabin.errors import DeviceError, DeviceUnavailable, FrameError
from hardware.events import DeviceState, SignalKind, WaveformChunk
from hardware.serial.base import SerialDriver
from hardware.serial.messages import (
    Ack,
    CuffData,
    CuffState,
    EcgData,
    Info,
    LeadOff,
    PpgData,
    PpgStatus,
)
from hardware.serial.packet import Packet, PacketFramer, PacketType

__all__ = ["CuffDriver", "EcgDriver", "PacketDriver", "PpgDriver"]

log = logging.getLogger(__name__)


class PacketDriver(SerialDriver):
    """Drivers of the framed packet protocol (ECG, PPG and cuff front ends)."""

    answer_timeout = 1.0  # seconds to wait for an answer to a command
    attempts = 3

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._framer = PacketFramer()
        self._tx_seq = 0
        self._answers: dict[tuple[int, int], asyncio.Future[Packet]] = {}
        self.info: Info | None = None
        self._rx_seq: int | None = None
        self._next_index = 0
        self._per_packet = 0

    def _reset_stream(self) -> None:
        self._framer = PacketFramer()
        self._rx_seq = None
        self._next_index = 0
        self._t0 = self._clock()

    async def _request(self, ptype: PacketType, payload: bytes, answer: PacketType) -> Packet:
        loop = asyncio.get_running_loop()
        for _ in range(self.attempts):
            future: asyncio.Future[Packet] = loop.create_future()
            # The reply echoes the command's sequence number: a late answer to an
            # earlier attempt, or to another command, is not taken for this one.
            key = (int(answer), self._send(ptype, payload))
            self._answers[key] = future
            try:
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow the
                # cancellation of a hub that closes during the handshake, and hang it.
                async with asyncio.timeout(self.answer_timeout):
                    return await future
            except TimeoutError:
                self._counters["timeouts"] += 1
            finally:
                self._answers.pop(key, None)
        raise DeviceUnavailable("no answer", device_id=self.device_id)

    def _send(self, ptype: PacketType, payload: bytes = b"") -> int:
        seq = self._tx_seq
        self._write(bytes(Packet(ptype, seq, payload)))
        self._tx_seq = (seq + 1) & 0xFFFF
        return seq

    async def _command(self, ptype: PacketType, payload: bytes = b"") -> None:
        packet = await self._request(ptype, payload, PacketType.ACK)
        ack = Ack.from_bytes(packet.payload)
        if ack.command != ptype or ack.status:
            raise DeviceError("command refused", device_id=self.device_id)

    async def _handshake(self) -> None:
        self._send(PacketType.STOP)
        info = await self._request(PacketType.GET_INFO, b"", PacketType.INFO)
        self.info = Info.from_bytes(info.payload)
        self._check_info(self.info)
        self._reset_stream()
        await self._command(PacketType.START)

    def _stop_stream(self) -> None:
        if self._link is not None:
            self._send(PacketType.STOP)

    def _check_info(self, info: Info) -> None:
        """Refuse a device whose description this driver cannot read."""

    def _feed(self, data: bytes) -> None:
        packets = self._framer.feed(data)
        self._counters["bytes_dropped"] = self._framer.bytes_dropped
        self._count_faults(self._framer.take_faults())
        for packet in packets:
            self._counters["packets"] += 1
            future = self._answers.get((int(packet.type), packet.seq))
            if future is not None and not future.done():
                future.set_result(packet)
            elif packet.type in (PacketType.ECG_DATA, PacketType.PPG_DATA, PacketType.CUFF_DATA):
                if self.info is None:  # data before the handshake is not ours yet
                    continue
                try:
                    self._on_data(packet, self.info)
                except FrameError:
                    # A good CRC around a payload that does not decode: this packet is
                    # lost (the next one's sequence gap counts its samples), not the rest.
                    self._counters["faults"] += 1
                    self._counters["bad_payload"] += 1
            elif packet.type not in (PacketType.ACK, PacketType.INFO):
                self._counters["unknown_packets"] += 1

    def _advance(self, seq: int, count: int) -> int:
        """The stream index of this packet's first sample, counting packets lost before it."""
        if self._rx_seq is not None:
            gap = (seq - self._rx_seq - 1) & 0xFFFF
            if gap:
                lost = gap * (self._per_packet or count)
                self._counters["packets_lost"] += gap
                self._counters["samples_lost"] += lost
                self._next_index += lost
                self._status(DeviceState.CONNECTED, "samples_lost")
        self._rx_seq = seq
        self._per_packet = count
        index = self._next_index
        self._next_index += count
        self._counters["samples"] += count
        return index

    def _chunk(
        self,
        kind: SignalKind,
        samples: NDArray[np.float64],
        index: int,
        unit: str,
        flags: frozenset[str],
        info: Info,
    ) -> WaveformChunk:
        fs = float(info.fs)
        return WaveformChunk(
            kind, fs, self._time_of(index, fs), samples, index, self.device_id, unit, flags
        )

    @abc.abstractmethod
    def _on_data(self, packet: Packet, info: Info) -> None:
        """Turn a data packet into events."""


class EcgDriver(PacketDriver):
    """A 3-electrode ECG front end (ADS1292-class): leads I and II in mV."""

    protocol = "ecg"

    def _check_info(self, info: Info) -> None:
        if info.channels != 2:
            raise DeviceUnavailable("not a 2-channel ECG", device_id=self.device_id)

    def _on_data(self, packet: Packet, info: Info) -> None:
        if packet.type != PacketType.ECG_DATA:
            return
        data = EcgData.from_bytes(packet.payload)
        codes = np.array(data.samples, dtype=np.float64)
        mv = codes * (info.lsb * 1e-6)  # nV per code -> mV
        flags = _lead_flags(data.lead_off)
        index = self._advance(packet.seq, len(data.samples))
        self._emit(self._chunk(SignalKind.ECG_I, mv[:, 0], index, "mV", flags, info))
        self._emit(self._chunk(SignalKind.ECG_II, mv[:, 1], index, "mV", flags, info))


def _lead_flags(lead_off: LeadOff) -> frozenset[str]:
    if not lead_off:
        return frozenset()
    names = {f"lead_off_{flag.name or ''}".lower() for flag in LeadOff if flag and flag in lead_off}
    return frozenset({"lead_off", *names})


class PpgDriver(PacketDriver):
    """A red/infrared PPG front end (MAX30102-class): raw counts at 100 Hz."""

    protocol = "ppg"

    def _on_data(self, packet: Packet, info: Info) -> None:
        if packet.type != PacketType.PPG_DATA:
            return
        data = PpgData.from_bytes(packet.payload)
        counts = np.array(data.samples, dtype=np.float64)
        flags: set[str] = set()
        if data.status & PpgStatus.PROXIMITY_LOW:
            flags.add("finger_out")
        if data.status & (PpgStatus.ADC_OVERFLOW | PpgStatus.AMBIENT_OVERFLOW):
            flags.add("saturated")
        index = self._advance(packet.seq, len(data.samples))
        frozen = frozenset(flags)
        self._emit(self._chunk(SignalKind.PPG_RED, counts[:, 0], index, "1", frozen, info))
        self._emit(self._chunk(SignalKind.PPG_IR, counts[:, 1], index, "1", frozen, info))


class CuffDriver(PacketDriver):
    """A blood-pressure cuff module: pressure in mmHg at 100 Hz, inflation on command.

    Commands: ``start`` (``target``: inflation pressure, mmHg) and ``dump``
    (emergency deflate). Each chunk carries the module's state as a flag.

    Safety does not rest on the module's firmware alone: when the module reports
    over-pressure, or the cuff reads at or above ``safety_limit``, the driver
    commands a dump itself (IEC 80601-2-30 caps an adult cuff at 300 mmHg).
    """

    protocol = "cuff"
    max_target = 280  # mmHg: the highest inflation target the driver will ask for
    safety_limit = 300.0  # mmHg

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.state = CuffState.IDLE
        self._safety_dump: asyncio.Task[None] | None = None

    async def command(self, name: str, **params: float) -> None:
        if name == "start":
            target = int(params.get("target", 180))
            if not 60 <= target <= self.max_target:
                raise ValueError(f"target pressure must be 60..{self.max_target} mmHg")
            await self._command(PacketType.CUFF_START, target.to_bytes(2, "little"))
        elif name == "dump":
            await self._command(PacketType.CUFF_DUMP)
        else:
            await super().command(name, **params)

    def _on_data(self, packet: Packet, info: Info) -> None:
        if packet.type != PacketType.CUFF_DATA:
            return
        data = CuffData.from_bytes(packet.payload)
        mmhg = np.array(data.samples, dtype=np.float64) * (info.lsb / 100.0)
        if data.state != self.state:
            self.state = data.state
            if data.state in (CuffState.LEAK, CuffState.OVER_PRESSURE):
                self._counters[f"cuff_{data.state.name.lower()}"] += 1
                self._status(DeviceState.CONNECTED, f"cuff_{data.state.name.lower()}")
        pressurised = data.state not in (CuffState.IDLE, CuffState.DONE, CuffState.DUMPING)
        if pressurised and (
            data.state == CuffState.OVER_PRESSURE or mmhg.max() >= self.safety_limit
        ):
            self._dump_for_safety()
        index = self._advance(packet.seq, len(data.samples))
        flags = frozenset({data.state.name.lower()})
        self._emit(self._chunk(SignalKind.CUFF_PRESSURE, mmhg, index, "mm[Hg]", flags, info))

    def _dump_for_safety(self) -> None:
        if self._safety_dump is not None and not self._safety_dump.done():
            return  # one already under way
        self._counters["safety_dumps"] += 1
        log.warning("cuff over pressure: dumping", extra={"device": self.device_id})
        self._safety_dump = asyncio.get_running_loop().create_task(self._dump())

    async def _dump(self) -> None:
        try:
            await self._command(PacketType.CUFF_DUMP)
        except DeviceError:
            # The link is failing too; the hub will report it. Nothing else can be done here.
            log.error("cuff dump not acknowledged", extra={"device": self.device_id})
