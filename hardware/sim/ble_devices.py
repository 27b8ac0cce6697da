"""Simulated BLE health instruments, one per profile, and the factory the monikers use.

Each instrument is a :class:`SimulatedBleDevice`: a
:class:`~hardware.sim.ble_peripheral.BlePeripheral` on a
:class:`~hardware.ble.bumble_backend.VirtualAir` exposing its profile's
service with the Bluetooth SIG's characteristics and properties, plus Device
Information (0x180A), Battery (0x180F) and Current Time (0x1805). Payloads are
the :mod:`hardware.ble` dataclasses' bytes. The real driver
(:class:`hardware.ble.driver.BleDriver`) reads them through bleak and the
bumble backend, exactly as it reads real instruments.

:func:`make_ble_device` builds one from a ``sim:`` moniker's kind and options,
e.g. ``sim:ble-bp,sbp=150,dbp=95,hr=70`` or ``sim:ble-glucose,glucose=5.4,records=3``.

Options of every kind:

=========  ==================================================  ==================
option     meaning                                             default
=========  ==================================================  ==================
name       advertised name                                     per kind
every      seconds between automatic measurements (0: none)    0
seed       random seed (overrides the ``seed`` argument)       the argument
vary       1: values vary a little; 0: exactly as given        1
battery    battery level, %                                    seeded, 60..100
=========  ==================================================  ==================

Options by kind:

===========  ==============================================================================
kind         options (defaults)
===========  ==============================================================================
ble-bp       sbp, dbp: mmHg (128, 82); hr: pulse, /min (72); irregular, movement: 1 sets
             that status bit (0); step: s between cuff pressures (0.1)
ble-hr       hr: /min (72); contact: 0 when the belt is off the skin (1)
ble-thermo   temp: degrees Celsius (36.8); site: armpit, body, ear, finger, mouth,
             rectum, toe, tympanum... (tympanum); step: s between intermediate values (0.1)
ble-plx      spo2: % (97); hr: pulse, /min (72); pi: pulse amplitude index, % (5.0);
             records: spot-checks stored before (0); step: s between continuous values (0.1)
ble-scale    kg: weight, kg (62); height: m (1.62); fat: body fat, % (24)
ble-glucose  glucose: mmol/L (5.4); meal: fasting, preprandial, postprandial, casual,
             bedtime or none (fasting); unit: mol (mol/L) or kg (kg/L) on the wire
             (mol); records: records stored before (0)
===========  ==============================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from hardware.ble.blood_pressure import BloodPressureStatus
from hardware.ble.bumble_backend import VirtualAir
from hardware.ble.glucose import GlucoseUnit, Meal
from hardware.ble.thermometer import TemperatureSite
from hardware.sim.ble_instrument import DeviceClock, DeviceOptions, SimulatedBleDevice
from hardware.sim.ble_meters import GlucoseMeter, GlucoseRecord, PulseOximeter
from hardware.sim.ble_monitors import BloodPressureMonitor, HeartRateBelt, Thermometer, WeightScale

__all__ = [
    "BLE_KINDS",
    "BloodPressureMonitor",
    "DeviceClock",
    "DeviceOptions",
    "GlucoseMeter",
    "GlucoseRecord",
    "HeartRateBelt",
    "PulseOximeter",
    "SimulatedBleDevice",
    "Thermometer",
    "WeightScale",
    "make_ble_device",
]

_E = TypeVar("_E", bound=Enum)
_T = TypeVar("_T")


class _Options:
    """A moniker's string options for one kind, read with their types."""

    def __init__(self, kind: str, raw: Mapping[str, str]) -> None:
        self.kind = kind
        self.raw = raw

    def _fail(self, key: str, what: str) -> ValueError:
        return ValueError(f"{self.kind} option {key} must be {what}")

    def _read(self, key: str, default: _T, convert: Callable[[str], _T], what: str) -> _T:
        """``convert`` of the option's text, ``default`` when it is not given."""
        text = self.raw.get(key)
        if text is None:
            return default
        try:
            return convert(text)
        except (ValueError, KeyError):
            raise self._fail(key, what) from None

    def number(self, key: str, default: float) -> float:
        value = self._read(key, default, float, "a number")
        if value != value or value in (float("inf"), float("-inf")):
            raise self._fail(key, "a finite number")
        return value

    def integer(self, key: str, default: int) -> int:
        return self._read(key, default, int, "a whole number")

    def flag(self, key: str, default: bool) -> bool:
        return self._read(key, default, {"0": False, "1": True}.__getitem__, "0 or 1")

    def choice(self, key: str, choices: Mapping[str, _E | None], default: _E | None) -> _E | None:
        what = "one of " + ", ".join(sorted(choices))
        return self._read(key, default, lambda text: choices[text.lower()], what)


