"""The outbox: records that must leave the station, kept until they have.

One entry per visit, destination (a hospital's key) and kind
(``"fhir-transaction"``). :meth:`OutboxRecords.enqueue` is meant to run inside
the transaction that ends the visit, so a visit is never ended without its
entry, and a second call for the same visit changes nothing. A worker takes
due entries, and after each attempt records what happened: delivered, failed
(tried again at ``next_attempt_at``) or dead (the server refused it; an operator
reads ``last_error`` and the refusal, fixes the cause and requeues it).

The payload (the record itself, zlib-compressed) and a refusal's body are sealed
like the other health data, bound to ``outbox.payload.<id>`` and
``outbox.outcome.<id>``. ``last_error`` is plain words written by the station,
never a server's text, so it holds no personal data.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from cabin.errors import StoreError
from cabin.store import codec
from cabin.store.db import Database, lastrowid, require_text

__all__ = ["OutboxEntry", "OutboxRecords", "OutboxState"]

OutboxState = Literal["pending", "delivered", "dead"]

_PAYLOAD = "outbox.payload"
_OUTCOME = "outbox.outcome"
_COLUMNS = (
    "id, visit_id, destination, kind, state, attempts, created_at, next_attempt_at,"
    " delivered_at, last_error, payload, outcome"
)


def _aad(place: str, row_id: int) -> bytes:
    return f"{place}.{row_id}".encode("ascii")


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One record waiting to leave, or that has left.

    Attributes:
        id: row id.
        visit_id: the visit it comes from.
        destination: where it goes (a configured hospital's key).
        kind: what it is (``"fhir-transaction"``).
        state: ``"pending"``, ``"delivered"`` or ``"dead"``.
        attempts: delivery attempts so far.
        created_at: when it was enqueued (UTC).
        next_attempt_at: when a pending entry is next due (UTC).
        delivered_at: when the destination accepted it (UTC), if it has.
        last_error: the last failure in plain words (no personal data), if any.
        payload: the record; None when it could not be built.
        outcome: the body of the destination's refusal, for a dead letter.
    """

    id: int
    visit_id: str
    destination: str
    kind: str
    state: OutboxState
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None
    last_error: str | None
    payload: bytes | None = field(repr=False)
    outcome: bytes | None = field(repr=False)


