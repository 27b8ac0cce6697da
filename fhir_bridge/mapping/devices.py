"""Device resources: each sensor that measured, and the cabin as their gateway.

After the HL7 Personal Health Device IG (PhdDevice, PhgDevice): manufacturer,
model and serial numbers as the device reported them, its firmware, hardware and
software revisions as ``version`` entries typed with their MDC codes, ``type``
MDC_MOC_VMS_MDS_SIMP (a personal health device), its 11073 specialisation in
``specialization``, and the gateway it reached the hospital through as ``parent``.
Identifiers are the station's own (``{station}/device``): the instruments are BLE
GATT and serial devices without an IEEE EUI-64 system id, so the resources follow
the PHD IG's shape without claiming its profiles.
"""

from __future__ import annotations

from collections.abc import Iterable

from fhir.resources.R4B.device import (
    Device,
    DeviceDeviceName,
    DeviceSpecialization,
    DeviceVersion,
)

from fhir_bridge.codes import DEVICE_TYPES, GATEWAY_TYPE, PHD_TYPE, VERSION_TYPES, Code
from fhir_bridge.mapping._datatypes import concept, reference
from fhir_bridge.mapping.identifiers import device_key, gateway_key
from fhir_bridge.record import DeviceInfo, IdentifierSystems, Station

__all__ = ["device_from_info", "device_type", "gateway_device"]


def device_type(info: DeviceInfo, measured: Iterable[str] = ()) -> Code | None:
    """The 11073 specialisation of a device: by what it measured, else its configured kind.

    Args:
        info: the device.
        measured: the kinds it measured in the visit (``"ecg"`` for an ECG recording).
    """
    kinds = set(measured)
    for kind, code in DEVICE_TYPES.items():
        if kind in kinds:
            return code
    return DEVICE_TYPES.get(info.kind)


def device_from_info(
    info: DeviceInfo,
    station: Station,
    systems: IdentifierSystems,
    *,
    gateway: str | None = None,
    measured: Iterable[str] = (),
) -> Device:
    """The Device of a sensor.

    Args:
        info: what the sensor said of itself and how it is configured.
        station: the cabin (the identifier's namespace).
        systems: the hospital's identifier systems.
        gateway: the gateway Device's fullUrl, for ``parent``.
        measured: the kinds it measured in the visit, to type it.
    """
    key = device_key(station, systems, info)
    versions = [
        DeviceVersion(type=concept(VERSION_TYPES[name]), value=value)
        for name, value in (
            ("firmware", info.firmware),
            ("hardware", info.hardware),
            ("software", info.software),
        )
        if value
    ]
    spec = device_type(info, measured)
    return Device(
        identifier=[key.identifier()],
        status="active",
        manufacturer=info.manufacturer or None,
        modelNumber=info.model or None,
        serialNumber=info.serial or None,
        deviceName=[DeviceDeviceName(name=info.device_id, type="user-friendly-name")],
        type=concept(PHD_TYPE),
        specialization=[DeviceSpecialization(systemType=concept(spec))] if spec else None,
        version=versions or None,
        parent=reference(gateway) if gateway is not None else None,
    )


def gateway_device(station: Station, systems: IdentifierSystems) -> Device:
    """The Device of the cabin, the gateway every measurement passed through."""
    key = gateway_key(station, systems)
    return Device(
        identifier=[key.identifier()],
        status="active",
        deviceName=[DeviceDeviceName(name=station.name, type="user-friendly-name")],
        type=concept(GATEWAY_TYPE, text="Citizen station health cabin (gateway)"),
        version=[
            DeviceVersion(type=concept(VERSION_TYPES["software"]), value=station.software_version)
        ],
    )
