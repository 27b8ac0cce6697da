"""The cabin's media tracks and the simulated scene's send-time strip."""

from __future__ import annotations

import fractions
import time

import av
import numpy as np
import pytest

from cabin.errors import DeviceUnavailable
from video import CameraTrack, MicrophoneTrack, SimulatedScene, decode_timestamp, encode_timestamp

# Unix milliseconds, mid-2026; needs 41 of the strip's 48 bits.
SOME_MS = 1_784_000_123_456
VALUES = [0, 1, 255, 65_535, SOME_MS, SOME_MS + 999, (1 << 48) - 1]


@pytest.mark.parametrize("ms", VALUES)
def test_strip_round_trips_on_a_raw_frame(ms):
    frame = SimulatedScene(640, 480).render(1.25, ms)
    assert decode_timestamp(frame) == ms


def test_strip_reads_from_grey_and_other_sizes():
    frame = np.full((240, 320), 128, dtype=np.uint8)
    encode_timestamp(frame, SOME_MS)
    assert decode_timestamp(frame) == SOME_MS


def test_frame_without_a_strip_reads_none():
    assert decode_timestamp(np.full((480, 640, 3), 128, dtype=np.uint8)) is None
    rng = np.random.default_rng(7)
    assert decode_timestamp(rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)) is None


def test_strip_with_a_flipped_bit_reads_none():
    frame = SimulatedScene(640, 480).render(0.0, SOME_MS)
    cell = 640 // 40
    x = 20 * cell  # a value bit in the first row
    frame[:cell, x : x + cell] = 255 - frame[:cell, x : x + cell]
    assert decode_timestamp(frame) is None


def test_timestamp_out_of_range_is_refused():
    frame = np.zeros((480, 640, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="out of range"):
        encode_timestamp(frame, -1)
    with pytest.raises(ValueError, match="out of range"):
        encode_timestamp(frame, 1 << 48)


def _vp8_round_trip(images, fps=15):
    encoder = av.CodecContext.create("libvpx", "w")
    encoder.width, encoder.height = images[0].shape[1], images[0].shape[0]
    encoder.pix_fmt = "yuv420p"
    encoder.time_base = fractions.Fraction(1, fps)
    encoder.framerate = fractions.Fraction(fps, 1)
    encoder.bit_rate = 500_000  # about aiortc's starting VP8 bitrate
    decoder = av.CodecContext.create("vp8", "r")
    decoded = []
    packets = []
    for pts, image in enumerate(images):
        frame = av.VideoFrame.from_ndarray(image, format="bgr24")
        frame.pts = pts
        packets += encoder.encode(frame)
    packets += encoder.encode(None)
    for packet in packets:
        decoded += [f.to_ndarray(format="bgr24") for f in decoder.decode(packet)]
    return decoded


def test_strip_round_trips_through_vp8_at_640x480():
    scene = SimulatedScene(640, 480)
    sent = [SOME_MS + 67 * i for i in range(30)]
    images = [scene.render(i / 15, ms) for i, ms in enumerate(sent)]
    decoded = _vp8_round_trip(images)
    assert len(decoded) == len(sent)
    assert decoded[0].shape == (480, 640, 3)
    assert [decode_timestamp(image) for image in decoded] == sent


@pytest.mark.parametrize(("width", "height", "fps"), [(640, 480, 15), (320, 240, 30)])
async def test_simulated_camera_gives_the_asked_size_and_rate(width, height, fps):
    track = CameraTrack(width=width, height=height, fps=fps)
    count = 8
    started = time.monotonic()
    frames = [await track.recv() for _ in range(count)]
    elapsed = time.monotonic() - started
    track.stop()
    assert {(f.width, f.height) for f in frames} == {(width, height)}
    assert all(f.time_base == fractions.Fraction(1, 90_000) for f in frames)
    assert [f.pts for f in frames] == [round(i * 90_000 / fps) for i in range(count)]
    # the first frame is immediate, the others come one interval apart
    assert (count - 1) / fps - 0.02 <= elapsed <= (count - 1) / fps + 0.25
    now_ms = time.time() * 1000
    stamped = decode_timestamp(frames[-1].to_ndarray(format="bgr24"))
    assert stamped is not None
    assert 0 <= now_ms - stamped < 1000


async def test_camera_strip_counts_from_the_given_epoch():
    epoch = time.time() - 5.0
    track = CameraTrack(width=320, height=240, fps=30, epoch=epoch)
    frame = await track.recv()
    track.stop()
    stamped = decode_timestamp(frame.to_ndarray(format="bgr24"))
    assert stamped is not None
    assert 5000 <= stamped < 6000


async def test_stopped_camera_ends():
    from aiortc.mediastreams import MediaStreamError

    track = CameraTrack(width=320, height=240)
    track.stop()
    track.stop()
    with pytest.raises(MediaStreamError):
        await track.recv()


def test_absent_camera_is_unavailable():
    with pytest.raises(DeviceUnavailable, match="does not open") as caught:
        CameraTrack(99)
    assert caught.value.device_id == "camera:99"


def test_bad_camera_format_is_refused():
    with pytest.raises(ValueError, match="bad camera format"):
        CameraTrack(width=0)


async def test_microphone_gives_20_ms_of_48_khz_mono_s16():
    track = MicrophoneTrack()
    count = 5
    started = time.monotonic()
    frames = [await track.recv() for _ in range(count)]
    elapsed = time.monotonic() - started
    track.stop()
    for frame in frames:
        assert frame.samples == 960
        assert frame.sample_rate == 48_000
        assert frame.format.name == "s16"
        assert frame.layout.name == "mono"
        assert frame.time_base == fractions.Fraction(1, 48_000)
    assert [f.pts for f in frames] == [960 * i for i in range(count)]
    assert 0.08 - 0.01 <= elapsed <= 0.08 + 0.1
    pcm = np.concatenate([f.to_ndarray().ravel() for f in frames])
    peak = int(np.abs(pcm).max())
    assert 0 < peak <= round(32767 * 10 ** (-30 / 20)) + 1  # quiet: -30 dBFS


async def test_camera_scales_down_and_slows_while_running():
    track = CameraTrack(width=640, height=480, fps=30)
    first = await track.recv()
    track.set_format(320, 240, 15.0)
    second = await track.recv()
    third = await track.recv()
    with pytest.raises(ValueError, match="exceeds"):
        track.set_format(1280, 720, 30.0)
    track.stop()
    assert (first.width, first.height) == (640, 480)
    assert (second.width, second.height) == (320, 240)
    assert decode_timestamp(second.to_ndarray(format="bgr24")) is not None
    assert third.pts - second.pts == 6000  # 1/15 s at 90 kHz


async def test_camera_skips_frames_nobody_asked_for_instead_of_bursting():
    import asyncio

    track = CameraTrack(width=160, height=120, fps=15)
    first = await track.recv()
    await asyncio.sleep(1.0)  # a connection being rebuilt
    late = await track.recv()
    started = time.monotonic()
    following = await track.recv()
    waited = time.monotonic() - started
    track.stop()
    assert late.pts - first.pts >= 90_000 * 0.9  # the time jumped with the skip
    assert following.pts - late.pts == 6000
    assert waited > 0.03  # paced again, not a burst
