"""Helpers for tests that run real drivers against simulators over ptys."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import numpy as np
import pytest

from hardware.events import DeviceStatus, Event, Reading, SignalKind, WaveformChunk
from hardware.sim.serial_device import LoopSource


class EventLog(list[Event]):
    """Everything a driver emitted, with a few views on it."""

    def chunks(self, kind: SignalKind) -> list[WaveformChunk]:
        return [e for e in self if isinstance(e, WaveformChunk) and e.kind == kind]

    def readings(self, kind: str) -> list[Reading]:
        return [e for e in self if isinstance(e, Reading) and e.kind == kind]

    def statuses(self) -> list[DeviceStatus]:
        return [e for e in self if isinstance(e, DeviceStatus)]

    async def wait_for(self, predicate: Callable[[EventLog], bool], timeout: float = 5.0):
        async with asyncio.timeout(timeout):
            while not predicate(self):
                await asyncio.sleep(0.02)


@pytest.fixture
def events() -> EventLog:
    return EventLog()


@contextlib.asynccontextmanager
async def running(driver, events: EventLog):
    """Run a driver's ``run`` in the background; yield the task, cancel it after."""
    task = asyncio.create_task(driver.run(events.append))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


def ramp_source(channels: int, scale: float, length: int = 997) -> LoopSource:
    """A signal whose every sample differs from its neighbours, so a shift would show."""
    n = np.arange(length, dtype=np.float64)
    columns = [np.sin(n * (0.05 + 0.03 * c)) * scale + c for c in range(channels)]
    return LoopSource(np.stack(columns, axis=1))
