"""The call's media under stress: bitrate, keyframes after loss, network cuts, adaptation.

Browser tests run the real portal, a :class:`CabinPeer` and Debian's Chromium
(the doctor, with its fake camera) on a minimal console page
(``media_doctor.html``) that answers every offer with a new connection. The
network cut drops every UDP datagram the cabin's ICE sockets send or receive
(aioice's ``StunProtocol``, the lowest seam under aiortc) for a while.
Figures are printed (``pytest -s``).
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import time
from pathlib import Path

import aioice.ice
import av
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpReceiver, RTCRtpSender
from aiortc.jitterbuffer import JitterBuffer
from aiortc.mediastreams import MediaStreamError
from aiortc.rate import RemoteBitrateEstimator
from aiortc.rtp import RtpPacket
from argon2 import PasswordHasher

from tests.video.browser import NetworkCut, accept_first_consult, launched_chromium, recv_type
from video import (
    CabinPeer,
    CameraTrack,
    LinkAdapter,
    PeerStatus,
    Rung,
    choose_rung,
    measure_loop_lag,
)
from video import rtcp_feedback as fb
from video.adapt import LADDER, ladder_for
from video.portal import AUTH_KEY, SESSION_COOKIE, AccountStore
from video.portal.app import create_app

PAGE = Path(__file__).with_name("media_doctor.html").read_text(encoding="utf-8")
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
SUMMARY = {"age": 71, "sex": "female", "values": {"hr": 76}, "flags": []}
STATION = "tram-xa-an-binh"


# The pure parts


def test_choose_rung_steps_one_rung_with_a_dead_band():
    ladder = list(LADDER)
    assert choose_rung(ladder, 0, 1_500_000) == 0
    assert choose_rung(ladder, 0, 999_999) == 1
    assert choose_rung(ladder, 1, 1_200_000) == 1  # between leave and enter: stay
    assert choose_rung(ladder, 1, 1_300_000) == 0
    assert choose_rung(ladder, 1, 250_000) == 2  # one step at a time
    assert choose_rung(ladder, 3, 250_000) == 3  # the last rung is never left
    assert choose_rung(ladder, 3, 300_000) == 3
    assert choose_rung(ladder, 3, 330_000) == 2
    assert choose_rung(ladder, 1, 500_000) == 1  # aiortc's starting target keeps 640x480@30
    with pytest.raises(ValueError, match="not on a ladder"):
        choose_rung(ladder, 4, 1)


def test_ladder_is_cut_to_the_cameras_own_format():
    ladder = ladder_for(640, 480, 15.0)
    assert [(r.width, r.height, r.fps) for r in ladder] == [(640, 480, 15.0), (320, 240, 15.0)]
    assert ladder[-1].leave_below == 0
    assert [(r.width, r.height) for r in ladder_for(1280, 720, 30.0)][:2] == [
        (1280, 720),
        (640, 480),
    ]
    with pytest.raises(ValueError, match="leave_below"):
        Rung(10, 10, 1.0, enter_above=1, leave_below=2)


def test_link_adapter_holds_before_changing():
    adapter = LinkAdapter(ladder_for(1280, 720, 30.0), up_hold=4.0, down_hold=1.0)
    assert adapter.update(300_000, 0.0) is None  # low, but not for long yet
    assert adapter.update(300_000, 0.5) is None
    assert adapter.update(300_000, 1.1) == Rung(640, 480, 30.0, 600_000, 380_000)
    assert adapter.update(300_000, 2.2) is None  # each step waits again
    assert adapter.update(300_000, 3.3) == Rung(640, 480, 15.0, 330_000, 270_000)
    assert adapter.update(1_400_000, 4.0) is None  # good again: wait 4 s
    assert adapter.update(1_400_000, 6.0) is None
    assert adapter.update(300_000, 7.0) is None  # a dip resets the wait...
    assert adapter.update(1_400_000, 7.5) is None
    assert adapter.update(1_400_000, 11.4) is None
    assert adapter.update(1_400_000, 11.6) is not None  # ...counted again from 7.5
    assert adapter.rung.fps == 30.0


def test_aiortc_internals_are_where_rtcp_feedback_expects():
    fb.check_aiortc()
    assert fb.KNOWN_AIORTC == "1.16"


def test_keyframe_requests_are_rate_limited():
    limiter = fb.KeyframeLimiter(0.5)
    assert [limiter.allow(t) for t in (0.0, 0.1, 0.49, 0.5, 0.7, 1.1)] == [
        True,
        False,
        False,
        True,
        False,
        True,
    ]
    assert limiter.sent == 3


def test_loss_window_counts_gaps_and_forgives_late_packets():
    window = fb.LossWindow(span=2.0)
    for seq in (65_533, 65_534, 65_535, 0, 1):  # wraps without loss
        window.add(seq, 0.0)
    assert window.fraction(0.0) == 0.0
    window.add(5, 0.1)  # 2, 3, 4 missing
    assert window.fraction(0.1) == pytest.approx(3 / 9)
    window.add(3, 0.2)  # one comes late (a retransmission)
    assert window.fraction(0.2) == pytest.approx(2 / 9)
    assert window.fraction(5.0) == 0.0  # forgotten


def _vp8_frames(count, *, size=(320, 240)):
    """Real VP8 frames: a keyframe, then delta frames, each as bytes."""
    encoder = av.CodecContext.create("libvpx", "w")
    encoder.width, encoder.height = size
    encoder.pix_fmt = "yuv420p"
    encoder.time_base = fractions.Fraction(1, 15)
    encoder.options = {"deadline": "realtime", "lag-in-frames": "0"}
    scene_camera = CameraTrack(width=size[0], height=size[1])
    frames = []
    for i in range(count):
        image = scene_camera._scene.render(i / 15, 0)
        frame = av.VideoFrame.from_ndarray(image, format="bgr24")
        frame.pts = i
        if i == count // 2:
            frame.pict_type = av.video.frame.PictureType.I
        frames += [bytes(p) for p in encoder.encode(frame)]
    scene_camera.stop()
    return frames


def _packets(frames, *, per_frame=3, ssrc=1234):
    packets = []
    seq = 100
    for index, data in enumerate(frames):
        step = -(-len(data) // per_frame)
        for start in range(0, len(data), step):
            packet = RtpPacket(
                payload_type=97, sequence_number=seq, timestamp=3000 * index, ssrc=ssrc
            )
            packet._data = data[start : start + step]  # what aiortc's receiver sets
            packets.append(packet)
            seq += 1
    return packets


def test_jitter_buffer_skips_a_lost_packet_and_waits_for_a_keyframe():
    frames = _vp8_frames(10)
    assert fb.is_vp8_keyframe(frames[0])
    assert not fb.is_vp8_keyframe(frames[1])
    assert fb.is_vp8_keyframe(frames[5])
    now = [0.0]
    buffer = fb.RecoveringJitterBuffer(512, hole_timeout=0.3, clock=lambda: now[0])
    plain = JitterBuffer(512, is_video=True)
    out, plain_out, plis = [], [], 0
    for packet in _packets(frames):
        if packet.timestamp == 3000 * 2 and packet.sequence_number % 3 == 2:
            continue  # lose one packet of frame 2
        now[0] += 0.1
        pli, frame = buffer.add(packet)
        plis += pli
        if frame is not None:
            out.append(frame.timestamp // 3000)
        _, frame = plain.add(packet)
        if frame is not None:
            plain_out.append(frame.timestamp // 3000)
    # aiortc's own buffer stops at the hole for good (until 512 packets pile up)
    assert plain_out == [0, 1]
    # ours skips it, drops the delta frames that follow, and resumes at the keyframe
    assert out[:2] == [0, 1]
    assert out[2] == 5
    assert out == [0, 1, *range(5, 9)]  # the last frame is complete only with a successor
    assert buffer.skips == 1
    assert 1 <= plis <= 3
    assert buffer.keyframes == 2


def test_remb_floor_while_loss_free_and_the_estimate_when_lossy():
    loss = fb.LossWindow()
    now = [0.0]
    estimator = fb.FlooredEstimator(
        RemoteBitrateEstimator(), loss, floor=1_500_000, clock=lambda: now[0]
    )
    loss.add(1, 0.0)
    first = estimator.add(arrival_time_ms=0, abs_send_time=0, payload_size=1000, ssrc=7)
    assert first == (1_500_000, [7])  # at once, not after aiortc's 3 s
    assert estimator.add(arrival_time_ms=10, abs_send_time=655, payload_size=1000, ssrc=7) is None
    now[0] = 1.0
    loss.add(50, 1.0)  # 48 packets lost
    assert (
        estimator.add(arrival_time_ms=1000, abs_send_time=65536, payload_size=1000, ssrc=7) is None
    )


# Two aiortc peers over 127.0.0.1


async def _connect(cabin, doctor):
    await cabin.setLocalDescription(await cabin.createOffer())
    await doctor.setRemoteDescription(cabin.localDescription)
    await doctor.setLocalDescription(await doctor.createAnswer())
    await cabin.setRemoteDescription(doctor.localDescription)


async def _drain(track, sink):
    with contextlib.suppress(MediaStreamError):
        while True:
            frame = await track.recv()
            sink.append((time.monotonic(), frame.width, frame.height))


@pytest.mark.timeout(30)
async def test_the_cabins_sender_answers_a_pli_with_a_keyframe(loopback_ice):
    cabin = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    doctor = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    camera = CameraTrack(width=320, height=240, fps=15)
    frames: list = []
    tasks: list = []
    doctor.on("track", lambda track: tasks.append(asyncio.ensure_future(_drain(track, frames))))
    try:
        cabin.addTrack(camera)
        doctor.addTransceiver("video", direction="recvonly")
        (transceiver,) = doctor.getTransceivers()
        monitor = fb.install(transceiver.receiver)
        await _connect(cabin, doctor)
        async with asyncio.timeout(10):
            while monitor.jitter.keyframes < 1:
                await asyncio.sleep(0.05)
        # aiortc sends a keyframe first and when the bitrate (from REMB) changes, then
        # deltas only: wait for a quiet second
        async with asyncio.timeout(10):
            while True:
                seen = monitor.jitter.keyframes
                await asyncio.sleep(1.0)
                if monitor.jitter.keyframes == seen:
                    break
        await monitor.request_keyframe()
        started = time.monotonic()
        async with asyncio.timeout(5):
            while monitor.jitter.keyframes <= seen:
                await asyncio.sleep(0.01)
        print(f"PLI to keyframe: {1000 * (time.monotonic() - started):.0f} ms")
        assert frames
    finally:
        for task in tasks:
            task.cancel()
        await cabin.close()
        await doctor.close()
        camera.stop()


def test_rtcp_feedback_fits_a_real_receiver_and_reads_a_real_sender():
    from aiortc.rtcdtlstransport import RTCCertificate, RTCDtlsTransport
    from aiortc.rtcicetransport import RTCIceGatherer, RTCIceTransport

    async def run():
        transport = RTCDtlsTransport(
            RTCIceTransport(RTCIceGatherer()), [RTCCertificate.generateCertificate()]
        )
        receiver = RTCRtpReceiver("video", transport)
        fb.check_aiortc(receiver=receiver)
        monitor = fb.install(receiver)
        assert isinstance(receiver._RTCRtpReceiver__jitter_buffer, fb.RecoveringJitterBuffer)
        assert monitor.estimator is not None
        camera = CameraTrack(width=160, height=120)
        sender = RTCRtpSender(camera, transport)
        fb.check_aiortc(sender=sender)
        assert fb.sender_target_bitrate(sender) is None  # no encoder before the first frame
        camera.stop()
        await transport.stop()

    asyncio.run(run())


# The cabin through the real portal


@pytest.fixture
async def portal(tmp_path):
    store = AccountStore.open(tmp_path / "portal.db", hasher=FAST)
    store.add_account("bs.minh", "BS. Trần Văn Minh", "doctor", "mưa-phùn-Hà-Nội-2026")
    key = store.add_station(STATION)
    app = create_app(store, secure_cookies=False)

    async def page(_: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    app.router.add_get("/test/doctor", page)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    server.station_key = key
    auth = app[AUTH_KEY]
    server.doctor_token = auth.sessions.create(auth.store.get_account("bs.minh")).token
    try:
        yield server
    finally:
        await server.close()
        store.close()


@pytest.fixture
async def chromium():
    async with launched_chromium() as browser:
        yield browser


class Call:
    """A cabin peer and the doctor's page, connected through the portal."""

    def __init__(self, portal, browser, **peer_args):
        self.portal = portal
        self.browser = browser
        self.camera = CameraTrack(width=640, height=480, fps=15)
        self.statuses: list[PeerStatus] = []
        self.control: list[dict] = []
        self.frames: list[tuple[float, int, int]] = []
        self.tasks: list[asyncio.Task] = []
        self.peer = CabinPeer(
            f"http://127.0.0.1:{portal.port}",
            STATION,
            portal.station_key,
            SUMMARY,
            visit="visit-mq",
            camera=self.camera,
            microphone=None,
            on_control=self.control.append,
            on_status=self.statuses.append,
            on_track=self._on_track,
            **peer_args,
        )
        self.page = None

    def _on_track(self, track):
        if track.kind == "video":
            self.tasks.append(asyncio.ensure_future(_drain(track, self.frames)))

    async def start(self):
        context = await self.browser.new_context()
        await context.add_cookies(
            [
                {
                    "name": SESSION_COOKIE,
                    "value": self.portal.doctor_token,
                    "url": f"http://127.0.0.1:{self.portal.port}",
                }
            ]
        )
        self.page = await context.new_page()
        await self.page.goto(f"http://127.0.0.1:{self.portal.port}/test/doctor")
        await self.page.wait_for_function("document.title === 'ready'", timeout=10_000)
        await self.peer.start()

    async def stats(self):
        return await self.page.evaluate("window.videoStats()")

    async def close(self):
        await self.peer.end()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.camera.stop()


