"""The device hub: opens the configured devices, keeps them running, fans their events out.

Each device runs under a supervisor task. When its driver leaves ``run`` (the
port vanished, the device fell silent, or a bug in the driver), the hub
publishes a :class:`DeviceStatus`, waits with exponential backoff and jitter,
and starts it again. Nothing a device does ends the hub or the process.
Subscribers each get their own bounded queue; a subscriber too slow to keep up
loses its oldest events (counted in ``dropped``), never blocks a driver.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from cabin.errors import DeviceError, DeviceUnavailable
from hardware.driver import Clock, Driver, utc_now
from hardware.events import DeviceState, DeviceStatus, Event
from hardware.monikers import DeviceSpec, OpenedDevice, open_device

__all__ = ["Backoff", "DeviceHub", "Subscription"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delays between restarts of a failed driver, in seconds.

    The n-th consecutive failure waits ``min(cap, initial * factor**n)``, spread by
    +/- ``jitter`` (a fraction) so that several devices do not retry in step. A
    driver that ran for ``reset_after`` seconds before failing starts again at n = 0.
    """

    initial: float = 0.5
    factor: float = 2.0
    cap: float = 30.0
    jitter: float = 0.2
    reset_after: float = 10.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        base = min(self.cap, self.initial * self.factor ** min(attempt, 64))
        spread = (rng or random).uniform(-self.jitter, self.jitter)
        return max(0.0, base * (1.0 + spread))


@dataclass(eq=False)
class Subscription:
    """A subscriber's queue of events; iterate it with ``async for``.

    Attributes:
        dropped: events lost because the subscriber fell behind.
    """

    queue: asyncio.Queue[Event]
    device_ids: frozenset[str] | None = None
    dropped: int = 0
    _unsubscribe: Callable[[Subscription], None] = field(default=lambda s: None, repr=False)

    def offer(self, event: Event) -> None:
        if self.device_ids is not None and event.device_id not in self.device_ids:
            return
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(event)

    async def get(self) -> Event:
        """The next event."""
        return await self.queue.get()

    async def within(self, seconds: float) -> AsyncIterator[Event]:
        """The events that arrive in the next ``seconds``, as they arrive."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            try:
                yield await asyncio.wait_for(self.queue.get(), left)
            except TimeoutError:
                return

    def close(self) -> None:
        """Stop receiving events. Safe to call more than once."""
        self._unsubscribe(self)

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Event]:
        while True:
            yield await self.queue.get()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


Opener = Callable[[DeviceSpec], Awaitable[OpenedDevice]]


class DeviceHub:
    """Runs the station's devices.

    Args:
        specs: the devices to open.
        clock: the station's clock (UTC).
        backoff: restart delays.
        opener: turns a spec into a running driver (and its simulator, for ``sim:``).
    """

    def __init__(
        self,
        specs: Sequence[DeviceSpec],
        *,
        clock: Clock = utc_now,
        backoff: Backoff = Backoff(),
        opener: Opener = open_device,
    ) -> None:
        ids = [spec.device_id for spec in specs]
        if len(set(ids)) != len(ids):
            raise ValueError("device ids must be unique")
        self.specs = tuple(specs)
        self._clock = clock
        self._backoff = backoff
        self._opener = opener
        self._devices: dict[str, OpenedDevice] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._subscribers: set[Subscription] = set()
        self._status: dict[str, DeviceStatus] = {}
        self._started = False
        self._rng = random.Random()  # noqa: S311 - jitter, not secrecy

    async def start(self) -> None:
        """Open every device and start its supervisor."""
        if self._started:
            return
        self._started = True
        for spec in self.specs:
            self._publish(DeviceStatus(spec.device_id, DeviceState.CONNECTING, self._clock()))
            try:
                device = await self._opener(spec)
            except (DeviceError, ValueError) as exc:
                log.warning(
                    "device not opened", extra={"device": spec.device_id, "error": str(exc)}
                )
                self._publish(
                    DeviceStatus(spec.device_id, DeviceState.FAULT, self._clock(), "bad_moniker")
                )
                continue
            self._devices[spec.device_id] = device
            self._tasks[spec.device_id] = asyncio.create_task(
                self._supervise(device.driver), name=f"device {spec.device_id}"
            )

    async def close(self) -> None:
        """Stop every driver and simulator. Safe to call more than once."""
        tasks, self._tasks = self._tasks, {}
        for task in tasks.values():
            task.cancel()
        for task in tasks.values():
            with contextlib.suppress(asyncio.CancelledError):
                await task
        devices, self._devices = self._devices, {}
        for device in devices.values():
            await device.close()

    async def __aenter__(self) -> DeviceHub:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def subscribe(
        self, *, maxsize: int = 10_000, device_ids: Sequence[str] | None = None
    ) -> Subscription:
        """A new queue of every event from now on (only these devices', if given)."""
        subscription = Subscription(
            asyncio.Queue(maxsize),
            None if device_ids is None else frozenset(device_ids),
            _unsubscribe=self._subscribers.discard,
        )
        self._subscribers.add(subscription)
        return subscription

    def status(self) -> dict[str, DeviceStatus]:
        """The latest status of each device."""
        return dict(self._status)

    def device(self, device_id: str) -> OpenedDevice:
        """The opened device (driver, and simulator if simulated)."""
        try:
            return self._devices[device_id]
        except KeyError:
            raise DeviceUnavailable("no such device", device_id=device_id) from None

    async def command(self, device_id: str, name: str, **params: float) -> None:
        """Send a command (``start``, ``dump``...) to a device's driver."""
        await self.device(device_id).driver.command(name, **params)

    def _publish(self, event: Event) -> None:
        if isinstance(event, DeviceStatus):
            self._status[event.device_id] = event
        for subscription in list(self._subscribers):
            subscription.offer(event)

    async def _supervise(self, driver: Driver) -> None:
        attempt = 0
        while True:
            started = time.monotonic()
            state, reason = DeviceState.DISCONNECTED, "ended"
            try:
                await driver.run(self._publish)
            except DeviceUnavailable as exc:
                reason = str(exc)
            except DeviceError as exc:
                state, reason = DeviceState.FAULT, str(exc)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a driver bug must not end the station
                state, reason = DeviceState.FAULT, "driver_error"
                log.exception(
                    "driver failed", extra={"device": driver.device_id, "error": type(exc).__name__}
                )
            if time.monotonic() - started >= self._backoff.reset_after:
                attempt = 0
            delay = self._backoff.delay(attempt, self._rng)
            attempt += 1
            log.info(
                "device down",
                extra={"device": driver.device_id, "reason": reason, "attempt": attempt},
            )
            self._publish(
                DeviceStatus(driver.device_id, state, self._clock(), reason, driver.counters)
            )
            await asyncio.sleep(delay)
            self._publish(
                DeviceStatus(
                    driver.device_id,
                    DeviceState.CONNECTING,
                    self._clock(),
                    "retry",
                    driver.counters,
                )
            )
