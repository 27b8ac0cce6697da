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

import aioice.ice
import pytest
import pytest_asyncio
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from browser import (
    CHROMIUM,
    DOCTORS,
    FLAGS,
    SUMMARY,
    Cabin,
    console_ready,
    login,
    playwright_or_skip,
    portal_app,
    state,
    until,
    wait_state,
)

from video import CameraTrack, MicrophoneTrack, values_message

pytestmark = pytest.mark.asyncio(loop_scope="module")

STATIONS = ("tram-phuong-7", "tram-phuong-9")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser():
    api = playwright_or_skip()
    async with api.async_playwright() as driver:
        chromium = await driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        await chromium.close()


@pytest.fixture
def loopback_ice(monkeypatch):
    """ICE host candidates on 127.0.0.1 only for the cabins."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])


@pytest_asyncio.fixture(loop_scope="module")
async def portal(tmp_path):
    app, store, keys = portal_app(tmp_path, stations=STATIONS)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    server.base = f"http://127.0.0.1:{server.port}"
    server.keys = keys
    try:
        yield server
    finally:
        await server.close()
        store.close()


async def doctor_page(browser, portal, username):
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    await login(page, portal.base, username=username)
    await console_ready(page)
    return context, page


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
    context, page = await doctor_page(browser, portal, "bs.lan")
    cabin = Cabin(portal.base, STATIONS[0], portal.keys[STATIONS[0]])
    try:
        await cabin.peer.start()
        await wait_state(page, "s.queue === 1")
        await page.click("#queue-body button.accept")
        await until(lambda: "connected" in cabin.kinds())
        await wait_state(page, "s.framesDecoded >= 5")
        await page.close()
        await until(lambda: "ended" in cabin.kinds())
        assert cabin.statuses[-1].reason == "doctor"
        await until(lambda: cabin.peer.closed)
    finally:
        await cabin.close()
        await context.close()


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
