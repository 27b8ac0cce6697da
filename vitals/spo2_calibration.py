"""Calibration curves from the ratio of ratios R to SpO2, one per sensor model.

A pulse oximeter does not measure SpO2: it measures R = (AC_red/DC_red)/(AC_ir/DC_ir)
and reads SpO2 off an empirical curve fitted against arterial (or reference-oximeter)
saturation in desaturation studies on volunteers. The curve depends on the LEDs'
wavelengths, the photodiode and the optical path, so each sensor model needs its own.
The textbook line SpO2 = 110 - 25 R (J. G. Webster (ed.), "Design of Pulse Oximeters",
IOP Publishing, 1997, ch. 9) is a starting point, not a calibration. ISO 80601-2-61:2017
asks for an accuracy (Arms) of 4 % or better over 70-100 % SpO2 against a reference.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "CALIBRATIONS",
    "DEFAULT_CALIBRATION",
    "Calibration",
    "fit_calibration",
    "get_calibration",
]

#: The lowest SpO2 (%) down to which a curve must fall monotonically with R (the floor of
#: the range ISO 80601-2-61 asks accuracy for).
SPO2_FLOOR = 70.0


@dataclass(frozen=True, slots=True)
class Calibration:
    """A curve from the ratio of ratios R to SpO2: SpO2 = a - b R + c R^2.

    Attributes:
        name: the sensor model or fit it belongs to, e.g. ``"maxm86161-fitted"``.
        a: intercept, %.
        b: slope, % per unit of R (positive: SpO2 falls as R rises).
        c: quadratic term, % per unit of R squared (0 for a line).
        source: where the numbers come from.
    """

    name: str
    a: float
    b: float
    c: float = 0.0
    source: str = ""

    def __post_init__(self) -> None:
        if not all(math.isfinite(v) for v in (self.a, self.b, self.c)):
            raise ValueError("calibration coefficients must be finite")
        # dSpO2/dR = -b + 2cR < 0 for R >= 0 down to a reading of 70 %: a turning point
        # (c > 0) may only come below that, and R beyond it is not read (r_max).
        if self.b <= 0 or (self.c > 0 and self.spo2(self.r_max) > SPO2_FLOOR):
            raise ValueError("SpO2 must fall as R rises, down to 70 %")

    @property
    def r_max(self) -> float:
        """The largest R the curve reads (its turning point), dimensionless; inf for a line."""
        return self.b / (2 * self.c) if self.c > 0 else math.inf

    def spo2(self, r: float) -> float:
        """SpO2 in % for a ratio of ratios ``r`` (dimensionless), unclamped."""
        return self.a - self.b * r + self.c * r * r

    def ratio(self, spo2: float) -> float:
        """The ratio of ratios (dimensionless) that reads as ``spo2`` (%)."""
        if self.c == 0:
            return (self.a - spo2) / self.b
        # c R^2 - b R + (a - spo2) = 0: the root on the falling branch.
        disc = self.b * self.b - 4 * self.c * (self.a - spo2)
        if disc < 0:
            raise ValueError(f"{spo2} % is outside the curve")
        return (self.b - math.sqrt(disc)) / (2 * self.c)


def fit_calibration(
    ratios: ArrayLike,
    reference_spo2: ArrayLike,
    *,
    quadratic: bool = False,
    name: str = "fitted",
) -> Calibration:
    """Fit a calibration curve by ordinary least squares on SpO2.

    Args:
        ratios: measured ratios of ratios, dimensionless.
        reference_spo2: the reference saturation for each, %.
        quadratic: fit a - b R + c R^2 instead of a line.
        name: the name of the curve.

    Returns:
        The curve minimising the squared SpO2 error.

    Raises:
        ValueError: mismatched or non-finite inputs, too few points (3 for a line, 4 for
            a quadratic), no spread in R, or a fit where SpO2 does not fall with R down
            to 70 %.
    """
    r = np.asarray(ratios, dtype=np.float64)
    s = np.asarray(reference_spo2, dtype=np.float64)
    if r.ndim != 1 or r.shape != s.shape:
        raise ValueError("ratios and reference_spo2 must be 1-D and of the same length")
    if not (np.isfinite(r).all() and np.isfinite(s).all()):
        raise ValueError("ratios and reference_spo2 must be finite")
    degree = 2 if quadratic else 1
    if r.size < degree + 2 or np.ptp(r) == 0:
        raise ValueError(f"need at least {degree + 2} points with distinct ratios")
    coef = np.polynomial.polynomial.polyfit(r, s, degree)
    c = float(coef[2]) if quadratic else 0.0
    n = r.size
    return Calibration(name, float(coef[0]), -float(coef[1]), c, f"least squares on {n} points")


_GENERIC = Calibration(
    "generic-110-25", 110.0, 25.0, source="textbook empirical line (Webster 1997)"
)
# Fitted by benchmarks/spo2.py with fit_calibration on the 46 of the 58 OxiWear proto1
# test points that spo2_ratio (method "regression") accepts: MAXM86161 evaluation kit,
# finger, one subject, 70-98 % against a reference oximeter. Leave-one-out Arms 3.2 %.
# One subject and one sensor: a starting point for this part, not a validated calibration.
_MAXM86161 = Calibration(
    "maxm86161-fitted",
    110.25,
    32.50,
    source="least squares on 46 OxiWear proto1 points (one subject, 70-98 %)",
)

#: Curves by sensor model.
CALIBRATIONS: Mapping[str, Calibration] = MappingProxyType(
    {c.name: c for c in (_GENERIC, _MAXM86161)}
)
#: The curve used when none is named.
DEFAULT_CALIBRATION = _GENERIC.name


def get_calibration(calibration: str | Calibration) -> Calibration:
    """A curve by name from :data:`CALIBRATIONS`, or the curve itself.

    Raises:
        ValueError: an unknown name.
    """
    if isinstance(calibration, Calibration):
        return calibration
    try:
        return CALIBRATIONS[calibration]
    except KeyError:
        known = ", ".join(sorted(CALIBRATIONS))
        raise ValueError(f"unknown calibration {calibration!r}: use one of {known}") from None
