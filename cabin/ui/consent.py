"""Consent: what is measured, who receives it, how long it is kept; a big Yes and No.

Saying no is not a dead end: the resident still measures and reads the results,
and nothing leaves the station (:meth:`cabin.visit.VisitFlow.send` refuses).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PyQt6.QtWidgets import QHBoxLayout

from cabin.ui.screen import Screen
from cabin.ui.widgets import label

if TYPE_CHECKING:
    from cabin.ui.kiosk import Kiosk

__all__ = ["ConsentScreen"]


class ConsentScreen(Screen):
    name = "consent"

    def __init__(self, kiosk: Kiosk) -> None:
        super().__init__(kiosk)
        self.heading("consent.title")
        lines: list[tuple[str, Callable[[], dict[str, object]] | None]] = [
            ("consent.what", None),
            ("consent.who", lambda: {"hospital": self.kiosk.hospital}),
            ("consent.how_long", lambda: {"days": self.kiosk.settings.retention_days}),
            ("consent.no_effect", None),
        ]
        for key, params in lines:
            line = label()
            self.bind(line, key, params)
            self.add(line)
        self.outer.addStretch(1)
        choices = QHBoxLayout()
        choices.setSpacing(40)
        self.yes = self.action("consent.yes", width=420, height=120)
        self.no = self.action("consent.no", "", width=420, height=120)
        for choice in (self.yes, self.no):
            choices.addWidget(choice)
        self.add(choices)
        self.yes.clicked.connect(lambda: self.on_choice(True))
        self.no.clicked.connect(lambda: self.on_choice(False))
        self.bottom_bar()

    def enter(self) -> None:
        self.kiosk.say(
            " ".join(
                (
                    self.t("consent.title"),
                    self.t("consent.who", hospital=self.kiosk.hospital),
                    self.t("consent.no_effect"),
                )
            )
        )

    def on_choice(self, consent: bool) -> None:
        visit = self.kiosk.controller.visit
        if visit is None:
            return
        visit.give_consent(consent)
        self.kiosk.go("measure")

    def on_back(self) -> None:
        visit = self.kiosk.controller.visit
        if visit is not None:
            visit.back()
        self.kiosk.go("identify")