async def _until(condition, timeout, step=0.05):
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(step)


@pytest.mark.timeout(45)
async def test_the_doctors_camera_reaches_the_cabin_at_640x480(portal, chromium, loopback_ice):
    call = Call(portal, chromium)
    try:
        await call.start()
        started = time.monotonic()

        async def full_size():
            return any((w, h) == (640, 480) for _, w, h in call.frames)

        await _until(full_size, 15)
        reached = time.monotonic() - started
        lag = await measure_loop_lag(3.0)
        before = await call.stats()
        await asyncio.sleep(2.0)
        after = await call.stats()
        kbps = (after["sentBytes"] - before["sentBytes"]) * 8 / 2.0 / 1000
        print(
            f"doctor video at 640x480 after {reached:.1f} s; browser sends {kbps:.0f} kbit/s "
            f"at {after['sentWidth']}x{after['sentHeight']}; loop lag p50 {lag.p50_ms:.1f} "
            f"p99 {lag.p99_ms:.1f} max {lag.max_ms:.1f} ms"
        )
        assert reached < 10.0
        assert kbps > 300
        assert (after["sentWidth"], after["sentHeight"]) == (640, 480)
        assert after["decoded"] > 0  # the cabin's camera reaches the doctor too
    finally:
        await call.close()


async def _resumed(call, since, timeout=6.0):
    """Seconds from ``since`` until both directions decode new frames."""
    decoded_then = (await call.stats())["decoded"]
    cabin_at = browser_at = None
    async with asyncio.timeout(timeout):
        while cabin_at is None or browser_at is None:
            if cabin_at is None and any(t > since for t, _, _ in call.frames):
                cabin_at = min(t for t, _, _ in call.frames if t > since) - since
            if browser_at is None and (await call.stats())["decoded"] > decoded_then:
                browser_at = time.monotonic() - since
            await asyncio.sleep(0.05)
    return cabin_at, browser_at


