"""Visits and the history of their states.

A visit's current state lives in ``visits``; every change, the first included,
is appended to ``visit_transitions`` in the same transaction, so the history
always ends in the current state. The store does not know the state machine:
it records whatever states ``cabin.session`` names.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from cabin.errors import StoreError
from cabin.store import codec
from cabin.store.db import Database, lastrowid, require_text
from cabin.store.models import Visit, VisitTransition

__all__ = ["VisitRecords"]

logger = logging.getLogger(__name__)

_SELECT = (
    "SELECT id, resident_id, station_id, state, started_at, ended_at, consent, hospital FROM visits"
)


class VisitRecords(Database):
    """The ``visits`` and ``visit_transitions`` tables."""

    def start_visit(
        self,
        station_id: str,
        *,
        state: str = "started",
        resident_id: str | None = None,
        consent: bool = False,
        at: datetime | None = None,
    ) -> str:
        """Open a visit in ``state`` (recorded as its first transition); return its UUID.

        Args:
            station_id: this station's configured id.
            state: the state machine's initial state.
            resident_id: the resident, or None for an anonymous visit (see
                :meth:`set_visit_resident`).
            consent: whether consent was already given.
            at: when it started (UTC); now by default.
        """
        require_text(station_id, "station_id")
        require_text(state, "state")
        visit_id = str(uuid.uuid4())
        started = codec.to_db_time(at or codec.utc_now(), "at")
        with self.transaction():
            self._run(
                "INSERT INTO visits (id, resident_id, station_id, state, started_at, consent)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (visit_id, resident_id, station_id, state, started, int(consent)),
            )
            self._run(
                "INSERT INTO visit_transitions (visit_id, from_state, to_state, at)"
                " VALUES (?, NULL, ?, ?)",
                (visit_id, state, started),
            )
        logger.debug("visit started", extra={"visit": visit_id, "state": state})
        return visit_id

    def transition(
        self,
        visit_id: str,
        to_state: str,
        *,
        expect: str | None = None,
        end: bool = False,
        at: datetime | None = None,
    ) -> VisitTransition:
        """Move a visit to ``to_state`` and record the change.

        Args:
            visit_id: the visit.
            to_state: the new state.
            expect: when given, the state the visit must be in now (a guard against
                two writers racing).
            end: whether this ends the visit (sets ``ended_at``; no change follows).
            at: when it happened (UTC); now by default.

        Raises:
            StoreError: no such visit, the visit has ended, or it is not in ``expect``.
        """
        require_text(to_state, "to_state")
        when = at or codec.utc_now()
        stamp = codec.to_db_time(when, "at")
        with self.transaction():
            row = self._fetchone("SELECT state, ended_at FROM visits WHERE id = ?", (visit_id,))
            if row is None:
                raise StoreError("no such visit")
            from_state, ended_at = str(row[0]), row[1]
            if ended_at is not None:
                raise StoreError("the visit has already ended")
            if expect is not None and from_state != expect:
                raise StoreError(f"the visit is in state {from_state!r}, not {expect!r}")
            self._run(
                "UPDATE visits SET state = ?, ended_at = ? WHERE id = ?",
                (to_state, stamp if end else None, visit_id),
            )
            cursor = self._run(
                "INSERT INTO visit_transitions (visit_id, from_state, to_state, at)"
                " VALUES (?, ?, ?, ?)",
                (visit_id, from_state, to_state, stamp),
            )
            transition_id = lastrowid(cursor)
        logger.debug("visit state changed", extra={"visit": visit_id, "state": to_state})
        return VisitTransition(
            transition_id, visit_id, from_state, to_state, codec.from_db_time(stamp)
        )

    def set_visit_resident(self, visit_id: str, resident_id: str | None) -> None:
        """Attach an identified resident to a visit (None makes it anonymous again)."""
        self._update_visit("UPDATE visits SET resident_id = ? WHERE id = ?", resident_id, visit_id)

    def set_visit_consent(self, visit_id: str, consent: bool) -> None:
        """Record whether the resident consented."""
        self._update_visit("UPDATE visits SET consent = ? WHERE id = ?", int(consent), visit_id)

    def set_visit_hospital(self, visit_id: str, hospital: str | None) -> None:
        """Record which hospital the resident chose (None: the station's default)."""
        self._update_visit("UPDATE visits SET hospital = ? WHERE id = ?", hospital, visit_id)

    def _update_visit(self, sql: str, value: Any, visit_id: str) -> None:
        with self.transaction():
            cursor = self._run(sql, (value, visit_id))
            if cursor.rowcount != 1:
                raise StoreError("no such visit")

    def visit(self, visit_id: str) -> Visit | None:
        """The visit with this UUID, or None."""
        row = self._fetchone(_SELECT + " WHERE id = ?", (visit_id,))
        return None if row is None else _visit(row)

    def visits_of(self, resident_id: str) -> list[Visit]:
        """The resident's visits, oldest first."""
        rows = self._fetchall(
            _SELECT + " WHERE resident_id = ? ORDER BY started_at, id",
            (resident_id,),
        )
        return [_visit(row) for row in rows]

    def unfinished_visits(self, station_id: str | None = None) -> list[Visit]:
        """Visits that never ended (the station stopped during them), oldest first."""
        sql = _SELECT + " WHERE ended_at IS NULL"
        params: tuple[Any, ...] = ()
        if station_id is not None:
            sql += " AND station_id = ?"
            params = (station_id,)
        return [_visit(row) for row in self._fetchall(sql + " ORDER BY started_at, id", params)]

    def transitions(self, visit_id: str) -> list[VisitTransition]:
        """Every state change of a visit, in the order recorded (the first has no ``from``)."""
        rows = self._fetchall(
            "SELECT id, visit_id, from_state, to_state, at FROM visit_transitions"
            " WHERE visit_id = ? ORDER BY id",
            (visit_id,),
        )
        return [
            VisitTransition(int(r[0]), str(r[1]), r[2], str(r[3]), codec.from_db_time(r[4]))
            for r in rows
        ]


def _visit(row: tuple[Any, ...]) -> Visit:
    return Visit(
        id=str(row[0]),
        resident_id=row[1],
        station_id=str(row[2]),
        state=str(row[3]),
        started_at=codec.from_db_time(row[4]),
        ended_at=None if row[5] is None else codec.from_db_time(row[5]),
        consent=bool(row[6]),
        hospital=row[7],
    )
