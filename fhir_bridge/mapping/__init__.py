"""Mapping of a finished visit to FHIR R4 resources: pure functions over fhir.resources models.

The functions build ``fhir.resources.R4B`` models and never subclass them.
fhir.resources 8 defaults to R5; the hospital speaks R4, and R4B is the same as R4
on the wire for every resource used here, so the R4B subpackage is used
throughout (see :mod:`fhir_bridge.mapping.bundle`).

One module per job: :mod:`~.identifiers` (keys, fullUrls, conditional creates),
:mod:`~.patient`, :mod:`~.devices`, :mod:`~.observations` (spot measurements),
:mod:`~.ecg` (the recording), :mod:`~.interpretation`, :mod:`~.encounter`,
:mod:`~.provenance`, :mod:`~.consult` and :mod:`~.bundle`, which puts one visit
into one transaction Bundle. The code tables are in :mod:`fhir_bridge.codes`.
"""

from fhir_bridge.mapping.bundle import bundle_entry, bundle_for_visit
from fhir_bridge.mapping.consult import (
    ConsultResources,
    consult_resources,
    note_xhtml,
    practitioner_from_consult,
)
from fhir_bridge.mapping.devices import device_from_info, device_type, gateway_device
from fhir_bridge.mapping.ecg import (
    ECG_RESOLUTION_MV,
    ecg_observation,
    ecg_recordings,
    sampled_data,
    sampled_values,
)
from fhir_bridge.mapping.encounter import encounter_for_visit, visit_end
from fhir_bridge.mapping.identifiers import EntryKey, VisitRefs, visit_refs
from fhir_bridge.mapping.interpretation import interpret_measurement, interpretation_concept
from fhir_bridge.mapping.observations import convert, observations_from_measurement
from fhir_bridge.mapping.patient import anonymous_patient, patient_from_resident, vietnamese_name
from fhir_bridge.mapping.provenance import provenance_for_visit

__all__ = [
    "ConsultResources",
    "ECG_RESOLUTION_MV",
    "EntryKey",
    "VisitRefs",
    "anonymous_patient",
    "bundle_entry",
    "bundle_for_visit",
    "consult_resources",
    "convert",
    "device_from_info",
    "device_type",
    "ecg_observation",
    "ecg_recordings",
    "encounter_for_visit",
    "gateway_device",
    "interpret_measurement",
    "interpretation_concept",
    "note_xhtml",
    "observations_from_measurement",
    "patient_from_resident",
    "practitioner_from_consult",
    "provenance_for_visit",
    "sampled_data",
    "sampled_values",
    "vietnamese_name",
    "visit_end",
    "visit_refs",
]
