"""What a measured value means for the resident: category, severity, colour, advice.

Pure functions, one per measurement, each returning an :class:`Interpretation`:
a category code (``"bp.grade_1"``), a :class:`Severity` and its screen colour
(normal: green, attention: yellow, see a doctor: orange, emergency: red), the
plain sentence for the resident in Vietnamese and English (from the one catalogue,
:mod:`vitals.interpret_text`), and two flags: ``call_doctor`` (advise talking to a
doctor now, e.g. the cabin's remote doctor) and ``emergency`` (advise calling 115).

The cut-offs and their sources are in :mod:`vitals.ranges`; each function takes a
table so a clinic can set its own. A value is first rounded to the precision the
screen shows and the guideline tables use (whole mmHg, % and /min; 0.1 degC,
kg/m2 and mmol/L; whole mg/dL), so that the number the resident reads and its
colour always agree; ``values`` holds the rounded numbers. A value outside the
physiological range the function documents raises ``ValueError``: it is a device
or typing error, not a finding.

``symptoms=True`` means the resident reports the warning signs the sentence names
(chest pain, trouble breathing, weakness, confusion...): the cabin cannot see organ
damage, so symptoms with a severe value escalate to an emergency.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from enum import IntEnum
from numbers import Real
from typing import Literal

from vitals.interpret_text import message
from vitals.ranges import (
    BMI_ASIAN,
    BP_ESH_2023,
    GLUCOSE_ADA_2024,
    HEART_RATE_DEFAULT,
    SPO2_DEFAULT,
    TEMPERATURE_DEFAULT,
    BloodPressureThresholds,
    BmiThresholds,
    GlucoseThresholds,
    HeartRateThresholds,
    Spo2Thresholds,
    TemperatureThresholds,
)

__all__ = [
    "CATEGORIES",
    "Interpretation",
    "Severity",
    "body_mass_index",
    "interpret_blood_pressure",
    "interpret_bmi",
    "interpret_glucose",
    "interpret_heart_rate",
    "interpret_spo2",
    "interpret_temperature",
]

GlucoseUnit = Literal["mmol/L", "mg/dL"]


class Severity(IntEnum):
    """How urgent a result is; ordered, so ``max`` gives the worst."""

    NORMAL = 0
    ATTENTION = 1
    SEE_DOCTOR = 2
    EMERGENCY = 3

    @property
    def colour(self) -> str:
        """The screen colour: green, yellow, orange or red."""
        return ("green", "yellow", "orange", "red")[self]


_N, _A, _D, _E = Severity.NORMAL, Severity.ATTENTION, Severity.SEE_DOCTOR, Severity.EMERGENCY

CATEGORIES: dict[str, Severity] = {
    "bp.low": _A,
    "bp.low_symptoms": _D,
    "bp.optimal": _N,
    "bp.normal": _N,
    "bp.high_normal": _A,
    "bp.grade_1": _A,
    "bp.isolated_systolic_1": _A,
    "bp.grade_2": _D,
    "bp.isolated_systolic_2": _D,
    "bp.grade_3": _D,
    "bp.emergency": _E,
    "spo2.normal": _N,
    "spo2.slightly_low": _A,
    "spo2.low": _D,
    "spo2.very_low": _E,
    "temp.severe_hypothermia": _E,
    "temp.hypothermia": _D,
    "temp.low": _A,
    "temp.normal": _N,
    "temp.raised": _A,
    "temp.fever": _D,
    "temp.high_fever": _D,
    "temp.hyperpyrexia": _E,
    "hr.marked_bradycardia": _D,
    "hr.bradycardia": _A,
    "hr.normal": _N,
    "hr.tachycardia": _A,
    "hr.marked_tachycardia": _D,
    "hr.emergency": _E,
    "bmi.severe_thinness": _D,
    "bmi.underweight": _A,
    "bmi.normal": _N,
    "bmi.overweight": _A,
    "bmi.obese_1": _A,
    "bmi.obese_2": _D,
    "glucose.severe_hypo": _E,
    "glucose.hypo": _D,
    "glucose.normal": _N,
    "glucose.impaired_fasting": _A,
    "glucose.diabetes_fasting": _D,
    "glucose.raised_random": _A,
    "glucose.diabetes_random": _D,
    "glucose.very_high": _D,
    "glucose.crisis": _E,
}
"""Every category code and its severity."""

# "See a doctor" for a check-up, not a call now.
_NOT_NOW = frozenset(
    {"bmi.severe_thinness", "bmi.obese_2", "glucose.diabetes_fasting", "glucose.diabetes_random"}
)


@dataclass(frozen=True, slots=True)
class Interpretation:
    """A measured value put into words.

    Attributes:
        code: category code, e.g. ``"bp.grade_1"`` (the catalogue key).
        severity: normal, attention, see a doctor, emergency.
        colour: screen colour for the severity: green, yellow, orange, red.
        text_vi: the sentence for the resident, Vietnamese (NFC).
        text_en: the same in English.
        call_doctor: advise talking to a doctor now.
        emergency: advise calling 115 now.
        values: the values interpreted, in ``unit`` (systolic and diastolic for BP).
        unit: UCUM unit of ``values``.
        guideline: where the cut-offs come from (see :mod:`vitals.ranges`).
    """

    code: str
    severity: Severity
    colour: str
    text_vi: str
    text_en: str
    call_doctor: bool
    emergency: bool
    values: tuple[float, ...]
    unit: str
    guideline: str

    def text(self, language: str = "vi") -> str:
        """The sentence in ``language`` (``"vi"`` or ``"en"``)."""
        return message(self.code, language)


def _result(code: str, values: tuple[float, ...], unit: str, guideline: str) -> Interpretation:
    severity = CATEGORIES[code]
    return Interpretation(
        code=code,
        severity=severity,
        colour=severity.colour,
        text_vi=message(code, "vi"),
        text_en=message(code, "en"),
        call_doctor=severity >= Severity.SEE_DOCTOR and code not in _NOT_NOW,
        emergency=severity is Severity.EMERGENCY,
        values=values,
        unit=unit,
        guideline=guideline,
    )


def _check(
    name: str, value: object, low: float, high: float, unit: str, digits: int | None = None
) -> float:
    """``value`` as a float within ``[low, high]``, rounded to ``digits`` decimals if given."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{name} must be a number, in {unit}")
    x = float(value)
    if not (math.isfinite(x) and low <= x <= high):
        raise ValueError(f"{name} must be within {low:g} and {high:g} {unit}")
    return x if digits is None else float(round(x, digits))


