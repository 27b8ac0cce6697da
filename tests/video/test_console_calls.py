"""Several consults at once, and a doctor who closes the tab, in real headless Chromium.

Two stations ask for a doctor; two doctors, each in their own browser context, see
the same queue; each takes one call, the other's queue loses the taken request at
once, and each call carries its own media. A doctor closing the tab mid-call ends
the consult for the cabin.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import numpy as np
import pytest
from aiohttp import ClientSession
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from tests.video.browser import (
    DOCTORS,
    SUMMARY,
    Cabin,
    NetworkCut,
    console_ready,
    ecg_chunk,
    login,
    state,
    until,
    wait_state,
)
from video import (
    CameraTrack,
    MicrophoneTrack,
    Note,
    parse_control,
    values_message,
    waveform_messages,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

STATIONS = ("tram-phuong-7", "tram-phuong-9")


@pytest.fixture
def stations():
    return STATIONS


async def doctor_page(browser, portal, username):
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    await login(page, portal.base, username=username)
    await console_ready(page)
    return context, page


@contextlib.asynccontextmanager
async def call_taken(browser, portal):
    """Dr Lan's console and a cabin at the first station; the cabin asks, she accepts."""
    context, page = await doctor_page(browser, portal, "bs.lan")
    cabin = Cabin(portal.base, STATIONS[0], portal.keys[STATIONS[0]])
    try:
        await cabin.peer.start()
        await wait_state(page, "s.queue === 1")
        await page.click("#queue-body button.accept")
        yield page, cabin
    finally:
        await cabin.close()
        await context.close()


async def queue_stations(page):
    return await page.locator("#queue-body td.station").all_inner_texts()


async def test_two_doctors_take_two_stations_each_with_its_own_call(browser, portal, loopback_ice):
    lan_context, lan = await doctor_page(browser, portal, "bs.lan")
    hung_context, hung = await doctor_page(browser, portal, "bs.hung")
    cabins = {s: Cabin(portal.base, s, portal.keys[s]) for s in STATIONS}
    try:
        for cabin in cabins.values():
            await cabin.peer.start()
        for page in (lan, hung):
            await wait_state(page, "s.queue === 2")
            assert sorted(await queue_stations(page)) == list(STATIONS)

        await lan.click(f"#queue-body tr:has(td.station:text-is('{STATIONS[0]}')) button.accept")
        await wait_state(lan, "s.call !== 'idle'")
        await wait_state(hung, "s.queue === 1")  # the taken request is gone from the other page
        assert await queue_stations(hung) == [STATIONS[1]]
        await hung.click("#queue-body button.accept")

        for page in (lan, hung):
            await wait_state(page, "s.call === 'connected' && s.framesDecoded >= 10")
            await wait_state(page, "s.audioPacketsReceived >= 10 && s.audioPacketsSent >= 10")
        for cabin in cabins.values():
            await until(lambda c=cabin: c.received["video"] >= 5 and c.received["audio"] >= 10)
        accepted = {
            s: next(x for x in c.statuses if x.kind == "accepted") for s, c in cabins.items()
        }
        assert accepted[STATIONS[0]].doctor == DOCTORS["bs.lan"]
        assert accepted[STATIONS[1]].doctor == DOCTORS["bs.hung"]
        lan_state, hung_state = await state(lan), await state(hung)
        assert lan_state["consult"] != hung_state["consult"]
        assert STATIONS[0] in await lan.inner_text("#call-title")
        assert STATIONS[1] in await hung.inner_text("#call-title")

        # The station ends one call; that doctor is back at the queue, the other call goes on.
        await cabins[STATIONS[1]].peer.end()
        await wait_state(hung, "s.call === 'idle' && s.ended === 'station'")
        assert await hung.inner_text("#notice") == "Trạm đã kết thúc cuộc gọi."
        before = (await state(lan))["framesDecoded"]
        await wait_state(lan, f"s.call === 'connected' && s.framesDecoded > {before}")
    finally:
        for cabin in cabins.values():
            await cabin.close()
        await lan_context.close()
        await hung_context.close()


async def test_a_doctor_closing_the_tab_ends_the_call_for_the_cabin(browser, portal, loopback_ice):
    async with call_taken(browser, portal) as (page, cabin):
        await until(lambda: "connected" in cabin.kinds())
        await wait_state(page, "s.framesDecoded >= 5")
        await page.close()
        await until(lambda: "ended" in cabin.kinds())
        assert cabin.statuses[-1].reason == "doctor"
        await until(lambda: cabin.peer.closed)


async def offer_from(ws, pc, camera, microphone):
    """A cabin-like offer (camera, microphone, live and control channels) over ``ws``."""
    pc.addTrack(camera)
    pc.addTrack(microphone)
    live = pc.createDataChannel("live", ordered=False, maxRetransmits=0)
    pc.createDataChannel("control", ordered=True)
    await pc.setLocalDescription(await pc.createOffer())
    await ws.send_json({"type": "offer", "sdp": pc.localDescription.sdp})
    while True:
        message = json.loads((await asyncio.wait_for(ws.receive(), 15.0)).data)
        if message["type"] == "answer":
            await pc.setRemoteDescription(RTCSessionDescription(message["sdp"], "answer"))
            return live


