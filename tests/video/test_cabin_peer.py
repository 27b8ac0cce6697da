"""A cabin peer through the real portal: queue, accept, offer/answer, media, data channels, end.

Everything runs in this process over 127.0.0.1; the test plays the doctor with
its own aiortc peer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from argon2 import PasswordHasher

from tests.video.browser import accept_first_consult, recv_type
from video import CameraTrack, MicrophoneTrack
from video.peer import CabinPeer, PeerStatus
from video.portal import AUTH_KEY, SESSION_COOKIE, AccountStore
from video.portal.app import create_app

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "nắng-chiều-Huế-2025"  # noqa: S105 (invented, for tests)
SUMMARY = {"age": 68, "sex": "male", "values": {"bp_sys": 158, "hr": 88}, "flags": ["bp_high"]}
STATION = "tram-phuong-7"
TIMEOUT = 10.0


@pytest.fixture
async def portal(tmp_path):
    store = AccountStore.open(tmp_path / "portal.db", hasher=FAST)
    store.add_account("bs.lan", "BS. Nguyễn Thị Lan", "doctor", PASSWORD)
    key = store.add_station(STATION)
    app = create_app(store, secure_cookies=False)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        client.station_key = key
        yield client
    store.close()


async def doctor_socket(client):
    auth = client.app[AUTH_KEY]
    token = auth.sessions.create(auth.store.get_account("bs.lan")).token
    headers = {
        "Cookie": f"{SESSION_COOKIE}={token}",
        "Origin": f"http://{client.host}:{client.port}",
    }
    return await client.ws_connect("/ws/doctor", headers=headers)


async def next_status(peer, kind):
    while True:
        status = await asyncio.wait_for(peer.status.get(), TIMEOUT)
        if status.kind == kind:
            return status
        assert status.kind not in {"failed", "ended"}, status


async def until(condition, timeout=TIMEOUT):
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


@pytest.mark.timeout(30)
async def test_a_consult_from_request_to_end(portal, loopback_ice):
    camera = CameraTrack(width=320, height=240, fps=15)
    microphone = MicrophoneTrack()
    control: list[dict] = []
    statuses: list[PeerStatus] = []
    peer = CabinPeer(
        f"http://{portal.host}:{portal.port}",
        STATION,
        portal.station_key,
        SUMMARY,
        visit="visit-1",
        camera=camera,
        microphone=microphone,
        on_control=control.append,
        on_status=statuses.append,
    )
    doctor_pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    video_frames: list = []
    audio_frames: list = []
    live_messages: list[str] = []
    channels: dict = {}
    tasks: list[asyncio.Task] = []

    async def drain(track, sink):
        with contextlib.suppress(MediaStreamError):
            while True:
                sink.append(await track.recv())

    @doctor_pc.on("track")
    def on_track(track):
        sink = video_frames if track.kind == "video" else audio_frames
        tasks.append(asyncio.ensure_future(drain(track, sink)))

    @doctor_pc.on("datachannel")
    def on_datachannel(channel):
        channels[channel.label] = channel
        if channel.label == "live":
            channel.on("message", live_messages.append)

    doctor_ws = await doctor_socket(portal)
    try:
        await recv_type(doctor_ws, "queue", skip=frozenset())
        await peer.start()
        queued = await next_status(peer, "queued")
        assert queued.position == 1

        items = []
        while not items:
            items = (await recv_type(doctor_ws, "queue"))["items"]
        (item,) = items
        await doctor_ws.send_json({"type": "accept", "consult": item["consult"]})
        accepted = await recv_type(doctor_ws, "accepted")
        assert accepted["ice_servers"] == []
        accepted_status = await next_status(peer, "accepted")
        assert accepted_status.doctor == "BS. Nguyễn Thị Lan"
        assert accepted_status.doctor_id == "bs.lan"

        offer = await recv_type(doctor_ws, "offer")
        assert "VP8/90000" in offer["sdp"]
        await doctor_pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
        await doctor_pc.setLocalDescription(await doctor_pc.createAnswer())
        await doctor_ws.send_json({"type": "answer", "sdp": doctor_pc.localDescription.sdp})

        await next_status(peer, "connected")
        await until(lambda: len(video_frames) >= 10 and audio_frames)
        assert {(f.width, f.height) for f in video_frames} == {(320, 240)}

        await until(lambda: {"live", "control"} <= channels.keys())
        assert not channels["live"].ordered
        assert channels["live"].maxRetransmits == 0
        assert channels["control"].ordered

        async def live_arrives():
            while not live_messages:
                peer.send_live('{"ecg":[1,2,3]}')
                await asyncio.sleep(0.05)

        await asyncio.wait_for(live_arrives(), TIMEOUT)
        assert live_messages[0] == '{"ecg":[1,2,3]}'

        await until(lambda: channels["control"].readyState == "open")
        channels["control"].send(json.dumps({"type": "measure", "what": "bp"}))
        await until(lambda: bool(control))
        assert control == [{"type": "measure", "what": "bp"}]

        await doctor_ws.send_json({"type": "end"})
        ended = await next_status(peer, "ended")
        assert ended.reason == "doctor"
        await asyncio.wait_for(peer.wait_closed(), TIMEOUT)
        assert peer.closed
        assert not peer.send_live("late")
        assert [s.kind for s in statuses] == ["queued", "accepted", "connected", "ended"]
    finally:
        await peer.end()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await doctor_pc.close()
        await doctor_ws.close()
        camera.stop()
        microphone.stop()


@pytest.mark.timeout(30)
async def test_the_doctors_video_reaches_on_track(portal, loopback_ice):
    remote: list = []
    camera = CameraTrack(width=160, height=120, fps=15)
    peer = CabinPeer(
        f"http://{portal.host}:{portal.port}",
        STATION,
        portal.station_key,
        SUMMARY,
        visit="visit-2",
        camera=camera,
        microphone=None,
        on_control=lambda message: None,
        on_track=remote.append,
    )
    doctor_camera = CameraTrack(width=192, height=144, fps=15)
    doctor_pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    doctor_ws = await doctor_socket(portal)
    try:
        await accept_first_consult(doctor_ws, peer)
        await recv_type(doctor_ws, "accepted")
        offer = await recv_type(doctor_ws, "offer")
        await doctor_pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
        doctor_pc.addTrack(doctor_camera)
        await doctor_pc.setLocalDescription(await doctor_pc.createAnswer())
        await doctor_ws.send_json({"type": "answer", "sdp": doctor_pc.localDescription.sdp})
        await next_status(peer, "connected")
        await until(lambda: any(track.kind == "video" for track in remote))
        (video,) = [track for track in remote if track.kind == "video"]
        frame = await asyncio.wait_for(video.recv(), TIMEOUT)
        assert (frame.width, frame.height) == (192, 144)
    finally:
        await peer.end()
        await doctor_pc.close()
        await doctor_ws.close()
        doctor_camera.stop()
        camera.stop()
