"""The station's local database: SQLite in WAL mode, personal and health data sealed (AES-GCM).

Open a :class:`Store` with a key from :func:`key_from_config`; it holds
residents (identity encrypted, found by a blind index of the CCCD number),
visits and their state history, measurements and waveform segments (values,
flags and samples encrypted), devices' own descriptions, the outbox of records
leaving the station (sealed), teleconsultations (the doctor's name and note
sealed), the payments ledger and an append-only audit log. The schema grows by
appending a :class:`Migration` to :data:`cabin.store.migrations.MIGRATIONS`.
"""

from __future__ import annotations

from cabin.store.crypto import generate_key, key_from_config
from cabin.store.ledger import Payment, PaymentStateChange, Reconciliation
from cabin.store.migrations import Migration
from cabin.store.models import (
    AuditEntry,
    Consult,
    Identity,
    Measurement,
    Resident,
    Sex,
    Visit,
    VisitTransition,
    Waveform,
)
from cabin.store.outbox import OutboxEntry, OutboxState
from cabin.store.store import Store

__all__ = [
    "AuditEntry",
    "Consult",
    "Identity",
    "Measurement",
    "Migration",
    "OutboxEntry",
    "OutboxState",
    "Payment",
    "PaymentStateChange",
    "Reconciliation",
    "Resident",
    "Sex",
    "Store",
    "Visit",
    "VisitTransition",
    "Waveform",
    "generate_key",
    "key_from_config",
]
