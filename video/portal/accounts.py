"""The portal's accounts (doctors, operators, admins) and the stations it trusts.

One SQLite file (WAL, ``STRICT`` tables). Passwords are kept as argon2id hashes
(argon2-cffi's ``PasswordHasher``), rehashed on the next good login when the
parameters change. A station's key is 32 random bytes shown once; only its
SHA-256 is stored (the key is random and long, so no slow hash is needed) and
it is compared with ``hmac.compare_digest``.

The store is safe to call from one worker thread at a time per call (a lock
guards the connection), so password checks can run in an executor.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import logging
import re
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from cabin.errors import StoreError

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "Account",
    "AccountStore",
    "Role",
    "check_password",
    "check_username",
]

_log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10
"""Shortest password accepted, in characters."""

_MAX_PASSWORD_LENGTH = 1024
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,31}")
_STATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS account (
    username      TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('doctor', 'operator', 'admin')),
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    REAL NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS station (
    station_id    TEXT PRIMARY KEY,
    key_sha256    BLOB NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    REAL NOT NULL
) STRICT;
"""


class Role(enum.StrEnum):
    """What an account may do on the portal."""

    DOCTOR = "doctor"
    OPERATOR = "operator"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Account:
    """One portal account, without its password hash.

    Attributes:
        username: the login name (lower case).
        display_name: the name shown to others, e.g. "BS. Trần Văn Hùng".
        role: what the account may do.
        disabled: a disabled account cannot log in.
        created_at: creation time, seconds since the Unix epoch.
    """

    username: str
    display_name: str
    role: Role
    disabled: bool
    created_at: float


def check_username(username: str) -> str:
    """Return ``username`` if it is a valid login name, else raise ``ValueError``."""
    if not _USERNAME.fullmatch(username):
        raise ValueError(
            "a username is 3 to 32 characters: lower-case letters, digits, '.', '_' or '-'"
        )
    return username