@pytest.mark.timeout(45)
async def test_a_short_cut_recovers_both_ways_without_a_new_connection(
    portal, chromium, loopback_ice, monkeypatch
):
    cut = NetworkCut(monkeypatch)
    call = Call(portal, chromium)
    try:
        await call.start()

        async def flowing():
            return len(call.frames) > 20 and (await call.stats())["decoded"] > 20

        await _until(flowing, 15)
        cut.active = True
        await asyncio.sleep(2.0)
        cut.active = False
        restored = time.monotonic()
        cabin_s, browser_s = await _resumed(call, restored)
        print(
            f"2 s cut ({cut.dropped} datagrams dropped): cabin decodes again after "
            f"{cabin_s:.2f} s, browser after {browser_s:.2f} s"
        )
        assert cabin_s < 2.0
        assert browser_s < 2.0
        assert call.peer.reconnections == 0
        assert "reconnecting" not in [s.kind for s in call.statuses]
    finally:
        await call.close()


async def _cut_until_rebuilt(call, cut):
    """Cut a flowing call until the cabin starts rebuilding it, then restore the network.

    Returns the rebuild's reason, the seconds of cut before it started, and the seconds
    after restoring until the cabin and the browser decode new frames.
    """
    await call.start()

    async def flowing():
        return len(call.frames) > 10 and (await call.stats())["decoded"] > 10

    await _until(flowing, 15)
    cut.active = True
    started = time.monotonic()

    async def reconnecting():
        return any(s.kind == "reconnecting" for s in call.statuses)

    await _until(reconnecting, 15)
    detected = time.monotonic() - started
    cut.active = False
    restored = time.monotonic()

    async def reconnected():
        return any(s.kind == "connected" and s.reason for s in call.statuses)

    await _until(reconnected, 15)
    cabin_s, browser_s = await _resumed(call, restored, timeout=10.0)
    reason = next(s.reason for s in call.statuses if s.kind == "reconnecting")
    return reason, detected, cabin_s, browser_s


