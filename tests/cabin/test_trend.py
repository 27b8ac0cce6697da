"""Earlier values: the last visit's, and whether today's is higher, lower or about the same."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cabin.store import Identity, Sex
from cabin.trend import Change, earlier_value, last_visit, main_value
from cabin.visit import VisitFlow

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def resident(store):
    # An invented resident.
    return store.add_resident(
        Identity(
            cccd="001152004321",
            full_name="Nguyễn Thị Thử",
            birth_date=datetime(1952, 3, 15).date(),
            sex=Sex.FEMALE,
        )
    )


def past_visit(store, resident, days_ago: int, *measurements) -> str:
    when = START - timedelta(days=days_ago)
    visit = VisitFlow(store, "station-test", clock=lambda: when)
    visit.identify(resident)
    visit.give_consent(True)
    for kind, values, unit in measurements:
        visit.record(kind, values, unit)
    visit.show_results()
    visit.send()
    visit.goodbye()
    visit.finish()
    return visit.visit_id


BP = "mm[Hg]"


def test_the_last_visit_with_the_kind_is_compared_not_an_older_one(store, resident):
    past_visit(store, resident, 30, ("blood_pressure", {"systolic": 160, "diastolic": 99}, BP))
    past_visit(store, resident, 7, ("blood_pressure", {"systolic": 138, "diastolic": 88}, BP))
    past_visit(store, resident, 2, ("spo2", {"spo2": 97}, "%"))  # no pressure that day
    earlier = earlier_value(
        store, resident, "blood_pressure", {"systolic": 150, "diastolic": 90}, BP
    )
    assert earlier is not None
    assert dict(earlier.measurement.values) == {"systolic": 138, "diastolic": 88}
    assert earlier.when == START - timedelta(days=7)
    assert earlier.change is Change.HIGHER


@pytest.mark.parametrize(
    ("kind", "then", "today", "unit", "change"),
    [
        ("blood_pressure", {"systolic": 140}, {"systolic": 144, "diastolic": 80}, BP, Change.SAME),
        ("blood_pressure", {"systolic": 140}, {"systolic": 134, "diastolic": 90}, BP, Change.LOWER),
        ("spo2", {"spo2": 97}, {"spo2": 96}, "%", Change.SAME),
        ("spo2", {"spo2": 97}, {"spo2": 93}, "%", Change.LOWER),
        ("pulse_rate", {"pulse_rate": 70}, {"pulse_rate": 78}, "/min", Change.HIGHER),
        ("temperature", {"temperature": 36.8}, {"temperature": 37.0}, "Cel", Change.SAME),
        ("weight", {"weight": 61.0}, {"weight": 60.2}, "kg", Change.LOWER),
    ],
)  # fmt: skip
def test_small_differences_are_about_the_same(store, resident, kind, then, today, unit, change):
    past_visit(store, resident, 7, (kind, then, unit))
    earlier = earlier_value(store, resident, kind, today, unit)
    assert earlier is not None
    assert earlier.change is change


def test_the_visit_under_way_and_other_units_are_left_out(store, resident):
    past_visit(store, resident, 7, ("weight", {"weight": 140.0}, "[lb_av]"))
    current = past_visit(store, resident, 0, ("weight", {"weight": 60.0}, "kg"))
    assert earlier_value(store, resident, "weight", {"weight": 60.0}, "kg", before=current) is None
    visit, measurements = last_visit(store, resident, before=current)
    assert visit.started_at == START - timedelta(days=7)
    assert [m.unit for m in measurements] == ["[lb_av]"]


def test_a_first_visit_has_nothing_earlier(store, resident):
    assert last_visit(store, resident) is None
    assert earlier_value(store, resident, "spo2", {"spo2": 97}, "%") is None


def test_the_main_value_is_systolic_for_blood_pressure():
    assert main_value("blood_pressure", {"systolic": 120, "diastolic": 80, "mean": 93}) == 120
    assert main_value("spo2", {"spo2": 97}) == 97
    assert main_value("glucose", {"value": 5.4}) == 5.4
    assert main_value("panel", {"a": 1, "b": 2}) is None
