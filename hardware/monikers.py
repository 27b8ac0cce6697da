"""Device monikers: one string says where a device is and how to reach it.

::

    serial:/dev/ttyUSB0,115200      a serial port at a baud rate (the driver is named in the spec)
    pty:/tmp/cabin/ecg              the same, for a pseudo-terminal
    ble:C4:7C:8D:6A:12:34,profile=glucose   a paired Bluetooth LE health device (bond=0: no pairing)
    sim:ecg,hr=72,seed=3            a simulated device on its own pty, read by the real driver
    sim:ble-glucose,records=3       a simulated BLE instrument on the virtual air, read by the
                                    real BLE driver through bleak and the bumble backend

The options after the first comma are ``key=value`` pairs; a bare number is the
baud rate. Simulated kinds: ``cms50d`` (fingertip oximeter), ``ecg``, ``ppg``,
``cuff`` (blood-pressure module), and the BLE ones of :data:`hardware.sim.ble_devices.BLE_KINDS`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hardware.ble.driver import BleDriver
from hardware.driver import Driver
from hardware.serial.base import SerialDriver
from hardware.serial.frontends import CuffDriver, EcgDriver, PpgDriver
from hardware.serial.oximeter import Cms50dDriver

if TYPE_CHECKING:
    from hardware.sim.ble_station import SimulatedBle
    from hardware.sim.serial_device import SerialSimulator

__all__ = ["DRIVERS", "DeviceSpec", "Moniker", "OpenedDevice", "open_device", "parse_moniker"]

#: Serial drivers by protocol name.
DRIVERS: Mapping[str, type[SerialDriver]] = {
    cls.protocol: cls for cls in (Cms50dDriver, CuffDriver, EcgDriver, PpgDriver)
}


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """A configured device.

    Attributes:
        device_id: the station's name for it (``oximeter``, ``ecg``...).
        moniker: where it is (see the module's docstring).
        driver: the protocol, for ``serial:`` and ``pty:`` monikers (``cms50d``, ``ecg``...).
    """

    device_id: str
    moniker: str
    driver: str | None = None


@dataclass(frozen=True, slots=True)
class Moniker:
    """A parsed moniker."""

    scheme: str
    target: str
    options: Mapping[str, str] = field(default_factory=dict)


def parse_moniker(text: str) -> Moniker:
    """Split ``scheme:target,opt=value,...``; raises ``ValueError`` on a malformed one."""
    scheme, sep, rest = text.partition(":")
    if not sep or not scheme or not rest:
        raise ValueError(f"moniker {text!r} is not scheme:target")
    target, *parts = rest.split(",")
    if not target:
        raise ValueError(f"moniker {text!r} has no target")
    options: dict[str, str] = {}
    for part in parts:
        key, eq, value = part.partition("=")
        if not eq:
            key, value = "baudrate", part
        if not key.strip() or not value.strip():
            raise ValueError(f"moniker {text!r} has an empty option")
        options[key.strip()] = value.strip()
    return Moniker(scheme.strip().lower(), target.strip(), options)


@dataclass(eq=False)
class OpenedDevice:
    """A device ready for the hub: its driver, and the simulator behind it if simulated."""

    spec: DeviceSpec
    driver: Driver
    simulator: SerialSimulator | SimulatedBle | None = None

    async def close(self) -> None:
        if self.simulator is not None:
            await self.simulator.close()


async def open_device(spec: DeviceSpec) -> OpenedDevice:
    """Build the driver a spec names (starting its simulator for ``sim:``).

    Raises:
        ValueError: a malformed moniker or an unknown driver or option.
    """
    moniker = parse_moniker(spec.moniker)
    if moniker.scheme in ("serial", "pty"):
        name = spec.driver or moniker.options.get("driver", "")
        if name not in DRIVERS:
            raise ValueError(f"device {spec.device_id}: unknown driver {name!r}")
        baudrate = _int_option(moniker.options, "baudrate", 115200)
        driver = DRIVERS[name](spec.device_id, moniker.target, baudrate)
        return OpenedDevice(spec, driver)
    if moniker.scheme == "ble":
        return OpenedDevice(spec, _ble_driver(spec.device_id, moniker.target, moniker.options))
    if moniker.scheme == "sim" and moniker.target.startswith("ble-"):
        from hardware.ble.bumble_backend import BumbleClient, BumbleScanner
        from hardware.sim.ble_station import open_simulated_ble

        simulated = await open_simulated_ble(moniker.target, moniker.options)
        ble = BleDriver(
            spec.device_id,
            simulated.address,
            profile=simulated.profile,
            scanner_backend=BumbleScanner,
            client_backend=BumbleClient,
        )
        return OpenedDevice(spec, ble, simulated)
    if moniker.scheme == "sim":
        from hardware.sim.station import make_simulator  # simulators only when asked for

        # Synthesising the signals takes a while: keep it off the event loop, where
        # other devices are already streaming.
        simulator, name = await asyncio.to_thread(make_simulator, moniker.target, moniker.options)
        await simulator.start()
        return OpenedDevice(spec, DRIVERS[name](spec.device_id, simulator.path), simulator)
    raise ValueError(f"device {spec.device_id}: unknown scheme {moniker.scheme!r}")


def _ble_driver(device_id: str, address: str, options: Mapping[str, str]) -> BleDriver:
    unknown = set(options) - {"profile", "bond"}
    if unknown:
        raise ValueError(f"device {device_id}: unknown option {sorted(unknown)[0]!r}")
    return BleDriver(
        device_id,
        address,
        profile=options.get("profile"),
        bond=_int_option(options, "bond", 1) != 0,
    )


def _int_option(options: Mapping[str, str], key: str, default: int) -> int:
    try:
        return int(options.get(key, default))
    except ValueError:
        raise ValueError(f"option {key} must be a whole number") from None
