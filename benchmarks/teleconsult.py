"""Teleconsultation: first frame, glass-to-glass latency both ways, video reached, cabin CPU.

A real call on this machine, over 127.0.0.1: the portal (:func:`video.portal.app.create_app`),
a cabin (:class:`video.peer.CabinPeer` with the simulated :class:`video.tracks.CameraTrack`
at 30 fps and the microphone track) and a doctor logged in to the real console in Debian's
headless Chromium. A probe added to the console page before it loads
(``teleconsult_probe.js``) replaces the doctor's camera with a canvas that draws its send
time as the block strip of :mod:`video.scene`, and watches the video the doctor receives.

* ``first frame``: from the click on the console's accept button to the first frame of the
  resident's video decoded and ready in the doctor's browser (``requestVideoFrameCallback``).
* ``latency cabin->doctor``: the strip drawn by the cabin's camera track (wall clock, ms)
  read back from each frame the browser decodes. ``latency doctor->cabin``: the strip
  the browser's canvas draws, read back from each frame the cabin decodes. Both clocks
  are this machine's wall clock. The cabin's camera is simulated, so capture and
  display time are not in the figure (a real camera and screen add one to three frames).
* ``doctor video``: the resolution of the frames the cabin receives, and the bitrate the
  browser sends (its ``outbound-rtp`` byte counter over the steady window).
* ``cabin camera formats``: the formats the link adaptation (:mod:`video.adapt`) chose in
  the first call, and when.
* ``event-loop lag``: how much later than asked 10 ms sleeps on the cabin's event loop
  (the one the kiosk's UI and the device hub share) wake up during each steady window.
* ``cabin CPU``: this process's CPU time over the steady window, as a share of one core,
  in two more calls whose camera keeps 640x480 and 1280x720 at 30 fps (adaptation off).
  The process also holds the portal (idle during a call) and Playwright's client (a stats
  poll a second); both are light.

The peer, in the same run, is the browser's own WebRTC: two pages of the same Chromium
calling each other directly (no portal, no aiortc), each with the same canvas camera, so
its latency is what the native stack does here.

    .venv/bin/python benchmarks/teleconsult.py [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aioice.ice
import numpy as np
from aiohttp import web
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError
from argon2 import PasswordHasher

from video import CameraTrack, LoopLag, MicrophoneTrack, decode_timestamp, measure_loop_lag
from video.peer import CabinPeer
from video.portal import AccountStore
from video.portal.app import create_app

HERE = Path(__file__).resolve().parent
PROBE = (HERE / "teleconsult_probe.js").read_text(encoding="utf-8")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
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
    "--autoplay-policy=no-user-gesture-required",
]
DOCTOR = "bs.bench"
PASSWORD = "benchmark-only-" + str(time.time_ns())  # invented, never stored
STATION = "tram-bench"
ACCEPT_SELECTOR = "button.accept"  # the console's accept button
SUMMARY = {"age": 71, "sex": "female", "values": {"bp_sys": 150}, "flags": []}


@dataclass
class CallFigures:
    """What one call measured."""

    width: int
    height: int
    first_frame_ms: float = float("nan")
    to_doctor_ms: list[float] = field(default_factory=list)
    to_cabin_ms: list[float] = field(default_factory=list)
    doctor_video: tuple[int, int] = (0, 0)
    doctor_kbps: float = float("nan")
    resident_video: tuple[int, int] = (0, 0)
    resident_kbps: float = float("nan")
    resident_fps: float = float("nan")
    cpu_share: float = float("nan")
    loop_lag: LoopLag | None = None
    adaptive: bool = True
    formats: list[tuple[float, str]] = field(default_factory=list)


def loopback_only() -> None:
    """ICE host candidates on 127.0.0.1 only (see tests/video/test_loopback.py)."""
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]


@contextlib.asynccontextmanager
async def portal(folder: Path) -> AsyncIterator[tuple[str, str]]:
    """The portal on 127.0.0.1; yields its base URL and the station's key."""
    store = AccountStore.open(
        folder / "portal.db", hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    store.add_account(DOCTOR, "BS. Đo Hiệu Năng", "doctor", PASSWORD)
    key = store.add_station(STATION)
    runner = web.AppRunner(create_app(store, secure_cookies=False))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", key
    finally:
        await runner.cleanup()
        store.close()


async def read_doctor_video(track: MediaStreamTrack, figures: CallFigures, on: list[bool]) -> None:
    """Drain the doctor's video at the cabin; while ``on[0]``, read the strip of each frame."""
    with contextlib.suppress(MediaStreamError):
        while True:
            frame = await track.recv()
            figures.doctor_video = (frame.width, frame.height)
            if on[0]:
                sent = decode_timestamp(frame.to_ndarray(format="gray"))
                if sent is not None:
                    figures.to_cabin_ms.append(time.time() * 1000 - sent)


async def drain(track: MediaStreamTrack) -> None:
    with contextlib.suppress(MediaStreamError):
        while True:
            await track.recv()


async def login(page: Any, base: str) -> None:
    await page.goto(base + "/login")
    await page.fill("input[name=username]", DOCTOR)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(base + "/")


async def video_stats(page: Any) -> dict[str, Any]:
    stats: dict[str, Any] = await page.evaluate("window.__probe.videoStats()")
    return stats


async def watch_format(camera: CameraTrack, figures: CallFigures, start: float) -> None:
    """Note each format the camera is switched to (the link adaptation), with its time."""
    while True:
        current = f"{camera.width}x{camera.height}@{camera.fps:g}"
        if not figures.formats or figures.formats[-1][1] != current:
            figures.formats.append((time.monotonic() - start, current))
        await asyncio.sleep(0.25)


async def one_call(
    browser: Any,
    base: str,
    key: str,
    width: int,
    height: int,
    seconds: float,
    *,
    adaptive: bool = True,
) -> CallFigures:
    """One consult at ``width`` x ``height``, 30 fps; the steady window lasts ``seconds``.

    With ``adaptive`` off the camera keeps its format whatever the link (for the CPU
    figures); on, it follows the link as in the kiosk.
    """
    figures = CallFigures(width, height, adaptive=adaptive)
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    await context.add_init_script(PROBE)
    page = await context.new_page()
    camera = CameraTrack(width=width, height=height, fps=30)
    microphone = MicrophoneTrack()
    reading = [False]
    tasks: list[asyncio.Task[None]] = []

    def on_track(track: MediaStreamTrack) -> None:
        if track.kind == "video":
            tasks.append(asyncio.ensure_future(read_doctor_video(track, figures, reading)))
        else:
            tasks.append(asyncio.ensure_future(drain(track)))

    peer = CabinPeer(
        base,
        STATION,
        key,
        SUMMARY,
        visit=f"bench-{width}",
        camera=camera,
        microphone=microphone,
        on_control=lambda message: None,
        on_track=on_track,
        adapt_camera=adaptive,
    )
    try:
        await login(page, base)
        await peer.start()
        accept = await page.wait_for_selector(ACCEPT_SELECTOR, timeout=15_000)
        assert accept is not None
        # Mark the time and click in one step inside the page, so the figure holds no
        # Playwright round trip.
        tasks.append(asyncio.ensure_future(watch_format(camera, figures, time.monotonic())))
        await accept.evaluate(
            "(button) => { window.__probe.acceptAt = performance.now(); button.click(); }"
        )
        await page.wait_for_function("() => window.__probe.firstFrameAt !== null", timeout=15_000)
        figures.first_frame_ms = await page.evaluate(
            "window.__probe.firstFrameAt - window.__probe.acceptAt"
        )
        await asyncio.sleep(5.0)  # let the bitrates ramp up before the steady window
        await page.evaluate("window.__probe.latencies = []")
        reading[0] = True
        before = await video_stats(page)
        cpu0, wall0 = time.process_time(), time.monotonic()
        # The event loop is the one the kiosk's UI and the device hub share: how late
        # it wakes up during the call says whether media work stalls them.
        figures.loop_lag = await measure_loop_lag(seconds)
        cpu1, wall1 = time.process_time(), time.monotonic()
        after = await video_stats(page)
        reading[0] = False
        figures.cpu_share = (cpu1 - cpu0) / (wall1 - wall0)
        figures.to_doctor_ms = list(await page.evaluate("window.__probe.latencies"))
        span = (after["at"] - before["at"]) / 1000
        if "outbound" in after and "outbound" in before:
            figures.doctor_kbps = (
                (after["outbound"]["bytes"] - before["outbound"]["bytes"]) * 8 / span / 1000
            )
        if "inbound" in after and "inbound" in before:
            figures.resident_kbps = (
                (after["inbound"]["bytes"] - before["inbound"]["bytes"]) * 8 / span / 1000
            )
            inbound = after["inbound"]
            figures.resident_video = (inbound["width"] or 0, inbound["height"] or 0)
            figures.resident_fps = (inbound["frames"] - before["inbound"]["frames"]) / span
    finally:
        await peer.end()
        camera.stop()
        microphone.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await context.close()
    return figures


async def browser_pair(browser: Any, base: str, seconds: float) -> CallFigures:
    """Chromium to Chromium at 640x480: first frame (from the answer) and latency both ways."""
    figures = CallFigures(640, 480)
    context = await browser.new_context()
    await context.add_init_script(PROBE)
    a, b = await context.new_page(), await context.new_page()
    try:
        for page in (a, b):
            await page.goto(base + "/login")  # any page of 127.0.0.1: a secure context
            await page.evaluate("window.__probe.pairStart()")
        offer = await a.evaluate("window.__probe.pairOffer()")
        answer = await b.evaluate("(sdp) => window.__probe.pairAnswer(sdp)", offer)
        await a.evaluate("(sdp) => window.__probe.pairConnect(sdp)", answer)
        await a.wait_for_function("() => window.__probe.firstFrameAt !== null", timeout=15_000)
        figures.first_frame_ms = await a.evaluate(
            "window.__probe.firstFrameAt - window.__probe.acceptAt"
        )
        await asyncio.sleep(5.0)
        for page in (a, b):
            await page.evaluate("window.__probe.latencies = []")
        await asyncio.sleep(seconds)
        figures.to_doctor_ms = list(await a.evaluate("window.__probe.latencies"))
        figures.to_cabin_ms = list(await b.evaluate("window.__probe.latencies"))
    finally:
        await context.close()
    return figures


def median(values: list[float]) -> float:
    return float(np.median(values)) if values else float("nan")


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95)) if values else float("nan")


