"""Clinical cut-offs for the cabin's measurements, with their sources.

Each table is a frozen dataclass of lower bounds, so a clinic can pass its own
(for example lower SpO2 targets for a resident with chronic lung disease). A
guideline range written "a-b" holds values from ``a`` up to, but not including,
the next category's lower bound: office blood pressure "120-129" is
``120 <= systolic < 130``, body temperature "36.1-37.2" is ``36.1 <= t < 37.3``.

Sources (read by the authors of this module; a clinician should confirm them
before the station is used with residents):

* Blood pressure: G. Mancia, R. Kreutz, M. Brunström et al., "2023 ESH Guidelines
  for the management of arterial hypertension", J. Hypertens. 41(12):1874-2071,
  2023: office BP categories (optimal, normal, high normal, grades 1-3, isolated
  systolic hypertension graded by systolic BP). Hypertensive emergency there is
  severe BP (usually grade 3) with acute organ damage; the cabin cannot see organ
  damage, so symptoms the resident reports stand in for it. The ">= 180 and/or
  >= 120 mmHg" crisis line of ACC/AHA (P. K. Whelton et al., Hypertension
  71:e13-e115, 2018) lies within ESH grade 3. Low BP: systolic < 90 or diastolic
  < 60 mmHg, the conventional definition of hypotension.
* SpO2: WHO Pulse Oximetry Training Manual, 2011 (95-100 % normal; 94 % or less
  needs assessment; below 90 % a clinical emergency); B. R. O'Driscoll et al., "BTS
  guideline for oxygen use in adults in healthcare and emergency settings",
  Thorax 72(Suppl 1):ii1-ii90, 2017 (target 94-98 % for most adults, 88-92 % for
  those at risk of hypercapnic respiratory failure, e.g. COPD).
* Body temperature: hypothermia < 35 degC, moderate below 32 degC (D. J. A. Brown
  et al., "Accidental hypothermia", N. Engl. J. Med. 367:1930-1938, 2012); the
  normal 36.1-37.2 degC and fever >= 38.0 degC are the usual clinical cut-offs
  (mean oral temperature of healthy adults 36.8 +- 0.4 degC: P. A. Mackowiak,
  S. S. Wasserman and M. M. Levine, JAMA 268:1578-1580, 1992); high fever >= 39.5
  and hyperpyrexia >= 41 degC follow the product's clinical brief. For frail older
  people a lower fever line (oral > 37.8 degC) is advised by K. P. High et al.,
  Clin. Infect. Dis. 48:149-171, 2009: pass ``TemperatureThresholds(fever=37.8)``.
* Heart rate at rest: sinus bradycardia < 50 /min (F. M. Kusumoto et al., "2018
  ACC/AHA/HRS guideline on the evaluation and management of patients with
  bradycardia", Circulation 140:e382-e482, 2019); tachycardia > 100 /min
  (R. L. Page et al., "2015 ACC/AHA/HRS guideline for the management of adult
  patients with supraventricular tachycardia", Circulation 133:e506-e574, 2016).
  The marked lines < 40 and >= 130 /min are this module's choice, per the brief.
* BMI: the Asian cut-offs 18.5, 23 ("at risk"), 25 (obese I) and 30 (obese II)
  of WHO Western Pacific Region, IASO and IOTF, "The Asia-Pacific perspective:
  redefining obesity and its treatment", 2000, used in Viet Nam; the WHO Expert
  Consultation, "Appropriate body-mass index for Asian populations and its
  implications for policy and intervention strategies", Lancet 363:157-163, 2004,
  kept the international classification and added the public-health action points
  23, 27.5, 32.5 and 37.5 for Asian populations. Severe thinness < 16 is from the
  WHO international classification.
* Glucose: American Diabetes Association, "Standards of Care in Diabetes-2024",
  Diabetes Care 47(Suppl 1), 2024: section 2 (fasting < 5.6 mmol/L normal, 5.6-6.9
  impaired fasting glucose, >= 7.0 diabetes range; random >= 11.1 with symptoms
  diabetes) and section 6 (hypoglycaemia level 1 < 3.9, level 2 < 3.0 mmol/L).
  Hyperosmolar hyperglycaemic state at >= 33.3 mmol/L (600 mg/dL): G. E.
  Umpierrez et al., "Hyperglycemic crises in adults with diabetes: a consensus
  report", Diabetes Care 47:1257-1275, 2024. The random "raised" line 7.8 mmol/L
  borrows the 2-hour OGTT normal limit; the 16.7 mmol/L (300 mg/dL) line to call
  a doctor is the usual sick-day advice, this module's choice.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = [
    "BMI_ASIAN",
    "BMI_INTERNATIONAL",
    "BP_ESH_2023",
    "GLUCOSE_ADA_2024",
    "HEART_RATE_DEFAULT",
    "SPO2_DEFAULT",
    "SPO2_HYPERCAPNIC_RISK",
    "TEMPERATURE_DEFAULT",
    "BloodPressureThresholds",
    "BmiThresholds",
    "GlucoseThresholds",
    "HeartRateThresholds",
    "Spo2Thresholds",
    "TemperatureThresholds",
]


def _check_increasing(
    table: DataclassInstance, names: tuple[str, ...] = (), unit: int | None = None
) -> None:
    """Raise unless ``names`` (all fields by default) increase; ``unit`` indexes pairs."""
    names = names or tuple(f.name for f in fields(table))
    values = [getattr(table, n) if unit is None else getattr(table, n)[unit] for n in names]
    if any(b <= a for a, b in itertools.pairwise(values)):
        raise ValueError(f"{type(table).__name__}: {', '.join(names)} must increase")


@dataclass(frozen=True, slots=True)
class BloodPressureThresholds:
    """Office blood pressure cut-offs, mmHg (ESH 2023; lower bounds of each category).

    Attributes:
        low_systolic: systolic below this is low BP.
        low_diastolic: diastolic below this is low BP.
        normal_systolic / normal_diastolic: "normal" starts here (below: optimal).
        high_normal_systolic / high_normal_diastolic: "high normal" starts here.
        grade_1_systolic / grade_1_diastolic: hypertension grade 1 starts here.
        grade_2_systolic / grade_2_diastolic: grade 2 starts here.
        grade_3_systolic / grade_3_diastolic: grade 3 starts here.
    """

    low_systolic: float = 90.0
    low_diastolic: float = 60.0
    normal_systolic: float = 120.0
    normal_diastolic: float = 80.0
    high_normal_systolic: float = 130.0
    high_normal_diastolic: float = 85.0
    grade_1_systolic: float = 140.0
    grade_1_diastolic: float = 90.0
    grade_2_systolic: float = 160.0
    grade_2_diastolic: float = 100.0
    grade_3_systolic: float = 180.0
    grade_3_diastolic: float = 110.0

    def __post_init__(self) -> None:
        for side in ("systolic", "diastolic"):
            names = ("low", "normal", "high_normal", "grade_1", "grade_2", "grade_3")
            _check_increasing(self, tuple(f"{name}_{side}" for name in names))


BP_ESH_2023 = BloodPressureThresholds()
"""The 2023 ESH office categories."""


@dataclass(frozen=True, slots=True)
class Spo2Thresholds:
    """SpO2 cut-offs, % (lower bounds).

    Attributes:
        normal: from here up is normal.
        attention: from here up to ``normal`` is "a little low" (watch, re-measure);
            below it, see a doctor.
        emergency: below this is an emergency.
    """

    normal: float = 95.0
    attention: float = 92.0
    emergency: float = 90.0

    def __post_init__(self) -> None:
        if not 50 <= self.emergency <= self.attention <= self.normal <= 100:
            raise ValueError("need 50 <= emergency <= attention <= normal <= 100 %")


SPO2_DEFAULT = Spo2Thresholds()
"""Adults without chronic lung disease (WHO 2011; BTS 2017 target 94-98 %)."""

SPO2_HYPERCAPNIC_RISK = Spo2Thresholds(normal=92.0, attention=88.0, emergency=85.0)
"""Residents at risk of hypercapnic respiratory failure (e.g. COPD), whose BTS 2017
target is 88-92 %: 88-91 % is watched rather than escalated. The 85 % emergency line
is this module's choice; the resident's own doctor should set these."""


@dataclass(frozen=True, slots=True)
class TemperatureThresholds:
    """Body temperature cut-offs, degC (lower bounds).

    Attributes:
        hypothermia: below this is hypothermia (see a doctor).
        severe_hypothermia: below this is an emergency.
        normal: from here is normal (below, down to ``hypothermia``: a little low).
        raised: from here is slightly raised.
        fever: from here is fever.
        high_fever: from here is high fever.
        hyperpyrexia: from here is an emergency.
    """

    severe_hypothermia: float = 32.0
    hypothermia: float = 35.0
    normal: float = 36.1
    raised: float = 37.3
    fever: float = 38.0
    high_fever: float = 39.5
    hyperpyrexia: float = 41.0

    def __post_init__(self) -> None:
        _check_increasing(self)


TEMPERATURE_DEFAULT = TemperatureThresholds()
"""Hypothermia < 35, normal 36.1-37.2, fever >= 38, high >= 39.5, hyperpyrexia >= 41 degC."""


@dataclass(frozen=True, slots=True)
class HeartRateThresholds:
    """Resting heart rate cut-offs, /min.

    Attributes:
        marked_bradycardia: below this is marked bradycardia (see a doctor).
        bradycardia: below this is bradycardia.
        tachycardia: above this is tachycardia.
        marked_tachycardia: from here is marked tachycardia (see a doctor).
    """

    marked_bradycardia: float = 40.0
    bradycardia: float = 50.0
    tachycardia: float = 100.0
    marked_tachycardia: float = 130.0

    def __post_init__(self) -> None:
        _check_increasing(self)


HEART_RATE_DEFAULT = HeartRateThresholds()
"""Bradycardia < 50 (marked < 40), tachycardia > 100 (marked >= 130) /min."""


@dataclass(frozen=True, slots=True)
class BmiThresholds:
    """Body-mass index cut-offs, kg/m2 (lower bounds).

    Attributes:
        underweight: below this is underweight (down to ``severe_thinness``).
        severe_thinness: below this is severe thinness (see a doctor).
        overweight: from here is overweight ("at risk" in the Asian table).
        obese_1: from here is obesity class I.
        obese_2: from here is obesity class II.
    """

    severe_thinness: float = 16.0
    underweight: float = 18.5
    overweight: float = 23.0
    obese_1: float = 25.0
    obese_2: float = 30.0

    def __post_init__(self) -> None:
        _check_increasing(self)


BMI_ASIAN = BmiThresholds()
"""The Asia-Pacific cut-offs (WHO WPRO/IASO/IOTF 2000; WHO Expert Consultation,
Lancet 2004), as used in Viet Nam."""

BMI_INTERNATIONAL = BmiThresholds(overweight=25.0, obese_1=30.0, obese_2=35.0)
"""The WHO international classification (pre-obese 25, obese I 30, obese II 35)."""


@dataclass(frozen=True, slots=True)
class GlucoseThresholds:
    """Plasma glucose cut-offs as (mmol/L, mg/dL) pairs, as ADA publishes both.

    The pairs are compared in the unit of the reading, so 126 mg/dL is in the
    diabetes range although it converts to 6.99 mmol/L.

    Attributes:
        severe_hypo: below this is level 2 hypoglycaemia (emergency).
        hypo: below this is level 1 hypoglycaemia.
        impaired_fasting: fasting from here is impaired fasting glucose.
        diabetes_fasting: fasting from here is in the diabetes range.
        raised_random: random from here is raised.
        diabetes_random: random from here is in the diabetes range.
        very_high: from here, call a doctor now.
        crisis: from here (hyperosmolar range) is an emergency.
    """

    severe_hypo: tuple[float, float] = (3.0, 54.0)
    hypo: tuple[float, float] = (3.9, 70.0)
    impaired_fasting: tuple[float, float] = (5.6, 100.0)
    diabetes_fasting: tuple[float, float] = (7.0, 126.0)
    raised_random: tuple[float, float] = (7.8, 140.0)
    diabetes_random: tuple[float, float] = (11.1, 200.0)
    very_high: tuple[float, float] = (16.7, 300.0)
    crisis: tuple[float, float] = (33.3, 600.0)

    def __post_init__(self) -> None:
        for unit in (0, 1):
            for chain in (
                ("severe_hypo", "hypo", "impaired_fasting", "diabetes_fasting", "very_high"),
                ("severe_hypo", "hypo", "raised_random", "diabetes_random", "very_high"),
                ("very_high", "crisis"),
            ):
                _check_increasing(self, chain, unit)


GLUCOSE_ADA_2024 = GlucoseThresholds()
"""ADA Standards of Care 2024 cut-offs, with the crisis and call-a-doctor lines."""
