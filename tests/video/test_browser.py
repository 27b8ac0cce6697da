"""The browser the doctor's console is tested in: Debian's Chromium, driven by Playwright.

Chromium's fake camera and microphone stand in for the doctor's; the page is served
on 127.0.0.1 (a secure context, so getUserMedia is allowed).
"""

from __future__ import annotations

from aiohttp import web

from tests.video.browser import launched_chromium

PAGE = """<!doctype html><meta charset="utf-8"><title>chờ</title>
<h1>Bảng điều khiển bác sĩ</h1>
<script>
navigator.mediaDevices.getUserMedia({video: true, audio: true})
  .then((stream) => { document.title = stream.getTracks().map((t) => t.kind).sort().join(","); })
  .catch((error) => { document.title = "error: " + error.name; });
</script>"""


async def test_chromium_starts_headless_with_a_fake_camera_and_microphone():
    async def console(_: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", console)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with launched_chromium() as browser:
            page = await browser.new_page()
            await page.goto(f"http://127.0.0.1:{port}/")
            await page.wait_for_function("document.title !== 'chờ'", timeout=15_000)
            assert await page.title() == "audio,video"
            assert "Bảng điều khiển bác sĩ" in await page.inner_text("h1")
    finally:
        await runner.cleanup()
