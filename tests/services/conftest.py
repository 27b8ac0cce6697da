"""Fixtures the services tests share: the kiosk tests' loop, and a kiosk offering some services."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest

from cabin.card_camera import CardCamera
from cabin.store import Store
from cabin.ui.kiosk import KioskSettings
from hardware.hub import DeviceHub
from tests.cabin.ui.conftest import run, running_kiosk
from tests.cabin.ui.kiosk_helpers import Station
from tests.services.dossier_kiosk import kiosk_on

__all__ = ["kiosk_on", "kiosk_station", "run"]


@pytest.fixture
def kiosk_station(qtbot, tmp_path: Path):
    """``async with kiosk_station(store, settings) as s``: a kiosk on no devices, not ticking.

    ``settings`` are the kiosk's (its services among them); ``camera`` is its card camera
    and ``station_id`` the controller's.
    """

    def open_kiosk(
        store: Store,
        settings: KioskSettings,
        *,
        camera: CardCamera | None = None,
        station_id: str = "station-test",
    ) -> AbstractAsyncContextManager[Station]:
        return running_kiosk(
            qtbot,
            tmp_path,
            DeviceHub([]),
            store,
            settings,
            camera=camera,
            station_id=station_id,
            tick_seconds=None,
        )

    return open_kiosk