@pytest.mark.timeout(60)
async def test_a_long_cut_rebuilds_the_connection_and_the_call_goes_on(
    portal, chromium, loopback_ice, monkeypatch
):
    cut = NetworkCut(monkeypatch)
    # aiortc's ICE takes about 30 s to give up (consent freshness); the watchdog
    # acts after media_timeout seconds without video
    call = Call(portal, chromium, media_timeout=3.0)
    try:
        reason, detected, cabin_s, browser_s = await _cut_until_rebuilt(call, cut)
        assert reason == "no video from the doctor"  # the watchdog's, long before ICE's
        print(
            f"long cut: failure seen after {detected:.1f} s; after restoring, the cabin decodes "
            f"after {cabin_s:.2f} s, the browser after {browser_s:.2f} s"
        )
        assert call.peer.reconnections == 1
        assert await call.page.evaluate("window.doctor.answers") == 2
        kinds = [s.kind for s in call.statuses]
        assert kinds == ["queued", "accepted", "connected", "reconnecting", "connected"]

        # both data channels work on the new connection, through the same methods
        async def control_arrives():
            call.peer.send_control({"type": "hello", "n": 1})
            return bool(await call.page.evaluate("window.doctor.control.length"))

        await _until(control_arrives, 10, step=0.2)

        async def live_arrives():
            call.peer.send_live('{"ecg":[1,2,3]}')
            return bool(await call.page.evaluate("window.doctor.live"))

        await _until(live_arrives, 10, step=0.2)

        async def doctor_control():
            await call.page.evaluate("""window.sendControl('{"type":"measure"}')""")
            return bool(call.control)

        await _until(doctor_control, 10, step=0.2)
        assert call.control[0] == {"type": "measure"}
    finally:
        await call.close()


