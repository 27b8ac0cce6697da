"""The framed packet protocol: encoding, decoding, and a framer that survives any bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cabin.errors import FrameError
from hardware.serial.packet import Packet, PacketFramer, PacketType, crc16

# An ECG data packet, seq 0x0102, payload "abc"; bytes written out by hand from the
# layout in hardware/serial/packet.py; the CRC (0xE1AE) from a separate bit-by-bit
# CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over 10 02 01 03 61 62 63.
ECG_PACKET = bytes.fromhex("a55a10020103616263aee1")


def test_crc16_matches_the_ccitt_false_check_value():
    assert crc16(b"123456789") == 0x29B1


def test_packet_round_trips_through_bytes():
    packet = Packet.from_bytes(ECG_PACKET)
    assert packet == Packet(PacketType.ECG_DATA, 0x0102, b"abc")
    assert bytes(packet) == ECG_PACKET


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (ECG_PACKET[:5], "truncated"),
        (b"\x00" + ECG_PACKET[1:], "bad sync"),
        (ECG_PACKET[:-1] + bytes([ECG_PACKET[-1] ^ 1]), "CRC"),
        (ECG_PACKET + b"\x00", "length"),
    ],
)
def test_malformed_packets_raise_frame_error(raw, reason):
    with pytest.raises(FrameError, match=reason) as info:
        Packet.from_bytes(raw)
    assert isinstance(info.value, ValueError)
    assert info.value.data == raw


def test_frame_error_message_does_not_show_the_payload():
    raw = ECG_PACKET[:-1] + b"\x00"
    with pytest.raises(FrameError) as info:
        Packet.from_bytes(raw)
    assert "abc" not in str(info.value)
    assert raw.hex() not in str(info.value)


def test_unknown_packet_types_decode_as_open_enum_members():
    packet = Packet(PacketType(0x55), 7, b"")
    assert Packet.from_bytes(bytes(packet)).type == 0x55


def test_framer_recovers_packets_around_garbage_and_corruption():
    good = [Packet(PacketType.PPG_DATA, i, bytes([i]) * (i % 9)) for i in range(20)]
    stream = bytearray()
    for i, packet in enumerate(good):
        raw = bytearray(bytes(packet))
        if i == 5:
            raw[-3] ^= 0xFF  # corrupt: this one is lost
        if i == 9:
            stream += b"\xa5\x5a\x10\x00\x00\xff"  # a false sync claiming a long payload
        stream += b"\x00\xa5garbage" if i % 4 == 0 else b""
        stream += raw
    framer = PacketFramer()
    decoded = framer.feed(bytes(stream))
    assert decoded == [p for i, p in enumerate(good) if i != 5]
    assert len(framer.take_faults()) >= 2
    assert framer.take_faults() == []


packets = st.builds(
    Packet,
    st.sampled_from(list(PacketType)),
    st.integers(0, 0xFFFF),
    st.binary(max_size=255),
)


@given(st.lists(packets, max_size=8), st.data())
def test_framer_output_does_not_depend_on_how_bytes_are_split(sent, data):
    stream = b"".join(bytes(p) for p in sent)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    framer = PacketFramer()
    got = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        got += framer.feed(stream[start:end])
    assert got == sent
    assert framer.faults == []


@given(st.binary(max_size=2000), st.lists(st.integers(1, 64), max_size=50))
def test_framer_on_arbitrary_bytes_returns_only_valid_packets(blob, sizes):
    framer = PacketFramer()
    pos = 0
    out = []
    for size in [*sizes, len(blob)]:
        out += framer.feed(blob[pos : pos + size])
        pos += size
    for packet in out:
        assert Packet.from_bytes(bytes(packet)) == packet
    assert all(isinstance(fault, FrameError) for fault in framer.faults)
