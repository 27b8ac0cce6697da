"""Clinical interpretation: every boundary on both sides, the catalogue, the flags."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vitals.interpret import (
    CATEGORIES,
    Severity,
    body_mass_index,
    interpret_blood_pressure,
    interpret_bmi,
    interpret_glucose,
    interpret_heart_rate,
    interpret_spo2,
    interpret_temperature,
)
from vitals.interpret_text import LANGUAGES, MESSAGES, message
from vitals.ranges import (
    BMI_INTERNATIONAL,
    SPO2_HYPERCAPNIC_RISK,
    BloodPressureThresholds,
    GlucoseThresholds,
    Spo2Thresholds,
    TemperatureThresholds,
)

# --- blood pressure (ESH 2023 office categories) ---


@pytest.mark.parametrize(
    ("systolic", "diastolic", "code"),
    [
        (119, 79, "bp.optimal"),
        (120, 79, "bp.normal"),
        (119, 80, "bp.normal"),
        (129, 84, "bp.normal"),
        (130, 84, "bp.high_normal"),
        (129, 85, "bp.high_normal"),
        (139, 89, "bp.high_normal"),
        (139, 90, "bp.grade_1"),  # isolated diastolic: graded by diastolic
        (140, 90, "bp.grade_1"),
        (159, 99, "bp.grade_1"),
        (160, 99, "bp.grade_2"),
        (159, 100, "bp.grade_2"),
        (179, 109, "bp.grade_2"),
        (180, 109, "bp.grade_3"),
        (179, 110, "bp.grade_3"),
        (200, 125, "bp.grade_3"),  # the >= 180/120 crisis line lies in grade 3
        (140, 89, "bp.isolated_systolic_1"),
        (159, 89, "bp.isolated_systolic_1"),
        (160, 89, "bp.isolated_systolic_2"),
        (179, 89, "bp.isolated_systolic_2"),
        (180, 89, "bp.grade_3"),
        (150, 55, "bp.isolated_systolic_1"),  # wide pulse pressure: not "low"
        (90, 60, "bp.optimal"),
        (89, 60, "bp.low"),
        (90, 59, "bp.low"),
        (85, 55, "bp.low"),
        (119.4, 79.4, "bp.optimal"),  # rounded to whole mmHg first
        (119.5, 79, "bp.normal"),  # 119.5 shows as 120
    ],
)
def test_blood_pressure_boundaries(systolic, diastolic, code):
    result = interpret_blood_pressure(systolic, diastolic)
    assert result.code == code
    assert result.unit == "mm[Hg]"
    assert result.guideline == "ESH 2023"


@pytest.mark.parametrize(
    ("systolic", "diastolic", "code"),
    [
        (185, 95, "bp.emergency"),
        (175, 112, "bp.emergency"),
        (175, 105, "bp.grade_2"),  # symptoms escalate grade 3 only
        (85, 55, "bp.low_symptoms"),
        (125, 82, "bp.normal"),
    ],
)
def test_blood_pressure_with_symptoms(systolic, diastolic, code):
    assert interpret_blood_pressure(systolic, diastolic, symptoms=True).code == code


def test_very_high_blood_pressure_advises_115_only_with_symptoms():
    plain = interpret_blood_pressure(190, 100)
    assert (plain.severity, plain.call_doctor, plain.emergency) == (
        Severity.SEE_DOCTOR,
        True,
        False,
    )
    assert "115" in plain.text_vi  # as advice, should warning signs come
    urgent = interpret_blood_pressure(190, 100, symptoms=True)
    assert (urgent.colour, urgent.call_doctor, urgent.emergency) == ("red", True, True)


# --- SpO2 ---


@pytest.mark.parametrize(
    ("spo2", "code"),
    [
        (100, "spo2.normal"),
        (95, "spo2.normal"),
        (94.6, "spo2.normal"),  # shows as 95
        (94, "spo2.slightly_low"),
        (92, "spo2.slightly_low"),
        (91, "spo2.low"),
        (90, "spo2.low"),
        (89, "spo2.very_low"),
        (70, "spo2.very_low"),
    ],
)
def test_spo2_boundaries(spo2, code):
    assert interpret_spo2(spo2).code == code


@pytest.mark.parametrize(
    ("spo2", "code"),
    [
        (92, "spo2.normal"),
        (91, "spo2.slightly_low"),
        (88, "spo2.slightly_low"),
        (87, "spo2.low"),
        (85, "spo2.low"),
        (84, "spo2.very_low"),
    ],
)
def test_spo2_thresholds_for_chronic_lung_disease(spo2, code):
    assert interpret_spo2(spo2, thresholds=SPO2_HYPERCAPNIC_RISK).code == code


def test_spo2_thresholds_are_configurable():
    own = Spo2Thresholds(normal=93, attention=90, emergency=86)
    assert interpret_spo2(93, thresholds=own).code == "spo2.normal"
    assert interpret_spo2(86, thresholds=own).code == "spo2.low"
    assert interpret_spo2(85, thresholds=own).code == "spo2.very_low"
    with pytest.raises(ValueError, match="emergency <= attention <= normal"):
        Spo2Thresholds(normal=90, attention=92, emergency=88)


# --- body temperature ---


@pytest.mark.parametrize(
    ("celsius", "code"),
    [
        (31.9, "temp.severe_hypothermia"),
        (32.0, "temp.hypothermia"),
        (34.9, "temp.hypothermia"),
        (35.0, "temp.low"),
        (36.0, "temp.low"),
        (36.1, "temp.normal"),
        (37.2, "temp.normal"),
        (37.3, "temp.raised"),
        (37.9, "temp.raised"),
        (38.0, "temp.fever"),
        (39.4, "temp.fever"),
        (39.5, "temp.high_fever"),
        (40.9, "temp.high_fever"),
        (41.0, "temp.hyperpyrexia"),
        (37.96, "temp.fever"),  # shows as 38.0
    ],
)
def test_temperature_boundaries(celsius, code):
    result = interpret_temperature(celsius)
    assert result.code == code
    assert result.unit == "Cel"


def test_a_lower_fever_line_for_frail_older_people():
    frail = TemperatureThresholds(fever=37.8)
    assert interpret_temperature(37.8, thresholds=frail).code == "temp.fever"
    assert interpret_temperature(37.7, thresholds=frail).code == "temp.raised"
    with pytest.raises(ValueError, match="must increase"):
        TemperatureThresholds(fever=37.0)


# --- heart rate at rest ---


@pytest.mark.parametrize(
    ("rate", "code"),
    [
        (39, "hr.marked_bradycardia"),
        (40, "hr.bradycardia"),
        (49, "hr.bradycardia"),
        (50, "hr.normal"),
        (100, "hr.normal"),
        (100.4, "hr.normal"),  # shows as 100
        (101, "hr.tachycardia"),
        (129, "hr.tachycardia"),
        (130, "hr.marked_tachycardia"),
    ],
)
def test_heart_rate_boundaries(rate, code):
    assert interpret_heart_rate(rate).code == code


@pytest.mark.parametrize(
    ("rate", "code"),
    [
        (39, "hr.emergency"),
        (130, "hr.emergency"),
        (45, "hr.bradycardia"),
        (110, "hr.tachycardia"),
        (70, "hr.normal"),
    ],
)
def test_heart_rate_with_symptoms(rate, code):
    assert interpret_heart_rate(rate, symptoms=True).code == code


# --- BMI (Asian cut-offs) ---


@pytest.mark.parametrize(
    ("bmi", "code"),
    [
        (15.9, "bmi.severe_thinness"),
        (16.0, "bmi.underweight"),
        (18.4, "bmi.underweight"),
        (18.5, "bmi.normal"),
        (22.9, "bmi.normal"),
        (23.0, "bmi.overweight"),
        (24.9, "bmi.overweight"),
        (25.0, "bmi.obese_1"),
        (29.9, "bmi.obese_1"),
        (30.0, "bmi.obese_2"),
    ],
)
def test_bmi_boundaries(bmi, code):
    # At 2 m, weight = 4 BMI exactly, so the boundaries are not blurred by rounding.
    result = interpret_bmi(4 * bmi, 200)
    assert result.code == code
    assert result.values == (bmi,)
    assert result.unit == "kg/m2"


def test_bmi_is_rounded_as_shown_and_has_an_international_table():
    assert body_mass_index(60, 160) == pytest.approx(23.4375)
    assert interpret_bmi(58.75, 160).values == (22.9,)  # 22.949 shows as 22.9
    assert interpret_bmi(4 * 27, 200, thresholds=BMI_INTERNATIONAL).code == "bmi.overweight"


# --- glucose (ADA 2024) ---


@pytest.mark.parametrize(
    ("value", "unit", "code"),
    [
        (2.9, "mmol/L", "glucose.severe_hypo"),
        (3.0, "mmol/L", "glucose.hypo"),
        (3.8, "mmol/L", "glucose.hypo"),
        (3.9, "mmol/L", "glucose.normal"),
        (5.5, "mmol/L", "glucose.normal"),
        (5.6, "mmol/L", "glucose.impaired_fasting"),
        (6.9, "mmol/L", "glucose.impaired_fasting"),
        (7.0, "mmol/L", "glucose.diabetes_fasting"),
        (16.6, "mmol/L", "glucose.diabetes_fasting"),
        (16.7, "mmol/L", "glucose.very_high"),
        (33.2, "mmol/L", "glucose.very_high"),
        (33.3, "mmol/L", "glucose.crisis"),
        (53, "mg/dL", "glucose.severe_hypo"),
        (54, "mg/dL", "glucose.hypo"),
        (69, "mg/dL", "glucose.hypo"),
        (70, "mg/dL", "glucose.normal"),
        (99, "mg/dL", "glucose.normal"),
        (100, "mg/dL", "glucose.impaired_fasting"),
        (125, "mg/dL", "glucose.impaired_fasting"),
        (126, "mg/dL", "glucose.diabetes_fasting"),  # 6.99 mmol/L, still diabetes range
        (299, "mg/dL", "glucose.diabetes_fasting"),
        (300, "mg/dL", "glucose.very_high"),
        (599, "mg/dL", "glucose.very_high"),
        (600, "mg/dL", "glucose.crisis"),
    ],
)
def test_fasting_glucose_boundaries(value, unit, code):
    result = interpret_glucose(value, fasting=True, unit=unit)
    assert result.code == code
    assert result.unit == unit


@pytest.mark.parametrize(
    ("value", "unit", "code"),
    [
        (3.8, "mmol/L", "glucose.hypo"),
        (3.9, "mmol/L", "glucose.normal"),
        (7.7, "mmol/L", "glucose.normal"),
        (7.8, "mmol/L", "glucose.raised_random"),
        (11.0, "mmol/L", "glucose.raised_random"),
        (11.1, "mmol/L", "glucose.diabetes_random"),
        (16.6, "mmol/L", "glucose.diabetes_random"),
        (16.7, "mmol/L", "glucose.very_high"),
        (139, "mg/dL", "glucose.normal"),
        (140, "mg/dL", "glucose.raised_random"),
        (199, "mg/dL", "glucose.raised_random"),
        (200, "mg/dL", "glucose.diabetes_random"),
    ],
)
def test_random_glucose_boundaries(value, unit, code):
    assert interpret_glucose(value, fasting=False, unit=unit).code == code


@pytest.mark.parametrize(
    ("value", "fasting", "code"),
    [
        (3.5, True, "glucose.severe_hypo"),  # low with confusion: level 3
        (16.7, False, "glucose.crisis"),
        (12.0, False, "glucose.diabetes_random"),
        (5.0, True, "glucose.normal"),
    ],
)
def test_glucose_with_symptoms(value, fasting, code):
    assert interpret_glucose(value, fasting=fasting, symptoms=True).code == code


def test_glucose_thresholds_must_increase_in_both_units():
    with pytest.raises(ValueError, match="must increase"):
        GlucoseThresholds(impaired_fasting=(7.5, 100.0))
    with pytest.raises(ValueError, match="must increase"):
        BloodPressureThresholds(grade_2_systolic=135.0)


# --- flags, colours and the catalogue ---


BP = [(85, 55), (115, 75), (125, 82), (135, 87), (145, 95), (150, 85), (165, 85), (165, 95),
    (170, 105), (190, 100)]  # fmt: skip


def all_results():
    for symptoms in (False, True):
        yield from (interpret_blood_pressure(s, d, symptoms=symptoms) for s, d in BP)
        yield from (interpret_heart_rate(v, symptoms=symptoms) for v in (35, 45, 70, 110, 140))
        for fasting in (True, False):
            for v in (2.5, 3.5, 5, 6, 7.5, 9, 12, 20, 35):
                yield interpret_glucose(v, fasting=fasting, symptoms=symptoms)
    yield from (interpret_spo2(v) for v in (98, 93, 91, 85))
    yield from (interpret_temperature(v) for v in (31, 34, 35.5, 36.8, 37.5, 38.5, 40, 41.5))
    yield from (interpret_bmi(4 * v, 200) for v in (15, 17, 20, 24, 27, 32))


def test_every_category_is_reachable_and_flags_follow_the_severity():
    seen = set()
    for result in all_results():
        seen.add(result.code)
        assert result.severity is CATEGORIES[result.code]
        assert result.colour == ("green", "yellow", "orange", "red")[result.severity]
        assert result.emergency == (result.severity is Severity.EMERGENCY)
        if result.severity <= Severity.ATTENTION:
            assert not result.call_doctor
        if result.emergency:
            assert result.call_doctor
            assert "115" in result.text_vi
            assert "115" in result.text_en
        assert result.text("vi") == result.text_vi
        assert result.text("en") == result.text_en
    assert seen == set(CATEGORIES)


def test_not_urgent_doctor_visits_do_not_ask_for_a_call_now():
    assert not interpret_bmi(4 * 31, 200).call_doctor
    assert not interpret_glucose(8.0, fasting=True).call_doctor
    assert interpret_spo2(91).call_doctor


def test_every_category_has_a_sentence_in_every_language():
    assert set(LANGUAGES) == set(MESSAGES)
    for language in LANGUAGES:
        assert set(MESSAGES[language]) == set(CATEGORIES)
        for code in CATEGORIES:
            text = message(code, language)
            assert text.strip() == text
            assert text[0].isupper()
            assert text.endswith(".")


@pytest.mark.parametrize("code", sorted(CATEGORIES))
def test_vietnamese_is_nfc_with_diacritics_and_one_form_of_address(code):
    text = MESSAGES["vi"][code]
    assert unicodedata.is_normalized("NFC", text)
    assert unicodedata.normalize("NFD", text) != text  # it carries diacritics
    assert "ông/bà" in text.lower()
    # "bác sĩ" is the doctor; "bác" alone would address the resident.
    other_forms = r"\b(bạn|cụ|anh/chị|quý khách)\b|\bbác\b(?! sĩ)"
    assert not re.search(other_forms, text.lower())


def test_example_sentence_reads_as_written():
    result = interpret_blood_pressure(145, 92)
    assert result.text_vi == (
        "Huyết áp của ông/bà hơi cao. Ông/bà nên nghỉ ngơi và đo lại sau 5 phút. "
        "Nếu vẫn cao, ông/bà nên đi khám trong vài tuần tới."
    )
    assert result.colour == "yellow"


# --- input validation ---


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: interpret_spo2(101), "spo2 must be within"),
        (lambda: interpret_spo2(49), "spo2 must be within"),
        (lambda: interpret_spo2(float("nan")), "spo2 must be within"),
        (lambda: interpret_spo2(True), "must be a number"),
        (lambda: interpret_spo2("97"), "must be a number"),
        (lambda: interpret_blood_pressure(120, 120), "diastolic must be below"),
        (lambda: interpret_blood_pressure(310, 90), "systolic must be within"),
        (lambda: interpret_blood_pressure(120, 10), "diastolic must be within"),
        (lambda: interpret_temperature(46), "temperature must be within"),
        (lambda: interpret_temperature(float("inf")), "temperature must be within"),
        (lambda: interpret_heart_rate(0), "heart rate must be within"),
        (lambda: interpret_bmi(70, 0), "height must be within"),
        (lambda: interpret_bmi(500, 170), "weight must be within"),
        (lambda: interpret_glucose(5, fasting=True, unit="mg"), "unit must be"),
        (lambda: interpret_glucose(0.5, fasting=True), "glucose must be within"),
        (lambda: interpret_glucose(950, fasting=True, unit="mg/dL"), "glucose must be within"),
    ],
)
def test_out_of_range_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --- properties ---


@given(
    st.integers(90, 300), st.integers(90, 300), st.integers(60, 89), st.booleans()
)  # fmt: skip
def test_blood_pressure_severity_never_falls_as_systolic_rises(a, b, diastolic, symptoms):
    low, high = sorted((a, b))
    first = interpret_blood_pressure(low, diastolic, symptoms=symptoms)
    second = interpret_blood_pressure(high, diastolic, symptoms=symptoms)
    assert first.severity <= second.severity


@given(st.floats(1.0, 50.0), st.booleans())
def test_every_valid_glucose_gets_a_sentence(value, fasting):
    result = interpret_glucose(value, fasting=fasting)
    assert result.code in CATEGORIES
    assert result.text_vi
