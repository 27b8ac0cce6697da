"""The :class:`Store`: every table's methods on one open database."""

from __future__ import annotations

from cabin.store.audit import AuditLog
from cabin.store.consults import ConsultRecords
from cabin.store.devices import DeviceRecords
from cabin.store.ledger import LedgerRecords
from cabin.store.outbox import OutboxRecords
from cabin.store.readings import ReadingRecords
from cabin.store.residents import ResidentRecords
from cabin.store.visits import VisitRecords

__all__ = ["Store"]


class Store(
    ResidentRecords,
    VisitRecords,
    ReadingRecords,
    DeviceRecords,
    OutboxRecords,
    ConsultRecords,
    LedgerRecords,
    AuditLog,
):
    """The station's local database.

    Open it with :meth:`Store.open(path, key=...) <cabin.store.db.Database.open>`
    and close it with :meth:`close` (idempotent), or use it as a context manager.
    Group writes with :meth:`transaction`. Every method may raise
    :class:`~cabin.errors.StoreError` when the database fails; arguments out of
    range raise :class:`ValueError`.

    Each table's methods live in a mixin of their own module; a later table
    (the ledger) adds a migration to :data:`cabin.store.migrations.MIGRATIONS`
    and a mixin here.

    Example::

        key = key_from_config(None, Path("/var/lib/cabin/store.key"))
        with Store.open("/var/lib/cabin/station.db", key=key) as store:
            visit_id = store.start_visit("HN-001")
            with store.transaction():
                store.add_measurement(visit_id, "spo2", {"spo2": 97.0}, "%")
                store.transition(visit_id, "done", end=True)
    """
