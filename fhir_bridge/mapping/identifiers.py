"""The business identifier of every resource a visit produces, and what derives from it.

Each bundle entry has an :class:`EntryKey`: its resource type and the identifier
(``system|value``) a conditional create looks it up by. From the key come the
entry's ``fullUrl`` (``urn:uuid:`` + uuid5 of a fixed namespace and the key, so two
builds of the same visit are byte-identical, and references between entries use
it) and its ``ifNoneExist`` (the search ``identifier=system|value`` percent-encoded
with every reserved character escaped: an unescaped ``+`` would reach the server
as a space, match nothing, and a retried bundle would create a duplicate).

Provenance has no identifier element in R4: its key searches by ``_tag``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import quote

from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.identifier import Identifier

from cabin.store.models import Measurement, Waveform
from fhir_bridge.record import DeviceInfo, IdentifierSystems, Station, VisitRecord

__all__ = [
    "EntryKey",
    "FULL_URL_NAMESPACE",
    "VisitRefs",
    "bundle_key",
    "composition_key",
    "device_ids",
    "device_info",
    "device_key",
    "ecg_key",
    "encounter_key",
    "gateway_key",
    "measurement_key",
    "patient_key",
    "practitioner_key",
    "provenance_key",
    "visit_refs",
]

# uuid5(NAMESPACE_URL, "https://citizen-station.example.vn/fhir-bridge/full-url"), frozen.
FULL_URL_NAMESPACE = uuid.UUID("4e5ca27d-570b-5e3c-a163-01939d09b7b5")
"""Namespace of the entries' uuid5 fullUrls (fixed: changing it changes every bundle)."""


@dataclass(frozen=True, slots=True)
class EntryKey:
    """What identifies one bundle entry at the hospital.

    Attributes:
        resource_type: the FHIR resource type (``"Observation"``).
        system: the identifier's system (a URI).
        value: the identifier's value.
        search: the search parameter a conditional create uses (``identifier``,
            or ``_tag`` for a Provenance).
    """

    resource_type: str
    system: str
    value: str
    search: str = "identifier"

    @property
    def token(self) -> str:
        """``system|value``, the FHIR token of the identifier."""
        return f"{self.system}|{self.value}"

    @property
    def full_url(self) -> str:
        """``urn:uuid:`` + the entry's deterministic uuid5."""
        name = "\n".join((self.resource_type, self.search, self.system, self.value))
        return f"urn:uuid:{uuid.uuid5(FULL_URL_NAMESPACE, name)}"

    @property
    def if_none_exist(self) -> str:
        """The conditional-create query, every reserved character percent-encoded."""
        return f"{self.search}={quote(self.token, safe='')}"

    def identifier(self) -> Identifier:
        """The key as a FHIR Identifier."""
        return Identifier(system=self.system, value=self.value)

    def tag(self) -> Coding:
        """The key as a meta tag (for resources with no identifier element)."""
        return Coding(system=self.system, code=self.value)


def _station(systems: IdentifierSystems, name: str) -> str:
    return f"{systems.station.rstrip('/')}/{name}"


def patient_key(record: VisitRecord) -> EntryKey:
    """The Patient: the CCCD number, or the visit for an anonymous visit."""
    if record.resident is None:
        return EntryKey("Patient", _station(record.systems, "anonymous-visit"), record.visit.id)
    return EntryKey("Patient", record.systems.cccd, record.resident.identity.cccd)


def encounter_key(record: VisitRecord) -> EntryKey:
    """The Encounter: ``{station}/visit|{visit id}``."""
    return EntryKey("Encounter", _station(record.systems, "visit"), record.visit.id)


def measurement_key(record: VisitRecord, measurement: Measurement) -> EntryKey:
    """A measurement's Observation: ``{station}/measurement|{visit id}-{row id}``."""
    value = f"{record.visit.id}-{measurement.id}"
    return EntryKey("Observation", _station(record.systems, "measurement"), value)


def ecg_key(record: VisitRecord, waveforms: tuple[Waveform, ...]) -> EntryKey:
    """An ECG recording's Observation: ``{visit id}-ecg-{first waveform row id}``."""
    value = f"{record.visit.id}-ecg-{min(w.id for w in waveforms)}"
    return EntryKey("Observation", _station(record.systems, "measurement"), value)


def device_key(station: Station, systems: IdentifierSystems, info: DeviceInfo) -> EntryKey:
    """A sensor: ``{station}/device|{station id}/{device id}[/{serial}]``.

    The serial, when the device gave one, makes a replaced unit a new Device.
    """
    value = f"{station.id}/{info.device_id}" + (f"/{info.serial}" if info.serial else "")
    return EntryKey("Device", _station(systems, "device"), value)


def gateway_key(station: Station, systems: IdentifierSystems) -> EntryKey:
    """The cabin as gateway: ``{station}/device|{station id}``."""
    return EntryKey("Device", _station(systems, "device"), station.id)


def practitioner_key(systems: IdentifierSystems, doctor_id: str) -> EntryKey:
    """The consulting doctor, in the hospital's practitioner system if it set one."""
    system = systems.practitioner or _station(systems, "practitioner")
    return EntryKey("Practitioner", system, doctor_id)


def composition_key(record: VisitRecord) -> EntryKey:
    """The consult note: ``{station}/consult-note|{visit id}``."""
    return EntryKey("Composition", _station(record.systems, "consult-note"), record.visit.id)


def provenance_key(record: VisitRecord) -> EntryKey:
    """The visit's Provenance, found by its tag ``{station}/provenance|{visit id}``."""
    return EntryKey(
        "Provenance", _station(record.systems, "provenance"), record.visit.id, search="_tag"
    )


def bundle_key(record: VisitRecord) -> EntryKey:
    """The transaction Bundle: ``{station}/bundle|{visit id}``."""
    return EntryKey("Bundle", _station(record.systems, "bundle"), record.visit.id)


def device_info(record: VisitRecord, device_id: str) -> DeviceInfo:
    """What is known of a device (only its id when the record has nothing on it)."""
    return record.devices.get(device_id) or DeviceInfo(device_id)


def device_ids(record: VisitRecord) -> tuple[str, ...]:
    """The devices that measured in the visit, sorted."""
    ids = {m.device_id for m in record.measurements} | {w.device_id for w in record.waveforms}
    return tuple(sorted(i for i in ids if i is not None))


@dataclass(frozen=True, slots=True)
class VisitRefs:
    """The fullUrls the resources of one visit refer to each other by.

    Attributes:
        patient: the Patient.
        encounter: the Encounter.
        gateway: the cabin's Device.
        devices: each sensor's Device, by device id.
    """

    patient: str
    encounter: str
    gateway: str
    devices: Mapping[str, str]


def visit_refs(record: VisitRecord) -> VisitRefs:
    """The references of a visit's bundle, from its entries' keys."""
    devices = {
        i: device_key(record.station, record.systems, device_info(record, i)).full_url
        for i in device_ids(record)
    }
    return VisitRefs(
        patient=patient_key(record).full_url,
        encounter=encounter_key(record).full_url,
        gateway=gateway_key(record.station, record.systems).full_url,
        devices=MappingProxyType(devices),
    )
