"""The station's local database: one SQLite file that loses nothing.

The file runs in write-ahead-log mode with ``synchronous=FULL``: a commit
returns only after the log is flushed to the disk, so a committed row survives
a killed process *and* a power cut (``NORMAL`` would survive the first only).
Foreign keys are enforced, and a busy timeout makes a second connection wait
for the write lock instead of failing. Every write runs in an explicit
``BEGIN IMMEDIATE`` transaction; :meth:`Database.transaction` lets a caller
group several writes so they commit together or not at all.

The API is synchronous and thread-safe (one connection behind a re-entrant
lock): the cabin calls it from a thread executor. Personal and health data are
sealed by :class:`~cabin.store.crypto.FieldCipher` before they reach SQLite.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from cabin.errors import StoreError
from cabin.store.crypto import FieldCipher
from cabin.store.migrations import (
    MIGRATIONS,
    Migration,
    _error_name,
    apply_migrations,
    schema_version,
)

__all__ = ["Database", "lastrowid", "require_text"]

logger = logging.getLogger(__name__)

_MIN_SQLITE = (3, 37, 0)  # STRICT tables; JSON functions built in


class Database:
    """An open SQLite file with its key: lifecycle, transactions and plumbing.

    :class:`~cabin.store.Store` adds the tables' methods, one mixin per concern.
    Open it with :meth:`open`; use it as a context manager, or call :meth:`close`
    (idempotent) when done.
    """

    def __init__(self, conn: sqlite3.Connection, cipher: FieldCipher, path: Path) -> None:
        """Wrap an open, configured and migrated connection; use :meth:`open` instead."""
        self._conn: sqlite3.Connection | None = conn
        self._cipher = cipher
        self._path = path
        self._lock = threading.RLock()
        self._depth = 0

    # -- lifecycle -------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        key: bytes,
        migrations: Sequence[Migration] = MIGRATIONS,
        busy_timeout: float = 5.0,
    ) -> Self:
        """Open (creating if needed) the database at ``path`` and bring its schema up to date.

        A new file is created readable by its owner only.

        Args:
            path: the database file.
            key: the 32-byte master key (see :func:`~cabin.store.crypto.key_from_config`).
            migrations: the schema, oldest first; tests pass an extended list.
            busy_timeout: how long to wait for another connection's write lock, in seconds.

        Raises:
            StoreKeyError: ``key`` is malformed or is not the key this database was made with.
            StoreError: the file is not a usable database, or its schema is newer than
                ``migrations``.
        """
        cipher = FieldCipher(key)
        if sqlite3.sqlite_version_info < _MIN_SQLITE:
            raise StoreError(f"SQLite {sqlite3.sqlite_version} is too old; 3.37 or newer needed")
        path = Path(path)
        try:
            _create_private(path)
            conn = sqlite3.connect(
                path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the database ({type(exc).__name__})") from exc
        try:
            _configure(conn, busy_timeout)
            if schema_version(conn) >= 1:
                _verify_key(conn, cipher)  # before migrating with a wrong key
            apply_migrations(conn, migrations)
            _ensure_key_check(conn, cipher)
            version = schema_version(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise _store_error(exc) from exc
        except BaseException:
            conn.close()
            raise
        logger.info("store opened", extra={"path": str(path), "version": version})
        return cls(conn, cipher, path)

    def close(self) -> None:
        """Close the database; calling it again does nothing."""
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                conn.close()
                logger.info("store closed", extra={"path": str(self._path)})

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def path(self) -> Path:
        """The database file."""
        return self._path

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._conn is None

    @property
    def schema_version(self) -> int:
        """The schema version of the open database."""
        with self._lock:
            return schema_version(self._require())

    def integrity_check(self) -> list[str]:
        """Problems found by ``PRAGMA integrity_check``; empty when the file is sound."""
        rows = self._fetchall("PRAGMA integrity_check")
        problems = [str(row[0]) for row in rows]
        return [] if problems == ["ok"] else problems

    # -- transactions ----------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: all of them commit when the block ends, none if it raises.

        The outermost block takes the write lock at once (``BEGIN IMMEDIATE``) and
        commits durably on exit. A nested block is a savepoint: if it raises, only its
        own writes are undone. Other threads wait until the outermost block ends.
        """
        with self._lock:
            conn = self._require()
            depth = self._depth
            self._exec(conn, "BEGIN IMMEDIATE" if depth == 0 else f"SAVEPOINT sp{depth}")
            self._depth = depth + 1
            try:
                yield
            except BaseException:
                self._depth = depth
                self._undo(conn, depth)
                raise
            self._depth = depth
            if self._conn is not conn:
                raise StoreError("the store was closed inside a transaction")
            if depth > 0:
                self._exec(conn, f"RELEASE sp{depth}")
                return
            try:
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._undo(conn, 0)
                raise _store_error(exc) from exc

    def _undo(self, conn: sqlite3.Connection, depth: int) -> None:
        if self._conn is not conn or not conn.in_transaction:
            return
        try:
            if depth == 0:
                conn.execute("ROLLBACK")
            else:
                conn.execute(f"ROLLBACK TO sp{depth}")
                conn.execute(f"RELEASE sp{depth}")
        except sqlite3.Error as exc:
            logger.warning("rollback failed", extra={"error": _error_name(exc)})

    # -- plumbing --------------------------------------------------------------------------

    def _require(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError("the store is closed")
        return self._conn

    def _exec(self, conn: sqlite3.Connection, sql: str) -> None:
        try:
            conn.execute(sql)
        except sqlite3.Error as exc:
            raise _store_error(exc) from exc

    def _run(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            try:
                return self._require().execute(sql, params)
            except sqlite3.Error as exc:
                raise _store_error(exc) from exc

    def _fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        with self._lock:
            row: tuple[Any, ...] | None = self._run(sql, params).fetchone()
            return row

    def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            rows: list[tuple[Any, ...]] = self._run(sql, params).fetchall()
            return rows


def _create_private(path: Path) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def _configure(conn: sqlite3.Connection, busy_timeout: float) -> None:
    conn.execute(f"PRAGMA busy_timeout = {max(0, int(busy_timeout * 1000))}")
    mode = str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
    if mode.lower() != "wal":
        raise StoreError("the database cannot use write-ahead logging")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    if conn.execute("PRAGMA foreign_keys").fetchone()[0] != 1:
        raise StoreError("this SQLite cannot enforce foreign keys")


def _verify_key(conn: sqlite3.Connection, cipher: FieldCipher) -> None:
    row = conn.execute("SELECT value FROM meta WHERE name = 'key_check'").fetchone()
    if row is not None:
        try:
            cipher.verify_key_check(bytes(row[0]))
        except StoreError:
            logger.warning("store key rejected")
            raise


def _ensure_key_check(conn: sqlite3.Connection, cipher: FieldCipher) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "INSERT OR IGNORE INTO meta (name, value) VALUES ('key_check', ?)",
            (cipher.key_check(),),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    _verify_key(conn, cipher)


def lastrowid(cursor: sqlite3.Cursor) -> int:
    """The id of the row the cursor just inserted."""
    if cursor.lastrowid is None:
        raise StoreError("the database did not report the new row's id")
    return int(cursor.lastrowid)


def require_text(value: str, name: str) -> None:
    """Refuse (``ValueError``) anything but a non-blank string for argument ``name``."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string")


def _store_error(exc: sqlite3.Error) -> StoreError:
    # SQLite's messages name tables, columns and constraints, never bound values.
    return StoreError(f"database operation failed: {exc} ({_error_name(exc)})")