@pytest.mark.timeout(60)
async def test_an_ice_failure_rebuilds_the_connection(portal, chromium, loopback_ice, monkeypatch):
    """ICE itself gives up (consent freshness, RFC 7675) before the no-video watchdog would.

    aioice checks consent every 5 s and gives up after 6 failures (about 30 s); here every
    0.3 s and after 3, so the test waits seconds. The watchdog is set far beyond that, so
    only the connection's own end (aiortc reports it as ``closed``) can start the rebuild.
    """
    monkeypatch.setattr(aioice.ice, "CONSENT_INTERVAL", 0.3)
    monkeypatch.setattr(aioice.ice, "CONSENT_FAILURES", 3)
    cut = NetworkCut(monkeypatch)
    call = Call(portal, chromium, media_timeout=45.0)
    try:
        reason, detected, cabin_s, browser_s = await _cut_until_rebuilt(call, cut)
        assert reason == "the video connection failed"  # ICE's failure, not the watchdog
        print(
            f"ICE failure seen after {detected:.1f} s of cut; after restoring, the cabin "
            f"decodes after {cabin_s:.2f} s, the browser after {browser_s:.2f} s"
        )
        assert call.peer.reconnections == 1
        kinds = [s.kind for s in call.statuses]
        assert kinds == ["queued", "accepted", "connected", "reconnecting", "connected"]
    finally:
        await call.close()


