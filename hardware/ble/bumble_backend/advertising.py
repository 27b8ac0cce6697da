"""Advertising data and UUIDs between bumble's and bleak's vocabularies.

Advertising data is a run of AD structures (Core Specification Supplement, Part A,
section 1): a length byte, a type byte, then the data. The peripheral simulator
encodes them with :func:`encode_advertising_data`; the scanner decodes what the
central's controller reports with :func:`advertisement_data`, giving bleak's
:class:`~bleak.backends.scanner.AdvertisementData` with the same field conventions
as the BlueZ backend (128-bit lowercase UUID strings, manufacturer data keyed by
company identifier).
"""

from __future__ import annotations

import struct
import uuid as uuid_module
from collections.abc import Iterable, Mapping

from bleak.backends.scanner import AdvertisementData
from bleak.uuids import normalize_uuid_16, normalize_uuid_32, normalize_uuid_str
from bumble.core import UUID
from bumble.device import Advertisement

__all__ = [
    "MAX_EXTENDED_ADVERTISING_DATA",
    "MAX_LEGACY_ADVERTISING_DATA",
    "advertisement_data",
    "encode_advertising_data",
    "to_bleak_uuid",
    "to_bumble_uuid",
]

#: Bytes of advertising data a legacy advertising PDU carries.
MAX_LEGACY_ADVERTISING_DATA = 31
#: Bytes of advertising data one HCI command can set for an extended advertising set.
MAX_EXTENDED_ADVERTISING_DATA = 251

_SIG_BASE_SUFFIX = "-0000-1000-8000-00805f9b34fb"

# AD types (Bluetooth Assigned Numbers, section 2.3).
_FLAGS = 0x01
_UUID16_INCOMPLETE, _UUID16_COMPLETE = 0x02, 0x03
_UUID32_INCOMPLETE, _UUID32_COMPLETE = 0x04, 0x05
_UUID128_INCOMPLETE, _UUID128_COMPLETE = 0x06, 0x07
_SHORT_NAME, _COMPLETE_NAME = 0x08, 0x09
_TX_POWER = 0x0A
_SERVICE_DATA_16, _SERVICE_DATA_32, _SERVICE_DATA_128 = 0x16, 0x20, 0x21
_MANUFACTURER_DATA = 0xFF

#: LE General Discoverable Mode, BR/EDR Not Supported: what an LE-only instrument sets.
_LE_ONLY_GENERAL_DISCOVERABLE = 0x06


def to_bleak_uuid(uuid: UUID) -> str:
    """A bumble UUID as bleak writes it: 128 bits, lowercase, with dashes."""
    return str(uuid_module.UUID(bytes=bytes(reversed(uuid.to_bytes(force_128=True)))))


def to_bumble_uuid(uuid: str) -> UUID:
    """A UUID string (16-, 32- or 128-bit) as a bumble UUID, 16-bit when the SIG base allows.

    A server declares SIG-assigned attributes with their 16-bit UUIDs, as real
    instruments do; anything else keeps its 128 bits.
    """
    normalized = normalize_uuid_str(uuid)
    if normalized.endswith(_SIG_BASE_SUFFIX) and normalized.startswith("0000"):
        return UUID(normalized[4:8])
    return UUID(normalized)


def _uuid_list(data: bytes, size: int) -> list[str]:
    uuids: list[str] = []
    for offset in range(0, len(data) - size + 1, size):
        chunk = data[offset : offset + size]
        if size == 2:
            uuids.append(normalize_uuid_16(int.from_bytes(chunk, "little")))
        elif size == 4:
            uuids.append(normalize_uuid_32(int.from_bytes(chunk, "little")))
        else:
            uuids.append(str(uuid_module.UUID(bytes=bytes(reversed(chunk)))))
    return uuids


def _service_data_key(data: bytes, size: int) -> str | None:
    if len(data) < size:
        return None
    return _uuid_list(data[:size], size)[0]


