"""A bleak scanner backend that listens on the virtual air's central."""

from __future__ import annotations

import logging
from typing import Any, Literal

from bleak.args.bluez import BlueZScannerArgs
from bleak.backends.scanner import AdvertisementDataCallback, BaseBleakScanner
from bleak.uuids import normalize_uuid_str
from bumble.device import Advertisement, Device

from hardware.ble.bumble_backend.advertising import advertisement_data
from hardware.ble.bumble_backend.air import VirtualAir

__all__ = ["BumbleScanner"]

logger = logging.getLogger(__name__)

# BlueZ discovery filters that mean nothing on the virtual air (it is LE-only and
# reports every advertisement).
_IGNORED_FILTERS = frozenset({"Transport", "DuplicateData", "Discoverable"})


class BumbleScanner(BaseBleakScanner):
    """Scans on the virtual air's central; pass it as ``BleakScanner(backend=BumbleScanner)``.

    Devices are keyed by address (``"D0:00:00:00:00:01"``); a
    :class:`~bleak.backends.device.BLEDevice`'s ``details`` is the bumble
    :class:`~bumble.hci.Address` (with its type), which
    :class:`~hardware.ble.bumble_backend.BumbleClient` connects to.

    Args:
        detection_callback: called with each device and its advertisement data.
        service_uuids: only report advertisements listing one of these services
            (16-, 32- or 128-bit UUID strings).
        scanning_mode: ``"active"`` or ``"passive"``.
        bluez: BlueZ arguments; its ``filters`` are honoured as by
            :meth:`set_scanning_filter`, the rest is ignored.
        air: the air to scan; the current one when omitted.
        **kwargs: other backends' arguments, ignored.
    """

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: Literal["active", "passive"] = "active",
        *,
        bluez: BlueZScannerArgs | None = None,
        air: VirtualAir | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        if self._service_uuids is not None:
            self._service_uuids = [normalize_uuid_str(u) for u in self._service_uuids]
        self._active = scanning_mode != "passive"
        self._air = air
        self._scanning_on: VirtualAir | None = None
        self._min_rssi: int | None = None
        self._pattern: str | None = None
        filters = (bluez or {}).get("filters")
        if filters:
            self.set_scanning_filter(filters=filters)

    def set_scanning_filter(self, **kwargs: Any) -> None:
        """Set filters with the BlueZ backend's vocabulary.

        Keyword Args:
            filters (dict): ``UUIDs`` (replaces ``service_uuids``), ``RSSI`` (the
                weakest signal reported, in dBm) and ``Pattern`` (a prefix of the
                address or of the local name). ``Transport``, ``DuplicateData`` and
                ``Discoverable`` are accepted and ignored; others are logged.
        """
        for key, value in kwargs.get("filters", {}).items():
            if key == "UUIDs":
                self._service_uuids = [normalize_uuid_str(u) for u in value] or None
            elif key == "RSSI":
                self._min_rssi = int(value)
            elif key == "Pattern":
                self._pattern = str(value)
            elif key not in _IGNORED_FILTERS:
                logger.warning("scanning filter %r is not supported", key)

    async def start(self) -> None:
        """Start scanning; the previous scan's devices are forgotten."""
        if self._scanning_on is not None:
            return
        air = self._air if self._air is not None else VirtualAir.current()
        self.seen_devices = {}
        air.central.on(Device.EVENT_ADVERTISEMENT, self._on_advertisement)
        self._scanning_on = air
        try:
            await air.start_scanning(active=self._active)
        except BaseException:
            air.central.remove_listener(Device.EVENT_ADVERTISEMENT, self._on_advertisement)
            self._scanning_on = None
            raise

    async def stop(self) -> None:
        """Stop scanning (a no-op when not scanning)."""
        air, self._scanning_on = self._scanning_on, None
        if air is None or not air.is_open:
            return
        air.central.remove_listener(Device.EVENT_ADVERTISEMENT, self._on_advertisement)
        await air.stop_scanning()

    def _on_advertisement(self, advertisement: Advertisement) -> None:
        data = advertisement_data(advertisement)
        if not self.is_allowed_uuid(data.service_uuids):
            return
        if self._min_rssi is not None and data.rssi < self._min_rssi:
            return
        address = advertisement.address.to_string(False)
        if self._pattern is not None and not (
            address.startswith(self._pattern.upper())
            or (data.local_name or "").startswith(self._pattern)
        ):
            return
        name = data.local_name
        if name is None and self._scanning_on is not None:
            name = self._scanning_on.known_name(address)  # heard before, as BlueZ remembers
        device = self.create_or_update_device(address, address, name, advertisement.address, data)
        try:
            self.call_detection_callbacks(device, data)
        except Exception:
            logger.exception("a detection callback failed")
