"""The database schema, as an ordered list of migrations.

Each :class:`Migration` has a version (1, 2, 3... with no gaps), a description
and SQL. :func:`apply_migrations` runs the pending ones in order, each in its
own ``BEGIN IMMEDIATE`` transaction together with the new ``PRAGMA user_version``
and a row in ``schema_migrations``, so a migration is applied entirely or not at
all, and exactly once. ``user_version`` is the authority; ``schema_migrations``
is the history. A database whose version is newer than the code is refused.

To change the schema, append a migration to :data:`MIGRATIONS`; never edit one
that has shipped.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from cabin.errors import StoreError
from cabin.store.codec import to_db_time, utc_now

__all__ = [
    "MIGRATIONS",
    "Migration",
    "apply_migrations",
    "check_migrations",
    "schema_version",
    "split_statements",
]

logger = logging.getLogger(__name__)


def split_statements(sql: str) -> list[str]:
    """The complete SQL statements in ``sql``, in order (trigger bodies kept whole).

    Raises:
        ValueError: ``sql`` ends with an incomplete statement.
    """
    statements: list[str] = []
    pending = ""
    *pieces, tail = sql.split(";")
    for piece in pieces:
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if not _only_comments(pending):
                statements.append(pending.strip())
            pending = ""
    if not _only_comments(pending + tail):
        raise ValueError("SQL ends with an incomplete statement")
    return statements


def _only_comments(sql: str) -> bool:
    for line in sql.splitlines():
        code = line.split("--", 1)[0].strip(" \t\r;")
        if code:
            return False
    return True


@dataclass(frozen=True, slots=True)
class Migration:
    """One step of the schema.

    Attributes:
        version: the schema version this step produces; the first is 1.
        description: a line saying what it does.
        sql: one or more SQL statements separated by semicolons (triggers allowed).
    """

    version: int
    description: str
    sql: str

    def __post_init__(self) -> None:
        if self.version < 1:
            raise ValueError("migration versions start at 1")
        if not split_statements(self.sql):
            raise ValueError(f"migration {self.version} has no SQL")


_V1_SQL = """
CREATE TABLE meta (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

CREATE TABLE residents (
    id TEXT PRIMARY KEY CHECK (length(id) = 36),
    cccd_index BLOB NOT NULL UNIQUE CHECK (length(cccd_index) = 32),
    cccd BLOB NOT NULL,
    full_name BLOB NOT NULL,
    birth_date BLOB NOT NULL,
    sex BLOB NOT NULL,
    address BLOB NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE visits (
    id TEXT PRIMARY KEY CHECK (length(id) = 36),
    resident_id TEXT REFERENCES residents (id),
    station_id TEXT NOT NULL,
    state TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    consent INTEGER NOT NULL DEFAULT 0 CHECK (consent IN (0, 1))
) STRICT;
CREATE INDEX visits_by_resident ON visits (resident_id, started_at);

CREATE TABLE visit_transitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    visit_id TEXT NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    from_state TEXT,
    to_state TEXT NOT NULL,
    at TEXT NOT NULL
) STRICT;
CREATE INDEX visit_transitions_by_visit ON visit_transitions (visit_id, id);

-- data: the sealed JSON of the values and flags (see cabin.store.readings)
CREATE TABLE measurements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    visit_id TEXT NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    unit TEXT NOT NULL,
    device_id TEXT,
    device_time TEXT,
    received_at TEXT NOT NULL,
    quality REAL CHECK (quality IS NULL OR (quality >= 0 AND quality <= 1)),
    data BLOB NOT NULL
) STRICT;
CREATE INDEX measurements_by_visit ON measurements (visit_id, id);

