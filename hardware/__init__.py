"""Device drivers and their simulators; they yield frozen events and compute nothing clinical.

Subpackages: :mod:`hardware.serial` (serial protocols and drivers),
:mod:`hardware.ble` (Bluetooth LE health profiles: parsers, the driver, and a bleak
backend on bumble for simulation) and :mod:`hardware.sim` (signal models, device
simulators on ptys, and simulated BLE instruments on a virtual air).
"""

from hardware.driver import Driver, Emit
from hardware.events import (
    DeviceState,
    DeviceStatus,
    Event,
    Reading,
    SignalKind,
    WaveformChunk,
)
from hardware.hub import Backoff, DeviceHub, Subscription
from hardware.monikers import DeviceSpec, OpenedDevice, open_device, parse_moniker

__all__ = [
    "Backoff",
    "DeviceHub",
    "DeviceSpec",
    "DeviceState",
    "DeviceStatus",
    "Driver",
    "Emit",
    "Event",
    "OpenedDevice",
    "Reading",
    "SignalKind",
    "Subscription",
    "WaveformChunk",
    "open_device",
    "parse_moniker",
]
