"""The browser the doctor's console is tested in: Debian's Chromium, driven by Playwright.

Chromium's fake camera and microphone stand in for the doctor's; pages are served
on 127.0.0.1 (a secure context, so getUserMedia is allowed).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import time
from collections import deque
from datetime import UTC, datetime

import aioice.ice
import numpy as np
import pytest
from aiortc.mediastreams import MediaStreamError
from argon2 import PasswordHasher

from hardware.events import SignalKind, WaveformChunk
from video import CabinPeer, CameraTrack, MicrophoneTrack
from video.portal import AccountStore
from video.portal.app import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags for a closed network and a machine with no display or GPU (see the env notes):
# without the background-networking ones Chromium keeps calling out and being refused.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--allow-loopback-in-peer-connection",
]


def playwright_or_skip():
    """``playwright.async_api``, or skip the test when it or Debian's chromium is absent."""
    api = pytest.importorskip(
        "playwright.async_api", reason="playwright is not installed (the test group has it)"
    )
    if not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (make deps installs it)")
    return api


@contextlib.asynccontextmanager
async def launched_chromium():
    """Debian's Chromium, headless with fake media; skips the test when it is absent."""
    api = playwright_or_skip()
    async with api.async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            await browser.close()


# The portal, a cabin and the doctor's login, as the console tests use them.

PASSWORD = "nắng-chiều-Huế-2025"  # noqa: S105 (invented, for tests)
DOCTORS = {"bs.lan": "BS. Nguyễn Thị Lan", "bs.hung": "BS. Trần Văn Hùng"}
SUMMARY = {
    "age": 68,
    "sex": "male",
    "values": {
        "bp_sys": {"value": 158, "unit": "mm[Hg]"},
        "bp_dia": {"value": 95, "unit": "mm[Hg]"},
        "spo2": {"value": 96, "unit": "%"},
        "hr": {"value": 88, "unit": "/min"},
    },
    "flags": ["bp_high"],
}


def portal_app(tmp_path, stations=("tram-phuong-7",)):
    """A portal with two doctors, an operator and ``stations``; returns (app, store, keys)."""

    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    store = AccountStore.open(tmp_path / "portal.db", hasher=fast)
    for username, name in DOCTORS.items():
        store.add_account(username, name, "doctor", PASSWORD)
    store.add_account("dd.minh", "ĐD. Trần Minh", "operator", PASSWORD)
    keys = {station: store.add_station(station) for station in stations}
    return create_app(store, secure_cookies=False), store, keys


