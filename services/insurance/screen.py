"""The insurance screen: household BHYT sign-up or renewal, and the BHXH history.

The person is found by the BHYT card's QR (scanned), or by the BHXH number or the
card code typed on the keyboard; nothing the card says is typed again. Then either
the household enrolment (which member, how many months, the amount) or the
contribution history. A provider that does not answer is said plainly and what was
entered stays; an enrolment retried after a failure reuses its idempotency key.
"""

from __future__ import annotations

import logging
from datetime import date
from functools import partial
from typing import TYPE_CHECKING

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
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
from services.insurance import strings  # noqa: F401 - the sentences
from services.insurance.bhxh import (
    MONTHS,
    Contribution,
    Enrolment,
    Member,
    SocialSecurity,
    household_fee,
)
from services.insurance.card import (
    InsuranceInputError,
    check_bhxh_number,
    parse_bhyt_code,
    parse_bhyt_qr,
)
from services.keyboard import VietKeyboard
from services.provider import ProviderRejected, ProviderUnavailable, new_idempotency_key

if TYPE_CHECKING:
    from cabin.ui.kiosk import Kiosk

__all__ = ["InsuranceScreen", "vnd"]

log = logging.getLogger(__name__)

_PAGES = ("menu", "identify", "enrol", "enrolled", "history")


