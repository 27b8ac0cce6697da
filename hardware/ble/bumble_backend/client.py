"""A bleak client backend that talks GATT from the virtual air's central."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bleak.args import SizedBuffer
from bleak.assigned_numbers import CHARACTERISTIC_PROPERTIES, CharacteristicPropertyName
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import (
    BleakCharacteristicNotFoundError,
    BleakDeviceNotFoundError,
    BleakError,
    BleakGATTProtocolError,
)
from bumble import hci
from bumble.att import ATT_Error
from bumble.core import UUID, BaseBumbleError
from bumble.core import TimeoutError as BumbleTimeoutError
from bumble.device import Connection
from bumble.gatt_client import CharacteristicProxy

from hardware.ble.bumble_backend.advertising import to_bleak_uuid
from hardware.ble.bumble_backend.air import CENTRAL_MTU, VirtualAir, settle

__all__ = ["BumbleClient"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

#: The ATT MTU before any exchange (Core Vol 3, Part F, 3.2.8).
_DEFAULT_MTU = 23
_GAP_DEVICE_NAME = UUID.from_16_bits(0x2A00)
#: Seconds a disconnection may take before the link is considered gone anyway.
_DISCONNECT_TIMEOUT = 5.0


class BumbleClient(BaseBleakClient):
    """GATT client on the virtual air; pass it as ``BleakClient(..., backend=BumbleClient)``.

    It behaves as bleak's BlueZ backend does where drivers can tell: the ATT MTU
    is exchanged on connect (the central offers 517), the disconnected callback
    fires on every disconnection, local or remote, and a peer bonded earlier gets
    an encrypted link as soon as it reconnects. Unlike BlueZ, a characteristic
    that needs encryption is not read by pairing on the fly: it fails with
    :class:`~bleak.exc.BleakGATTProtocolError` until :meth:`pair` is called.

    Args:
        address_or_ble_device: a device from :class:`BumbleScanner`, or an address.
        disconnected_callback: called, without arguments, when the link ends.
        timeout: seconds :meth:`connect` waits for the peripheral.
        services: discover only these services (128-bit UUID strings).
        air: the air to use; the current one when omitted.
        **kwargs: other backends' arguments (``bluez``, ``winrt``), ignored.
    """

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Callable[[], None] | None,
        timeout: float,
        services: set[str] | None = None,
        air: VirtualAir | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout
        )
        self._known_peer: hci.Address | None = None
        self._device_name: str | None = None
        self._gap_name: str | None = None
        if isinstance(address_or_ble_device, BLEDevice):
            self._device_name = address_or_ble_device.name
            if isinstance(address_or_ble_device.details, hci.Address):
                self._known_peer = address_or_ble_device.details
        self._requested_services = services
        self._air = air
        self._connection: Connection | None = None
        self._proxies: dict[int, CharacteristicProxy[bytes]] = {}
        self._subscriptions: dict[int, Callable[[bytes], None]] = {}

    # -- identity ----------------------------------------------------------------

    @property
    def name(self) -> str:
        """The peer's name, as BlueZ gives it.

        The GAP Device Name read on connecting, else the name the scanner saw,
        else the address with dashes.
        """
        if self._gap_name:
            return self._gap_name
        if self._device_name:
            return self._device_name
        air = self._air if self._air is not None else _current_or_none()
        known = air.known_name(self.address) if air is not None else None
        return known if known is not None else self.address.replace(":", "-")

    @property
    def mtu_size(self) -> int:
        """The ATT MTU of the current connection, in bytes (23 when not connected)."""
        return self._connection.att_mtu if self._connection is not None else _DEFAULT_MTU

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    # -- connection ------------------------------------------------------------------

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        """Connect, exchange the MTU, restore or make the bond, and discover services.

        Args:
            pair: pair first if the peer is not bonded yet.
            **kwargs: ignored.

        Raises:
            TimeoutError: if the peripheral did not answer within the timeout.
            BleakDeviceNotFoundError: if the address is not a Bluetooth address.
            BleakError: if the link failed or dropped while being set up.
        """
        if self._connection is not None:
            return
        air = self._resolve_air()
        connection = await air.connect(self._peer, self._timeout)
        self._connection = connection
        connection.on(Connection.EVENT_DISCONNECTION, self._on_disconnection)
        logger.debug("connected to %s", self.address)
        try:
            await self._att(connection.gatt_client.request_mtu(CENTRAL_MTU))
            if await self._is_bonded(air):
                await self._encrypt(connection)
            elif pair:
                await self.pair()
            self.services = await self._discover(connection)
            await self._read_gap_name(connection)
        except BaseException:
            await self._drop(connection)
            raise

    async def disconnect(self) -> None:
        """Disconnect (a no-op when not connected)."""
        connection = self._connection
        if connection is None:
            return
        await self._drop(connection)

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        """Pair and bond with LE Secure Connections "just works" (no-op if already bonded).

        Raises:
            BleakError: if not connected, or if pairing failed.
        """
        connection = self._require_connection()
        if connection.is_encrypted and await self._is_bonded(self._resolve_air()):
            return
        try:
            await self._att(connection.pair())
        except BleakError:
            raise
        except BaseBumbleError as exc:
            raise BleakError(f"pairing with {self.address} failed: {exc}") from exc
        logger.debug("paired with %s", self.address)

    async def unpair(self) -> None:
        """Forget the bond on the station's side, and disconnect."""
        air = self._resolve_air()
        await self.disconnect()
        keystore = air.central.keystore
        if keystore is not None:
            await keystore.delete(str(self._peer))
            await settle(air.central.refresh_resolving_list())

    # -- GATT --------------------------------------------------------------------

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        connection = self._require_connection()
        client = connection.gatt_client
        if use_cached and (cached := client.cached_values.get(characteristic.handle)):
            return bytearray(cached[1])
        return bytearray(await self._att(client.read_value(characteristic.handle)))

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        connection = self._require_connection()
        return bytearray(await self._att(connection.gatt_client.read_value(descriptor.handle)))

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: SizedBuffer, response: bool
    ) -> None:
        connection = self._require_connection()
        await self._att(
            connection.gatt_client.write_value(
                characteristic.handle, bytes(data), with_response=response
            )
        )

    async def write_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, data: SizedBuffer
    ) -> None:
        connection = self._require_connection()
        await self._att(
            connection.gatt_client.write_value(descriptor.handle, bytes(data), with_response=True)
        )

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        """Subscribe through the CCCD, preferring notifications when both are offered."""
        self._require_connection()
        proxy = self._proxy(characteristic)
        if characteristic.handle in self._subscriptions:
            await self.stop_notify(characteristic)

        def on_value(value: bytes) -> None:
            try:
                callback(bytearray(value))
            except Exception:
                logger.exception("a notification callback failed")

        self._subscriptions[characteristic.handle] = on_value
        try:
            await self._att(proxy.subscribe(on_value, prefer_notify=True))
        except BaseException:
            self._subscriptions.pop(characteristic.handle, None)
            with contextlib.suppress(BleakError, BaseBumbleError):
                await self._att(proxy.unsubscribe(on_value))
            raise

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        """Unsubscribe; the CCCD is cleared once no callback is left."""
        subscriber = self._subscriptions.pop(characteristic.handle, None)
        if subscriber is None or self._connection is None:
            return
        await self._att(self._proxy(characteristic).unsubscribe(subscriber))

    # -- helpers -----------------------------------------------------------------

    def _resolve_air(self) -> VirtualAir:
        return self._air if self._air is not None else VirtualAir.current()

    @property
    def _peer(self) -> hci.Address:
        # The air's instruments all use static random addresses.
        if self._known_peer is None:
            try:
                self._known_peer = hci.Address(self.address, hci.Address.RANDOM_DEVICE_ADDRESS)
            except (ValueError, BaseBumbleError) as exc:
                raise BleakDeviceNotFoundError(self.address, "not a Bluetooth address") from exc
        return self._known_peer

    def _require_connection(self) -> Connection:
        if self._connection is None:
            raise BleakError("Not connected")
        return self._connection

    def _proxy(self, characteristic: BleakGATTCharacteristic) -> CharacteristicProxy[bytes]:
        proxy = self._proxies.get(characteristic.handle)
        if proxy is None:
            raise BleakCharacteristicNotFoundError(characteristic.handle)
        return proxy

    def _max_write_without_response_size(self) -> int:
        return self.mtu_size - 3

    async def _att(self, operation: Awaitable[_T]) -> _T:
        """Await a bumble operation, with bumble's errors turned into bleak's."""
        try:
            return await operation
        except ATT_Error as exc:
            raise BleakGATTProtocolError(exc.error_code) from exc
        except BumbleTimeoutError as exc:
            raise TimeoutError(f"{self.address} did not answer in time") from exc
        except asyncio.CancelledError:
            # bumble cancels a request in flight when the link drops; only a
            # cancellation of our own task is a cancellation.
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            raise BleakError(f"{self.address} disconnected") from None

    async def _is_bonded(self, air: VirtualAir) -> bool:
        keystore = air.central.keystore
        return keystore is not None and await keystore.get(str(self._peer)) is not None

    async def _encrypt(self, connection: Connection) -> None:
        try:
            await self._att(settle(connection.encrypt()))
        except BleakError:
            raise
        except BaseBumbleError as exc:
            # The peer may have forgotten the bond; the link stays, unencrypted.
            logger.warning("could not restore encryption with %s: %s", self.address, exc)

    async def _discover(self, connection: Connection) -> BleakGATTServiceCollection:
        client = connection.gatt_client
        collection = BleakGATTServiceCollection()
        proxies: dict[int, CharacteristicProxy[bytes]] = {}
        for service_proxy in await self._att(client.discover_services()):
            service_uuid = to_bleak_uuid(service_proxy.uuid)
            if self._requested_services and service_uuid not in self._requested_services:
                continue
            service = BleakGATTService(service_proxy, service_proxy.handle, service_uuid)
            collection.add_service(service)
            for proxy in await self._att(client.discover_characteristics((), service_proxy)):
                await self._att(client.discover_descriptors(proxy))
                characteristic = BleakGATTCharacteristic(
                    proxy,
                    proxy.handle,
                    to_bleak_uuid(proxy.uuid),
                    _property_names(int(proxy.properties)),
                    self._max_write_without_response_size,
                    service,
                )
                collection.add_characteristic(characteristic)
                proxies[proxy.handle] = proxy
                for descriptor_proxy in proxy.descriptors:
                    collection.add_descriptor(
                        BleakGATTDescriptor(
                            descriptor_proxy,
                            descriptor_proxy.handle,
                            to_bleak_uuid(descriptor_proxy.type),
                            characteristic,
                        )
                    )
        self._proxies = proxies
        return collection

    async def _read_gap_name(self, connection: Connection) -> None:
        # BlueZ reads the GAP Device Name on connecting and names the device after it.
        proxies = connection.gatt_client.get_characteristics_by_uuid(_GAP_DEVICE_NAME)
        if not proxies:
            return
        try:
            value = await self._att(connection.gatt_client.read_value(proxies[0].handle))
        except BleakGATTProtocolError:
            return
        self._gap_name = value.decode("utf-8", errors="replace") or None

    async def _drop(self, connection: Connection) -> None:
        if self._connection is not connection:
            return
        try:
            await settle(_disconnect(connection))
        except (BaseBumbleError, TimeoutError) as exc:
            logger.debug("disconnecting from %s: %r", self.address, exc)
        # bumble reports the disconnection through _on_disconnection; make sure
        # the state is clean even if the report was lost.
        if self._connection is connection:
            self._on_disconnection(hci.HCI_ErrorCode.CONNECTION_TERMINATED_BY_LOCAL_HOST_ERROR)

    def _on_disconnection(self, reason: int) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        connection.remove_listener(Connection.EVENT_DISCONNECTION, self._on_disconnection)
        self.services = None
        self._proxies = {}
        self._subscriptions.clear()
        logger.debug("disconnected from %s (reason 0x%02X)", self.address, reason)
        if self._disconnected_callback is not None:
            try:
                self._disconnected_callback()
            except Exception:
                logger.exception("the disconnected callback failed")


async def _disconnect(connection: Connection) -> None:
    # A controller that no longer knew the link would never report its end.
    async with asyncio.timeout(_DISCONNECT_TIMEOUT):
        await connection.disconnect()


def _property_names(properties: int) -> list[CharacteristicPropertyName]:
    return [name for bit, name in CHARACTERISTIC_PROPERTIES.items() if properties & bit]


def _current_or_none() -> VirtualAir | None:
    try:
        return VirtualAir.current()
    except BleakError:
        return None
