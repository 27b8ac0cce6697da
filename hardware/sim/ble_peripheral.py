"""A simulated BLE instrument: a bumble peripheral on the virtual air.

A :class:`BlePeripheral` advertises a name and service UUIDs, hosts GATT services
described declaratively (:class:`GattService`, :class:`GattCharacteristic`), sends
notifications and indications to subscribed centrals, and can drop its link, go
away and come back. Each health-profile simulator is built on one: it supplies
the payload bytes (the profile dataclasses' ``__bytes__``) and the handlers. A
glucose meter, for instance, answers Record Access Control Point writes::

    meter = BlePeripheral(air, "Glucose meter", services=[
        GattService(GLUCOSE_SERVICE, (
            GattCharacteristic(GLUCOSE_MEASUREMENT, ("notify",), encrypted=True),
            GattCharacteristic(RACP, ("write", "indicate"), on_write=on_racp,
                               encrypted=True),
        )),
    ])

    def on_racp(request: bytes) -> None:
        if not meter.is_subscribed(RACP, indications=True):
            raise GattError(0xFD)  # CCCD improperly configured
        meter.spawn(report(request))  # runs after the write is acknowledged

    async def report(request: bytes) -> None:
        for record in records:
            await meter.notify(GLUCOSE_MEASUREMENT, bytes(record))
        await meter.indicate(RACP, bytes(response))

The declarations and their hosting live in :mod:`hardware.sim.ble_gatt`; they are
re-exported here. The central side never touches these objects: it sees the
instrument only over the air, through :mod:`hardware.ble.bumble_backend`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Iterable, Mapping, Sequence
from typing import Any, Self, TypeVar

from bleak.uuids import normalize_uuid_str
from bumble import hci
from bumble.core import BaseBumbleError
from bumble.device import (
    AdvertisingEventProperties,
    AdvertisingParameters,
    AdvertisingSet,
    Connection,
    Device,
)
from bumble.gatt import Characteristic, Service

from hardware.ble.bumble_backend.advertising import (
    MAX_EXTENDED_ADVERTISING_DATA,
    MAX_LEGACY_ADVERTISING_DATA,
    encode_advertising_data,
    to_bumble_uuid,
)
from hardware.ble.bumble_backend.air import VirtualAir, settle
from hardware.sim.ble_gatt import (
    MAX_VALUE,
    GattCharacteristic,
    GattDescriptor,
    GattError,
    GattService,
    HostedCharacteristic,
    PropertyName,
    ReadHandler,
    WriteHandler,
)

__all__ = [
    "BlePeripheral",
    "GattCharacteristic",
    "GattDescriptor",
    "GattError",
    "GattService",
    "PropertyName",
    "ReadHandler",
    "WriteHandler",
]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

#: The most a GATT server may negotiate, and the least (Core Vol 3, Part F, 3.2.8).
_MAX_MTU, _MIN_MTU = 517, 23


class BlePeripheral:
    """A simulated instrument on a :class:`~hardware.ble.bumble_backend.VirtualAir`.

    Use it as an async context manager (or call :meth:`start` and :meth:`close`):
    it joins the air powered on and advertising, and leaves it on close.

    Args:
        air: the air to join.
        name: the GAP device name and advertised local name.
        services: its GATT services.
        advertised_services: service UUIDs to advertise; every service's when omitted.
        manufacturer_data: advertised bytes by company identifier.
        service_data: advertised bytes by service UUID.
        tx_power: advertised TX power level, in dBm.
        address: its static random address; the air picks one when omitted.
        advertising_interval: seconds between advertisements (0.02 at least).
        max_mtu: the largest ATT MTU its server accepts, in bytes (23 to 517).
        readvertise: advertise again after each disconnection.
    """

    def __init__(
        self,
        air: VirtualAir,
        name: str,
        services: Sequence[GattService],
        *,
        advertised_services: Iterable[str] | None = None,
        manufacturer_data: Mapping[int, bytes] | None = None,
        service_data: Mapping[str, bytes] | None = None,
        tx_power: int | None = None,
        address: str | None = None,
        advertising_interval: float = 0.05,
        max_mtu: int = _MAX_MTU,
        readvertise: bool = True,
    ) -> None:
        if advertising_interval < 0.02:
            raise ValueError("advertising_interval is at least 0.02 s")
        if not _MIN_MTU <= max_mtu <= _MAX_MTU:
            raise ValueError(f"max_mtu must be within {_MIN_MTU}..{_MAX_MTU}")
        self._air = air
        self._name = name
        self._services = tuple(services)
        self._characteristics: dict[str, HostedCharacteristic] = {}
        for service in self._services:
            for spec in service.characteristics:
                key = normalize_uuid_str(spec.uuid)
                if key in self._characteristics:
                    raise ValueError(f"characteristic {spec.uuid} is declared twice")
                self._characteristics[key] = HostedCharacteristic(spec, self._signal)
        advertised = (
            [s.uuid for s in self._services]
            if advertised_services is None
            else list(advertised_services)
        )
        self._advertising_data = encode_advertising_data(
            name=name,
            service_uuids=advertised,
            manufacturer_data=manufacturer_data,
            service_data=service_data,
            tx_power=tx_power,
        )
        if len(self._advertising_data) > MAX_EXTENDED_ADVERTISING_DATA:
            raise ValueError(
                f"advertising data is {len(self._advertising_data)} bytes, "
                f"at most {MAX_EXTENDED_ADVERTISING_DATA} fit"
            )
        self._requested_address = address
        self._interval_ms = advertising_interval * 1000.0
        self._max_mtu = max_mtu
        self._readvertise = readvertise
        self._device: Device | None = None
        self._advertising_set: AdvertisingSet | None = None
        self._links: dict[Connection, asyncio.Future[int]] = {}
        self._want_advertising = False
        self._powered = False
        self._closed = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._changed = asyncio.Event()

    # -- lifecycle -------------------------------------------------------------

    async def start(self) -> None:
        """Join the air, powered on and advertising."""
        if self._closed:
            raise RuntimeError("a BlePeripheral cannot be restarted once closed")
        if self._device is not None:
            return
        device = await self._air.add_peripheral(self._name, address=self._requested_address)
        self._device = device
        device.gatt_server.max_mtu = self._max_mtu
        device.add_services(self._build_services(device))
        device.on(Device.EVENT_CONNECTION, self._on_connection)
        legacy = len(self._advertising_data) <= MAX_LEGACY_ADVERTISING_DATA
        self._advertising_set = await settle(
            device.create_advertising_set(
                advertising_parameters=AdvertisingParameters(
                    advertising_event_properties=AdvertisingEventProperties(
                        is_connectable=True, is_scannable=legacy, is_legacy=legacy
                    ),
                    primary_advertising_interval_min=self._interval_ms,
                    primary_advertising_interval_max=self._interval_ms,
                    own_address_type=hci.OwnAddressType.RANDOM,
                ),
                advertising_data=self._advertising_data,
                auto_start=False,
            )
        )
        self._powered = True
        await self.advertise()
        logger.debug("simulated peripheral %s on the air", self.address)

    async def close(self) -> None:
        """Cancel the tasks it spawned and leave the air (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._want_advertising = False
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._device is not None:
            await self._air.remove(self._device)
        self._powered = False

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- state -------------------------------------------------------------------

    @property
    def device(self) -> Device:
        """The bumble device, for what this class does not cover."""
        if self._device is None:
            raise RuntimeError("the peripheral has not started")
        return self._device

    @property
    def address(self) -> str:
        """Its address as bleak shows it (``"D0:00:00:00:00:01"``)."""
        return self.device.random_address.to_string(False)

    @property
    def name(self) -> str:
        return self._name

    @property
    def is_connected(self) -> bool:
        return bool(self._links)

    @property
    def is_advertising(self) -> bool:
        return self._advertising_set is not None and self._advertising_set.enabled

    @property
    def is_powered(self) -> bool:
        return self._powered

    def value(self, uuid: str) -> bytes:
        """A characteristic's stored value (the last one written or set)."""
        return self._characteristic(uuid).value

    def set_value(self, uuid: str, value: bytes) -> None:
        """Replace a characteristic's stored value (what reads return without ``on_read``)."""
        if len(value) > MAX_VALUE:
            raise ValueError(f"value longer than {MAX_VALUE} bytes")
        self._characteristic(uuid).value = bytes(value)

    def descriptor_value(self, uuid: str, descriptor_uuid: str) -> bytes:
        """A declared descriptor's stored value."""
        values = self._characteristic(uuid).descriptor_values
        try:
            return values[normalize_uuid_str(descriptor_uuid)]
        except KeyError:
            raise KeyError(f"no descriptor {descriptor_uuid} on {uuid}") from None

    def is_subscribed(self, uuid: str, *, indications: bool = False) -> bool:
        """Whether a central enabled notifications (or, with ``indications``, indications)."""
        index = 1 if indications else 0
        return any(flags[index] for flags in self._characteristic(uuid).subscribers.values())

    async def wait_for_subscription(self, uuid: str, *, indications: bool = False) -> None:
        """Wait until a central subscribes to a characteristic (bound it with a timeout)."""
        while not self.is_subscribed(uuid, indications=indications):
            await self._changed.wait()

    async def wait_for_connection(self) -> None:
        """Wait until a central is connected (bound it with a timeout)."""
        while not self._links:
            await self._changed.wait()

    # -- advertising and radio -----------------------------------------------------------

    async def advertise(self) -> None:
        """Start advertising (again); it goes on until connected or :meth:`stop`."""
        self._want_advertising = True
        await settle(self._start_advertising())

    async def stop(self) -> None:
        """Stop advertising; links already up stay up."""
        self._want_advertising = False
        advertising_set = self._advertising_set
        if advertising_set is not None and advertising_set.enabled:
            await settle(advertising_set.stop())

    async def drop(self) -> None:
        """Lose every link abruptly, as when the instrument goes out of range.

        Centrals see the reason a real supervision timeout gives (0x08,
        Connection Timeout). The instrument stays on, and advertises again if
        ``readvertise`` is set.
        """
        await settle(self._disconnect_all(hci.HCI_ErrorCode.CONNECTION_TIMEOUT_ERROR))

    async def power_off(self) -> None:
        """Switch off: links end (reason 0x15, power off), advertising stops, it leaves the air."""
        if not self._powered:
            return
        self._powered = False
        await settle(
            self._disconnect_all(
                hci.HCI_ErrorCode.REMOTE_DEVICE_TERMINATED_CONNECTION_DUE_TO_POWER_OFF_ERROR
            )
        )
        advertising_set = self._advertising_set
        if advertising_set is not None and advertising_set.enabled:
            await settle(advertising_set.stop())
        self._air.detach(self.device)
        logger.debug("simulated peripheral %s powered off", self.address)

    async def power_on(self) -> None:
        """Switch back on: back on the air, advertising if it was before; bonds are kept."""
        if self._powered or self._closed or self._device is None:
            return
        self._air.attach(self._device)
        self._powered = True
        await settle(self._start_advertising())
        logger.debug("simulated peripheral %s powered on", self.address)

    # -- notifications ----------------------------------------------------------------------

    async def notify(self, uuid: str, payload: bytes) -> int:
        """Notify every central subscribed to a characteristic.

        Args:
            uuid: the characteristic (it must have the ``notify`` property).
            payload: the value, at most the link's ATT MTU - 3 bytes.

        Returns:
            How many centrals it was sent to (0 when none is subscribed).

        Raises:
            ValueError: if the characteristic cannot notify, or the payload does
                not fit a subscribed link.
        """
        characteristic, attribute = self._for_sending(uuid, "notify")
        sent = 0
        for connection, (notify, _) in list(characteristic.subscribers.items()):
            if not notify or connection not in self._links:
                continue
            self._check_fits(payload, connection)
            await self.device.notify_subscriber(connection, attribute, bytes(payload))
            sent += 1
        return sent

    async def indicate(self, uuid: str, payload: bytes) -> int:
        """Indicate to every subscribed central and wait for each confirmation.

        A central that disconnects before confirming is not waited for.

        Args:
            uuid: the characteristic (it must have the ``indicate`` property).
            payload: the value, at most the link's ATT MTU - 3 bytes.

        Returns:
            How many centrals confirmed it.

        Raises:
            ValueError: if the characteristic cannot indicate, or the payload does
                not fit a subscribed link.
        """
        characteristic, attribute = self._for_sending(uuid, "indicate")
        confirmed = 0
        for connection, (_, indicate) in list(characteristic.subscribers.items()):
            lost = self._links.get(connection)
            if not indicate or lost is None:
                continue
            self._check_fits(payload, connection)
            sending = asyncio.ensure_future(
                self.device.indicate_subscriber(connection, attribute, bytes(payload))
            )
            await asyncio.wait({sending, lost}, return_when=asyncio.FIRST_COMPLETED)
            if sending.done():
                sending.result()
                confirmed += 1
            else:
                sending.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sending
        return confirmed

    def spawn(self, coroutine: Coroutine[Any, Any, _T]) -> asyncio.Task[_T]:
        """Run a coroutine in the background, e.g. a reply after a write is acknowledged.

        The task is kept until it ends and cancelled on :meth:`close`; a failure
        is logged.
        """
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    # -- internals -----------------------------------------------------------------------------

    def _characteristic(self, uuid: str) -> HostedCharacteristic:
        try:
            return self._characteristics[normalize_uuid_str(uuid)]
        except KeyError:
            raise KeyError(f"no characteristic {uuid} on {self._name}") from None

    def _for_sending(
        self, uuid: str, prop: PropertyName
    ) -> tuple[HostedCharacteristic, Characteristic[bytes]]:
        characteristic = self._characteristic(uuid)
        if prop not in characteristic.spec.properties:
            raise ValueError(f"characteristic {uuid} does not {prop}")
        return characteristic, characteristic.attribute

    @staticmethod
    def _check_fits(payload: bytes, connection: Connection) -> None:
        if len(payload) > connection.att_mtu - 3:
            raise ValueError(
                f"payload of {len(payload)} bytes exceeds ATT MTU {connection.att_mtu} - 3"
            )

    def _build_services(self, device: Device) -> list[Service]:
        return [
            Service(
                to_bumble_uuid(service.uuid),
                [
                    self._characteristic(spec.uuid).build(device.gatt_server)
                    for spec in service.characteristics
                ],
            )
            for service in self._services
        ]

    def _on_connection(self, connection: Connection) -> None:
        lost: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._links[connection] = lost

        def on_disconnection(reason: int) -> None:
            if not lost.done():
                lost.set_result(reason)
            self._links.pop(connection, None)
            for characteristic in self._characteristics.values():
                characteristic.forget(connection)
            self._signal()
            if self._readvertise and self._powered and not self._closed:
                self.spawn(settle(self._start_advertising()))

        connection.once(Connection.EVENT_DISCONNECTION, on_disconnection)
        self._signal()

    async def _start_advertising(self) -> None:
        advertising_set = self._advertising_set
        if (
            advertising_set is None
            or advertising_set.enabled
            or not self._want_advertising
            or not self._powered
        ):
            return
        await advertising_set.start()

    async def _disconnect_all(self, reason: int) -> None:
        for connection in list(self._links):
            with contextlib.suppress(BaseBumbleError):
                await connection.disconnect(reason)

    def _signal(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            logger.error("a task of simulated peripheral %s failed", self._name, exc_info=error)
