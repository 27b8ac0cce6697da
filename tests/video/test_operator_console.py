"""SOS end to end: the operator console in a real headless Chromium, the station's SOS side.

The portal serves the console on 127.0.0.1; the operator logs in through the login
form and lands on the console; the station is :class:`services.sos.SosStation` (what
the kiosk's SOS screen drives) with the simulated camera and microphone. The alert
appears in the page, the operator acknowledges it (the station hears "received"),
opens the video (frames flow both ways), and resolves it.
Set ``CABIN_SCREENSHOTS=docs/screens`` to publish 22-operator-*.png.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

import pytest
from aiohttp import ClientSession
from aiortc.mediastreams import MediaStreamError

from services.sos import AlertPhase, AlertStatus, CallState, SosStation
from tests.video.browser import login, until
from video import CameraTrack, MicrophoneTrack
from video.portal.alerts import ALERTS_KEY

pytestmark = pytest.mark.asyncio(loop_scope="module")

STATION = "tram-phuong-7"
TIMEOUT = 20.0


async def publish(page, name: str) -> None:
    target = os.environ.get("CABIN_SCREENSHOTS")
    if target:
        await page.screenshot(path=str(Path(target) / f"{name}.png"))


class Station:
    """The station's SOS side, counting the operator's video frames it receives."""

    def __init__(self, base: str, key: str, state_file: Path) -> None:
        self.statuses: list[AlertStatus] = []
        self.calls: list[CallState] = []
        self.operator: str | None = None
        self.frames = 0
        self._drain: asyncio.Task[None] | None = None
        self.sos = SosStation(
            base,
            STATION,
            key,
            state_file,
            media=lambda: (CameraTrack(width=320, height=240, fps=15), MicrophoneTrack()),
            on_change=self.statuses.append,
            on_call=self._call,
            on_video=self._video,
            poll_interval=0.2,
        )

    def _call(self, state: CallState, operator: str | None) -> None:
        self.calls.append(state)
        if operator:
            self.operator = operator

    def _video(self, track) -> None:
        if track is not None:
            self._drain = asyncio.ensure_future(self._count(track))

    async def _count(self, track) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
                self.frames += 1

    @property
    def phase(self) -> AlertPhase | None:
        return self.statuses[-1].phase if self.statuses else None

    async def close(self) -> None:
        await self.sos.aclose()
        if self._drain is not None:
            self._drain.cancel()
            await asyncio.gather(self._drain, return_exceptions=True)


async def test_sos_from_the_station_to_the_operator_and_back(
    portal, context, loopback_ice, tmp_path
):
    page = await context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    await login(page, portal.base, username="dd.minh")
    assert page.url == f"{portal.base}/operator"  # an operator lands on the SOS desk
    await page.wait_for_function(
        "() => window.operatorState && window.operatorState.link === 'open'",
        timeout=TIMEOUT * 1000,
    )
    assert await page.inner_text("#who") == "ĐD. Trần Minh"
    assert await page.inner_text("#empty") == "Không có cuộc gọi khẩn cấp nào."

    station = Station(portal.base, portal.keys[STATION], tmp_path / "sos-alerts.json")
    try:
        await station.sos.start()
        alert = station.sos.raise_alert()

        # The alert appears at once, red, with the station, the time and the wait.
        row = page.locator(f'#alerts-body tr[data-alert="{alert.alert_id}"]')
        await row.wait_for(timeout=TIMEOUT * 1000)
        text = await row.inner_text()
        assert STATION in text
        assert "Chưa ai nhận" in text
        assert "SOS: trạm tram-phuong-7 cần trợ giúp!" in await page.inner_text("#banner")
        await until(lambda: station.phase is AlertPhase.SENT, TIMEOUT)
        await page.wait_for_function(
            "() => /[2-9] giây/.test(document.querySelector('#alerts-body .waiting').textContent)",
            timeout=TIMEOUT * 1000,
        )  # the waiting time ticks
        await until(lambda: CallState.WAITING in station.calls, TIMEOUT)
        await row.locator('button[data-action="open_call"]').wait_for(timeout=TIMEOUT * 1000)
        await publish(page, "22-operator-alert")

        # Acknowledge: the station is told it was received, and when.
        await row.locator('button[data-action="ack"]').click()
        await until(lambda: station.phase is AlertPhase.ACKNOWLEDGED, TIMEOUT)
        assert station.statuses[-1].acked_at is not None
        await page.wait_for_function(
            "() => window.operatorState.alerts[0].state === 'acknowledged'",
            timeout=TIMEOUT * 1000,
        )
        assert "Đã nhận (ĐD. Trần Minh)" in await row.inner_text()

        # Open the video: frames flow both ways.
        await row.locator('button[data-action="open_call"]').click()
        await until(lambda: CallState.CONNECTED in station.calls, TIMEOUT)
        assert station.operator == "ĐD. Trần Minh"
        await page.wait_for_function(
            "() => window.operatorState.call && window.operatorState.call.state === 'connected'",
            timeout=TIMEOUT * 1000,
        )
        async with asyncio.timeout(TIMEOUT):
            while True:
                stats = await page.evaluate("window.operatorStats()")
                if stats["framesDecoded"] >= 20 and station.frames >= 20:
                    break
                await asyncio.sleep(0.2)
        assert stats["framesSent"] > 0
        assert stats["audioIn"] > 0
        await page.wait_for_function(
            "() => document.querySelector('#remote').videoWidth > 0", timeout=TIMEOUT * 1000
        )
        await publish(page, "22-operator-call")

        # Resolve: the station hears it, the call ends, the list is empty again.
        await row.locator('button[data-action="resolved"]').click()
        await until(lambda: station.phase is AlertPhase.RESOLVED, TIMEOUT)
        await page.wait_for_function(
            "() => window.operatorState.alerts.length === 0 && window.operatorState.call === null",
            timeout=TIMEOUT * 1000,
        )
        await until(lambda: station.sos.peer is None, TIMEOUT)
        assert station.sos.client.pending == []
        hub = portal.app[ALERTS_KEY]
        stored = hub.store.get(STATION, alert.alert_id)
        assert (stored.state, stored.acked_by, stored.closed_by) == (
            "resolved",
            "ĐD. Trần Minh",
            "ĐD. Trần Minh",
        )
    finally:
        await station.close()
    assert [url for url in missing if not url.endswith("/favicon.ico")] == []
    assert [p for p in problems if "Failed to load resource" not in p] == []


async def test_the_console_is_for_operators_and_their_socket_for_this_origin(portal, context):
    page = await context.new_page()
    await login(page, portal.base, username="bs.lan")  # a doctor
    response = await page.goto(f"{portal.base}/operator")
    assert response.status == 403
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    async with ClientSession() as http:
        async with http.get(f"{portal.base}/operator", allow_redirects=False) as anonymous:
            assert anonymous.status == 303
        key = portal.keys[STATION]
        async with http.get(
            f"{portal.base}/api/alerts/none-such-alert",
            headers={"Authorization": f"Station {STATION}:{key}"},
        ) as missing:
            assert missing.status == 404
        with pytest.raises(Exception, match="401"):
            await http.ws_connect(f"{portal.base}/ws/operator", headers={"Origin": portal.base})


async def test_the_operator_console_speaks_english_on_the_toggle(portal, context):
    page = await context.new_page()
    await login(page, portal.base, username="dd.minh")
    await page.wait_for_function(
        "() => window.operatorState && window.operatorState.link === 'open'",
        timeout=TIMEOUT * 1000,
    )
    await page.click("#lang")
    assert await page.inner_text("#logout") == "Log out"
    assert await page.inner_text("#empty") == "No emergency calls."
    assert await page.evaluate("() => document.documentElement.lang") == "en"
    await page.reload()
    await page.wait_for_selector("#logout")
    assert await page.inner_text("#logout") == "Log out"  # remembered
    await page.click("#lang")
    assert await page.inner_text("#logout") == "Đăng xuất"