-- samples: the sealed samples, in the format named by encoding
CREATE TABLE waveform_segments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    visit_id TEXT NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    signal_kind TEXT NOT NULL,
    fs REAL NOT NULL CHECK (fs > 0),
    start_time TEXT NOT NULL,
    sample_count INTEGER NOT NULL CHECK (sample_count >= 0),
    unit TEXT NOT NULL,
    encoding TEXT NOT NULL,
    samples BLOB NOT NULL,
    device_id TEXT
) STRICT;
CREATE INDEX waveform_segments_by_visit ON waveform_segments (visit_id, start_time, id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT,
    object_id TEXT
) STRICT;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
"""

_V2_SQL = """
-- the hospital the resident chose for this visit (a key of the config's hospitals);
-- NULL: the station's default hospital
ALTER TABLE visits ADD COLUMN hospital TEXT;

-- what each device said of itself (BLE Device Information: manufacturer, model,
-- serial, firmware...), a row each time it changes, so an old visit still names the
-- unit that measured it after that unit was replaced; no personal data
CREATE TABLE device_descriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id TEXT NOT NULL,
    info TEXT NOT NULL CHECK (json_valid(info)),
    seen_at TEXT NOT NULL
) STRICT;
CREATE INDEX device_descriptions_by_device ON device_descriptions (device_id, seen_at, id);

