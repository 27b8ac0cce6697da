"""The health profiles the station reads: which service, which characteristics to follow.

A driver finds its device's profile by the service the device offers (or the
one its configuration names), subscribes to every ``live`` characteristic the
device has, and, for a profile with stored records, reads them back through
the Record Access Control Point.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from hardware.ble.uuids import CharacteristicUuid as C
from hardware.ble.uuids import ServiceUuid as S
from hardware.ble.uuids import uuid16

__all__ = ["PROFILES", "Profile", "profile_for_services", "service_numbers"]


@dataclass(frozen=True, slots=True)
class Profile:
    """One Bluetooth SIG health profile, as the station uses it.

    Attributes:
        name: the station's name for it (``blood_pressure``...), used in monikers.
        service: its primary service.
        live: characteristics notified or indicated as measurements happen.
        extra_services: other services the same device may offer alongside
            (a scale's Body Composition), with their live characteristics.
        stored_records: the device keeps records, read through its RACP (0x2A52).
    """

    name: str
    service: S
    live: tuple[C, ...]
    extra_services: Mapping[S, tuple[C, ...]]
    stored_records: bool = False


PROFILES: Mapping[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "blood_pressure",
            S.BLOOD_PRESSURE,
            (C.BLOOD_PRESSURE_MEASUREMENT, C.INTERMEDIATE_CUFF_PRESSURE),
            {},
        ),
        Profile("heart_rate", S.HEART_RATE, (C.HEART_RATE_MEASUREMENT,), {}),
        Profile(
            "thermometer",
            S.HEALTH_THERMOMETER,
            (C.TEMPERATURE_MEASUREMENT, C.INTERMEDIATE_TEMPERATURE),
            {},
        ),
        Profile(
            "pulse_oximeter",
            S.PULSE_OXIMETER,
            (C.PLX_SPOT_CHECK_MEASUREMENT, C.PLX_CONTINUOUS_MEASUREMENT),
            {},
            stored_records=True,
        ),
        Profile(
            "weight_scale",
            S.WEIGHT_SCALE,
            (C.WEIGHT_MEASUREMENT,),
            {S.BODY_COMPOSITION: (C.BODY_COMPOSITION_MEASUREMENT,)},
        ),
        Profile(
            "glucose",
            S.GLUCOSE,
            (C.GLUCOSE_MEASUREMENT, C.GLUCOSE_MEASUREMENT_CONTEXT),
            {},
            stored_records=True,
        ),
    )
}

_BY_SERVICE: Mapping[int, Profile] = {p.service: p for p in PROFILES.values()}


def service_numbers(uuids: Iterable[str | int]) -> list[int]:
    """The 16-bit assigned numbers among these UUIDs (a vendor's 128-bit ones left out)."""
    numbers = []
    for uuid in uuids:
        with contextlib.suppress(ValueError):
            numbers.append(uuid16(uuid))
    return numbers


def profile_for_services(services: Iterable[str | int]) -> Profile | None:
    """The profile of a device offering these services (UUIDs as bleak gives them, or
    16-bit numbers); the first one known."""
    for service in service_numbers(services):
        if service in _BY_SERVICE:
            return _BY_SERVICE[service]
    return None
