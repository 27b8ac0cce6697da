"""What the mapping takes: one finished visit, gathered from the store.

The mapping (:mod:`fhir_bridge.mapping`) is pure: it reads these frozen records
and builds FHIR models, with no store, clock or network. :func:`fhir_bridge.gather`
fills a :class:`VisitRecord` from the store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from cabin.store.models import Measurement, Resident, Visit, Waveform

__all__ = [
    "Consult",
    "DESCRIPTION_FIELDS",
    "DeviceInfo",
    "IdentifierSystems",
    "SharedFields",
    "Station",
    "VisitRecord",
]


@dataclass(frozen=True, slots=True)
class IdentifierSystems:
    """The identifier namespaces a hospital expects (configurable per hospital).

    Attributes:
        cccd: the citizen ID card (type NI).
        bhyt: the health-insurance card.
        mr: the hospital's own medical record number (type MR).
        practitioner: the hospital's system for its doctors' ids; empty means the
            station's own ``{station}/practitioner``.
        station: the station's own namespace; ``/visit``, ``/measurement``,
            ``/device``, ``/provenance``... are appended to it for the identifiers
            of the resources a visit produces.
    """

    cccd: str = "http://fhir.hl7.org.vn/core/sid/cccd"
    bhyt: str = "http://fhir.hl7.org.vn/core/sid/bhyt"
    mr: str = ""
    practitioner: str = ""
    station: str = "https://citizen-station.example.vn/fhir/sid"


@dataclass(frozen=True, slots=True)
class SharedFields:
    """Which parts of the identity the resident agreed to share with the hospital.

    The CCCD number is always shared when the resident is identified: it is how the
    hospital finds the record. Everything else is shared only when set here.
    """

    name: bool = True
    birth_date: bool = True
    sex: bool = True
    address: bool = False


#: The fields of :class:`DeviceInfo` a device tells of itself (the store keeps them).
DESCRIPTION_FIELDS = ("manufacturer", "model", "serial", "firmware", "hardware", "software")


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """A sensor as it described itself (BLE Device Information) and as configured.

    Attributes:
        device_id: the configured id (``"ble_cuff"``, ``"oximeter"``).
        kind: what it measures, as configured (``"blood_pressure"``, ``"spo2"``...);
            empty when unknown.
        manufacturer, model, serial, firmware, hardware, software: from the device;
            empty when it did not say.
    """

    device_id: str
    kind: str = ""
    manufacturer: str = ""
    model: str = ""
    serial: str = ""
    firmware: str = ""
    hardware: str = ""
    software: str = ""


@dataclass(frozen=True, slots=True)
class Station:
    """The cabin, the gateway every measurement passed through.

    Attributes:
        id: the station's configured id.
        name: its name, as residents see it.
        software_version: this software's version.
    """

    id: str
    name: str
    software_version: str


@dataclass(frozen=True, slots=True)
class Consult:
    """A teleconsultation held during the visit.

    Attributes:
        doctor_id: the doctor's identifier at the portal (for Practitioner.identifier).
        doctor_name: the doctor's name.
        started_at: when the call was accepted (UTC).
        ended_at: when it ended (UTC).
        note: the doctor's note; may be empty.
    """

    doctor_id: str
    doctor_name: str = field(repr=False)
    started_at: datetime
    ended_at: datetime
    note: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True, eq=False)
class VisitRecord:
    """Everything a visit sends to the hospital.

    Attributes:
        visit: the visit (ended, or at least sent).
        resident: the identified resident; None for an anonymous visit.
        measurements: its spot measurements, in stored order.
        waveforms: its waveform segments.
        devices: what is known of each device that measured, by device id.
        station: the cabin.
        systems: the receiving hospital's identifier namespaces.
        shared: what of the identity the resident agreed to share.
        bhyt: the health-insurance card number, when the resident gave it.
        mr: the hospital's record number for this resident, when it gave one.
        consult: the teleconsultation, if one took place.
    """

    visit: Visit
    resident: Resident | None
    measurements: Sequence[Measurement]
    waveforms: Sequence[Waveform]
    devices: Mapping[str, DeviceInfo]
    station: Station
    systems: IdentifierSystems = field(default_factory=IdentifierSystems)
    shared: SharedFields = field(default_factory=SharedFields)
    bhyt: str | None = field(default=None, repr=False)
    mr: str | None = field(default=None, repr=False)
    consult: Consult | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "measurements", tuple(self.measurements))
        object.__setattr__(self, "waveforms", tuple(self.waveforms))
        object.__setattr__(self, "devices", MappingProxyType(dict(self.devices)))
