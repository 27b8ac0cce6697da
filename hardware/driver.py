"""The seam between the hub and every device driver, serial, BLE or simulated."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Protocol

from hardware.events import Event

__all__ = ["Clock", "Driver", "Emit", "utc_now"]

Emit = Callable[[Event], None]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class Driver(Protocol):
    """A device driver as the hub runs it.

    ``run`` opens the device, emits events until the link ends, and then raises
    :class:`~cabin.errors.DeviceUnavailable` (or returns when cancelled); the hub
    restarts it with backoff. Garbled data is counted in ``counters`` and
    reported through ``emit``, never raised.
    """

    device_id: str

    @property
    def counters(self) -> Mapping[str, int]: ...

    async def run(self, emit: Emit) -> None: ...

    async def command(self, name: str, **params: float) -> None: ...
