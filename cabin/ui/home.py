"""The first and last screens: Home, Goodbye and the public-services tiles (SOS: cabin.ui.sos)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton

from cabin.i18n import LANGUAGES
from cabin.ui.screen import Screen
from cabin.ui.theme import HEADING_PT
from cabin.ui.widgets import button, label, set_role
from cabin.visit import Step

if TYPE_CHECKING:
    from cabin.ui.kiosk import Kiosk

__all__ = ["GoodbyeScreen", "HomeScreen", "ServicesScreen"]


class HomeScreen(Screen):
    """Three huge choices and the language switch. Nothing personal is ever shown here."""

    name = "home"

    def __init__(self, kiosk: Kiosk) -> None:
        super().__init__(kiosk)
        top = QHBoxLayout()
        title = label("heading")
        self.bind(title, "home.title")
        top.addWidget(title, 1)
        self.languages: dict[str, QPushButton] = {}
        for lang in LANGUAGES:
            key = button()
            key.setMinimumWidth(230)
            self.bind(key, f"lang.{lang}")
            key.clicked.connect(lambda _=False, lang=lang: self.kiosk.set_language(lang))
            self.languages[lang] = key
            top.addWidget(key)
        self.add(top)
        tiles = QHBoxLayout()
        tiles.setSpacing(32)
        self.health = self._tile("home.health", "primary")
        self.services = self._tile("home.services", "secondary")
        self.sos = self._tile("home.sos", "danger")
        for tile in (self.health, self.services, self.sos):
            tiles.addWidget(tile)
        self.add(tiles, 1)
        hint = label()
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.bind(hint, "home.hint")
        self.add(hint)
        self.health.clicked.connect(self.on_health)
        self.services.clicked.connect(lambda: self.kiosk.go("services"))
        self.sos.clicked.connect(lambda: self.kiosk.go("sos"))

    def _tile(self, key: str, role: str) -> QPushButton:
        tile = button(role, height=360, style=f"font-size: {HEADING_PT}pt;")
        self.bind(tile, key)
        return tile

    def refresh(self) -> None:
        for lang, key in self.languages.items():
            set_role(key, "selected" if lang == self.lang else "")

    def enter(self) -> None:
        self.refresh()
        self.kiosk.say(f"{self.t('home.title')} {self.t('home.hint')}")

    def on_health(self) -> None:
        left_open = self.kiosk.controller.visit
        if left_open is not None and left_open.ended is None:
            left_open.cancel()  # never inherit a visit someone else left open
        self.kiosk.controller.start_visit()
        self.kiosk.go("identify")


class GoodbyeScreen(Screen):
    """Thanks, whether anything was sent, then back to Home with the screen wiped."""

    name = "goodbye"

    def __init__(self, kiosk: Kiosk) -> None:
        super().__init__(kiosk)
        self.outer.addStretch(1)
        title = label("heading")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.bind(title, "goodbye.title")
        self.add(title)
        self.fate = label()
        self.fate.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.add(self.fate)
        wish = label()
        wish.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.bind(wish, "goodbye.wish")
        self.add(wish)
        self.outer.addStretch(1)
        bar = self.bottom_bar(back=False)
        self.home = self.action("common.home", width=420)
        self.home.clicked.connect(self.kiosk.end_visit)
        bar.addWidget(self.home)
        bar.addStretch(1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.kiosk.end_visit)

    def enter(self) -> None:
        visit = self.kiosk.controller.visit
        if visit is not None and visit.ended is None and visit.step == Step.GOODBYE:
            visit.finish()
        self.refresh()
        self.kiosk.say(f"{self.t('goodbye.title')} {self.fate.text()} {self.t('goodbye.wish')}")
        self._timer.start(int(self.kiosk.settings.goodbye_seconds * 1000))

    def refresh(self) -> None:
        if self.kiosk.session.sent:
            self.fate.setText(self.t("goodbye.sent", hospital=self.kiosk.hospital))
        else:
            self.fate.setText(self.t("goodbye.not_sent"))

    def wipe(self) -> None:
        self._timer.stop()
        self.fate.clear()


class ServicesScreen(Screen):
    """Public services: a large tile for each registered module, two to a row."""

    name = "services"

    def __init__(self, kiosk: Kiosk) -> None:
        super().__init__(kiosk)
        self.heading("services.title")
        self.entries: dict[str, QPushButton] = {}
        grid = QGridLayout()
        grid.setSpacing(24)
        services = kiosk.settings.services
        # Two to a row keeps the longest names on one line; seven need lower tiles.
        height = 150 if len(services) <= 4 else 100
        for index, service in enumerate(services):
            entry = button("secondary", height=height)
            self.bind(entry, service.title)
            entry.clicked.connect(lambda _=False, key=service.key: self.kiosk.go(key))
            self.entries[service.key] = entry
            grid.addWidget(entry, index // 2, index % 2)
        if self.entries:
            self.add(grid)
        else:
            soon = label()
            self.bind(soon, "services.soon")
            self.add(soon)
        self.outer.addStretch(1)
        self.bottom_bar()

    def enter(self) -> None:
        self.kiosk.say(self.t("services.title"))

    def on_back(self) -> None:
        self.kiosk.go("home")
