"""The consult queue: stations asking for a doctor, doctors taking them.

Pure bookkeeping, no I/O: :class:`ConsultQueue` is driven by the signalling
handlers (:mod:`video.portal.signalling`) and reads time from an injected
monotonic clock, so tests move time by hand.

A consult goes ``waiting`` -> ``active`` (a doctor accepted) -> ``ended``, or
``waiting`` -> ``ended`` (cancelled by the station, timed out). Only the
:class:`Summary` travels to doctors: age, sex, measured values and flags, never
a name or an ID number; :func:`parse_summary` refuses anything else.
"""

from __future__ import annotations

import enum
import itertools
import math
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cabin.errors import VideoError

__all__ = [
    "Consult",
    "ConsultError",
    "ConsultQueue",
    "ConsultState",
    "ConsultTaken",
    "Summary",
    "SummaryError",
    "parse_summary",
]

Clock = Callable[[], float]

_SUMMARY_KEYS = frozenset({"age", "sex", "values", "flags"})
_SEXES = frozenset({"male", "female", "other", "unknown"})
_VALUE_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]{0,63}")
_FLAG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}")
_UNIT = re.compile(r"[A-Za-z0-9%/\[\].*{}^\-]{1,16}")
_MAX_VALUES = 64
_MAX_FLAGS = 32


class ConsultError(VideoError):
    """A consult operation that cannot be done (unknown consult, wrong state)."""


class ConsultTaken(ConsultError):
    """Another doctor accepted the consult first (or it is no longer waiting)."""


class SummaryError(ConsultError, ValueError):
    """The clinical summary a station sent is not acceptable (wrong keys or types)."""


class ConsultState(enum.StrEnum):
    """Where a consult is in its life."""

    WAITING = "waiting"
    ACTIVE = "active"
    ENDED = "ended"


ValueEntry = float | int | dict[str, float | int | str]


@dataclass(frozen=True, slots=True)
class Summary:
    """What a doctor sees of a resident before accepting: nothing identifying.

    Attributes:
        age: years, 0 to 130, or ``None`` when unknown (an anonymous visit).
        sex: ``male``, ``female``, ``other`` or ``unknown``.
        values: measured values by code, each a number or
            ``{"value": number, "unit": UCUM}``.
        flags: short codes such as ``"bp_high"``.
    """

    age: int | None
    sex: str
    values: Mapping[str, ValueEntry]
    flags: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        """The summary as plain JSON-ready data."""
        return {
            "age": self.age,
            "sex": self.sex,
            "values": dict(self.values),
            "flags": list(self.flags),
        }


def _is_number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def parse_summary(data: object) -> Summary:
    """Check a station's summary and return it.

    Raises:
        SummaryError: not an object, a key other than ``age``, ``sex``, ``values``
            and ``flags`` (names and ID numbers are refused this way), a missing
            key, or a value of the wrong type or size.
    """
    if not isinstance(data, dict):
        raise SummaryError("the summary must be an object")
    extra = set(data) - _SUMMARY_KEYS
    if extra:
        raise SummaryError("the summary may hold only age, sex, values and flags")
    missing = _SUMMARY_KEYS - set(data)
    if missing:
        raise SummaryError(f"the summary lacks {', '.join(sorted(missing))}")
    age = data["age"]
    if age is not None and (
        not isinstance(age, int) or isinstance(age, bool) or not 0 <= age <= 130
    ):
        raise SummaryError("age must be a whole number of years from 0 to 130, or null")
    sex = data["sex"]
    if not isinstance(sex, str) or sex not in _SEXES:
        raise SummaryError("sex must be male, female, other or unknown")
    raw_values = data["values"]
    if not isinstance(raw_values, dict) or len(raw_values) > _MAX_VALUES:
        raise SummaryError(f"values must be an object of at most {_MAX_VALUES} entries")
    values: dict[str, ValueEntry] = {}
    for key, value in raw_values.items():
        if not isinstance(key, str) or not _VALUE_KEY.fullmatch(key):
            raise SummaryError("a value's code must be a short identifier")
        if _is_number(value):
            values[key] = value
        elif (
            isinstance(value, dict)
            and set(value) <= {"value", "unit"}
            and _is_number(value.get("value"))
            and (
                "unit" not in value
                or (isinstance(value["unit"], str) and _UNIT.fullmatch(value["unit"]))
            )
        ):
            values[key] = dict(value)
        else:
            raise SummaryError("a value must be a number or {value: number, unit: UCUM}")
    raw_flags = data["flags"]
    if not isinstance(raw_flags, list) or len(raw_flags) > _MAX_FLAGS:
        raise SummaryError(f"flags must be a list of at most {_MAX_FLAGS} codes")
    flags: list[str] = []
    for flag in raw_flags:
        if not isinstance(flag, str) or not _FLAG.fullmatch(flag):
            raise SummaryError("a flag must be a short code")
        flags.append(flag)
    return Summary(age=age, sex=sex, values=values, flags=tuple(flags))


