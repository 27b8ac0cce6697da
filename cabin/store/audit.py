"""The append-only audit log: who did what to which object, by id only.

Triggers in the schema abort any ``UPDATE`` or ``DELETE`` on ``audit_log``.
Every field is a short ASCII code or id, which keeps names, ID numbers and
free text out of the log by construction.
"""

from __future__ import annotations

from datetime import datetime

from cabin.store import codec
from cabin.store.db import Database, lastrowid
from cabin.store.models import AuditEntry

__all__ = ["AuditLog"]

_CODE_PUNCTUATION = frozenset("_.:/-")
_ID_NUMBER_LENGTHS = (9, 12)  # CMND and CCCD numbers


class AuditLog(Database):
    """The ``audit_log`` table."""

    def audit(
        self,
        actor: str,
        action: str,
        *,
        object_type: str | None = None,
        object_id: str | None = None,
        at: datetime | None = None,
    ) -> int:
        """Append an entry to the audit log and return its row id.

        Every field must be a short code or id (ASCII letters, digits and ``_.:/-``),
        which keeps names and free text out of the log by construction; a value of
        9 or 12 digits alone (the shape of an ID card number) is refused too.

        Args:
            actor: who acted (``"system"``, ``"resident"``, ``"doctor:42"``).
            action: what was done (``"resident.identify"``, ``"visit.export"``).
            object_type: the kind of object acted on (``"visit"``).
            object_id: its id (a UUID or row id, never a CCCD number).
            at: when (UTC); now by default.
        """
        for value, name in ((actor, "actor"), (action, "action")):
            _require_code(value, name)
        for optional, name in ((object_type, "object_type"), (object_id, "object_id")):
            if optional is not None:
                _require_code(optional, name)
        stamp = codec.to_db_time(at or codec.utc_now(), "at")
        with self.transaction():
            cursor = self._run(
                "INSERT INTO audit_log (at, actor, action, object_type, object_id)"
                " VALUES (?, ?, ?, ?, ?)",
                (stamp, actor, action, object_type, object_id),
            )
            return lastrowid(cursor)

    def audit_entries(self, *, after_id: int = 0, limit: int | None = None) -> list[AuditEntry]:
        """Audit entries with ids above ``after_id``, oldest first, at most ``limit``."""
        if limit is not None and limit < 0:
            raise ValueError("limit must not be negative")
        rows = self._fetchall(
            "SELECT id, at, actor, action, object_type, object_id FROM audit_log"
            " WHERE id > ? ORDER BY id LIMIT ?",
            (after_id, -1 if limit is None else limit),
        )
        return [
            AuditEntry(int(r[0]), codec.from_db_time(r[1]), str(r[2]), str(r[3]), r[4], r[5])
            for r in rows
        ]


def _require_code(value: str, name: str) -> None:
    if not (
        isinstance(value, str)
        and 0 < len(value) <= 128
        and value.isascii()
        and all(c.isalnum() or c in _CODE_PUNCTUATION for c in value)
    ):
        raise ValueError(f"{name} must be a short code: ASCII letters, digits and _.:/-")
    if value.isdigit() and len(value) in _ID_NUMBER_LENGTHS:
        raise ValueError(f"{name} looks like an ID card number; use the resident's UUID")