async def test_a_new_offer_mid_call_replaces_the_connection(browser, portal, loopback_ice):
    """The cabin re-offers on a fresh connection (after a network cut): the page answers it."""
    context, page = await doctor_page(browser, portal, "bs.lan")
    camera, microphone = CameraTrack(width=320, height=240, fps=15), MicrophoneTrack()
    camera2, microphone2 = CameraTrack(width=320, height=240, fps=15), MicrophoneTrack()
    first, second = RTCPeerConnection(), RTCPeerConnection()
    frames = {"first": 0, "second": 0}
    tasks = []

    def counting(pc, name):
        async def drain(track):
            with contextlib.suppress(MediaStreamError):
                while True:
                    await track.recv()
                    frames[name] += 1

        pc.on("track", lambda track: tasks.append(asyncio.ensure_future(drain(track))))

    counting(first, "first")
    counting(second, "second")
    station, key = STATIONS[0], portal.keys[STATIONS[0]]
    async with ClientSession() as http:
        ws = await http.ws_connect(
            f"{portal.base}/ws/station", headers={"Authorization": f"Station {station}:{key}"}
        )
        try:
            await ws.send_json({"type": "request", "visit": "v1", "summary": SUMMARY})
            await wait_state(page, "s.queue === 1")
            await page.click("#queue-body button.accept")
            await offer_from(ws, first, camera, microphone)
            await wait_state(page, "s.call === 'connected' && s.framesDecoded >= 5")
            await until(lambda: frames["first"] >= 5)

            await first.close()  # the old link is gone; the cabin starts afresh
            # (closing an aiortc connection ends its tracks: the new one needs new ones)
            live = await offer_from(ws, second, camera2, microphone2)
            await wait_state(page, "s.connections === 2 && s.call === 'connected'")
            await until(lambda: frames["second"] >= 5)
            await until(lambda: live.readyState == "open")
            live.send(values_message({"spo2": 98.0}, "%"))
            await wait_state(page, "s.values.spo2 === 98")
            before = (await state(page))["framesDecoded"]
            await wait_state(page, f"s.framesDecoded > {before} && s.audioPacketsReceived >= 10")
            after = await state(page)
            assert after["connections"] == 2  # the second connection replaced the first
            assert after["call"] == "connected"
            assert after["values"]["spo2"] == 98
        finally:
            await ws.close()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await first.close()
            await second.close()
            for track in (camera, microphone, camera2, microphone2):
                track.stop()
            await context.close()


async def frames_resume(page, cabin, since, timeout=12.0):
    """Seconds from ``since`` until the console and the cabin both decode new video frames.

    Call it at ``since``. The console's ``framesDecoded`` is polled from getStats once a
    second and adds up over the call's connections (a re-offer's new one starts its own
    count from 0), so it never goes down, and the console counts as decoding again at
    the first reading above the one before.
    """
    received = cabin.received["video"]
    previous = (await state(page))["framesDecoded"]
    console_at = cabin_at = None
    async with asyncio.timeout(timeout):
        while console_at is None or cabin_at is None:
            if cabin_at is None and cabin.received["video"] > received:
                cabin_at = time.monotonic() - since
            decoded = (await state(page))["framesDecoded"]
            assert decoded >= previous, "the console's frame count went down"
            if console_at is None and decoded > previous:
                console_at = time.monotonic() - since
            previous = decoded
            await asyncio.sleep(0.05)
    return console_at, cabin_at


