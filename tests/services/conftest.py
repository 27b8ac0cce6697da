"""Fixtures the services tests share: the kiosk tests' loop, and a kiosk offering some services."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cabin.card_camera import CardCamera
from cabin.controller import Controller
from cabin.store import Store
from cabin.ui.kiosk import Kiosk, KioskSettings
from cabin.voice import Voice, VoiceSettings
from hardware.hub import DeviceHub
from tests.cabin.ui.conftest import run
from tests.cabin.ui.kiosk_helpers import SIZE, Station
from tests.services.dossier_kiosk import kiosk_on

__all__ = ["kiosk_on", "kiosk_station", "run"]


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
