"""Residents: identities sealed field by field, found by a blind index of the CCCD number.

Each identity field is sealed with AES-256-GCM bound to ``residents.<column>.<id>``.
The ``cccd_index`` column holds HMAC-SHA256 of the CCCD number under the index
subkey: equal numbers give equal indexes, so a lookup needs no decryption, and
the number cannot be read back from the index without the key.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from cabin.errors import StoreError
from cabin.store import codec
from cabin.store.db import Database
from cabin.store.models import Identity, Resident, Sex

__all__ = ["ResidentRecords"]

_FIELDS = ("cccd", "full_name", "birth_date", "sex", "address")
_INSERT = (
    "INSERT INTO residents (id, cccd_index, created_at, cccd, full_name, birth_date, sex, address)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_SELECT = "SELECT id, created_at, cccd, full_name, birth_date, sex, address FROM residents"


def _aad(column: str, resident_id: str) -> bytes:
    return f"residents.{column}.{resident_id}".encode("ascii")


def _normalise_cccd(cccd: str) -> str:
    return "".join(cccd.split())


class ResidentRecords(Database):
    """The ``residents`` table."""

    def add_resident(self, identity: Identity, *, at: datetime | None = None) -> str:
        """Record a new resident, sealing the identity, and return the resident's UUID.

        Args:
            identity: who the resident is.
            at: when they were first recorded (UTC); now by default.

        Raises:
            StoreError: a resident with the same CCCD number already exists.
        """
        resident_id = str(uuid.uuid4())
        created = codec.to_db_time(at or codec.utc_now(), "at")
        index = self._cccd_index(identity.cccd)
        plain = (
            identity.cccd,
            identity.full_name,
            codec.to_db_date(identity.birth_date),
            identity.sex.value,
            identity.address,
        )
        sealed = [
            self._cipher.seal_text(value, _aad(column, resident_id))
            for column, value in zip(_FIELDS, plain, strict=True)
        ]
        with self.transaction():
            if self._fetchone("SELECT 1 FROM residents WHERE cccd_index = ?", (index,)):
                raise StoreError("a resident with this CCCD number already exists")
            self._run(
                _INSERT,
                (resident_id, index, created, *sealed),
            )
        return resident_id

    def find_resident_by_cccd(self, cccd: str) -> Resident | None:
        """The resident with this CCCD number, or None; found through the blind index."""
        row = self._fetchone(_SELECT + " WHERE cccd_index = ?", (self._cccd_index(cccd),))
        return None if row is None else self._open_resident(row)

    def resident(self, resident_id: str) -> Resident | None:
        """The resident with this UUID, or None."""
        row = self._fetchone(_SELECT + " WHERE id = ?", (resident_id,))
        return None if row is None else self._open_resident(row)

    def _cccd_index(self, cccd: str) -> bytes:
        return self._cipher.blind_index("cccd", _normalise_cccd(cccd))

    def _open_resident(self, row: tuple[Any, ...]) -> Resident:
        resident_id = str(row[0])
        cccd, full_name, birth_date, sex, address = (
            self._cipher.open_text(bytes(sealed), _aad(column, resident_id))
            for column, sealed in zip(_FIELDS, row[2:], strict=True)
        )
        try:
            identity = Identity(
                cccd=cccd,
                full_name=full_name,
                birth_date=codec.from_db_date(birth_date),
                sex=Sex(sex),
                address=address,
            )
        except ValueError:
            raise StoreError("a stored identity is invalid") from None
        return Resident(resident_id, identity, codec.from_db_time(str(row[1])))