@pytest.mark.timeout(60)
async def test_a_network_cut_and_recovery_with_the_console(
    browser, portal, loopback_ice, monkeypatch
):
    cut = NetworkCut(monkeypatch)
    context, page = await doctor_page(browser, portal, "bs.lan")
    # media_timeout: 4 s without video from the doctor and the cabin rebuilds; the 2 s cut
    # stays well clear of it, the long one passes it (aiortc's ICE alone gives up after ~30 s)
    cabin = Cabin(portal.base, STATIONS[0], portal.keys[STATIONS[0]], media_timeout=4.0)
    resumed = None
    try:
        await cabin.peer.start()
        await wait_state(page, "s.queue === 1")
        await page.click("#queue-body button.accept")
        await wait_state(page, "s.call === 'connected' && s.framesDecoded >= 10")
        await until(lambda: cabin.received["video"] >= 10 and cabin.received["audio"] >= 10)
        assert (await state(page))["connections"] == 1

        # (a) A 2 s cut: frames come back both ways on the same connection.
        cut.active = True
        await asyncio.sleep(2.0)
        cut.active = False
        restored = time.monotonic()
        console_s, cabin_s = await frames_resume(page, cabin, restored)
        print(
            f"2 s cut ({cut.dropped} datagrams dropped): the console decodes again after "
            f"{console_s:.2f} s, the cabin after {cabin_s:.2f} s"
        )
        assert console_s < 3.0
        assert cabin_s < 3.0
        after_short = await state(page)
        assert after_short["connections"] == 1
        assert after_short["call"] == "connected"
        assert cabin.peer.reconnections == 0
        assert "reconnecting" not in cabin.kinds()

        # (b) A cut past the cabin's media_timeout: the cabin re-offers, the console answers.
        cut.active = True
        started = time.monotonic()
        await until(lambda: "reconnecting" in cabin.kinds(), timeout=10.0)
        detected = time.monotonic() - started
        cut.active = False
        restored = time.monotonic()
        resumed = asyncio.ensure_future(frames_resume(page, cabin, restored))
        await wait_state(page, "s.connections === 2 && s.call === 'connected'")
        await until(lambda: cabin.kinds()[-1] == "connected" and cabin.statuses[-1].reason)
        console_s, cabin_s = await resumed
        print(
            f"long cut: the cabin rebuilt after {detected:.1f} s; after restoring, the console "
            f"decodes after {console_s:.2f} s, the cabin after {cabin_s:.2f} s"
        )
        assert 4.0 <= detected < 7.0
        assert console_s < 8.0
        assert cabin_s < 8.0
        assert cabin.peer.reconnections == 1
        assert cabin.kinds() == ["queued", "accepted", "connected", "reconnecting", "connected"]
        audio = (await state(page))["audioPacketsReceived"]
        await wait_state(page, f"s.audioPacketsReceived > {audio} && s.audioPacketsSent > 0")

        # Both data channels work on the new connection.
        ecg = waveform_messages(ecg_chunk(2.0))
        await cabin.send_live_all(ecg)
        await wait_state(page, f"s.waves.ecg_ii && s.waves.ecg_ii.messages === {len(ecg)}")
        await page.fill("#note", "Mạng chập chờn, đã nối lại.")
        await page.click("#send-note")
        await until(lambda: any(m.get("t") == "note" for m in cabin.control))
        notes = [parse_control(json.dumps(m)) for m in cabin.control if m.get("t") == "note"]
        assert len(notes) == 1
        assert isinstance(notes[0], Note)
        assert notes[0].text == "Mạng chập chờn, đã nối lại."
        final = await state(page)
        assert final["connections"] == 2
        assert final["call"] == "connected"
    finally:
        if resumed is not None:
            resumed.cancel()
            await asyncio.gather(resumed, return_exceptions=True)
        await cabin.close()
        await context.close()


def mean_pixel(frame):
    return float(frame.to_ndarray(format="rgb24").mean())


def peak(frame):
    return int(np.abs(frame.to_ndarray().astype(np.int32)).max())


def recent(cabin, kind, since):
    return [frame for at, frame in cabin.recent[kind] if at > since]


async def settled(cabin, kind, check, *, span, timeout=8.0):
    """Wait until ``check`` holds for every ``kind`` frame of the last ``span`` seconds."""
    async with asyncio.timeout(timeout):
        while True:
            start = time.monotonic()
            await asyncio.sleep(span)
            frames = recent(cabin, kind, start)
            if frames and check(frames):
                return frames


@pytest.mark.timeout(45)
async def test_mute_and_camera_toggles_stop_what_the_cabin_receives(browser, portal, loopback_ice):
    async with call_taken(browser, portal) as (page, cabin):
        await wait_state(page, "s.call === 'connected' && s.framesDecoded >= 5")

        # Chromium's fake camera and microphone: a bright picture, a beep every second.
        def lit(frames):
            return all(mean_pixel(f) > 30 for f in frames)

        def dark(frames):
            return all(mean_pixel(f) < 16 for f in frames)

        def audible(frames):
            return max(peak(f) for f in frames) > 1000

        def silent(frames):
            return max(peak(f) for f in frames) < 50

        await settled(cabin, "video", lit, span=1.0)
        await settled(cabin, "audio", audible, span=1.5)
        assert await page.get_attribute("#mute", "aria-pressed") != "true"
        assert await page.get_attribute("#camera", "aria-pressed") != "true"

        await page.click("#camera")
        assert await page.get_attribute("#camera", "aria-pressed") == "true"
        await settled(cabin, "video", dark, span=1.5)
        await settled(cabin, "audio", audible, span=1.5)  # the sound goes on

        await page.click("#mute")
        assert await page.get_attribute("#mute", "aria-pressed") == "true"
        await settled(cabin, "audio", silent, span=2.0)
        assert recent(cabin, "audio", time.monotonic() - 1.0)  # silence, not nothing

        await page.click("#camera")
        assert await page.get_attribute("#camera", "aria-pressed") == "false"
        await settled(cabin, "video", lit, span=1.0)
        await page.click("#mute")
        assert await page.get_attribute("#mute", "aria-pressed") == "false"
        await settled(cabin, "audio", audible, span=1.5)
        assert (await state(page))["connections"] == 1
