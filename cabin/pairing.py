"""The allow-list of the station's own BLE devices, set up once by a technician.

``cabin devices pair`` lists the health devices in range; ``--add ADDRESS --id
NAME`` connects to one, bonds with it, checks which profile it offers, and
writes it to the allow-list (``ble-devices.toml`` in the data directory). The
station only ever connects to addresses on that list, so a neighbour's phone or
scale is never read. The list is plain TOML, like the configuration::

    [devices.glucose]
    moniker = "ble:C4:7C:8D:6A:12:34,profile=glucose"
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bleak import BleakClient, BleakScanner
from bleak.backends.client import BaseBleakClient
from bleak.backends.scanner import BaseBleakScanner
from bleak.exc import BleakError

from cabin.config import ALLOWLIST_FILE, load_allowlist
from cabin.errors import DeviceUnavailable
from hardware.ble.driver import find_by_address
from hardware.ble.profiles import PROFILES, profile_for_services

__all__ = ["ALLOWLIST_FILE", "Candidate", "add_device", "discover", "pair", "remove_device"]

# A MAC address, or the UUID macOS gives a device instead.
_ADDRESS = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$|^[0-9A-Fa-f-]{36}$")
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A health device in range.

    Attributes:
        address: its Bluetooth address.
        name: the name it advertises ("" if none).
        profile: the station's name of its profile (``glucose``...).
        rssi: signal strength in dBm (nearer is higher).
    """

    address: str
    name: str
    profile: str
    rssi: int


async def discover(
    seconds: float, *, backend: type[BaseBleakScanner] | None = None
) -> list[Candidate]:
    """The devices advertising a health service the station reads, nearest first."""
    services = [p.service.uuid for p in PROFILES.values()]
    if backend is None:  # bleak's typing wants no backend key at all then
        found = await BleakScanner.discover(seconds, return_adv=True, service_uuids=services)
    else:
        found = await BleakScanner.discover(
            seconds, return_adv=True, service_uuids=services, backend=backend
        )
    candidates = []
    for device, advertisement in found.values():
        profile = profile_for_services(advertisement.service_uuids)
        if profile is not None:
            name = advertisement.local_name or device.name or ""
            candidates.append(Candidate(device.address, name, profile.name, advertisement.rssi))
    return sorted(candidates, key=lambda c: -c.rssi)


async def pair(
    address: str,
    *,
    scanner: type[BaseBleakScanner] | None = None,
    client: type[BaseBleakClient] | None = None,
    seconds: float = 10.0,
) -> str:
    """Connect to a device, bond with it, and return its profile's name.

    Raises:
        DeviceUnavailable: not in range, the link or the pairing failed, or it
            offers no health service the station reads.
    """
    try:
        device = await find_by_address(address, seconds, scanner)
        if device is None:
            raise DeviceUnavailable("not in range", device_id=address)
        async with BleakClient(device, timeout=seconds, backend=client) as link:
            await link.pair()
            profile = profile_for_services(s.uuid for s in link.services)
    except (BleakError, TimeoutError) as exc:
        raise DeviceUnavailable("pairing failed", device_id=address) from exc
    if profile is None:
        raise DeviceUnavailable("offers no health service", device_id=address)
    return profile.name


def add_device(path: Path, device_id: str, address: str, profile: str) -> None:
    """Put a device on the allow-list (replacing one of the same name)."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}")
    if not _ADDRESS.match(address):
        raise ValueError(f"{address!r} is not a Bluetooth address")
    if not _NAME.match(device_id):
        raise ValueError(f"device name {device_id!r} must be letters, digits, - or _")
    devices = load_allowlist(path)
    devices[device_id] = {"moniker": f"ble:{address},profile={profile}"}
    _save(path, devices)


def remove_device(path: Path, device_id: str) -> bool:
    """Take a device off the allow-list; False if it was not on it."""
    devices = load_allowlist(path)
    if devices.pop(device_id, None) is None:
        return False
    _save(path, devices)
    return True


def _save(path: Path, devices: Mapping[str, Mapping[str, object]]) -> None:
    lines = ["# The station's own BLE devices, written by `cabin devices pair`.", ""]
    for device_id, body in sorted(devices.items()):
        lines.append(f"[devices.{device_id}]")
        lines += [f'{key} = "{value}"' for key, value in body.items()]
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text("\n".join(lines), encoding="utf-8")
    temporary.replace(path)  # never a half-written list
