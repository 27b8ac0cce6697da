"""The kiosk under test: real controller, real store, real hub with sped-up simulated devices.

Each test is a plain function that runs one coroutine on a qasync loop, the
loop the kiosk runs on in the cabin, so screens, slots, the controller and
the devices share it exactly as in production. The coroutine taps buttons
(``qtbot.mouseClick``) and waits for what a resident would see.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from cabin.card_camera import CardCamera
from cabin.consult import ConsultSettings
from cabin.controller import Controller
from cabin.store import Store
from cabin.ui.app import kiosk_loop
from cabin.ui.kiosk import Kiosk, KioskSettings
from cabin.ui.theme import apply_theme
from cabin.visit import DEFAULT_TIMER, IdleTimer
from cabin.voice import Voice, VoiceSettings
from hardware.camera import Camera
from hardware.events import DeviceState
from hardware.hub import DeviceHub
from hardware.monikers import DeviceSpec
from tests.cabin.ui.kiosk_helpers import HOSPITAL, SIZE, Station


@pytest.fixture
def run(qapp) -> Callable[[Coroutine[Any, Any, None]], None]:
    """Run a coroutine on a fresh qasync loop, as the kiosk process does."""
    apply_theme(qapp)

    def runner(coro: Coroutine[Any, Any, None]) -> None:
        with asyncio.Runner(loop_factory=lambda: kiosk_loop(qapp)) as loop:
            loop.run(coro)

    return runner


@pytest.fixture
def station(qtbot, store: Store, tmp_path: Path):
    """``async with station(("oximeter", "sim:cms50d"), ...) as s``: a kiosk on those devices."""

    def open_station(
        *specs: tuple[str, str],
        timer: IdleTimer = DEFAULT_TIMER,
        tick_seconds: float = 1.0,
        printer: Path | None = tmp_path / "printer.prn",
        camera: Camera | None = None,
        hospitals: tuple[tuple[str, str], ...] = (),
        consult: ConsultSettings | None = None,
        services: tuple[Any, ...] = (),
    ) -> contextlib.AbstractAsyncContextManager[Station]:
        settings = KioskSettings(
            station_name="Trạm thử nghiệm",
            hospital=HOSPITAL,
            printer=printer,
            goodbye_seconds=0.8,
            hospitals=hospitals,
            consult=consult,
            services=services,
        )
        hub = DeviceHub([DeviceSpec(device_id, moniker) for device_id, moniker in specs])
        card_camera = CardCamera(camera, decode_every=2) if camera is not None else None
        return running_kiosk(
            qtbot,
            tmp_path,
            hub,
            store,
            settings,
            camera=card_camera,
            timer=timer,
            tick_seconds=tick_seconds,
        )

    return open_station


@contextlib.asynccontextmanager
async def running_kiosk(
    qtbot,
    tmp_path: Path,
    hub: DeviceHub,
    store: Store,
    settings: KioskSettings,
    *,
    camera: CardCamera | None = None,
    station_id: str = "station-test",
    timer: IdleTimer = DEFAULT_TIMER,
    tick_seconds: float | None = 1.0,
) -> AsyncIterator[Station]:
    """Start ``hub``, then show a kiosk on it at the cabin's size; close both when done.

    ``tick_seconds=None`` does not tick; speech and screens go under ``tmp_path``.
    """
    await hub.start()
    # Every device streaming before anything else: Python 3.11's wait_for can swallow
    # the cancellation of a driver still in its handshake, and hub.close() then hangs.
    async with asyncio.timeout(15):
        while any(st.state != DeviceState.CONNECTED for st in hub.status().values()):
            await asyncio.sleep(0.05)
    voice = Voice(VoiceSettings(out_dir=tmp_path / "speech"))
    controller = Controller(hub, store, station_id, voice=voice, timer=timer)
    kiosk = Kiosk(controller, settings, camera=camera)
    qtbot.addWidget(kiosk)
    kiosk.resize(*SIZE)
    kiosk.show()
    kiosk.start(tick_seconds=tick_seconds)
    try:
        yield Station(qtbot, kiosk, hub, store, tmp_path / "screens")
    finally:
        await kiosk.aclose()
        await hub.close()
