"""Fixtures the video tests share: ICE on loopback, one headless Chromium per module,
and, for the console tests, the portal served on 127.0.0.1 and a browser context."""

from __future__ import annotations

import aioice.ice
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer

from tests.video.browser import launched_chromium, portal_app


@pytest.fixture
def loopback_ice(monkeypatch):
    """Make ICE gather host candidates on 127.0.0.1 only.

    aioice's ``get_host_addresses`` lists every interface address *except*
    127.0.0.1 (a real peer could never reach it), so two peers on a machine
    whose only interface is ``lo`` (CI containers, a closed network) get no
    candidate pair at all. Replacing that one function for the test's duration
    is enough: both peers then offer exactly one host candidate each,
    127.0.0.1:<port>, and connect over loopback. ``iceServers=[]`` (in
    each test's configuration) keeps aiortc from adding its default public STUN server,
    which would only time out here.
    """
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])


class FakeClock:
    """A monotonic clock the test moves by hand (``clock.now += 60``)."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser():
    """Debian's Chromium, headless with fake media, shared by a module's tests."""
    async with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def stations():
    """The stations :func:`portal` registers; a module overrides this fixture for others."""
    return ("tram-phuong-7",)


@pytest_asyncio.fixture(loop_scope="module")
async def portal(tmp_path, stations):
    """The portal (:func:`tests.video.browser.portal_app`) served on 127.0.0.1.

    The server carries ``base`` (its URL) and ``keys`` (each station's key).
    """
    app, store, keys = portal_app(tmp_path, stations=stations)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    server.base = f"http://127.0.0.1:{server.port}"
    server.keys = keys
    try:
        yield server
    finally:
        await server.close()
        store.close()


@pytest_asyncio.fixture(loop_scope="module")
async def context(browser):
    """A browser context of its own (cookies) for one test, Vietnamese, on a 1440x900 screen."""
    ctx = await browser.new_context(viewport={"width": 1440, "height": 900}, locale="vi-VN")
    yield ctx
    await ctx.close()
