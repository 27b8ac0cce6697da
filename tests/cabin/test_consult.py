"""What the consult tells the doctor: a summary and a record that name nobody."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from cabin.consult import record_for, summary_for
from cabin.store import Identity, Sex
from video.control import encode_control, parse_control

# An invented resident (no such person).
RESIDENT = Identity("001152004321", "Nguyễn Thị Thử", date(1952, 3, 15), Sex.FEMALE, "Số 5 Phố Mẫu")


def visit_with(store, resident_id, day, readings):
    visit = store.start_visit("station-1", resident_id=resident_id, at=day)
    for kind, values, unit, flags in readings:
        store.add_measurement(visit, kind, values, unit, received_at=day, flags=flags)
    return visit


def test_the_summary_says_age_sex_values_and_flags_and_nothing_that_identifies(store):
    resident = store.add_resident(RESIDENT)
    visit = visit_with(
        store,
        resident,
        datetime(2026, 3, 14, 2, tzinfo=UTC),
        [
            ("blood_pressure", {"systolic": 158, "diastolic": 95}, "mm[Hg]", ["irregular_pulse"]),
            ("spo2", {"spo2": 95}, "%", []),
        ],
    )
    summary = summary_for(store, visit, today=date(2026, 3, 14))
    assert summary == {
        "age": 73,  # 74 tomorrow
        "sex": "female",
        "values": {
            "systolic": {"value": 158, "unit": "mm[Hg]"},
            "diastolic": {"value": 95, "unit": "mm[Hg]"},
            "spo2": {"value": 95, "unit": "%"},
        },
        "flags": ["bp_high", "irregular_pulse"],  # the interpretation's, then the device's
    }
    text = json.dumps(summary, ensure_ascii=False)
    for personal in ("Nguyễn", "001152004321", "Phố Mẫu", "1952"):
        assert personal not in text


def test_the_summary_flags_values_out_of_range(store):
    visit = visit_with(
        store,
        None,
        datetime(2026, 3, 14, tzinfo=UTC),
        [
            ("spo2", {"spo2": 89}, "%", []),
            ("pulse_rate", {"pulse_rate": 48}, "/min", []),
            ("temperature", {"temperature": 38.6}, "Cel", []),
            ("blood_pressure", {"systolic": 118, "diastolic": 76}, "mm[Hg]", []),
        ],
    )
    assert summary_for(store, visit)["flags"] == ["spo2_low", "hr_low", "fever"]


def test_an_anonymous_visit_is_of_unknown_age_and_sex(store):
    visit = visit_with(store, None, datetime(2026, 3, 14, tzinfo=UTC), [])
    assert summary_for(store, visit) == {"age": None, "sex": "unknown", "values": {}, "flags": []}


def test_the_record_holds_this_visit_and_up_to_ten_earlier_ones_newest_first(store):
    resident = store.add_resident(RESIDENT)
    for month in range(1, 13):
        visit_with(
            store,
            resident,
            datetime(2025, month, 10, 20, tzinfo=UTC),  # 03:00 the next day in Vietnam
            [("spo2", {"spo2": 90 + month % 8}, "%", [])],
        )
    visit_with(store, resident, datetime(2026, 2, 1, tzinfo=UTC), [])  # measured nothing
    today = visit_with(
        store, resident, datetime(2026, 3, 14, tzinfo=UTC), [("spo2", {"spo2": 96}, "%", [])]
    )
    record = record_for(store, today)
    assert [(r.kind, dict(r.values)) for r in record.readings] == [("spo2", {"spo2": 96})]
    assert [e.date for e in record.earlier] == [f"2025-{m:02d}-11" for m in range(12, 2, -1)]
    assert parse_control(encode_control(record)) == record
    assert "Nguyễn" not in encode_control(record)