def vnd(amount: int) -> str:
    """1263600 → "1.263.600" (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".")


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


class InsuranceScreen(Screen):
    """Household BHYT and the BHXH contribution history."""

    name = "insurance"

    def __init__(self, kiosk: Kiosk, bhxh: SocialSecurity, station_id: str) -> None:
        super().__init__(kiosk)
        self.bhxh = bhxh
        self.station_id = station_id
        self.flow = "enrol"  # or "history"
        self.member: Member | None = None
        self.order = 1
        self.months = 12
        self.enrolment: Enrolment | None = None
        self.periods: list[Contribution] = []
        self.problem: str | None = None
        self.busy = False
        self._key: str | None = None
        self.title = label("heading")
        self.add(self.title)
        self.problem_label = label("banner")
        self.add(self.problem_label)
        self.pages = QStackedWidget()
        self.page: dict[str, QVBoxLayout] = {}
        for name in _PAGES:
            page = QWidget()
            layout = QVBoxLayout(page)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.setSpacing(16)
            self.page[name] = layout
            self.pages.addWidget(page)
        self.add(self.pages, 1)
        self._menu_page()
        self._identify_page()
        self._enrol_page()
        self._enrolled_page()
        self._history_page()
        bar = self.bottom_bar()
        self.next_button = self.action("common.continue", width=300)
        self.next_button.clicked.connect(self.on_identify)
        self.submit_button = self.action("insurance.submit", width=300)
        self.submit_button.clicked.connect(self.on_submit)
        self.home_button = self.action("insurance.home", width=340)
        self.home_button.clicked.connect(self.kiosk.end_visit)
        for widget in (self.next_button, self.submit_button, self.home_button):
            bar.addWidget(widget)
        self.kiosk.scanner.scanned.connect(self.on_scanned)
        self.show_page("menu", speak=False)

    # --- pages ---------------------------------------------------------------------------

    def _menu_page(self) -> None:
        layout = self.page["menu"]
        self.enrol_button = self.action("insurance.enrol", "secondary", height=150)
        self.enrol_button.clicked.connect(lambda: self.start("enrol"))
        self.history_button = self.action("insurance.history", "secondary", height=150)
        self.history_button.clicked.connect(lambda: self.start("history"))
        layout.addWidget(self.enrol_button)
        layout.addWidget(self.history_button)
        layout.addStretch(1)

    def _identify_page(self) -> None:
        layout = self.page["identify"]
        layout.setSpacing(8)
        self.identify_hint = label()
        self.bind(self.identify_hint, "insurance.identify_hint")
        layout.addWidget(self.identify_hint)
        self.number = QLineEdit()
        self.number.setMaxLength(20)
        self.number.setStyleSheet(f"font-size: {VALUE_PT}pt; padding: 6px; border: 3px solid #111;")
        layout.addWidget(self.number)
        self.keyboard = VietKeyboard(self.number, telex=False)
        self.keyboard.edited.connect(self._typed)
        layout.addWidget(self.keyboard)

    def _enrol_page(self) -> None:
        layout = self.page["enrol"]
        layout.setSpacing(10)
        self.member_label = label("strong")
        layout.addWidget(self.member_label)
        self.card_label = label()
        layout.addWidget(self.card_label)
        order_row = QHBoxLayout()
        order_row.setSpacing(10)
        order_title = label()
        self.bind(order_title, "insurance.order")
        order_row.addWidget(order_title, 1)
        self.order_buttons: dict[int, QPushButton] = {}
        for order in range(1, 6):
            choice = button()
            choice.setText(str(order))
            choice.setMinimumWidth(100)
            choice.clicked.connect(lambda _=False, o=order: self.choose(order=o))
            self.order_buttons[order] = choice
            order_row.addWidget(choice)
        layout.addLayout(order_row)
        months_row = QHBoxLayout()
        months_row.setSpacing(10)
        months_title = label()
        self.bind(months_title, "insurance.months")
        months_row.addWidget(months_title, 1)
        self.month_buttons: dict[int, QPushButton] = {}
        for months in MONTHS:
            choice = button()
            self.bind(choice, "insurance.months_n", partial(dict, months=months))
            choice.setMinimumWidth(200)
            choice.clicked.connect(lambda _=False, m=months: self.choose(months=m))
            self.month_buttons[months] = choice
            months_row.addWidget(choice)
        layout.addLayout(months_row)
        self.amount_label = label("value")
        layout.addWidget(self.amount_label)
        layout.addStretch(1)

    def _enrolled_page(self) -> None:
        layout = self.page["enrolled"]
        self.reference_label = label("display")
        self.reference_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.reference_label)
        self.valid_label = label()
        layout.addWidget(self.valid_label)
        self.pay_label = label("strong")
        layout.addWidget(self.pay_label)
        layout.addStretch(1)

    def _history_page(self) -> None:
        layout = self.page["history"]
        self.history_member = label("strong")
        layout.addWidget(self.history_member)
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        holder = QWidget()
        self.period_lines = QVBoxLayout(holder)
        self.period_lines.setContentsMargins(0, 0, 12, 0)
        area.setWidget(holder)
        layout.addWidget(area, 1)

    # --- moving --------------------------------------------------------------------------

    @property
    def current_page(self) -> str:
        widget = self.pages.currentWidget()
        return next(n for n, lay in self.page.items() if lay.parentWidget() is widget)

    def show_page(self, name: str, *, problem: str | None = None, speak: bool = True) -> None:
        self.problem = problem
        self.pages.setCurrentWidget(self.page[name].parentWidget())
        self.show_where(
            {
                self.next_button: name == "identify",
                self.submit_button: name == "enrol",
                self.home_button: name in ("enrolled", "history"),
                self.back_button: name != "enrolled",
            }
        )
        self.refresh()
        if speak:
            self.kiosk.say(self.t(problem) if problem else self.title.text())

    def enter(self) -> None:
        page = self.current_page
        self.show_page("menu" if page in ("enrolled", "history") else page)

    def on_back(self) -> None:
        previous = {"identify": "menu", "enrol": "identify", "history": "identify"}
        page = self.current_page
        if page in previous:
            self.show_page(previous[page])
        else:
            self.kiosk.go("services")

    def start(self, flow: str) -> None:
        self.flow = flow
        self.show_page("identify")

    def _typed(self) -> None:
        if self.problem is not None:
            self.problem = None
            self.refresh()

    def choose(self, *, order: int | None = None, months: int | None = None) -> None:
        self.order = order or self.order
        self.months = months or self.months
        self.refresh()

    # --- finding the person --------------------------------------------------------------

    def typed_number(self) -> str:
        """The BHXH number from what was typed: 10 digits, or a 15-character card code."""
        text = self.number.text().strip()
        if any(char.isalpha() for char in text):
            return parse_bhyt_code(text).bhxh_number
        return check_bhxh_number(text)

    def on_scanned(self, text: str) -> None:
        if self.kiosk.current() is not self or self.current_page != "identify":
            return
        try:
            card = parse_bhyt_qr(text)
        except InsuranceInputError as exc:
            self.show_page("identify", problem=f"insurance.error.{exc.reason}")
            return
        self.number.setText(str(card.code))
        self.on_identify()

    def on_identify(self) -> None:
        if self.busy:
            return
        try:
            number = self.typed_number()
        except InsuranceInputError as exc:
            self.show_page("identify", problem=f"insurance.error.{exc.reason}")
            return
        self.busy = True
        self.next_button.setEnabled(False)
        self.tasks.spawn(self._find(number), name="insurance find")

    async def _find(self, number: str) -> None:
        problem = None
        try:
            self.member = await self.bhxh.member(number)
            if self.flow == "history":
                self.periods = await self.bhxh.contributions(number)
        except ProviderUnavailable:
            problem = "insurance.error.unavailable"
        except ProviderRejected as exc:
            problem = (
                "insurance.error.not_found"
                if exc.code == "not_found"
                else "insurance.error.rejected"
            )
        finally:
            self.busy = False
            self.next_button.setEnabled(True)
        if problem is not None:
            self.show_page("identify", problem=problem)
            return
        self._key = None
        self.show_page("history" if self.flow == "history" else "enrol")

    # --- enrolling -----------------------------------------------------------------------

    def on_submit(self) -> None:
        if self.busy or self.member is None:
            return
        if self._key is None:
            self._key = new_idempotency_key()
        self.busy = True
        self.submit_button.setEnabled(False)
        self.submit_button.setText(self.t("insurance.sending"))
        self.tasks.spawn(self._enrol(self.member.bhxh_number, self._key), name="insurance enrol")

    async def _enrol(self, number: str, key: str) -> None:
        problem = None
        try:
            self.enrolment = await self.bhxh.enrol(
                number, self.order, self.months, self.station_id, key
            )
        except ProviderUnavailable:
            problem = "insurance.error.unavailable"
        except ProviderRejected:
            problem = "insurance.error.rejected"
        finally:
            self.busy = False
            self.submit_button.setEnabled(True)
            self.submit_button.setText(self.t("insurance.submit"))
        if problem is not None:
            self.show_page("enrol", problem=problem)
            return
        self._key = None
        self.show_page("enrolled")

    # --- texts ---------------------------------------------------------------------------

    def refresh(self) -> None:
        page = self.current_page
        self.title.setText(self.t(f"insurance.title.{page}"))
        self.show_where(  # a warning takes the place of the title and the hint: room for the keys
            {
                self.problem_label: self.problem is not None,
                self.title: self.problem is None,
                self.identify_hint: self.problem is None,
            }
        )
        self.problem_label.setText(self.t(self.problem) if self.problem else "")
        member = self.member
        name = member.name if member else ""
        self.member_label.setText(self.t("insurance.member", name=name) if member else "")
        self.history_member.setText(self.member_label.text())
        if member is not None and member.card_code and member.valid_to:
            self.card_label.setText(
                self.t("insurance.card", code=member.card_code, valid_to=_day(member.valid_to))
            )
        else:
            self.card_label.setText(self.t("insurance.no_card"))
        for order, choice in self.order_buttons.items():
            set_role(choice, "selected" if order == self.order else "")
        for months, choice in self.month_buttons.items():
            set_role(choice, "selected" if months == self.months else "")
        fee = household_fee(self.order, self.months)
        self.amount_label.setText(self.t("insurance.amount", amount=vnd(fee)))
        enrolment = self.enrolment
        if enrolment is not None:
            self.reference_label.setText(
                self.t("insurance.reference", reference=enrolment.reference)
            )
            self.valid_label.setText(
                self.t(
                    "insurance.valid",
                    start=_day(enrolment.valid_from),
                    end=_day(enrolment.valid_to),
                )
            )
            self.pay_label.setText(self.t("insurance.pay_hint", amount=vnd(enrolment.amount)))
        self._periods()

    def _periods(self) -> None:
        while self.period_lines.count():
            item = self.period_lines.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        lines: list[QLabel] = []
        for period in self.periods:
            line = label()
            year, month = period.month.split("-")
            line.setText(
                self.t(
                    "insurance.period",
                    month=f"{month}/{year}",
                    employer=period.employer,
                    amount=vnd(period.amount),
                )
            )
            lines.append(line)
        if not lines and self.member is not None:
            empty = label()
            empty.setText(self.t("insurance.no_periods"))
            lines.append(empty)
        for line in lines:
            self.period_lines.addWidget(line)
        self.period_lines.addStretch(1)

    def retranslate(self) -> None:
        super().retranslate()
        self.keyboard.retranslate(self.lang)

    def wipe(self) -> None:
        self.member = None
        self.enrolment = None
        self.periods = []
        self.number.clear()
        self.order, self.months = 1, 12
        self._key = None
        self.show_page("menu", speak=False)