def check_password(password: str) -> str:
    """Return ``password`` if it is long enough, else raise ``ValueError`` (never showing it)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > _MAX_PASSWORD_LENGTH:
        raise ValueError(f"a password has at most {_MAX_PASSWORD_LENGTH} characters")
    return password


def _key_digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


class AccountStore:
    """Accounts and station keys in one SQLite file. Open with :meth:`open`."""

    def __init__(self, conn: sqlite3.Connection, hasher: PasswordHasher) -> None:
        self._conn = conn
        self._hasher = hasher
        self._lock = threading.Lock()
        self._closed = False
        # Verified against when the username is unknown, so that path costs the same.
        self._dummy_hash = hasher.hash(secrets.token_urlsafe(16))

    @classmethod
    def open(cls, path: str | Path, *, hasher: PasswordHasher | None = None) -> AccountStore:
        """Open (creating if needed) the store at ``path``.

        Args:
            path: the SQLite file.
            hasher: the argon2id hasher; argon2-cffi's defaults (RFC 9106 low-memory
                profile) when omitted. Tests pass cheaper parameters.
        """
        hasher = hasher or PasswordHasher()
        try:
            conn = sqlite3.connect(
                str(path), timeout=5.0, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StoreError("the portal's account database cannot be opened") from exc
        try:
            conn.execute("PRAGMA busy_timeout = 5000")
            mode = str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
            if mode.lower() != "wal":
                raise StoreError(f"the account database refused WAL mode (got {mode})")
            conn.execute("PRAGMA synchronous = FULL")
            conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError("the portal's account database cannot be set up") from exc
        except StoreError:
            conn.close()
            raise
        return cls(conn, hasher)

    def close(self) -> None:
        """Close the database; calling it again does nothing."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()

    def __enter__(self) -> AccountStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def path(self) -> str:
        """The database file ("" for an in-memory one)."""
        rows = self._execute("PRAGMA database_list")
        return next((str(r[2]) for r in rows if r[1] == "main" and r[2]), "")

    def _execute(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            if self._closed:
                raise StoreError("the account store is closed")
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.IntegrityError:
                raise
            except sqlite3.Error as exc:
                raise StoreError("the portal's account database failed") from exc

    def _update_one(self, sql: str, params: tuple[object, ...], key: str) -> None:
        """Run an UPDATE of the row named ``key``; ``KeyError`` if there is none."""
        with self._lock:
            if self._closed:
                raise StoreError("the account store is closed")
            if self._conn.execute(sql, params).rowcount == 0:
                raise KeyError(key)

    # Accounts

    def add_account(
        self, username: str, display_name: str, role: Role | str, password: str
    ) -> Account:
        """Create an account and return it.

        Raises:
            ValueError: a bad username, role or display name, a weak password, or a
                username already taken.
        """
        check_username(username)
        role = Role(role)
        display_name = display_name.strip()
        if not display_name or len(display_name) > 200:
            raise ValueError("a display name is 1 to 200 characters")
        check_password(password)
        password_hash = self._hasher.hash(password)
        created_at = time.time()
        try:
            self._execute(
                "INSERT INTO account (username, display_name, role, password_hash, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (username, display_name, role.value, password_hash, created_at),
            )
        except sqlite3.IntegrityError as exc:
            raise ValueError(f"the username {username!r} is already taken") from exc
        _log.info("portal account created (role %s)", role.value)
        return Account(username, display_name, role, False, created_at)

    def get_account(self, username: str) -> Account | None:
        """The account called ``username``, or ``None``."""
        rows = self._execute(
            "SELECT username, display_name, role, disabled, created_at FROM account"
            " WHERE username = ?",
            (username,),
        )
        return _account(rows[0]) if rows else None

    def accounts(self) -> list[Account]:
        """Every account, sorted by username."""
        rows = self._execute(
            "SELECT username, display_name, role, disabled, created_at FROM account"
            " ORDER BY username"
        )
        return [_account(row) for row in rows]

    def set_disabled(self, username: str, disabled: bool = True) -> None:
        """Disable (or enable again) an account. Raises ``KeyError`` if unknown."""
        self._update_one(
            "UPDATE account SET disabled = ? WHERE username = ?",
            (int(disabled), username),
            username,
        )

    def set_password(self, username: str, password: str) -> None:
        """Replace an account's password. Raises ``KeyError`` if unknown."""
        check_password(password)
        password_hash = self._hasher.hash(password)
        self._update_one(
            "UPDATE account SET password_hash = ? WHERE username = ?",
            (password_hash, username),
            username,
        )

    def verify_password(self, username: str, password: str) -> Account | None:
        """The account if ``password`` is right and the account enabled, else ``None``.

        An unknown username costs one hash check too (against a dummy hash), so the
        answer time does not tell which usernames exist. Blocking (tens of ms): call
        it from an executor in async code.
        """
        if len(password) > _MAX_PASSWORD_LENGTH:
            password = ""
        rows = self._execute(
            "SELECT username, display_name, role, disabled, created_at, password_hash"
            " FROM account WHERE username = ?",
            (username,),
        )
        if not rows:
            self._check(self._dummy_hash, password)
            return None
        row = rows[0]
        stored_hash = str(row[5])
        if not self._check(stored_hash, password):
            return None
        account = _account(row[:5])
        if account.disabled:
            return None
        if self._hasher.check_needs_rehash(stored_hash):
            self._execute(
                "UPDATE account SET password_hash = ? WHERE username = ? AND password_hash = ?",
                (self._hasher.hash(password), username, stored_hash),
            )
            _log.info("portal password hash upgraded to the current parameters")
        return account

    def _check(self, stored_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, password)
        except VerifyMismatchError:
            return False
        except (VerificationError, InvalidHashError):
            _log.warning("a stored password hash could not be checked")
            return False

    # Stations

    def add_station(self, station_id: str) -> str:
        """Register a station and return its new key. The key is shown this once only.

        Raises:
            ValueError: a bad or already registered station id.
        """
        if not _STATION_ID.fullmatch(station_id):
            raise ValueError("a station id is 1 to 64 characters: letters, digits, '.', '_' or '-'")
        key = secrets.token_urlsafe(32)
        try:
            self._execute(
                "INSERT INTO station (station_id, key_sha256, created_at) VALUES (?, ?, ?)",
                (station_id, _key_digest(key), time.time()),
            )
        except sqlite3.IntegrityError as exc:
            raise ValueError(f"the station {station_id!r} is already registered") from exc
        _log.info("portal station %s registered", station_id)
        return key

    def verify_station(self, station_id: str, key: str) -> bool:
        """Whether ``key`` is the current key of the enabled station ``station_id``."""
        rows = self._execute(
            "SELECT key_sha256, disabled FROM station WHERE station_id = ?", (station_id,)
        )
        expected = bytes(rows[0][0]) if rows else b"\x00" * 32  # type: ignore[call-overload]
        matches = hmac.compare_digest(expected, _key_digest(key))
        return bool(rows) and matches and not rows[0][1]

    def set_station_disabled(self, station_id: str, disabled: bool = True) -> None:
        """Disable (or enable again) a station. Raises ``KeyError`` if unknown."""
        self._update_one(
            "UPDATE station SET disabled = ? WHERE station_id = ?",
            (int(disabled), station_id),
            station_id,
        )


def _account(row: tuple[object, ...]) -> Account:
    username, display_name, role, disabled, created_at = row
    return Account(
        username=str(username),
        display_name=str(display_name),
        role=Role(str(role)),
        disabled=bool(disabled),
        created_at=float(created_at),  # type: ignore[arg-type]
    )