def interpret_blood_pressure(
    systolic: float,
    diastolic: float,
    *,
    symptoms: bool = False,
    thresholds: BloodPressureThresholds = BP_ESH_2023,
) -> Interpretation:
    """Office blood pressure category after the 2023 ESH guidelines (Mancia et al.).

    The higher of the systolic and diastolic categories counts. Systolic >= 140
    with diastolic < 90 is isolated systolic hypertension, graded by systolic.
    Grade 3 (>= 180 and/or >= 110 mmHg, which holds the >= 180/120 "crisis" line)
    advises a re-measurement and a doctor now, and 115 with warning signs; with
    ``symptoms`` it is an emergency. Low BP is systolic < 90 or diastolic < 60.

    Args:
        systolic: systolic pressure, mmHg (40-300).
        diastolic: diastolic pressure, mmHg (20-200), below ``systolic``.
        symptoms: the resident reports warning signs (chest pain, breathlessness,
            weakness, trouble speaking, blurred vision; with low BP: feeling faint).
        thresholds: the cut-offs.

    Raises:
        ValueError: a pressure out of range, or diastolic not below systolic.
    """
    sbp = _check("systolic", systolic, 40, 300, "mmHg", 0)
    dbp = _check("diastolic", diastolic, 20, 200, "mmHg", 0)
    if dbp >= sbp:
        raise ValueError("diastolic must be below systolic")
    t = thresholds
    values = (sbp, dbp)

    def result(code: str) -> Interpretation:
        return _result(code, values, "mm[Hg]", "ESH 2023")

    if sbp >= t.grade_3_systolic or dbp >= t.grade_3_diastolic:
        return result("bp.emergency" if symptoms else "bp.grade_3")
    if sbp >= t.grade_1_systolic and dbp < t.grade_1_diastolic:
        return result(
            "bp.isolated_systolic_2" if sbp >= t.grade_2_systolic else "bp.isolated_systolic_1"
        )
    if sbp >= t.grade_2_systolic or dbp >= t.grade_2_diastolic:
        return result("bp.grade_2")
    if sbp >= t.grade_1_systolic or dbp >= t.grade_1_diastolic:
        return result("bp.grade_1")
    if sbp < t.low_systolic or dbp < t.low_diastolic:
        return result("bp.low_symptoms" if symptoms else "bp.low")
    if sbp >= t.high_normal_systolic or dbp >= t.high_normal_diastolic:
        return result("bp.high_normal")
    if sbp >= t.normal_systolic or dbp >= t.normal_diastolic:
        return result("bp.normal")
    return result("bp.optimal")


