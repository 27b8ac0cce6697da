"""Fixtures the services tests share: the kiosk loop, and a kiosk offering some services."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from cabin.card_camera import CardCamera
from cabin.controller import Controller
from cabin.store import Store
from cabin.ui.app import kiosk_loop
from cabin.ui.kiosk import Kiosk, KioskSettings
from cabin.ui.theme import apply_theme
from cabin.voice import Voice, VoiceSettings
from hardware.hub import DeviceHub
from tests.cabin.ui.kiosk_helpers import SIZE, Station


@pytest.fixture
def run(qapp) -> Callable[[Coroutine[Any, Any, None]], None]:
    """Run a coroutine on a fresh kiosk loop, as the kiosk process does."""
    apply_theme(qapp)

    def runner(coro: Coroutine[Any, Any, None]) -> None:
        with asyncio.Runner(loop_factory=lambda: kiosk_loop(qapp)) as loop:
            loop.run(coro)

    return runner


@pytest.fixture
def kiosk_station(qtbot, tmp_path: Path):
    """``async with kiosk_station(store, settings) as s``: a kiosk on no devices, not ticking.

    ``settings`` are the kiosk's (its services among them); ``camera`` is its card camera
    and ``station_id`` the controller's.
    """

    @contextlib.asynccontextmanager
    async def open_kiosk(
        store: Store,
        settings: KioskSettings,
        *,
        camera: CardCamera | None = None,
        station_id: str = "station-test",
    ) -> AsyncIterator[Station]:
        hub = DeviceHub([])
        await hub.start()
        voice = Voice(VoiceSettings(out_dir=tmp_path / "speech"))
        controller = Controller(hub, store, station_id, voice=voice)
        kiosk = Kiosk(controller, settings, camera=camera)
        qtbot.addWidget(kiosk)
        kiosk.resize(*SIZE)
        kiosk.show()
        kiosk.start(tick_seconds=None)
        try:
            yield Station(qtbot, kiosk, hub, store, tmp_path / "screens")
        finally:
            await kiosk.aclose()
            await hub.close()

    return open_kiosk