def ratio(ours: float, peer: float) -> str:
    if not (np.isfinite(ours) and np.isfinite(peer)) or peer <= 0:
        return "-"
    return f"x{ours / peer:.2f}"


def report(calls: list[CallFigures], pair: CallFigures | None) -> None:
    main = calls[0]
    # The lines the issue names, each on its own line.
    print(f"first frame: {main.first_frame_ms:.0f} ms")
    print(
        f"latency cabin->doctor: median {median(main.to_doctor_ms):.0f} ms, "
        f"p95 {p95(main.to_doctor_ms):.0f} ms ({len(main.to_doctor_ms)} frames)"
    )
    print(
        f"latency doctor->cabin: median {median(main.to_cabin_ms):.0f} ms, "
        f"p95 {p95(main.to_cabin_ms):.0f} ms ({len(main.to_cabin_ms)} frames)"
    )
    w, h = main.doctor_video
    print(f"doctor video: {w}x{h} at {main.doctor_kbps:.0f} kbit/s")
    rw, rh = main.resident_video
    print(
        f"resident video: {rw}x{rh} at {main.resident_fps:.0f} fps, {main.resident_kbps:.0f} kbit/s"
    )
    steps = ", ".join(f"{fmt} at {at:.1f} s" for at, fmt in main.formats)
    print(f"cabin camera formats (link adaptation, from accept): {steps}")
    for call in calls[1:]:
        print(
            f"cabin CPU at {call.width}x{call.height} 30 fps: {call.cpu_share:.2f} core "
            f"(sent {call.resident_fps:.0f} fps, {call.resident_kbps:.0f} kbit/s)"
        )
    for call in calls:
        lag = call.loop_lag
        if lag is not None:
            mode = "adaptive" if call.adaptive else "fixed"
            print(
                f"event-loop lag at {call.width}x{call.height} ({mode}): p50 {lag.p50_ms:.1f} ms, "
                f"p99 {lag.p99_ms:.1f} ms, max {lag.max_ms:.1f} ms"
            )
    print()
    header = f"{'figure':34} {'ours':>10} {'browser pair':>13} {'ratio':>7} {'goal':>10}"
    print(header)
    print("-" * len(header))
    rows = [
        (
            "first frame (ms)",
            main.first_frame_ms,
            pair.first_frame_ms if pair else float("nan"),
            "< 1000",
        ),
        (
            "cabin->doctor median (ms)",
            median(main.to_doctor_ms),
            median(pair.to_doctor_ms) if pair else float("nan"),
            "< 150",
        ),
        (
            "cabin->doctor p95 (ms)",
            p95(main.to_doctor_ms),
            p95(pair.to_doctor_ms) if pair else float("nan"),
            "",
        ),
        (
            "doctor->cabin median (ms)",
            median(main.to_cabin_ms),
            median(pair.to_cabin_ms) if pair else float("nan"),
            "< 150",
        ),
        (
            "doctor->cabin p95 (ms)",
            p95(main.to_cabin_ms),
            p95(pair.to_cabin_ms) if pair else float("nan"),
            "",
        ),
    ]
    for name, ours, peer, goal in rows:
        print(f"{name:34} {ours:10.0f} {peer:13.0f} {ratio(ours, peer):>7} {goal:>10}")
    for call in calls[1:]:
        goal = "< 0.50" if (call.width, call.height) == (640, 480) else ""
        name = f"cabin CPU {call.width}x{call.height} (core)"
        print(f"{name:34} {call.cpu_share:10.2f} {'':>13} {'':>7} {goal:>10}")


async def main(seconds: float, skip_pair: bool) -> int:
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        print("playwright is not installed (make deps installs it)", file=sys.stderr)
        return 1
    if not shutil.which("chromium"):
        print("Debian's chromium is not installed (make deps installs it)", file=sys.stderr)
        return 1
    loopback_only()
    with tempfile.TemporaryDirectory() as folder:
        async with portal(Path(folder)) as (base, key), async_playwright() as driver:
            browser = await driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                calls = [
                    await one_call(browser, base, key, 640, 480, seconds),
                    await one_call(browser, base, key, 640, 480, seconds, adaptive=False),
                    await one_call(browser, base, key, 1280, 720, seconds, adaptive=False),
                ]
                pair = None if skip_pair else await browser_pair(browser, base, seconds)
            finally:
                await browser.close()
    report(calls, pair)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="steady window per call")
    parser.add_argument("--no-pair", action="store_true", help="skip the browser-to-browser peer")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.seconds, args.no_pair)))
