"""The speaker: the doctor's audio, through a real call, into a real output process."""

from __future__ import annotations

import asyncio
import logging
import sys
import time

import numpy as np
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection

from video import MicrophoneTrack, Speaker


def _config():
    return RTCConfiguration(iceServers=[])


def _recorder(path) -> list[str]:
    """An output process that writes everything it reads on stdin to ``path``."""
    code = (
        "import sys, shutil\n"
        f"with open({str(path)!r}, 'wb') as out:\n"
        "    shutil.copyfileobj(sys.stdin.buffer, out)\n"
    )
    return [sys.executable, "-c", code]


@pytest.mark.timeout(30)
async def test_the_doctors_tone_comes_out_of_the_output_process(loopback_ice, tmp_path):
    out = tmp_path / "speaker.raw"
    doctor = RTCPeerConnection(_config())
    cabin = RTCPeerConnection(_config())
    microphone = MicrophoneTrack(frequency=440)
    speaker = Speaker(_recorder(out))
    got_track = asyncio.Event()

    @cabin.on("track")
    def on_track(track):
        if track.kind == "audio":
            speaker.start(track)
            got_track.set()

    try:
        doctor.addTrack(microphone)
        await doctor.setLocalDescription(await doctor.createOffer())
        await cabin.setRemoteDescription(doctor.localDescription)
        await cabin.setLocalDescription(await cabin.createAnswer())
        await doctor.setRemoteDescription(cabin.localDescription)
        await asyncio.wait_for(got_track.wait(), 5)
        deadline = time.monotonic() + 8.0
        while speaker.written < 48_000 * 2 * 1.5 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
    finally:
        await speaker.stop()
        await doctor.close()
        await cabin.close()
        microphone.stop()

    pcm = np.frombuffer(out.read_bytes(), dtype=np.int16)
    assert len(pcm) >= 48_000, f"only {len(pcm) / 48_000:.2f} s of audio"
    tail = pcm[-48_000:].astype(np.float64)  # the last second (the start may hold silence)
    spectrum = np.abs(np.fft.rfft(tail * np.hanning(len(tail))))
    peak = np.fft.rfftfreq(len(tail), 1 / 48_000)[np.argmax(spectrum)]
    assert abs(peak - 440) <= 5, peak
    assert np.abs(tail).max() > 100  # a tone, not silence


@pytest.mark.timeout(15)
async def test_a_dead_output_is_drained_without_raising(caplog):
    caplog.set_level(logging.INFO, logger="video.speaker")
    microphone = MicrophoneTrack()
    speaker = Speaker([sys.executable, "-c", "pass"])
    speaker.start(microphone)
    try:
        await asyncio.sleep(1.0)
        assert not speaker.playing  # the output exited and the speaker noticed
        before = speaker.written
        await asyncio.sleep(0.2)
        assert speaker.written == before
        assert speaker.queued_bytes == 0
        # the track is still read (drained): its pacer keeps moving
        assert not speaker._task.done()
    finally:
        started = time.monotonic()
        await speaker.stop()
        microphone.stop()
    assert time.monotonic() - started < 2.0
    stopped = [r for r in caplog.records if "audio output stopped" in r.getMessage()]
    assert len(stopped) == 1


@pytest.mark.timeout(15)
async def test_a_slow_output_drops_the_oldest_audio_instead_of_queuing_it():
    microphone = MicrophoneTrack()
    sleeper = "import sys, time; time.sleep(3); sys.stdin.buffer.read()"
    speaker = Speaker([sys.executable, "-c", sleeper])
    speaker.start(microphone)
    peak = 0
    try:
        for _ in range(15):  # 1.5 s of audio against a player that reads nothing
            await asyncio.sleep(0.1)
            peak = max(peak, speaker.queued_bytes)
    finally:
        started = time.monotonic()
        await speaker.stop()
        microphone.stop()
    assert time.monotonic() - started < 2.5  # the sleeper is killed, not waited for
    assert speaker.dropped > 0
    assert 0 < peak <= speaker.limit == 48_000 * 2 // 5
    # what reached the pipe is bounded too: a small pipe and one chunk in flight
    assert speaker.written <= 16_384


@pytest.mark.timeout(10)
async def test_without_an_output_the_audio_is_only_drained(monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="video.speaker")
    monkeypatch.setattr("video.speaker.shutil.which", lambda name: None)
    microphone = MicrophoneTrack()
    speaker = Speaker()
    assert speaker.command is None
    speaker.start(microphone)
    try:
        await asyncio.sleep(0.3)
        assert not speaker.playing
        assert speaker.queued_bytes == 0
    finally:
        await speaker.stop()
        microphone.stop()
    assert [r.levelname for r in caplog.records if "no audio output" in r.getMessage()] == ["INFO"]
