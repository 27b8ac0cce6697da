"""The invented demo visit: fixed by its seed, complete, and nobody real."""

from __future__ import annotations

import numpy as np

from cabin.cccd import check_id_number
from fhir_bridge import demo_record


def test_the_seed_fixes_the_visit():
    a, b = demo_record(3), demo_record(3)
    assert a.visit == b.visit
    assert a.resident == b.resident
    assert list(a.measurements) == list(b.measurements)
    assert np.array_equal(a.waveforms[1].samples, b.waveforms[1].samples)
    assert demo_record(4).visit.id != a.visit.id


def test_a_visit_measures_everything(visit_record):
    kinds = [m.kind for m in visit_record.measurements]
    assert kinds == ["spo2", "pulse_rate", "heart_rate", "blood_pressure", "pulse_rate",
                     "temperature", "weight", "height", "bmi", "glucose"]  # fmt: skip
    assert [w.signal_kind for w in visit_record.waveforms] == ["ecg_i", "ecg_ii"]
    assert all(w.fs == 250.0 and w.sample_count == 2500 for w in visit_record.waveforms)
    for m in visit_record.measurements:
        assert m.received_at.tzinfo is not None
        assert m.device_id in visit_record.devices


def test_the_resident_is_invented_with_a_card_that_checks_out(visit_record):
    identity = visit_record.resident.identity
    check_id_number(identity.cccd, birth_date=identity.birth_date, sex=identity.sex)
    assert any(word in identity.full_name for word in ("Thử", "Mẫu", "Giả", "Nghiệm", "Demo"))


def test_options():
    assert demo_record(1, anonymous=True).resident is None
    assert demo_record(1, anonymous=True).visit.resident_id is None
    assert demo_record(1, ecg=False).waveforms == ()
    consult = demo_record(1, consult=True)
    assert consult.consult is not None
    assert consult.visit.ended_at > consult.consult.ended_at
