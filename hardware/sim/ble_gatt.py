"""GATT services of simulated BLE instruments, declared as data and hosted by bumble.

A simulator declares its services with :class:`GattService`,
:class:`GattCharacteristic` and :class:`GattDescriptor`; handlers refuse a read or
write by raising :class:`GattError`. :class:`HostedCharacteristic` turns one
declaration into bumble attributes on a device's GATT server and keeps its value
and subscribers. :class:`hardware.sim.ble_peripheral.BlePeripheral` puts them on
the air; simulators import everything from there.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from bleak.uuids import normalize_uuid_str
from bumble.att import (
    ATT_READ_NOT_PERMITTED_ERROR,
    ATT_UNLIKELY_ERROR_ERROR,
    ATT_WRITE_NOT_PERMITTED_ERROR,
    ATT_Error,
    Attribute,
    AttributeValue,
    Bearer,
)
from bumble.device import Connection
from bumble.gatt import (
    GATT_CLIENT_CHARACTERISTIC_CONFIGURATION_DESCRIPTOR,
    Characteristic,
    Descriptor,
)
from bumble.gatt_server import Server

from hardware.ble.bumble_backend.advertising import to_bumble_uuid

__all__ = [
    "GattCharacteristic",
    "GattDescriptor",
    "GattError",
    "GattService",
    "HostedCharacteristic",
    "PropertyName",
    "ReadHandler",
    "WriteHandler",
]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

#: Characteristic properties, named as bleak names them.
PropertyName = Literal["read", "write", "write-without-response", "notify", "indicate"]
#: Returns a characteristic's current value (called on every read).
ReadHandler = Callable[[], bytes | Awaitable[bytes]]
#: Receives the bytes a central wrote; may raise :class:`GattError` to refuse them.
WriteHandler = Callable[[bytes], Awaitable[None] | None]

_PROPERTY_FLAGS: Mapping[str, Characteristic.Properties] = {
    "read": Characteristic.Properties.READ,
    "write": Characteristic.Properties.WRITE,
    "write-without-response": Characteristic.Properties.WRITE_WITHOUT_RESPONSE,
    "notify": Characteristic.Properties.NOTIFY,
    "indicate": Characteristic.Properties.INDICATE,
}
#: Longest attribute value ATT allows (Core Vol 3, Part F, 3.2.9).
MAX_VALUE = 512
_CCCD = normalize_uuid_str("2902")


class GattError(Exception):
    """Raised by a read or write handler: the central gets an ATT Error Response.

    Args:
        code: the ATT error code (Core Vol 3, Part F, 3.4.1.1), a profile's own
            (0x80-0x9F), or a common profile error (0xE0-0xFF, e.g. 0xFD, Client
            Characteristic Configuration Descriptor Improperly Configured).
    """

    def __init__(self, code: int) -> None:
        if not 0x01 <= code <= 0xFF:
            raise ValueError(f"ATT error code {code} is outside 0x01..0xFF")
        super().__init__(f"ATT error 0x{code:02X}")
        self.code = code


@dataclass(frozen=True, slots=True)
class GattDescriptor:
    """A characteristic descriptor other than the CCCD (which the stack provides).

    Attributes:
        uuid: its UUID, e.g. ``"2901"`` (Characteristic User Description).
        value: its initial value.
        writable: whether centrals may write it.
    """

    uuid: str
    value: bytes = b""
    writable: bool = False

    def __post_init__(self) -> None:
        if normalize_uuid_str(self.uuid) == _CCCD:
            raise ValueError("the CCCD is provided by the stack; do not declare it")
        if len(self.value) > MAX_VALUE:
            raise ValueError(f"descriptor {self.uuid}: value longer than {MAX_VALUE} bytes")


@dataclass(frozen=True, slots=True)
class GattCharacteristic:
    """One characteristic of a simulated service.

    Attributes:
        uuid: its UUID (16-, 32- or 128-bit string).
        properties: what a central may do with it.
        value: the initial value, returned by reads when there is no ``on_read``,
            and replaced by every accepted write.
        on_read: computes the value on each read instead.
        on_write: called with the bytes of each accepted write (after they are
            stored), before the write is acknowledged; it may raise
            :class:`GattError` to refuse them.
        encrypted: reads, writes and subscriptions (and its descriptors' reads
            and writes) need an encrypted link: the central must have paired,
            or it gets Insufficient Encryption (0x0F).
        descriptors: its descriptors besides the CCCD.
    """

    uuid: str
    properties: tuple[PropertyName, ...]
    value: bytes = b""
    on_read: ReadHandler | None = None
    on_write: WriteHandler | None = None
    encrypted: bool = False
    descriptors: tuple[GattDescriptor, ...] = ()

    def __post_init__(self) -> None:
        normalize_uuid_str(self.uuid)  # raises ValueError on a malformed UUID
        if not self.properties:
            raise ValueError(f"characteristic {self.uuid} has no properties")
        unknown = set(self.properties) - set(_PROPERTY_FLAGS)
        if unknown:
            raise ValueError(f"characteristic {self.uuid}: unknown properties {sorted(unknown)}")
        if len(self.value) > MAX_VALUE:
            raise ValueError(f"characteristic {self.uuid}: value longer than {MAX_VALUE} bytes")
        uuids = [normalize_uuid_str(d.uuid) for d in self.descriptors]
        if len(set(uuids)) != len(uuids):
            raise ValueError(f"characteristic {self.uuid}: a descriptor is declared twice")


@dataclass(frozen=True, slots=True)
class GattService:
    """A primary service and its characteristics, in handle order."""

    uuid: str
    characteristics: tuple[GattCharacteristic, ...]

    def __post_init__(self) -> None:
        normalize_uuid_str(self.uuid)


class HostedCharacteristic:
    """A declared characteristic on a GATT server: its attribute, value and subscribers.

    Args:
        spec: the declaration.
        on_subscription: called after a central changes its subscription.
    """

    def __init__(self, spec: GattCharacteristic, on_subscription: Callable[[], None]) -> None:
        self.spec = spec
        self.value = bytes(spec.value)
        self.descriptor_values = {
            normalize_uuid_str(d.uuid): bytes(d.value) for d in spec.descriptors
        }
        #: Subscribed connections: (notifications on, indications on).
        self.subscribers: dict[Connection, tuple[bool, bool]] = {}
        self._on_subscription = on_subscription
        self._attribute: Characteristic[bytes] | None = None

    @property
    def attribute(self) -> Characteristic[bytes]:
        """The bumble characteristic (after :meth:`build`)."""
        if self._attribute is None:
            raise RuntimeError(f"characteristic {self.spec.uuid} is not hosted yet")
        return self._attribute

    def build(self, server: Server) -> Characteristic[bytes]:
        """Create the bumble characteristic and its descriptors, for ``server``."""
        spec = self.spec
        properties = Characteristic.Properties(0)
        for name in spec.properties:
            properties |= _PROPERTY_FLAGS[name]
        # bumble checks only the encryption flags; the handlers check the rest,
        # answering Read/Write Not Permitted as a real server does.
        permissions = Attribute.Permissions.READABLE | Attribute.Permissions.WRITEABLE
        if spec.encrypted:
            permissions |= (
                Attribute.Permissions.READ_REQUIRES_ENCRYPTION
                | Attribute.Permissions.WRITE_REQUIRES_ENCRYPTION
            )
        attribute: Characteristic[bytes] = Characteristic(
            to_bumble_uuid(spec.uuid),
            properties,
            permissions,
            AttributeValue(read=_answering(self._read), write=_answering(self._write)),
        )
        descriptors = [self._build_descriptor(d, permissions) for d in spec.descriptors]
        if spec.encrypted and {"notify", "indicate"} & set(spec.properties):
            # Subscribing needs encryption too, as profiles that require bonding
            # specify; the CCCD bumble adds by itself would accept any link.
            descriptors.append(
                Descriptor(
                    GATT_CLIENT_CHARACTERISTIC_CONFIGURATION_DESCRIPTOR,
                    Attribute.Permissions.READABLE
                    | Attribute.Permissions.WRITEABLE
                    | Attribute.Permissions.WRITE_REQUIRES_ENCRYPTION,
                    server.make_descriptor_value(attribute),
                )
            )
        attribute.descriptors = descriptors
        attribute.on(Characteristic.EVENT_SUBSCRIPTION, self._subscription_changed)
        self._attribute = attribute
        return attribute

    def forget(self, connection: Connection) -> None:
        """Drop a disconnected central's subscription."""
        self.subscribers.pop(connection, None)

    async def _read(self, _connection: Connection) -> bytes:
        if "read" not in self.spec.properties:
            raise ATT_Error(ATT_READ_NOT_PERMITTED_ERROR)
        if self.spec.on_read is None:
            return self.value
        return bytes(await _call(self.spec.on_read))

    async def _write(self, _connection: Connection, value: bytes) -> None:
        if not {"write", "write-without-response"} & set(self.spec.properties):
            raise ATT_Error(ATT_WRITE_NOT_PERMITTED_ERROR)
        self.value = bytes(value)
        if self.spec.on_write is not None:
            await _call(self.spec.on_write, bytes(value))

    def _build_descriptor(
        self, spec: GattDescriptor, permissions: Attribute.Permissions
    ) -> Descriptor:
        key = normalize_uuid_str(spec.uuid)

        async def read(_connection: Connection) -> bytes:
            return self.descriptor_values[key]

        async def write(_connection: Connection, value: bytes) -> None:
            if not spec.writable:
                raise ATT_Error(ATT_WRITE_NOT_PERMITTED_ERROR)
            self.descriptor_values[key] = bytes(value)

        return Descriptor(
            to_bumble_uuid(spec.uuid),
            permissions,
            AttributeValue(read=_answering(read), write=_answering(write)),
        )

    def _subscription_changed(self, bearer: Bearer, notify: bool, indicate: bool) -> None:
        if not isinstance(bearer, Connection):
            return  # EATT is not enabled on the air's devices
        if notify or indicate:
            self.subscribers[bearer] = (notify, indicate)
        else:
            self.subscribers.pop(bearer, None)
        self._on_subscription()


async def _call(handler: Callable[..., Any], *args: Any) -> Any:
    result = handler(*args)
    if inspect.isawaitable(result):
        result = await result
    return result


def _answering(operation: Callable[..., Awaitable[_T]]) -> Callable[..., Awaitable[_T]]:
    """Turn a handler's :class:`GattError` (or crash) into the ATT error bumble answers with."""

    async def answered(*args: Any) -> _T:
        try:
            return await operation(*args)
        except ATT_Error:
            raise
        except GattError as exc:
            raise ATT_Error(exc.code) from exc
        except Exception as exc:
            logger.exception("a GATT handler of a simulated peripheral failed")
            raise ATT_Error(ATT_UNLIKELY_ERROR_ERROR) from exc

    return answered
