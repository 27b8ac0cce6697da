"""One transaction Bundle per visit, safe to send again.

Every entry is a conditional create: ``request`` POST with ``ifNoneExist`` on the
entry's identifier (``_tag`` for the Provenance), so a bundle retried after a lost
response creates nothing twice. Entries refer to each other by their ``fullUrl``,
``urn:uuid:`` + a uuid5 of the entry's key (:mod:`fhir_bridge.mapping.identifiers`):
two builds of the same visit give the same bytes. ``Bundle.identifier`` is
``{station}/bundle|{visit id}`` and its ``timestamp`` the end of the visit.

Order: the gateway and sensor Devices, the Patient, the Practitioner, the
Encounter, the Observations (spot measurements in stored order, then the ECG
recordings), the consult note, the Provenance.

Why fhir.resources' R4B models: fhir.resources 8 builds R5 by default, the
hospital speaks R4, and for the resources used here (Patient, Practitioner,
Device, Encounter, Observation, Composition, Provenance, Bundle) R4B is the same on
the wire as R4 (R4B changed only medication-definition and evidence resources and
subscriptions); R5 is not (Encounter.class, Device.version, Observation
components...).
"""

from __future__ import annotations

from dataclasses import dataclass

from fhir.resources.R4B.bundle import Bundle, BundleEntry, BundleEntryRequest
from fhir.resources.R4B.resource import Resource

from fhir_bridge.mapping.consult import consult_resources
from fhir_bridge.mapping.devices import device_from_info, gateway_device
from fhir_bridge.mapping.ecg import ecg_observation, ecg_recordings
from fhir_bridge.mapping.encounter import encounter_for_visit, visit_end
from fhir_bridge.mapping.identifiers import (
    EntryKey,
    bundle_key,
    composition_key,
    device_ids,
    device_info,
    device_key,
    ecg_key,
    encounter_key,
    gateway_key,
    measurement_key,
    patient_key,
    practitioner_key,
    provenance_key,
    visit_refs,
)
from fhir_bridge.mapping.observations import observations_from_measurement
from fhir_bridge.mapping.patient import anonymous_patient, patient_from_resident
from fhir_bridge.mapping.provenance import provenance_for_visit
from fhir_bridge.record import VisitRecord

__all__ = ["bundle_entry", "bundle_for_visit"]


@dataclass(frozen=True, slots=True)
class _Entry:
    key: EntryKey
    resource: Resource


def bundle_entry(key: EntryKey, resource: Resource) -> BundleEntry:
    """A transaction entry: the resource at its fullUrl, created only if none exists."""
    return BundleEntry(
        fullUrl=key.full_url,
        resource=resource,
        request=BundleEntryRequest(
            method="POST", url=key.resource_type, ifNoneExist=key.if_none_exist
        ),
    )


def bundle_for_visit(record: VisitRecord) -> Bundle:
    """The transaction Bundle of a finished visit.

    Args:
        record: the visit and everything it sends.

    Raises:
        ValueError: the resident did not consent to sharing, or a measurement cannot
            be mapped (see :func:`~fhir_bridge.mapping.observations.observations_from_measurement`).
    """
    if not record.visit.consent:
        raise ValueError("the visit has no consent to share it with the hospital")
    refs = visit_refs(record)
    station, systems = record.station, record.systems
    entries = [_Entry(gateway_key(station, systems), gateway_device(station, systems))]

    measured: dict[str, set[str]] = {}
    for m in record.measurements:
        if m.device_id is not None:
            measured.setdefault(m.device_id, set()).add(m.kind)
    for w in record.waveforms:
        if w.device_id is not None and w.signal_kind.startswith("ecg"):
            measured.setdefault(w.device_id, set()).add("ecg")
    for device_id in device_ids(record):
        info = device_info(record, device_id)
        device = device_from_info(
            info, station, systems, gateway=refs.gateway, measured=measured.get(device_id, ())
        )
        entries.append(_Entry(device_key(station, systems, info), device))

    if record.resident is None:
        patient = anonymous_patient(patient_key(record))
    else:
        patient = patient_from_resident(
            record.resident, systems, record.shared, bhyt=record.bhyt, mr=record.mr
        )
    entries.append(_Entry(patient_key(record), patient))

    consult = None
    practitioner = None
    if record.consult is not None:
        doctor_key = practitioner_key(systems, record.consult.doctor_id)
        practitioner = doctor_key.full_url
        consult = consult_resources(record, refs, practitioner=practitioner)
        if consult is not None:
            entries.append(_Entry(doctor_key, consult.practitioner))
    entries.append(
        _Entry(encounter_key(record), encounter_for_visit(record, refs, practitioner=practitioner))
    )

    observations = [
        _Entry(measurement_key(record, m), obs)
        for m in record.measurements
        for obs in observations_from_measurement(m, record, refs)
    ]
    observations += [
        _Entry(ecg_key(record, leads), ecg_observation(leads, record, refs))
        for leads in ecg_recordings(record.waveforms)
    ]
    entries += observations
    if consult is not None and consult.note is not None:
        entries.append(_Entry(composition_key(record), consult.note))
    if observations:
        targets = [e.key.full_url for e in observations]
        entries.append(_Entry(provenance_key(record), provenance_for_visit(record, refs, targets)))

    key = bundle_key(record)
    return Bundle(
        identifier=key.identifier(),
        type="transaction",
        timestamp=visit_end(record),
        entry=[bundle_entry(e.key, e.resource) for e in entries],
    )
