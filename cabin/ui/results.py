"""Results: each value large, its meaning in a colour and in words; print, QR, doctor, send.

Colour is never the only signal: each chip also says "Normal", "See a doctor"...
The receipt and the QR carry values and meanings only, never the name or the
card number (a receipt forgotten in the cabin must not identify anyone).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QScroller,
    QVBoxLayout,
    QWidget,
)

from cabin.errors import DeviceUnavailable
from cabin.i18n import local_date, measurement_text, tr
from cabin.measure import Failure, Kept, Outcome, Vital
from cabin.receipt import ReceiptLine, qr_image, receipt_bytes, render_receipt, send_to_printer
from cabin.trend import earlier_value
from cabin.ui.bridge import async_slot
from cabin.ui.screen import Screen
from cabin.ui.widgets import chip_style, label, pil_to_pixmap, set_role

if TYPE_CHECKING:
    from cabin.ui.kiosk import Kiosk

__all__ = ["ResultLine", "ResultsScreen", "result_lines"]

_ORDER = (Vital.SPO2, Vital.BLOOD_PRESSURE, Vital.ECG)
_QR_PX = 200
_RIGHT_PX = 246
# A wide bar with a big handle: scrolling is by finger, and the bar shows there is more.
_SCROLLBAR = """
QScrollBar:vertical { width: 26px; background: #E8EDF2; border-radius: 12px; margin: 0; }
QScrollBar::handle:vertical { background: #6B7A88; min-height: 90px; border-radius: 12px; }
QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical { height: 0; }
QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical { background: none; }
"""


@dataclass(frozen=True, slots=True)
class ResultLine:
    """One result as the screen, the receipt and the QR show it."""

    kind: str
    label: str
    value: str
    colour: str  # green, yellow, orange, red; "none" when not interpreted
    verdict: str  # the severity in words ("" when not interpreted)
    sentence: str
    call_doctor: bool = False
    emergency: bool = False
    trend: str = ""  # the last visit's value and how this one compares ("" for none)


def result_lines(
    results: Mapping[Vital, Outcome | Failure],
    lang: str,
    trend: Callable[[Kept], str] | None = None,
) -> list[ResultLine]:
    """The kept values of a visit, one line per kind (an interpreted pulse wins).

    ``trend`` says, for a kept value, how it compares with earlier visits.
    """
    chosen: dict[str, Kept] = {}
    for vital in _ORDER:
        outcome = results.get(vital)
        if not isinstance(outcome, Outcome):
            continue
        for kept in outcome.kept:
            if kept.kind not in chosen or chosen[kept.kind].interpretation is None:
                chosen[kept.kind] = kept
    lines = []
    for kept in chosen.values():
        name, value = measurement_text(kept.kind, kept.values, kept.unit, lang)
        meaning = kept.interpretation
        lines.append(
            ResultLine(
                kind=kept.kind,
                label=name,
                value=value,
                colour=meaning.colour if meaning else "none",
                verdict=tr(f"severity.{int(meaning.severity)}", lang) if meaning else "",
                sentence=(meaning.text_vi if lang == "vi" else meaning.text_en) if meaning else "",
                call_doctor=bool(meaning and meaning.call_doctor),
                emergency=bool(meaning and meaning.emergency),
                trend=trend(kept) if trend is not None else "",
            )
        )
    return lines


class ResultsScreen(Screen):
    name = "results"

    def __init__(self, kiosk: Kiosk) -> None:
        super().__init__(kiosk)
        self.title = self.heading("results.title")
        body = QHBoxLayout()
        body.setSpacing(24)
        left = QVBoxLayout()
        left.setSpacing(14)
        alarm_row = QHBoxLayout()
        alarm_row.setSpacing(14)
        self.alarm = label("alarm")
        alarm_row.addWidget(self.alarm, 1)
        self.sos = self.action("home.sos", "danger", width=260, height=110)
        alarm_row.addWidget(self.sos)
        left.addLayout(alarm_row)
        # Three results fit; a fourth (an ECG) scrolls, by finger, with a wide bar.
        self.area = QScrollArea()
        self.area.setWidgetResizable(True)
        self.area.setFrameShape(QFrame.Shape.NoFrame)
        self.area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Always shown: wrapped text that fits only without the bar would make an
        # "as needed" bar appear and vanish forever.
        self.area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.area.setStyleSheet(_SCROLLBAR)
        content = QWidget()
        self.rows = QVBoxLayout(content)
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.rows.setSpacing(12)
        self.rows.addStretch(1)
        self.area.setWidget(content)
        QScroller.grabGesture(
            self.area.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture
        )
        left.addWidget(self.area, 1)
        body.addLayout(left, 1)
        right = QVBoxLayout()
        right.setSpacing(14)
        self.qr = QLabel()
        self.qr.setFixedSize(_QR_PX, _QR_PX)
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        right.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        # Says how to use the QR, or, once printed, where the paper is.
        self.caption = label()
        self.caption.setFixedWidth(_RIGHT_PX)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        right.addWidget(self.caption)
        right.addStretch(1)
        self.print = self.action("results.print", "", width=_RIGHT_PX)
        right.addWidget(self.print)
        body.addLayout(right)
        self.add(body, 1)
        bar = self.bottom_bar()
        self.doctor = self.action("results.doctor", "secondary", width=360)
        self.send = self.action("results.send")
        self.finish = self.action("results.finish")
        for widget in (self.doctor, self.send, self.finish):
            bar.addWidget(widget)
        self.finish.hide()  # one of Send and Finish at a time: the bar must fit 1280 px
        self.print.clicked.connect(self.on_print)
        self.doctor.clicked.connect(self.on_doctor)
        self.sos.clicked.connect(lambda: self.kiosk.go("sos"))
        self.send.clicked.connect(self.on_send)
        self.finish.clicked.connect(self.on_finish)
        self.printed_key: str | None = None
        self.lines: list[ResultLine] = []

    def enter(self) -> None:
        self.printed_key = None
        self.refresh()
        said = [self.t("results.say")] + [f"{x.label} {x.value}. {x.sentence}" for x in self.lines]
        self.kiosk.say(" ".join(said))

    def refresh(self) -> None:
        self.lines = result_lines(self.kiosk.session.results, self.lang, self._trend)
        self._clear_rows()
        if not self.lines:
            empty = label()
            empty.setText(self.t("results.none"))
            self.rows.insertWidget(self.rows.count() - 1, empty)
        for line in self.lines:
            self.rows.insertWidget(self.rows.count() - 1, self._row(line))
        emergency = any(x.emergency for x in self.lines)
        urgent = any(x.call_doctor for x in self.lines)
        consent = bool(self.kiosk.controller.visit and self.kiosk.controller.visit.consent)
        self.show_where(
            {
                # An alarm takes the heading's place: the results need the room.
                self.title: not (emergency or urgent),
                self.alarm: emergency or urgent,
                self.sos: emergency,
                self.send: consent,
                self.finish: not consent,
                self.print: bool(self.lines) and self.kiosk.settings.printer is not None,
                self.qr: bool(self.lines),
                self.caption: bool(self.lines),
            }
        )
        self.alarm.setText(self.t("results.emergency" if emergency else "results.call_doctor"))
        self.caption.setText(self.t(self.printed_key or "results.qr"))
        if self.lines:
            self.qr.setPixmap(pil_to_pixmap(qr_image(self._summary(), _QR_PX), _QR_PX))
        else:
            self.qr.clear()

    def _trend(self, kept: Kept) -> str:
        resident_id = self.kiosk.session.resident_id
        if resident_id is None:
            return ""
        visit = self.kiosk.controller.visit
        earlier = earlier_value(
            self.kiosk.controller.store,
            resident_id,
            kept.kind,
            kept.values,
            kept.unit,
            before=visit.visit_id if visit is not None else None,
        )
        if earlier is None:
            return ""
        then = earlier.measurement
        _name, value = measurement_text(then.kind, then.values, then.unit, self.lang)
        when = local_date(earlier.when, self.kiosk.settings.timezone)
        return self.t(f"trend.{earlier.change}", date=when, value=value)

    def _row(self, line: ResultLine) -> QFrame:
        card = QFrame()
        set_role(card, "card")
        grid = QGridLayout(card)
        grid.setContentsMargins(14, 8, 14, 10)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(4)
        name = label("strong", wrap=False)
        name.setText(line.label)
        value = label("value", wrap=False)
        value.setText(line.value)
        grid.addWidget(name, 0, 0)
        grid.addWidget(value, 0, 1)
        if line.verdict:
            chip = label("chip", wrap=False)
            chip.setText(line.verdict)
            chip.setStyleSheet(chip_style(line.colour))
            grid.addWidget(chip, 0, 2, Qt.AlignmentFlag.AlignRight)
        grid.setColumnStretch(2, 1)
        if line.sentence:
            sentence = label()
            sentence.setText(line.sentence)
            grid.addWidget(sentence, 1, 0, 1, 3)
        if line.trend:
            trend = label("trend")  # dark grey on the card: 8.5:1, AAA
            trend.setText(line.trend)
            grid.addWidget(trend, 2, 0, 1, 3)
        return card

    def _clear_rows(self) -> None:
        while self.rows.count() > 1:  # the last item is the stretch
            item = self.rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.setParent(None)
                widget.deleteLater()

    def _summary(self) -> str:
        """What the QR holds: the results in words, no name, no card number."""
        when = local_date(self.kiosk.controller.clock(), self.kiosk.settings.timezone)
        lines = [self.t("receipt.title"), self.kiosk.settings.station_name, when]
        lines += [f"{x.label}: {x.value} ({x.verdict})" if x.verdict else f"{x.label}: {x.value}"
                  for x in self.lines]  # fmt: skip
        return "\n".join(lines)

    # --- the resident's actions -----------------------------------------------------------

    @async_slot
    async def on_print(self) -> None:
        printer = self.kiosk.settings.printer
        if printer is None or not self.lines:
            return
        image = await asyncio.to_thread(
            render_receipt,
            self.t("receipt.title"),
            self.kiosk.settings.station_name,
            self.kiosk.controller.clock(),
            [ReceiptLine(x.label, x.value, x.sentence or x.verdict) for x in self.lines],
            footer=self.t("receipt.footer"),
            qr_payload=self._summary(),
            timezone=self.kiosk.settings.timezone,
        )
        try:
            await asyncio.to_thread(send_to_printer, receipt_bytes(image), printer)
            self.printed_key = "results.printed"
        except DeviceUnavailable:
            self.printed_key = "results.print_failed"
        self.refresh()
        self.kiosk.say(self.t(self.printed_key))

    def on_doctor(self) -> None:
        visit = self.kiosk.controller.visit
        if visit is not None:
            visit.ask_doctor()
        self.kiosk.go("consult")

    def on_send(self) -> None:
        visit = self.kiosk.controller.visit
        if visit is None:
            return
        visit.send()
        visit.goodbye()
        self.kiosk.session.sent = True
        self.kiosk.go("goodbye")

    def on_finish(self) -> None:
        visit = self.kiosk.controller.visit
        if visit is not None:
            visit.goodbye()
        self.kiosk.go("goodbye")

    def on_back(self) -> None:
        visit = self.kiosk.controller.visit
        if visit is not None:
            visit.back()
        self.kiosk.go("measure")

    def wipe(self) -> None:
        self.lines = []
        self.printed_key = None
        self._clear_rows()
        self.qr.clear()
        self.caption.clear()
