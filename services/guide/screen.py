"""The help screen: ask a question, hear the best answers, go to the right screen in one tap.

The resident types a question (with or without diacritics) or taps a common one;
the three best entries of the catalogue appear as three big choices on the left,
the first one's answer in full on the right, read aloud, with a button that opens
the screen that does it. Tapping another choice shows and reads that one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cabin.ui.screen import Screen
from cabin.ui.theme import BODY_PT, BUTTON_PT
from cabin.ui.widgets import button, label, set_role
from services.guide.search import GuideSearch, Hit
from services.guide.strings import COMMON_QUESTIONS

if TYPE_CHECKING:
    from cabin.ui.kiosk import Kiosk

__all__ = ["GuideScreen"]

_log = logging.getLogger(__name__)

ANSWERS = 3


class _Choice(QPushButton):
    """A big button whose text wraps onto two lines (a plain button's never does)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setStyleSheet("min-height: 112px; padding: 4px 16px;")
        inner = QVBoxLayout(self)
        inner.setContentsMargins(18, 8, 18, 8)
        self.caption = label()
        self.set_selected(False)
        self.caption.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        inner.addWidget(self.caption)

    def set_selected(self, selected: bool) -> None:
        set_role(self, "selected" if selected else "")
        self.caption.setStyleSheet(
            f"font-size: {BUTTON_PT - 4}pt; font-weight: bold; background: transparent;"
            f" color: {'#FFFFFF' if selected else '#111111'};"
        )

    def set_caption(self, text: str) -> None:
        self.caption.setText(text)
        self.setAccessibleName(text)


class GuideScreen(Screen):
    """The guide ("AI hướng dẫn").

    Args:
        kiosk: the kiosk.
        search: builds the search the first time a question is asked (loading the
            model and embedding the catalogue may take seconds; it runs in a thread).
    """

    name = "guide"

    def __init__(self, kiosk: Kiosk, search: Callable[[], GuideSearch]) -> None:
        super().__init__(kiosk)
        self._make_search = search
        self._search: GuideSearch | None = None
        self.hits: list[Hit] = []
        self.chosen = 0
        self.said = ""
        self.heading("guide.title")
        ask = QHBoxLayout()
        ask.setSpacing(18)
        self.box = QLineEdit()
        self.box.setMinimumHeight(92)
        self.box.setStyleSheet(
            f"font-size: {BODY_PT + 4}pt; border: 4px solid #111111; border-radius: 12px;"
            " padding: 4px 16px;"
        )
        self.box.returnPressed.connect(self.on_ask)
        ask.addWidget(self.box, 1)
        self.ask = self.action("guide.ask", width=180)
        self.ask.clicked.connect(self.on_ask)
        ask.addWidget(self.ask)
        self.add(ask)

        # Before a question: the common ones, two rows of three.
        self.common = QWidget()
        common = QVBoxLayout(self.common)
        common.setContentsMargins(0, 0, 0, 0)
        intro = label("strong")
        self.bind(intro, "guide.common")
        common.addWidget(intro)
        grid = QGridLayout()
        grid.setSpacing(18)
        self.questions: dict[str, QPushButton] = {}
        for index, (procedure_id, key) in enumerate(COMMON_QUESTIONS):
            widget = button("secondary", height=110)
            self.bind(widget, key)
            widget.clicked.connect(lambda _=False, key=key: self.on_common(key))
            self.questions[procedure_id] = widget
            grid.addWidget(widget, index // 3, index % 3)
        common.addLayout(grid)
        self.add(self.common)

        # After a question: three choices on the left, the chosen answer on the right.
        self.answers = QWidget()
        row = QHBoxLayout(self.answers)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(24)
        left = QVBoxLayout()
        left.setSpacing(12)
        self.choices: list[_Choice] = []
        for index in range(ANSWERS):
            choice = _Choice()
            choice.clicked.connect(lambda _=False, i=index: self.choose(i, speak=True))
            self.choices.append(choice)
            left.addWidget(choice)
        left.addStretch(1)
        row.addLayout(left, 4)
        right = QVBoxLayout()
        right.setSpacing(12)
        self.answer_title = label("heading")
        self.answer_title.setStyleSheet(f"font-size: {BODY_PT + 4}pt;")
        right.addWidget(self.answer_title)
        self.answer = label()
        self.answer.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        right.addWidget(self.answer, 1)
        self.open = self.action("guide.open", width=420)
        self.open.clicked.connect(self.on_open)
        right.addWidget(self.open, 0, Qt.AlignmentFlag.AlignLeft)
        row.addLayout(right, 6)
        self.add(self.answers, 1)
        self.busy = label()
        self.add(self.busy)
        self.outer.addStretch(0)

        self.bottom_bar()  # its 🔊 says the last answer again (Screen.on_hear_again)
        self.show_where({self.answers: False, self.busy: False})

    # --- the kiosk's calls ---------------------------------------------------------------

    def enter(self) -> None:
        self.box.setPlaceholderText(self.t("guide.placeholder"))
        if not self.hits:
            self.speak(self.t("guide.say"))

    def refresh(self) -> None:
        self.box.setPlaceholderText(self.t("guide.placeholder"))
        if self.hits:
            self.choose(self.chosen, speak=False)

    def wipe(self) -> None:
        self.box.clear()
        self.hits = []
        self.said = ""
        self.show_where({self.answers: False, self.common: True, self.busy: False})

    def on_back(self) -> None:
        if self.hits:
            self.wipe()
            self.speak(self.t("guide.say"))
        else:
            self.kiosk.go("services")

    # --- asking --------------------------------------------------------------------------

    def on_common(self, key: str) -> None:
        self.box.setText(self.t(key))
        self.on_ask()

    def on_ask(self) -> None:
        question = self.box.text().strip()
        if question:
            self.tasks.spawn(self.ask_question(question), name="guide search")

    async def ask_question(self, question: str) -> None:
        """Rank the catalogue for ``question`` (in a thread) and show the best answers."""
        self.ask.setEnabled(False)
        try:
            if self._search is None:
                self._search = await asyncio.to_thread(self._make_search)
            hits = await asyncio.to_thread(self._search.search, question, ANSWERS)
        finally:
            self.ask.setEnabled(True)
        if hits:
            self.show_answers(hits)

    def show_answers(self, hits: list[Hit]) -> None:
        self.hits = hits
        for choice, hit in zip(self.choices, hits, strict=False):
            choice.set_caption(hit.procedure.text("title", self.lang))
        self.show_where(
            {
                self.common: False,
                self.answers: True,
                **{choice: i < len(hits) for i, choice in enumerate(self.choices)},
            }
        )
        self.choose(0, speak=True)

    def choose(self, index: int, *, speak: bool) -> None:
        """Show the ``index``-th answer in full (and read it aloud)."""
        self.chosen = index
        hit = self.hits[index]
        for i, (choice, shown) in enumerate(zip(self.choices, self.hits, strict=False)):
            choice.set_caption(shown.procedure.text("title", self.lang))
            choice.set_selected(i == index)
        title = hit.procedure.text("title", self.lang)
        answer = hit.procedure.text("answer", self.lang)
        self.answer_title.setText(title)
        self.answer.setText(answer)
        self.open.setVisible(self.can_open(hit.procedure.screen))
        if speak:
            self.speak(f"{title}. {answer}")

    # --- going there ---------------------------------------------------------------------

    def can_open(self, screen: str | None) -> bool:
        if screen is None:
            return False
        if screen == "health":
            return "identify" in self.kiosk.screens
        return screen in self.kiosk.screens and screen != self.name

    def on_open(self) -> None:
        screen = self.hits[self.chosen].procedure.screen
        if screen is None or not self.can_open(screen):
            return
        if screen == "health":  # a health check starts a visit, as Home's tile does
            home = self.kiosk.screens["home"]
            start = getattr(home, "on_health", None)
            if start is not None:
                start()
                return
            screen = "identify"
        self.kiosk.go(screen)

    # --- speech --------------------------------------------------------------------------

    def speak(self, text: str) -> None:
        self.said = text
        self.kiosk.say(text)

    def on_hear_again(self) -> None:
        self.kiosk.say(self.said or self.t("guide.say"))
