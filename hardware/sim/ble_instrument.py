"""What every simulated BLE health instrument shares: its clock, its common services, its life.

:class:`SimulatedBleDevice` wraps one :class:`~hardware.sim.ble_peripheral.BlePeripheral`
and adds, beside the profile's own service (supplied by each subclass):

- Device Information (0x180A): manufacturer, model, serial number and firmware
  revision strings, readable;
- Battery (0x180F): Battery Level (0x2A19), read and notify;
- Current Time (0x1805): Current Time (0x2A2B), read, write and notify. What a
  central writes sets the instrument's :class:`DeviceClock`, which stamps every
  later measurement.

Every payload is a :mod:`hardware.ble` dataclass turned into bytes, so the
simulators speak the instruments' real bytes. Values vary a little around what
the simulator is told, from a seeded ``numpy`` generator.

What a final measurement does when nobody listens depends on the instrument,
as with real ones: a cuff, thermometer or scale keeps the latest one and
indicates it once a central enables indications (:meth:`SimulatedBleDevice._indicate_or_keep`);
a heart-rate belt's stream is lost; the meters (glucose, oximeter spot-check)
store records for the Record Access Control Point (:mod:`hardware.sim.ble_racp`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from typing import ClassVar, Self, TypedDict
from zoneinfo import ZoneInfo

import numpy as np
from bumble.gatt_server import Server

from cabin.errors import FrameError
from hardware.ble.bumble_backend import VirtualAir
from hardware.ble.clock import AdjustReason, CurrentTime, DateTime
from hardware.ble.device_info import (
    BatteryLevel,
    FirmwareRevision,
    ManufacturerName,
    ModelNumber,
    SerialNumber,
)
from hardware.ble.parse import parse
from hardware.ble.profiles import PROFILES
from hardware.ble.uuids import CharacteristicUuid as C
from hardware.ble.uuids import ServiceUuid as S
from hardware.ble.uuids import uuid16
from hardware.sim.ble_peripheral import (
    BlePeripheral,
    GattCharacteristic,
    GattError,
    GattService,
    PropertyName,
)

__all__ = ["DeviceClock", "DeviceOptions", "SimulatedBleDevice", "check_within"]

logger = logging.getLogger(__name__)

#: ATT common profile error "Out of Range" (Core Specification Supplement, Part B, 1.2).
OUT_OF_RANGE = 0xFF
#: How far off an instrument's clock is before anyone sets it, at most, in seconds.
_CLOCK_ERROR_S = 120.0


def check_within(name: str, value: float, low: float, high: float) -> None:
    """Raise ``ValueError`` unless a simulator's argument ``value`` is within ``low..high``."""
    if not low <= value <= high:
        raise ValueError(f"{name} must be within {low:g}..{high:g}")


def _local_clock(timezone: str) -> Callable[[], dt.datetime]:
    """The simulator's own clock: naive wall time in ``timezone``, steady (monotonic)."""
    start_wall = dt.datetime.now(ZoneInfo(timezone)).replace(tzinfo=None)
    start = time.monotonic()
    return lambda: start_wall + dt.timedelta(seconds=time.monotonic() - start)


class DeviceClock:
    """An instrument's wall clock: local time with no zone, as its time stamps show it.

    It runs from the simulator's own clock plus an offset: at first a small
    error, as on an instrument nobody has set; after a central writes Current
    Time, the difference between the time written and the simulator's own clock
    at that moment, so the instrument's time goes on from what was written.

    Args:
        own: the simulator's own clock (naive local wall time).
        error_s: how far the clock is off before anyone sets it, in seconds.
    """

    def __init__(self, own: Callable[[], dt.datetime], error_s: float = 0.0) -> None:
        self._own = own
        self._offset = dt.timedelta(seconds=error_s)
        self.set_to: CurrentTime | None = None
        self.adjust_reason = AdjustReason.NONE

    @property
    def is_set(self) -> bool:
        """Whether a central (or :meth:`adjust`) has set it."""
        return self.set_to is not None

    def now(self) -> dt.datetime:
        """The instrument's time now (naive local wall time)."""
        return self._own() + self._offset

    def set(self, value: CurrentTime) -> None:
        """Take the time a central wrote.

        Raises:
            ValueError: the value has no complete date (year, month or day unknown,
                or a day the month does not have).
        """
        when = value.to_datetime()
        if when is None:
            raise ValueError("Current Time without a complete date")
        self._offset = when - self._own()
        self.set_to = value
        self.adjust_reason = value.adjust_reason

    def current_time(self) -> CurrentTime:
        """The Current Time (0x2A2B) value a read returns now."""
        return CurrentTime.from_datetime(self.now(), self.adjust_reason)


