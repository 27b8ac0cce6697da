"""Simulated BLE instruments for a whole station, sharing one virtual air.

The device hub opens devices one by one; every ``sim:ble-*`` device joins the
same :class:`~hardware.ble.bumble_backend.VirtualAir`, opened by the first and
closed by the last, as every real instrument shares the cabin's one radio. An
air that is already open (a test's own) is joined and left open.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from bleak.exc import BleakBluetoothNotAvailableError

from hardware.ble.bumble_backend import VirtualAir
from hardware.sim.ble_devices import SimulatedBleDevice, make_ble_device

__all__ = ["SimulatedBle", "open_simulated_ble"]

_lock = asyncio.Lock()
_shared: VirtualAir | None = None  # the air this module opened
_users = 0


class SimulatedBle:
    """A simulated instrument on the station's air; :meth:`close` leaves the air."""

    def __init__(self, device: SimulatedBleDevice, owns_air: bool) -> None:
        self.device = device
        self._owns_air = owns_air
        self._closed = False

    @property
    def address(self) -> str:
        return self.device.address

    @property
    def profile(self) -> str:
        return self.device.profile

    async def close(self) -> None:
        """Stop the instrument; the last one out closes the air (idempotent)."""
        if self._closed:
            return
        self._closed = True
        await self.device.close()
        if self._owns_air:
            await _release()


async def open_simulated_ble(kind: str, options: Mapping[str, str]) -> SimulatedBle:
    """Start a simulated instrument (``ble-bp``, ``ble-glucose``...) on the station's air.

    It measures every ``every`` seconds (option; 20 by default) so that a
    station shows readings without anyone pressing its button.

    Raises:
        ValueError: an unknown kind or option.
    """
    options = dict(options)
    every = float(options.pop("every", "20"))
    seed = int(options.pop("seed", "1"))
    air, owns = await _acquire()
    try:
        device = make_ble_device(air, kind, options, seed=seed)
        await device.start()
    except BaseException:
        if owns:
            await _release()
        raise
    if every > 0:
        device.peripheral.spawn(device.run_every(every))
    return SimulatedBle(device, owns)


async def _acquire() -> tuple[VirtualAir, bool]:
    global _shared, _users
    async with _lock:
        if _shared is None:
            try:
                return VirtualAir.current(), False  # a test's own air
            except BleakBluetoothNotAvailableError:  # none open: the station's own
                _shared = VirtualAir()
                await _shared.open()
        _users += 1
        return _shared, True


async def _release() -> None:
    global _shared, _users
    async with _lock:
        _users -= 1
        if _users == 0 and _shared is not None:
            air, _shared = _shared, None
            await air.close()
