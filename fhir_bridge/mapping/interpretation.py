"""Observation.interpretation from the station's own clinical reading of a value.

:mod:`vitals.interpret` puts each value into a category (``"bp.grade_1"``...);
:data:`fhir_bridge.codes.INTERPRETATION` maps the category to a v3
ObservationInterpretation code (N, L, H, LL, HH or A). A value vitals refuses
(out of its physiological range: a device or typing error) gets no
interpretation rather than failing the visit.
"""

from __future__ import annotations

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding

from cabin.store.models import Measurement
from fhir_bridge.codes import INTERPRETATION, INTERPRETATION_DISPLAY, INTERPRETATION_SYSTEM
from vitals.interpret import (
    Interpretation,
    interpret_blood_pressure,
    interpret_bmi,
    interpret_glucose,
    interpret_heart_rate,
    interpret_spo2,
    interpret_temperature,
)

__all__ = ["interpret_measurement", "interpretation_concept"]

_BMI_HEIGHT_CM = 100.0  # at 1 m, body_mass_index(weight, height) is the weight itself


def interpret_measurement(measurement: Measurement) -> Interpretation | None:
    """What :mod:`vitals.interpret` makes of a stored measurement; None if nothing applies.

    Blood pressure, SpO2, pulse and heart rate, temperature, BMI and glucose are
    interpreted (glucose as fasting when the meter said so, else as random); weight,
    height and respiratory rate are not. Symptoms are never assumed.
    """
    values, unit, kind = measurement.values, measurement.unit, measurement.kind
    try:
        if kind == "blood_pressure" and unit == "mm[Hg]":
            return interpret_blood_pressure(values["systolic"], values["diastolic"])
        if kind == "spo2" and unit == "%":
            return interpret_spo2(values["spo2"])
        if kind in ("pulse_rate", "heart_rate") and unit == "/min":
            return interpret_heart_rate(values[kind])
        if kind == "temperature" and unit == "Cel":
            return interpret_temperature(values["temperature"])
        if kind == "bmi" and unit == "kg/m2":
            # vitals reads a BMI from weight and height; at 1 m they are the same number.
            return interpret_bmi(values["bmi"], _BMI_HEIGHT_CM)
        if kind == "glucose":
            fasting = "fasting" in measurement.flags
            if unit == "mmol/L":
                return interpret_glucose(values["glucose"], fasting=fasting, unit="mmol/L")
            if unit == "mg/dL":
                return interpret_glucose(values["glucose"], fasting=fasting, unit="mg/dL")
    except (KeyError, ValueError):
        return None
    return None


def interpretation_concept(interpretation: Interpretation) -> CodeableConcept:
    """The v3 ObservationInterpretation of a vitals category; the text names the
    category and its guideline (``"bp.grade_1 (ESH 2023)"``)."""
    code = INTERPRETATION[interpretation.code]
    return CodeableConcept(
        coding=[
            Coding(system=INTERPRETATION_SYSTEM, code=code, display=INTERPRETATION_DISPLAY[code])
        ],
        text=f"{interpretation.code} ({interpretation.guideline})",
    )
