"""Body Composition Service (0x181B): Body Composition Measurement and Feature.

Layout of Body Composition Measurement (0x2A9C), little-endian (GATT
Specification Supplement; Body Composition Service 1.0)::

    flags                uint16   BodyCompositionFlags
    body fat percentage  uint16   0.1 %; 0xFFFF = measurement unsuccessful
    time stamp           7 bytes  Date Time, if TIME_STAMP
    user id              uint8    0xFF = unknown user, if USER_ID
    basal metabolism     uint16   kJ, if BASAL_METABOLISM
    muscle percentage    uint16   0.1 %, if MUSCLE_PERCENTAGE
    muscle mass          uint16   mass, if MUSCLE_MASS
    fat free mass        uint16   mass, if FAT_FREE_MASS
    soft lean mass       uint16   mass, if SOFT_LEAN_MASS
    body water mass      uint16   mass, if BODY_WATER_MASS
    impedance            uint16   0.1 ohm, if IMPEDANCE
    weight               uint16   mass, if WEIGHT
    height               uint16   length, if HEIGHT

Masses are 0.005 kg (SI) or 0.01 lb (imperial); lengths 0.001 m or 0.1 in.
A measurement too long for one notification is split in two, each with
MULTIPLE_PACKET set and its own subset of the optional fields; each packet
decodes on its own, with :attr:`BodyCompositionMeasurement.multiple_packet`
telling the collector to wait for the other. Reserved flag bits are ignored,
and bytes after the announced fields too.

Body Composition Feature (0x2A9B) is a uint32: BodyCompositionSupport in
bits 0..10, the weight resolution in bits 11..14, the height resolution in
bits 15..17 (codes of :mod:`hardware.ble.weight_scale`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Self

from hardware.ble._codec import (
    Reader,
    check_fixed,
    check_range,
    from_fixed,
    label,
    to_fixed,
    u8,
    u16,
)
from hardware.ble.clock import DateTime
from hardware.ble.uuids import CharacteristicUuid
from hardware.ble.weight_scale import (
    HeightResolution,
    MeasurementSystem,
    WeightResolution,
    check_resolutions,
    read_resolutions,
    write_resolutions,
)

__all__ = [
    "BodyCompositionFeature",
    "BodyCompositionFlags",
    "BodyCompositionMeasurement",
    "BodyCompositionSupport",
]

MEASUREMENT_UNSUCCESSFUL = 0xFFFF
PERCENT_STEP = Decimal("0.1")
IMPEDANCE_STEP = Decimal("0.1")


class BodyCompositionFlags(enum.IntFlag):
    """The flags (uint16) of 0x2A9C."""

    IMPERIAL = 1 << 0
    TIME_STAMP = 1 << 1
    USER_ID = 1 << 2
    BASAL_METABOLISM = 1 << 3
    MUSCLE_PERCENTAGE = 1 << 4
    MUSCLE_MASS = 1 << 5
    FAT_FREE_MASS = 1 << 6
    SOFT_LEAN_MASS = 1 << 7
    BODY_WATER_MASS = 1 << 8
    IMPEDANCE = 1 << 9
    WEIGHT = 1 << 10
    HEIGHT = 1 << 11
    MULTIPLE_PACKET = 1 << 12


_MASSES = (
    ("muscle_mass", BodyCompositionFlags.MUSCLE_MASS),
    ("fat_free_mass", BodyCompositionFlags.FAT_FREE_MASS),
    ("soft_lean_mass", BodyCompositionFlags.SOFT_LEAN_MASS),
    ("body_water_mass", BodyCompositionFlags.BODY_WATER_MASS),
)


@dataclass(frozen=True, slots=True)
class BodyCompositionMeasurement:
    """Body Composition Measurement (0x2A9C): one analysis, or one packet of it, indicated.

    Attributes:
        body_fat_percentage: in ``%``, a multiple of 0.1; None when the
            measurement was unsuccessful (0xFFFF on the wire).
        system: SI or imperial units for the masses and the height.
        time_stamp: the device's wall-clock time of the measurement.
        user_id: the scale's user index, 0..254, or 255 for an unknown user.
        basal_metabolism: in ``kJ``.
        muscle_percentage: in ``%``, a multiple of 0.1.
        muscle_mass: in :attr:`mass_unit`.
        fat_free_mass: in :attr:`mass_unit`.
        soft_lean_mass: in :attr:`mass_unit`.
        body_water_mass: in :attr:`mass_unit`.
        impedance: in ``Ohm``, a multiple of 0.1.
        weight: in :attr:`mass_unit`.
        height: in :attr:`height_unit`.
        multiple_packet: this is one of two packets of one measurement.
    """

    UUID: ClassVar[int] = CharacteristicUuid.BODY_COMPOSITION_MEASUREMENT
    NAME: ClassVar[str] = "Body Composition Measurement"
    PERCENT_UNIT: ClassVar[str] = "%"
    ENERGY_UNIT: ClassVar[str] = "kJ"
    IMPEDANCE_UNIT: ClassVar[str] = "Ohm"

    body_fat_percentage: Decimal | None
    system: MeasurementSystem = MeasurementSystem.SI
    time_stamp: DateTime | None = None
    user_id: int | None = None
    basal_metabolism: int | None = None
    muscle_percentage: Decimal | None = None
    muscle_mass: Decimal | None = None
    fat_free_mass: Decimal | None = None
    soft_lean_mass: Decimal | None = None
    body_water_mass: Decimal | None = None
    impedance: Decimal | None = None
    weight: Decimal | None = None
    height: Decimal | None = None
    multiple_packet: bool = False

    def __post_init__(self) -> None:
        mass = self.system.mass_step
        check_fixed("body fat percentage", self.body_fat_percentage, PERCENT_STEP, 0xFFFE)
        check_range("user id", self.user_id, 0, 0xFF)
        check_range("basal metabolism", self.basal_metabolism, 0, 0xFFFF)
        check_fixed("muscle percentage", self.muscle_percentage, PERCENT_STEP, 0xFFFF)
        for name, _ in _MASSES:
            check_fixed(name.replace("_", " "), getattr(self, name), mass, 0xFFFF)
        check_fixed("impedance", self.impedance, IMPEDANCE_STEP, 0xFFFF)
        check_fixed("weight", self.weight, mass, 0xFFFF)
        check_fixed("height", self.height, self.system.length_step, 0xFFFF)

    @property
    def mass_unit(self) -> str:
        """``kg`` or ``[lb_av]``."""
        return self.system.mass_unit

    @property
    def height_unit(self) -> str:
        """``m`` or ``[in_i]``."""
        return self.system.length_unit

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        r = Reader(data, label(cls.NAME, cls.UUID))
        flags = BodyCompositionFlags(r.u16("flags") & 0x1FFF)
        system = (
            MeasurementSystem.IMPERIAL
            if flags & BodyCompositionFlags.IMPERIAL
            else MeasurementSystem.SI
        )
        raw_fat = r.u16("body fat percentage")
        fat = None if raw_fat == MEASUREMENT_UNSUCCESSFUL else from_fixed(raw_fat, PERCENT_STEP)
        time_stamp = user_id = basal = muscle_pct = impedance = weight = height = None
        if flags & BodyCompositionFlags.TIME_STAMP:
            time_stamp = r.field("time stamp", DateTime.SIZE, DateTime.unpack)
        if flags & BodyCompositionFlags.USER_ID:
            user_id = r.u8("user id")
        if flags & BodyCompositionFlags.BASAL_METABOLISM:
            basal = r.u16("basal metabolism")
        if flags & BodyCompositionFlags.MUSCLE_PERCENTAGE:
            muscle_pct = from_fixed(r.u16("muscle percentage"), PERCENT_STEP)
        masses: dict[str, Decimal | None] = {}
        for name, flag in _MASSES:
            masses[name] = (
                from_fixed(r.u16(name.replace("_", " ")), system.mass_step)
                if flags & flag
                else None
            )
        if flags & BodyCompositionFlags.IMPEDANCE:
            impedance = from_fixed(r.u16("impedance"), IMPEDANCE_STEP)
        if flags & BodyCompositionFlags.WEIGHT:
            weight = from_fixed(r.u16("weight"), system.mass_step)
        if flags & BodyCompositionFlags.HEIGHT:
            height = from_fixed(r.u16("height"), system.length_step)
        return r.build(
            cls,
            fat,
            system,
            time_stamp,
            user_id,
            basal,
            muscle_pct,
            masses["muscle_mass"],
            masses["fat_free_mass"],
            masses["soft_lean_mass"],
            masses["body_water_mass"],
            impedance,
            weight,
            height,
            bool(flags & BodyCompositionFlags.MULTIPLE_PACKET),
        )

    def __bytes__(self) -> bytes:
        flags = BodyCompositionFlags(0)
        mass = self.system.mass_step
        if self.system is MeasurementSystem.IMPERIAL:
            flags |= BodyCompositionFlags.IMPERIAL
        fat = self.body_fat_percentage
        body = u16(MEASUREMENT_UNSUCCESSFUL if fat is None else to_fixed(fat, PERCENT_STEP))
        if self.time_stamp is not None:
            flags |= BodyCompositionFlags.TIME_STAMP
            body += bytes(self.time_stamp)
        if self.user_id is not None:
            flags |= BodyCompositionFlags.USER_ID
            body += u8(self.user_id)
        if self.basal_metabolism is not None:
            flags |= BodyCompositionFlags.BASAL_METABOLISM
            body += u16(self.basal_metabolism)
        fixed: list[tuple[Decimal | None, Decimal, BodyCompositionFlags]] = [
            (self.muscle_percentage, PERCENT_STEP, BodyCompositionFlags.MUSCLE_PERCENTAGE),
            *((getattr(self, name), mass, flag) for name, flag in _MASSES),
            (self.impedance, IMPEDANCE_STEP, BodyCompositionFlags.IMPEDANCE),
            (self.weight, mass, BodyCompositionFlags.WEIGHT),
            (self.height, self.system.length_step, BodyCompositionFlags.HEIGHT),
        ]
        for value, step, flag in fixed:
            if value is not None:
                flags |= flag
                body += u16(to_fixed(value, step))
        if self.multiple_packet:
            flags |= BodyCompositionFlags.MULTIPLE_PACKET
        return u16(flags) + body


class BodyCompositionSupport(enum.IntFlag):
    """Body Composition Feature bits 0..10 (bits 18..31 are reserved and kept as sent)."""

    NONE = 0
    TIME_STAMP = 1 << 0
    MULTIPLE_USERS = 1 << 1
    BASAL_METABOLISM = 1 << 2
    MUSCLE_PERCENTAGE = 1 << 3
    MUSCLE_MASS = 1 << 4
    FAT_FREE_MASS = 1 << 5
    SOFT_LEAN_MASS = 1 << 6
    BODY_WATER_MASS = 1 << 7
    IMPEDANCE = 1 << 8
    WEIGHT = 1 << 9
    HEIGHT = 1 << 10


@dataclass(frozen=True, slots=True)
class BodyCompositionFeature:
    """Body Composition Feature (0x2A9B): what the analyser reports, and its resolutions.

    Attributes:
        supported: the supported features (no bits in 11..17).
        weight_resolution: resolution of the weight it reports.
        height_resolution: resolution of the height it reports.
    """

    UUID: ClassVar[int] = CharacteristicUuid.BODY_COMPOSITION_FEATURE
    NAME: ClassVar[str] = "Body Composition Feature"

    supported: BodyCompositionSupport
    weight_resolution: WeightResolution = WeightResolution.NOT_SPECIFIED
    height_resolution: HeightResolution = HeightResolution.NOT_SPECIFIED

    def __post_init__(self) -> None:
        check_resolutions(self.supported, 11, self.weight_resolution, self.height_resolution)

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        r = Reader(data, label(cls.NAME, cls.UUID))
        supported, weight, height = read_resolutions(r, 11)
        return cls(BodyCompositionSupport(supported), weight, height)

    def __bytes__(self) -> bytes:
        return write_resolutions(self.supported, 11, self.weight_resolution, self.height_resolution)
