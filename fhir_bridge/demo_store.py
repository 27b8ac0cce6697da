"""Invented visits put through the real visit flow into a real store.

:func:`store_visit` replays a :class:`~fhir_bridge.record.VisitRecord` (from
:func:`fhir_bridge.demo.demo_record`) the way the kiosk would: identify,
consent, measure, results, send, goodbye, with the record's own times on the
clock, and its devices' descriptions noted. Tests and benchmarks use it to fill
a store with visits whose content they know exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from cabin.store import Store
from cabin.visit import VisitFlow
from fhir_bridge.record import DESCRIPTION_FIELDS, VisitRecord

__all__ = ["store_visit"]


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def store_visit(
    store: Store,
    record: VisitRecord,
    *,
    on_sent: Callable[[str], object] | None = None,
    hospital: str | None = None,
) -> str:
    """Store the record's visit as a resident would make it; return the new visit's id.

    The resident is found by CCCD or added. Everything is written in one store
    transaction (one commit per visit, as a benchmark filling thousands wants);
    ``on_sent`` runs in it when the visit ends, as in the kiosk.
    """
    visit = record.visit
    clock = _Clock(visit.started_at)
    with store.transaction():
        resident_id = None
        if record.resident is not None:
            identity = record.resident.identity
            known = store.find_resident_by_cccd(identity.cccd)
            resident_id = known.id if known else store.add_resident(identity, at=clock.now)
        for device_id, info in record.devices.items():
            described = {
                name: value for name in DESCRIPTION_FIELDS if (value := getattr(info, name))
            }
            store.note_device(device_id, described, at=clock.now)
        flow = VisitFlow(store, visit.station_id, clock=clock, on_sent=on_sent)
        flow.identify(resident_id)
        flow.give_consent(True)
        flow.start_measuring()
        for m in record.measurements:
            clock.now = m.received_at
            flow.record(
                m.kind,
                m.values,
                m.unit,
                device_id=m.device_id,
                device_time=m.device_time,
                quality=m.quality,
                flags=m.flags,
            )
        for w in record.waveforms:
            store.add_waveform(
                flow.visit_id, w.signal_kind, w.fs, w.start_time, w.samples, w.unit,
                device_id=w.device_id,
            )  # fmt: skip
        flow.show_results()
        flow.choose_hospital(hospital)
        flow.send()
        clock.now = visit.ended_at or clock.now
        flow.goodbye()
        flow.finish()
    return flow.visit_id
