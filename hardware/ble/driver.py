"""One paired BLE health device, read through bleak's public API only.

:class:`BleDriver` is a :class:`~hardware.driver.Driver`: the hub runs it, and
restarts it with backoff when it raises :class:`~cabin.errors.DeviceUnavailable`.
One run is one connection:

1. scan until the device's own address advertises (a neighbour's device is
   never looked at: the driver knows one address, from the allow-list);
2. connect, and pair (bond) unless told not to;
3. read what the device says of itself (Device Information, Battery), and
   set its clock from the station's where it has a writable Current Time;
4. subscribe to the profile's measurements;
5. for a meter that keeps records, ask its Record Access Control Point for
   those it took since the last one the station has (all of them the first
   time), so that a reading taken before the cabin connected is not lost;
6. emit each measurement as :class:`~hardware.events.Reading` events, with the
   device's time and the station's, until the link drops.

Parse, then coordinate (STYLE.md, practice 8): payloads are decoded by
:func:`hardware.ble.parse` and turned into readings by
:mod:`hardware.ble.readings`; this module only connects, subscribes, retries
and counts. A payload that does not decode is counted, logged once per
connection, and reported as a status; the connection goes on.

The backends are parameters: bleak's platform ones (BlueZ) at a real station,
:class:`~hardware.ble.bumble_backend.BumbleScanner` and
:class:`~hardware.ble.bumble_backend.BumbleClient` in tests and simulation.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from bleak import BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import BaseBleakScanner
from bleak.exc import BleakError

from cabin.errors import DeviceUnavailable, FrameError
from hardware.ble.clock import AdjustReason, CurrentTime
from hardware.ble.device_info import BatteryLevel
from hardware.ble.glucose import GlucoseMeasurement, GlucoseMeasurementContext
from hardware.ble.parse import parse
from hardware.ble.profiles import PROFILES, Profile, profile_for_services, service_numbers
from hardware.ble.racp import (
    RacpFilterType,
    RacpOpCode,
    RacpOperator,
    RacpRequest,
    RacpResponse,
    RacpResponseCode,
)
from hardware.ble.readings import ReadingContext, glucose_reading, to_readings
from hardware.ble.uuids import CharacteristicUuid as C
from hardware.ble.uuids import uuid128
from hardware.driver import Clock, Emit, utc_now
from hardware.events import DeviceState, DeviceStatus, Reading

__all__ = ["BleDriver", "find_by_address"]

log = logging.getLogger(__name__)

# Device Information strings, under the names Reading.device_info uses.
_INFO: Mapping[C, str] = {
    C.MANUFACTURER_NAME: "manufacturer",
    C.MODEL_NUMBER: "model",
    C.SERIAL_NUMBER: "serial",
    C.FIRMWARE_REVISION: "firmware",
    C.HARDWARE_REVISION: "hardware",
    C.SOFTWARE_REVISION: "software",
}


class BleDriver:
    """Read one allow-listed BLE health device.

    Args:
        device_id: the station's name for it.
        address: its Bluetooth address (from the allow-list).
        profile: the profile's name (``blood_pressure``...); None to take the
            device's first known service.
        scanner_backend: bleak scanner backend (None: the platform's).
        client_backend: bleak client backend (None: the platform's).
        bond: pair with the device after connecting (health devices mostly require it).
        timezone: the zone of the device's clock, which the station sets.
        scan_timeout: seconds to wait for the device to advertise.
        connect_timeout: seconds to connect.
        racp_timeout: seconds to wait for a meter to finish reporting stored records.
        clock: the station's UTC clock.
    """

    def __init__(
        self,
        device_id: str,
        address: str,
        *,
        profile: str | None = None,
        scanner_backend: type[BaseBleakScanner] | None = None,
        client_backend: type[BaseBleakClient] | None = None,
        bond: bool = True,
        timezone: str = "Asia/Ho_Chi_Minh",
        scan_timeout: float = 10.0,
        connect_timeout: float = 15.0,
        racp_timeout: float = 15.0,
        clock: Clock = utc_now,
    ) -> None:
        if profile is not None and profile not in PROFILES:
            raise ValueError(f"unknown BLE profile {profile!r}")
        self.device_id = device_id
        self.address = address
        self.profile = PROFILES[profile] if profile is not None else None
        self.scanner_backend = scanner_backend
        self.client_backend = client_backend
        self.bond = bond
        self.timezone = ZoneInfo(timezone)
        self.scan_timeout = scan_timeout
        self.connect_timeout = connect_timeout
        self.racp_timeout = racp_timeout
        self._clock = clock
        self._counters: Counter[str] = Counter()
        self._emit: Emit = lambda event: None
        self.device_info: dict[str, str] = {}
        # Across reconnections: the meter's last record the station has, and the
        # timed readings already passed on (a stored record may also arrive live).
        self._last_sequence: int | None = None
        self._seen: set[tuple[object, ...]] = set()
        self._sequences: set[int] = set()
        self._garbage_logged = False
        self._pending_glucose: GlucoseMeasurement | None = None
        self._racp_answers: asyncio.Queue[RacpResponse] = asyncio.Queue()

    @property
    def counters(self) -> Mapping[str, int]:
        """Running totals: connections, payloads, readings, bad payloads, stored records."""
        return dict(self._counters)

    async def command(self, name: str, **params: float) -> None:
        """BLE health devices take no commands from the station (they measure by their button)."""
        raise DeviceUnavailable(f"unknown command {name!r}", device_id=self.device_id)

    # --- one connection -------------------------------------------------------------------

    async def run(self, emit: Emit) -> None:
        """Find, connect, subscribe and read until the link drops (then raise)."""
        self._emit = emit
        self._garbage_logged = False
        try:
            await self._connection()
        except (BleakError, TimeoutError, EOFError) as exc:
            raise DeviceUnavailable(_reason(exc), device_id=self.device_id) from exc

    async def _connection(self) -> None:
        device = await find_by_address(self.address, self.scan_timeout, self.scanner_backend)
        if device is None:
            raise DeviceUnavailable("not in range", device_id=self.device_id)
        lost = asyncio.Event()
        client = BleakClient(
            device,
            disconnected_callback=lambda _client: lost.set(),
            timeout=self.connect_timeout,
            backend=self.client_backend,
        )
        async with client:
            self._counters["connections"] += 1
            if self.bond:
                await client.pair()
            profile = self.profile or self._detect(client)
            self.device_info = await self._read_device_info(client)
            await self._set_clock(client)
            await self._subscribe(client, profile)
            self._status(DeviceState.CONNECTED, "connected")
            if profile.stored_records and _has(client, C.RECORD_ACCESS_CONTROL_POINT):
                await self._fetch_stored(client)
            await lost.wait()
        raise DeviceUnavailable("link lost", device_id=self.device_id)

    def _detect(self, client: BleakClient) -> Profile:
        profile = profile_for_services(s.uuid for s in client.services)
        if profile is None:
            raise DeviceUnavailable("offers no health service", device_id=self.device_id)
        return profile

    async def _read_device_info(self, client: BleakClient) -> dict[str, str]:
        info: dict[str, str] = {}
        for uuid, name in _INFO.items():
            if _has(client, uuid):
                value = await self._read(client, uuid)
                if value is not None:
                    info[name] = str(getattr(value, "value", value))
        if _has(client, C.BATTERY_LEVEL):
            battery = await self._read(client, C.BATTERY_LEVEL)
            if isinstance(battery, BatteryLevel):
                info["battery"] = str(battery.level)
        return info

    async def _read(self, client: BleakClient, uuid: C) -> object | None:
        try:
            return parse(uuid.uuid, bytes(await client.read_gatt_char(uuid.uuid)))
        except FrameError as exc:
            self._garbage(exc)
            return None

    async def _set_clock(self, client: BleakClient) -> None:
        char = _characteristic(client, C.CURRENT_TIME)
        if char is None or not {"write", "write-without-response"} & set(char.properties):
            return
        now = self._clock().astimezone(self.timezone)
        value = CurrentTime.from_datetime(now, AdjustReason.EXTERNAL_REFERENCE_TIME_UPDATE)
        await client.write_gatt_char(char, bytes(value), response="write" in char.properties)
        self._counters["clock_set"] += 1

    async def _subscribe(self, client: BleakClient, profile: Profile) -> None:
        wanted = list(profile.live)
        offered = service_numbers(s.uuid for s in client.services)
        for service, chars in profile.extra_services.items():
            if service in offered:
                wanted.extend(chars)
        if profile.stored_records and _has(client, C.RECORD_ACCESS_CONTROL_POINT):
            wanted.append(C.RECORD_ACCESS_CONTROL_POINT)
        for uuid in wanted:
            char = _characteristic(client, uuid)
            if char is not None and {"notify", "indicate"} & set(char.properties):
                await client.start_notify(char, self._on_payload)

    async def _fetch_stored(self, client: BleakClient) -> None:
        """Ask the meter for the records the station does not have, and wait till it is done."""
        if self._last_sequence is None:
            request = RacpRequest(RacpOpCode.REPORT_STORED_RECORDS, RacpOperator.ALL_RECORDS)
        else:
            request = RacpRequest(
                RacpOpCode.REPORT_STORED_RECORDS,
                RacpOperator.GREATER_THAN_OR_EQUAL,
                RacpFilterType.SEQUENCE_NUMBER,
                minimum=(self._last_sequence + 1) & 0xFFFF,
            )
        while not self._racp_answers.empty():
            self._racp_answers.get_nowait()
        await client.write_gatt_char(C.RECORD_ACCESS_CONTROL_POINT.uuid, bytes(request), True)
        async with asyncio.timeout(self.racp_timeout):
            while True:
                answer = await self._racp_answers.get()
                if answer.request_op_code is RacpOpCode.REPORT_STORED_RECORDS:
                    break
        self._flush_glucose()
        ok = (RacpResponseCode.SUCCESS, RacpResponseCode.NO_RECORDS_FOUND)
        if answer.response_code not in ok:
            # The live readings still come: a meter's refusal is not a lost link.
            self._counters["racp_refused"] += 1
            log.warning("stored records refused", extra={"device": self.device_id})

    # --- payloads -------------------------------------------------------------------------

    def _on_payload(self, char: BleakGATTCharacteristic, data: bytearray) -> None:
        self._counters["payloads"] += 1
        received_at = self._clock()
        try:
            value = parse(char.uuid, bytes(data))
        except FrameError as exc:
            self._garbage(exc)
            return
        context = self._context(received_at)
        if isinstance(value, RacpResponse):
            self._racp_answers.put_nowait(value)
        elif isinstance(value, GlucoseMeasurement):
            self._flush_glucose(context)
            if value.context_follows:
                self._pending_glucose = value
            else:
                self._glucose(value, None, context)
        elif isinstance(value, GlucoseMeasurementContext):
            pending, self._pending_glucose = self._pending_glucose, None
            if pending is not None and pending.sequence_number == value.sequence_number:
                self._glucose(pending, value, context)
            elif pending is not None:
                self._glucose(pending, None, context)
        else:
            for reading in to_readings(value, context):
                self._pass_on(reading)

    def _glucose(
        self,
        measurement: GlucoseMeasurement,
        meal: GlucoseMeasurementContext | None,
        context: ReadingContext,
    ) -> None:
        # A meter numbers its records: that, not the time (to the second), tells one
        # reported twice (stored, then again after a reconnection) from two taken together.
        sequence = measurement.sequence_number
        self._last_sequence = sequence
        if sequence in self._sequences:
            self._counters["duplicates"] += 1
            return
        self._sequences.add(sequence)
        reading = glucose_reading(measurement, meal, context)
        if reading is not None:
            self._pass_on(reading, by_time=False)

    def _flush_glucose(self, context: ReadingContext | None = None) -> None:
        # A measurement whose promised context never came still counts, without it.
        pending, self._pending_glucose = self._pending_glucose, None
        if pending is not None:
            self._glucose(pending, None, context or self._context(self._clock()))

    def _context(self, received_at: datetime) -> ReadingContext:
        return ReadingContext(self.device_id, received_at, self.timezone, self.device_info)

    def _pass_on(self, reading: Reading, *, by_time: bool = True) -> None:
        if by_time and reading.device_time is not None:
            key = (reading.kind, reading.device_time, tuple(sorted(reading.values.items())))
            if key in self._seen:
                self._counters["duplicates"] += 1
                return
            self._seen.add(key)
        self._counters["readings"] += 1
        self._emit(reading)

    def _garbage(self, exc: FrameError) -> None:
        self._counters["bad_payloads"] += 1
        if not self._garbage_logged:  # once per connection: a babbling device floods nothing
            self._garbage_logged = True
            log.warning("undecodable payload", extra={"device": self.device_id, "reason": "frame"})
        self._status(DeviceState.CONNECTED, "bad_payload")

    def _status(self, state: DeviceState, reason: str) -> None:
        self._emit(DeviceStatus(self.device_id, state, self._clock(), reason, self.counters))


async def find_by_address(
    address: str, seconds: float, backend: type[BaseBleakScanner] | None = None
) -> BLEDevice | None:
    """Scan until the device with this address advertises (None after ``seconds``)."""
    if backend is None:  # bleak's typing wants no backend key at all then
        return await BleakScanner.find_device_by_address(address, timeout=seconds)
    return await BleakScanner.find_device_by_address(address, timeout=seconds, backend=backend)


def _characteristic(client: BleakClient, uuid: C) -> BleakGATTCharacteristic | None:
    return client.services.get_characteristic(uuid128(uuid))


def _has(client: BleakClient, uuid: C) -> bool:
    return _characteristic(client, uuid) is not None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    return "link failed"
