"""Spot measurements as Observations, field by field (R4 vital-signs profiles, PHD IG)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from fhir_bridge import DeviceInfo, observations_from_measurement, visit_refs
from fhir_bridge.mapping.identifiers import device_key

LOINC = "http://loinc.org"
MDC = "urn:iso:std:iso:11073:10101"
UCUM = "http://unitsofmeasure.org"
V3 = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
PROFILE = "http://hl7.org/fhir/StructureDefinition/"
CATEGORY_PREFIX = {"spo2": "spo2.", "blood_pressure": "bp.", "heart_rate": "hr.",
                   "temperature": "temp.", "bmi": "bmi.", "glucose": "glucose."}  # fmt: skip


def codes(concept):
    return [(c.system, c.code) for c in concept.coding]


def one(record, index=0):
    refs = visit_refs(record)
    (obs,) = observations_from_measurement(record.measurements[index], record, refs)
    return obs


def test_blood_pressure_is_the_panel_with_its_components(make_measurement, record_with):
    record = record_with(
        make_measurement(
            "blood_pressure", {"systolic": 132, "diastolic": 84, "mean": 100}, "mm[Hg]", device="bp"
        )
    )
    obs = one(record)
    assert obs.meta.profile == [PROFILE + "bp"]
    assert obs.status == "final"
    assert codes(obs.category[0]) == [
        ("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")
    ]
    assert codes(obs.code) == [(LOINC, "85354-9"), (MDC, "150020")]
    assert obs.valueQuantity is None
    components = {c.code.coding[0].code: c for c in obs.component}
    assert list(components) == ["8480-6", "8462-4", "8478-0"]
    assert codes(components["8480-6"].code) == [(LOINC, "8480-6"), (MDC, "150021")]
    assert codes(components["8462-4"].code) == [(LOINC, "8462-4"), (MDC, "150022")]
    assert codes(components["8478-0"].code) == [(LOINC, "8478-0"), (MDC, "150023")]
    for name, value in (("8480-6", 132), ("8462-4", 84), ("8478-0", 100)):
        q = components[name].valueQuantity
        assert (q.value, q.unit, q.system, q.code) == (Decimal(value), "mm[Hg]", UCUM, "mm[Hg]")
    assert codes(obs.interpretation[0]) == [(V3, "H")]  # 130-139/85-89: ESH high normal


def test_blood_pressure_without_a_mean_has_two_components(make_measurement, record_with):
    record = record_with(
        make_measurement("blood_pressure", {"systolic": 118, "diastolic": 76}, "mm[Hg]")
    )
    obs = one(record)
    assert [c.code.coding[0].code for c in obs.component] == ["8480-6", "8462-4"]


def test_spo2_carries_both_loinc_codes_and_the_mdc_code(make_measurement, record_with):
    obs = one(record_with(make_measurement("spo2", {"spo2": 97}, "%", device="oximeter")))
    assert obs.meta.profile == [PROFILE + "oxygensat"]
    assert codes(obs.code) == [(LOINC, "2708-6"), (LOINC, "59408-5"), (MDC, "150456")]
    assert obs.code.coding[2].display == "MDC_PULS_OXIM_SAT_O2"
    q = obs.valueQuantity
    assert (q.value, q.unit, q.system, q.code) == (Decimal(97), "%", UCUM, "%")


@pytest.mark.parametrize(
    ("device", "kind", "mdc"),
    [
        ("oximeter", "pulse_rate", "149530"),  # MDC_PULS_OXIM_PULS_RATE
        ("bp", "pulse_rate", "149546"),  # MDC_PULS_RATE_NON_INV: the cuff's
        ("ecg", "heart_rate", "147842"),  # MDC_ECG_HEART_RATE
    ],
)
def test_rates_are_heart_rate_with_the_mdc_code_of_their_source(
    make_measurement, record_with, device, kind, mdc
):
    obs = one(record_with(make_measurement(kind, {kind: 72}, "/min", device=device)))
    assert obs.meta.profile == [PROFILE + "heartrate"]
    assert codes(obs.code) == [(LOINC, "8867-4"), (MDC, mdc)]
    assert (obs.valueQuantity.value, obs.valueQuantity.code) == (Decimal(72), "/min")


def test_a_cuffs_pulse_is_known_by_its_blood_pressure_even_on_an_unknown_device(
    make_measurement, record_with
):
    record = record_with(
        make_measurement("blood_pressure", {"systolic": 120, "diastolic": 80}, "mm[Hg]",
                         device="cuff-9"),
        make_measurement("pulse_rate", {"pulse_rate": 70}, "/min", device="cuff-9", row=2),
    )  # fmt: skip
    assert codes(one(record, 1).code)[1] == (MDC, "149546")


@pytest.mark.parametrize(
    ("kind", "value", "unit", "loinc", "mdc", "profile", "sent", "sent_unit"),
    [
        ("temperature", 36.8, "Cel", "8310-5", "150364", "bodytemp", "36.80", "Cel"),
        ("weight", 61.25, "kg", "29463-7", "188736", "bodyweight", "61.250", "kg"),
        ("height", 1.62, "m", "8302-2", "188740", "bodyheight", "162.0", "cm"),
        ("height", 158.5, "cm", "8302-2", "188740", "bodyheight", "158.5", "cm"),
        ("bmi", 23.4, "kg/m2", "39156-5", "188752", "bmi", "23.4", "kg/m2"),
        ("respiratory_rate", 16, "/min", "9279-1", "151562", "resprate", "16", "/min"),
    ],
)
def test_vital_signs(
    make_measurement, record_with, kind, value, unit, loinc, mdc, profile, sent, sent_unit
):
    obs = one(record_with(make_measurement(kind, {kind: value}, unit)))
    assert obs.meta.profile == [PROFILE + profile]
    assert codes(obs.code) == [(LOINC, loinc), (MDC, mdc)]
    q = obs.valueQuantity
    assert (q.value, q.unit, q.system, q.code) == (Decimal(sent), sent_unit, UCUM, sent_unit)


@pytest.mark.parametrize(
    ("value", "unit", "flags", "loinc", "interpretation"),
    [
        (5.4, "mmol/L", {"fasting"}, "14770-2", "N"),
        (5.6, "mmol/L", {"fasting"}, "14770-2", "H"),
        (7.7, "mmol/L", {"meal_postprandial"}, "14743-9", "N"),
        (7.8, "mmol/L", set(), "14743-9", "H"),
        (99, "mg/dL", {"fasting"}, "1556-0", "N"),
        (140, "mg/dL", set(), "41653-7", "H"),
    ],
)
def test_glucose_is_laboratory_coded_by_its_unit_and_fasting(
    make_measurement, record_with, value, unit, flags, loinc, interpretation
):
    obs = one(record_with(make_measurement("glucose", {"glucose": value}, unit,
                                           flags=frozenset(flags))))  # fmt: skip
    assert obs.meta is None  # not a vital sign
    assert obs.category[0].coding[0].code == "laboratory"
    assert codes(obs.code) == [(LOINC, loinc), (MDC, "160184")]
    assert (obs.valueQuantity.value, obs.valueQuantity.code) == (Decimal(str(value)), unit)
    assert obs.interpretation[0].coding[0].code == interpretation


def test_glucose_meal_context_is_a_component_and_plasma_its_own_mdc_code(
    make_measurement, record_with
):
    flags = frozenset({"meal_postprandial", "sample_capillary_plasma", "site_finger"})
    obs = one(record_with(make_measurement("glucose", {"glucose": 6.1}, "mmol/L", flags=flags)))
    assert codes(obs.code)[1] == (MDC, "160188")
    (meal,) = obs.component
    assert codes(meal.code) == [(MDC, "8417864")]
    assert codes(meal.valueCodeableConcept) == [(MDC, "8417872")]
    assert obs.note[0].text == "Reported with the measurement: sample_capillary_plasma, site_finger"


def test_the_observation_points_at_its_visit_and_device(make_measurement, record_with):
    record = record_with(make_measurement("spo2", {"spo2": 96}, "%", device="oximeter"))
    refs = visit_refs(record)
    obs = one(record)
    assert obs.subject.reference == refs.patient
    assert obs.encounter.reference == refs.encounter
    info = record.devices["oximeter"]
    assert obs.device.reference == device_key(record.station, record.systems, info).full_url
    (identifier,) = obs.identifier
    assert identifier.system == "https://citizen-station.example.vn/fhir/sid/measurement"
    assert identifier.value == f"{record.visit.id}-1"


def test_an_unknown_device_is_still_referenced(make_measurement, record_with):
    record = record_with(make_measurement("spo2", {"spo2": 96}, "%", device="new-oximeter"))
    info = DeviceInfo("new-oximeter")
    assert one(record).device.reference == device_key(record.station, record.systems, info).full_url


def test_effective_time_is_the_devices_clock_else_reception(make_measurement, record_with):
    m = make_measurement("spo2", {"spo2": 96}, "%")
    assert one(record_with(m)).effectiveDateTime == m.received_at
    clock = m.received_at - timedelta(seconds=40)
    timed = make_measurement("spo2", {"spo2": 96}, "%", device_time=clock)
    assert one(record_with(timed)).effectiveDateTime == clock


@pytest.mark.parametrize(
    ("kind", "values", "unit", "expected"),
    [
        ("spo2", {"spo2": 95}, "%", "N"),
        ("spo2", {"spo2": 94}, "%", "L"),
        ("spo2", {"spo2": 90}, "%", "L"),
        ("spo2", {"spo2": 89}, "%", "LL"),
        ("blood_pressure", {"systolic": 129, "diastolic": 84}, "mm[Hg]", "N"),
        ("blood_pressure", {"systolic": 140, "diastolic": 80}, "mm[Hg]", "H"),
        ("blood_pressure", {"systolic": 180, "diastolic": 110}, "mm[Hg]", "H"),
        ("blood_pressure", {"systolic": 89, "diastolic": 60}, "mm[Hg]", "L"),
        ("heart_rate", {"heart_rate": 49}, "/min", "L"),
        ("heart_rate", {"heart_rate": 50}, "/min", "N"),
        ("heart_rate", {"heart_rate": 100}, "/min", "N"),
        ("heart_rate", {"heart_rate": 101}, "/min", "H"),
        ("temperature", {"temperature": 37.2}, "Cel", "N"),
        ("temperature", {"temperature": 37.3}, "Cel", "H"),
        ("temperature", {"temperature": 31.9}, "Cel", "LL"),
        ("temperature", {"temperature": 41.0}, "Cel", "HH"),
        ("bmi", {"bmi": 18.4}, "kg/m2", "L"),
        ("bmi", {"bmi": 18.5}, "kg/m2", "N"),
        ("bmi", {"bmi": 22.9}, "kg/m2", "N"),
        ("bmi", {"bmi": 23.0}, "kg/m2", "H"),
        ("glucose", {"glucose": 2.9}, "mmol/L", "LL"),
        ("glucose", {"glucose": 33.3}, "mmol/L", "HH"),
    ],
)
def test_interpretation_at_the_cut_offs(
    make_measurement, record_with, kind, values, unit, expected
):
    obs = one(record_with(make_measurement(kind, values, unit)))
    (interpretation,) = obs.interpretation
    assert codes(interpretation) == [(V3, expected)]
    assert interpretation.text.startswith(CATEGORY_PREFIX[kind])  # the vitals category


def test_no_interpretation_where_vitals_has_none(make_measurement, record_with):
    assert one(record_with(make_measurement("weight", {"weight": 60}, "kg"))).interpretation is None
    # out of the physiological range: a device error, not a finding
    assert one(record_with(make_measurement("spo2", {"spo2": 30}, "%"))).interpretation is None


def test_device_conditions_are_noted(make_measurement, record_with):
    flags = frozenset({"irregular_pulse", "body_movement"})
    record = record_with(
        make_measurement("blood_pressure", {"systolic": 120, "diastolic": 80}, "mm[Hg]",
                         flags=flags)
    )  # fmt: skip
    assert (
        one(record).note[0].text == "Reported with the measurement: body_movement, irregular_pulse"
    )


def test_unmapped_kinds_give_no_observation(make_measurement, record_with):
    record = record_with(make_measurement("body_fat", {"body_fat": 21.5}, "%"))
    assert observations_from_measurement(record.measurements[0], record, visit_refs(record)) == []


def test_a_unit_that_cannot_be_sent_is_an_error(make_measurement, record_with):
    record = record_with(make_measurement("temperature", {"temperature": 98.6}, "[degF]"))
    with pytest.raises(ValueError, match="convert"):
        one(record)
    record = record_with(make_measurement("glucose", {"glucose": 5.0}, "g/L"))
    with pytest.raises(ValueError, match="glucose"):
        one(record)