def _bp(air: VirtualAir, o: _Options, common: DeviceOptions) -> SimulatedBleDevice:
    status = BloodPressureStatus.NONE
    if o.flag("irregular", False):
        status |= BloodPressureStatus.IRREGULAR_PULSE
    if o.flag("movement", False):
        status |= BloodPressureStatus.BODY_MOVEMENT
    return BloodPressureMonitor(
        air,
        systolic=o.number("sbp", 128.0),
        diastolic=o.number("dbp", 82.0),
        pulse_rate=o.number("hr", 72.0),
        status=status,
        step_s=o.number("step", 0.1),
        **common,
    )


def _hr(air: VirtualAir, o: _Options, common: DeviceOptions) -> SimulatedBleDevice:
    return HeartRateBelt(
        air, heart_rate=o.number("hr", 72.0), contact=o.flag("contact", True), **common
    )


_SITES: Mapping[str, TemperatureSite | None] = {s.name.lower(): s for s in TemperatureSite}


def _thermo(air: VirtualAir, o: _Options, common: DeviceOptions) -> SimulatedBleDevice:
    return Thermometer(
        air,
        temperature=o.number("temp", 36.8),
        site=o.choice("site", _SITES, TemperatureSite.TYMPANUM) or TemperatureSite.TYMPANUM,
        step_s=o.number("step", 0.1),
        **common,
    )


def _plx(air: VirtualAir, o: _Options, common: DeviceOptions) -> SimulatedBleDevice:
    return PulseOximeter(
        air,
        spo2=o.number("spo2", 97.0),
        pulse_rate=o.number("hr", 72.0),
        perfusion=o.number("pi", 5.0),
        stored=o.integer("records", 0),
        step_s=o.number("step", 0.1),
        **common,
    )


def _scale(air: VirtualAir, o: _Options, common: DeviceOptions) -> SimulatedBleDevice:
    return WeightScale(
        air,
        weight=o.number("kg", 62.0),
        height=o.number("height", 1.62),
        body_fat=o.number("fat", 24.0),
        **common,
    )


_MEALS: Mapping[str, Meal | None] = {"none": None} | {m.name.lower(): m for m in Meal}
_UNITS: Mapping[str, GlucoseUnit | None] = {
    "mol": GlucoseUnit.MOL_PER_L,
    "kg": GlucoseUnit.KG_PER_L,
}


def _glucose(air: VirtualAir, o: _Options, common: DeviceOptions) -> SimulatedBleDevice:
    return GlucoseMeter(
        air,
        glucose=o.number("glucose", 5.4),
        meal=o.choice("meal", _MEALS, Meal.FASTING),
        unit=o.choice("unit", _UNITS, GlucoseUnit.MOL_PER_L) or GlucoseUnit.MOL_PER_L,
        stored=o.integer("records", 0),
        **common,
    )


@dataclass(frozen=True, slots=True)
class _Kind:
    options: frozenset[str]
    build: Callable[[VirtualAir, _Options, DeviceOptions], SimulatedBleDevice]


_COMMON_OPTIONS = frozenset({"name", "every", "seed", "vary", "battery"})
_KINDS: Mapping[str, _Kind] = {
    "ble-bp": _Kind(frozenset({"sbp", "dbp", "hr", "irregular", "movement", "step"}), _bp),
    "ble-glucose": _Kind(frozenset({"glucose", "meal", "unit", "records"}), _glucose),
    "ble-hr": _Kind(frozenset({"hr", "contact"}), _hr),
    "ble-plx": _Kind(frozenset({"spo2", "hr", "pi", "records", "step"}), _plx),
    "ble-scale": _Kind(frozenset({"kg", "height", "fat"}), _scale),
    "ble-thermo": _Kind(frozenset({"temp", "site", "step"}), _thermo),
}

#: The kinds ``sim:ble-*`` monikers can name.
BLE_KINDS: tuple[str, ...] = tuple(sorted(_KINDS))


def make_ble_device(
    air: VirtualAir, kind: str, options: Mapping[str, str], seed: int = 1
) -> SimulatedBleDevice:
    """Build the simulated instrument a ``sim:ble-*`` moniker names (not started yet).

    Args:
        air: the air it will join.
        kind: one of :data:`BLE_KINDS`.
        options: the moniker's options, as strings (see the module's docstring).
        seed: random seed, unless the options give one.

    Raises:
        ValueError: an unknown kind or option, or a value that is not a number,
            not one of the choices, or out of the instrument's range.
    """
    spec = _KINDS.get(kind)
    if spec is None:
        raise ValueError(f"no simulated BLE instrument {kind!r}; known: {', '.join(BLE_KINDS)}")
    unknown = sorted(set(options) - _COMMON_OPTIONS - spec.options)
    if unknown:
        raise ValueError(f"{kind} has no option {unknown[0]!r}")
    o = _Options(kind, options)
    name = options.get("name")
    if name is not None and not name.strip():
        raise ValueError(f"{kind} option name must not be empty")
    every = o.number("every", 0.0)
    if every < 0:
        raise ValueError(f"{kind} option every must not be negative")
    common = DeviceOptions(
        name=name,
        seed=o.integer("seed", seed),
        vary=o.flag("vary", True),
        battery=o.integer("battery", -1) if "battery" in options else None,
        every=every or None,
    )
    return spec.build(air, o, common)
