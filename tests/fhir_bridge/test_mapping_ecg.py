"""The ECG recording: one Observation, a SampledData per lead that decodes back exactly."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest

from cabin.store.models import Waveform
from fhir_bridge import ecg_observation, visit_refs
from fhir_bridge.demo import DEMO_ECG_FS, DEMO_ECG_SECONDS
from fhir_bridge.mapping.ecg import ECG_RESOLUTION_MV, ecg_recordings, sampled_data, sampled_values
from hardware.sim.ecg_model import EcgParams, ecg_simulate

MDC = "urn:iso:std:iso:11073:10101"
LOINC = "http://loinc.org"


def codes(concept):
    return [(c.system, c.code) for c in concept.coding]


def lead(row, kind, samples, start, *, fs=250.0, unit="mV", device="ecg"):
    x = np.asarray(samples, dtype=np.float64)
    x.flags.writeable = False
    return Waveform(row, "visit", kind, fs, start, unit, x, device)


@pytest.fixture(scope="module")
def ecg_obs(visit_record):
    (leads,) = ecg_recordings(visit_record.waveforms)
    return ecg_observation(leads, visit_record, visit_refs(visit_record))


def test_the_recording_is_coded_and_placed(ecg_obs, visit_record):
    refs = visit_refs(visit_record)
    assert ecg_obs.status == "final"
    assert ecg_obs.category[0].coding[0].code == "procedure"
    assert codes(ecg_obs.code) == [(MDC, "131328"), (LOINC, "11524-6")]
    assert ecg_obs.subject.reference == refs.patient
    assert ecg_obs.encounter.reference == refs.encounter
    assert ecg_obs.device.reference == refs.devices["ecg"]
    first = visit_record.waveforms[0]
    assert ecg_obs.effectivePeriod.start == first.start_time
    assert ecg_obs.effectivePeriod.end == first.start_time + timedelta(seconds=DEMO_ECG_SECONDS)
    assert ecg_obs.identifier[0].value == f"{visit_record.visit.id}-ecg-1"


def test_one_component_per_lead_with_its_mdc_lead_codes(ecg_obs):
    leads = ecg_obs.component[:2]
    assert codes(leads[0].code) == [(MDC, "131073"), (MDC, "131329")]
    assert [c.display for c in leads[0].code.coding] == ["MDC_ECG_LEAD_I", "MDC_ECG_ELEC_POTL_I"]
    assert codes(leads[1].code) == [(MDC, "131074"), (MDC, "131330")]


def test_sampled_data_states_its_scale(ecg_obs):
    data = ecg_obs.component[1].valueSampledData
    assert (data.origin.value, data.origin.unit, data.origin.code) == (Decimal(0), "mV", "mV")
    assert data.origin.system == "http://unitsofmeasure.org"
    assert data.period == Decimal("4.0")  # ms at 250 Hz
    assert data.factor == ECG_RESOLUTION_MV == Decimal("0.001")
    assert data.dimensions == 1
    points = data.data.split(" ")
    assert len(points) == DEMO_ECG_FS * DEMO_ECG_SECONDS
    assert all(p.lstrip("-").isdigit() for p in points)


def test_sampled_data_decodes_to_the_stored_samples_within_the_resolution(ecg_obs, visit_record):
    for component, waveform in zip(ecg_obs.component[:2], visit_record.waveforms, strict=True):
        decoded = sampled_values(component.valueSampledData)
        assert decoded.shape == waveform.samples.shape
        assert np.max(np.abs(decoded - waveform.samples)) <= float(ECG_RESOLUTION_MV) / 2 + 1e-9


def test_a_sample_that_is_not_a_number_is_sent_as_an_error_point():
    data = sampled_data(np.array([0.5, np.nan, -0.25]), 500.0)
    assert data.data == "500 E -250"
    assert data.period == Decimal("2.0")
    decoded = sampled_values(data)
    assert decoded[0] == 0.5
    assert np.isnan(decoded[1])
    assert decoded[2] == -0.25


def test_the_heart_rate_of_lead_ii_is_a_component(ecg_obs, visit_record):
    (rate,) = [c for c in ecg_obs.component if c.valueQuantity is not None]
    assert codes(rate.code) == [(LOINC, "8867-4"), (MDC, "147842")]
    assert rate.valueQuantity.code == "/min"
    (stored,) = [m for m in visit_record.measurements if m.kind == "heart_rate"]
    assert abs(float(rate.valueQuantity.value) - stored.values["heart_rate"]) < 2.0
    assert rate.interpretation[0].coding[0].code == "N"


def test_hrv_from_half_a_minute_of_clean_beats(visit_record):
    ecg = ecg_simulate(45.0, 250.0, EcgParams(heart_rate=64, heart_rate_std=3), seed=4)
    start = visit_record.waveforms[0].start_time
    leads = (lead(11, "ecg_ii", ecg.lead_ii, start),)
    record = dataclasses.replace(visit_record, waveforms=leads)
    obs = ecg_observation(leads, record, visit_refs(record))
    by_code = {c.code.coding[0].code: c for c in obs.component}
    assert set(by_code) == {"131074", "8867-4", "80404-7"}
    sdnn = by_code["80404-7"].valueQuantity
    assert sdnn.code == "ms"
    assert 5 < float(sdnn.value) < 200


def test_a_recording_too_short_to_analyse_still_goes_without_derived_values(visit_record):
    start = visit_record.waveforms[0].start_time
    leads = (lead(11, "ecg_ii", np.zeros(250), start),)
    obs = ecg_observation(leads, visit_record, visit_refs(visit_record))
    assert len(obs.component) == 1


def test_leads_group_into_recordings_by_device_start_and_rate(visit_record):
    start = visit_record.waveforms[0].start_time
    later = start + timedelta(minutes=2)
    waveforms = [
        lead(5, "ecg_ii", [0.1] * 10, later),
        lead(3, "ecg_ii", [0.1] * 10, start),
        lead(4, "ecg_i", [0.1] * 10, start),
        lead(6, "pleth", [1.0] * 10, start),
    ]
    recordings = ecg_recordings(waveforms)
    assert [[w.id for w in r] for r in recordings] == [[4, 3], [5]]


def test_bad_leads_are_refused(visit_record):
    refs = visit_refs(visit_record)
    start = visit_record.waveforms[0].start_time
    with pytest.raises(ValueError, match="mV"):
        ecg_observation([lead(1, "ecg_i", [1.0] * 600, start, unit="uV")], visit_record, refs)
    with pytest.raises(ValueError, match="together"):
        ecg_observation(
            [lead(1, "ecg_i", [0.0] * 600, start), lead(2, "ecg_ii", [0.0] * 600, start, fs=500)],
            visit_record,
            refs,
        )
    with pytest.raises(ValueError, match="lead"):
        ecg_observation([], visit_record, refs)