@dataclass(slots=True)
class Consult:
    """One request for a doctor.

    Attributes:
        id: the consult's id (random, URL-safe).
        station: the station that asked.
        visit: the station's visit id (never shown to doctors).
        summary: what doctors see before accepting.
        requested_at: clock time of the request.
        seq: order of arrival (ties in the clock are broken by it).
        state: waiting, active or ended.
        doctor: the accepting doctor's username, once accepted.
        accepted_at: clock time of the accept.
        ended_at: clock time it ended.
        end_reason: why it ended (``cancelled``, ``timeout``, ``doctor``, ``station``...).
    """

    id: str
    station: str
    visit: str
    summary: Summary
    requested_at: float
    seq: int
    state: ConsultState = ConsultState.WAITING
    doctor: str | None = None
    accepted_at: float | None = None
    ended_at: float | None = None
    end_reason: str | None = None


class ConsultQueue:
    """Waiting and active consults, in arrival order.

    Args:
        clock: monotonic seconds.
        request_timeout: seconds a consult may wait before :meth:`expire` drops it.
        default_consult_s: assumed length of a consult until some have been timed.
    """

    def __init__(
        self,
        *,
        clock: Clock = time.monotonic,
        request_timeout: float = 600.0,
        default_consult_s: float = 300.0,
    ) -> None:
        if request_timeout <= 0 or default_consult_s <= 0:
            raise ValueError("request_timeout and default_consult_s must be > 0 seconds")
        self._clock = clock
        self.request_timeout = request_timeout
        self._mean_consult_s = default_consult_s
        self._consults: dict[str, Consult] = {}
        self._seq = itertools.count()

    def __len__(self) -> int:
        return len(self._consults)

    def now(self) -> float:
        """The injected clock's time."""
        return self._clock()

    def get(self, consult_id: str) -> Consult | None:
        """The live (waiting or active) consult ``consult_id``, or ``None``."""
        return self._consults.get(consult_id)

    def request(self, station: str, visit: str, summary: Summary) -> Consult:
        """Put a new consult at the end of the queue and return it."""
        consult_id = secrets.token_urlsafe(12)
        consult = Consult(
            id=consult_id,
            station=station,
            visit=visit,
            summary=summary,
            requested_at=self._clock(),
            seq=next(self._seq),
        )
        self._consults[consult_id] = consult
        return consult

    def waiting(self) -> list[Consult]:
        """Waiting consults, first come first."""
        return sorted(
            (c for c in self._consults.values() if c.state is ConsultState.WAITING),
            key=lambda c: (c.requested_at, c.seq),
        )

    def active(self) -> list[Consult]:
        """Consults in a call."""
        return [c for c in self._consults.values() if c.state is ConsultState.ACTIVE]

    def position(self, consult_id: str) -> int | None:
        """1 for the first waiting consult, ...; ``None`` if not waiting."""
        for index, consult in enumerate(self.waiting(), start=1):
            if consult.id == consult_id:
                return index
        return None

    def wait_estimate(self, consult_id: str, doctors: int = 1) -> int | None:
        """Estimated seconds until a doctor accepts; ``None`` if not waiting.

        Each consult ahead (and this one) takes about the mean consult length,
        shared among ``doctors`` doctors, less the time already waited.
        """
        position = self.position(consult_id)
        if position is None:
            return None
        consult = self._consults[consult_id]
        waited = self._clock() - consult.requested_at
        estimate = position * self._mean_consult_s / max(1, doctors) - waited
        return max(0, round(estimate))

    def waiting_s(self, consult: Consult) -> int:
        """Whole seconds ``consult`` has been waiting (or waited)."""
        end = consult.accepted_at if consult.accepted_at is not None else self._clock()
        return max(0, int(end - consult.requested_at))

    def accept(self, consult_id: str, doctor: str) -> Consult:
        """``doctor`` takes the consult.

        Raises:
            ConsultTaken: it is unknown, already accepted or over.
        """
        consult = self._consults.get(consult_id)
        if consult is None or consult.state is not ConsultState.WAITING:
            raise ConsultTaken(consult_id)
        consult.state = ConsultState.ACTIVE
        consult.doctor = doctor
        consult.accepted_at = self._clock()
        return consult

    def end(self, consult_id: str, reason: str) -> Consult | None:
        """End (or cancel, if still waiting) a consult; ``None`` if already gone."""
        consult = self._consults.pop(consult_id, None)
        if consult is None:
            return None
        now = self._clock()
        if consult.state is ConsultState.ACTIVE and consult.accepted_at is not None:
            length = max(1.0, now - consult.accepted_at)
            self._mean_consult_s = 0.8 * self._mean_consult_s + 0.2 * length
        consult.state = ConsultState.ENDED
        consult.ended_at = now
        consult.end_reason = reason
        return consult

    def expire(self) -> list[Consult]:
        """Remove and return consults that waited longer than ``request_timeout``."""
        deadline = self._clock() - self.request_timeout
        stale = [c.id for c in self.waiting() if c.requested_at <= deadline]
        return [c for c in (self.end(cid, "timeout") for cid in stale) if c is not None]
