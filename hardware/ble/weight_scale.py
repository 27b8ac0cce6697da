"""Weight Scale Service (0x181D): Weight Measurement and Weight Scale Feature.

Layout of Weight Measurement (0x2A9D), little-endian (GATT Specification
Supplement; Weight Scale Service 1.0)::

    flags        uint8     WeightFlags
    weight       uint16    SI: 0.005 kg; imperial: 0.01 lb; 0xFFFF = measurement unsuccessful
    time stamp   7 bytes   Date Time, if TIME_STAMP
    user id      uint8     0xFF = unknown user, if USER_ID
    BMI          uint16    0.1 kg/m2, if BMI_AND_HEIGHT
    height       uint16    SI: 0.001 m; imperial: 0.1 in, if BMI_AND_HEIGHT

Weight Scale Feature (0x2A9E) is a uint32: WeightScaleSupport in bits 0..2,
the weight resolution in bits 3..6 and the height resolution in bits 7..9.

Quantities are :class:`~decimal.Decimal` counts of the resolution, so they
encode back exactly. Reserved flag bits are ignored, and bytes after the
announced fields too. The same units, resolutions and codes serve the Body
Composition Service (:mod:`hardware.ble.body_composition`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Self

from hardware.ble._codec import (
    OpenIntEnum,
    Reader,
    check_fixed,
    check_range,
    from_fixed,
    label,
    to_fixed,
    u8,
    u16,
    u32,
)
from hardware.ble.clock import DateTime
from hardware.ble.uuids import CharacteristicUuid

__all__ = [
    "HeightResolution",
    "MeasurementSystem",
    "WeightFlags",
    "WeightMeasurement",
    "WeightResolution",
    "WeightScaleFeature",
    "WeightScaleSupport",
]

MEASUREMENT_UNSUCCESSFUL = 0xFFFF
BMI_STEP = Decimal("0.1")


class MeasurementSystem(enum.Enum):
    """SI (kg, m) or imperial (lb, in): the units flag of the weight and body composition values."""

    SI = "SI"
    IMPERIAL = "imperial"

    @property
    def mass_unit(self) -> str:
        """UCUM unit of masses: ``kg`` or ``[lb_av]``."""
        return "kg" if self is MeasurementSystem.SI else "[lb_av]"

    @property
    def length_unit(self) -> str:
        """UCUM unit of heights: ``m`` or ``[in_i]``."""
        return "m" if self is MeasurementSystem.SI else "[in_i]"

    @property
    def mass_step(self) -> Decimal:
        """Resolution of a mass on the wire: 0.005 kg or 0.01 lb."""
        return Decimal("0.005") if self is MeasurementSystem.SI else Decimal("0.01")

    @property
    def length_step(self) -> Decimal:
        """Resolution of a height on the wire: 0.001 m or 0.1 in."""
        return Decimal("0.001") if self is MeasurementSystem.SI else Decimal("0.1")


class WeightFlags(enum.IntFlag):
    """The flags byte of 0x2A9D."""

    IMPERIAL = 0x01
    TIME_STAMP = 0x02
    USER_ID = 0x04
    BMI_AND_HEIGHT = 0x08


@dataclass(frozen=True, slots=True)
class WeightMeasurement:
    """Weight Measurement (0x2A9D): one weighing, indicated.

    Attributes:
        weight: in :attr:`weight_unit`, a multiple of 0.005 kg or 0.01 lb; None
            when the measurement was unsuccessful (0xFFFF on the wire).
        system: SI or imperial units.
        time_stamp: the device's wall-clock time of the weighing.
        user_id: the scale's user index, 0..254, or 255 for an unknown user.
        bmi: body mass index in ``kg/m2``, a multiple of 0.1; sent with ``height``.
        height: in :attr:`height_unit`, a multiple of 0.001 m or 0.1 in; sent with ``bmi``.
    """

    UUID: ClassVar[int] = CharacteristicUuid.WEIGHT_MEASUREMENT
    NAME: ClassVar[str] = "Weight Measurement"
    BMI_UNIT: ClassVar[str] = "kg/m2"

    weight: Decimal | None
    system: MeasurementSystem = MeasurementSystem.SI
    time_stamp: DateTime | None = None
    user_id: int | None = None
    bmi: Decimal | None = None
    height: Decimal | None = None

    def __post_init__(self) -> None:
        check_fixed("weight", self.weight, self.system.mass_step, 0xFFFE)
        check_range("user id", self.user_id, 0, 0xFF)
        check_fixed("BMI", self.bmi, BMI_STEP, 0xFFFF)
        check_fixed("height", self.height, self.system.length_step, 0xFFFF)
        if (self.bmi is None) != (self.height is None):
            raise ValueError("BMI and height travel together")

    @property
    def weight_unit(self) -> str:
        """``kg`` or ``[lb_av]``."""
        return self.system.mass_unit

    @property
    def height_unit(self) -> str:
        """``m`` or ``[in_i]``."""
        return self.system.length_unit

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        r = Reader(data, label(cls.NAME, cls.UUID))
        flags = WeightFlags(r.u8("flags") & 0x0F)
        system = (
            MeasurementSystem.IMPERIAL if flags & WeightFlags.IMPERIAL else MeasurementSystem.SI
        )
        raw = r.u16("weight")
        weight = None if raw == MEASUREMENT_UNSUCCESSFUL else from_fixed(raw, system.mass_step)
        time_stamp = user_id = bmi = height = None
        if flags & WeightFlags.TIME_STAMP:
            time_stamp = r.field("time stamp", DateTime.SIZE, DateTime.unpack)
        if flags & WeightFlags.USER_ID:
            user_id = r.u8("user id")
        if flags & WeightFlags.BMI_AND_HEIGHT:
            bmi = from_fixed(r.u16("BMI"), BMI_STEP)
            height = from_fixed(r.u16("height"), system.length_step)
        return r.build(cls, weight, system, time_stamp, user_id, bmi, height)

    def __bytes__(self) -> bytes:
        flags = WeightFlags(0)
        if self.system is MeasurementSystem.IMPERIAL:
            flags |= WeightFlags.IMPERIAL
        if self.weight is None:
            body = u16(MEASUREMENT_UNSUCCESSFUL)
        else:
            body = u16(to_fixed(self.weight, self.system.mass_step))
        if self.time_stamp is not None:
            flags |= WeightFlags.TIME_STAMP
            body += bytes(self.time_stamp)
        if self.user_id is not None:
            flags |= WeightFlags.USER_ID
            body += u8(self.user_id)
        if self.bmi is not None and self.height is not None:
            flags |= WeightFlags.BMI_AND_HEIGHT
            body += u16(to_fixed(self.bmi, BMI_STEP))
            body += u16(to_fixed(self.height, self.system.length_step))
        return u8(flags) + body


class WeightResolution(OpenIntEnum):
    """The weight resolution code of a feature characteristic (4 bits; 8..15 reserved)."""

    NOT_SPECIFIED = 0
    KG_0_5 = 1  # 0.5 kg or 1 lb
    KG_0_2 = 2  # 0.2 kg or 0.5 lb
    KG_0_1 = 3  # 0.1 kg or 0.2 lb
    KG_0_05 = 4  # 0.05 kg or 0.1 lb
    KG_0_02 = 5  # 0.02 kg or 0.05 lb
    KG_0_01 = 6  # 0.01 kg or 0.02 lb
    KG_0_005 = 7  # 0.005 kg or 0.01 lb

    @property
    def kg(self) -> Decimal | None:
        """The resolution in kg; None when not specified or reserved."""
        return _WEIGHT_STEPS.get(self.value, (None, None))[0]

    @property
    def lb(self) -> Decimal | None:
        """The resolution in lb; None when not specified or reserved."""
        return _WEIGHT_STEPS.get(self.value, (None, None))[1]


_WEIGHT_STEPS = {
    1: (Decimal("0.5"), Decimal("1")),
    2: (Decimal("0.2"), Decimal("0.5")),
    3: (Decimal("0.1"), Decimal("0.2")),
    4: (Decimal("0.05"), Decimal("0.1")),
    5: (Decimal("0.02"), Decimal("0.05")),
    6: (Decimal("0.01"), Decimal("0.02")),
    7: (Decimal("0.005"), Decimal("0.01")),
}


class HeightResolution(OpenIntEnum):
    """The height resolution code of a feature characteristic (3 bits; 4..7 reserved)."""

    NOT_SPECIFIED = 0
    M_0_01 = 1  # 0.01 m or 1 in
    M_0_005 = 2  # 0.005 m or 0.5 in
    M_0_001 = 3  # 0.001 m or 0.1 in

    @property
    def m(self) -> Decimal | None:
        """The resolution in metres; None when not specified or reserved."""
        return _HEIGHT_STEPS.get(self.value, (None, None))[0]

    @property
    def inch(self) -> Decimal | None:
        """The resolution in inches; None when not specified or reserved."""
        return _HEIGHT_STEPS.get(self.value, (None, None))[1]


_HEIGHT_STEPS = {
    1: (Decimal("0.01"), Decimal("1")),
    2: (Decimal("0.005"), Decimal("0.5")),
    3: (Decimal("0.001"), Decimal("0.1")),
}


class WeightScaleSupport(enum.IntFlag):
    """Weight Scale Feature bits 0..2 (bits 10..31 are reserved and kept as sent)."""

    NONE = 0
    TIME_STAMP = 0x01
    MULTIPLE_USERS = 0x02
    BMI = 0x04


def check_resolutions(supported: int, shift: int, weight: int, height: int) -> None:
    """Check a feature value whose resolutions sit in bits ``shift``..``shift + 6``."""
    check_range("features", supported, 0, 0xFFFFFFFF)
    if supported & (0x7F << shift):
        raise ValueError(f"bits {shift}..{shift + 6} hold the resolutions, not features")
    check_range("weight resolution", weight, 0, 0x0F)
    check_range("height resolution", height, 0, 0x07)


def read_resolutions(r: Reader, shift: int) -> tuple[int, WeightResolution, HeightResolution]:
    """A feature value (uint32): the feature bits, weight resolution and height resolution.

    The weight resolution sits in bits ``shift``..``shift + 3``, the height
    resolution in the three bits above it.
    """
    raw = r.u32("features")
    return (
        raw & ~(0x7F << shift) & 0xFFFFFFFF,
        WeightResolution((raw >> shift) & 0x0F),
        HeightResolution((raw >> (shift + 4)) & 0x07),
    )


def write_resolutions(supported: int, shift: int, weight: int, height: int) -> bytes:
    """The feature value :func:`read_resolutions` reads."""
    return u32(supported | weight << shift | height << (shift + 4))


@dataclass(frozen=True, slots=True)
class WeightScaleFeature:
    """Weight Scale Feature (0x2A9E): what the scale supports, and its resolutions.

    Attributes:
        supported: the supported features (no bits in 3..9).
        weight_resolution: the scale's weight resolution.
        height_resolution: the resolution of the height it reports.
    """

    UUID: ClassVar[int] = CharacteristicUuid.WEIGHT_SCALE_FEATURE
    NAME: ClassVar[str] = "Weight Scale Feature"

    supported: WeightScaleSupport
    weight_resolution: WeightResolution = WeightResolution.NOT_SPECIFIED
    height_resolution: HeightResolution = HeightResolution.NOT_SPECIFIED

    def __post_init__(self) -> None:
        check_resolutions(self.supported, 3, self.weight_resolution, self.height_resolution)

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        r = Reader(data, label(cls.NAME, cls.UUID))
        supported, weight, height = read_resolutions(r, 3)
        return cls(WeightScaleSupport(supported), weight, height)

    def __bytes__(self) -> bytes:
        return write_resolutions(self.supported, 3, self.weight_resolution, self.height_resolution)
