"""Teleconsultations in the store, on a real SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cabin.errors import StoreError
from cabin.store import Store

T0 = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
NOTE_1 = "Huyết áp cao, cần đo lại sau 1 tuần."
NOTE_2 = "Huyết áp cao. Hẹn tái khám tại trạm y tế phường sau 1 tuần."


@pytest.fixture
def visit(store: Store) -> str:
    return store.start_visit("HN-001", at=T0)


def test_a_consult_from_request_to_end_keeps_every_version_of_the_note(
    store: Store, visit: str, tmp_path: Path
) -> None:
    consult_id = store.begin_consult(visit, at=T0)
    assert store.consult_for(visit) is None  # no doctor yet
    store.set_consult_doctor(
        consult_id, "bs.lan", "BS. Nguyễn Thị Lan", at=T0 + timedelta(minutes=2)
    )
    assert store.set_consult_note(consult_id, NOTE_1, at=T0 + timedelta(minutes=5)) == 1
    assert store.set_consult_note(consult_id, NOTE_2, at=T0 + timedelta(minutes=6)) == 2
    assert store.end_consult(consult_id, "doctor", at=T0 + timedelta(minutes=7))
    assert not store.end_consult(consult_id, "resident")  # already over: unchanged

    consult = store.consult_for(visit)
    assert consult is not None
    assert (consult.id, consult.visit_id, consult.doctor_id) == (consult_id, visit, "bs.lan")
    assert consult.doctor_name == "BS. Nguyễn Thị Lan"
    assert (consult.started_at, consult.accepted_at, consult.ended_at) == (
        T0,
        T0 + timedelta(minutes=2),
        T0 + timedelta(minutes=7),
    )
    assert (consult.note, consult.note_version, consult.end_reason) == (NOTE_2, 2, "doctor")
    assert [(v, text) for v, _, text in store.consult_notes(consult_id)] == [
        (1, NOTE_1),
        (2, NOTE_2),
    ]
    assert NOTE_2 not in repr(consult)
    assert "Lan" not in repr(consult)

    raw = sqlite3.connect(tmp_path / "station.db")
    try:
        blobs = [bytes(r[0]) for r in raw.execute("SELECT text FROM consult_notes")]
        name = bytes(raw.execute("SELECT doctor_name FROM consults").fetchone()[0])
    finally:
        raw.close()
    assert all("Huyết".encode() not in blob for blob in blobs)
    assert b"Lan" not in name


def test_a_request_no_doctor_took_is_kept_but_is_not_the_visits_consult(
    store: Store, visit: str
) -> None:
    first = store.begin_consult(visit, at=T0)
    store.end_consult(first, "unreachable", at=T0 + timedelta(seconds=3))
    assert store.consult_for(visit) is None
    (kept,) = store.consults_of(visit)
    assert (kept.end_reason, kept.accepted_at, kept.doctor_name, kept.note) == (
        "unreachable",
        None,
        None,
        "",
    )


def test_a_note_moved_to_another_version_no_longer_opens(
    store: Store, visit: str, tmp_path: Path
) -> None:
    consult_id = store.begin_consult(visit, at=T0)
    store.set_consult_note(consult_id, NOTE_1)
    store.set_consult_note(consult_id, NOTE_2)
    raw = sqlite3.connect(tmp_path / "station.db")
    try:
        raw.execute(
            "UPDATE consult_notes SET text = (SELECT text FROM consult_notes WHERE version = 1)"
            " WHERE version = 2"
        )
        raw.commit()
    finally:
        raw.close()
    with pytest.raises(StoreError):
        store.consult(consult_id)


def test_an_ended_consult_takes_no_doctor_and_unknown_ids_are_refused(
    store: Store, visit: str
) -> None:
    consult_id = store.begin_consult(visit)
    store.end_consult(consult_id, "resident")
    with pytest.raises(StoreError):
        store.set_consult_doctor(consult_id, "bs.lan", "BS. Lan")
    with pytest.raises(StoreError):
        store.set_consult_note(999, NOTE_1)
    with pytest.raises(StoreError):
        store.end_consult(999, "doctor")
    with pytest.raises(StoreError):
        store.begin_consult("00000000-0000-0000-0000-000000000000")  # no such visit