class DeviceOptions(TypedDict, total=False):
    """Keyword arguments every simulated instrument takes (see :class:`SimulatedBleDevice`)."""

    name: str | None
    seed: int
    vary: bool
    battery: int | None
    every: float | None
    clock: Callable[[], dt.datetime] | None
    timezone: str
    advertising_interval: float


class SimulatedBleDevice:
    """A simulated BLE health instrument on a :class:`~hardware.ble.bumble_backend.VirtualAir`.

    Use it as an async context manager, or call :meth:`start` and :meth:`close`.
    Subclasses declare the profile's service (:meth:`_services`), build one
    measurement in :meth:`measure`, and give a sample payload of each live
    characteristic for :meth:`send_garbage` (:meth:`_sample`).

    Args:
        air: the air to join.
        name: its advertised name; the class's :attr:`default_name` when None.
        seed: seed of the random variation, the serial number, the battery level
            and the clock's initial error.
        vary: measurements vary a little around the values given (False: exactly them).
        battery: battery level in ``%`` (0..100); seeded between 60 and 100 when None.
        every: seconds between automatic measurements once started (None: only
            when :meth:`measure` is called).
        clock: the simulator's own clock (naive local wall time); the host's
            time in ``timezone`` when None.
        timezone: the zone of the instrument's wall clock.
        advertising_interval: seconds between advertisements.

    Attributes:
        kind: its moniker kind (``ble-bp``...).
        profile: its profile's name in :data:`hardware.ble.profiles.PROFILES`.
        peripheral: the peripheral it runs on.
        clock: its wall clock.
        measurements_sent: final measurements that reached at least one central
            (live, when a central subscribed later, or as stored records);
            intermediate values and garbage are not counted.
    """

    kind: ClassVar[str]
    profile: ClassVar[str]
    default_name: ClassVar[str]
    model_number: ClassVar[str]
    manufacturer: ClassVar[str] = "Citizen Station Simulators"
    firmware_revision: ClassVar[str] = "1.4.2"

    def __init__(
        self,
        air: VirtualAir,
        *,
        name: str | None = None,
        seed: int = 1,
        vary: bool = True,
        battery: int | None = None,
        every: float | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        timezone: str = "Asia/Ho_Chi_Minh",
        advertising_interval: float = 0.05,
    ) -> None:
        if every is not None and every <= 0:
            raise ValueError("every is a positive number of seconds")
        if battery is not None and not 0 <= battery <= 100:
            raise ValueError("battery is a percentage, 0..100")
        self._rng = np.random.default_rng(seed)
        self.vary = vary
        self.every = every
        self.clock = DeviceClock(
            clock or _local_clock(timezone),
            float(self._rng.uniform(-_CLOCK_ERROR_S, _CLOCK_ERROR_S)),
        )
        self.serial_number = f"{self.model_number}-{int(self._rng.integers(100_000, 1_000_000))}"
        self._battery = battery if battery is not None else int(self._rng.integers(60, 101))
        self.measurements_sent = 0
        # The latest final measurement nobody confirmed, by characteristic.
        self._pending: dict[C, bytes] = {}
        self._busy = asyncio.Lock()
        self._loops: set[asyncio.Task[None]] = set()
        self._started = False
        self._closed = False
        services = (*self._services(), *self._common_services())
        self._properties: dict[int, tuple[PropertyName, ...]] = {
            uuid16(c.uuid): c.properties for s in services for c in s.characteristics
        }
        profile = PROFILES[self.profile]
        advertised = [profile.service, *profile.extra_services]
        self.peripheral = BlePeripheral(
            air,
            name or self.default_name,
            services,
            advertised_services=[s.uuid for s in advertised],
            advertising_interval=advertising_interval,
        )

    # -- lifecycle -------------------------------------------------------------

    async def start(self) -> None:
        """Join the air, advertising; start measuring every :attr:`every` seconds if set."""
        if self._closed:
            raise RuntimeError("a simulated instrument cannot be restarted once closed")
        if self._started:
            return
        await self.peripheral.start()
        self.peripheral.device.gatt_server.on(
            Server.EVENT_CHARACTERISTIC_SUBSCRIPTION, self._on_subscription
        )
        self._started = True
        if self.every is not None:
            self.peripheral.spawn(self.run_every(self.every))

    async def close(self) -> None:
        """Stop measuring and leave the air (idempotent)."""
        if self._closed:
            return
        self._closed = True
        loops = list(self._loops)
        for task in loops:
            task.cancel()
        if loops:
            await asyncio.wait(loops)
        await self.peripheral.close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- state -------------------------------------------------------------------

    @property
    def address(self) -> str:
        """Its address as bleak shows it (after :meth:`start`)."""
        return self.peripheral.address

    @property
    def name(self) -> str:
        """Its advertised name."""
        return self.peripheral.name

    @property
    def clock_set_to(self) -> CurrentTime | None:
        """The last Current Time a central wrote (or :meth:`set_clock` set), or None."""
        return self.clock.set_to

    @property
    def records(self) -> Sequence[object]:
        """Stored records, oldest first (only meters keep any)."""
        return ()

    @property
    def battery_level(self) -> int:
        """Battery level in ``%``."""
        return self._battery

    async def set_battery_level(self, level: int) -> None:
        """Change the battery level (``%``, 0..100) and notify subscribed centrals."""
        value = BatteryLevel(level)  # raises ValueError out of 0..100
        self._battery = level
        await self.peripheral.notify(C.BATTERY_LEVEL.uuid, bytes(value))

    async def set_clock(self, when: dt.datetime) -> None:
        """Set the clock by hand (its buttons), and notify subscribed centrals of Current Time.

        Args:
            when: the new wall time; its zone, if any, is dropped.
        """
        value = CurrentTime.from_datetime(when, AdjustReason.MANUAL_TIME_UPDATE)
        self.clock.set(value)
        await self.peripheral.notify(C.CURRENT_TIME.uuid, bytes(value))

    # -- measuring ---------------------------------------------------------------

    async def measure(self) -> object:
        """Take one measurement and send it; see each subclass for what it sends and when."""
        raise NotImplementedError

    async def run_every(self, seconds: float) -> None:
        """Measure every ``seconds`` until :meth:`close`, which ends this coroutine normally.

        A measurement that fails is logged and the next one comes on time. Cancel
        the caller to stop earlier.

        Raises:
            ValueError: ``seconds`` is not positive.
        """
        if seconds <= 0:
            raise ValueError("seconds is positive")
        if self._closed:
            return
        task = asyncio.create_task(self._measure_every(seconds))
        self._loops.add(task)
        try:
            await asyncio.wait({task})
        finally:
            self._loops.discard(task)
            if not task.done():
                task.cancel()
                await asyncio.wait({task})

    async def send_garbage(self, char_uuid: str | int) -> int:
        """Send a truncated measurement on one of its live characteristics.

        The payload is a real measurement cut to the longest prefix that no
        longer decodes, notified (or indicated, where the characteristic only
        indicates).

        Args:
            char_uuid: the characteristic (``"2a35"``, ``0x2A35`` or the 128-bit UUID).

        Returns:
            How many centrals it reached.

        Raises:
            ValueError: not a measurement characteristic of this instrument.
        """
        number = uuid16(char_uuid)
        try:
            uuid = C(number)
        except ValueError:
            sample = None
        else:
            sample = self._sample(uuid)
        if sample is None:
            raise ValueError(f"0x{number:04X} is not a measurement characteristic of {self.kind}")
        garbage = _undecodable_prefix(uuid, sample)
        if "notify" in self._properties[number]:
            return await self.peripheral.notify(uuid.uuid, garbage)
        return await self.peripheral.indicate(uuid.uuid, garbage)

    # -- for subclasses ----------------------------------------------------------------

    def _services(self) -> Sequence[GattService]:
        """The profile's services (called once, from the constructor)."""
        raise NotImplementedError

    def _sample(self, uuid: C) -> bytes | None:
        """A valid payload of a live characteristic, from the values set (None: not one)."""
        raise NotImplementedError

    def _vary(self, sd: float) -> float:
        """A random deviation of standard deviation ``sd`` (0 when not varying)."""
        return float(self._rng.normal(0.0, sd)) if self.vary else 0.0

    def _stamp(self, ago: dt.timedelta = dt.timedelta(0)) -> DateTime:
        """The instrument's time now (or ``ago`` before now), as a measurement time stamp."""
        return DateTime.from_datetime(self.clock.now() - ago)

    def _check_running(self) -> None:
        if not self._started or self._closed:
            raise RuntimeError(f"simulated {self.kind} is not running")

    async def _notify_final(self, uuid: C, payload: bytes) -> int:
        """Notify a final measurement, counting it when it reached a central."""
        sent = await self.peripheral.notify(uuid.uuid, payload)
        if sent:
            self.measurements_sent += 1
        return sent

    async def _indicate_final(self, uuid: C, payload: bytes) -> int:
        """Indicate a final measurement, counting it when a central confirmed it."""
        confirmed = await self.peripheral.indicate(uuid.uuid, payload)
        if confirmed:
            self.measurements_sent += 1
        return confirmed

    async def _indicate_or_keep(self, uuid: C, payload: bytes) -> bool:
        """Indicate a final measurement; keep it (the latest only) when nobody confirms it.

        A kept measurement is indicated as soon as a central enables indications
        of ``uuid``. Returns whether it was confirmed now.
        """
        if await self._indicate_final(uuid, payload):
            self._pending.pop(uuid, None)
            return True
        self._pending[uuid] = payload
        return False

    # -- internals -----------------------------------------------------------------------

    def _common_services(self) -> tuple[GattService, ...]:
        def info(uuid: C, value: bytes) -> GattCharacteristic:
            return GattCharacteristic(uuid.uuid, ("read",), value=value)

        return (
            GattService(
                S.DEVICE_INFORMATION.uuid,
                (
                    info(C.MANUFACTURER_NAME, bytes(ManufacturerName(self.manufacturer))),
                    info(C.MODEL_NUMBER, bytes(ModelNumber(self.model_number))),
                    info(C.SERIAL_NUMBER, bytes(SerialNumber(self.serial_number))),
                    info(C.FIRMWARE_REVISION, bytes(FirmwareRevision(self.firmware_revision))),
                ),
            ),
            GattService(
                S.BATTERY.uuid,
                (
                    GattCharacteristic(
                        C.BATTERY_LEVEL.uuid,
                        ("read", "notify"),
                        on_read=lambda: bytes(BatteryLevel(self._battery)),
                    ),
                ),
            ),
            GattService(
                S.CURRENT_TIME.uuid,
                (
                    GattCharacteristic(
                        C.CURRENT_TIME.uuid,
                        ("read", "write", "notify"),
                        on_read=lambda: bytes(self.clock.current_time()),
                        on_write=self._on_current_time,
                    ),
                ),
            ),
        )

    def _on_current_time(self, data: bytes) -> None:
        # A value that does not decode, or has no complete date, is out of range.
        try:
            self.clock.set(CurrentTime.from_bytes(data))
        except ValueError as exc:  # FrameError is a ValueError too
            raise GattError(OUT_OF_RANGE) from exc
        logger.debug("simulated %s: clock set by a central", self.kind)

    def _on_subscription(
        self, _bearer: object, _characteristic: object, _notify: bool, indicate: bool
    ) -> None:
        if indicate and self._pending:
            self.peripheral.spawn(self._deliver_pending())

    async def _deliver_pending(self) -> None:
        async with self._busy:
            for uuid, payload in list(self._pending.items()):
                if self.peripheral.is_subscribed(uuid.uuid, indications=True):
                    await self._indicate_or_keep(uuid, payload)

    async def _measure_every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await self.measure()
            except Exception:
                logger.exception("simulated %s: an automatic measurement failed", self.kind)


def _undecodable_prefix(uuid: C, payload: bytes) -> bytes:
    """The longest prefix of a valid payload that no longer decodes."""
    for end in range(len(payload) - 1, -1, -1):
        try:
            parse(uuid, payload[:end])
        except FrameError:
            return payload[:end]
    raise ValueError("every prefix decodes")  # no characteristic decodes from nothing
