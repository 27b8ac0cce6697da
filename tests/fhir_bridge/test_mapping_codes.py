"""The code tables: every code well formed, every vitals category interpreted."""

from __future__ import annotations

import pytest

from fhir_bridge import codes
from fhir_bridge.codes import (
    BP_COMPONENTS,
    DEVICE_TYPES,
    ECG_LEADS,
    GLUCOSE_CODES,
    INTERPRETATION,
    KINDS,
    LOINC,
    MDC,
)
from vitals.interpret import CATEGORIES, Severity


def all_codes():
    found = []
    for name in codes.__all__:
        value = getattr(codes, name)
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, codes.Code):
                found.append(item)
            elif isinstance(item, codes.KindCodes):
                stack.extend((*item.loinc, item.mdc))
            elif isinstance(item, tuple | list):
                stack.extend(item)
            elif hasattr(item, "values") and not isinstance(item, str):
                stack.extend(item.values())
    return found


def luhn_ok(number: str) -> bool:
    """LOINC's mod-10 check digit (the Luhn algorithm over the code's digits)."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def test_every_loinc_code_has_a_valid_check_digit():
    loincs = {c.code for c in all_codes() if c.system == LOINC}
    assert {"85354-9", "8480-6", "8462-4", "8478-0", "2708-6", "59408-5", "8867-4"} <= loincs
    for code in loincs:
        assert luhn_ok(code.replace("-", "")), code


def test_mdc_codes_are_context_free_codes_with_their_reference_id_as_display():
    mdcs = [c for c in all_codes() if c.system == MDC]
    assert mdcs
    for c in mdcs:
        assert c.code.isdigit(), c
        assert c.display.startswith("MDC_"), c
    # measurements and ECG leads in SCADA (partition 2), devices in INFRA (8)
    for kind in KINDS.values():
        assert int(kind.mdc.code) >> 16 == 2
    for lead in ECG_LEADS.values():
        assert all(int(c.code) >> 16 == 2 for c in lead)
    assert {int(c.code) >> 16 for c in DEVICE_TYPES.values()} == {8}
    assert int(codes.PHD_TYPE.code) >> 16 == 1  # object partition


def test_the_same_reference_id_always_has_the_same_code():
    seen: dict[str, str] = {}
    for c in all_codes():
        if c.system == MDC:
            assert seen.setdefault(c.display, c.code) == c.code, c.display


def test_spo2_carries_both_loinc_codes_the_profile_one_first():
    assert [c.code for c in KINDS["spo2"].loinc] == ["2708-6", "59408-5"]
    assert KINDS["spo2"].mdc.code == "150456"


def test_blood_pressure_panel_and_its_components():
    assert KINDS["blood_pressure"].loinc[0].code == "85354-9"
    assert {k: v[0].code for k, v in BP_COMPONENTS.items()} == {
        "systolic": "8480-6",
        "diastolic": "8462-4",
        "mean": "8478-0",
    }


def test_glucose_codes_match_the_unit_property():
    assert GLUCOSE_CODES["mmol/L", False].display.startswith("Glucose [Moles/volume]")
    assert GLUCOSE_CODES["mg/dL", False].display.startswith("Glucose [Mass/volume]")
    assert "[Moles/volume]" in GLUCOSE_CODES["mmol/L", True].display
    assert "Fasting" in GLUCOSE_CODES["mmol/L", True].display


def test_vital_sign_units_are_the_profiles_ucum_units():
    assert {k: v.unit for k, v in KINDS.items()} == {
        "blood_pressure": "mm[Hg]",
        "spo2": "%",
        "pulse_rate": "/min",
        "heart_rate": "/min",
        "temperature": "Cel",
        "weight": "kg",
        "height": "cm",
        "bmi": "kg/m2",
        "respiratory_rate": "/min",
    }
    assert all(v.category == "vital-signs" for v in KINDS.values())


def test_every_vitals_category_has_an_interpretation():
    assert set(INTERPRETATION) == set(CATEGORIES)


@pytest.mark.parametrize("category", sorted(CATEGORIES))
def test_interpretation_follows_the_severity_rule(category):
    code = INTERPRETATION[category]
    severity = CATEGORIES[category]
    assert (code == "N") == (severity is Severity.NORMAL)
    if severity is Severity.EMERGENCY and code != "A":
        assert code in ("LL", "HH")
    if code in ("LL", "HH"):
        assert severity is Severity.EMERGENCY
