"""Consent: what is measured, who receives it, how long it is kept; a big Yes and No.

Saying no is not a dead end: the resident still measures and reads the results,
and nothing leaves the station (:meth:`cabin.visit.VisitFlow.send` refuses).
Where the station serves several hospitals, one large button per hospital picks
where the results go; the station's own is picked to begin with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PyQt6.QtWidgets import QHBoxLayout, QPushButton

from cabin.ui.screen import Screen
from cabin.ui.widgets import button, label, set_role

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
        self.hospitals: dict[str, QPushButton] = {}
        if len(kiosk.settings.hospitals) > 1:
            row = QHBoxLayout()
            row.setSpacing(20)
            for hospital_id, _ in kiosk.settings.hospitals:
                choice = button("secondary")
                choice.clicked.connect(lambda _=False, h=hospital_id: self.on_hospital(h))
                self.hospitals[hospital_id] = choice
                row.addWidget(choice)
            self.add(row)
        self.outer.addStretch(1)
        choices = QHBoxLayout()
        choices.setSpacing(40)
        tall = 100 if self.hospitals else 120  # room for the hospitals' row
        self.yes = self.action("consent.yes", width=420, height=tall)
        self.no = self.action("consent.no", "", width=420, height=tall)
        for choice in (self.yes, self.no):
            choices.addWidget(choice)
        self.add(choices)
        self.yes.clicked.connect(lambda: self.on_choice(True))
        self.no.clicked.connect(lambda: self.on_choice(False))
        self.bottom_bar()

    def enter(self) -> None:
        self._show_hospital()
        self.kiosk.say(
            " ".join(
                (
                    self.t("consent.title"),
                    self.t("consent.who", hospital=self.kiosk.hospital),
                    self.t("consent.no_effect"),
                )
            )
        )

    def on_hospital(self, hospital_id: str) -> None:
        self.kiosk.session.hospital = hospital_id
        self._show_hospital()
        self.kiosk.say(self.t("consent.who", hospital=self.kiosk.hospital))

    def _show_hospital(self) -> None:
        default = self.kiosk.settings.hospitals[0][0] if self.hospitals else None
        chosen = self.kiosk.session.hospital or default
        names = dict(self.kiosk.settings.hospitals)
        for hospital_id, choice in self.hospitals.items():
            picked = hospital_id == chosen
            set_role(choice, "selected" if picked else "secondary")
            choice.setText(("✓ " if picked else "") + names[hospital_id])  # not by colour alone
        self.retranslate()  # the "who receives it" line names the chosen one

    def on_choice(self, consent: bool) -> None:
        visit = self.kiosk.controller.visit
        if visit is None:
            return
        if consent and self.kiosk.session.hospital is not None:
            visit.choose_hospital(self.kiosk.session.hospital)
        visit.give_consent(consent)
        self.kiosk.go("measure")

    def on_back(self) -> None:
        visit = self.kiosk.controller.visit
        if visit is not None:
            visit.back()
        self.kiosk.go("identify")
