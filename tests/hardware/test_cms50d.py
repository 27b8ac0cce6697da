"""The CMS50D+-style oximeter protocol: frames, flags and a framer that resynchronises."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cabin.errors import FrameError
from hardware.serial.cms50d import Cms50dFrame, Cms50dFramer, Cms50dStatus

# A live frame written out by hand from the layout in hardware/serial/cms50d.py:
# beep, strength 8 -> C8; pleth 55 -> 37; PR bit 7 set, bargraph 7 -> 47; PR low bits
# 0x48 (PR = 0xC8 = 200); SpO2 97 -> 61.
FRAME = bytes.fromhex("c837474861")
# Finger out: probe error + searching, strength 0, pleth 0, PR 255 (none), SpO2 127 (none).
FINGER_OUT = bytes.fromhex("a000507f7f")


def test_frame_decodes_values_and_flags():
    frame = Cms50dFrame.from_bytes(FRAME)
    assert frame == Cms50dFrame(Cms50dStatus.BEEP, 8, 55, 7, 200, 97)
    assert bytes(frame) == FRAME


def test_finger_out_frame_has_no_values():
    frame = Cms50dFrame.from_bytes(FINGER_OUT)
    assert frame.status & Cms50dStatus.PROBE_ERROR
    assert frame.spo2 is None
    assert frame.pulse_rate is None
    assert bytes(frame) == FINGER_OUT


@pytest.mark.parametrize(
    "raw",
    [FRAME[:4], FRAME[1:] + b"\x00", b"\xc8\xb7\x47\x48\x61", b"\xc8\x65\x47\x48\x61"],
)
def test_bad_frames_raise_frame_error(raw):
    with pytest.raises(FrameError):
        Cms50dFrame.from_bytes(raw)


def test_framer_drops_a_cut_frame_and_keeps_the_next():
    framer = Cms50dFramer()
    frames = framer.feed(b"\x12" + FRAME[:3] + FRAME + FINGER_OUT[:2])
    assert frames == [Cms50dFrame.from_bytes(FRAME)]
    assert framer.feed(FINGER_OUT[2:]) == [Cms50dFrame.from_bytes(FINGER_OUT)]
    assert [f.reason for f in framer.take_faults()] == ["frame cut short"]
    assert framer.bytes_dropped == 4


frames = st.builds(
    Cms50dFrame,
    st.sampled_from(list(Cms50dStatus)),
    st.integers(0, 15),
    st.integers(0, 100),
    st.integers(0, 15),
    st.one_of(st.none(), st.integers(0, 254)),
    st.one_of(st.none(), st.integers(0, 100)),
)


@given(st.lists(frames, max_size=30), st.integers(1, 7))
def test_framer_decodes_any_stream_of_frames_in_any_chunking(sent, step):
    stream = b"".join(bytes(f) for f in sent)
    framer = Cms50dFramer()
    got = []
    for i in range(0, len(stream), step):
        got += framer.feed(stream[i : i + step])
    assert got == sent


@given(st.binary(max_size=1000))
def test_framer_on_arbitrary_bytes_returns_only_valid_frames(blob):
    framer = Cms50dFramer()
    for frame in framer.feed(blob):
        assert Cms50dFrame.from_bytes(bytes(frame)) == frame
    assert all(isinstance(fault, FrameError) for fault in framer.faults)