def interpret_spo2(spo2: float, *, thresholds: Spo2Thresholds = SPO2_DEFAULT) -> Interpretation:
    """Oxygen saturation category (WHO Pulse Oximetry Training Manual 2011; BTS 2017).

    By default 95-100 % is normal, 92-94 % a little low (re-measure), 90-91 % low
    (a doctor now), below 90 % an emergency. Residents with chronic lung disease
    need other lines: pass :data:`vitals.ranges.SPO2_HYPERCAPNIC_RISK` or their
    doctor's own :class:`~vitals.ranges.Spo2Thresholds`.

    Args:
        spo2: peripheral oxygen saturation, % (50-100).
        thresholds: the cut-offs.

    Raises:
        ValueError: ``spo2`` out of range.
    """
    value = _check("spo2", spo2, 50, 100, "%", 0)
    t = thresholds
    if value < t.emergency:
        code = "spo2.very_low"
    elif value < t.attention:
        code = "spo2.low"
    elif value < t.normal:
        code = "spo2.slightly_low"
    else:
        code = "spo2.normal"
    return _result(code, (value,), "%", "WHO 2011; BTS 2017")


def interpret_temperature(
    celsius: float, *, thresholds: TemperatureThresholds = TEMPERATURE_DEFAULT
) -> Interpretation:
    """Body temperature category: hypothermia, low, normal, raised, fever, hyperpyrexia.

    Defaults: < 32 degC emergency, < 35 hypothermia, 35.0-36.0 a little low,
    36.1-37.2 normal, 37.3-37.9 slightly raised, 38.0-39.4 fever, 39.5-40.9 high
    fever, >= 41 emergency (sources in :mod:`vitals.ranges`).

    Args:
        celsius: body temperature, degC (25-45).
        thresholds: the cut-offs (e.g. ``fever=37.8`` for frail older people).

    Raises:
        ValueError: ``celsius`` out of range.
    """
    value = _check("temperature", celsius, 25, 45, "degC", 1)
    t = thresholds
    bounds = (
        (t.hyperpyrexia, "temp.hyperpyrexia"),
        (t.high_fever, "temp.high_fever"),
        (t.fever, "temp.fever"),
        (t.raised, "temp.raised"),
        (t.normal, "temp.normal"),
        (t.hypothermia, "temp.low"),
        (t.severe_hypothermia, "temp.hypothermia"),
    )
    code = next((c for bound, c in bounds if value >= bound), "temp.severe_hypothermia")
    return _result(code, (value,), "Cel", "Brown 2012; Mackowiak 1992")


def interpret_heart_rate(
    rate: float,
    *,
    symptoms: bool = False,
    thresholds: HeartRateThresholds = HEART_RATE_DEFAULT,
) -> Interpretation:
    """Resting heart rate category (ACC/AHA/HRS 2018 bradycardia, 2015 SVT guidelines).

    Defaults: < 40 /min markedly slow and 40-49 slow; 50-100 normal; 101-129 fast
    and >= 130 markedly fast. A marked category with ``symptoms`` is an
    emergency; without, the sentence advises 115 should warning signs come.

    Args:
        rate: heart rate at rest, /min (20-300).
        symptoms: the resident reports dizziness, fainting, chest pain or
            breathlessness.
        thresholds: the cut-offs.

    Raises:
        ValueError: ``rate`` out of range.
    """
    value = _check("heart rate", rate, 20, 300, "/min", 0)
    t = thresholds
    if value < t.marked_bradycardia or value >= t.marked_tachycardia:
        slow = value < t.marked_bradycardia
        code = "hr.emergency" if symptoms else (
            "hr.marked_bradycardia" if slow else "hr.marked_tachycardia"
        )  # fmt: skip
    elif value < t.bradycardia:
        code = "hr.bradycardia"
    elif value > t.tachycardia:
        code = "hr.tachycardia"
    else:
        code = "hr.normal"
    return _result(code, (value,), "/min", "ACC/AHA/HRS 2018; 2015")


