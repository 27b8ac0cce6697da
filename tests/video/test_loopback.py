"""The cabin's tracks through a real WebRTC link: two peers in one process, over 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
)
from aiortc.mediastreams import MediaStreamError

from video import CameraTrack, MicrophoneTrack, decode_timestamp


def _config():
    return RTCConfiguration(iceServers=[])


def _force_vp8(pc):
    codecs = [c for c in RTCRtpSender.getCapabilities("video").codecs if c.mimeType == "video/VP8"]
    assert codecs, "aiortc offers no VP8"
    for transceiver in pc.getTransceivers():
        if transceiver.kind == "video":
            transceiver.setCodecPreferences(codecs)


async def _drain(track: MediaStreamTrack, sink: list, on_frame=None):
    with contextlib.suppress(MediaStreamError):
        while True:
            frame = await track.recv()
            sink.append(frame if on_frame is None else on_frame(frame))


@pytest.mark.timeout(30)
async def test_camera_and_microphone_reach_the_other_peer_over_vp8(loopback_ice):
    cabin = RTCPeerConnection(_config())
    doctor = RTCPeerConnection(_config())
    camera = CameraTrack(width=640, height=480, fps=15)
    microphone = MicrophoneTrack()
    video_frames: list[tuple[int, int, int | None, float]] = []
    audio_frames: list = []
    tasks: list[asyncio.Task] = []

    def on_video(frame):
        stamped = decode_timestamp(frame.to_ndarray(format="bgr24"))
        return frame.width, frame.height, stamped, time.time() * 1000

    @doctor.on("track")
    def on_track(track):
        if track.kind == "video":
            tasks.append(asyncio.ensure_future(_drain(track, video_frames, on_video)))
        else:
            tasks.append(asyncio.ensure_future(_drain(track, audio_frames)))

    try:
        cabin.addTrack(camera)
        cabin.addTrack(microphone)
        _force_vp8(cabin)
        await cabin.setLocalDescription(await cabin.createOffer())
        offer = cabin.localDescription
        assert "127.0.0.1" in offer.sdp
        await doctor.setRemoteDescription(offer)
        await doctor.setLocalDescription(await doctor.createAnswer())
        await cabin.setRemoteDescription(doctor.localDescription)
        assert "VP8/90000" in doctor.localDescription.sdp
        assert "H264" not in doctor.localDescription.sdp

        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline and (len(video_frames) < 20 or not audio_frames):
            await asyncio.sleep(0.05)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await cabin.close()
        await doctor.close()
        camera.stop()
        microphone.stop()

    assert len(video_frames) >= 20
    assert {(w, h) for w, h, _, _ in video_frames} == {(640, 480)}
    latencies = [received - stamped for _, _, stamped, received in video_frames if stamped]
    # the receiver reads the send time back from (almost) every decoded frame
    assert len(latencies) >= 0.9 * len(video_frames)
    assert all(0 <= latency <= 1000 for latency in latencies), latencies
    print(f"decode latency ms: min {min(latencies):.0f}, max {max(latencies):.0f}")
    assert audio_frames
    assert {(f.sample_rate, f.samples) for f in audio_frames} <= {(48_000, 960)}
