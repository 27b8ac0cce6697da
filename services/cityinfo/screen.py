"""The city-information screen: kinds to tap, a name to type, the places found.

Two pages share the space above the bottom bar: the results (the kinds of place as
big buttons, then a scrolling list of cards) and the typing page (the search field
over the on-screen keyboard). The list follows every key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.QtGui import QFontMetrics
from PyQt6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cabin.ui.screen import Screen
from cabin.ui.theme import VALUE_PT
from cabin.ui.widgets import button, label, set_role
from services.cityinfo import strings  # noqa: F401 - the sentences
from services.cityinfo.catalogue import CatalogueError, Kind, Place, load_places, search
from services.keyboard import VietKeyboard

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from cabin.ui.kiosk import Kiosk

__all__ = ["CityInfoScreen"]

_SHOWN = 30  # cards at most: a longer list is for a narrower search


class CityInfoScreen(Screen):
    """Search the station's catalogue of public places."""

    name = "cityinfo"

    def __init__(self, kiosk: Kiosk, places_path: Callable[[], Path]) -> None:
        super().__init__(kiosk)
        self._places_path = places_path
        self.places: list[Place] = []
        self.kind: Kind | None = None
        self.found: list[Place] = []
        self.heading("cityinfo.title")
        self.pages = QStackedWidget()
        self.results_page = QWidget()
        results = QVBoxLayout(self.results_page)
        results.setContentsMargins(0, 0, 0, 0)
        results.setSpacing(12)
        kinds = QHBoxLayout()
        kinds.setSpacing(8)
        self.kind_buttons: dict[Kind | None, QPushButton] = {}
        for kind in (None, *Kind):
            choice = button(style="font-size: 20pt; padding: 4px 8px;")
            self.bind(choice, f"cityinfo.kind.{kind.value if kind else 'all'}")
            self._fit(choice)
            choice.clicked.connect(lambda _=False, k=kind: self.choose(k))
            self.kind_buttons[kind] = choice
            kinds.addWidget(choice)
        results.addLayout(kinds)
        self.summary = label("strong")
        results.addWidget(self.summary)
        self.list_area = QScrollArea()
        self.list_area.setWidgetResizable(True)
        self.list_area.setFrameShape(QFrame.Shape.NoFrame)
        self.cards = QWidget()
        self.cards_layout = QVBoxLayout(self.cards)
        self.cards_layout.setContentsMargins(0, 0, 12, 0)
        self.cards_layout.setSpacing(12)
        self.list_area.setWidget(self.cards)
        results.addWidget(self.list_area, 1)
        self.typing_page = QWidget()
        typing = QVBoxLayout(self.typing_page)
        typing.setContentsMargins(0, 0, 0, 0)
        self.query = QLineEdit()
        self.query.setMaxLength(60)
        self.query.setStyleSheet(f"font-size: {VALUE_PT}pt; padding: 6px; border: 3px solid #111;")
        self.query.textChanged.connect(self.update_results)
        typing.addWidget(self.query)
        self.keyboard = VietKeyboard(self.query)
        typing.addWidget(self.keyboard)
        typing.addStretch(1)
        self.pages.addWidget(self.results_page)
        self.pages.addWidget(self.typing_page)
        self.add(self.pages, 1)
        bar = self.bottom_bar()
        self.type_button = self.action("cityinfo.type", width=320)
        self.type_button.clicked.connect(self.show_keyboard)
        self.show_button = self.action("cityinfo.show", width=320)
        self.show_button.clicked.connect(self.show_results)
        bar.addWidget(self.type_button)
        bar.addWidget(self.show_button)
        self._show_page(typing=False)

    # --- the resident's actions ----------------------------------------------------------

    def enter(self) -> None:
        try:
            self.places = load_places(self._places_path())
        except CatalogueError:
            self.places = []
            self.summary.setText(self.t("cityinfo.unavailable"))
            self.kiosk.say(self.t("cityinfo.unavailable"))
            return
        self.update_results()
        self.kiosk.say(f"{self.t('cityinfo.title')}. {self.t('cityinfo.say')}")

    def choose(self, kind: Kind | None) -> None:
        self.kind = kind
        self.update_results()

    def show_keyboard(self) -> None:
        self._show_page(typing=True)
        self.kiosk.say(self.t("cityinfo.query_hint"))

    def show_results(self) -> None:
        self._show_page(typing=False)

    def on_back(self) -> None:
        if self.pages.currentWidget() is self.typing_page:
            self.show_results()
            return
        self.kiosk.go("services")

    # --- drawing -------------------------------------------------------------------------

    def _show_page(self, *, typing: bool) -> None:
        self.pages.setCurrentWidget(self.typing_page if typing else self.results_page)
        self.show_where({self.type_button: not typing, self.show_button: typing})

    def update_results(self) -> None:
        for kind, choice in self.kind_buttons.items():
            set_role(choice, "selected" if kind is self.kind else "")
        found = search(self.places, self.query.text(), self.kind)
        while self.cards_layout.count():
            item = self.cards_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for place in found[:_SHOWN]:
            self.cards_layout.addWidget(self._card(place))
        self.cards_layout.addStretch(1)
        self.found = found
        self.refresh()

    def refresh(self) -> None:
        if not self.places:
            return
        query = self.query.text().strip()
        if not self.found:
            self.summary.setText(self.t("cityinfo.none"))
        elif query:
            self.summary.setText(self.t("cityinfo.count_for", count=len(self.found), query=query))
        else:
            self.summary.setText(self.t("cityinfo.count", count=len(self.found)))

    def retranslate(self) -> None:
        super().retranslate()
        for choice in self.kind_buttons.values():
            self._fit(choice)
        self.keyboard.retranslate(self.lang)
        if self.places:
            self.update_results()

    @staticmethod
    def _fit(choice: QPushButton) -> None:
        # Room for the longest of its texts, with the margin a finger's target keeps.
        metrics = QFontMetrics(choice.font())
        choice.setMinimumWidth(metrics.horizontalAdvance(choice.text()) + 66)

    def _card(self, place: Place) -> QFrame:
        card = QFrame()
        set_role(card, "card")
        lines = QVBoxLayout(card)
        lines.setContentsMargins(18, 10, 18, 10)
        lines.setSpacing(2)
        title = label("strong")
        title.setText(place.name)
        lines.addWidget(title)
        where = label()
        where.setText(place.address)
        lines.addWidget(where)
        details = []
        if place.phone:
            details.append(self.t("cityinfo.phone", phone=place.phone))
        if place.hours:
            details.append(self.t("cityinfo.hours", hours=place.hours))
        for text in details:
            line = label()
            line.setText(text)
            lines.addWidget(line)
        return card

    def wipe(self) -> None:
        self.query.clear()
        self.kind = None
        self._show_page(typing=False)
