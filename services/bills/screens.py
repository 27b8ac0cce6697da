"""The bills screen: kind → customer code → debt → VietQR → paid, one question per page.

Every page says its instruction aloud. What the resident typed stays on the code page
when a look-up fails (a plain Vietnamese message says why); nothing is charged until
the bank's callback says so, and what happens after (cleared or refunded) is shown in
words, printed on the receipt and carried by the receipt's QR code.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cabin.errors import DeviceUnavailable, PaymentError
from cabin.receipt import ReceiptLine, qr_image, receipt_bytes, render_receipt, send_to_printer
from cabin.ui.bridge import async_slot
from cabin.ui.screen import Screen
from cabin.ui.widgets import button, label, pil_to_pixmap, set_role
from services.bills.codes import KINDS, BillKind, CodeError, check_code
from services.bills.money import in_words, vnd
from services.payment import PaymentRequest, PaymentService, PendingPayment, payments_for
from services.provider import ProviderRejected, ProviderUnavailable
from services.registry import ServiceContext
from services.vietqr import decode

if TYPE_CHECKING:
    from cabin.ui.kiosk import Kiosk

__all__ = ["BillsScreen", "CodeKeyboard"]

_log = logging.getLogger(__name__)

_QR_PX = 430
_RECEIPT_QR_PX = 250
_KEY_ROWS = ("1234567890", "QWERTYUIOP", "ASDFGHJKL-", "ZXCVBNM")


class CodeKeyboard(QWidget):
    """Digits, capital letters and a dash on big keys, and Delete: for customer codes."""

    def __init__(self, on_key: Any, on_delete: Any) -> None:
        super().__init__()
        grid = QGridLayout(self)
        grid.setSpacing(8)
        grid.setContentsMargins(0, 0, 0, 0)
        self.keys: dict[str, QPushButton] = {}
        for row, keys in enumerate(_KEY_ROWS):
            for column, text in enumerate(keys):
                key = button()
                key.setText(text)
                key.setMinimumWidth(100)
                key.setStyleSheet("padding: 4px 8px;")
                key.clicked.connect(lambda _=False, t=text: on_key(t))
                self.keys[text] = key
                grid.addWidget(key, row, column)
        self.delete_key = button()
        self.delete_key.setStyleSheet("padding: 4px 8px;")
        self.delete_key.clicked.connect(on_delete)
        grid.addWidget(self.delete_key, 3, 7, 1, 3)


class BillsScreen(Screen):
    """Paying a bill by VietQR (see the module's notes)."""

    name = "bills"

    def __init__(
        self, kiosk: Kiosk, context: ServiceContext, payments: PaymentService | None = None
    ) -> None:
        super().__init__(kiosk)
        self.context = context
        self._payments = payments
        self.kind: BillKind | None = None
        self.code = ""
        self.debt: dict[str, Any] | None = None
        self.pending: PendingPayment | None = None
        self.final: str | None = None
        self.printed_key = ""
        self.message: tuple[str, dict[str, object]] | None = None
        self.settlement = ""
        self._watcher: asyncio.Task[None] | None = None

        self.title = label("heading")
        self.add(self.title)
        self.pages = QStackedWidget()
        self.add(self.pages, 1)
        self.kind_page = self._kind_page()
        self.code_page = self._code_page()
        self.debt_page = self._debt_page()
        self.qr_page = self._qr_page()
        self.paid_page = self._paid_page()
        bar = self.bottom_bar()
        self.lookup_button = self.action("bills.code.lookup")
        self.lookup_button.clicked.connect(self.on_lookup)
        self.pay_button = self.action("bills.debt.pay")
        self.pay_button.clicked.connect(self.on_pay)
        self.done_button = self.action("bills.paid.done")
        self.done_button.clicked.connect(self.on_done)
        for widget in (self.lookup_button, self.pay_button, self.done_button):
            bar.addWidget(widget)
        self.show_page(self.kind_page)

    # -- pages -----------------------------------------------------------------------------

    def _page(self) -> tuple[QWidget, QVBoxLayout]:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        self.pages.addWidget(page)
        return page, layout

    def _kind_page(self) -> QWidget:
        page, layout = self._page()
        grid = QGridLayout()
        grid.setSpacing(20)
        self.kind_buttons: dict[str, QPushButton] = {}
        for index, kind in enumerate(KINDS):
            entry = button("secondary", height=130)
            self.bind(entry, kind.title)
            entry.clicked.connect(lambda _=False, k=kind: self.on_kind(k))
            self.kind_buttons[kind.key] = entry
            grid.addWidget(entry, index // 2, index % 2)
        layout.addLayout(grid)
        layout.addStretch(1)
        return page

    def _code_page(self) -> QWidget:
        page, layout = self._page()
        self.code_display = label("display", wrap=False)
        self.code_display.setMinimumHeight(70)
        layout.addWidget(self.code_display)
        self.code_message = label()
        layout.addWidget(self.code_message)
        self.keyboard = CodeKeyboard(self.on_key, self.on_delete)
        self.bind(self.keyboard.delete_key, "bills.code.delete")
        layout.addWidget(self.keyboard)
        layout.addStretch(1)
        return page

    def _debt_page(self) -> QWidget:
        page, layout = self._page()
        self.debt_code = label()
        self.debt_holder = label()
        self.debt_lines = label()
        self.debt_total = label("value")
        self.debt_message = label()
        for widget in (
            self.debt_code,
            self.debt_holder,
            self.debt_lines,
            self.debt_total,
            self.debt_message,
        ):
            layout.addWidget(widget)
        layout.addStretch(1)
        return page

    def _qr_page(self) -> QWidget:
        page, layout = self._page()
        row = QHBoxLayout()
        row.setSpacing(30)
        self.qr = QLabel()
        self.qr.setFixedSize(_QR_PX, _QR_PX)
        row.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignTop)
        words = QVBoxLayout()
        words.setSpacing(12)
        self.qr_amount = label("value")
        self.qr_words = label()
        self.qr_purpose = label()
        self.qr_waiting = label("strong")
        self.qr_how = label()
        self.bind(self.qr_how, "bills.qr.how")
        for widget in (
            self.qr_amount,
            self.qr_words,
            self.qr_purpose,
            self.qr_how,
            self.qr_waiting,
        ):
            words.addWidget(widget)
        words.addStretch(1)
        row.addLayout(words, 1)
        layout.addLayout(row)
        return page

    def _paid_page(self) -> QWidget:
        page, layout = self._page()
        row = QHBoxLayout()
        row.setSpacing(30)
        words = QVBoxLayout()
        words.setSpacing(12)
        self.paid_amount = label("value")
        self.paid_state = label()
        self.paid_printed = label()
        for widget in (self.paid_amount, self.paid_state, self.paid_printed):
            words.addWidget(widget)
        words.addStretch(1)
        row.addLayout(words, 1)
        receipt = QVBoxLayout()
        self.receipt_qr = QLabel()
        self.receipt_qr.setFixedSize(_RECEIPT_QR_PX, _RECEIPT_QR_PX)
        receipt.addWidget(self.receipt_qr)
        self.receipt_hint = label()
        self.bind(self.receipt_hint, "bills.paid.qr_hint")
        receipt.addWidget(self.receipt_hint)
        receipt.addStretch(1)
        row.addLayout(receipt)
        layout.addLayout(row)
        return page

    def show_page(self, page: QWidget) -> None:
        self.pages.setCurrentWidget(page)
        self.show_where(
            {
                self.lookup_button: page is self.code_page,
                self.pay_button: page is self.debt_page and self._due() > 0,
                self.done_button: page is self.paid_page,
                self.back_button: page is not self.paid_page,
            }
        )
        self.refresh()

    # -- texts -----------------------------------------------------------------------------

    def _due(self) -> int:
        return int(self.debt.get("amount_vnd", 0)) if self.debt else 0

    def refresh(self) -> None:
        page = self.pages.currentWidget() or self.kind_page
        heading = {
            self.kind_page: "bills.kind.heading",
            self.code_page: "bills.code.heading",
            self.debt_page: "bills.debt.heading",
            self.qr_page: "bills.qr.heading",
            self.paid_page: "bills.paid.heading",
        }.get(page, "bills.title")
        self.title.setText(self.t(heading))
        kind = self.t(self.kind.title) if self.kind else ""
        self.code_display.setText(self.code or " ")
        if self.message is not None:
            key, values = self.message
            self.code_message.setText(self.t(key, **values))
            set_role(self.code_message, "alarm" if key != "bills.code.looking" else "strong")
        elif self.kind is not None:
            self.code_message.setText(
                self.t("bills.code.hint", kind=kind.lower(), example=self.kind.example)
            )
            set_role(self.code_message, "")
        if self.debt is not None:
            self.debt_code.setText(self.t("bills.debt.code", code=self.debt["customer_code"]))
            self.debt_holder.setText(self.t("bills.debt.customer", holder=self.debt["holder"]))
            self.debt_lines.setText(
                "\n".join(
                    self.t("bills.debt.period", period=b["period"], amount=vnd(b["amount_vnd"]))
                    for b in self.debt["bills"]
                )
            )
            due = self._due()
            self.debt_total.setText(self.t("bills.debt.total", amount=vnd(due)) if due else "")
            if due == 0:
                self.debt_message.setText(self.t("bills.debt.none"))
            elif self.debt_message.property("key"):
                self.debt_message.setText(self.t(str(self.debt_message.property("key"))))
            else:
                self.debt_message.setText("")
        if self.pending is not None:
            amount = vnd(self.pending.amount_vnd)
            self.qr_amount.setText(self.t("bills.qr.amount", amount=amount))
            self.qr_words.setText(self.t("bills.qr.words", words=in_words(self.pending.amount_vnd)))
            self.qr_purpose.setText(self.t("bills.qr.purpose", purpose=self._purpose()))
            self.qr_waiting.setText(self.t("bills.qr.waiting"))
            self.paid_amount.setText(amount)
            if self.final == "cleared":
                state = self.t("bills.paid.cleared", reference=self.pending.reference)
            elif self.final == "refunded":
                state = self.t("bills.paid.refunded")
            else:
                state = self.t("bills.paid.clearing")
            self.paid_state.setText(state)
            self.paid_printed.setText(self.t(self.printed_key) if self.printed_key else "")

    def _purpose(self) -> str:
        return decode(self.pending.payload).purpose if self.pending else ""

    @property
    def payments(self) -> PaymentService:
        """The shared payment service, made on first use.

        Raises:
            PaymentError: the bank or the billers are not configured.
        """
        if self._payments is None:
            self._payments = payments_for(self.context)
        return self._payments

    # -- the resident's actions ------------------------------------------------------------

    def enter(self) -> None:
        if self.pages.currentWidget() is self.kind_page:
            self.kiosk.say(self.t("bills.kind.say"))

    def on_kind(self, kind: BillKind) -> None:
        if kind != self.kind:
            self.code = ""
        self.kind = kind
        self.message = None
        self.show_page(self.code_page)
        self.kiosk.say(self.t("bills.code.say"))

    def on_key(self, text: str) -> None:
        if len(self.code) < 20:
            self.code += text
        self.message = None
        self.refresh()

    def on_delete(self) -> None:
        self.code = self.code[:-1]
        self.message = None
        self.refresh()

    @async_slot
    async def on_lookup(self) -> None:
        if self.kind is None:
            return
        try:
            code = check_code(self.kind.key, self.code)
        except CodeError as exc:
            self._complain(exc.key, **exc.values)
            return
        self.code = code
        self.message = ("bills.code.looking", {})
        self.lookup_button.setEnabled(False)
        self.refresh()
        try:
            debt = await self.payments.billers.get(f"/bills/{self.kind.key}/{code}")
        except PaymentError:
            _log.warning("bills: no payment service", extra={"kind": self.kind.key})
            self._complain("bills.code.unavailable")
            return
        except ProviderRejected as exc:
            key = "bills.code.not_found" if exc.code == "not_found" else "bills.code.other_bad"
            self._complain(key)
            return
        except ProviderUnavailable:
            self._complain("bills.code.unavailable")
            return
        finally:
            self.lookup_button.setEnabled(True)
        self.message = None
        self.debt = debt
        self.debt_message.setProperty("key", "")
        self.show_page(self.debt_page)
        self.kiosk.say(self.t("bills.debt.say" if self._due() else "bills.debt.none"))

    def _complain(self, key: str, **values: object) -> None:
        self.message = (key, values)
        self.refresh()
        self.kiosk.say(self.t(key, **values))

    @async_slot
    async def on_pay(self) -> None:
        if self.debt is None or self.kind is None or self._due() <= 0:
            return
        self.pay_button.setEnabled(False)
        self.debt_message.setProperty("key", "bills.debt.opening")
        self.refresh()
        code = str(self.debt["customer_code"])
        request = PaymentRequest(
            purpose_code=f"bill.{self.kind.key}",
            description=f"{code} {self.t(self.kind.title)}",  # the code survives the cut to 25
            amount_vnd=self._due(),
            payee=f"{self.kind.key}:{code}",
        )
        try:
            await self.payments.ensure_started()
            self.pending = await self.payments.start_payment(request)
        except PaymentError:
            self.debt_message.setProperty("key", "bills.debt.bank_down")
            self.refresh()
            self.kiosk.say(self.t("bills.debt.bank_down"))
            return
        finally:
            self.pay_button.setEnabled(True)
        self.debt_message.setProperty("key", "")
        self.final, self.printed_key = None, ""
        self.qr.setPixmap(pil_to_pixmap(qr_image(self.pending.payload, _QR_PX), _QR_PX))
        self.show_page(self.qr_page)
        self.kiosk.say(self.t("bills.qr.say", amount=vnd(self.pending.amount_vnd)))
        self._watch(self.pending)

    def _watch(self, pending: PendingPayment) -> None:
        self._stop_watching()
        self._watcher = self.tasks.spawn(self._follow(pending), name="bills-payment")

    def _stop_watching(self) -> None:
        if self._watcher is not None and not self._watcher.done():
            self._watcher.cancel()
        self._watcher = None

    async def _follow(self, pending: PendingPayment) -> None:
        """Paid → the paid page; then cleared or refunded → the receipt."""
        state = await pending.wait({"paid", "cleared", "refunded"})
        if pending is not self.pending:
            return
        self.show_page(self.paid_page)
        if state == "paid":
            self.kiosk.say(self.t("bills.paid.clearing"))
            state = await pending.wait()
        if pending is not self.pending:
            return
        self.final = state
        payment = self.payments.store.payment(pending.reference)
        self.settlement = payment.settlement or "" if payment else ""
        summary = self._receipt_text()
        self.receipt_qr.setPixmap(pil_to_pixmap(qr_image(summary, _RECEIPT_QR_PX), _RECEIPT_QR_PX))
        self.refresh()
        await self._print(summary)
        amount = vnd(pending.amount_vnd)
        if state == "cleared":
            self.kiosk.say(self.t("bills.paid.say", amount=amount))
        else:
            self.kiosk.say(self.t("bills.paid.refunded_say"))

    def _receipt_lines(self) -> list[ReceiptLine]:
        if self.pending is None or self.kind is None:
            return []
        lines = [
            ReceiptLine(self.t("bills.receipt.kind"), self.t(self.kind.title), ""),
            ReceiptLine(self.t("bills.receipt.code"), self.code, ""),
            ReceiptLine(
                self.t("bills.receipt.amount"),
                vnd(self.pending.amount_vnd),
                in_words(self.pending.amount_vnd),
            ),
            ReceiptLine(self.t("bills.receipt.reference"), self.pending.reference, ""),
        ]
        if self.final == "cleared":
            lines.append(ReceiptLine(self.t("bills.receipt.biller"), self.settlement, ""))
        else:
            lines.append(ReceiptLine(self.t("bills.paid.heading"), self.t("bills.paid.refunded"),
                                     ""))  # fmt: skip
        return lines

    def _receipt_text(self) -> str:
        lines = [self.t("bills.receipt.title"), self.kiosk.settings.station_name]
        lines.append(
            datetime.now(UTC)
            .astimezone(ZoneInfo(self.kiosk.settings.timezone))
            .strftime("%d/%m/%Y %H:%M")
        )
        lines += [f"{x.label}: {x.value}" for x in self._receipt_lines()]
        return "\n".join(lines)

    async def _print(self, summary: str) -> None:
        printer = self.kiosk.settings.printer
        if printer is None:
            return
        image = await asyncio.to_thread(
            render_receipt,
            self.t("bills.receipt.title"),
            self.kiosk.settings.station_name,
            datetime.now(UTC),
            [x for x in self._receipt_lines() if x.value],
            footer=self.t("bills.receipt.footer"),
            qr_payload=summary,
            timezone=self.kiosk.settings.timezone,
        )
        try:
            await asyncio.to_thread(send_to_printer, receipt_bytes(image), printer)
            self.printed_key = "bills.paid.printed"
        except DeviceUnavailable:
            self.printed_key = "bills.paid.print_failed"
        self.refresh()

    def on_done(self) -> None:
        self.wipe()
        self.kiosk.go("home")

    def on_back(self) -> None:
        page = self.pages.currentWidget()
        if page is self.kind_page:
            self.kiosk.go("services")
        elif page is self.code_page:
            self.message = None
            self.show_page(self.kind_page)
            self.kiosk.say(self.t("bills.kind.say"))
        elif page is self.debt_page:
            self.show_page(self.code_page)
            self.kiosk.say(self.t("bills.code.say"))
        elif page is self.qr_page:
            # The resident changed their mind: a payment made later still clears.
            self._stop_watching()
            self.pending = None
            self.show_page(self.debt_page)
            self.kiosk.say(self.t("bills.debt.say"))

    def wipe(self) -> None:
        self._stop_watching()
        self.kind, self.code, self.debt, self.pending = None, "", None, None
        self.final, self.printed_key, self.message, self.settlement = None, "", None, ""
        self.qr.clear()
        self.receipt_qr.clear()
        for widget in (self.debt_code, self.debt_holder, self.debt_lines, self.debt_total):
            widget.clear()
        self.show_page(self.kind_page)
