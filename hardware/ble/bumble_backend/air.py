"""The virtual air: bumble devices on one in-process link, in the caller's event loop.

A :class:`VirtualAir` owns one bumble :class:`~bumble.link.LocalLink`. On it live
the station's central (one bumble :class:`~bumble.device.Device`, the adapter that
every :class:`~hardware.ble.bumble_backend.BumbleScanner` and
:class:`~hardware.ble.bumble_backend.BumbleClient` shares, as bleak's BlueZ
backends share ``hci0``) and any number of peripheral devices (the simulated
instruments). Each device has its own virtual controller and host, so everything
between them crosses real HCI, LL, L2CAP, ATT and SMP code.

How the backends find the air: bleak instantiates backend classes itself, passing
only its own constructor arguments (and any extra keyword arguments). While an air
is open (``async with VirtualAir() as air:``) it is the *current* air, and
backends created without an explicit ``air=`` keyword use it. At most one air is
open at a time. So drivers, which only ever write
``BleakClient(device, backend=backend)``, run unchanged on BlueZ and here::

    async with VirtualAir() as air:
        thermometer = BlePeripheral(air, "Thermometer", services)  # hardware.sim
        async with thermometer:
            async with BleakClient(thermometer.address, backend=BumbleClient) as client:
                ...

An explicit ``air=`` keyword also reaches the backends (bleak passes unknown
keyword arguments through), e.g. ``BleakClient(address, backend=BumbleClient,
air=air)``; drivers never need it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable
from typing import Self, TypeVar

from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakBluetoothNotAvailableReason,
    BleakError,
)
from bumble import hci
from bumble.controller import Controller
from bumble.core import BaseBumbleError
from bumble.core import TimeoutError as BumbleTimeoutError
from bumble.device import Advertisement, Connection, Device, DeviceConfiguration
from bumble.host import Host
from bumble.link import LocalLink
from bumble.pairing import PairingConfig, PairingDelegate
from bumble.transport.common import AsyncPipeSink

from hardware.ble.bumble_backend.advertising import advertisement_data

__all__ = ["CENTRAL_ADDRESS", "CENTRAL_MTU", "VirtualAir", "settle"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

_current: VirtualAir | None = None

#: The central's static random address (the two top bits set: Core Vol 6, Part B, 1.3.2.1).
CENTRAL_ADDRESS = "C0:00:00:00:00:01"
#: Peripherals get D0:00:00:00:xx:yy, numbered from 1 in order of creation.
_PERIPHERAL_PREFIX = "D0:00:00:00"
#: ATT MTU the central asks for, as BlueZ does (the largest ATT allows).
CENTRAL_MTU = 517


class _AirController(Controller):
    """bumble's virtual controller, with LE Create Connection Cancel ended properly.

    bumble 0.0.236 answers the cancel command but leaves the pending connection in
    place and never completes it, so a timed-out connect hangs and every later one
    is refused. A real controller (Core Vol 4, Part E, 7.8.13) ends the attempt with
    an LE Connection Complete event whose status is Unknown Connection Identifier;
    this one does the same, after the command's own completion.
    """

    def on_hci_le_create_connection_cancel_command(
        self, _command: hci.HCI_LE_Create_Connection_Cancel_Command
    ) -> hci.HCI_StatusReturnParameters:
        pending = self.pending_le_connection
        self.pending_le_connection = None
        if pending is not None:
            event = hci.HCI_LE_Connection_Complete_Event(
                status=hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR,
                connection_handle=0,
                role=hci.Role.CENTRAL,
                peer_address_type=pending.peer_address_type,
                peer_address=pending.peer_address,
                connection_interval=0,
                peripheral_latency=0,
                supervision_timeout=0,
                central_clock_accuracy=0,
            )
            asyncio.get_running_loop().call_soon(self.send_hci_packet, event)
        return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)


def _just_works(_connection: Connection) -> PairingConfig:
    """LE Secure Connections, bonding, no input and no output: "just works" pairing."""
    return PairingConfig(
        sc=True,
        mitm=False,
        bonding=True,
        delegate=PairingDelegate(io_capability=PairingDelegate.NO_OUTPUT_NO_INPUT),
    )


async def settle(awaitable: Awaitable[_T]) -> _T:
    """Await bumble work that must not be cut short by a cancellation.

    bumble's host keeps one HCI command in flight; a task cancelled while it waits
    for the controller's answer leaves that answer to be taken by the next
    command, and the host out of step from then on. Commands that the virtual
    controller answers within a few loop turns therefore run to their end: a
    cancellation waits for them, then propagates.
    """
    task = asyncio.ensure_future(awaitable)
    cancelled = False
    while not task.done():
        try:
            await asyncio.wait({task})
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        if not task.cancelled() and task.exception() is not None:
            logger.debug("bumble work ended in error after a cancellation: %r", task.exception())
        raise asyncio.CancelledError
    return task.result()


class VirtualAir:
    """One in-process radio link with the station's central and simulated peripherals.

    Use it as an async context manager; :meth:`close` is idempotent. While open it
    is the current air (see the module's docstring).

    Args:
        central_name: the central's GAP device name.
    """

    def __init__(self, *, central_name: str = "Citizen station") -> None:
        self._central_name = central_name
        self._link: LocalLink | None = None
        self._central: Device | None = None
        self._controllers: dict[Device, Controller] = {}
        self._attached: set[Device] = set()
        self._next_peripheral = 1
        self._names: dict[str, str] = {}
        self._scanners = 0
        self._scan_active = True
        self._connect_lock = asyncio.Lock()
        self._closed = False

    # -- lifecycle -------------------------------------------------------------

    @classmethod
    def current(cls) -> VirtualAir:
        """The open air that backends use when none is given explicitly.

        Raises:
            BleakBluetoothNotAvailableError: if no air is open (as bleak reports a
                machine without a Bluetooth adapter).
        """
        if _current is None:
            raise BleakBluetoothNotAvailableError(
                "no VirtualAir is open", BleakBluetoothNotAvailableReason.NO_BLUETOOTH
            )
        return _current

    @property
    def is_open(self) -> bool:
        return self._central is not None

    async def open(self) -> None:
        """Create the link and power the central on, and make this the current air.

        Raises:
            RuntimeError: if another air is open, or this one was closed.
        """
        global _current
        if self._closed:
            raise RuntimeError("a VirtualAir cannot be reopened")
        if self._central is not None:
            return
        if _current is not None:
            raise RuntimeError("another VirtualAir is already open")
        _current = self
        try:
            self._link = LocalLink()  # type: ignore[no-untyped-call]  # bumble leaves it untyped
            self._central = self._new_device(self._central_name, CENTRAL_ADDRESS)
            self._central.on(Device.EVENT_ADVERTISEMENT, self._remember_name)
            await settle(self._central.power_on())
        except BaseException:
            _current = None
            self._central = None
            raise
        logger.debug("virtual air open")

    async def close(self) -> None:
        """Disconnect every link, silence every device, and stop being the current air."""
        global _current
        if self._closed:
            return
        self._closed = True
        if _current is self:
            _current = None
        devices = list(self._controllers)
        for device in devices:
            await settle(self._quiesce(device))
        for device in devices:
            self._detach(device)
            with contextlib.suppress(BaseBumbleError):
                await settle(device.power_off())
        self._controllers.clear()
        self._central = None
        self._link = None
        logger.debug("virtual air closed")

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- devices ---------------------------------------------------------------

    @property
    def central(self) -> Device:
        """The station's bumble device (the adapter the backends drive)."""
        if self._central is None:
            raise RuntimeError("the VirtualAir is not open")
        return self._central

    async def add_peripheral(self, name: str, *, address: str | None = None) -> Device:
        """Put a new, powered-on bumble device on the air.

        The caller adds its GATT services and starts its advertising (see
        :class:`hardware.sim.ble_peripheral.BlePeripheral`, which does both).

        Args:
            name: its GAP device name.
            address: a static random address; the next free ``D0:00:00:00:xx:yy``
                if omitted.

        Returns:
            The device, pairing "just works" with LE Secure Connections and bonding.
        """
        if self._central is None:
            raise RuntimeError("the VirtualAir is not open")
        if address is None:
            number = self._next_peripheral
            self._next_peripheral += 1
            address = f"{_PERIPHERAL_PREFIX}:{number >> 8:02X}:{number & 0xFF:02X}"
        device = self._new_device(name, address)
        await settle(device.power_on())
        return device

    def detach(self, device: Device) -> None:
        """Take a device's controller off the link: it neither hears nor is heard.

        Disconnect it first; frames sent to a detached device are lost, as on air.
        """
        self._detach(device)

    def attach(self, device: Device) -> None:
        """Put a detached device's controller back on the link."""
        if device in self._attached or self._link is None:
            return
        self._link.add_controller(self._controllers[device])
        self._attached.add(device)

    async def remove(self, device: Device) -> None:
        """Disconnect a peripheral, stop its advertising and take it off the air for good."""
        if device not in self._controllers or device is self._central:
            return
        await settle(self._quiesce(device))
        self._detach(device)
        with contextlib.suppress(BaseBumbleError):
            await settle(device.power_off())
        del self._controllers[device]

    def known_name(self, address: str) -> str | None:
        """The last local name the central heard advertised from an address."""
        return self._names.get(address.upper())

    # -- shared central state, for the backends ---------------------------------

    async def connect(self, address: hci.Address, timeout: float) -> Connection:  # noqa: ASYNC109
        """Connect the central to a peripheral, one connection attempt at a time.

        bumble times the attempt itself (``timeout``), so that a timed-out attempt
        is also cancelled in the central's controller; a cancelled caller gets
        the same clean-up, and a late answer does not leave a stray link.

        Args:
            address: the peripheral's address, with its type.
            timeout: seconds to wait, counting the wait for another attempt to end.

        Returns:
            The central's side of the connection.

        Raises:
            TimeoutError: if the peripheral did not answer (it is not advertising).
            BleakError: if the central's controller refused the attempt.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with asyncio.timeout_at(deadline):
            await self._connect_lock.acquire()
        try:
            central = self.central
            attempt = asyncio.ensure_future(
                central.connect(address, timeout=max(deadline - loop.time(), 0.001))
            )
            try:
                return await asyncio.shield(attempt)
            except BumbleTimeoutError as exc:
                raise TimeoutError(f"{address.to_string(False)} did not answer") from exc
            except BaseBumbleError as exc:
                raise BleakError(f"connecting to {address.to_string(False)} failed: {exc}") from exc
            except asyncio.CancelledError:
                await settle(self._abandon(attempt))
                raise
            finally:
                await settle(self._resume_scanning())
        finally:
            self._connect_lock.release()

    async def start_scanning(self, *, active: bool = True) -> None:
        """One more scanner wants the central to scan."""
        self._scanners += 1
        self._scan_active = active
        if not self.central.is_scanning:
            await settle(self.central.start_scanning(active=active))

    async def stop_scanning(self) -> None:
        """One scanner less; the central stops scanning when none is left."""
        self._scanners = max(0, self._scanners - 1)
        if self._scanners == 0 and self._central is not None and self._central.is_scanning:
            await settle(self._central.stop_scanning())

    # -- helpers -----------------------------------------------------------------

    def _new_device(self, name: str, address: str) -> Device:
        if self._link is None:
            raise RuntimeError("the VirtualAir is not open")
        controller = _AirController(name, link=self._link)
        config = DeviceConfiguration()
        config.name = name
        config.irk = secrets.token_bytes(16)
        device = Device(
            address=hci.Address(address, hci.Address.RANDOM_DEVICE_ADDRESS),
            config=config,
            host=Host(controller, AsyncPipeSink(controller)),
        )
        device.pairing_config_factory = _just_works
        self._controllers[device] = controller
        self._attached.add(device)
        return device

    async def _abandon(self, attempt: asyncio.Future[Connection]) -> None:
        # Cancel the attempt in the controller; bumble's connect then fails at once.
        if not attempt.done():
            with contextlib.suppress(BaseBumbleError):
                await self.central.send_sync_command(hci.HCI_LE_Create_Connection_Cancel_Command())
        try:
            connection = await attempt
        except BaseBumbleError:
            return
        # The peripheral answered before the cancellation: drop that link.
        with contextlib.suppress(BaseBumbleError):
            await connection.disconnect()

    def _detach(self, device: Device) -> None:
        if device in self._attached and self._link is not None:
            self._link.remove_controller(self._controllers[device])
        self._attached.discard(device)

    async def _quiesce(self, device: Device) -> None:
        for connection in list(device.connections.values()):
            with contextlib.suppress(BaseBumbleError):
                await connection.disconnect()
        for advertising_set in list(device.extended_advertising_sets.values()):
            if advertising_set.enabled:
                with contextlib.suppress(BaseBumbleError):
                    await advertising_set.stop()
        if device.is_scanning:
            with contextlib.suppress(BaseBumbleError):
                await device.stop_scanning()

    async def _resume_scanning(self) -> None:
        # Connecting to a bonded peer makes bumble scan for it, and stop after.
        central = self._central
        if central is not None and self._scanners and not central.is_scanning:
            with contextlib.suppress(BaseBumbleError):
                await central.start_scanning(active=self._scan_active)

    def _remember_name(self, advertisement: Advertisement) -> None:
        name = advertisement_data(advertisement).local_name
        if name is not None:
            self._names[advertisement.address.to_string(False)] = name
