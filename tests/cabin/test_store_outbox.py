"""The outbox and the devices' descriptions, on a real SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cabin.errors import StoreError
from cabin.store import Store

T0 = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
BUNDLE = b'{"resourceType": "Bundle", "type": "transaction", "entry": []}' * 20


@pytest.fixture
def visit(store: Store) -> str:
    return store.start_visit("HN-001", at=T0)


def test_enqueue_keeps_the_payload_sealed_and_due_now(
    store: Store, visit: str, tmp_path: Path
) -> None:
    entry_id = store.enqueue(visit, "bv-a", "fhir-transaction", BUNDLE, at=T0)
    entry = store.outbox_entry(entry_id)
    assert entry is not None
    assert (entry.visit_id, entry.destination, entry.kind) == (visit, "bv-a", "fhir-transaction")
    assert (entry.state, entry.attempts, entry.payload) == ("pending", 0, BUNDLE)
    assert entry.created_at == entry.next_attempt_at == T0
    assert store.due_entries(T0) == [entry]
    assert store.due_entries(T0 - timedelta(seconds=1)) == []
    assert store.next_due_at() == T0
    raw = sqlite3.connect(tmp_path / "station.db")
    try:
        stored = raw.execute("SELECT payload FROM outbox").fetchone()[0]
    finally:
        raw.close()
    assert b"Bundle" not in stored


def test_enqueue_twice_returns_the_same_entry(store: Store, visit: str) -> None:
    first = store.enqueue(visit, "bv-a", "fhir-transaction", BUNDLE, at=T0)
    again = store.enqueue(visit, "bv-a", "fhir-transaction", b"other", at=T0)
    other_hospital = store.enqueue(visit, "bv-b", "fhir-transaction", BUNDLE, at=T0)
    assert first == again != other_hospital
    assert store.outbox_entry(first).payload == BUNDLE  # type: ignore[union-attr]
    assert store.outbox_counts() == {"pending": 2, "delivered": 0, "dead": 0}


def test_enqueue_rolls_back_with_the_transaction_around_it(store: Store, visit: str) -> None:
    def end_and_crash() -> None:
        with store.transaction():
            store.transition(visit, "completed", end=True, at=T0)
            store.enqueue(visit, "bv-a", "fhir-transaction", BUNDLE, at=T0)
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        end_and_crash()
    assert store.outbox_entries() == []
    assert store.visit(visit).ended_at is None  # type: ignore[union-attr]


def test_failed_attempts_wait_and_count(store: Store, visit: str) -> None:
    entry_id = store.enqueue(visit, "bv-a", "fhir-transaction", BUNDLE, at=T0)
    later = T0 + timedelta(seconds=30)
    store.mark_failed(entry_id, error="the server answered 503", retry_at=later)
    assert store.due_entries(T0 + timedelta(seconds=29)) == []
    [entry] = store.due_entries(later)
    assert (entry.attempts, entry.last_error) == (1, "the server answered 503")
    store.mark_delivered(entry_id, at=later)
    entry = store.outbox_entry(entry_id)  # type: ignore[assignment]
    assert (entry.state, entry.attempts, entry.delivered_at, entry.last_error) == (
        "delivered",
        2,
        later,
        None,
    )
    assert store.due_entries(later + timedelta(days=1)) == []
    assert store.next_due_at() is None
    with pytest.raises(StoreError, match="delivered, not pending"):
        store.mark_failed(entry_id, error="late", retry_at=later)


def test_dead_letter_keeps_the_refusal_and_can_be_requeued(store: Store, visit: str) -> None:
    entry_id = store.enqueue(visit, "bv-a", "fhir-transaction", BUNDLE, at=T0)
    refusal = b'{"resourceType": "OperationOutcome", "issue": []}'
    store.mark_dead(entry_id, error="the server refused the record (HTTP 422)", outcome=refusal)
    [dead] = store.outbox_entries(state="dead")
    assert (dead.outcome, dead.attempts) == (refusal, 1)
    assert store.due_entries(T0 + timedelta(days=9)) == []
    store.requeue(entry_id, b"fixed", at=T0 + timedelta(hours=1))
    [entry] = store.due_entries(T0 + timedelta(hours=1))
    assert (entry.payload, entry.attempts, entry.outcome, entry.last_error) == (
        b"fixed",
        0,
        None,
        None,
    )
    with pytest.raises(StoreError, match="pending, not dead"):
        store.requeue(entry_id)


def test_a_record_that_could_not_be_built_is_a_dead_letter(store: Store, visit: str) -> None:
    with pytest.raises(ValueError, match="needs the error"):
        store.enqueue(visit, "bv-a", "fhir-transaction", None)
    entry_id = store.enqueue(
        visit, "bv-a", "fhir-transaction", None, error="could not build", at=T0
    )
    entry = store.outbox_entry(entry_id)
    assert entry is not None
    assert (entry.state, entry.payload, entry.last_error) == ("dead", None, "could not build")
    with pytest.raises(StoreError, match="rebuild"):
        store.requeue(entry_id)
    store.requeue(entry_id, BUNDLE)
    assert store.outbox_entry(entry_id).state == "pending"  # type: ignore[union-attr]


def test_unknown_entries_are_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="no such"):
        store.mark_delivered(99)
    with pytest.raises(StoreError, match="no such"):
        store.requeue(99)
    assert store.outbox_entry(99) is None


def test_device_descriptions_keep_the_latest(store: Store) -> None:
    assert store.device_info("ble_cuff") == {}
    info = {"manufacturer": "Simulated Health", "model": "BP-7", "serial": "SN+01/2"}
    assert store.note_device("ble_cuff", info, at=T0)
    assert not store.note_device("ble_cuff", dict(info), at=T0)  # nothing new
    assert not store.note_device("ble_cuff", {}, at=T0)  # silence erases nothing
    assert store.device_info("ble_cuff") == info
    assert store.note_device("ble_cuff", {**info, "firmware": "2.1"}, at=T0)
    assert store.device_info("ble_cuff")["firmware"] == "2.1"


def test_a_replaced_unit_does_not_rename_what_the_old_one_measured(store: Store) -> None:
    old = {"model": "BP-7", "serial": "SN-OLD"}
    new = {"model": "BP-7", "serial": "SN-NEW"}
    store.note_device("bp", old, at=T0)
    store.note_device("bp", new, at=T0 + timedelta(days=30))
    assert store.device_info("bp", at=T0 + timedelta(days=29)) == old
    assert store.device_info("bp", at=T0 + timedelta(days=30)) == new
    assert store.device_info("bp") == new
    assert store.device_info("bp", at=T0 - timedelta(seconds=1)) == {}  # not yet described
    # The old unit back on the stand is a change again, kept as such.
    assert store.note_device("bp", old, at=T0 + timedelta(days=31))
    assert store.device_info("bp") == old


def test_a_visit_remembers_the_chosen_hospital(store: Store, visit: str) -> None:
    assert store.visit(visit).hospital is None  # type: ignore[union-attr]
    store.set_visit_hospital(visit, "bv-b")
    assert store.visit(visit).hospital == "bv-b"  # type: ignore[union-attr]