async def login(page, base, username="bs.lan", password=PASSWORD):
    """Log in through the portal's real form."""
    await page.goto(f"{base}/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    async with page.expect_navigation():
        await page.click("button[type=submit]")


async def console_ready(page, timeout=15_000):
    """Wait until the console page is up and its signalling socket is open."""
    await page.wait_for_function(
        "() => window.consoleState && window.consoleState.link === 'open'", timeout=timeout
    )


async def until(condition, timeout=15.0):
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


async def state(page):
    return await page.evaluate("window.consoleState")


async def wait_state(page, expression, timeout=15.0):
    """Wait until a JS expression over ``s`` (the console state) is true."""
    await page.wait_for_function(
        f"() => {{ const s = window.consoleState; return !!(s && ({expression})); }}",
        timeout=timeout * 1000,
    )


async def recv_type(ws, kind, *, skip=frozenset({"queue"}), timeout=10.0):
    """The doctor socket's next message of ``kind``; any other must be of a type in ``skip``."""
    while True:
        msg = await asyncio.wait_for(ws.receive(), timeout)
        assert msg.type.name == "TEXT", msg
        message = json.loads(msg.data)
        if message["type"] == kind:
            return message
        assert message["type"] in skip, message


async def accept_first_consult(ws, peer):
    """Start the cabin ``peer`` and, as the doctor on socket ``ws``, accept its consult."""
    await recv_type(ws, "queue", skip=frozenset())
    await peer.start()
    items = []
    while not items:
        items = (await recv_type(ws, "queue"))["items"]
    await ws.send_json({"type": "accept", "consult": items[0]["consult"]})


class Cabin:
    """A :class:`video.CabinPeer` with simulated tracks, counting what the doctor sends."""

    def __init__(
        self, base, station, key, summary=None, *, width=320, height=240, fps=15, **peer_args
    ):
        self.camera = CameraTrack(width=width, height=height, fps=fps)
        self.microphone = MicrophoneTrack()
        self.control: list[dict] = []
        self.statuses: list = []
        self.received = {"video": 0, "audio": 0}
        # the latest frames received, each as (time.monotonic(), frame)
        self.recent: dict[str, deque] = {"video": deque(maxlen=30), "audio": deque(maxlen=250)}
        self._tasks: list = []
        self.peer = CabinPeer(
            base,
            station,
            key,
            summary if summary is not None else SUMMARY,
            visit=f"visit-{station}",
            camera=self.camera,
            microphone=self.microphone,
            on_control=self.control.append,
            on_status=self.statuses.append,
            on_track=self._on_track,
            **peer_args,
        )

    def _on_track(self, track):
        self._tasks.append(asyncio.ensure_future(self._drain(track)))

    async def _drain(self, track):
        try:
            while True:
                frame = await track.recv()
                self.received[track.kind] += 1
                self.recent[track.kind].append((time.monotonic(), frame))
        except MediaStreamError:
            pass

    def kinds(self):
        return [status.kind for status in self.statuses]

    async def send_live_all(self, messages, timeout=10.0):
        """Send every message on ``live``, waiting while the channel opens or is backed up."""
        async with asyncio.timeout(timeout):
            for message in messages:
                while not self.peer.send_live(message):
                    await asyncio.sleep(0.02)
                await asyncio.sleep(0.002)

    async def close(self):
        await self.peer.end()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.camera.stop()
        self.microphone.stop()


class NetworkCut:
    """Drops every datagram the cabin's ICE sockets send or receive while ``active``.

    The seam is aioice's ``StunProtocol``, the lowest one under aiortc.
    """

    def __init__(self, monkeypatch):
        self.active = False
        self.dropped = 0
        protocol = aioice.ice.StunProtocol
        received, send_data, send_stun = (
            protocol.datagram_received,
            protocol.send_data,
            protocol.send_stun,
        )
        cut = self

        def datagram_received(self, data, addr):
            if cut.active:
                cut.dropped += 1
                return
            received(self, data, addr)

        async def send_data_cut(self, data, addr):
            if cut.active:
                cut.dropped += 1
                return
            await send_data(self, data, addr)

        def send_stun_cut(self, message, addr):
            if cut.active:
                cut.dropped += 1
                return
            send_stun(self, message, addr)

        monkeypatch.setattr(protocol, "datagram_received", datagram_received)
        monkeypatch.setattr(protocol, "send_data", send_data_cut)
        monkeypatch.setattr(protocol, "send_stun", send_stun_cut)


def ecg_chunk(seconds=6.0, *, seq=0, fs=500.0, rate=72.0):
    """A synthetic lead-II ECG in mV: each beat a sum of Gaussians (P, Q, R, S, T)."""
    t = (np.arange(int(seconds * fs)) + seq) / fs
    rr = 60.0 / rate
    phase = (t % rr) - rr / 3  # seconds from the R peak of the beat
    waves = [(0.15, -0.2, 0.025), (-0.12, -0.035, 0.01), (1.2, 0.0, 0.012), (-0.3, 0.035, 0.012)]
    waves.append((0.3, 0.25, 0.045))
    signal = sum(a * np.exp(-((phase - mu) ** 2) / (2 * s**2)) for a, mu, s in waves)
    signal = signal + 0.02 * np.sin(2 * np.pi * 0.25 * t)  # breathing wander
    return WaveformChunk(SignalKind.ECG_II, fs, datetime.now(UTC), signal, seq, "ecg-sim", "mV")


def pleth_chunk(seconds=6.0, *, seq=0, fs=100.0, rate=72.0):
    """A synthetic oximeter plethysmogram (device units): a systolic wave and a dicrotic one."""
    t = (np.arange(int(seconds * fs)) + seq) / fs
    phase = t % (60.0 / rate)
    signal = 60 * np.exp(-((phase - 0.18) ** 2) / (2 * 0.06**2))
    signal += 22 * np.exp(-((phase - 0.45) ** 2) / (2 * 0.08**2)) + 20
    return WaveformChunk(
        SignalKind.PLETH, fs, datetime.now(UTC), np.round(signal), seq, "spo2-sim", "1"
    )
