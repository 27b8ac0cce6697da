"""Observations of the spot measurements, after the R4 vital-signs profiles and the PHD IG.

Each stored measurement becomes one Observation: status ``final``; its category;
``code`` with the LOINC code(s) the profile requires and the IEEE 11073 (MDC) code
the PHD IG requires, side by side; ``valueQuantity`` in UCUM; ``effectiveDateTime``
from the device's clock, else the time the station received it; ``subject``,
``encounter`` and ``device`` references; an identifier
``{station}/measurement|{visit id}-{row id}``; ``interpretation`` from
:mod:`vitals.interpret`. Vital signs claim their R4 profile in ``meta.profile``.

A blood pressure is the 85354-9 panel with systolic, diastolic and (when measured)
mean components. SpO2 carries both 2708-6 (the oxygensat profile's code) and
59408-5. Height is sent in cm (the bodyheight profile's unit; the BLE scale gives
m). Glucose is a ``laboratory`` Observation whose LOINC code matches its unit
(moles/volume for mmol/L, mass/volume for mg/dL) and the fasting context; the
meal context rides along as a component with its MDC code. Device conditions
(``irregular_pulse``, ``body_movement``...) are listed in a note.

Kinds with no code here (``body_fat``, ``impedance``...) give no Observation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from fhir.resources.R4B.annotation import Annotation
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.observation import Observation, ObservationComponent
from fhir.resources.R4B.quantity import Quantity

from cabin.store.models import Measurement
from fhir_bridge.codes import (
    BP_COMPONENTS,
    DEVICE_TYPES,
    GLUCOSE_CODES,
    GLUCOSE_MDC,
    GLUCOSE_MEAL,
    GLUCOSE_MEAL_CONTEXT,
    KINDS,
    PULSE_RATE_CUFF,
    Code,
)
from fhir_bridge.mapping._datatypes import category, concept, quantity, reference
from fhir_bridge.mapping.devices import device_type
from fhir_bridge.mapping.identifiers import VisitRefs, device_info, measurement_key
from fhir_bridge.mapping.interpretation import interpret_measurement, interpretation_concept
from fhir_bridge.record import VisitRecord

__all__ = ["convert", "observations_from_measurement"]

# (from, to) UCUM units -> factor; the same unit needs none.
_FACTORS: Mapping[tuple[str, str], float] = {("m", "cm"): 100.0, ("cm", "m"): 0.01}
_GLUCOSE_DECIMALS = {"mmol/L": 2, "mg/dL": 0}
_MEAL_FLAGS = frozenset(GLUCOSE_MEAL)


def convert(value: float, unit: str, to: str) -> float:
    """``value`` in UCUM ``unit`` expressed in ``to``.

    Raises:
        ValueError: no conversion between the two units is known.
    """
    if unit == to:
        return value
    factor = _FACTORS.get((unit, to))
    if factor is None:
        raise ValueError(f"cannot convert {unit!r} to {to!r}")
    return value * factor


def observations_from_measurement(
    measurement: Measurement, record: VisitRecord, refs: VisitRefs
) -> list[Observation]:
    """The Observations of one stored measurement (one, or none for an unmapped kind).

    Args:
        measurement: the measurement.
        record: the visit it belongs to (identifier namespaces, the device's kind).
        refs: the fullUrls of the visit's Patient, Encounter and Devices.

    Raises:
        ValueError: a mapped kind stored in a unit it cannot be sent in, or missing
            its value.
    """
    kind = measurement.kind
    if kind == "blood_pressure":
        return [_blood_pressure(measurement, record, refs)]
    if kind == "glucose":
        return [_glucose(measurement, record, refs)]
    if kind in KINDS:
        return [_vital(measurement, record, refs)]
    return []


def _value(measurement: Measurement, name: str) -> float:
    try:
        return measurement.values[name]
    except KeyError:
        raise ValueError(f"a {measurement.kind} measurement without its {name} value") from None


def _observation(
    measurement: Measurement,
    record: VisitRecord,
    refs: VisitRefs,
    *,
    codes: Sequence[Code],
    category_code: str,
    profile: str | None,
    value: Quantity | None = None,
    components: list[ObservationComponent] | None = None,
    consumed_flags: frozenset[str] = frozenset(),
) -> Observation:
    interpretation = interpret_measurement(measurement)
    flags = sorted(measurement.flags - consumed_flags)
    effective: datetime = measurement.device_time or measurement.received_at
    device = refs.devices.get(measurement.device_id) if measurement.device_id else None
    return Observation(
        meta=Meta(profile=[profile]) if profile else None,
        identifier=[measurement_key(record, measurement).identifier()],
        status="final",
        category=[category(category_code)],
        code=concept(*codes),
        subject=reference(refs.patient),
        encounter=reference(refs.encounter),
        effectiveDateTime=effective,
        valueQuantity=value,
        interpretation=[interpretation_concept(interpretation)] if interpretation else None,
        note=[Annotation(text=f"Reported with the measurement: {', '.join(flags)}")]
        if flags
        else None,
        device=reference(device) if device else None,
        component=components or None,
    )


def _vital(measurement: Measurement, record: VisitRecord, refs: VisitRefs) -> Observation:
    codes = KINDS[measurement.kind]
    mdc = codes.mdc
    if measurement.kind == "pulse_rate" and _from_cuff(measurement, record):
        mdc = PULSE_RATE_CUFF
    value = convert(_value(measurement, measurement.kind), measurement.unit, codes.unit)
    return _observation(
        measurement,
        record,
        refs,
        codes=(*codes.loinc, mdc),
        category_code=codes.category,
        profile=codes.profile,
        value=quantity(value, codes.unit, codes.decimals),
    )


def _from_cuff(measurement: Measurement, record: VisitRecord) -> bool:
    """Whether a pulse rate came from a blood-pressure cuff (else an oximeter)."""
    if measurement.device_id is None:
        return False
    measured = {m.kind for m in record.measurements if m.device_id == measurement.device_id}
    info = device_info(record, measurement.device_id)
    return device_type(info, measured) == DEVICE_TYPES["blood_pressure"]


def _blood_pressure(measurement: Measurement, record: VisitRecord, refs: VisitRefs) -> Observation:
    codes = KINDS["blood_pressure"]
    components = [
        ObservationComponent(
            code=concept(*BP_COMPONENTS[name]),
            valueQuantity=quantity(
                convert(measurement.values[name], measurement.unit, codes.unit),
                codes.unit,
                codes.decimals,
            ),
        )
        for name in BP_COMPONENTS
        if name in measurement.values
    ]
    complete = "systolic" in measurement.values and "diastolic" in measurement.values
    return _observation(
        measurement,
        record,
        refs,
        codes=(*codes.loinc, codes.mdc),
        category_code=codes.category,
        profile=codes.profile if complete else None,
        components=components,
    )


def _glucose(measurement: Measurement, record: VisitRecord, refs: VisitRefs) -> Observation:
    unit = measurement.unit
    if unit not in _GLUCOSE_DECIMALS:
        raise ValueError(f"glucose must be in mmol/L or mg/dL, not {unit!r}")
    flags = measurement.flags
    fasting = "fasting" in flags
    sample = (
        "plasma"
        if any(f.startswith("sample_") and f.endswith("_plasma") for f in flags)
        else "whole_blood"
    )
    meals = sorted(flags & _MEAL_FLAGS)
    components = []
    if meals:
        meal_code, text = GLUCOSE_MEAL[meals[0]]
        components.append(
            ObservationComponent(
                code=concept(GLUCOSE_MEAL_CONTEXT),
                valueCodeableConcept=concept(meal_code, text=text)
                if meal_code
                else CodeableConcept(text=text),
            )
        )
    return _observation(
        measurement,
        record,
        refs,
        codes=(GLUCOSE_CODES[unit, fasting], GLUCOSE_MDC[sample]),
        category_code="laboratory",
        profile=None,
        value=quantity(_value(measurement, "glucose"), unit, _GLUCOSE_DECIMALS[unit]),
        components=components,
        consumed_flags=frozenset(meals),
    )
