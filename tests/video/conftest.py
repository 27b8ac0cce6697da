"""Fixtures the video tests share: ICE on loopback, and one headless Chromium per module."""

from __future__ import annotations

import aioice.ice
import pytest
import pytest_asyncio

from tests.video.browser import CHROMIUM, FLAGS, playwright_or_skip


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


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser():
    """Debian's Chromium, headless with fake media, shared by a module's tests."""
    api = playwright_or_skip()
    async with api.async_playwright() as driver:
        chromium = await driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        await chromium.close()
