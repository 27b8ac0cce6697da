"""The progress screen: a code typed (checked before asking) or the card read, then
each dossier's state in words, what to do next, and its history."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QFrame, QHBoxLayout, QLineEdit, QScrollArea, QVBoxLayout, QWidget

from cabin.cccd import parse_cccd_qr
from cabin.errors import CardError
from cabin.ui.screen import Screen
from cabin.ui.widgets import label, set_role
from services.dossier.client import Dossier, DvcClient
from services.dossier.codes import parse_dossier_code
from services.dossier.widgets import FieldKeyboard
from services.provider import ProviderRejected, ProviderUnavailable
from services.registry import ServiceContext

if TYPE_CHECKING:
    from cabin.ui.kiosk import Kiosk

__all__ = ["ProgressScreen", "describe", "typed_code"]

_COMPACT = re.compile(r"([0-9]{3})([0-9]{2})([0-9]{2})([A-Za-z][0-9]{2})([0-9]{6})([0-9]{4})")


def typed_code(text: str) -> str:
    """A code as typed: the on-screen keyboard has no ``.`` or ``-``, so 19 digits and the
    group letter in their places (spaces ignored) get the separators put back."""
    compact = "".join(text.split())
    match = _COMPACT.fullmatch(compact)
    if match is None:
        return text
    v, z, y, agency, day, seq = match.groups()
    return f"{v}.{z}.{y}.{agency}-{day}-{seq}"


log = logging.getLogger(__name__)
_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def describe(dossier: Dossier, tr: Callable[..., str]) -> list[str]:
    """The lines telling a dossier (``tr``: a screen's ``t``): code and procedure, state,
    next step, history."""
    lines = [
        f"{dossier.code} · {tr(f'dossier.proc.{dossier.procedure}')}",
        tr("progress.now", state=tr(f"progress.state.{int(dossier.state)}")),
        tr("progress.next_label", next=tr(f"progress.next.{int(dossier.state)}")),
        tr("progress.history"),
    ]
    for state, at in dossier.history:
        lines.append(
            f"  {at.astimezone(_ZONE):%d/%m/%Y %H:%M} · {tr(f'progress.state.{int(state)}')}"
        )
    return lines


class ProgressScreen(Screen):
    """Look a dossier up (see the module doc)."""

    name = "progress"

    def __init__(self, kiosk: Kiosk, context: ServiceContext) -> None:
        super().__init__(kiosk)
        self.context = context
        self.found: list[Dossier] = []
        self.heading("progress.title")
        row = QHBoxLayout()
        self.code_edit = QLineEdit()
        self.code_edit.setMinimumHeight(80)
        self.code_edit.setStyleSheet(
            "font-size: 30pt; border: 3px solid #111111; border-radius: 8px; padding: 4px 12px;"
        )
        self.code_edit.setPlaceholderText("000.00.00.H00-YYMMDD-0000")
        self.code_edit.returnPressed.connect(self.on_lookup)
        row.addWidget(self.code_edit, 1)
        self.lookup = self.action("progress.lookup", width=240)
        self.lookup.clicked.connect(self.on_lookup)
        row.addWidget(self.lookup)
        self.add(row)
        self.keyboard = FieldKeyboard()
        self.keyboard.set_telex(False)  # a code has no accents
        self.keyboard.attach(self.code_edit)
        self.keyboard.touched.connect(self._open_keyboard)
        self.add(self.keyboard)
        self.message = label("banner")
        self.message.hide()
        self.add(self.message)
        self.results = QWidget()
        self.results_layout = QVBoxLayout(self.results)
        self.results_layout.setContentsMargins(0, 0, 12, 0)
        self.results_layout.setSpacing(16)
        self.results_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.results)
        self.add(scroll, 1)
        self.results_scroll = scroll
        bar = self.bottom_bar()
        self.mine = self.action("progress.mine", "secondary", width=420)
        self.mine.clicked.connect(self.on_mine)
        bar.addWidget(self.mine)
        kiosk.scanner.scanned.connect(self.on_scanned)

    def enter(self) -> None:
        self.kiosk.say(self.t("progress.say"))

    def on_back(self) -> None:
        self.wipe()
        self.kiosk.go("services")

    def _open_keyboard(self, _edit: QLineEdit) -> None:
        self.keyboard.set_target(self.code_edit)
        self.show_where({self.results_scroll: False, self.message: False, self.keyboard: True})

    def _close_keyboard(self) -> None:
        self.keyboard.set_target(None)
        self.show_where({self.keyboard: False, self.results_scroll: True})

    # --- asking --------------------------------------------------------------------------

    def on_lookup(self) -> None:
        self._close_keyboard()
        try:
            code = parse_dossier_code(typed_code(self.code_edit.text()))
        except ValueError:
            self._tell("progress.bad_code")
            return
        self.code_edit.setText(str(code))
        self._tell("progress.looking", speak=False)
        self.tasks.spawn(self._ask(code=str(code)), name="dossier look-up")

    def _cccd(self) -> str | None:
        resident_id = self.kiosk.session.resident_id
        if resident_id is None:
            return None
        resident = self.kiosk.controller.store.resident(resident_id)
        return resident.identity.cccd if resident is not None else None

    def on_mine(self) -> None:
        cccd = self._cccd()
        if cccd is None:
            self._tell("progress.need_card")
            return
        self.code_edit.clear()
        self._tell("progress.looking", speak=False)
        self.tasks.spawn(self._ask(cccd=cccd), name="dossier look-up")

    def on_scanned(self, text: str) -> None:
        if self.kiosk.current() is not self:
            return
        try:
            card = parse_cccd_qr(text)
        except CardError as exc:
            self._tell(f"card.{exc.reason}")
            return
        self.code_edit.clear()
        self._tell("progress.looking", speak=False)
        self.tasks.spawn(self._ask(cccd=card.id_number), name="dossier look-up")

    async def _ask(self, *, code: str | None = None, cccd: str | None = None) -> None:
        self.lookup.setEnabled(False)
        try:
            async with DvcClient(self.context.providers["dvc"]) as client:
                if code is not None:
                    found = [await client.dossier(parse_dossier_code(code))]
                else:
                    found = await client.dossiers_of(cccd or "")
        except ProviderUnavailable:
            self._tell("progress.unavailable")
            return
        except ProviderRejected as exc:
            self._tell("progress.not_found" if exc.status == 404 else "progress.bad_code")
            return
        finally:
            self.lookup.setEnabled(True)
        self._show(found)

    # --- showing -------------------------------------------------------------------------

    def _tell(self, key: str, *, speak: bool = True, **params: object) -> None:
        self.message.setText(self.t(key, **params))
        self.message.show()
        if speak:
            self.kiosk.say(self.message.text())

    def _clear_results(self) -> None:
        while self.results_layout.count() > 1:
            item = self.results_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()

    def _show(self, found: list[Dossier]) -> None:
        self.found = found
        self._clear_results()
        if not found:
            self._tell("progress.none")
            return
        self._tell("progress.found", speak=False, count=len(found))
        for index, dossier in enumerate(found):
            card = QFrame()
            set_role(card, "card")
            inner = QVBoxLayout(card)
            inner.setContentsMargins(20, 14, 20, 14)
            lines = describe(dossier, self.t)
            head = label("strong")
            head.setText(lines[0])
            inner.addWidget(head)
            state = label("value")
            state.setText(lines[1])
            inner.addWidget(state)
            step = label()
            step.setText(lines[2])
            inner.addWidget(step)
            history = label()
            history.setText("\n".join(lines[3:]))
            inner.addWidget(history)
            self.results_layout.insertWidget(index, card)
        first = found[0]
        self.kiosk.say(
            f"{self.message.text()} "
            f"{self.t('progress.now', state=self.t(f'progress.state.{int(first.state)}'))}. "
            f"{self.t(f'progress.next.{int(first.state)}')}"
        )

    def wipe(self) -> None:
        self._close_keyboard()
        self.found = []
        self.code_edit.clear()
        self.message.clear()
        self.message.hide()
        self._clear_results()
