"""The portal's table of SOS alerts (:mod:`video.portal.alerts` serves them).

One row per alert, keyed by station and the station's own alert id, in the
portal's SQLite file, so that a repeated raise finds the stored alert and a
portal restart loses nothing.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cabin.errors import StoreError
from video.portal.accounts import AccountStore

__all__ = ["Alert", "AlertStore", "iso_utc"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sos_alert (
    id          TEXT NOT NULL,
    station     TEXT NOT NULL,
    raised_at   REAL NOT NULL,
    received_at REAL NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved', 'false_alarm')),
    escalated   INTEGER NOT NULL DEFAULT 0,
    acked_by    TEXT,
    acked_at    REAL,
    closed_by   TEXT,
    closed_at   REAL,
    PRIMARY KEY (station, id)
) STRICT;
"""
_SELECT = (
    "SELECT id, station, raised_at, received_at, state, escalated,"
    " acked_by, acked_at, closed_by, closed_at FROM sos_alert WHERE "
)


@dataclass(frozen=True, slots=True)
class Alert:
    """One SOS alert. Times are Unix seconds (UTC).

    Attributes:
        id: made by the station.
        station: the station that raised it.
        raised_at: when the resident pressed SOS (the station's clock).
        received_at: when the portal first stored it.
        state: ``open``, ``acknowledged``, ``resolved`` or ``false_alarm``.
        escalated: no acknowledgement came in time; every operator was told again.
        acked_by: the operator's display name.
    """

    id: str
    station: str
    raised_at: float
    received_at: float
    state: str
    escalated: bool = False
    acked_by: str | None = None
    acked_at: float | None = None
    closed_by: str | None = None
    closed_at: float | None = None

    def for_station(self) -> dict[str, object]:
        return {
            "alert": self.id,
            "state": self.state,
            "escalated": self.escalated,
            "acked_at": iso_utc(self.acked_at),
            "acked_by": self.acked_by,
            "closed_at": iso_utc(self.closed_at),
        }


def iso_utc(seconds: float | None) -> str | None:
    """Unix seconds as ISO-8601 UTC (None stays None)."""
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC).isoformat()


class AlertStore:
    """The alerts table in the portal's SQLite file (its own connection)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: str | Path) -> AlertStore:
        try:
            conn = sqlite3.connect(
                str(path), timeout=5.0, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA busy_timeout = 5000")
            conn.execute("PRAGMA synchronous = FULL")
            conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError("the portal's alert table cannot be opened") from exc
        return cls(conn)

    @classmethod
    def beside(cls, accounts: AccountStore) -> AlertStore:
        """The alert table in the same file as ``accounts``."""
        return cls.open(accounts.path or ":memory:")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _run(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StoreError("the portal's alert table failed") from exc

    def raise_alert(self, station: str, alert_id: str, raised_at: float, now: float) -> Alert:
        """Store an alert unless it is there already; the stored one either way."""
        self._run(
            "INSERT OR IGNORE INTO sos_alert (id, station, raised_at, received_at, state)"
            " VALUES (?, ?, ?, ?, 'open')",
            (alert_id, station, raised_at, now),
        )
        alert = self.get(station, alert_id)
        if alert is None:
            raise StoreError("the alert was not stored")
        return alert

    def _select(self, where: str, params: tuple[object, ...] = ()) -> list[Alert]:
        return [_alert(r) for r in self._run(_SELECT + where, params)]

    def get(self, station: str, alert_id: str) -> Alert | None:
        rows = self._select("station = ? AND id = ?", (station, alert_id))
        return rows[0] if rows else None

    def find(self, alert_id: str) -> Alert | None:
        rows = self._select("id = ?", (alert_id,))
        return rows[0] if len(rows) == 1 else None

    def active(self) -> list[Alert]:
        """Alerts not yet closed, oldest first."""
        return self._select("state IN ('open', 'acknowledged') ORDER BY received_at")

    def acknowledge(self, alert: Alert, by: str, now: float) -> None:
        self._run(
            "UPDATE sos_alert SET state = 'acknowledged', acked_by = ?, acked_at = ?"
            " WHERE station = ? AND id = ? AND state = 'open'",
            (by, now, alert.station, alert.id),
        )

    def close_alert(self, alert: Alert, outcome: str, by: str, now: float) -> None:
        self._run(
            "UPDATE sos_alert SET state = ?, closed_by = ?, closed_at = ?"
            " WHERE station = ? AND id = ? AND state IN ('open', 'acknowledged')",
            (outcome, by, now, alert.station, alert.id),
        )

    def escalate_due(self, before: float) -> list[Alert]:
        """Mark open alerts received before ``before`` as escalated; those newly marked."""
        due = self._select("state = 'open' AND escalated = 0 AND received_at <= ?", (before,))
        for alert in due:
            self._run(
                "UPDATE sos_alert SET escalated = 1 WHERE station = ? AND id = ?",
                (alert.station, alert.id),
            )
        return due


def _alert(row: tuple[object, ...]) -> Alert:
    def num(value: object) -> float | None:
        return float(value) if isinstance(value, int | float) else None

    return Alert(
        id=str(row[0]),
        station=str(row[1]),
        raised_at=float(num(row[2]) or 0.0),
        received_at=float(num(row[3]) or 0.0),
        state=str(row[4]),
        escalated=bool(row[5]),
        acked_by=str(row[6]) if row[6] is not None else None,
        acked_at=num(row[7]),
        closed_by=str(row[8]) if row[8] is not None else None,
        closed_at=num(row[9]),
    )
