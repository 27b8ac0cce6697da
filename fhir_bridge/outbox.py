"""A visit into the outbox: gathered from the store, mapped, serialised, enqueued.

:func:`enqueue_visit` is called inside the store transaction that ends a sent
visit (see :class:`cabin.visit.VisitFlow`), so the visit and its entry commit
together. It never raises for a record that will not map: that becomes a dead
letter saying so, and the visit still ends. :func:`requeue` rebuilds a dead
letter's bundle from the store (with the software as it is now, after a fix)
and puts it back in line.
"""

from __future__ import annotations

import logging
from datetime import datetime

from cabin.errors import StoreError
from cabin.store import Store
from fhir_bridge.destinations import Destinations
from fhir_bridge.mapping import bundle_for_visit
from fhir_bridge.record import DESCRIPTION_FIELDS, Consult, DeviceInfo, VisitRecord
from fhir_bridge.worker import KIND

__all__ = ["bundle_bytes", "enqueue_visit", "gather", "requeue"]

log = logging.getLogger(__name__)


def gather(
    store: Store, visit_id: str, destinations: Destinations, hospital: str | None = None
) -> VisitRecord:
    """Everything the mapping needs of one visit, read from the store.

    Args:
        hospital: the receiving hospital's id; the visit's own choice by default.

    Raises:
        StoreError: no such visit.
    """
    visit = store.visit(visit_id)
    if visit is None:
        raise StoreError("no such visit")
    hospital = hospital or destinations.choose(visit)
    resident = None if visit.resident_id is None else store.resident(visit.resident_id)
    measurements = store.measurements(visit_id)
    waveforms = store.waveforms(visit_id)
    # Each device as it described itself when it last measured in this visit: a unit
    # replaced since then does not rename an old visit's records.
    last_used: dict[str, datetime] = {}
    for device_id, when in [(m.device_id, m.received_at) for m in measurements] + [
        (w.device_id, w.start_time) for w in waveforms
    ]:
        if device_id:
            last_used[device_id] = max(when, last_used.get(device_id, when))
    devices = {}
    for device_id, when in sorted(last_used.items()):
        info = store.device_info(device_id, at=when)
        described = {name: info.get(name, "") for name in DESCRIPTION_FIELDS}
        kind = destinations.device_kinds.get(device_id, "")
        devices[device_id] = DeviceInfo(device_id, kind, **described)
    return VisitRecord(
        visit=visit,
        resident=resident,
        measurements=measurements,
        waveforms=waveforms,
        devices=devices,
        station=destinations.station,
        systems=destinations.systems(hospital),
        consult=_consult(store, visit_id),
    )


def _consult(store: Store, visit_id: str) -> Consult | None:
    """The visit's teleconsultation with a doctor, once it has ended; None otherwise."""
    held = store.consult_for(visit_id)
    if held is None or held.accepted_at is None or held.ended_at is None:
        return None
    return Consult(
        # Older portals did not name the doctor's account: one Practitioner per consult.
        doctor_id=held.doctor_id or f"consult-{visit_id}-{held.id}",
        doctor_name=held.doctor_name or "",
        started_at=held.accepted_at,
        ended_at=held.ended_at,
        note=held.note,
    )


def bundle_bytes(record: VisitRecord) -> bytes:
    """The visit's transaction Bundle as compact JSON."""
    return bundle_for_visit(record).model_dump_json(exclude_none=True).encode("utf-8")


def enqueue_visit(store: Store, visit_id: str, destinations: Destinations) -> int:
    """Put a visit's bundle in the outbox for its hospital; return the entry id.

    Call it inside the transaction that ends the visit. A second call for the same
    visit returns the same entry.
    """
    visit = store.visit(visit_id)
    if visit is None:
        raise StoreError("no such visit")
    hospital = destinations.choose(visit)
    payload, error = _build(store, visit_id, destinations, hospital)
    entry_id = store.enqueue(visit_id, hospital, KIND, payload, error=error)
    log.info("visit queued for the hospital", extra={"visit": visit_id, "entry": entry_id})
    return entry_id


def requeue(store: Store, entry_id: int, destinations: Destinations) -> None:
    """Rebuild a dead letter's bundle from the store and put it back in line.

    Raises:
        StoreError: no such entry, it is not dead, or its visit still does not map.
    """
    entry = store.outbox_entry(entry_id)
    if entry is None:
        raise StoreError("no such outbox entry")
    payload, error = _build(store, entry.visit_id, destinations, entry.destination)
    if payload is None:
        raise StoreError(error or "the record could not be built")
    store.requeue(entry_id, payload)


def _build(
    store: Store, visit_id: str, destinations: Destinations, hospital: str
) -> tuple[bytes | None, str | None]:
    try:
        return bundle_bytes(gather(store, visit_id, destinations, hospital)), None
    except StoreError:
        raise
    except Exception as exc:  # a mapping bug must not stop the visit from ending
        log.exception("the visit's record could not be built", extra={"visit": visit_id})
        return None, f"the record could not be built ({type(exc).__name__}); fix and requeue"
