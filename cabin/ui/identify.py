"""Who is here: the CCCD's QR from the scanner, or its 12 digits on a big keypad.

A scanned card that is new to the station becomes a resident (the QR carries
the name and birth date the store needs). A typed number can only find a
resident already known: the number alone does not say the name. Either way
the resident sees the name recognised, and the last visit's values, before
going on. Nothing here repeats the card's data in a log.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import cv2
from PyQt6.QtCore import QObject, Qt, pyqtSignal
from PyQt6.QtGui import QImage, QPixmap
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from cabin.cccd import check_id_number, parse_cccd_qr
from cabin.errors import CardError
from cabin.i18n import local_date, measurement_text
from cabin.store import Resident
from cabin.trend import last_visit
from cabin.ui.screen import Screen
from cabin.ui.widgets import Keypad, label
from hardware.camera import Frame

if TYPE_CHECKING:
    from cabin.ui.kiosk import Kiosk

__all__ = ["CardScanner", "IdentifyScreen"]

_DIGITS = 12
_PREVIEW = (304, 228)  # px: big enough to aim a card by, small beside the keypad


class CardScanner(QObject):
    """The QR reader under the screen: whatever it decodes arrives as ``scanned(text)``.

    A USB reader that types like a keyboard, a serial one, or a test calls
    :meth:`feed` with the decoded text.
    """

    scanned = pyqtSignal(str)

    def feed(self, text: str) -> None:
        self.scanned.emit(text)


class IdentifyScreen(Screen):
    name = "identify"

    def __init__(self, kiosk: Kiosk) -> None:
        super().__init__(kiosk)
        self.problem_key: str | None = None
        self.heading("identify.title")
        self.pages = QStackedWidget()
        self.entry = self._entry_page()
        self.found = self._found_page()
        self.pages.addWidget(self.entry)
        self.pages.addWidget(self.found)
        self.add(self.pages, 1)
        bar = self.bottom_bar()
        self.go_on = self.action("common.continue")
        self.go_on.clicked.connect(self.on_continue)
        bar.addWidget(self.go_on)
        self.digits = ""
        self.resident: Resident | None = None
        self.first_visit = False
        self._watch: asyncio.Task[None] | None = None
        kiosk.scanner.scanned.connect(self.on_scanned)
        self._show_problem(None)
        self._show_entry()

    def _entry_page(self) -> QWidget:
        page = QWidget()
        row = QHBoxLayout(page)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(48)
        scan = QVBoxLayout()
        scan.setSpacing(18)
        scan_title = label("strong")
        self.bind(scan_title, "identify.scan")
        scan.addWidget(scan_title)
        # A problem takes the hint's place: the column keeps its height on the panel.
        self.scan_hint = label()
        has_camera = self.kiosk.camera is not None
        self.bind(
            self.scan_hint, "identify.scan_hint_camera" if has_camera else "identify.scan_hint"
        )
        scan.addWidget(self.scan_hint)
        self.problem = label("alarm")
        scan.addWidget(self.problem)
        self.preview = QLabel()
        self.preview.setObjectName("preview")
        self.preview.setFixedSize(*_PREVIEW)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("QLabel#preview { background: #202020; }")
        self.preview.setVisible(has_camera)
        scan.addWidget(self.preview)
        scan.addStretch(1)
        self.anonymous = self.action("identify.anonymous", "secondary", height=100)
        self.anonymous.clicked.connect(self.on_anonymous)
        scan.addWidget(self.anonymous)
        row.addLayout(scan, 1)
        typed = QVBoxLayout()
        typed.setSpacing(12)
        type_label = label(wrap=False)
        self.bind(type_label, "identify.type")
        typed.addWidget(type_label)
        self.display = label("display", wrap=False)
        self.display.setMinimumHeight(70)
        typed.addWidget(self.display)
        self.keypad = Keypad()
        self.bind(self.keypad.delete_key, "identify.delete")
        self.bind(self.keypad.done_key, "identify.ok")
        self.keypad.digit.connect(self.on_digit)
        self.keypad.delete.connect(self.on_delete)
        self.keypad.done.connect(self.on_typed)
        typed.addWidget(self.keypad)
        row.addLayout(typed)
        return page

    def _found_page(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(16)
        self.welcome = label("heading")
        column.addWidget(self.welcome)
        self.history = label()
        column.addWidget(self.history)
        column.addStretch(1)
        return page

    # --- showing -------------------------------------------------------------------------

    def enter(self) -> None:
        if self.resident is not None:  # back from consent: still recognised
            self._show_resident(self.resident)
            return
        self._show_entry()
        self.kiosk.say(self.t("identify.say"))

    def leave(self) -> None:
        self._stop_camera()

    def _show_entry(self) -> None:
        self.pages.setCurrentWidget(self.entry)
        self.go_on.hide()
        self._show_digits()
        if self.kiosk.current() is self:
            self._start_camera()

    # --- the camera ----------------------------------------------------------------------

    def _start_camera(self) -> None:
        camera = self.kiosk.camera
        if camera is None or self._watch is not None:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # building the screens, before the loop runs
        self._watch = self.tasks.spawn(
            camera.watch(self._show_frame, self.kiosk.scanner.feed), name="card camera"
        )

    def _stop_camera(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        self.preview.clear()

    def _show_frame(self, frame: Frame) -> None:
        # Mirrored, as a resident expects to see themself; the decoder reads the real frame.
        rgb = cv2.cvtColor(cv2.flip(frame, 1), cv2.COLOR_BGR2RGB)
        height, width = rgb.shape[:2]
        data = rgb.tobytes()
        image = QImage(data, width, height, 3 * width, QImage.Format.Format_RGB888)
        self.preview.setPixmap(
            QPixmap.fromImage(image).scaled(
                *_PREVIEW,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    def _show_digits(self) -> None:
        padded = self.digits.ljust(_DIGITS, "_")
        self.display.setText(" ".join(padded[i : i + 3] for i in range(0, _DIGITS, 3)))
        self.keypad.done_key.setEnabled(len(self.digits) == _DIGITS)

    def _show_problem(self, key: str | None) -> None:
        self.problem_key = key
        self.problem.setVisible(key is not None)
        self.scan_hint.setVisible(key is None)
        self.problem.setText(self.t(key) if key else "")
        if key:
            self.kiosk.say(self.t(key))

    def refresh(self) -> None:
        key = self.problem_key
        self.problem.setText(self.t(key) if key else "")
        if self.resident is not None:
            self._show_resident(self.resident)

    def _show_resident(self, resident: Resident) -> None:
        self.resident = resident
        self.welcome.setText(self.t("identify.welcome", name=resident.identity.full_name))
        self.history.setText(self._history(resident))
        self._stop_camera()
        self.pages.setCurrentWidget(self.found)
        self.go_on.show()

    def _history(self, resident: Resident) -> str:
        if self.first_visit:
            return self.t("identify.first_visit")
        current = self.kiosk.controller.visit
        last = last_visit(
            self.kiosk.controller.store,
            resident.id,
            before=current.visit_id if current is not None else None,
        )
        if last is None:
            return self.t("identify.first_visit")
        visit, measurements = last
        lines = [self.t("identify.last_visit", date=local_date(visit.started_at))]
        for m in measurements:
            name, value = measurement_text(m.kind, m.values, m.unit, self.lang)
            lines.append(f"•  {name}: {value}")
        return "\n".join(lines) if len(lines) > 1 else self.t("identify.no_values")

    # --- the resident's actions -----------------------------------------------------------

    def on_digit(self, digit: str) -> None:
        if len(self.digits) < _DIGITS:
            self.digits += digit
        self._show_problem(None)
        self._show_digits()

    def on_delete(self) -> None:
        self.digits = self.digits[:-1]
        self._show_problem(None)
        self._show_digits()

    def on_typed(self) -> None:
        try:
            check_id_number(self.digits)
        except CardError as exc:
            self._show_problem(f"card.{exc.reason}")
            return
        resident = self.kiosk.controller.store.find_resident_by_cccd(self.digits)
        if resident is None:
            self._show_problem("identify.not_found")
            return
        self.first_visit = False
        self._recognised(resident)

    def on_scanned(self, text: str) -> None:
        if self.kiosk.current() is not self or self.pages.currentWidget() is not self.entry:
            return  # a card waved at another screen means nothing yet
        try:
            card = parse_cccd_qr(text)
        except CardError as exc:
            self._show_problem(f"card.{exc.reason}")
            return
        store = self.kiosk.controller.store
        resident = store.find_resident_by_cccd(card.id_number)
        self.first_visit = resident is None
        if resident is None:
            store.add_resident(card.to_identity())
            resident = store.find_resident_by_cccd(card.id_number)
        if resident is not None:
            self._recognised(resident)

    def _recognised(self, resident: Resident) -> None:
        self.digits = ""
        self._show_problem(None)
        self._show_resident(resident)
        self.kiosk.say(self.welcome.text())

    def on_continue(self) -> None:
        visit = self.kiosk.controller.visit
        if visit is None or self.resident is None:
            return
        visit.identify(self.resident.id)
        self.kiosk.session.resident_id = self.resident.id
        self.kiosk.go("consent")

    def on_anonymous(self) -> None:
        visit = self.kiosk.controller.visit
        if visit is None:
            return
        visit.identify(None)
        self.kiosk.go("consent")

    def on_back(self) -> None:
        if self.pages.currentWidget() is self.found:
            self.wipe()  # "not me": forget the name, type or scan again
            return
        visit = self.kiosk.controller.visit
        if visit is not None and visit.ended is None:
            visit.back()  # from the first step this cancels the visit
        self.kiosk.end_visit()

    def wipe(self) -> None:
        self.digits = ""
        self.resident = None
        self.first_visit = False
        self.welcome.clear()
        self.history.clear()
        self._show_problem(None)
        self._stop_camera()
        if self.kiosk.camera is not None:
            self.kiosk.camera.forget()
        self._show_entry()
