"""A bleak backend on bumble: BLE drivers run unchanged against simulated instruments.

Drivers speak only bleak's public API and take the backend classes as
parameters. At a real station they get bleak's platform backends (BlueZ); in
tests and in the simulated station they get :class:`BumbleScanner` and
:class:`BumbleClient`, which drive a bumble central on a :class:`VirtualAir`,
an in-process radio link shared with simulated peripherals
(:class:`hardware.sim.ble_peripheral.BlePeripheral`). Everything between the two
goes through bumble's controllers, HCI, L2CAP, ATT, GATT and SMP::

    async with VirtualAir() as air:
        cuff = BlePeripheral(air, "BP cuff", services=[...])
        async with cuff:
            device = await BleakScanner.find_device_by_address(
                cuff.address, backend=BumbleScanner
            )
            async with BleakClient(device, backend=BumbleClient) as client:
                ...

Modules: :mod:`~hardware.ble.bumble_backend.air` (the link, its central and the
current air), :mod:`~hardware.ble.bumble_backend.scanner`,
:mod:`~hardware.ble.bumble_backend.client` and
:mod:`~hardware.ble.bumble_backend.advertising` (AD structures and UUIDs).
"""

from __future__ import annotations

from hardware.ble.bumble_backend.advertising import (
    advertisement_data,
    encode_advertising_data,
    to_bleak_uuid,
    to_bumble_uuid,
)
from hardware.ble.bumble_backend.air import VirtualAir
from hardware.ble.bumble_backend.client import BumbleClient
from hardware.ble.bumble_backend.scanner import BumbleScanner

__all__ = [
    "BumbleClient",
    "BumbleScanner",
    "VirtualAir",
    "advertisement_data",
    "encode_advertising_data",
    "to_bleak_uuid",
    "to_bumble_uuid",
]
