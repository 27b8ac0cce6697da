"""One transaction Bundle per visit: conditional creates, urn:uuid references, same bytes twice."""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from urllib.parse import parse_qs, unquote

import pytest
from fhir.resources.R4B.bundle import Bundle

from fhir_bridge import (
    DeviceInfo,
    IdentifierSystems,
    Station,
    bundle_for_visit,
    demo_record,
)
from fhir_bridge.mapping.identifiers import FULL_URL_NAMESPACE, EntryKey

STATION = "https://citizen-station.example.vn/fhir/sid"


@pytest.fixture(scope="module")
def bundle(consult_record):
    return bundle_for_visit(consult_record)


def resources(bundle, kind):
    return [e.resource for e in bundle.entry if e.resource.get_resource_type() == kind]


def references(node):
    """Every Reference.reference string in a JSON tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def identifier_values(bundle):
    values = {bundle.identifier.value}
    for entry in bundle.entry:
        resource = entry.resource
        ids = getattr(resource, "identifier", None)
        ids = [ids] if ids is not None and not isinstance(ids, list) else ids or []
        values |= {i.value for i in ids}
        if resource.meta is not None and resource.meta.tag:
            values |= {t.code for t in resource.meta.tag}
    return values


def test_a_transaction_with_the_visits_identifier_and_end(bundle, consult_record):
    assert bundle.type == "transaction"
    assert (bundle.identifier.system, bundle.identifier.value) == (
        f"{STATION}/bundle",
        consult_record.visit.id,
    )
    assert bundle.timestamp == consult_record.visit.ended_at


def test_the_entries_of_a_visit(bundle):
    kinds = [e.resource.get_resource_type() for e in bundle.entry]
    assert kinds == (
        ["Device"] * 7 + ["Patient", "Practitioner", "Encounter"] + ["Observation"] * 11
        + ["Composition", "Provenance"]
    )  # fmt: skip


def test_every_entry_is_a_conditional_create_on_its_identifier(bundle):
    for entry in bundle.entry:
        resource = entry.resource
        request = entry.request
        assert (request.method, request.url) == ("POST", resource.get_resource_type())
        search, _, encoded = request.ifNoneExist.partition("=")
        assert re.fullmatch(r"[A-Za-z0-9_.~%-]+", encoded), "a reserved character went unescaped"
        if resource.get_resource_type() == "Provenance":
            assert search == "_tag"
            tag = resource.meta.tag[0]
            assert unquote(encoded) == f"{tag.system}|{tag.code}"
            continue
        assert search == "identifier"
        ids = (
            resource.identifier if isinstance(resource.identifier, list) else [resource.identifier]
        )
        assert unquote(encoded) == f"{ids[0].system}|{ids[0].value}"


def test_full_urls_are_uuid5_of_the_key_and_never_an_identifier(bundle):
    urls = [e.fullUrl for e in bundle.entry]
    assert len(set(urls)) == len(urls)
    values = identifier_values(bundle)
    for url in urls:
        assert url.startswith("urn:uuid:")
        uid = uuid.UUID(url.removeprefix("urn:uuid:"))
        assert uid.version == 5
        assert url not in values
        assert str(uid) not in values
    device = bundle.entry[0]
    key = EntryKey(
        "Device", device.resource.identifier[0].system, device.resource.identifier[0].value
    )
    assert device.fullUrl == key.full_url
    name = "\n".join(("Device", "identifier", key.system, key.value))
    assert device.fullUrl == f"urn:uuid:{uuid.uuid5(FULL_URL_NAMESPACE, name)}"


def test_every_reference_resolves_to_an_entry(bundle):
    urls = {e.fullUrl for e in bundle.entry}
    found = list(references(json.loads(bundle.model_dump_json())))
    assert found
    assert set(found) <= urls


def test_round_trip_through_json(bundle):
    text = bundle.model_dump_json()
    again = Bundle.model_validate_json(text)
    assert again == bundle
    assert again.model_dump_json() == text


def test_two_builds_of_a_visit_are_byte_identical(consult_record):
    first = bundle_for_visit(consult_record).model_dump_json()
    assert bundle_for_visit(demo_record(8, consult=True)).model_dump_json() == first
    other = bundle_for_visit(demo_record(11, consult=True)).model_dump_json()
    assert other != first


def test_plus_and_slash_in_an_identifier_survive_the_query(visit_record):
    serial = "SN+12/34 5"
    record = dataclasses.replace(
        visit_record,
        station=Station("ward+7/a", "Trạm thử", "0.1.0"),
        devices={**visit_record.devices, "bp": DeviceInfo("bp", "blood_pressure", serial=serial)},
    )
    bundle = bundle_for_visit(record)
    (entry,) = [e for e in bundle.entry if e.resource.get_resource_type() == "Device"
                and serial in e.resource.identifier[0].value]  # fmt: skip
    value = entry.resource.identifier[0].value
    assert value == f"ward+7/a/bp/{serial}"
    query = entry.request.ifNoneExist
    assert "+" not in query
    assert "/" not in query
    assert " " not in query
    # a server's query parser (form decoding: "+" would become a space) gets it back
    assert parse_qs(query)["identifier"] == [f"{STATION}/device|{value}"]


def test_sensors_hang_from_the_gateway(bundle, consult_record):
    gateway, *sensors = resources(bundle, "Device")
    assert gateway.identifier[0].value == consult_record.station.id
    assert gateway.type.coding[0].code == "531981"
    assert gateway.version[0].value == consult_record.station.software_version
    gateway_url = bundle.entry[0].fullUrl
    assert len(sensors) == 6
    for sensor in sensors:
        assert sensor.parent.reference == gateway_url
    bp = next(s for s in sensors if s.deviceName[0].name == "bp")
    info = consult_record.devices["bp"]
    assert (bp.manufacturer, bp.modelNumber, bp.serialNumber) == (
        info.manufacturer,
        info.model,
        info.serial,
    )
    assert {v.type.coding[0].code: v.value for v in bp.version} == {
        "531976": info.firmware,
        "531974": info.hardware,
        "531975": info.software,
    }
    assert (bp.type.coding[0].code, bp.type.coding[0].display) == ("65573", "MDC_MOC_VMS_MDS_SIMP")
    assert bp.specialization[0].systemType.coding[0].code == "528391"
    ecg = next(s for s in sensors if s.deviceName[0].name == "ecg")
    assert ecg.specialization[0].systemType.coding[0].code == "528390"


def test_encounter_is_virtual_with_a_consult_ambulatory_without(bundle, visit_record):
    (encounter,) = resources(bundle, "Encounter")
    assert (encounter.class_fhir.system, encounter.class_fhir.code) == (
        "http://terminology.hl7.org/CodeSystem/v3-ActCode",
        "VR",
    )
    assert encounter.status == "finished"
    (practitioner_entry,) = [
        e for e in bundle.entry if e.resource.get_resource_type() == "Practitioner"
    ]
    assert encounter.participant[0].individual.reference == practitioner_entry.fullUrl
    (plain,) = resources(bundle_for_visit(visit_record), "Encounter")
    assert plain.class_fhir.code == "AMB"
    assert plain.participant is None
    assert plain.period.start == visit_record.visit.started_at
    assert plain.period.end == visit_record.visit.ended_at
    assert plain.identifier[0].system == f"{STATION}/visit"
    assert plain.identifier[0].value == visit_record.visit.id


def test_provenance_covers_every_observation(bundle, consult_record):
    (provenance,) = resources(bundle, "Provenance")
    observations = [
        e.fullUrl for e in bundle.entry if e.resource.get_resource_type() == "Observation"
    ]
    assert [t.reference for t in provenance.target] == observations
    tag = provenance.meta.tag[0]
    assert (tag.system, tag.code) == (f"{STATION}/provenance", consult_record.visit.id)
    assert provenance.agent[0].who.reference == bundle.entry[0].fullUrl  # the gateway
    assert provenance.recorded == consult_record.visit.ended_at


def test_the_consult_note_is_a_composition_by_the_doctor(bundle, consult_record):
    (practitioner,) = resources(bundle, "Practitioner")
    assert practitioner.identifier[0].system == f"{STATION}/practitioner"
    assert practitioner.identifier[0].value == consult_record.consult.doctor_id
    assert practitioner.name[0].text == consult_record.consult.doctor_name
    (note,) = resources(bundle, "Composition")
    urls = {e.resource.get_resource_type(): e.fullUrl for e in bundle.entry}
    assert note.subject.reference == urls["Patient"]
    assert note.encounter.reference == urls["Encounter"]
    assert [a.reference for a in note.author] == [urls["Practitioner"]]
    assert (note.type.coding[0].system, note.type.coding[0].code) == ("http://loinc.org", "11488-4")
    assert note.date == consult_record.consult.ended_at
    assert "Tái khám" in note.section[0].text.div


def test_a_note_is_escaped_and_a_blank_one_is_not_sent(consult_record):
    consult = dataclasses.replace(consult_record.consult, note="HA <140/90> & ổn")
    bundle = bundle_for_visit(dataclasses.replace(consult_record, consult=consult))
    (note,) = resources(bundle, "Composition")
    assert "<p>HA &lt;140/90&gt; &amp; ổn</p>" in note.section[0].text.div
    blank = dataclasses.replace(consult_record.consult, note="  ")
    bundle = bundle_for_visit(dataclasses.replace(consult_record, consult=blank))
    assert resources(bundle, "Composition") == []
    assert len(resources(bundle, "Practitioner")) == 1


def test_the_hospitals_practitioner_system_when_it_has_one(consult_record):
    systems = IdentifierSystems(practitioner="https://hospital.example.vn/sid/bac-si")
    bundle = bundle_for_visit(dataclasses.replace(consult_record, systems=systems))
    (practitioner,) = resources(bundle, "Practitioner")
    assert practitioner.identifier[0].system == "https://hospital.example.vn/sid/bac-si"


def test_an_anonymous_visit_has_its_own_patient(anonymous_record):
    bundle = bundle_for_visit(anonymous_record)
    (patient,) = resources(bundle, "Patient")
    assert patient.identifier[0].system == f"{STATION}/anonymous-visit"
    urls = {e.resource.get_resource_type(): e.fullUrl for e in bundle.entry}
    for obs in resources(bundle, "Observation"):
        assert obs.subject.reference == urls["Patient"]


def test_no_bundle_without_consent(visit_record):
    visit = dataclasses.replace(visit_record.visit, consent=False)
    with pytest.raises(ValueError, match="consent"):
        bundle_for_visit(dataclasses.replace(visit_record, visit=visit))


def test_a_visit_with_nothing_measured_has_no_provenance(plain_record):
    bundle = bundle_for_visit(dataclasses.replace(plain_record, measurements=(), waveforms=()))
    kinds = [e.resource.get_resource_type() for e in bundle.entry]
    assert kinds == ["Device", "Patient", "Encounter"]
