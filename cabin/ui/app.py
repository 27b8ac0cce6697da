"""The kiosk process: one QApplication, one asyncio loop (qasync) shared by Qt and the station.

:func:`run_kiosk` opens the store, closes the visits a crash left open, starts
the device hub, builds the controller and the kiosk, ticks the idle timer every
second, and runs until the window closes (or ``seconds`` pass). Python 3.11's
``asyncio.run`` takes no loop factory, hence ``asyncio.Runner``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

import qasync
from PyQt6.QtWidgets import QApplication

from cabin.card_camera import CardCamera
from cabin.config import Config
from cabin.consult import ConsultSettings
from cabin.controller import Controller
from cabin.errors import DeviceUnavailable
from cabin.store import Store
from cabin.ui.kiosk import Kiosk, KioskSettings
from cabin.ui.theme import apply_theme
from cabin.visit import IdleTimer, recover
from cabin.voice import Voice
from fhir_bridge.destinations import Destinations
from fhir_bridge.service import delivery
from hardware.camera import Camera, OpenCvCamera, SimulatedCamera
from hardware.hub import DeviceHub
from services.registry import ServiceContext, load_modules

__all__ = ["display_available", "kiosk_loop", "open_camera", "run_kiosk", "save_screen"]

log = logging.getLogger(__name__)

WINDOW_SIZE = (1280, 800)  # the cabin's panel, and the size the screenshots are made at


def kiosk_loop(app: QApplication | None = None) -> qasync.QEventLoop:
    """The kiosk's event loop: qasync's, with a plain thread pool as its default executor.

    qasync's own executor waits for its QThreads while holding the GIL when the loop
    closes; a worker still inside a frame conversion or a VP8 encode (both run through
    ``run_in_executor``) then never gets the GIL back and the process hangs. A
    :class:`~concurrent.futures.ThreadPoolExecutor` joins its threads the Python way.
    """
    loop = qasync.QEventLoop(app)
    loop.set_default_executor(ThreadPoolExecutor(thread_name_prefix="kiosk-worker"))
    return loop


def display_available() -> bool:
    """Whether there is a screen to fill: X11 or Wayland, or a Qt platform the operator
    chose (``eglfs`` on a bare panel, ``vnc`` to watch from afar); ``offscreen`` is none."""
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    if platform in ("offscreen", "minimal"):
        return False
    return bool(platform or os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def save_screen(kiosk: Kiosk, path: Path) -> Path:
    """Save what the kiosk shows now as a PNG (an offscreen kiosk can still be looked at)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    kiosk.grab().save(str(path))
    return path


def _service_context(config: Config, store: Store) -> ServiceContext:
    """What the public-service modules get: the store, the providers, the station."""
    return ServiceContext(
        store=store,
        providers=config.services,
        station_id=config.station.id,
        data_dir=config.data_dir,
        printer=Path(config.kiosk.printer) if config.kiosk.printer else None,
    )


def run_kiosk(
    config: Config,
    *,
    fullscreen: bool,
    seconds: float | None = None,
    screenshot: Path | None = None,
    alongside: Callable[[DeviceHub], Awaitable[object]] | None = None,
) -> int:
    """Run the kiosk until its window closes or ``seconds`` pass; returns the exit code.

    Args:
        config: the station's configuration.
        fullscreen: fill the screen (the cabin); otherwise a 1280 x 800 window.
        seconds: stop after this long (None: until the window closes).
        screenshot: save the screen there every 2 s (for a kiosk without a display).
            The picture may show a resident's name: only for simulated stations.
        alongside: a coroutine to run with the hub meanwhile (e.g. the text dashboard).
    """
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    apply_theme(app)
    # Closing the window ends _serve, which then closes the hub and the store; Qt must
    # not stop the loop by itself before that cleanup has run.
    app.setQuitOnLastWindowClosed(False)
    previous_hook = sys.excepthook
    sys.excepthook = _log_uncaught  # PyQt6 aborts on an exception in a slot otherwise
    try:
        with asyncio.Runner(loop_factory=lambda: kiosk_loop(app)) as runner:
            return runner.run(_serve(app, config, fullscreen, seconds, screenshot, alongside))
    finally:
        sys.excepthook = previous_hook


async def _serve(
    app: QApplication,
    config: Config,
    fullscreen: bool,
    seconds: float | None,
    screenshot: Path | None,
    alongside: Callable[[DeviceHub], Awaitable[object]] | None,
) -> int:
    from cabin.cli import open_store  # the cli imports the kiosk lazily; avoid a cycle

    config.data_dir.mkdir(parents=True, exist_ok=True)
    with open_store(config) as store:
        async with (
            delivery(store, Destinations.from_config(config)) as sending,
            DeviceHub(config.device_specs()) as hub,
        ):
            closed = recover(store, config.station.id, on_sent=sending.on_sent)
            if closed:
                log.warning("closed visits left open by a stop", extra={"count": len(closed)})
            controller = Controller(
                hub,
                store,
                config.station.id,
                voice=Voice(),
                timer=IdleTimer(config.kiosk.idle_timeout, config.kiosk.idle_warning),
                on_sent=sending.on_sent,
            )
            settings = KioskSettings(
                station_name=config.station.name,
                hospital=config.hospital.name,
                hospitals=tuple((h.id, h.name) for h in config.hospitals.values()),
                retention_days=config.hospital.retention_days,
                # No printer configured: the receipt job goes to a file, as a printer's would.
                printer=Path(config.kiosk.printer)
                if config.kiosk.printer
                else config.data_dir / "printer.prn",
                timezone=config.station.timezone,
                consult=ConsultSettings.from_config(
                    config.consult, timezone=config.station.timezone
                ),
                services=tuple(load_modules(_service_context(config, store))),
            )
            camera = open_camera(config.kiosk.camera)
            kiosk = Kiosk(controller, settings, camera=CardCamera(camera) if camera else None)
            kiosk.start()
            if fullscreen:
                kiosk.showFullScreen()
            else:
                kiosk.resize(*WINDOW_SIZE)
                kiosk.show()
            quit_ = asyncio.Event()
            app.lastWindowClosed.connect(quit_.set)
            extra: list[asyncio.Future[object]] = []
            if alongside is not None:
                extra.append(asyncio.ensure_future(alongside(hub)))
            if screenshot is not None:
                extra.append(asyncio.ensure_future(_keep_saving(kiosk, screenshot)))
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(quit_.wait(), seconds)
            finally:
                for task in extra:
                    task.cancel()
                await asyncio.gather(*extra, return_exceptions=True)
                await kiosk.aclose()
                kiosk.close()
                if camera is not None:
                    camera.close()
    return 0


def open_camera(setting: str) -> Camera | None:
    """The camera the setting names (``"sim"``, a V4L2 index, or empty for none).

    A camera that does not open is logged, and the station goes on with the keypad.
    """
    if not setting:
        return None
    if setting == "sim":
        return SimulatedCamera()
    try:
        return OpenCvCamera(int(setting))
    except DeviceUnavailable:
        log.warning("camera not found; cards can still be typed")
        return None


async def _keep_saving(kiosk: Kiosk, path: Path) -> None:
    while True:
        save_screen(kiosk, path)
        await asyncio.sleep(2.0)


def _log_uncaught(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    # Our errors never carry personal data in their messages; the traceback is safe to log.
    log.error("unexpected error in the kiosk", exc_info=(kind, error, trace))
