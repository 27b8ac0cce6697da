"""FHIR R4 mapping of visits and their durable delivery.

:mod:`fhir_bridge.record` is what the mapping takes (one finished visit);
:mod:`fhir_bridge.mapping` turns it into ``fhir.resources.R4B`` models, one
transaction Bundle per visit (:func:`bundle_for_visit`); :mod:`fhir_bridge.codes`
holds the code tables; :func:`demo_record` invents a realistic visit.
"""

from fhir_bridge.demo import demo_record
from fhir_bridge.mapping import (
    EntryKey,
    VisitRefs,
    anonymous_patient,
    bundle_for_visit,
    consult_resources,
    device_from_info,
    ecg_observation,
    encounter_for_visit,
    gateway_device,
    observations_from_measurement,
    patient_from_resident,
    provenance_for_visit,
    visit_refs,
)
from fhir_bridge.record import (
    Consult,
    DeviceInfo,
    IdentifierSystems,
    SharedFields,
    Station,
    VisitRecord,
)

__all__ = [
    "Consult",
    "DeviceInfo",
    "EntryKey",
    "IdentifierSystems",
    "SharedFields",
    "Station",
    "VisitRecord",
    "VisitRefs",
    "anonymous_patient",
    "bundle_for_visit",
    "consult_resources",
    "demo_record",
    "device_from_info",
    "ecg_observation",
    "encounter_for_visit",
    "gateway_device",
    "observations_from_measurement",
    "patient_from_resident",
    "provenance_for_visit",
    "visit_refs",
]