class OutboxRecords(Database):
    """The ``outbox`` table."""

    def enqueue(
        self,
        visit_id: str,
        destination: str,
        kind: str,
        payload: bytes | None,
        *,
        error: str | None = None,
        at: datetime | None = None,
    ) -> int:
        """Add a record to send, due now; return its entry's id.

        Enqueuing the same visit, destination and kind again returns the existing
        entry and changes nothing. A record that could not be built is passed as
        ``payload=None`` with ``error`` saying why: it is kept as a dead letter, so
        the failure is seen and the visit can be requeued once fixed.
        """
        require_text(visit_id, "visit_id")
        require_text(destination, "destination")
        require_text(kind, "kind")
        if payload is None and not error:
            raise ValueError("an entry without a payload needs the error that stopped it")
        stamp = codec.to_db_time(at or codec.utc_now(), "at")
        with self.transaction():
            row = self._fetchone(
                "SELECT id FROM outbox WHERE visit_id = ? AND destination = ? AND kind = ?",
                (visit_id, destination, kind),
            )
            if row is not None:
                return int(row[0])
            state = "pending" if payload is not None else "dead"
            entry_id = lastrowid(
                self._run(
                    "INSERT INTO outbox (visit_id, destination, kind, state, created_at,"
                    " next_attempt_at, last_error) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (visit_id, destination, kind, state, stamp, stamp, error),
                )
            )
            if payload is not None:
                self._seal(entry_id, "payload", _PAYLOAD, payload)
        return entry_id

    def outbox_entry(self, entry_id: int) -> OutboxEntry | None:
        """One entry, or None."""
        row = self._fetchone(f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", (entry_id,))  # noqa: S608
        return None if row is None else self._open_entry(row)

    def outbox_entries(
        self, *, state: OutboxState | None = None, visit_id: str | None = None
    ) -> list[OutboxEntry]:
        """Entries in the order they were enqueued, optionally of one state or visit."""
        where, params = _filter(state=state, visit_id=visit_id)
        rows = self._fetchall(f"SELECT {_COLUMNS} FROM outbox{where} ORDER BY id", params)  # noqa: S608
        return [self._open_entry(row) for row in rows]

    def due_entries(
        self, now: datetime, *, destination: str | None = None, limit: int = 10
    ) -> list[OutboxEntry]:
        """Pending entries whose time has come, oldest first."""
        params: list[Any] = [codec.to_db_time(now, "now")]
        extra = ""
        if destination is not None:
            extra = " AND destination = ?"
            params.append(destination)
        rows = self._fetchall(
            f"SELECT {_COLUMNS} FROM outbox WHERE state = 'pending'"  # noqa: S608
            f" AND next_attempt_at <= ?{extra} ORDER BY next_attempt_at, id LIMIT ?",
            (*params, limit),
        )
        return [self._open_entry(row) for row in rows]

    def next_due_at(self, *, destination: str | None = None) -> datetime | None:
        """When the earliest pending entry is due; None when nothing is pending."""
        sql = "SELECT min(next_attempt_at) FROM outbox WHERE state = 'pending'"
        params: tuple[Any, ...] = ()
        if destination is not None:
            sql += " AND destination = ?"
            params = (destination,)
        row = self._fetchone(sql, params)
        return None if row is None or row[0] is None else codec.from_db_time(row[0])

    def outbox_counts(self) -> dict[str, int]:
        """How many entries are pending, delivered and dead."""
        counts = {"pending": 0, "delivered": 0, "dead": 0}
        for state, count in self._fetchall("SELECT state, count(*) FROM outbox GROUP BY state"):
            counts[str(state)] = int(count)
        return counts

    def mark_delivered(self, entry_id: int, *, at: datetime | None = None) -> None:
        """The destination accepted the record."""
        stamp = codec.to_db_time(at or codec.utc_now(), "at")
        self._update(
            entry_id,
            "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, delivered_at = ?,"
            " last_error = NULL WHERE id = ? AND state = 'pending'",
            (stamp,),
        )

    def mark_failed(self, entry_id: int, *, error: str, retry_at: datetime) -> None:
        """An attempt failed in a way worth trying again at ``retry_at``."""
        require_text(error, "error")
        self._update(
            entry_id,
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?"
            " WHERE id = ? AND state = 'pending'",
            (error, codec.to_db_time(retry_at, "retry_at")),
        )

    def mark_dead(self, entry_id: int, *, error: str, outcome: bytes | None = None) -> None:
        """The destination refused the record: keep it, and its refusal, for an operator."""
        require_text(error, "error")
        with self.transaction():
            self._update(
                entry_id,
                "UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ?"
                " WHERE id = ? AND state = 'pending'",
                (error,),
            )
            if outcome is not None:
                self._seal(entry_id, "outcome", _OUTCOME, outcome)

    def requeue(
        self, entry_id: int, payload: bytes | None = None, *, at: datetime | None = None
    ) -> None:
        """Put a dead letter back in line, due now, with a rebuilt payload if given.

        Raises:
            StoreError: no such entry, or it is not dead.
        """
        stamp = codec.to_db_time(at or codec.utc_now(), "at")
        with self.transaction():
            row = self._fetchone("SELECT state, payload FROM outbox WHERE id = ?", (entry_id,))
            if row is None:
                raise StoreError("no such outbox entry")
            if row[0] != "dead":
                raise StoreError(f"the entry is {row[0]}, not dead")
            if payload is None and row[1] is None:
                raise StoreError("the entry has no record to send; rebuild it first")
            self._run(
                "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?,"
                " last_error = NULL, outcome = NULL WHERE id = ?",
                (stamp, entry_id),
            )
            if payload is not None:
                self._seal(entry_id, "payload", _PAYLOAD, payload)

    # -- internals ---------------------------------------------------------------------------

    def _update(self, entry_id: int, sql: str, params: Sequence[Any]) -> None:
        with self.transaction():
            if self._run(sql, (*params, entry_id)).rowcount != 1:
                row = self._fetchone("SELECT state FROM outbox WHERE id = ?", (entry_id,))
                if row is None:
                    raise StoreError("no such outbox entry")
                raise StoreError(f"the entry is {row[0]}, not pending")

    def _seal(self, entry_id: int, column: str, place: str, plain: bytes) -> None:
        sealed = self._cipher.seal(zlib.compress(plain, 6), _aad(place, entry_id))
        self._run(f"UPDATE outbox SET {column} = ? WHERE id = ?", (sealed, entry_id))  # noqa: S608

    def _open(self, blob: Any, place: str, entry_id: int) -> bytes | None:
        if blob is None:
            return None
        return zlib.decompress(self._cipher.open(bytes(blob), _aad(place, entry_id)))

    def _open_entry(self, row: tuple[Any, ...]) -> OutboxEntry:
        entry_id = int(row[0])
        return OutboxEntry(
            id=entry_id,
            visit_id=str(row[1]),
            destination=str(row[2]),
            kind=str(row[3]),
            state=row[4],
            attempts=int(row[5]),
            created_at=codec.from_db_time(row[6]),
            next_attempt_at=codec.from_db_time(row[7]),
            delivered_at=None if row[8] is None else codec.from_db_time(row[8]),
            last_error=row[9],
            payload=self._open(row[10], _PAYLOAD, entry_id),
            outcome=self._open(row[11], _OUTCOME, entry_id),
        )


def _filter(**conditions: Any) -> tuple[str, tuple[Any, ...]]:
    used = {name: value for name, value in conditions.items() if value is not None}
    if not used:
        return "", ()
    return " WHERE " + " AND ".join(f"{name} = ?" for name in used), tuple(used.values())
