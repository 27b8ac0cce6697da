"""Small builders of FHIR R4B data types shared by the mapping modules."""

from __future__ import annotations

import math
from decimal import Decimal

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.quantity import Quantity
from fhir.resources.R4B.reference import Reference

from fhir_bridge.codes import CATEGORY_DISPLAY, OBSERVATION_CATEGORY, UCUM, Code


def coding(code: Code) -> Coding:
    return Coding(system=code.system, code=code.code, display=code.display)


def concept(*codes: Code, text: str | None = None) -> CodeableConcept:
    return CodeableConcept(coding=[coding(c) for c in codes], text=text)


def category(code: str) -> CodeableConcept:
    return CodeableConcept(
        coding=[Coding(system=OBSERVATION_CATEGORY, code=code, display=CATEGORY_DISPLAY[code])]
    )


def decimal(value: float, decimals: int) -> Decimal:
    """``value`` rounded to ``decimals`` places, as the exact decimal that prints that way."""
    if not math.isfinite(value):
        raise ValueError("a quantity must be a finite number")
    return Decimal(f"{value:.{decimals}f}")


def quantity(value: float, unit: str, decimals: int) -> Quantity:
    """A UCUM quantity; ``unit`` is the UCUM code, shown as the unit too."""
    return Quantity(value=decimal(value, decimals), unit=unit, system=UCUM, code=unit)


def reference(full_url: str) -> Reference:
    return Reference(reference=full_url)