-- records waiting to leave the station, one per visit, destination and kind.
-- payload: the sealed, compressed record (NULL when it could not be built);
-- outcome: the sealed answer of a server that refused it (a dead letter)
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    visit_id TEXT NOT NULL REFERENCES visits (id),
    destination TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    delivered_at TEXT,
    last_error TEXT,
    payload BLOB,
    outcome BLOB,
    UNIQUE (visit_id, destination, kind)
) STRICT;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at, id);
"""

_V3_SQL = """
-- teleconsultations: one row per request for a doctor during a visit. doctor_name is
-- sealed (a person's name); doctor_id is the portal's account name; end_reason a short
-- code ("doctor", "resident", "unreachable"...); note_version counts consult_notes rows
CREATE TABLE consults (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    visit_id TEXT NOT NULL REFERENCES visits (id),
    started_at TEXT NOT NULL,
    accepted_at TEXT,
    ended_at TEXT,
    doctor_id TEXT,
    doctor_name BLOB,
    end_reason TEXT,
    note_version INTEGER NOT NULL DEFAULT 0 CHECK (note_version >= 0)
) STRICT;
CREATE INDEX consults_by_visit ON consults (visit_id, id);

-- every version of the doctor's note, the text sealed; the latest is the note
CREATE TABLE consult_notes (
    consult_id INTEGER NOT NULL REFERENCES consults (id),
    version INTEGER NOT NULL CHECK (version >= 1),
    written_at TEXT NOT NULL,
    text BLOB NOT NULL,
    PRIMARY KEY (consult_id, version)
) STRICT;
"""

_V4_SQL = """
-- the payments ledger. payments: one row per payment the station asked for, found by
-- our reference (the text in the VietQR purpose) and, once paid, by the bank's
-- transaction id (unique: a callback repeated never pays twice). No personal data:
-- purpose_code ("bill.electricity", "fee.criminal_record"), payee (a biller kind and
-- customer code, or a fee's office) and a short description
CREATE TABLE payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT NOT NULL UNIQUE,
    purpose_code TEXT NOT NULL,
    description TEXT NOT NULL,
    payee TEXT NOT NULL,
    amount_vnd INTEGER NOT NULL CHECK (amount_vnd > 0),
    state TEXT NOT NULL CHECK (state IN ('created', 'paid', 'cleared', 'refunded')),
    qr_payload TEXT NOT NULL,
    bank_txn TEXT UNIQUE,
    clear_attempts INTEGER NOT NULL DEFAULT 0 CHECK (clear_attempts >= 0),
    settlement TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX payments_by_state ON payments (state, id);

-- every state a payment went through, append-only
CREATE TABLE payment_states (
    payment_id INTEGER NOT NULL REFERENCES payments (id),
    seq INTEGER NOT NULL CHECK (seq >= 1),
    state TEXT NOT NULL,
    at TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (payment_id, seq)
) STRICT;
CREATE TRIGGER payment_states_no_update BEFORE UPDATE ON payment_states
BEGIN
    SELECT RAISE(ABORT, 'payment_states is append-only');
END;
CREATE TRIGGER payment_states_no_delete BEFORE DELETE ON payment_states
BEGIN
    SELECT RAISE(ABORT, 'payment_states is append-only');
END;

-- double-entry postings, append-only: each event (paid, cleared, refunded) of a
-- payment posts once per account (the UNIQUE key), and its amounts sum to zero
CREATE TABLE ledger_postings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    payment_id INTEGER NOT NULL REFERENCES payments (id),
    event TEXT NOT NULL CHECK (event IN ('paid', 'cleared', 'refunded')),
    account TEXT NOT NULL,
    amount_vnd INTEGER NOT NULL,
    at TEXT NOT NULL,
    UNIQUE (payment_id, event, account)
) STRICT;
CREATE INDEX ledger_postings_by_time ON ledger_postings (at, id);
CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings
BEGIN
    SELECT RAISE(ABORT, 'ledger_postings is append-only');
END;
CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings
BEGIN
    SELECT RAISE(ABORT, 'ledger_postings is append-only');
END;
"""

#: The schema, oldest first. Append to extend; never edit a shipped entry.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "meta, residents (encrypted identity, blind CCCD index), visits, transitions, "
        "measurements and waveform segments (encrypted values and samples), "
        "append-only audit log",
        _V1_SQL,
    ),
    Migration(
        2,
        "the hospital a visit goes to, devices' own descriptions, the outbox",
        _V2_SQL,
    ),
    Migration(
        3,
        "teleconsultations: the doctor, times, end reason, every version of the note (sealed)",
        _V3_SQL,
    ),
    Migration(
        4,
        "the payments ledger: payments, their append-only state history, double-entry postings",
        _V4_SQL,
    ),
)


def schema_version(conn: sqlite3.Connection) -> int:
    """The schema version recorded in the database (0 for a new one)."""
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def check_migrations(migrations: Sequence[Migration]) -> int:
    """The latest version of a well-formed list: versions must run 1, 2, 3... in order.

    Raises:
        ValueError: the list is empty, out of order, or has a gap or a repeat.
    """
    if not migrations:
        raise ValueError("at least one migration is needed")
    for expected, migration in enumerate(migrations, start=1):
        if migration.version != expected:
            raise ValueError(
                f"migration versions must run 1, 2, 3...: found {migration.version} "
                f"where {expected} belongs"
            )
    return len(migrations)


def apply_migrations(conn: sqlite3.Connection, migrations: Sequence[Migration]) -> list[int]:
    """Bring the database up to the latest of ``migrations``.

    ``conn`` must be in autocommit mode (``isolation_level=None``) with no open
    transaction. Each pending migration runs in its own immediate transaction;
    the version is re-read inside it, so two processes opening the same file
    at once apply each migration once.

    Args:
        conn: an open connection to the database.
        migrations: the well-formed list, oldest first.

    Returns:
        The versions applied by this call, in order (empty when up to date).

    Raises:
        StoreError: the database is newer than ``migrations``, or a migration failed
            (the database is then left at the last version that succeeded).
    """
    latest = check_migrations(migrations)
    _refuse_newer(schema_version(conn), latest)
    applied: list[int] = []
    for migration in migrations:
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                current = schema_version(conn)
                _refuse_newer(current, latest)
                if current >= migration.version:
                    conn.execute("ROLLBACK")
                    continue
                _apply_one(conn, migration)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            logger.error(
                "migration failed",
                extra={"version": migration.version, "error": _error_name(exc)},
            )
            # The message quotes schema SQL only, never stored data.
            raise StoreError(f"migration {migration.version} failed: {exc}") from exc
        logger.info("migration applied", extra={"version": migration.version})
        applied.append(migration.version)
    return applied


def _apply_one(conn: sqlite3.Connection, migration: Migration) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL"
        ") STRICT"
    )
    for statement in split_statements(migration.sql):
        conn.execute(statement)
    conn.execute(
        "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
        (migration.version, migration.description, to_db_time(utc_now())),
    )
    # PRAGMA takes no parameters; the version is an int we checked.
    conn.execute(f"PRAGMA user_version = {int(migration.version)}")


def _refuse_newer(current: int, latest: int) -> None:
    if current > latest:
        raise StoreError(
            f"the database has schema version {current}, newer than this program's {latest}; "
            "upgrade the program"
        )


def _error_name(exc: sqlite3.Error) -> str:
    return getattr(exc, "sqlite_errorname", None) or type(exc).__name__
