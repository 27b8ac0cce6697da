"""The visit: the state machine that leads a resident through the cabin.

::

    (idle) -> identify -> consent -> measure -> results -> [consult] -> send -> goodbye
                                                       \\-> goodbye (no consent: nothing is sent)

During a consult the doctor may ask for a measurement again: the visit stays in
``consult`` while it runs (:meth:`VisitFlow.start_measuring` and
:meth:`VisitFlow.record` accept ``measure`` and ``consult``, nothing else).

Every change is stored with the visit before the caller sees it, so a crash
loses nothing that was measured; a visit the resident sent is handed to
``on_sent`` (the FHIR outbox) inside the transaction that ends it, so it cannot
end without being queued for the hospital; :func:`recover` closes, at start-up, the visits
a crash or power cut left open. Until ``send`` every step can go back. An idle
timer (no touch for ``idle_timeout`` seconds, a spoken warning ``warning``
seconds before) ends the visit, keeping what was measured; it does not run while
a device is measuring or while a doctor is called, so nobody is hurried.

No Qt and no asyncio here: the clock is injected, the caller ticks the timer.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from cabin.errors import CabinError
from cabin.store import Store
from hardware.driver import utc_now

__all__ = [
    "DEFAULT_TIMER",
    "End",
    "IdleEvent",
    "IdleTimer",
    "Step",
    "VisitError",
    "VisitFlow",
    "recover",
]

log = logging.getLogger(__name__)


class Step(enum.StrEnum):
    """Where the resident is. These names are stored as the visit's states."""

    IDENTIFY = "identify"
    CONSENT = "consent"
    MEASURE = "measure"
    RESULTS = "results"
    CONSULT = "consult"
    SEND = "send"
    GOODBYE = "goodbye"


class End(enum.StrEnum):
    """How a visit ended; stored as its final state."""

    COMPLETED = "completed"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    INTERRUPTED = "interrupted"  # found open at start-up: the station had stopped


class IdleEvent(enum.Enum):
    """What the idle timer has to say on a tick."""

    NONE = "none"
    WARN = "warn"  # speak the warning now
    TIMED_OUT = "timed_out"  # the visit has just been ended


_FORWARD: Mapping[Step, frozenset[Step]] = {
    Step.IDENTIFY: frozenset({Step.CONSENT}),
    Step.CONSENT: frozenset({Step.MEASURE}),
    Step.MEASURE: frozenset({Step.RESULTS}),
    Step.RESULTS: frozenset({Step.CONSULT, Step.SEND, Step.GOODBYE}),
    Step.CONSULT: frozenset({Step.RESULTS}),
    Step.SEND: frozenset({Step.GOODBYE}),
    Step.GOODBYE: frozenset(),
}
_BACK: Mapping[Step, Step] = {
    Step.CONSENT: Step.IDENTIFY,
    Step.MEASURE: Step.CONSENT,
    Step.RESULTS: Step.MEASURE,
    Step.CONSULT: Step.RESULTS,
}
# The steps in which a device may measure and its reading be kept.
_MEASURING_STEPS = frozenset({Step.MEASURE, Step.CONSULT})


class VisitError(CabinError):
    """A step that the visit's state does not allow (a bug in the caller, or a double tap)."""


@dataclass(frozen=True, slots=True)
class IdleTimer:
    """Seconds without a touch before the visit ends, and before that, the warning."""

    idle_timeout: float = 90.0
    warning: float = 15.0

    def __post_init__(self) -> None:
        if not 0 < self.warning < self.idle_timeout:
            raise ValueError("need 0 < warning < idle_timeout")


DEFAULT_TIMER = IdleTimer()


