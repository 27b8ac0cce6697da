"""A resident's earlier values: the last visit's, and whether today's is higher or lower.

A change smaller than what a repeat measurement varies by anyway is "about the
same": telling an elderly resident that 131/80 is "higher" than 129/80 would
only worry them. The thresholds are those differences, per kind, and are
conservative (roughly the repeatability of a home device): blood pressure 5 mmHg
systolic (O'Brien et al., J Hypertens 2003, ESH validation: +/-5 mmHg), SpO2
2 % (ISO 80601-2-61 accuracy class), heart and pulse rate 5 /min, temperature
0.3 Cel, weight 0.5 kg, glucose 0.5 mmol/L. No Qt here.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from cabin.store import Measurement, Store, Visit

__all__ = ["Change", "Earlier", "earlier_value", "last_visit", "main_value"]

# The smallest difference worth telling, in each kind's unit (see the docstring).
_SAME_WITHIN: Mapping[str, float] = {
    "blood_pressure": 5.0,
    "spo2": 2.0,
    "pulse_rate": 5.0,
    "heart_rate": 5.0,
    "temperature": 0.3,
    "weight": 0.5,
    "glucose": 0.5,
}
_DEFAULT_SAME_WITHIN = 0.05  # of the earlier value, for kinds without a figure above


class Change(enum.StrEnum):
    """Today's value against the last visit's."""

    HIGHER = "higher"
    LOWER = "lower"
    SAME = "same"


@dataclass(frozen=True, slots=True)
class Earlier:
    """The same kind measured at the resident's last visit that had it.

    Attributes:
        measurement: that earlier measurement.
        when: when that visit began (UTC).
        change: today's value against it.
    """

    measurement: Measurement
    when: datetime
    change: Change


def main_value(kind: str, values: Mapping[str, float]) -> float | None:
    """The value a trend follows: systolic for blood pressure, else the kind's own value."""
    name = "systolic" if kind == "blood_pressure" else kind
    if name in values:
        return values[name]
    return next(iter(values.values()), None) if len(values) == 1 else None


def last_visit(
    store: Store, resident_id: str, *, before: str | None = None
) -> tuple[Visit, list[Measurement]] | None:
    """The resident's latest visit other than ``before`` (the one under way), with its
    measurements; None for a first visit."""
    for visit in reversed(store.visits_of(resident_id)):
        if visit.id != before:
            return visit, store.measurements(visit.id)
    return None


def earlier_value(
    store: Store,
    resident_id: str,
    kind: str,
    values: Mapping[str, float],
    unit: str,
    *,
    before: str | None = None,
) -> Earlier | None:
    """The last earlier measurement of ``kind`` and how today's ``values`` compare with it.

    Args:
        store: the station's store.
        resident_id: whose visits to look at.
        kind: what was measured today (``"blood_pressure"``...).
        values: today's values, in ``unit``.
        unit: their UCUM unit; an earlier value in another unit is not compared.
        before: the visit under way, left out.
    """
    today = main_value(kind, values)
    if today is None:
        return None
    for visit in reversed(store.visits_of(resident_id)):
        if visit.id == before:
            continue
        for measurement in reversed(store.measurements(visit.id)):
            then = main_value(kind, measurement.values)
            if measurement.kind != kind or measurement.unit != unit or then is None:
                continue
            same_within = _SAME_WITHIN.get(kind, abs(then) * _DEFAULT_SAME_WITHIN)
            if abs(today - then) < same_within:
                change = Change.SAME
            else:
                change = Change.HIGHER if today > then else Change.LOWER
            return Earlier(measurement, visit.started_at, change)
    return None