def body_mass_index(weight_kg: float, height_cm: float) -> float:
    """Body-mass index, kg/m2, of a weight (kg, 10-400) and a height (cm, 50-250).

    Raises:
        ValueError: weight or height out of range.
    """
    weight = _check("weight", weight_kg, 10, 400, "kg")
    height = _check("height", height_cm, 50, 250, "cm") / 100.0
    return weight / (height * height)


def interpret_bmi(
    weight_kg: float, height_cm: float, *, thresholds: BmiThresholds = BMI_ASIAN
) -> Interpretation:
    """Body-mass index category with the Asian cut-offs used in Viet Nam.

    < 16 severe thinness, < 18.5 underweight, 18.5-22.9 normal, 23-24.9
    overweight (at risk), 25-29.9 obese I, >= 30 obese II (WHO WPRO/IASO/IOTF 2000;
    WHO Expert Consultation, Lancet 2004). ``values`` holds the BMI, kg/m2.

    Args:
        weight_kg: body weight, kg (10-400).
        height_cm: standing height, cm (50-250).
        thresholds: the cut-offs (:data:`vitals.ranges.BMI_INTERNATIONAL` for WHO's
            international table).

    Raises:
        ValueError: weight, height or the BMI (10-80 kg/m2) out of range.
    """
    bmi = _check("BMI", body_mass_index(weight_kg, height_cm), 10, 80, "kg/m2", 1)
    t = thresholds
    bounds = (
        (t.obese_2, "bmi.obese_2"),
        (t.obese_1, "bmi.obese_1"),
        (t.overweight, "bmi.overweight"),
        (t.underweight, "bmi.normal"),
        (t.severe_thinness, "bmi.underweight"),
    )
    code = next((c for bound, c in bounds if bmi >= bound), "bmi.severe_thinness")
    return _result(code, (bmi,), "kg/m2", "WHO WPRO 2000; WHO Lancet 2004")


def interpret_glucose(
    value: float,
    *,
    fasting: bool,
    unit: GlucoseUnit = "mmol/L",
    symptoms: bool = False,
    thresholds: GlucoseThresholds = GLUCOSE_ADA_2024,
) -> Interpretation:
    """Plasma glucose category, fasting or random (ADA Standards of Care 2024).

    Fasting: < 3.0 mmol/L (54 mg/dL) an emergency, < 3.9 (70) low, 3.9-5.5 normal,
    5.6-6.9 (100-125) impaired, >= 7.0 (126) diabetes range. Random: 3.9-7.7
    normal, 7.8-11.0 raised, >= 11.1 (200) diabetes range. Both: >= 16.7 (300) a
    doctor now, >= 33.3 (600) an emergency. With ``symptoms``, low glucose is an
    emergency, and so is >= 16.7.

    Args:
        value: plasma glucose in ``unit``: 1-50 mmol/L or 18-900 mg/dL.
        fasting: taken after at least 8 hours without food; else random.
        unit: ``"mmol/L"`` or ``"mg/dL"`` (compared against the table in that unit).
        symptoms: the resident is drowsy, confused, vomiting or breathing fast.
        thresholds: the cut-offs.

    Raises:
        ValueError: an unknown unit or a value out of range.
    """
    if unit not in ("mmol/L", "mg/dL"):
        raise ValueError(f"unit must be 'mmol/L' or 'mg/dL', not {unit!r}")
    column = 0 if unit == "mmol/L" else 1
    low, high = (1.0, 50.0) if column == 0 else (18.0, 900.0)
    x = _check("glucose", value, low, high, unit, 1 - column)
    t = {f.name: getattr(thresholds, f.name)[column] for f in fields(thresholds)}
    if x < t["hypo"]:
        code = "glucose.severe_hypo" if symptoms or x < t["severe_hypo"] else "glucose.hypo"
    elif x >= t["crisis"] or (symptoms and x >= t["very_high"]):
        code = "glucose.crisis"
    elif x >= t["very_high"]:
        code = "glucose.very_high"
    elif fasting:
        code = (
            "glucose.diabetes_fasting" if x >= t["diabetes_fasting"]
            else "glucose.impaired_fasting" if x >= t["impaired_fasting"]
            else "glucose.normal"
        )  # fmt: skip
    else:
        code = (
            "glucose.diabetes_random" if x >= t["diabetes_random"]
            else "glucose.raised_random" if x >= t["raised_random"]
            else "glucose.normal"
        )  # fmt: skip
    return _result(code, (x,), unit, "ADA 2024")