class VisitFlow:
    """One visit, from the first touch to goodbye.

    Args:
        store: where the visit and its measurements are kept.
        station_id: this station's id.
        timer: the idle timeout and warning, in seconds.
        clock: the station's clock (UTC); tests inject their own.
        on_sent: called with the visit id inside the store transaction that ends a
            visit the resident sent (however it ends: goodbye, time-out, cancel).
    """

    def __init__(
        self,
        store: Store,
        station_id: str,
        *,
        timer: IdleTimer = DEFAULT_TIMER,
        clock: Callable[[], datetime] = utc_now,
        on_sent: Callable[[str], object] | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._on_sent = on_sent
        self.sent = False
        self.timer = timer
        self.step = Step.IDENTIFY
        self.consent: bool | None = None
        self.resident_id: str | None = None
        self.measuring = False
        self.calling = False
        self.ended: End | None = None
        self._last_touch = clock()
        self._warned = False
        self.visit_id = store.start_visit(station_id, state=Step.IDENTIFY, at=self._last_touch)

    # --- what the resident does ----------------------------------------------------------

    def touch(self) -> None:
        """The resident did something: the idle timer starts again."""
        self._last_touch = self._clock()
        self._warned = False

    def identify(self, resident_id: str | None) -> None:
        """Who is here (None: the resident stays anonymous). Moves on to consent."""
        self._require(Step.IDENTIFY)
        self._store.set_visit_resident(self.visit_id, resident_id)
        self.resident_id = resident_id
        self._go(Step.CONSENT)

    def give_consent(self, consent: bool) -> None:
        """Yes or no to recording and sharing with the hospital. Moves on to measuring."""
        self._require(Step.CONSENT)
        self._store.set_visit_consent(self.visit_id, consent)
        self.consent = consent
        self._go(Step.MEASURE)

    def choose_hospital(self, hospital: str | None) -> None:
        """The hospital the resident wants the results sent to (None: the station's)."""
        self._check_open()
        if self.sent:
            raise VisitError("the visit has already been sent")
        self._store.set_visit_hospital(self.visit_id, hospital)
        self.touch()

    def start_measuring(self) -> None:
        """A device is measuring (while measuring, or for the doctor): the idle timer waits."""
        self._require_any(_MEASURING_STEPS)
        self.measuring = True
        self.touch()

    def stop_measuring(self) -> None:
        """The device is done (or the resident gave up): the idle timer runs again."""
        self.measuring = False
        self.touch()

    def record(
        self,
        kind: str,
        values: Mapping[str, float],
        unit: str,
        *,
        device_id: str | None = None,
        device_time: datetime | None = None,
        quality: float | None = None,
        flags: frozenset[str] = frozenset(),
    ) -> int:
        """Keep a measurement that passed its quality checks; stored at once.

        Allowed while measuring and during a consult (the doctor asked again).
        """
        self._require_any(_MEASURING_STEPS)
        self.touch()
        return self._store.add_measurement(
            self.visit_id,
            kind,
            values,
            unit,
            device_id=device_id,
            device_time=device_time,
            received_at=self._clock(),
            quality=quality,
            flags=sorted(flags),
        )

    def show_results(self) -> None:
        self._require(Step.MEASURE)
        self.measuring = False
        self._go(Step.RESULTS)

    def ask_doctor(self) -> None:
        self._require(Step.RESULTS)
        self._go(Step.CONSULT)

    def begin_call(self) -> None:
        """The resident is waiting for or talking to a doctor: the idle timer waits."""
        self._require(Step.CONSULT)
        self.calling = True
        self.touch()

    def end_call(self) -> None:
        """The call is over: the idle timer runs again (the visit stays in consult)."""
        self.calling = False
        self.touch()

    def end_consult(self) -> None:
        """The call is over (or never began): back to the results, nothing measured lost."""
        self._require(Step.CONSULT)
        self.measuring = False
        self.calling = False
        self._go(Step.RESULTS)

    def send(self) -> None:
        """Hand the visit to the hospital. Only with consent; there is no going back."""
        self._require(Step.RESULTS)
        if not self.consent:
            raise VisitError("no consent: nothing may leave the station")
        self._go(Step.SEND)
        self.sent = True

    def goodbye(self) -> None:
        """The last screen. From results (no consent, or nothing to send) or after send."""
        if self.step not in (Step.RESULTS, Step.SEND):
            raise VisitError(f"cannot say goodbye from {self.step}")
        if self.step == Step.RESULTS and self.consent:
            raise VisitError("consent was given: send the visit before goodbye")
        self._go(Step.GOODBYE)

    def finish(self) -> None:
        """The goodbye screen was shown: the visit is complete."""
        self._require(Step.GOODBYE)
        self._end(End.COMPLETED)

    def back(self) -> None:
        """Go back one step; every step before send can be undone."""
        self._check_open()
        if self.step == Step.IDENTIFY:
            self._end(End.CANCELLED)
            return
        previous = _BACK.get(self.step)
        if previous is None:
            raise VisitError(f"cannot go back from {self.step}")
        self.measuring = False
        self._go(previous, back=True)

    def cancel(self) -> None:
        """The resident walked away or pressed cancel; what was measured is kept."""
        self._check_open()
        self._end(End.CANCELLED)

    # --- the idle timer -----------------------------------------------------------------

    def tick(self) -> IdleEvent:
        """Check the idle timer; call it every second or so."""
        if self.ended is not None or self.measuring or self.calling:
            return IdleEvent.NONE
        idle = (self._clock() - self._last_touch).total_seconds()
        if idle >= self.timer.idle_timeout:
            self._end(End.TIMED_OUT)
            return IdleEvent.TIMED_OUT
        if idle >= self.timer.idle_timeout - self.timer.warning and not self._warned:
            self._warned = True
            return IdleEvent.WARN
        return IdleEvent.NONE

    # --- internals ----------------------------------------------------------------------

    def _require(self, step: Step) -> None:
        self._check_open()
        if self.step != step:
            raise VisitError(f"not allowed in {self.step}, only in {step}")

    def _require_any(self, steps: frozenset[Step]) -> None:
        self._check_open()
        if self.step not in steps:
            allowed = ", ".join(sorted(steps))
            raise VisitError(f"not allowed in {self.step}, only in {allowed}")

    def _check_open(self) -> None:
        if self.ended is not None:
            raise VisitError("the visit has ended")

    def _go(self, step: Step, *, back: bool = False) -> None:
        if not back and step not in _FORWARD[self.step]:
            raise VisitError(f"cannot go from {self.step} to {step}")
        self._store.transition(self.visit_id, step, expect=self.step, at=self._clock())
        self.step = step
        self.touch()

    def _end(self, how: End) -> None:
        with self._store.transaction():
            self._store.transition(self.visit_id, how, expect=self.step, end=True, at=self._clock())
            if self.sent and self._on_sent is not None:
                self._on_sent(self.visit_id)
        self.ended = how
        self.measuring = False
        self.calling = False
        log.info("visit ended", extra={"visit": self.visit_id, "state": how.value})


def recover(
    store: Store,
    station_id: str,
    *,
    clock: Callable[[], datetime] = utc_now,
    on_sent: Callable[[str], object] | None = None,
) -> list[str]:
    """Close the visits a crash or power cut left open; their measurements stay.

    A consult cut by the stop is closed too (``interrupted``), so its note still goes
    with the visit.

    A visit the resident had already sent goes to ``on_sent`` in the same
    transaction, as if it had ended normally.

    Returns:
        The ids of the visits closed.
    """
    closed = []
    for visit in store.unfinished_visits(station_id):
        with store.transaction():
            for consult in store.consults_of(visit.id):
                if consult.ended_at is None:  # the call was cut by the stop
                    store.end_consult(consult.id, "interrupted", at=clock())
            store.transition(visit.id, End.INTERRUPTED, expect=visit.state, end=True, at=clock())
            if visit.state in (Step.SEND, Step.GOODBYE) and on_sent is not None:
                on_sent(visit.id)
        log.warning("open visit closed at start-up", extra={"visit": visit.id})
        closed.append(visit.id)
    return closed