def advertisement_data(advertisement: Advertisement) -> AdvertisementData:
    """Decode what the central heard into bleak's advertisement data.

    Repeated AD structures (an advertisement merged with its scan response) are
    folded: service UUIDs appear once each, in the order first seen; for the
    other fields the last structure wins. Malformed structures are skipped.

    Args:
        advertisement: one advertisement report from the central's bumble device.

    Returns:
        The data, with ``platform_data`` holding the bumble advertisement.
    """
    local_name: str | None = None
    short_name: str | None = None
    service_uuids: list[str] = []
    service_data: dict[str, bytes] = {}
    manufacturer_data: dict[int, bytes] = {}
    tx_power: int | None = None
    uuid_sizes = {
        _UUID16_INCOMPLETE: 2,
        _UUID16_COMPLETE: 2,
        _UUID32_INCOMPLETE: 4,
        _UUID32_COMPLETE: 4,
        _UUID128_INCOMPLETE: 16,
        _UUID128_COMPLETE: 16,
    }
    service_data_sizes = {_SERVICE_DATA_16: 2, _SERVICE_DATA_32: 4, _SERVICE_DATA_128: 16}

    for ad_type, data in advertisement.data.ad_structures:
        if ad_type in uuid_sizes:
            for uuid in _uuid_list(data, uuid_sizes[ad_type]):
                if uuid not in service_uuids:
                    service_uuids.append(uuid)
        elif ad_type == _COMPLETE_NAME:
            local_name = data.decode("utf-8", errors="replace")
        elif ad_type == _SHORT_NAME:
            short_name = data.decode("utf-8", errors="replace")
        elif ad_type == _TX_POWER and len(data) == 1:
            tx_power = struct.unpack("b", data)[0]
        elif ad_type == _MANUFACTURER_DATA and len(data) >= 2:
            manufacturer_data[int.from_bytes(data[:2], "little")] = bytes(data[2:])
        elif ad_type in service_data_sizes:
            size = service_data_sizes[ad_type]
            key = _service_data_key(data, size)
            if key is not None:
                service_data[key] = bytes(data[size:])

    return AdvertisementData(
        local_name=local_name if local_name is not None else short_name,
        manufacturer_data=manufacturer_data,
        service_data=service_data,
        service_uuids=service_uuids,
        tx_power=tx_power,
        rssi=advertisement.rssi,
        platform_data=(advertisement,),
    )


def _structure(ad_type: int, data: bytes) -> bytes:
    if len(data) > 254:
        raise ValueError(f"AD structure 0x{ad_type:02X} is {len(data)} bytes, at most 254 fit")
    return bytes([len(data) + 1, ad_type]) + data


def encode_advertising_data(
    *,
    name: str | None = None,
    service_uuids: Iterable[str] = (),
    manufacturer_data: Mapping[int, bytes] | None = None,
    service_data: Mapping[str, bytes] | None = None,
    tx_power: int | None = None,
) -> bytes:
    """Encode an LE-only, generally discoverable instrument's advertising data.

    Args:
        name: the complete local name.
        service_uuids: service UUIDs (any length); SIG-assigned ones go in the
            16-bit list, the others in the 128-bit list.
        manufacturer_data: bytes by company identifier.
        service_data: bytes by service UUID.
        tx_power: the TX Power Level AD field, in dBm (-127 to 127).

    Returns:
        The AD structures, flags first.

    Raises:
        ValueError: if a field does not fit its structure.
    """
    parts = [_structure(_FLAGS, bytes([_LE_ONLY_GENERAL_DISCOVERABLE]))]
    if name is not None:
        parts.append(_structure(_COMPLETE_NAME, name.encode("utf-8")))
    short: list[bytes] = []
    long: list[bytes] = []
    for uuid in service_uuids:
        bumble_uuid = to_bumble_uuid(uuid)
        (short if len(bumble_uuid.uuid_bytes) == 2 else long).append(
            bumble_uuid.to_bytes(force_128=len(bumble_uuid.uuid_bytes) != 2)
        )
    if short:
        parts.append(_structure(_UUID16_COMPLETE, b"".join(short)))
    if long:
        parts.append(_structure(_UUID128_COMPLETE, b"".join(long)))
    if tx_power is not None:
        if not -127 <= tx_power <= 127:
            raise ValueError(f"tx_power {tx_power} dBm is outside -127..127")
        parts.append(_structure(_TX_POWER, struct.pack("b", tx_power)))
    for company, payload in (manufacturer_data or {}).items():
        if not 0 <= company <= 0xFFFF:
            raise ValueError(f"company identifier {company} is not 16-bit")
        parts.append(_structure(_MANUFACTURER_DATA, company.to_bytes(2, "little") + payload))
    for uuid, payload in (service_data or {}).items():
        bumble_uuid = to_bumble_uuid(uuid)
        if len(bumble_uuid.uuid_bytes) == 2:
            parts.append(_structure(_SERVICE_DATA_16, bumble_uuid.to_bytes() + payload))
        else:
            parts.append(
                _structure(_SERVICE_DATA_128, bumble_uuid.to_bytes(force_128=True) + payload)
            )
    return b"".join(parts)
