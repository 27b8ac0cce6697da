"""Teleconsultations of a visit: the doctor, the times, and the doctor's note.

A row in ``consults`` is opened when the cabin asks for a doctor
(:meth:`ConsultRecords.begin_consult`), gets the doctor when one accepts, and is
closed with a short reason code. The note is kept in every version the doctor
sent (``consult_notes``); the consult shows the latest and counts them.

What is sealed, with the field cipher of the residents' identities: the doctor's
display name (``consults.doctor_name.<id>``) and each note version
(``consult_notes.text.<consult id>.<version>``), so a sealed value moved to
another row or version no longer opens. In clear: ids, times, the doctor's portal
account name, the reason code and the version counter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cabin.errors import StoreError
from cabin.store import codec
from cabin.store.db import Database, lastrowid, require_text
from cabin.store.models import Consult

__all__ = ["ConsultRecords"]

_SELECT = (
    "SELECT id, visit_id, started_at, accepted_at, ended_at, doctor_id, doctor_name,"
    " end_reason, note_version FROM consults"
)


def _name_aad(consult_id: int) -> bytes:
    return f"consults.doctor_name.{consult_id}".encode("ascii")


def _note_aad(consult_id: int, version: int) -> bytes:
    return f"consult_notes.text.{consult_id}.{version}".encode("ascii")


class ConsultRecords(Database):
    """The ``consults`` and ``consult_notes`` tables."""

    def begin_consult(self, visit_id: str, *, at: datetime | None = None) -> int:
        """The cabin asked for a doctor during ``visit_id``; return the consult's id."""
        require_text(visit_id, "visit_id")
        stamp = codec.to_db_time(at or codec.utc_now(), "at")
        with self.transaction():
            cursor = self._run(
                "INSERT INTO consults (visit_id, started_at) VALUES (?, ?)", (visit_id, stamp)
            )
            return lastrowid(cursor)

    def set_consult_doctor(
        self,
        consult_id: int,
        doctor_id: str | None,
        doctor_name: str,
        *,
        at: datetime | None = None,
    ) -> None:
        """A doctor accepted: their portal account (if known) and display name."""
        stamp = codec.to_db_time(at or codec.utc_now(), "at")
        sealed = self._cipher.seal_text(doctor_name, _name_aad(consult_id))
        with self.transaction():
            self._require_open(consult_id)
            self._run(
                "UPDATE consults SET accepted_at = ?, doctor_id = ?, doctor_name = ? WHERE id = ?",
                (stamp, doctor_id, sealed, consult_id),
            )

    def set_consult_note(self, consult_id: int, text: str, *, at: datetime | None = None) -> int:
        """Keep a new version of the doctor's note; return its version number (1, 2...)."""
        if not isinstance(text, str):
            raise ValueError("the note must be text")
        stamp = codec.to_db_time(at or codec.utc_now(), "at")
        with self.transaction():
            row = self._fetchone("SELECT note_version FROM consults WHERE id = ?", (consult_id,))
            if row is None:
                raise StoreError("no such consult")
            version = int(row[0]) + 1
            self._run(
                "INSERT INTO consult_notes (consult_id, version, written_at, text)"
                " VALUES (?, ?, ?, ?)",
                (
                    consult_id,
                    version,
                    stamp,
                    self._cipher.seal_text(text, _note_aad(consult_id, version)),
                ),
            )
            self._run("UPDATE consults SET note_version = ? WHERE id = ?", (version, consult_id))
        return version

    def end_consult(self, consult_id: int, reason: str, *, at: datetime | None = None) -> bool:
        """Close the consult with a short reason code; False if it was already closed."""
        require_text(reason, "reason")
        stamp = codec.to_db_time(at or codec.utc_now(), "at")
        with self.transaction():
            if self._fetchone("SELECT 1 FROM consults WHERE id = ?", (consult_id,)) is None:
                raise StoreError("no such consult")
            cursor = self._run(
                "UPDATE consults SET ended_at = ?, end_reason = ?"
                " WHERE id = ? AND ended_at IS NULL",
                (stamp, reason, consult_id),
            )
        return cursor.rowcount == 1

    def consult(self, consult_id: int) -> Consult | None:
        """One consult, its note at its latest version."""
        row = self._fetchone(_SELECT + " WHERE id = ?", (consult_id,))
        return None if row is None else self._open_consult(row)

    def consults_of(self, visit_id: str) -> list[Consult]:
        """Every consult asked for during a visit, oldest first."""
        rows = self._fetchall(_SELECT + " WHERE visit_id = ? ORDER BY id", (visit_id,))
        return [self._open_consult(row) for row in rows]

    def consult_for(self, visit_id: str) -> Consult | None:
        """The visit's consult with a doctor (the latest, if several); None if it had none."""
        held = [c for c in self.consults_of(visit_id) if c.accepted_at is not None]
        return held[-1] if held else None

    def consult_notes(self, consult_id: int) -> list[tuple[int, datetime, str]]:
        """Every version of a consult's note: ``(version, written_at, text)``, oldest first."""
        rows = self._fetchall(
            "SELECT version, written_at, text FROM consult_notes WHERE consult_id = ?"
            " ORDER BY version",
            (consult_id,),
        )
        return [
            (
                int(version),
                codec.from_db_time(written),
                self._cipher.open_text(bytes(sealed), _note_aad(consult_id, int(version))),
            )
            for version, written, sealed in rows
        ]

    def _require_open(self, consult_id: int) -> None:
        row = self._fetchone("SELECT ended_at FROM consults WHERE id = ?", (consult_id,))
        if row is None:
            raise StoreError("no such consult")
        if row[0] is not None:
            raise StoreError("the consult has ended")

    def _open_consult(self, row: tuple[Any, ...]) -> Consult:
        consult_id = int(row[0])
        version = int(row[8])
        note = ""
        if version:
            sealed = self._fetchone(
                "SELECT text FROM consult_notes WHERE consult_id = ? AND version = ?",
                (consult_id, version),
            )
            if sealed is None:
                raise StoreError("a consult note is missing")
            note = self._cipher.open_text(bytes(sealed[0]), _note_aad(consult_id, version))
        name = None
        if row[6] is not None:
            name = self._cipher.open_text(bytes(row[6]), _name_aad(consult_id))
        return Consult(
            id=consult_id,
            visit_id=str(row[1]),
            started_at=codec.from_db_time(row[2]),
            accepted_at=None if row[3] is None else codec.from_db_time(row[3]),
            ended_at=None if row[4] is None else codec.from_db_time(row[4]),
            doctor_id=row[5],
            doctor_name=name,
            note=note,
            note_version=version,
            end_reason=row[7],
        )
