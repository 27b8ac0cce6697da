"""The station's store: schema, encryption at rest, transactions and records.

Identities here are invented; no real person has them.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import cabin.store
from cabin.errors import StoreError, StoreKeyError
from cabin.store import Identity, Migration, Sex, Store, codec, generate_key
from cabin.store.crypto import NONCE_SIZE, FieldCipher
from cabin.store.migrations import (
    MIGRATIONS,
    apply_migrations,
    check_migrations,
    split_statements,
)

THU = Identity(
    cccd="001099012345",
    full_name="Nguyễn Văn Thử",
    birth_date=date(1950, 3, 14),
    sex=Sex.MALE,
    address="Số 7 phố Hàng Bút, phường Hàng Mã, Hà Nội",
)
LAN = Identity(
    cccd="079188054321",
    full_name="Trần Thị Lan Thử",
    birth_date=date(1962, 11, 2),
    sex=Sex.FEMALE,
    address="Khu tập thể Thành Công, Ba Đình",
)
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)

# Two migrations after the shipped ones, as a later change would add them.
NEXT = len(MIGRATIONS) + 1
OUTBOX = Migration(
    NEXT,
    "queue",
    """
    CREATE TABLE queue (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        visit_id TEXT NOT NULL REFERENCES visits (id),
        payload BLOB NOT NULL
    ) STRICT;
    CREATE TABLE outbox_marker (n INTEGER NOT NULL) STRICT;
    INSERT INTO outbox_marker (n) VALUES (1);
    """,
)
OUTBOX_INDEX = Migration(
    NEXT + 1,
    "index the queue (needs the migration before)",
    """
    CREATE INDEX queue_by_visit ON queue (visit_id);
    INSERT INTO outbox_marker (n) VALUES (2);
    """,
)


@pytest.fixture
def key() -> bytes:
    return generate_key()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "station.db"


@pytest.fixture
def store(db: Path, key: bytes) -> Iterator[Store]:
    with Store.open(db, key=key) as opened:
        yield opened


def raw(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(db, isolation_level=None)


def file_bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(db.parent.glob(db.name + "*")))


# -- the public surface ----------------------------------------------------------------------


def test_all_is_sorted_and_exported() -> None:
    assert cabin.store.__all__ == sorted(cabin.store.__all__)
    for name in cabin.store.__all__:
        assert hasattr(cabin.store, name), name


# -- opening and closing -------------------------------------------------------------------


def test_open_configures_wal_full_sync_and_foreign_keys(store: Store) -> None:
    conn = store._require()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert store.schema_version == len(MIGRATIONS)


def test_new_database_file_is_private(store: Store, db: Path) -> None:
    assert db.stat().st_mode & 0o077 == 0


def test_close_is_idempotent_and_ends_use(db: Path, key: bytes) -> None:
    store = Store.open(db, key=key)
    with store:
        open_inside = not store.closed
    assert open_inside
    assert store.closed
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.start_visit("HN-001")


def test_a_file_that_is_not_a_database_is_refused(db: Path, key: bytes) -> None:
    db.write_bytes(b"this is not SQLite" * 100)
    with pytest.raises(StoreError):
        Store.open(db, key=key)


def test_busy_database_raises_store_error(db: Path, key: bytes) -> None:
    with Store.open(db, key=key) as first, Store.open(db, key=key, busy_timeout=0.05) as second:
        with first.transaction():
            first.start_visit("HN-001")
            with pytest.raises(StoreError, match="SQLITE_BUSY"):
                second.start_visit("HN-002")
        second.start_visit("HN-002")  # the lock is free again


# -- migrations ----------------------------------------------------------------------------


def test_migrations_apply_once_and_in_order(db: Path, key: bytes) -> None:
    with Store.open(db, key=key) as store:
        assert store.schema_version == len(MIGRATIONS)
    extended = (*MIGRATIONS, OUTBOX, OUTBOX_INDEX)
    for _ in range(3):  # reopening applies nothing twice
        with Store.open(db, key=key, migrations=extended) as store:
            assert store.schema_version == NEXT + 1
    conn = raw(db)
    try:
        history = conn.execute("SELECT version, description FROM schema_migrations").fetchall()
        assert [v for v, _ in history] == list(range(1, NEXT + 2))
        assert history[NEXT - 1][1] == "queue"
        assert conn.execute("SELECT n FROM outbox_marker ORDER BY rowid").fetchall() == [(1,), (2,)]
        assert conn.execute("PRAGMA user_version").fetchone()[0] == NEXT + 1
        assert conn.execute("PRAGMA index_list(queue)").fetchall()
        assert apply_migrations(conn, extended) == []
    finally:
        conn.close()


def test_apply_migrations_reports_what_it_applied(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "plain.db", isolation_level=None)
    try:
        shipped = list(range(1, NEXT + 1))
        assert apply_migrations(conn, (*MIGRATIONS, OUTBOX)) == shipped
        assert apply_migrations(conn, (*MIGRATIONS, OUTBOX, OUTBOX_INDEX)) == [NEXT + 1]
    finally:
        conn.close()


def test_a_newer_database_is_refused(db: Path, key: bytes) -> None:
    with Store.open(db, key=key, migrations=(*MIGRATIONS, OUTBOX)):
        pass
    with pytest.raises(StoreError, match="newer"):
        Store.open(db, key=key)


def test_a_failing_migration_leaves_the_previous_version(db: Path, key: bytes) -> None:
    broken = Migration(
        NEXT, "broken", "CREATE TABLE half (x INTEGER); INSERT INTO nowhere VALUES (1);"
    )
    with Store.open(db, key=key):
        pass
    with pytest.raises(StoreError, match=f"migration {NEXT} failed"):
        Store.open(db, key=key, migrations=(*MIGRATIONS, broken))
    conn = raw(db)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "half" not in tables
    finally:
        conn.close()
    with Store.open(db, key=key) as store:
        assert store.schema_version == len(MIGRATIONS)


@pytest.mark.parametrize(
    "versions",
    [(), (2,), (1, 3), (1, 1), (2, 1)],
)
def test_migration_lists_must_run_one_two_three(versions: tuple[int, ...]) -> None:
    migrations = [Migration(v, "m", "SELECT 1;") for v in versions]
    with pytest.raises(ValueError, match="migration"):
        check_migrations(migrations)


def test_statements_split_without_breaking_triggers() -> None:
    sql = """
    CREATE TABLE t (x INTEGER);  -- a comment; with a semicolon
    CREATE TRIGGER t_no_delete BEFORE DELETE ON t
    BEGIN
        SELECT RAISE(ABORT, 'no; really');
    END;
    INSERT INTO t VALUES (1);
    """
    statements = split_statements(sql)
    assert len(statements) == 3
    assert "CREATE TRIGGER" in statements[1]
    assert statements[1].endswith("END;")
    assert split_statements("SELECT 1;\n-- the end\n") == ["SELECT 1;"]
    for incomplete in ("CREATE TABLE t (x INTEGER", "SELECT 1; SELECT 2"):
        with pytest.raises(ValueError, match="incomplete"):
            split_statements(incomplete)


# -- encryption at rest --------------------------------------------------------------------


def test_personal_data_is_not_in_the_file(db: Path, key: bytes) -> None:
    secrets = [
        THU.cccd.encode(),
        THU.full_name.encode("utf-8"),
        "Nguyễn".encode(),
        "Hàng Bút".encode(),
        b"1950-03-14",
    ]
    with Store.open(db, key=key) as store:
        store.add_resident(THU)
        while_open = file_bytes(db)
    after_close = file_bytes(db)
    for blob in (while_open, after_close):
        for secret in secrets:
            assert secret not in blob


def test_each_column_holds_a_sealed_value(store: Store, db: Path) -> None:
    resident_id = store.add_resident(THU)
    conn = raw(db)
    try:
        row = conn.execute(
            "SELECT cccd, full_name, birth_date, sex, address, cccd_index FROM residents"
            " WHERE id = ?",
            (resident_id,),
        ).fetchone()
    finally:
        conn.close()
    plain = [THU.cccd, THU.full_name, "1950-03-14", "male", THU.address]
    for sealed, value in zip(row[:5], plain, strict=True):
        assert isinstance(sealed, bytes)
        assert value.encode("utf-8") not in sealed
        assert len(sealed) == 12 + len(value.encode("utf-8")) + 16  # nonce, ciphertext, tag
    assert len(row[5]) == 32
    assert THU.cccd.encode() not in row[5]


def test_same_value_seals_differently_each_time(store: Store, db: Path) -> None:
    twin = Identity("001099099999", THU.full_name, THU.birth_date, THU.sex, THU.address)
    store.add_resident(THU)
    store.add_resident(twin)
    conn = raw(db)
    try:
        names = [r[0] for r in conn.execute("SELECT full_name FROM residents")]
    finally:
        conn.close()
    assert names[0] != names[1]


MOVE_TO_ANOTHER_ROW = {
    "full_name": "UPDATE residents SET full_name ="
    " (SELECT full_name FROM residents WHERE id = ?) WHERE id = ?",
    "cccd": "UPDATE residents SET cccd = (SELECT cccd FROM residents WHERE id = ?) WHERE id = ?",
    "address": "UPDATE residents SET address ="
    " (SELECT address FROM residents WHERE id = ?) WHERE id = ?",
}


@pytest.mark.parametrize("column", sorted(MOVE_TO_ANOTHER_ROW))
def test_a_ciphertext_moved_to_another_row_does_not_open(db: Path, key: bytes, column: str) -> None:
    with Store.open(db, key=key) as store:
        thu, lan = store.add_resident(THU), store.add_resident(LAN)
    conn = raw(db)
    try:
        conn.execute(MOVE_TO_ANOTHER_ROW[column], (thu, lan))
    finally:
        conn.close()
    with Store.open(db, key=key) as store:
        assert store.resident(thu) == store.find_resident_by_cccd(THU.cccd)
        with pytest.raises(StoreError, match="failed authentication") as caught:
            store.resident(lan)
    assert THU.full_name not in str(caught.value)
    assert LAN.full_name not in str(caught.value)


def test_a_ciphertext_moved_to_another_column_does_not_open(db: Path, key: bytes) -> None:
    with Store.open(db, key=key) as store:
        thu = store.add_resident(THU)
    conn = raw(db)
    try:
        conn.execute("UPDATE residents SET address = full_name WHERE id = ?", (thu,))
    finally:
        conn.close()
    with Store.open(db, key=key) as store, pytest.raises(StoreError):
        store.resident(thu)


def test_a_wrong_key_is_refused_at_open(db: Path, key: bytes) -> None:
    with Store.open(db, key=key) as store:
        store.add_resident(THU)
    before = db.read_bytes()
    with pytest.raises(StoreKeyError):
        Store.open(db, key=generate_key())
    with pytest.raises(StoreKeyError):
        Store.open(db, key=generate_key(), migrations=(*MIGRATIONS, OUTBOX))
    assert db.read_bytes() == before  # nothing migrated or written under the wrong key
    with Store.open(db, key=key) as store:
        assert store.find_resident_by_cccd(THU.cccd) is not None
        assert store.schema_version == len(MIGRATIONS)


@pytest.mark.parametrize("bad", [b"", b"\x00" * 31, b"\x00" * 33])
def test_a_malformed_key_is_refused(db: Path, bad: bytes) -> None:
    with pytest.raises(StoreKeyError):
        Store.open(db, key=bad)


# -- health data at rest -------------------------------------------------------------------

BP = {"systolic": 187.25, "diastolic": 111.75}  # distinctive: appears nowhere else
ECG = np.random.default_rng(20250302).standard_normal(5000) * 1.5
_SEAL_OVERHEAD = NONCE_SIZE + 16  # nonce in front, GCM tag behind


def add_health_data(store: Store) -> tuple[str, int, int]:
    """A visit with a blood pressure reading and an ECG segment; (visit, measurement, waveform)."""
    visit_id = store.start_visit("HN-001")
    measurement = store.add_measurement(
        visit_id,
        "blood_pressure",
        BP,
        "mm[Hg]",
        device_id="omron-1",
        quality=0.875,
        flags={"irregular_pulse"},
    )
    waveform = store.add_waveform(visit_id, "ecg_ii", 500.0, T0, ECG, "mV", device_id="ecg-1")
    return visit_id, measurement, waveform


def test_health_data_is_not_in_the_file(db: Path, key: bytes) -> None:
    f32 = ECG.astype("<f4").tobytes()
    unsealed = zlib.compress(f32, level=6)  # what the column would hold without sealing
    secrets = [
        b"187.25",
        b"111.75",
        b"systolic",
        b"irregular_pulse",
        *(f32[i : i + 16] for i in range(0, len(f32), 4000)),  # 4 samples at a time
        unsealed[2:34],
        unsealed[len(unsealed) // 2 : len(unsealed) // 2 + 32],
        unsealed[-32:],
    ]
    with Store.open(db, key=key) as store:
        add_health_data(store)
        assert db.with_name(db.name + "-wal").stat().st_size > 0  # the rows sit in the WAL
        while_open = file_bytes(db)
    after_close = file_bytes(db)
    for blob in (while_open, after_close):
        for secret in secrets:
            assert secret not in blob


def test_health_columns_hold_sealed_values_and_query_columns_stay_clear(
    store: Store, db: Path, key: bytes
) -> None:
    visit_id, measurement, waveform = add_health_data(store)
    conn = raw(db)
    try:
        m = conn.execute(
            "SELECT visit_id, kind, unit, device_id, quality, data FROM measurements WHERE id = ?",
            (measurement,),
        ).fetchone()
        w = conn.execute(
            "SELECT signal_kind, fs, start_time, sample_count, unit, encoding, device_id, samples"
            " FROM waveform_segments WHERE id = ?",
            (waveform,),
        ).fetchone()
    finally:
        conn.close()
    assert m[:5] == (visit_id, "blood_pressure", "mm[Hg]", "omron-1", 0.875)
    assert w[:7] == (
        "ecg_ii",
        500.0,
        "2025-03-01T08:00:00.000000+00:00",
        5000,
        "mV",
        "zlib-f32le",
        "ecg-1",
    )
    sealed_reading, sealed_samples = m[5], w[7]
    assert isinstance(sealed_reading, bytes)
    assert isinstance(sealed_samples, bytes)
    with pytest.raises((UnicodeDecodeError, json.JSONDecodeError)):
        json.loads(sealed_reading)
    with pytest.raises(zlib.error):
        zlib.decompress(sealed_samples)
    cipher = FieldCipher(key)
    reading = cipher.open(sealed_reading, f"measurements.data.{measurement}".encode())
    assert json.loads(reading) == {"flags": ["irregular_pulse"], "values": BP}
    samples = cipher.open(sealed_samples, f"waveform_segments.samples.{waveform}".encode())
    assert zlib.decompress(samples) == ECG.astype("<f4").tobytes()


def test_sealed_readings_do_not_reveal_how_many_digits_they_hold(store: Store, db: Path) -> None:
    visit_id = store.start_visit("HN-001")
    for value in (7.0, 72.0, 120.0, 135.125, 99.99999):
        store.add_measurement(visit_id, "pulse_rate", {"pulse_rate": value}, "/min")
    conn = raw(db)
    try:
        lengths = {len(r[0]) for r in conn.execute("SELECT data FROM measurements")}
    finally:
        conn.close()
    assert len(lengths) == 1
    assert (lengths.pop() - _SEAL_OVERHEAD) % 64 == 0
    assert [m.values["pulse_rate"] for m in store.measurements(visit_id)] == [
        7.0,
        72.0,
        120.0,
        135.125,
        99.99999,
    ]


@pytest.mark.parametrize(
    "plain",
    [
        b"",
        b"\xff\xfe",
        b"[]",
        b'{"values": {"spo2": 97.0}}',
        b'{"flags": [], "values": []}',
        b'{"flags": [], "values": {"spo2": "high"}}',
    ],
)
def test_a_malformed_reading_is_a_store_error(plain: bytes) -> None:
    with pytest.raises(StoreError, match="malformed"):
        codec.decode_reading(plain)


def test_a_reading_is_padded_json_that_round_trips() -> None:
    encoded = codec.encode_reading({"spo2": 97, "pulse": 61.5}, ["b", "a", "a"])
    assert len(encoded) == codec.READING_BLOCK
    assert codec.decode_reading(encoded) == ({"pulse": 61.5, "spo2": 97.0}, frozenset("ab"))
    longer = codec.encode_reading({f"value_{i}": i * 1.5 for i in range(10)}, ())
    assert len(longer) % codec.READING_BLOCK == 0
    assert len(longer) > codec.READING_BLOCK


MOVE_HEALTH_DATA = {
    "measurements": "UPDATE measurements SET data ="
    " (SELECT data FROM measurements WHERE id = ?) WHERE id = ?",
    "waveform_segments": "UPDATE waveform_segments SET samples ="
    " (SELECT samples FROM waveform_segments WHERE id = ?) WHERE id = ?",
}


@pytest.mark.parametrize("table", sorted(MOVE_HEALTH_DATA))
def test_sealed_health_data_moved_to_another_row_does_not_open(
    db: Path, key: bytes, table: str
) -> None:
    with Store.open(db, key=key) as store:
        first_visit, first_m, first_w = add_health_data(store)
        second_visit, second_m, second_w = add_health_data(store)
        expected = store.measurements(first_visit), store.waveforms(first_visit)
    source, target = (first_m, second_m) if table == "measurements" else (first_w, second_w)
    conn = raw(db)
    try:
        conn.execute(MOVE_HEALTH_DATA[table], (source, target))
    finally:
        conn.close()
    with Store.open(db, key=key) as store:
        assert store.measurements(first_visit) == expected[0]
        np.testing.assert_array_equal(
            store.waveforms(first_visit)[0].samples, expected[1][0].samples
        )
        read = store.measurements if table == "measurements" else store.waveforms
        with pytest.raises(StoreError, match="failed authentication") as caught:
            read(second_visit)
    assert "187.25" not in str(caught.value)


def test_a_tampered_reading_does_not_open(db: Path, key: bytes) -> None:
    with Store.open(db, key=key) as store:
        visit_id, measurement, waveform = add_health_data(store)
    conn = raw(db)
    try:
        for table, column, row in (
            ("measurements", "data", measurement),
            ("waveform_segments", "samples", waveform),
        ):
            (blob,) = conn.execute(f"SELECT {column} FROM {table} WHERE id = ?", (row,)).fetchone()  # noqa: S608
            flipped = bytearray(blob)
            flipped[NONCE_SIZE] ^= 1
            conn.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", (bytes(flipped), row))  # noqa: S608
    finally:
        conn.close()
    with Store.open(db, key=key) as store:
        with pytest.raises(StoreError):
            store.measurements(visit_id)
        with pytest.raises(StoreError):
            store.waveforms(visit_id)


# -- residents -----------------------------------------------------------------------------


def test_resident_round_trip_and_blind_index_lookup(store: Store) -> None:
    thu = store.add_resident(THU, at=T0)
    lan = store.add_resident(LAN)
    found = store.find_resident_by_cccd("001099012345")
    assert found is not None
    assert found.id == thu
    assert found.identity == THU
    assert found.created_at == T0
    assert store.find_resident_by_cccd(" 0791 8805 4321 ").id == lan  # type: ignore[union-attr]
    assert store.find_resident_by_cccd("001099000000") is None
    assert store.resident(thu) == found
    assert store.resident(str(uuid.uuid4())) is None
    uuid.UUID(thu)


def test_a_cccd_number_is_recorded_once(store: Store) -> None:
    store.add_resident(THU)
    with pytest.raises(StoreError, match="already exists") as caught:
        store.add_resident(THU)
    assert THU.cccd not in str(caught.value)


def test_identity_hides_personal_data_in_repr_and_checks_fields() -> None:
    text = repr(THU)
    assert THU.cccd not in text
    assert "Thử" not in text
    assert "1950" not in text
    with pytest.raises(ValueError, match="cccd") as caught:
        Identity("12345", "Nguyễn Văn Thử", date(1950, 1, 1), Sex.MALE)
    assert "12345" not in str(caught.value)
    with pytest.raises(ValueError, match="full_name"):
        Identity("001099012345", "  ", date(1950, 1, 1), Sex.MALE)
    assert Identity("123456789", "Thử", date(1950, 1, 1), "female").sex is Sex.FEMALE  # type: ignore[arg-type]


# -- visits --------------------------------------------------------------------------------


def test_a_visit_records_every_state_change(store: Store) -> None:
    resident = store.add_resident(THU)
    visit_id = store.start_visit("HN-001", state="identifying", at=T0)
    store.set_visit_resident(visit_id, resident)
    store.set_visit_consent(visit_id, True)
    store.transition(visit_id, "measuring", expect="identifying", at=T0 + timedelta(minutes=1))
    last = store.transition(visit_id, "finished", end=True, at=T0 + timedelta(minutes=9))
    assert (last.from_state, last.to_state) == ("measuring", "finished")

    visit = store.visit(visit_id)
    assert visit is not None
    assert (visit.resident_id, visit.station_id, visit.state, visit.consent) == (
        resident,
        "HN-001",
        "finished",
        True,
    )
    assert visit.started_at == T0
    assert visit.ended_at == T0 + timedelta(minutes=9)
    history = store.transitions(visit_id)
    assert [(t.from_state, t.to_state) for t in history] == [
        (None, "identifying"),
        ("identifying", "measuring"),
        ("measuring", "finished"),
    ]
    assert history[-1] == last
    with pytest.raises(StoreError, match="ended"):
        store.transition(visit_id, "measuring")


def test_a_transition_guard_refuses_a_stale_state(store: Store) -> None:
    visit_id = store.start_visit("HN-001", state="identifying")
    with pytest.raises(StoreError, match="not 'measuring'"):
        store.transition(visit_id, "finished", expect="measuring")
    assert store.visit(visit_id).state == "identifying"  # type: ignore[union-attr]
    assert len(store.transitions(visit_id)) == 1


def test_unknown_visits_are_reported(store: Store) -> None:
    unknown = str(uuid.uuid4())
    assert store.visit(unknown) is None
    with pytest.raises(StoreError, match="no such visit"):
        store.transition(unknown, "measuring")
    with pytest.raises(StoreError, match="no such visit"):
        store.set_visit_consent(unknown, True)
    with pytest.raises(StoreError, match="FOREIGN KEY"):
        store.add_measurement(unknown, "spo2", {"spo2": 97.0}, "%")
    with pytest.raises(StoreError, match="FOREIGN KEY"):
        store.start_visit("HN-001", resident_id=str(uuid.uuid4()))


def test_visits_of_a_resident_oldest_first_and_anonymous_visits(store: Store) -> None:
    thu = store.add_resident(THU)
    later = store.start_visit("HN-001", resident_id=thu, at=T0 + timedelta(days=2))
    earlier = store.start_visit("HN-002", resident_id=thu, at=T0)
    anonymous = store.start_visit("HN-001", at=T0 + timedelta(days=1))
    assert [v.id for v in store.visits_of(thu)] == [earlier, later]
    assert store.visit(anonymous).resident_id is None  # type: ignore[union-attr]
    assert store.visits_of(store.add_resident(LAN)) == []


def test_times_are_utc_text_in_the_database(store: Store, db: Path) -> None:
    hanoi = timezone(timedelta(hours=7))
    visit_id = store.start_visit("HN-001", at=datetime(2025, 3, 1, 15, 0, tzinfo=hanoi))
    conn = raw(db)
    try:
        text = conn.execute("SELECT started_at FROM visits WHERE id = ?", (visit_id,)).fetchone()
    finally:
        conn.close()
    assert text[0] == "2025-03-01T08:00:00.000000+00:00"
    started = store.visit(visit_id).started_at  # type: ignore[union-attr]
    assert started == T0
    assert started.tzinfo is UTC
    with pytest.raises(ValueError, match="timezone-aware"):
        store.start_visit("HN-001", at=datetime(2025, 3, 1, 8, 0))


# -- measurements --------------------------------------------------------------------------


def test_measurement_round_trip(store: Store) -> None:
    visit_id = store.start_visit("HN-001")
    bp = store.add_measurement(
        visit_id,
        "blood_pressure",
        {"systolic": 128, "diastolic": 82.5, "mean": 97.6666},
        "mm[Hg]",
        device_id="omron-1",
        device_time=T0,
        received_at=T0 + timedelta(seconds=2),
        quality=0.93,
        flags={"irregular_pulse", "body_movement"},
    )
    spo2 = store.add_measurement(visit_id, "spo2", {"spo2": 97.0}, "%")
    first, second = store.measurements(visit_id)
    assert (first.id, second.id) == (bp, spo2)
    assert dict(first.values) == {"systolic": 128.0, "diastolic": 82.5, "mean": 97.6666}
    assert first.unit == "mm[Hg]"
    assert first.device_id == "omron-1"
    assert first.device_time == T0
    assert first.received_at == T0 + timedelta(seconds=2)
    assert first.quality == 0.93
    assert first.flags == frozenset({"irregular_pulse", "body_movement"})
    assert second.quality is None
    assert second.device_time is None
    assert second.flags == frozenset()
    assert second.received_at.tzinfo is UTC
    with pytest.raises(TypeError):
        first.values["systolic"] = 1.0  # type: ignore[index]


@pytest.mark.parametrize(
    ("values", "kwargs"),
    [
        ({}, {}),
        ({"spo2": float("nan")}, {}),
        ({"spo2": float("inf")}, {}),
        ({"spo2": 97.0}, {"quality": 1.5}),
        ({"spo2": 97.0}, {"quality": -0.1}),
        ({"spo2": 97.0}, {"received_at": datetime(2025, 1, 1)}),
        ({"spo2": 97.0}, {"flags": [""]}),
    ],
)
def test_bad_measurements_are_refused(
    store: Store, values: dict[str, float], kwargs: dict[str, Any]
) -> None:
    visit_id = store.start_visit("HN-001")
    with pytest.raises(ValueError, match=r"value|quality|timezone|flags"):
        store.add_measurement(visit_id, "spo2", values, "%", **kwargs)
    assert store.measurements(visit_id) == []


# -- waveforms -----------------------------------------------------------------------------


def test_waveform_round_trip_is_exact_to_float32(store: Store, db: Path, key: bytes) -> None:
    visit_id = store.start_visit("HN-001")
    rng = np.random.default_rng(20250301)
    ecg = rng.standard_normal(5000) * 1.5
    ecg[17] = np.nan  # a dropped sample survives as NaN
    row = store.add_waveform(visit_id, "ecg_ii", 500.0, T0, ecg, "mV", device_id="ecg-1")
    store.add_waveform(visit_id, "pleth", 75.0, T0 - timedelta(seconds=1), np.array([]), "1")
    pleth, stored = store.waveforms(visit_id)  # ordered by start time
    assert pleth.sample_count == 0
    assert pleth.samples.dtype == np.float64
    assert stored.id == row
    assert (stored.signal_kind, stored.fs, stored.start_time, stored.unit, stored.device_id) == (
        "ecg_ii",
        500.0,
        T0,
        "mV",
        "ecg-1",
    )
    assert stored.samples.dtype == np.float64
    assert stored.sample_count == 5000
    np.testing.assert_array_equal(stored.samples, ecg.astype(np.float32).astype(np.float64))
    assert not stored.samples.flags.writeable
    # The blob is zlib-compressed float32 little-endian, then sealed, as documented.
    conn = raw(db)
    try:
        blob, encoding = conn.execute(
            "SELECT samples, encoding FROM waveform_segments WHERE id = ?", (row,)
        ).fetchone()
    finally:
        conn.close()
    assert encoding == "zlib-f32le"
    opened = FieldCipher(key).open(blob, f"waveform_segments.samples.{row}".encode())
    assert zlib.decompress(opened) == ecg.astype("<f4").tobytes()


def test_bad_waveforms_are_refused(store: Store) -> None:
    visit_id = store.start_visit("HN-001")
    with pytest.raises(ValueError, match="one-dimensional"):
        store.add_waveform(visit_id, "ecg_ii", 500.0, T0, np.zeros((2, 3)), "mV")
    with pytest.raises(ValueError, match="float32"):
        store.add_waveform(visit_id, "ecg_ii", 500.0, T0, np.array([1e39]), "mV")
    with pytest.raises(ValueError, match="fs"):
        store.add_waveform(visit_id, "ecg_ii", 0.0, T0, np.zeros(3), "mV")
    assert store.waveforms(visit_id) == []


# -- transactions --------------------------------------------------------------------------


def test_a_transaction_commits_several_rows_together(store: Store) -> None:
    visit_id = store.start_visit("HN-001")
    with store.transaction():
        store.add_measurement(visit_id, "spo2", {"spo2": 97.0}, "%")
        store.add_measurement(visit_id, "pulse_rate", {"pulse_rate": 72.0}, "/min")
        store.transition(visit_id, "finished", end=True)
    assert len(store.measurements(visit_id)) == 2
    assert store.visit(visit_id).ended_at is not None  # type: ignore[union-attr]


def test_a_transaction_rolls_back_on_exception(store: Store) -> None:
    visit_id = store.start_visit("HN-001")

    class Boom(Exception):
        pass

    def finish_then_fail() -> None:
        with store.transaction():
            store.add_measurement(visit_id, "spo2", {"spo2": 97.0}, "%")
            store.transition(visit_id, "finished", end=True)
            store.audit("system", "visit.end", object_type="visit", object_id=visit_id)
            raise Boom

    with pytest.raises(Boom):
        finish_then_fail()
    assert store.measurements(visit_id) == []
    assert store.visit(visit_id).state == "started"  # type: ignore[union-attr]
    assert store.audit_entries() == []
    # The store is usable afterwards.
    store.add_measurement(visit_id, "spo2", {"spo2": 98.0}, "%")
    assert len(store.measurements(visit_id)) == 1


def test_a_failed_write_inside_a_transaction_undoes_only_itself(store: Store) -> None:
    visit_id = store.start_visit("HN-001")

    def write_then_fail() -> None:
        with store.transaction():
            store.add_measurement(visit_id, "spo2", {"spo2": 10.0}, "%")
            raise RuntimeError("inner")

    with store.transaction():
        store.add_measurement(visit_id, "spo2", {"spo2": 97.0}, "%")
        with pytest.raises(StoreError):
            store.add_measurement(str(uuid.uuid4()), "spo2", {"spo2": 97.0}, "%")
        with pytest.raises(RuntimeError, match="inner"):
            write_then_fail()
    assert [m.values["spo2"] for m in store.measurements(visit_id)] == [97.0]


def test_a_transaction_is_invisible_to_others_until_it_commits(db: Path, key: bytes) -> None:
    with Store.open(db, key=key) as writer, Store.open(db, key=key) as reader:
        visit_id = writer.start_visit("HN-001")
        with writer.transaction():
            writer.add_measurement(visit_id, "spo2", {"spo2": 97.0}, "%")
            assert reader.measurements(visit_id) == []
        assert len(reader.measurements(visit_id)) == 1


def test_threads_share_a_store_safely(store: Store) -> None:
    visit_id = store.start_visit("HN-001")

    def write(n: int) -> int:
        with store.transaction():
            first = store.add_measurement(visit_id, "pulse_rate", {"pulse_rate": n}, "/min")
            store.add_measurement(visit_id, "pulse_rate", {"pulse_rate": n}, "/min")
        return first

    with ThreadPoolExecutor(max_workers=8) as pool:
        firsts = list(pool.map(write, range(200)))
    stored = store.measurements(visit_id)
    assert len(stored) == 400
    by_id = {m.id: m.values["pulse_rate"] for m in stored}
    for first in firsts:  # each pair stayed together
        assert by_id[first] == by_id[first + 1]


# -- audit ---------------------------------------------------------------------------------


def test_audit_log_appends_and_cannot_be_changed(store: Store, db: Path) -> None:
    visit_id = store.start_visit("HN-001")
    first = store.audit("resident", "visit.consent", object_type="visit", object_id=visit_id)
    store.audit("doctor:42", "visit.note", object_type="visit", object_id=visit_id, at=T0)
    store.audit("system", "store.backup")
    entries = store.audit_entries()
    assert [(e.actor, e.action) for e in entries] == [
        ("resident", "visit.consent"),
        ("doctor:42", "visit.note"),
        ("system", "store.backup"),
    ]
    assert entries[0].id == first
    assert entries[1].at == T0
    assert entries[2].object_type is None
    assert entries[2].object_id is None
    assert [e.action for e in store.audit_entries(after_id=first, limit=1)] == ["visit.note"]
    conn = raw(db)
    try:
        for sql in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(sql)
    finally:
        conn.close()
    assert len(store.audit_entries()) == 3


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("actor", "Nguyễn Văn Thử"),
        ("actor", ""),
        ("action", "read file of Thử"),
        ("object_id", "001099012345"),
        ("object_type", "x" * 129),
    ],
)
def test_audit_refuses_what_could_be_personal_data(store: Store, field: str, value: str) -> None:
    args: dict[str, Any] = {"actor": "system", "action": "resident.identify", field: value}
    with pytest.raises(ValueError, match=field.split("_")[0]) as caught:
        store.audit(**args)
    assert value not in str(caught.value) or not value
    assert store.audit_entries() == []
