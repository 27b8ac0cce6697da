"""The Patient: identifiers, and only the identity the resident agreed to share."""

from __future__ import annotations

import dataclasses

from fhir.resources.R4B.patient import Patient

from fhir_bridge import IdentifierSystems, SharedFields, bundle_for_visit, patient_from_resident
from fhir_bridge.mapping.identifiers import patient_key
from fhir_bridge.mapping.patient import anonymous_patient, vietnamese_name

V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"


def patient_of(record) -> Patient:
    bundle = bundle_for_visit(record)
    (patient,) = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Patient"]
    return patient


def test_cccd_is_the_national_identifier(visit_record):
    patient = patient_from_resident(visit_record.resident, visit_record.systems, SharedFields())
    cccd = patient.identifier[0]
    assert cccd.system == "http://fhir.hl7.org.vn/core/sid/cccd"
    assert cccd.value == visit_record.resident.identity.cccd
    assert (cccd.type.coding[0].system, cccd.type.coding[0].code) == (V2_0203, "NI")


def test_bhyt_and_medical_record_number_when_given(visit_record):
    systems = visit_record.systems
    patient = patient_from_resident(
        visit_record.resident, systems, SharedFields(), bhyt="GD4010123456789", mr="HN/1"
    )
    by_system = {i.system: i for i in patient.identifier}
    assert by_system[systems.bhyt].value == "GD4010123456789"
    assert by_system[systems.mr].value == "HN/1"
    assert by_system[systems.mr].type.coding[0].code == "MR"


def test_no_medical_record_number_without_the_hospitals_system(visit_record):
    systems = IdentifierSystems()  # mr system unset
    patient = patient_from_resident(visit_record.resident, systems, SharedFields(), mr="HN/1")
    assert [i.system for i in patient.identifier] == [systems.cccd]
    patient = patient_from_resident(
        visit_record.resident, visit_record.systems, SharedFields(), mr=None
    )
    assert [i.system for i in patient.identifier] == [visit_record.systems.cccd]


def test_default_consent_shares_name_birth_date_and_sex_not_the_address(visit_record):
    identity = visit_record.resident.identity
    patient = patient_of(visit_record)
    assert patient.name[0].text == identity.full_name
    assert patient.birthDate == identity.birth_date
    assert patient.gender == identity.sex.value
    assert patient.address is None
    assert identity.address
    assert identity.address not in bundle_for_visit(visit_record).model_dump_json()


def test_address_when_shared(visit_record):
    record = dataclasses.replace(visit_record, shared=SharedFields(address=True))
    patient = patient_of(record)
    assert patient.address[0].text == visit_record.resident.identity.address
    assert patient.address[0].country == "VN"


def test_nothing_but_the_identifiers_when_nothing_is_shared(visit_record):
    record = dataclasses.replace(
        visit_record, shared=SharedFields(name=False, birth_date=False, sex=False, address=False)
    )
    patient = patient_of(record)
    assert (patient.name, patient.birthDate, patient.gender, patient.address) == (None,) * 4
    text = bundle_for_visit(record).model_dump_json()
    identity = visit_record.resident.identity
    assert identity.full_name not in text
    assert identity.birth_date.isoformat() not in text


def test_vietnamese_name_is_family_name_first():
    name = vietnamese_name("Nguyễn  Thị Mẫu")
    assert (name.text, name.family, name.given) == ("Nguyễn Thị Mẫu", "Nguyễn", ["Thị", "Mẫu"])
    single = vietnamese_name("Mẫu")
    assert (single.text, single.family, single.given) == ("Mẫu", None, None)


def test_anonymous_visit_is_identified_only_by_the_visit(anonymous_record):
    patient = patient_of(anonymous_record)
    (identifier,) = patient.identifier
    assert identifier.system == "https://citizen-station.example.vn/fhir/sid/anonymous-visit"
    assert identifier.value == anonymous_record.visit.id
    assert (patient.name, patient.birthDate, patient.gender, patient.address) == (None,) * 4
    assert patient == anonymous_patient(patient_key(anonymous_record))
    assert "cccd" not in bundle_for_visit(anonymous_record).model_dump_json()
