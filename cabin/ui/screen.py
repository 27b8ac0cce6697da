"""What every kiosk screen shares: catalogue-bound texts, a heading, a bottom bar, wiping."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PyQt6.QtWidgets import QHBoxLayout, QLabel, QLayout, QPushButton, QVBoxLayout, QWidget

from cabin.i18n import tr
from cabin.ui.bridge import Tasks
from cabin.ui.theme import BUTTON_HEIGHT
from cabin.ui.widgets import button, label

if TYPE_CHECKING:
    from cabin.ui.kiosk import Kiosk

__all__ = ["Screen"]

Texted = QLabel | QPushButton


class Screen(QWidget):
    """A page of the kiosk.

    Texts are bound to catalogue keys with :meth:`bind`, so switching language
    rewrites them all. :meth:`enter` runs each time the screen is shown;
    :meth:`wipe` forgets every personal value it shows (a visit ended).
    """

    name = ""

    def __init__(self, kiosk: Kiosk) -> None:
        super().__init__()
        self.kiosk = kiosk
        self._bound: list[tuple[Texted, str, Callable[[], dict[str, object]] | None]] = []
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(40, 24, 40, 24)
        self.outer.setSpacing(18)

    @property
    def tasks(self) -> Tasks:
        return self.kiosk.tasks

    @property
    def lang(self) -> str:
        return self.kiosk.lang

    def t(self, key: str, **params: object) -> str:
        return tr(key, self.kiosk.lang, **params)

    def bind(
        self,
        widget: Texted,
        key: str,
        params: Callable[[], dict[str, object]] | None = None,
    ) -> Texted:
        """Show catalogue text ``key`` on ``widget``, now and after each language switch."""
        self._bound.append((widget, key, params))
        widget.setText(tr(key, self.kiosk.lang, **(params() if params else {})))
        return widget

    def retranslate(self) -> None:
        for widget, key, params in self._bound:
            widget.setText(tr(key, self.kiosk.lang, **(params() if params else {})))
        self.refresh()

    @staticmethod
    def show_where(shown: dict[QWidget, bool]) -> None:
        """Show and hide widgets, hiding first: two buttons shown at once for a moment
        could need more than the panel's width, and the window would grow past it."""
        for widget, visible in shown.items():
            if not visible:
                widget.hide()
        for widget, visible in shown.items():
            if visible:
                widget.show()

    def heading(self, key: str) -> QLabel:
        widget = label("heading")
        self.bind(widget, key)
        self.outer.addWidget(widget)
        return widget

    def bottom_bar(self, *, back: bool = True) -> QHBoxLayout:
        """The bar at the bottom: Back on the left (when ``back``), then "Nghe lại"
        (hear the screen's instruction again), actions on the right."""
        bar = QHBoxLayout()
        bar.setSpacing(24)
        if back:
            self.back_button = button()
            self.back_button.setMinimumWidth(260)
            self.bind(self.back_button, "common.back")
            self.back_button.clicked.connect(self.on_back)
            bar.addWidget(self.back_button)
        # A speaker sign alone keeps the bar narrow enough for every screen's actions;
        # screen readers and the tooltip still say its name.
        self.hear_again = button()
        self.hear_again.setText("🔊")
        self.hear_again.setMinimumWidth(120)
        self.hear_again.setAccessibleName(self.t("common.hear_again"))
        self.hear_again.setToolTip(self.t("common.hear_again"))
        self.hear_again.clicked.connect(self.on_hear_again)
        bar.addWidget(self.hear_again)
        bar.addStretch(1)
        self.outer.addLayout(bar)
        return bar

    def add(self, item: QWidget | QLayout, stretch: int = 0) -> None:
        if isinstance(item, QWidget):
            self.outer.addWidget(item, stretch)
        else:
            self.outer.addLayout(item, stretch)

    def action(
        self, key: str, role: str = "primary", *, width: int = 300, height: int = BUTTON_HEIGHT
    ) -> QPushButton:
        widget = button(role, height=height)
        widget.setMinimumWidth(width)
        self.bind(widget, key)
        return widget

    # --- for subclasses ------------------------------------------------------------------

    def enter(self) -> None:
        """The screen is being shown."""

    def leave(self) -> None:
        """Another screen is about to be shown: stop what only this one needs."""

    def refresh(self) -> None:
        """Redraw texts that are not plain catalogue keys (values, names) in the language."""

    def wipe(self) -> None:
        """Forget every personal or health value on this screen."""

    def on_back(self) -> None:
        """The Back button."""

    def on_hear_again(self) -> None:
        """Say again what the kiosk said last (the screen's instruction, usually)."""
        if self.kiosk.last_said:
            self.kiosk.say(self.kiosk.last_said)
