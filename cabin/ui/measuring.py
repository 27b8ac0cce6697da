"""Measuring: the list of vitals, and one vital's guided measurement.

The list shows each available vital with its value once measured. Touching
one opens its page: the instruction (shown and spoken), then "Start". While it
measures, the page shows the live waveform, a countdown, and a banner with the
fix for any problem (a finger out of the clip...), spoken once when it appears.
Nothing hurries the resident: the idle timer waits while a device measures, and
the instruction page waits for "Start".
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import (
    QGridLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cabin.controller import Live, StepFinished
from cabin.i18n import failure_key, format_number, measurement_text
from cabin.measure import (
    BloodPressureStep,
    EcgStep,
    Failure,
    Outcome,
    Problem,
    Progress,
    Spo2Step,
    Vital,
)
from cabin.ui.bridge import async_slot
from cabin.ui.screen import Screen
from cabin.ui.widgets import WaveformView, button, label

if TYPE_CHECKING:
    from cabin.ui.kiosk import Kiosk

__all__ = ["MeasureScreen"]

# Seconds each step usually takes, until the controller's first Progress says.
_EXPECTED = {
    Vital.SPO2: Spo2Step.expected,
    Vital.BLOOD_PRESSURE: BloodPressureStep.expected,
    Vital.ECG: EcgStep.record_s,
}


class MeasureScreen(Screen):
    name = "measure"

    def __init__(self, kiosk: Kiosk) -> None:
        super().__init__(kiosk)
        self.title = label("heading")
        self.add(self.title)
        self.pages = QStackedWidget()
        self.list_page = self._list_page()
        self.step_page = self._step_page()
        self.pages.addWidget(self.list_page)
        self.pages.addWidget(self.step_page)
        self.add(self.pages, 1)
        bar = self.bottom_bar()
        self.skip = self.action("measure.skip", "", width=240)
        self.stop = self.action("measure.stop", "danger")
        self.start = self.action("measure.start")
        self.results = self.action("measure.results")
        for widget in (self.skip, self.stop, self.start, self.results):
            bar.addWidget(widget)
        self.skip.clicked.connect(self.on_skip)
        self.start.clicked.connect(self.on_start)
        self.stop.clicked.connect(self.on_stop)
        self.results.clicked.connect(self.on_results)
        kiosk.bridge.progress.connect(self.on_progress)
        kiosk.bridge.live.connect(self.on_live)
        kiosk.bridge.finished.connect(self.on_finished)
        self.vital: Vital | None = None
        self.running = False
        self.problem: Problem | None = None
        self.notice_key: str | None = None
        self._t0 = 0.0
        self._expected = 30.0
        self._pulse: float | None = None
        self._clock = QTimer(self)
        self._clock.setInterval(250)
        self._clock.timeout.connect(self._count_down)
        self._clock.start()
        self._show_list()

    def _list_page(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(18)
        hint = label()
        self.bind(hint, "measure.pick")
        column.addWidget(hint)
        self.notice = label("banner")
        column.addWidget(self.notice)
        grid = QGridLayout()
        grid.setHorizontalSpacing(32)
        grid.setVerticalSpacing(18)
        self.choices: dict[Vital, QPushButton] = {}
        self.statuses: dict[Vital, QLabel] = {}
        for row, vital in enumerate((Vital.SPO2, Vital.BLOOD_PRESSURE, Vital.ECG)):
            choice = button("primary")
            choice.setMinimumWidth(520)
            self.bind(choice, f"vital.{vital.value}")
            choice.clicked.connect(lambda _=False, vital=vital: self.open_step(vital))
            status = label("strong")
            grid.addWidget(choice, row, 0)
            grid.addWidget(status, row, 1)
            self.choices[vital] = choice
            self.statuses[vital] = status
        grid.setColumnStretch(1, 1)
        column.addLayout(grid)
        column.addStretch(1)
        return page

    def _step_page(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(14)
        self.instruction = label()
        column.addWidget(self.instruction)
        self.banner = label("alarm")
        column.addWidget(self.banner)
        self.wave = WaveformView()
        self.wave.setMinimumHeight(160)
        column.addWidget(self.wave, 1)
        row = QGridLayout()
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(False)
        self.remaining = label("strong", wrap=False)
        self.reading = label("strong", wrap=False)
        row.addWidget(self.bar, 0, 0, 1, 2)
        row.addWidget(self.remaining, 1, 0)
        row.addWidget(self.reading, 1, 1)
        column.addLayout(row)
        return page

    # --- pages ---------------------------------------------------------------------------

    def enter(self) -> None:
        available = set(self.kiosk.controller.available())
        for vital, choice in self.choices.items():
            choice.setVisible(vital in available)
            self.statuses[vital].setVisible(vital in available)
        self._show_list()

    def _show_list(self) -> None:
        self.vital = None
        self.pages.setCurrentWidget(self.list_page)
        self.refresh()

    def open_step(self, vital: Vital) -> None:
        if self.running:
            return
        self.vital = vital
        self.problem = None
        self.notice_key = None
        self._pulse = None
        self.wave.clear()
        self.bar.setValue(0)
        self.pages.setCurrentWidget(self.step_page)
        self.refresh()
        self.kiosk.say(self.t(f"instruction.{vital.value}") + " " + self.t("measure.ready"))

    def refresh(self) -> None:
        on_list = self.vital is None
        self.title.setText(self.t("measure.title" if on_list else f"vital.{self.vital}"))
        self.show_where(
            {
                self.results: on_list,
                self.skip: not on_list and not self.running,
                self.start: not on_list and not self.running,
                self.stop: self.running,
                self.back_button: not self.running,
                self.notice: self.notice_key is not None,
            }
        )
        self.notice.setText(self.t(self.notice_key) if self.notice_key else "")
        session = self.kiosk.session
        for vital, status in self.statuses.items():
            status.setText(self._status(session.results.get(vital), vital in session.skipped))
        if self.vital is not None:
            ready = "measure.running" if self.running else "measure.ready"
            self.instruction.setText(f"{self.t(f'instruction.{self.vital}')} {self.t(ready)}")
        self.banner.setVisible(self.problem is not None)
        self.banner.setText(self.t(f"problem.{self.problem}") if self.problem else "")
        self._count_down()

    def _status(self, result: Outcome | Failure | None, skipped: bool) -> str:
        if isinstance(result, Outcome):
            shown = (measurement_text(k.kind, k.values, k.unit, self.lang) for k in result.kept)
            return "   ".join(f"{name}: {value}" for name, value in shown)
        if isinstance(result, Failure):
            return self.t("measure.stopped" if result.reason == "cancelled" else "measure.failed")
        return self.t("measure.skipped" if skipped else "measure.not_done")

    def _count_down(self) -> None:
        if not self.running:
            self.remaining.clear()
            self.reading.clear()
            return
        elapsed = time.monotonic() - self._t0
        self.bar.setValue(min(99, int(100 * elapsed / self._expected)))
        left = math.ceil(self._expected - elapsed)
        self.remaining.setText(
            self.t("measure.remaining", seconds=left) if left > 0 else self.t("measure.almost")
        )
        if self.vital is Vital.BLOOD_PRESSURE and self.wave.latest is not None:
            pressure = format_number(round(self.wave.latest), self.lang)
            self.reading.setText(self.t("measure.pressure_live", value=pressure))
        elif self._pulse is not None:
            pulse = format_number(round(self._pulse), self.lang)
            self.reading.setText(self.t("measure.pulse_live", value=pulse))
        else:
            self.reading.clear()

    # --- the resident's actions -----------------------------------------------------------

    @async_slot
    async def on_start(self) -> None:
        vital = self.vital
        if vital is None or self.running:
            return
        self.running = True
        self._t0 = time.monotonic()
        self._expected = _EXPECTED[vital]
        self.refresh()
        try:
            await self.kiosk.controller.measure(vital)  # the result comes as StepFinished
        finally:
            self.running = False
            self.refresh()

    @async_slot
    async def on_stop(self) -> None:
        await self.kiosk.controller.cancel_measure()

    def on_skip(self) -> None:
        if self.vital is not None and not self.running:
            self.kiosk.session.skipped.add(self.vital)
        self._show_list()

    def on_back(self) -> None:
        if self.running:
            return  # the Back button is hidden while measuring: Stop ends a measurement
        if self.vital is not None:
            self._show_list()
            return
        visit = self.kiosk.controller.visit
        if visit is not None:
            visit.back()
        self.kiosk.go("consent")

    def on_results(self) -> None:
        visit = self.kiosk.controller.visit
        if visit is not None:
            visit.show_results()
        self.kiosk.go("results")

    # --- controller events ------------------------------------------------------------------

    def on_progress(self, progress: Progress) -> None:
        if not self.running or progress.vital != self.vital:
            return
        self._t0 = time.monotonic() - progress.elapsed
        self._expected = max(progress.expected, 1.0)
        self._pulse = progress.live.get("pulse_rate", progress.live.get("heart_rate"))
        if progress.problem != self.problem:
            self.problem = progress.problem
            self.refresh()
            if progress.problem is not None:
                self.kiosk.say(self.t(f"problem.{progress.problem}"))

    def on_live(self, live: Live) -> None:
        if self.running:
            self.wave.append(live.chunk)

    def on_finished(self, finished: StepFinished) -> None:
        result = finished.result
        self.kiosk.session.results[result.vital] = result
        self.kiosk.session.skipped.discard(result.vital)
        self.problem = None
        if isinstance(result, Outcome):
            self.notice_key = None
            first = result.kept[0] if result.kept else None
            if first is not None and first.interpretation is not None:
                said = first.interpretation.text(self.lang)
            else:
                said = self._status(result, False)
            self.kiosk.say(self.t("measure.done_say", text=said))
        else:
            self.notice_key = failure_key(result.reason)
            self.kiosk.say(self.t(self.notice_key))
        self._show_list()

    def wipe(self) -> None:
        self.vital = None
        self.problem = None
        self.notice_key = None
        self._pulse = None
        self.wave.clear()
        self.bar.setValue(0)
        self._show_list()
