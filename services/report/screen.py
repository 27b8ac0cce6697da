"""The report screen: category, description, photos, name or not, review, tracking code.

One question per page. The description is typed on the on-screen keyboard
(Telex); photos come from the cabin camera; a name is never typed: with the
resident's agreement it is read from their CCCD's QR. A failed send keeps
everything entered and says so; the same idempotency key is reused on the retry,
so the police never get the report twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import cv2
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QImage, QPixmap
from PyQt6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cabin.cccd import parse_cccd_qr
from cabin.errors import CardError, DeviceError
from cabin.ui.screen import Screen
from cabin.ui.theme import VALUE_PT
from cabin.ui.widgets import Keypad, button, label, set_role
from services.keyboard import VietKeyboard
from services.provider import ProviderRejected, ProviderUnavailable, new_idempotency_key
from services.report import strings  # noqa: F401 - the sentences
from services.report.model import (
    MAX_PHOTOS,
    Category,
    Report,
    Reporter,
    ReportInputError,
    ReportStatus,
    check_description,
    check_phone,
    normalise_tracking_code,
)
from services.report.police import PoliceDesk

if TYPE_CHECKING:
    from cabin.ui.kiosk import Kiosk
    from hardware.camera import Frame

__all__ = ["ReportScreen"]

log = logging.getLogger(__name__)

_PREVIEW = (480, 360)
_THUMB = (200, 150)
_FIELD_STYLE = f"font-size: {VALUE_PT}pt; padding: 6px; border: 3px solid #111;"
_PAGES = ("category", "describe", "photos", "who", "card", "phone", "review", "done", "lookup")


def _pixmap(frame: Frame, size: tuple[int, int]) -> QPixmap:
    rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
    height, width = rgb.shape[:2]
    data = rgb.tobytes()
    image = QImage(data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
    return QPixmap.fromImage(image).scaled(
        *size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


class ReportScreen(Screen):
    """Report a public-order problem to the ward police, and read their answer."""

    name = "report"

    def __init__(self, kiosk: Kiosk, desk: PoliceDesk, station_id: str) -> None:
        super().__init__(kiosk)
        self.desk = desk
        self.station_id = station_id
        self.category: Category | None = None
        self.photos: list[bytes] = []
        self.reporter: Reporter | None = None
        self.card_seen: Reporter | None = None
        self.phone = ""
        self.code: str | None = None
        self.status: ReportStatus | None = None
        self.problem: str | None = None
        self.sending = False
        self._key: str | None = None  # one per report: a retry is the same request
        self._preview_task: asyncio.Task[None] | None = None
        self.title = label("heading")
        self.add(self.title)
        self.problem_label = label("banner")
        self.add(self.problem_label)
        self.pages = QStackedWidget()
        self.page: dict[str, QWidget] = {}
        for name in _PAGES:
            page = QWidget()
            layout = QVBoxLayout(page)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.setSpacing(16)
            self.page[name] = page
            self.pages.addWidget(page)
        self.add(self.pages, 1)
        self._category_page()
        self._describe_page()
        self._photos_page()
        self._who_page()
        self._card_page()
        self._phone_page()
        self._review_page()
        self._done_page()
        self._lookup_page()
        bar = self.bottom_bar()
        self.lookup_button = self.action("report.lookup", "secondary", width=340)
        self.lookup_button.clicked.connect(lambda: self.show_page("lookup"))
        self.next_button = self.action("common.continue", width=300)
        self.next_button.clicked.connect(self.on_next)
        self.send_button = self.action("report.send", width=340)
        self.send_button.clicked.connect(self.on_send)
        self.skip_button = self.action("report.skip", "", width=240)
        self.skip_button.clicked.connect(self.on_skip_phone)
        self.home_button = self.action("report.home", width=340)
        self.home_button.clicked.connect(self.kiosk.end_visit)
        self.search_button = self.action("report.search", width=300)
        self.search_button.clicked.connect(self.on_lookup)
        for widget in (
            self.lookup_button,
            self.skip_button,
            self.next_button,
            self.send_button,
            self.search_button,
            self.home_button,
        ):
            bar.addWidget(widget)
        self.kiosk.scanner.scanned.connect(self.on_scanned)
        self.show_page("category", speak=False)

    # --- the pages -----------------------------------------------------------------------

    def _layout(self, name: str) -> QVBoxLayout:
        layout = self.page[name].layout()
        if not isinstance(layout, QVBoxLayout):
            raise TypeError(name)
        return layout

    def _category_page(self) -> None:
        grid = QGridLayout()
        grid.setSpacing(20)
        self.categories: dict[Category, QPushButton] = {}
        for index, category in enumerate(Category):
            choice = button("secondary", height=130)
            self.bind(choice, f"report.category.{category.value}")
            choice.clicked.connect(lambda _=False, c=category: self.on_category(c))
            self.categories[category] = choice
            grid.addWidget(choice, index // 2, index % 2)
        layout = self._layout("category")
        layout.addLayout(grid)
        layout.addStretch(1)

    def _describe_page(self) -> None:
        self.description = QPlainTextEdit()
        self.description.setStyleSheet(f"{_FIELD_STYLE} font-size: 24pt;")
        self.description.setFixedHeight(120)
        self.keyboard = VietKeyboard(self.description)
        self.keyboard.edited.connect(self._typed)
        layout = self._layout("describe")
        layout.setSpacing(8)
        layout.addWidget(self.description)
        layout.addWidget(self.keyboard)

    def _photos_page(self) -> None:
        row = QHBoxLayout()
        row.setSpacing(24)
        self.preview = QLabel()
        self.preview.setFixedSize(*_PREVIEW)
        self.preview.setStyleSheet("background: #222;")
        row.addWidget(self.preview)
        side = QVBoxLayout()
        self.photo_count = label("strong")
        side.addWidget(self.photo_count)
        thumbs = QHBoxLayout()
        self.thumbs: list[QLabel] = []
        for _ in range(MAX_PHOTOS):
            thumb = QLabel()
            thumb.setFixedSize(*_THUMB)
            thumb.setStyleSheet("background: #E8EDF2;")
            self.thumbs.append(thumb)
            thumbs.addWidget(thumb)
        side.addLayout(thumbs)
        self.take_button = self.action("report.take_photo", width=400)
        self.take_button.clicked.connect(self.on_take_photo)
        side.addWidget(self.take_button)
        self.remove_button = self.action("report.remove_photo", "", width=400)
        self.remove_button.clicked.connect(self.on_remove_photo)
        side.addWidget(self.remove_button)
        side.addStretch(1)
        row.addLayout(side, 1)
        layout = self._layout("photos")
        layout.addLayout(row)
        layout.addStretch(1)

    def _who_page(self) -> None:
        layout = self._layout("who")
        hint = label()
        self.bind(hint, "report.who_hint")
        layout.addWidget(hint)
        row = QHBoxLayout()
        row.setSpacing(40)
        self.anonymous_button = self.action("report.anonymous", "secondary", width=460, height=130)
        self.anonymous_button.clicked.connect(self.on_anonymous)
        self.named_button = self.action("report.named", width=460, height=130)
        self.named_button.clicked.connect(lambda: self.show_page("card"))
        row.addWidget(self.anonymous_button)
        row.addWidget(self.named_button)
        layout.addLayout(row)
        layout.addStretch(1)

    def _card_page(self) -> None:
        layout = self._layout("card")
        self.card_text = label("value")
        layout.addWidget(self.card_text)
        row = QHBoxLayout()
        row.setSpacing(40)
        self.agree_button = self.action("report.agree", width=420, height=120)
        self.agree_button.clicked.connect(self.on_agree)
        self.refuse_button = self.action("report.anonymous", "", width=420, height=120)
        self.refuse_button.clicked.connect(self.on_anonymous)
        row.addWidget(self.agree_button)
        row.addWidget(self.refuse_button)
        layout.addLayout(row)
        layout.addStretch(1)

    def _phone_page(self) -> None:
        layout = self._layout("phone")
        self.phone_field = QLineEdit()
        self.phone_field.setMaxLength(14)
        self.phone_field.setStyleSheet(_FIELD_STYLE)
        layout.addWidget(self.phone_field)
        self.phone_pad = Keypad()
        self.phone_pad.delete_key.setText("⌫")
        self.phone_pad.done_key.setText("OK")
        self.phone_pad.digit.connect(lambda d: self.phone_field.insert(d))
        self.phone_pad.delete.connect(self.phone_field.backspace)
        self.phone_pad.done.connect(self.on_next)
        pad_row = QHBoxLayout()
        pad_row.addWidget(self.phone_pad)
        pad_row.addStretch(1)
        layout.addLayout(pad_row)
        layout.addStretch(1)

    def _review_page(self) -> None:
        layout = self._layout("review")
        self.review_lines: list[QLabel] = []
        for _ in range(6):
            line = label()
            self.review_lines.append(line)
            layout.addWidget(line)
        layout.addStretch(1)

    def _done_page(self) -> None:
        layout = self._layout("done")
        layout.addStretch(1)
        self.code_label = label("display")
        self.code_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_label.setStyleSheet("font-size: 44pt; padding: 20px;")
        layout.addWidget(self.code_label)
        hint = label()
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.bind(hint, "report.code_hint")
        layout.addWidget(hint)
        layout.addStretch(1)

    def _lookup_page(self) -> None:
        layout = self._layout("lookup")
        row = QHBoxLayout()
        row.setSpacing(30)
        left = QVBoxLayout()
        self.code_field = QLineEdit()
        self.code_field.setMaxLength(14)
        self.code_field.setStyleSheet(_FIELD_STYLE)
        left.addWidget(self.code_field)
        self.code_pad = Keypad()
        self.code_pad.delete_key.setText("⌫")
        self.code_pad.done_key.setText("OK")
        self.code_pad.digit.connect(lambda d: self.code_field.insert(d))
        self.code_pad.delete.connect(self.code_field.backspace)
        self.code_pad.done.connect(self.on_lookup)
        left.addWidget(self.code_pad)
        row.addLayout(left)
        self.answer_label = label()
        self.answer_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.answer_label, 1)
        layout.addLayout(row)
        layout.addStretch(1)

    # --- moving between pages ------------------------------------------------------------

    @property
    def current_page(self) -> str:
        widget = self.pages.currentWidget()
        return next(name for name, page in self.page.items() if page is widget)

    def show_page(self, name: str, *, problem: str | None = None, speak: bool = True) -> None:
        self.problem = problem
        self.pages.setCurrentWidget(self.page[name])
        self.show_where(
            {
                self.lookup_button: name == "category",
                self.skip_button: name == "phone",
                self.next_button: name in ("describe", "photos", "phone"),
                self.send_button: name == "review",
                self.search_button: name == "lookup",
                self.home_button: name == "done",
                self.back_button: name != "done",
            }
        )
        self.keyboard.set_target(self.description)
        if name == "photos":
            self._start_preview()
        else:
            self._stop_preview()
        self.refresh()
        if speak:
            self.kiosk.say(self.problem_text() or self.title.text())

    def problem_text(self) -> str:
        return self.t(self.problem) if self.problem else ""

    def enter(self) -> None:
        if self.current_page == "done":
            self.show_page("category")
        else:
            self.show_page(self.current_page)

    def leave(self) -> None:
        self._stop_preview()

    def on_back(self) -> None:
        page = self.current_page
        previous = {
            "describe": "category",
            "photos": "describe",
            "who": "photos",
            "card": "who",
            "phone": "card",
            "review": "phone" if self.reporter is not None else "who",
            "lookup": "category",
        }.get(page)
        if previous is None:
            self.kiosk.go("services")
        else:
            self.show_page(previous)

    def on_category(self, category: Category) -> None:
        self.category = category
        self.show_page("describe")

    def on_next(self) -> None:
        page = self.current_page
        try:
            if page == "describe":
                check_description(self.description.toPlainText())
                self.show_page("photos")
            elif page == "photos":
                self.show_page("who")
            elif page == "phone":
                self.phone = check_phone(self.phone_field.text())
                self.show_page("review")
        except ReportInputError as exc:
            self.show_page(page, problem=f"report.error.{exc.reason}")

    def _typed(self) -> None:
        if self.problem is not None:  # the resident is correcting: the warning has done its job
            self.problem = None
            self.refresh()

    def on_skip_phone(self) -> None:
        self.phone_field.clear()
        self.phone = ""
        self.show_page("review")

    def on_anonymous(self) -> None:
        self.reporter = None
        self.card_seen = None
        self.phone = ""
        self.phone_field.clear()
        self.show_page("review")

    def on_scanned(self, text: str) -> None:
        if self.kiosk.current() is not self or self.current_page != "card":
            return
        try:
            card = parse_cccd_qr(text)
        except CardError:
            self.card_seen = None
            self.show_page("card", problem="report.error.card")
            return
        self.card_seen = Reporter(card.full_name, card.id_number)
        self.show_page("card")

    def on_agree(self) -> None:
        if self.card_seen is None:
            return
        self.reporter = self.card_seen
        self.show_page("phone")

    # --- photos --------------------------------------------------------------------------

    def _start_preview(self) -> None:
        if self.kiosk.camera is None or self._preview_task is not None:
            return
        with contextlib.suppress(RuntimeError):  # no loop yet: nothing to show
            self._preview_task = self.tasks.spawn(self._preview(), name="report preview")

    def _stop_preview(self) -> None:
        if self._preview_task is not None:
            self._preview_task.cancel()
            self._preview_task = None

    async def _preview(self) -> None:
        camera = self.kiosk.camera
        if camera is None:
            return
        try:
            while True:
                frame = await camera.camera.frame()
                if frame is not None:
                    self.preview.setPixmap(_pixmap(frame, _PREVIEW))
                await asyncio.sleep(0.15)
        except (DeviceError, OSError) as exc:
            log.warning("report camera stopped", extra={"error": type(exc).__name__})

    def on_take_photo(self) -> None:
        if self.kiosk.camera is None or len(self.photos) >= MAX_PHOTOS:
            return
        self.tasks.spawn(self._take_photo(), name="report photo")

    async def _take_photo(self) -> None:
        camera = self.kiosk.camera
        if camera is None:
            return
        try:
            frame = await camera.camera.frame()
        except (DeviceError, OSError) as exc:
            log.warning("report photo failed", extra={"error": type(exc).__name__})
            return
        if frame is None or len(self.photos) >= MAX_PHOTOS:
            return
        ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 80])
        if not ok:
            return
        self.thumbs[len(self.photos)].setPixmap(_pixmap(frame, _THUMB))
        self.photos.append(jpeg.tobytes())
        self.refresh()

    def on_remove_photo(self) -> None:
        if self.photos:
            self.photos.pop()
            self.thumbs[len(self.photos)].clear()
            self.refresh()

    # --- sending and looking up ----------------------------------------------------------

    def on_send(self) -> None:
        if self.sending or self.category is None:
            return
        try:
            report = Report(
                self.category,
                check_description(self.description.toPlainText()),
                self.station_id,
                tuple(self.photos),
                self.reporter,
                self.phone,
            )
        except ReportInputError as exc:
            self.show_page("review", problem=f"report.error.{exc.reason}")
            return
        if self._key is None:
            self._key = new_idempotency_key()
        self.sending = True
        self.send_button.setEnabled(False)
        self.send_button.setText(self.t("report.sending"))
        self.tasks.spawn(self._send(report, self._key), name="report send")

    async def _send(self, report: Report, key: str) -> None:
        try:
            self.code = await self.desk.submit(report, key)
        except ProviderUnavailable:
            self._sent(problem="report.error.unavailable")
        except ProviderRejected:
            self._sent(problem="report.error.rejected")
        else:
            self._sent(problem=None)

    def _sent(self, *, problem: str | None) -> None:
        self.sending = False
        self.send_button.setEnabled(True)
        self.send_button.setText(self.t("report.send"))
        if problem is not None:
            self.show_page("review", problem=problem)
            return
        self._forget_report()
        self.show_page("done")
        digits = " ".join((self.code or "").replace("PA-", "").replace("-", ""))
        self.kiosk.say(self.t("report.code_say", digits=digits))

    def on_lookup(self) -> None:
        try:
            code = normalise_tracking_code(self.code_field.text())
        except ReportInputError as exc:
            self.show_page("lookup", problem=f"report.error.{exc.reason}")
            return
        self.search_button.setEnabled(False)
        self.tasks.spawn(self._lookup(code), name="report lookup")

    async def _lookup(self, code: str) -> None:
        problem: str | None = None
        try:
            self.status = await self.desk.lookup(code)
        except ProviderUnavailable:
            problem = "report.error.lookup_unavailable"
        except ProviderRejected as exc:
            problem = "report.error.not_found" if exc.code == "not_found" else "report.error.code"
        self.search_button.setEnabled(True)
        if problem is not None:
            self.status = None
        self.show_page("lookup", problem=problem)
        if self.status is not None:
            self.kiosk.say(self.answer_label.text())

    # --- texts ---------------------------------------------------------------------------

    def refresh(self) -> None:
        page = self.current_page
        self.title.setText(self.t(f"report.title.{page}"))
        self.show_where(
            {self.problem_label: self.problem is not None, self.title: self.problem is None}
        )
        self.problem_label.setText(self.problem_text())
        for category, choice in self.categories.items():
            set_role(choice, "selected" if category is self.category else "secondary")
        if self.kiosk.camera is None:
            self.photo_count.setText(self.t("report.no_camera"))
        else:
            self.photo_count.setText(self.t("report.photo_count", count=len(self.photos)))
        self.take_button.setEnabled(self.kiosk.camera is not None and len(self.photos) < MAX_PHOTOS)
        self.remove_button.setEnabled(bool(self.photos))
        seen = self.card_seen
        if seen is None:
            self.card_text.setText(self.t("report.card_hint"))
            set_role(self.card_text, "")
        else:
            masked = "•" * 8 + seen.id_number[-4:]
            self.card_text.setText(self.t("report.card_read", name=seen.name, number=masked))
        self.show_where({self.agree_button: seen is not None, self.refuse_button: True})
        self._review_texts()
        self.code_label.setText(self.t("report.code", code=self.code) if self.code else "")
        status = self.status
        if status is None:
            self.answer_label.setText(self.t("report.lookup_hint"))
        else:
            lines = [
                status.code,
                self.t(f"report.category.{status.category.value}"),
                self.t(f"report.status.{status.status}")
                if status.status in ("received", "in_progress", "resolved")
                else status.status,
            ]
            if status.answer:
                lines.append(self.t("report.answer", answer=status.answer))
            self.answer_label.setText("\n".join(lines))

    def _review_texts(self) -> None:
        texts = []
        if self.category is not None:
            category = self.t(f"report.category.{self.category.value}")
            texts.append(self.t("report.review.category", category=category))
        text = " ".join(self.description.toPlainText().split())
        if text:
            short = text if len(text) <= 160 else text[:159] + "…"
            texts.append(self.t("report.review.text", text=short))
        texts.append(self.t("report.review.photos", count=len(self.photos)))
        texts.append(self.t("report.review.where", station=self.kiosk.settings.station_name))
        if self.reporter is None:
            texts.append(self.t("report.review.anonymous"))
        else:
            texts.append(self.t("report.review.named", name=self.reporter.name))
            if self.phone:
                texts.append(self.t("report.review.phone", phone=self.phone))
        for line, text in zip(self.review_lines, [*texts, "", "", "", ""], strict=False):
            line.setText(text)
            line.setVisible(bool(text))

    def retranslate(self) -> None:
        super().retranslate()
        self.keyboard.retranslate(self.lang)

    def _forget_report(self) -> None:
        self.category = None
        self.description.clear()
        self.photos.clear()
        for thumb in self.thumbs:
            thumb.clear()
        self.reporter = None
        self.card_seen = None
        self.phone = ""
        self.phone_field.clear()
        self._key = None

    def wipe(self) -> None:
        self._stop_preview()
        self._forget_report()
        self.code = None
        self.status = None
        self.code_field.clear()
        self.preview.clear()
        self.show_page("category", speak=False)
