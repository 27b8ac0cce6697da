"""The cabin controller: the visit, the devices and the vitals, tied together.

It owns the current :class:`VisitFlow`, runs measurement steps against the
:class:`DeviceHub`'s events, keeps what passes (measurements and their
waveforms go to the store at once), speaks instructions, and tells the screen
what happened through :attr:`events`. No Qt here: the kiosk subscribes to
:attr:`events`; tests and ``cabin visit --simulate`` drive it directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from cabin.errors import CabinError
from cabin.measure import (
    BloodPressureStep,
    Command,
    EcgStep,
    Failure,
    MeasureStep,
    Outcome,
    Progress,
    Spo2Step,
    Vital,
)
from cabin.store import Store
from cabin.visit import DEFAULT_TIMER, IdleEvent, IdleTimer, VisitFlow
from cabin.voice import Voice
from hardware.driver import utc_now
from hardware.events import DeviceStatus, Event, Reading, WaveformChunk
from hardware.hub import DeviceHub, Subscription

__all__ = ["Controller", "IdleWarning", "Live", "StepFinished", "VisitEnded"]

log = logging.getLogger(__name__)

#: Which device each vital uses by default (the configured device ids).
DEFAULT_DEVICES: Mapping[Vital, str] = {
    Vital.SPO2: "oximeter",
    Vital.ECG: "ecg",
    Vital.BLOOD_PRESSURE: "bp",
}
_STEPS: Mapping[Vital, Callable[[str], MeasureStep]] = {
    Vital.SPO2: Spo2Step,
    Vital.ECG: EcgStep,
    Vital.BLOOD_PRESSURE: BloodPressureStep,
}


@dataclass(frozen=True, slots=True)
class Live:
    """A waveform chunk of the device being used, for the live plot."""

    chunk: WaveformChunk


@dataclass(frozen=True, slots=True)
class StepFinished:
    """A measurement step ended: kept values, or why not."""

    result: Outcome | Failure


@dataclass(frozen=True, slots=True)
class IdleWarning:
    """The resident has been idle: the visit will end soon unless touched."""


@dataclass(frozen=True, slots=True)
class VisitEnded:
    """The visit ended (completed, cancelled, timed out); the screen must be wiped."""

    how: str


UiEvent = Progress | Live | StepFinished | IdleWarning | VisitEnded


class Controller:
    """Runs visits at one station.

    Args:
        hub: the running device hub.
        store: the open store.
        station_id: this station's id.
        voice: the voice guide (None: silent).
        devices: device id per vital, when not the defaults.
        timer: the idle timer.
        clock: the station's clock (UTC).
        on_sent: each visit's hook for the transaction that ends it after sending
            (queues it for the hospital; see :class:`cabin.visit.VisitFlow`).
    """

    def __init__(
        self,
        hub: DeviceHub,
        store: Store,
        station_id: str,
        *,
        voice: Voice | None = None,
        devices: Mapping[Vital, str] = DEFAULT_DEVICES,
        timer: IdleTimer = DEFAULT_TIMER,
        clock: Callable[[], datetime] = utc_now,
        on_sent: Callable[[str], object] | None = None,
    ) -> None:
        self.hub = hub
        self.on_sent = on_sent
        self.store = store
        self.station_id = station_id
        self.voice = voice
        self.devices = dict(devices)
        self.timer = timer
        self.clock = clock
        self.visit: VisitFlow | None = None
        self.events: asyncio.Queue[UiEvent] = asyncio.Queue()
        self._step: MeasureStep | None = None

    def start_visit(self) -> VisitFlow:
        """A resident touched "health check": a new visit begins."""
        if self.visit is not None and self.visit.ended is None:
            raise CabinError("a visit is already running")
        self.visit = VisitFlow(
            self.store, self.station_id, timer=self.timer, clock=self.clock, on_sent=self.on_sent
        )
        return self.visit

    @property
    def measuring(self) -> bool:
        """Whether a measurement step is under way."""
        return self._step is not None

    def available(self) -> list[Vital]:
        """The vitals whose device is configured at this station."""
        ids = {spec.device_id for spec in self.hub.specs}
        return [vital for vital, device in self.devices.items() if device in ids]

    async def measure(self, vital: Vital, *, give_up: float | None = None) -> Outcome | Failure:
        """Run one measurement to its end, keeping what passes.

        Progress, live waveforms and the result go to :attr:`events` as they come.

        Args:
            vital: what to measure.
            give_up: seconds before the step gives up (the step's own default if None).
        """
        visit = self._open_visit()
        step = _STEPS[vital](self.devices[vital])
        if give_up is not None:
            step.timeout = give_up
        self._step = step
        with self.hub.subscribe(device_ids=[step.device_id]) as events:
            await self._send(step.device_id, step.start(self.clock()))
            visit.start_measuring()
            try:
                result = await self._run(step, events)
            finally:
                visit.stop_measuring()
                self._step = None
        if isinstance(result, Outcome):
            self._keep(visit, result)
        self.events.put_nowait(StepFinished(result))
        return result

    async def cancel_measure(self) -> None:
        """Stop the measurement under way (the cuff deflates at once)."""
        step = self._step
        if step is not None:
            await self._send(step.device_id, step.stop())

    async def tick(self) -> None:
        """The idle timer; the kiosk calls this every second."""
        if self.visit is None:
            return
        event = self.visit.tick()
        if event is IdleEvent.WARN:
            self.events.put_nowait(IdleWarning())
        elif event is IdleEvent.TIMED_OUT:
            await self.cancel_measure()
            self.events.put_nowait(VisitEnded("timed_out"))
            self.visit = None

    async def _run(self, step: MeasureStep, events: Subscription) -> Outcome | Failure:
        last_problem = None
        while True:
            try:
                event: Event | None = await asyncio.wait_for(events.get(), 0.5)
            except TimeoutError:
                event = None
            now = self.clock()
            if event is not None:
                if isinstance(event, Reading) and event.device_info:
                    # The hospital's Device resource needs it after the device has gone.
                    self.store.note_device(event.device_id, event.device_info, at=now)
                step.feed(event, now)
                if isinstance(event, WaveformChunk):
                    self.events.put_nowait(Live(event))
                elif isinstance(event, DeviceStatus):
                    log.debug("device status during step", extra={"state": event.state})
            state = step.poll(now)
            if isinstance(state, Outcome | Failure):
                return state
            if state.problem != last_problem or event is None:
                self.events.put_nowait(state)
            last_problem = state.problem

    async def _send(self, device_id: str, commands: list[Command]) -> None:
        for command in commands:
            with contextlib.suppress(CabinError):
                await self.hub.command(device_id, command.name, **command.params)

    def _keep(self, visit: VisitFlow, outcome: Outcome) -> None:
        for kept in outcome.kept:
            visit.record(
                kept.kind,
                kept.values,
                kept.unit,
                device_id=kept.device_id,
                quality=kept.quality,
                flags=kept.flags,
            )
        if outcome.waveform is not None:
            kind, fs, start, samples, unit = outcome.waveform
            self.store.add_waveform(
                visit.visit_id, str(kind), fs, start, samples, unit,
                device_id=outcome.kept[0].device_id if outcome.kept else None,
            )  # fmt: skip

    def _open_visit(self) -> VisitFlow:
        if self.visit is None or self.visit.ended is not None:
            raise CabinError("no visit is running")
        return self.visit
