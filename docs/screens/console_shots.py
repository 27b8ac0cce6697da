"""Screenshots of the doctor's console: ``.venv/bin/python docs/screens/console_shots.py``.

Runs everything on 127.0.0.1 as the browser tests do (tests/video/browser.py): the
portal, a simulated cabin, Debian's headless Chromium at 1440x900. Writes
``20-console-queue.png`` (a waiting request) and ``21-console-call.png`` (mid-call:
video, live ECG and pleth at 72/min, values, the record) next to this file.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "video")]

import aioice.ice  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402
from browser import (  # noqa: E402
    CHROMIUM,
    FLAGS,
    Cabin,
    console_ready,
    ecg_chunk,
    login,
    pleth_chunk,
    portal_app,
    wait_state,
)
from playwright.async_api import async_playwright  # noqa: E402

from video import (  # noqa: E402
    EarlierVisit,
    Reading,
    Record,
    encode_control,
    values_message,
    waveform_messages,
)

STATION = "tram-phuong-7"


async def stream_waves(cabin: Cabin, seconds: float) -> None:
    """Feed ECG (500 Hz) and pleth (100 Hz) in 0.2 s chunks at real speed."""
    step = 0.2
    for i in range(int(seconds / step)):
        ecg = ecg_chunk(step, seq=i * 100)
        pleth = pleth_chunk(step, seq=i * 20)
        await cabin.send_live_all(waveform_messages(ecg) + waveform_messages(pleth))
        if i % 5 == 0:
            cabin.peer.send_live(
                values_message(
                    {"spo2": 96.0, "pulse_rate": 72.0, "pi": 3.4},
                    {"spo2": "%", "pulse_rate": "/min", "pi": "%"},
                )
            )
        await asyncio.sleep(step)


async def main() -> None:
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
    with tempfile.TemporaryDirectory() as tmp:
        app, store, keys = portal_app(Path(tmp), stations=(STATION, "tram-phuong-9"))
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        base = f"http://127.0.0.1:{server.port}"
        cabin = Cabin(base, STATION, keys[STATION], width=640, height=480, fps=20)
        async with async_playwright() as driver:
            browser = await driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                context = await browser.new_context(viewport={"width": 1440, "height": 900})
                page = await context.new_page()
                await login(page, base)
                await console_ready(page)
                await cabin.peer.start()
                await page.locator("#queue-body tr").first.wait_for()
                await asyncio.sleep(3.2)  # let the waiting time tick
                await page.screenshot(path=str(HERE / "20-console-queue.png"))

                await page.click("#queue-body button.accept")
                await wait_state(page, "s.call === 'connected' && s.framesDecoded > 20")
                record = Record(
                    "rec1",
                    (
                        Reading("blood_pressure", {"systolic": 158, "diastolic": 95}, "mm[Hg]"),
                        Reading("spo2", {"spo2": 96}, "%", ("spo2_low",)),
                        Reading("ecg", {"heart_rate": 72}, "/min"),
                        Reading("temperature", {"temperature": 36.8}, "Cel"),
                    ),
                    (
                        EarlierVisit(
                            "2026-03-12",
                            (
                                Reading(
                                    "blood_pressure", {"systolic": 141, "diastolic": 88}, "mm[Hg]"
                                ),
                                Reading("spo2", {"spo2": 97}, "%"),
                            ),
                        ),
                        EarlierVisit(
                            "2025-11-02",
                            (
                                Reading(
                                    "blood_pressure",
                                    {"systolic": 150, "diastolic": 92},
                                    "mm[Hg]",
                                    ("irregular_pulse",),
                                ),
                            ),
                        ),
                    ),
                )
                await stream_waves(cabin, 1.0)
                cabin.peer.send_control(json.loads(encode_control(record)))
                await page.click("button[data-remeasure=blood_pressure]")
                await page.fill("#note", "Huyết áp cao hơn lần trước; đo lại sau 5 phút nghỉ.")
                await stream_waves(cabin, 5.0)
                await page.evaluate(
                    "() => { document.activeElement.blur(); window.scrollTo(0, 0); }"
                )
                await page.screenshot(path=str(HERE / "21-console-call.png"))
            finally:
                await cabin.close()
                await browser.close()
                await server.close()
                store.close()


if __name__ == "__main__":
    asyncio.run(main())
