"""The kiosk window: the screens in a stack, the visit's screen state, the idle banner.

The kiosk owns no visit logic: it calls the controller's :class:`~cabin.visit.VisitFlow`
and shows what the bridge reports. What it does own is privacy on the glass:
:meth:`Kiosk.end_visit` wipes every name and value from every screen, resets the
language, and shows Home; it runs after goodbye, on a cancelled visit, and when
the controller says the visit ended (the idle timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from PyQt6.QtCore import QEvent, QObject, Qt
from PyQt6.QtGui import QResizeEvent
from PyQt6.QtWidgets import QApplication, QStackedWidget, QVBoxLayout, QWidget

from cabin.card_camera import CardCamera
from cabin.consult import ConsultSettings
from cabin.controller import Controller
from cabin.errors import CabinError
from cabin.i18n import DEFAULT_LANGUAGE, tr
from cabin.measure import Failure, Outcome, Vital
from cabin.ui.bridge import EventBridge, Tasks
from cabin.ui.consent import ConsentScreen
from cabin.ui.consult import ConsultScreen
from cabin.ui.home import GoodbyeScreen, HomeScreen, ServicesScreen
from cabin.ui.identify import CardScanner, IdentifyScreen
from cabin.ui.measuring import MeasureScreen
from cabin.ui.results import ResultsScreen
from cabin.ui.screen import Screen
from cabin.ui.sos import SosScreen
from cabin.ui.theme import HEADING_PT
from cabin.ui.widgets import label
from cabin.voice import Voice

__all__ = ["Kiosk", "KioskSettings", "Session"]

log = logging.getLogger(__name__)

_TOUCHES = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.TouchBegin,
    QEvent.Type.KeyPress,
}


@dataclass(frozen=True, slots=True)
class KioskSettings:
    """What the kiosk says about its station.

    Attributes:
        station_name: shown on receipts and in the QR.
        hospital: who receives the results (None: the catalogue's placeholder).
        retention_days: how long the station keeps results, as told at consent.
        printer: the receipt printer's device file (a plain file in simulation); None: no printer.
        timezone: the zone dates are shown in.
        goodbye_seconds: how long Goodbye stays before the screen is wiped.
        services: the public-service modules (:class:`services.registry.ServiceModule`),
            a tile each on the services screen, in order.
        hospitals: the hospitals a resident may send to, ``(id, name)``, the station's
            default first; with fewer than two, consent offers no choice.
        consult: where to call a doctor; None: the station cannot call one.
    """

    station_name: str = "Trạm công dân số"
    hospital: str | None = None
    retention_days: int = 30
    printer: Path | None = None
    timezone: str = "Asia/Ho_Chi_Minh"
    goodbye_seconds: float = 8.0
    services: tuple[Any, ...] = ()
    hospitals: tuple[tuple[str, str], ...] = ()
    consult: ConsultSettings | None = None


@dataclass
class Session:
    """What the screens hold of the current visit; replaced (wiped) when it ends."""

    resident_id: str | None = None
    results: dict[Vital, Outcome | Failure] = field(default_factory=dict)
    skipped: set[Vital] = field(default_factory=set)
    sent: bool = False
    hospital: str | None = None  # the id chosen at consent; None: the station's default


class _TouchFilter(QObject):
    """Any touch anywhere keeps the visit alive and dismisses the idle warning."""

    def __init__(self, kiosk: Kiosk) -> None:
        super().__init__(kiosk)
        self._kiosk = kiosk

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:
        if event is not None and event.type() in _TOUCHES:
            self._kiosk.touched()
        return False


class Kiosk(QWidget):
    """The kiosk's one window.

    Args:
        controller: runs the visits (its events drive the screens).
        settings: the station's details.
        scanner: the QR reader (a fresh one, fed by tests or a reader driver, if None).
        camera: the camera that reads the card's QR on the Identify screen (and shows the
            resident what it sees); None for a station with only a QR reader.
    """

    def __init__(
        self,
        controller: Controller,
        settings: KioskSettings = KioskSettings(),
        *,
        scanner: CardScanner | None = None,
        camera: CardCamera | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle(settings.station_name)
        self.controller = controller
        self.settings = settings
        self.lang = DEFAULT_LANGUAGE
        self.session = Session()
        self._tasks = Tasks()
        self._speech: asyncio.Task[None] | None = None
        self.last_said = ""  # what "Nghe lại" (hear again) repeats
        self.bridge = EventBridge(controller.events, self)
        self.scanner = scanner or CardScanner(self)
        self.camera = camera
        self.stack = QStackedWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.screens: dict[str, Screen] = {}
        for kind in (
            HomeScreen,
            IdentifyScreen,
            ConsentScreen,
            MeasureScreen,
            ResultsScreen,
            ConsultScreen,
            GoodbyeScreen,
            ServicesScreen,
            SosScreen,
        ):
            screen = kind(self)
            self.screens[screen.name] = screen
            self.stack.addWidget(screen)
        for service in settings.services:
            screen = service.make_screen(self)
            self.screens[service.key] = screen
            self.stack.addWidget(screen)
        # The idle warning veils the whole screen: nothing behind it competes for the eye,
        # and a touch anywhere on it dismisses it.
        self.idle_overlay = QWidget(self)
        self.idle_overlay.setObjectName("idle")
        self.idle_overlay.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.idle_overlay.setStyleSheet("QWidget#idle { background: rgba(255, 255, 255, 225); }")
        veil = QVBoxLayout(self.idle_overlay)
        veil.setContentsMargins(80, 40, 80, 40)
        self.idle_banner = label("banner")
        self.idle_banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.idle_banner.setStyleSheet(f"font-size: {HEADING_PT}pt; padding: 40px;")
        veil.addStretch(1)
        veil.addWidget(self.idle_banner)
        veil.addStretch(1)
        self.idle_overlay.hide()
        self.bridge.idle_warning.connect(self.on_idle_warning)
        self.bridge.visit_ended.connect(self.on_visit_ended)
        self._filter = _TouchFilter(self)
        self.go("home")

    @property
    def tasks(self) -> Tasks:
        return self._tasks

    @property
    def hospital(self) -> str:
        """The name of the hospital this visit's results go to."""
        chosen = dict(self.settings.hospitals).get(self.session.hospital or "")
        return chosen or self.settings.hospital or tr("hospital.default", self.lang)

    # --- lifecycle -------------------------------------------------------------------------

    def start(self, *, tick_seconds: float | None = 1.0) -> None:
        """Begin listening to the controller (and ticking its idle timer); needs the loop."""
        self.tasks.spawn(self.bridge.run(), name="kiosk events")
        if tick_seconds is not None:
            self.tasks.spawn(self._tick(tick_seconds), name="kiosk idle timer")
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self._filter)

    async def aclose(self) -> None:
        """Stop listening; a measurement under way is stopped (the cuff deflates), a call
        with a doctor is hung up."""
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self._filter)
        with contextlib.suppress(CabinError):
            await self.controller.cancel_measure()
        consult = self.screens["consult"]
        if isinstance(consult, ConsultScreen):
            await consult.aclose()
        sos = self.screens["sos"]
        if isinstance(sos, SosScreen):
            await sos.aclose()
        await self.tasks.cancel_all()
        if self.controller.voice is not None:
            await self.controller.voice.stop()

    async def _tick(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await self.controller.tick()
            except CabinError as exc:  # a store hiccup must not stop the timer for good
                log.warning("idle tick failed", extra={"error": type(exc).__name__})

    # --- navigation ------------------------------------------------------------------------

    def current(self) -> Screen:
        return cast(Screen, self.stack.currentWidget())

    def go(self, name: str) -> None:
        """Show a screen (SOS remembers where to go back to)."""
        screen = self.screens[name]
        if isinstance(screen, SosScreen) and self.stack.currentWidget() is not None:
            screen.return_to = self.current().name
        if self.stack.currentWidget() is not None and self.current() is not screen:
            self.current().leave()
        self.stack.setCurrentWidget(screen)
        screen.enter()

    def set_language(self, lang: str) -> None:
        self.lang = lang
        for screen in self.screens.values():
            screen.retranslate()
        self.idle_banner.setText(tr("idle.warning", lang))

    def end_visit(self) -> None:
        """Wipe every personal value from every screen and go Home."""
        self.idle_overlay.hide()
        self.idle_banner.clear()
        self.session = Session()  # first: screens redraw from it as they wipe
        for screen in self.screens.values():
            screen.wipe()
        if self.lang != DEFAULT_LANGUAGE:
            self.set_language(DEFAULT_LANGUAGE)
        self.go("home")

    # --- speech and touch ------------------------------------------------------------------

    def say(self, text: str) -> None:
        """Speak ``text`` in the kiosk's language; what was being said is cut short."""
        self.last_said = text
        voice = self.controller.voice
        if voice is None:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # building the screens, before the loop runs: nothing to say yet
        previous, self._speech = self._speech, None
        self._speech = self.tasks.spawn(self._speak(voice, text, previous), name="speech")

    async def _speak(self, voice: Voice, text: str, previous: asyncio.Task[None] | None) -> None:
        # One utterance at a time, the newest winning: the previous one is stopped first.
        if previous is not None:
            previous.cancel()
            await asyncio.gather(previous, return_exceptions=True)
        try:
            await voice.say(text, language=self.lang)
        except OSError as exc:
            log.warning("speech failed", extra={"error": type(exc).__name__})

    def touched(self) -> None:
        visit = self.controller.visit
        if visit is not None and visit.ended is None:
            visit.touch()
        self.idle_overlay.hide()

    # --- controller events -----------------------------------------------------------------

    def on_idle_warning(self) -> None:
        self.idle_banner.setText(tr("idle.warning", self.lang))
        self.idle_overlay.setGeometry(self.rect())
        self.idle_overlay.show()
        self.idle_overlay.raise_()
        self.say(self.idle_banner.text())

    def on_visit_ended(self, how: str) -> None:
        log.info("visit ended by the controller", extra={"how": how})
        self.end_visit()

    def resizeEvent(self, event: QResizeEvent | None) -> None:
        super().resizeEvent(event)
        self.idle_overlay.setGeometry(self.rect())