class _LowRemb:
    """Stands in for the doctor's bitrate estimator: reports 200 kbit/s, always.

    aiortc keeps its encoder's target at 250 kbit/s or more, below the 640x480 rungs."""

    def __init__(self):
        self.ssrcs = {}

    def add(self, arrival_time_ms, abs_send_time, payload_size, ssrc):
        self.ssrcs[ssrc] = arrival_time_ms
        return 200_000, list(self.ssrcs)


@pytest.mark.timeout(40)
async def test_a_low_remb_scales_the_cabins_camera_down(portal, loopback_ice):
    """The doctor (aiortc here) reports 200 kbit/s; the cabin's camera steps to 320x240."""
    from aiortc import RTCSessionDescription

    camera = CameraTrack(width=640, height=480, fps=15)
    frames: list = []
    tasks: list = []
    peer = CabinPeer(
        f"http://127.0.0.1:{portal.port}",
        STATION,
        portal.station_key,
        SUMMARY,
        visit="visit-adapt",
        camera=camera,
        microphone=None,
        on_control=lambda message: None,
    )
    doctor = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    doctor.on("track", lambda track: tasks.append(asyncio.ensure_future(_drain(track, frames))))

    from aiohttp import ClientSession

    base = f"http://127.0.0.1:{portal.port}"
    session = ClientSession()
    ws = await session.ws_connect(
        f"{base}/ws/doctor",
        headers={"Cookie": f"{SESSION_COOKIE}={portal.doctor_token}", "Origin": base},
    )
    try:
        await accept_first_consult(ws, peer)
        offer = await recv_type(ws, "offer", skip=frozenset({"queue", "accepted"}))
        await doctor.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
        for transceiver in doctor.getTransceivers():
            if transceiver.kind == "video":
                transceiver.receiver._RTCRtpReceiver__remote_bitrate_estimator = _LowRemb()
        await doctor.setLocalDescription(await doctor.createAnswer())
        await ws.send_json({"type": "answer", "sdp": doctor.localDescription.sdp})

        async def small():
            return any((w, h) == (320, 240) for _, w, h in frames)

        await _until(small, 15)
        assert (camera.width, camera.height) == (320, 240)
        assert any((w, h) == (640, 480) for _, w, h in frames)  # it started big
    finally:
        await peer.end()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await doctor.close()
        await ws.close()
        await session.close()
        camera.stop()
