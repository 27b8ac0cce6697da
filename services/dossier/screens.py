"""The dossier screen: choose, check the form, photograph, sign, pay, get the code.

One :class:`~cabin.ui.screen.Screen` with a page per step, so the resident's answers
stay while they move back and forth, and nothing is lost when the portal does not
answer: the same idempotency key is sent again and the portal files it once.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cabin.cccd import parse_cccd_qr
from cabin.errors import CardError, DeviceUnavailable, PaymentError
from cabin.receipt import qr_image, receipt_bytes, render_receipt, send_to_printer
from cabin.store.models import Identity
from cabin.ui.screen import Screen
from cabin.ui.theme import HEADING_PT
from cabin.ui.widgets import button, label, pil_to_pixmap, set_role
from services.docscan import DocumentError, SimulatedPageCamera, capture_page, pdf_bytes
from services.docscan import synthetic_page as _synthetic_page
from services.dossier.client import DvcClient, Submitted
from services.dossier.fees import FeePayer, PendingFee, fee_payer
from services.dossier.procedures import (
    PROCEDURES,
    Applicant,
    Category,
    Fee,
    FieldKind,
    Procedure,
    fee_for,
    parse_date,
    prefill,
    validate,
)
from services.dossier.widgets import FieldKeyboard, SignaturePad, frame_pixmap
from services.provider import ProviderRejected, ProviderUnavailable, new_idempotency_key
from services.registry import ServiceContext

if TYPE_CHECKING:
    from cabin.ui.kiosk import Kiosk
    from hardware.camera import Camera

__all__ = ["DossierScreen"]

log = logging.getLogger(__name__)

_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
_PREVIEW = (480, 360)
_PAGE_VIEW = (240, 340)


def _money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


class DossierScreen(Screen):
    """File a dossier (see the module doc)."""

    name = "dossier"

    def __init__(self, kiosk: Kiosk, context: ServiceContext) -> None:
        super().__init__(kiosk)
        self.context = context
        self.procedure: Procedure | None = None
        self.card: Identity | None = None
        self.inputs: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        self.categories: dict[Category, QPushButton] = {}
        self.pages_taken: list[NDArray[np.uint8]] = []
        self.submitted: Submitted | None = None
        self.fee: Fee | None = None
        self.idempotency_key = new_idempotency_key()
        self._latest: NDArray[np.uint8] | None = None
        self._preview_task: asyncio.Task[None] | None = None
        camera = context.extra.get("document_camera")
        if camera is None:  # the simulated station: a sample lease lies on the shelf
            camera = SimulatedPageCamera()
            camera.lay(_synthetic_page(["HOP DONG THUE NHA", "Ben cho thue: ...", "Ben thue: ..."]))
        self.camera: Camera = camera
        self.payer: FeePayer | None = fee_payer(context)
        self.pending_fee: PendingFee | None = None

        self.title = label("heading")
        self.add(self.title)
        self.banner = label("banner")
        self.banner.hide()
        self.add(self.banner)
        self.stack = QStackedWidget()
        self.add(self.stack, 1)
        self.choose_page = self._choose_page()
        self.form_page = QWidget()
        self.form_layout = QVBoxLayout(self.form_page)
        self.form_layout.setContentsMargins(0, 0, 0, 0)
        self.keyboard = FieldKeyboard()
        self.form_scroll: QScrollArea | None = None
        self.keyboard.touched.connect(self._open_keyboard)
        self.editing: str | None = None
        self.edit_panel = QWidget()
        panel = QVBoxLayout(self.edit_panel)
        panel.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.edit_label = label("strong")
        top.addWidget(self.edit_label, 1)
        self.keyboard_done = self.action("dossier.keyboard_done", "", width=200)
        self.keyboard_done.clicked.connect(self._close_keyboard)
        top.addWidget(self.keyboard_done)
        panel.addLayout(top)
        self.editor = QLineEdit()
        self.editor.setMinimumHeight(64)
        self.editor.setStyleSheet(
            "border: 3px solid #0B4F9C; border-radius: 8px; padding: 4px 10px;"
        )
        self.editor.textChanged.connect(self._edited)
        panel.addWidget(self.editor)
        self.edit_panel.hide()
        self.scan_page = self._scan_page()
        self.confirm_page = self._confirm_page()
        self.fee_page = self._fee_page()
        self.done_page = self._done_page()
        for page in (
            self.choose_page,
            self.form_page,
            self.scan_page,
            self.confirm_page,
            self.fee_page,
            self.done_page,
        ):
            self.stack.addWidget(page)
        bar = self.bottom_bar()
        self.next_button = self.action("dossier.next")
        self.next_button.clicked.connect(self.on_next)
        bar.addWidget(self.next_button)
        self.finish = self.action("dossier.finish")
        self.finish.clicked.connect(self.on_finish)
        bar.addWidget(self.finish)
        kiosk.scanner.scanned.connect(self.on_scanned)
        self._show(self.choose_page)

    # --- pages ---------------------------------------------------------------------------

    def _choose_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(20)
        self.card_hint = label()
        self.bind(self.card_hint, "dossier.need_card")
        layout.addWidget(self.card_hint)
        self.choices: dict[str, QPushButton] = {}
        for key, procedure in PROCEDURES.items():
            choice = button("secondary", height=120)
            self.bind(choice, procedure.title)
            choice.clicked.connect(lambda _=False, key=key: self.choose(key))
            self.choices[key] = choice
            layout.addWidget(choice)
        layout.addStretch(1)
        return page

    def _build_form(self, procedure: Procedure, values: dict[str, str]) -> None:
        self.keyboard.detach_all()
        while self.form_layout.count():
            item = self.form_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None and widget not in (self.keyboard, self.edit_panel):
                widget.deleteLater()
        self.inputs.clear()
        self.errors.clear()
        self.categories.clear()
        inner = QWidget()
        grid = QGridLayout(inner)
        grid.setContentsMargins(0, 0, 16, 0)
        grid.setHorizontalSpacing(20)
        grid.setVerticalSpacing(6)
        row = 0
        for spec in procedure.fields:
            name = label("strong")
            name.setText(self.t(spec.label))
            name.setMinimumWidth(400)
            grid.addWidget(name, row, 0)
            edit = QLineEdit(values.get(spec.key, ""))
            edit.setMinimumHeight(64)
            edit.setStyleSheet("border: 3px solid #111111; border-radius: 8px; padding: 4px 10px;")
            if spec.kind in (FieldKind.NUMBER, FieldKind.PHONE, FieldKind.CCCD):
                edit.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
            grid.addWidget(edit, row, 1)
            self.keyboard.attach(edit)
            error = label()
            error.setStyleSheet("color: #B3261E; font-weight: bold;")
            error.hide()
            grid.addWidget(error, row + 1, 1)
            edit.textEdited.connect(lambda _text, e=error: (e.clear(), e.hide()))
            self.inputs[spec.key] = edit
            self.errors[spec.key] = error
            row += 2
        if procedure.categories:
            heading = label("strong")
            heading.setText(self.t("dossier.category"))
            grid.addWidget(heading, row, 0, 1, 2)
            row += 1
            toggles = QGridLayout()
            for index, category in enumerate(procedure.categories):
                toggle = button(height=92)
                toggle.setCheckable(True)
                toggle.setText(self.t(f"dossier.cat.{category.value}"))
                toggle.toggled.connect(lambda on, t=toggle: set_role(t, "selected" if on else ""))
                self.categories[category] = toggle
                toggles.addWidget(toggle, index // 2, index % 2)
            grid.addLayout(toggles, row, 0, 1, 2)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        self.form_scroll = scroll
        self.form_layout.addWidget(scroll, 1)
        self.form_layout.addWidget(self.edit_panel)
        self.form_layout.addWidget(self.keyboard)

    def _scan_page(self) -> QWidget:
        page = QWidget()
        layout = QHBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(24)
        left = QVBoxLayout()
        self.preview = QLabel()
        self.preview.setFixedSize(*_PREVIEW)
        self.preview.setStyleSheet("background: #222222; border-radius: 10px;")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        left.addWidget(self.preview)
        left.addStretch(1)
        layout.addLayout(left)
        middle = QVBoxLayout()
        self.document_name = label("strong")
        middle.addWidget(self.document_name)
        self.scan_status = label()
        middle.addWidget(self.scan_status)
        middle.addStretch(1)
        self.shoot = self.action("dossier.shoot", width=300, height=110)
        self.shoot.clicked.connect(self.on_shoot)
        self.retake = self.action("dossier.retake", "", width=300)
        self.retake.clicked.connect(self.on_retake)
        middle.addWidget(self.shoot)
        middle.addWidget(self.retake)
        layout.addLayout(middle, 1)
        self.page_view = QLabel()
        self.page_view.setFixedSize(*_PAGE_VIEW)
        self.page_view.setStyleSheet("border: 3px solid #111111;")
        self.page_view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.page_view, 0, Qt.AlignmentFlag.AlignTop)
        return page

    def _confirm_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = label()
        layout.addWidget(self.summary)
        declaration = label("strong")
        self.bind(declaration, "dossier.confirm_text")
        layout.addWidget(declaration)
        self.pad = SignaturePad()
        self.pad.changed.connect(self._pad_changed)
        layout.addWidget(self.pad, 1)
        row = QHBoxLayout()
        self.clear_pad = self.action("dossier.clear_signature", "", width=260)
        self.clear_pad.clicked.connect(self.pad.clear)
        row.addWidget(self.clear_pad)
        row.addStretch(1)
        self.confirm = button("primary", height=110, style=f"font-size: {HEADING_PT}pt;")
        self.confirm.setMinimumWidth(460)
        self.bind(self.confirm, "dossier.confirm")
        self.confirm.clicked.connect(self.on_confirm)
        row.addWidget(self.confirm)
        layout.addLayout(row)
        return page

    def _fee_page(self) -> QWidget:
        page = QWidget()
        layout = QHBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.fee_qr = QLabel()
        self.fee_qr.setFixedSize(380, 380)
        self.fee_qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.fee_qr)
        right = QVBoxLayout()
        self.fee_text = label("value")
        right.addWidget(self.fee_text)
        self.fee_basis = label()
        right.addWidget(self.fee_basis)
        self.fee_state = label()
        right.addWidget(self.fee_state)
        right.addStretch(1)
        layout.addLayout(right, 1)
        return page

    def _done_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.done_text = label()
        layout.addWidget(self.done_text)
        self.code_label = label("display", wrap=False)
        self.code_label.setTextFormat(Qt.TextFormat.PlainText)
        self.code_label.setStyleSheet("font-size: 44pt; padding: 16px 24px;")
        self.code_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.code_label)
        self.print_state = label()
        layout.addWidget(self.print_state)
        layout.addStretch(1)
        row = QHBoxLayout()
        self.print_button = self.action("dossier.print", "", width=360)
        self.print_button.clicked.connect(self.on_print)
        row.addWidget(self.print_button)
        row.addStretch(1)
        layout.addLayout(row)
        return page

    # --- navigation ----------------------------------------------------------------------

    def _show(self, page: QWidget) -> None:
        self.stack.setCurrentWidget(page)
        self._problem(None)
        if page is not self.form_page and self.editing is not None:
            self._close_keyboard()
        if page is self.scan_page:
            self._start_preview()
        else:
            self._stop_preview()
        self.refresh()
        self.kiosk.say(self.instruction())

    def instruction(self) -> str:
        page = self.stack.currentWidget()
        if page is self.choose_page:
            hint = "" if self.identity() is not None else " " + self.t("dossier.need_card")
            return self.t("dossier.choose") + hint
        if page is self.form_page:
            return self.t("dossier.form_say")
        if page is self.scan_page:
            return self.t("dossier.scan_say", document=self.document_name.text())
        if page is self.confirm_page:
            return self.t("dossier.confirm_say")
        if page is self.fee_page:
            return self.fee_text.text() + " " + self.fee_basis.text()
        return self.done_text.text()

    def refresh(self) -> None:
        page = self.stack.currentWidget()
        titles = {
            self.choose_page: "dossier.title",
            self.form_page: "dossier.form_title",
            self.scan_page: "dossier.scan_title",
            self.confirm_page: "dossier.confirm_title",
            self.fee_page: "dossier.fee_title",
            self.done_page: "dossier.done_title",
        }
        if page is self.form_page and self.procedure is not None:
            self.title.setText(self.t(self.procedure.title))
        else:
            self.title.setText(
                self.t(titles.get(page, "dossier.title") if page else "dossier.title")
            )
        self.card_hint.setVisible(self.identity() is None)
        if self.procedure is not None and self.procedure.documents:
            self.document_name.setText(self.t(self.procedure.documents[0]))
        self.show_where(
            {
                self.next_button: page in (self.form_page, self.scan_page, self.fee_page),
                self.finish: page is self.done_page,
                self.back_button: page is not self.done_page,
            }
        )
        if page is self.scan_page:
            self.next_button.setEnabled(bool(self.pages_taken))
            self.retake.setEnabled(bool(self.pages_taken))
        else:
            self.next_button.setEnabled(True)
        if page is self.done_page and self.submitted is not None:
            code = str(self.submitted.code)
            self.code_label.setText(code)
            self.done_text.setText(self.t("dossier.done_say", code=code))
            self.print_button.setVisible(self.kiosk.settings.printer is not None)
        self.confirm.setEnabled(True)

    def enter(self) -> None:
        self._show(self.stack.currentWidget() or self.choose_page)

    def leave(self) -> None:
        self._stop_preview()

    def on_back(self) -> None:
        page = self.stack.currentWidget()
        if page in (self.choose_page, self.done_page, self.fee_page):
            if page is not self.choose_page:
                self.wipe()
            self.kiosk.go("services")
        elif page is self.form_page:
            self._show(self.choose_page)
        elif page is self.scan_page:
            self._show(self.form_page)
        elif page is self.confirm_page:
            docs = self.procedure is not None and bool(self.procedure.documents)
            self._show(self.scan_page if docs else self.form_page)

    def on_finish(self) -> None:
        self.wipe()
        self.kiosk.go("services")

    def on_next(self) -> None:
        page = self.stack.currentWidget()
        if page is self.form_page:
            self._close_keyboard()
            if self._check_form():
                docs = self.procedure is not None and bool(self.procedure.documents)
                self._show(self.scan_page if docs else self.confirm_page)
        elif page is self.scan_page and self.pages_taken:
            self._show(self.confirm_page)
        elif page is self.fee_page:
            self._show(self.done_page)

    # --- identity and form ---------------------------------------------------------------

    def identity(self) -> Identity | None:
        """Who files: the card read on this screen, or the visit's identified resident."""
        if self.card is not None:
            return self.card
        resident_id = self.kiosk.session.resident_id
        if resident_id is None:
            return None
        resident = self.kiosk.controller.store.resident(resident_id)
        return resident.identity if resident is not None else None

    def on_scanned(self, text: str) -> None:
        if self.kiosk.current() is not self or self.stack.currentWidget() is not self.choose_page:
            return
        try:
            self.card = parse_cccd_qr(text).to_identity()
        except CardError as exc:
            self._problem(f"card.{exc.reason}")
            return
        self._show(self.choose_page)

    def choose(self, key: str) -> None:
        self.procedure = PROCEDURES[key]
        self.pages_taken.clear()
        self.page_view.clear()
        self.pad.clear()
        self.idempotency_key = new_idempotency_key()
        self._build_form(self.procedure, prefill(self.procedure, self.identity()))
        self._show(self.form_page)

    def values(self) -> dict[str, str]:
        return {key: edit.text().strip() for key, edit in self.inputs.items()}

    def _check_form(self) -> bool:
        if self.procedure is None:
            return False
        problems = validate(self.procedure, self.values(), today=datetime.now(_ZONE).date())
        specs = {spec.key: spec for spec in self.procedure.fields}
        for key, error in self.errors.items():
            if key in problems:
                spec = specs[key]
                error.setText(self.t(problems[key], low=spec.low, high=spec.high))
                error.show()
            else:
                error.clear()
                error.hide()
        if problems:
            self._problem("dossier.fix")
            first = next(iter(problems))
            self.kiosk.say(f"{self.t(specs[first].label)}: {self.errors[first].text()}")
        return not problems

    def _problem(self, key: str | None, **params: object) -> None:
        if key is None:
            self.banner.clear()
            self.banner.hide()
        else:
            self.banner.setText(self.t(key, **params))
            self.banner.show()

    def _open_keyboard(self, edit: QLineEdit) -> None:
        """Type one field on the on-screen keyboard: that field alone above the keys."""
        key = next((k for k, e in self.inputs.items() if e is edit), None)
        if key is None or self.procedure is None:
            return
        self.editing = key
        spec = next(f for f in self.procedure.fields if f.key == key)
        self.edit_label.setText(self.t(spec.label))
        self.editor.setText(edit.text())
        self.keyboard.set_target(self.editor)
        self._problem(None)
        self.show_where(
            {self.form_scroll or self.edit_panel: False, self.edit_panel: True, self.keyboard: True}
        )
        self.editor.setFocus()
        self.kiosk.say(self.edit_label.text())

    def _edited(self, text: str) -> None:
        if self.editing is not None and self.editing in self.inputs:
            self.inputs[self.editing].setText(text)
            self.errors[self.editing].clear()
            self.errors[self.editing].hide()

    def _close_keyboard(self) -> None:
        self.editing = None
        self.keyboard.set_target(None)
        shown: dict[QWidget, bool] = {self.edit_panel: False, self.keyboard: False}
        if self.form_scroll is not None:
            shown[self.form_scroll] = True
        self.show_where(shown)

    # --- the camera ----------------------------------------------------------------------

    def _start_preview(self) -> None:
        if self._preview_task is None:
            try:
                self._preview_task = self.tasks.spawn(self._preview(), name="document camera")
            except RuntimeError:
                return  # no loop yet

    def _stop_preview(self) -> None:
        if self._preview_task is not None:
            self._preview_task.cancel()
            self._preview_task = None

    async def _preview(self) -> None:
        try:
            while True:
                frame = await self.camera.frame()
                if frame is None:
                    await asyncio.sleep(0.05)
                    continue
                self._latest = frame
                self.preview.setPixmap(frame_pixmap(frame, *_PREVIEW))
        except (DeviceUnavailable, OSError) as exc:
            log.warning("document camera stopped", extra={"error": type(exc).__name__})

    def on_shoot(self) -> None:
        self.tasks.spawn(self._shoot(), name="capture page")

    async def _shoot(self) -> None:
        frame = self._latest
        if frame is None:
            frame = await self.camera.frame()
        if frame is None:
            return
        self.shoot.setEnabled(False)
        try:
            page = await asyncio.to_thread(capture_page, frame)
        except DocumentError:
            self._problem("dossier.no_page")
            self.kiosk.say(self.t("dossier.no_page"))
            return
        finally:
            self.shoot.setEnabled(True)
        self._problem(None)
        self.pages_taken.append(page)
        self.page_view.setPixmap(frame_pixmap(page, *_PAGE_VIEW))
        self.scan_status.setText(self.t("dossier.page_ok", count=len(self.pages_taken)))
        self.refresh()
        self.kiosk.say(self.scan_status.text())

    def on_retake(self) -> None:
        if self.pages_taken:
            self.pages_taken.pop()
        if self.pages_taken:
            self.page_view.setPixmap(frame_pixmap(self.pages_taken[-1], *_PAGE_VIEW))
            self.scan_status.setText(self.t("dossier.page_ok", count=len(self.pages_taken)))
        else:
            self.page_view.clear()
            self.scan_status.clear()
        self.refresh()

    # --- confirm, submit, pay ------------------------------------------------------------

    def _pad_changed(self) -> None:
        if self.pad.has_signature:
            self._problem(None)

    def _fee(self, procedure: Procedure) -> Fee:
        values = self.values()
        birth = parse_date(values.get("birth_date", ""))
        identity = self.identity()
        if birth is None:
            birth = identity.birth_date if identity is not None else date(1970, 1, 1)
        chosen = frozenset(c for c, toggle in self.categories.items() if toggle.isChecked())
        copies = int(values["copies"]) if values.get("copies", "").isdigit() else 1
        today = datetime.now(_ZONE).date()
        return fee_for(procedure.key, Applicant(birth, chosen), copies=copies, on=today)

    def on_confirm(self) -> None:
        if not self.pad.has_signature:
            self._problem("dossier.sign_first")
            self.kiosk.say(self.t("dossier.sign_first"))
            return
        self.confirm.setEnabled(False)
        self._problem("dossier.sending")
        self.tasks.spawn(self._submit(), name="submit dossier")

    async def _submit(self) -> None:
        procedure = self.procedure
        if procedure is None:
            return
        values = self.values()
        fee = self._fee(procedure)
        documents = []
        if self.pages_taken:
            pdf = await asyncio.to_thread(pdf_bytes, list(self.pages_taken))
            documents.append(
                {
                    "kind": procedure.documents[0].rsplit(".", 1)[-1],
                    "pages": len(self.pages_taken),
                    "sha256": hashlib.sha256(pdf).hexdigest(),
                    "pdf_base64": base64.b64encode(pdf).decode("ascii"),
                }
            )
        signature = self.pad.png()
        fields = {**values, "signature_sha256": hashlib.sha256(signature).hexdigest()}
        try:
            async with DvcClient(self.context.providers["dvc"]) as client:
                sent = await client.submit(
                    procedure.key,
                    values["cccd"],
                    fields,
                    documents,
                    fee.amount_vnd,
                    idempotency_key=self.idempotency_key,
                )
        except ProviderUnavailable:
            self.confirm.setEnabled(True)
            self._problem("dossier.unavailable")
            self.kiosk.say(self.t("dossier.unavailable"))
            return
        except ProviderRejected:
            self.confirm.setEnabled(True)
            self._problem("dossier.rejected")
            self.kiosk.say(self.t("dossier.rejected"))
            return
        log.info("dossier filed", extra={"kind": procedure.key})
        self.submitted = sent
        self.fee = fee
        self.idempotency_key = new_idempotency_key()
        if fee.amount_vnd > 0:
            self._start_fee(sent, fee)
        else:
            self._show(self.done_page)

    def _start_fee(self, sent: Submitted, fee: Fee) -> None:
        amount = _money(fee.amount_vnd)
        self.fee_basis.setText(self.t(fee.basis))
        self.fee_qr.clear()
        self.fee_state.clear()
        if self.payer is None:
            self.fee_text.setText(self.t("dossier.fee_later", amount=amount))
            self._show(self.fee_page)
            return
        self.fee_text.setText(self.t("dossier.fee_say", amount=amount))
        self.fee_state.setText(self.t("dossier.fee_waiting"))
        self._show(self.fee_page)
        self.next_button.setEnabled(False)
        self.tasks.spawn(self._pay(sent, fee), name="dossier fee")

    async def _pay(self, sent: Submitted, fee: Fee) -> None:
        if self.payer is None:
            return
        try:
            pending = await self.payer.start(
                purpose_code=f"fee.{self.procedure.key if self.procedure else 'dossier'}",
                description=f"Le phi ho so {sent.code}",
                amount_vnd=fee.amount_vnd,
                reference=str(sent.code),
            )
            self.pending_fee = pending
            self.fee_qr.setPixmap(pil_to_pixmap(qr_image(pending.qr_payload, 360), 370))
            reference = await pending.wait_paid()
            async with DvcClient(self.context.providers["dvc"]) as client:
                await client.paid(sent.code, reference, fee.amount_vnd)
        except (PaymentError, ProviderUnavailable, ProviderRejected):
            self.fee_state.setText(self.t("dossier.fee_failed"))
            self.next_button.setEnabled(True)
            self.kiosk.say(self.fee_state.text())
            return
        self._show(self.done_page)

    def on_print(self) -> None:
        self.tasks.spawn(self._print(), name="print dossier code")

    async def _print(self) -> None:
        printer = self.kiosk.settings.printer
        if printer is None or self.submitted is None or self.procedure is None:
            return
        code = str(self.submitted.code)
        image = render_receipt(
            self.t("dossier.done_title").upper(),
            self.kiosk.settings.station_name,
            datetime.now(UTC),
            [],
            footer=f"{self.t(self.procedure.title)}\n{code}",
            qr_payload=code,
        )
        try:
            await asyncio.to_thread(send_to_printer, receipt_bytes(image), printer)
        except DeviceUnavailable:
            self.print_state.setText(self.t("dossier.no_printer"))
        else:
            self.print_state.setText(self.t("dossier.printed"))
        self.kiosk.say(self.print_state.text())

    # --- privacy -------------------------------------------------------------------------

    def wipe(self) -> None:
        self._stop_preview()
        self._close_keyboard()
        self.keyboard.detach_all()
        self.editor.clear()
        self.card = None
        self.procedure = None
        self.submitted = None
        self.fee = None
        self.pages_taken.clear()
        self._latest = None
        for edit in self.inputs.values():
            edit.clear()
        self.inputs.clear()
        self.errors.clear()
        self.preview.clear()
        self.page_view.clear()
        self.scan_status.clear()
        self.pad.clear()
        self.code_label.clear()
        self.done_text.clear()
        self.print_state.clear()
        self.fee_qr.clear()
        self.fee_text.clear()
        self.pending_fee = None
        self.idempotency_key = new_idempotency_key()
        self.stack.setCurrentWidget(self.choose_page)
        self._problem(None)
