"""What the doctor sees of a visit, and nothing more: the queue's summary (age, sex,
values, flags; no name, no ID) and the call's record of readings and earlier visits."""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

from cabin.store import Measurement, Store
from fhir_bridge.codes import INTERPRETATION
from fhir_bridge.mapping.interpretation import interpret_measurement
from hardware.driver import utc_now
from video.control import EARLIER_MAX, READINGS_MAX, EarlierVisit, Reading, Record, new_message_id

__all__ = ["record_for", "summary_for"]

_CODE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")  # a flag the portal accepts


# What the queue shows the doctor of an out-of-range value: the kind's flag prefix
# (the console names these), then high or low from the value's interpretation.
_FLAG_PREFIX = {
    "blood_pressure": "bp",
    "spo2": "spo2",
    "pulse_rate": "hr",
    "heart_rate": "hr",
    "glucose": "glucose",
    "temperature": "temperature",
}


def _reading_flags(measurement: Measurement) -> list[str]:
    """``bp_high``, ``spo2_low``... for a value :mod:`vitals.interpret` puts out of range."""
    prefix = _FLAG_PREFIX.get(measurement.kind)
    meaning = interpret_measurement(measurement) if prefix else None
    if meaning is None:
        return []
    code = INTERPRETATION.get(meaning.code, "N")
    if code in ("H", "HH"):
        return ["fever" if prefix == "temperature" else f"{prefix}_high"]
    if code in ("L", "LL"):
        return [f"{prefix}_low"]
    return []


def summary_for(store: Store, visit_id: str, *, today: date | None = None) -> dict[str, object]:
    """What the doctors in the queue see: age, sex, values and flags; no name, no ID.

    An anonymous visit says ``age`` ``None`` (unknown) and ``sex`` ``"unknown"``.
    """
    visit = store.visit(visit_id)
    age: int | None = None
    sex = "unknown"
    if visit is not None and visit.resident_id is not None:
        resident = store.resident(visit.resident_id)
        if resident is not None:
            born = resident.identity.birth_date
            now = today or utc_now().date()
            age = now.year - born.year - ((now.month, now.day) < (born.month, born.day))
            age = min(max(age, 0), 130)
            sex = str(resident.identity.sex)
    values: dict[str, object] = {}
    flags: list[str] = []
    for measurement in store.measurements(visit_id):
        for name, value in measurement.values.items():
            values[name] = {"value": value, "unit": measurement.unit}
        found = [*_reading_flags(measurement), *sorted(measurement.flags)]
        flags += [f for f in found if _CODE.fullmatch(f) and f not in flags]
    return {"age": age, "sex": sex, "values": values, "flags": flags[:32]}


def _reading(measurement: Measurement) -> Reading:
    flags = tuple(f for f in sorted(measurement.flags) if _CODE.fullmatch(f))
    return Reading(measurement.kind, measurement.values, measurement.unit, flags)


def record_for(store: Store, visit_id: str, *, timezone: str = "Asia/Ho_Chi_Minh") -> Record:
    """This visit's readings and the resident's earlier visits (newest first), no identity."""
    readings = tuple(_reading(m) for m in store.measurements(visit_id)[-READINGS_MAX:])
    earlier: list[EarlierVisit] = []
    visit = store.visit(visit_id)
    if visit is not None and visit.resident_id is not None:
        zone = ZoneInfo(timezone)
        for other in reversed(store.visits_of(visit.resident_id)):
            if other.id == visit_id:
                continue
            kept = store.measurements(other.id)[-READINGS_MAX:]
            if not kept:
                continue
            day = other.started_at.astimezone(zone).date().isoformat()
            earlier.append(EarlierVisit(day, tuple(_reading(m) for m in kept)))
            if len(earlier) == EARLIER_MAX:
                break
    return Record(new_message_id(), readings, tuple(earlier))
