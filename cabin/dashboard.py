"""A live text dashboard of the station's devices, for a terminal with no screen.

It follows the hub's events and shows, per device: link state, the sample rate
actually achieved over the last seconds, the latest values, and fault counts.
It shows device values only; it never knows who is in the cabin.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from hardware.events import DeviceState, DeviceStatus, Event, Reading, WaveformChunk

__all__ = ["DeviceRow", "DeviceTable"]

_WINDOW = 5.0  # seconds over which the sample rate is measured
_DECIMALS = {"mV": 3, "mm[Hg]": 1}  # others (counts) as whole numbers
_FAULT_KEYS = ("crc_errors", "frames_cut", "bad_frames", "samples_lost", "silences", "timeouts")


@dataclass
class DeviceRow:
    """What the dashboard knows of one device."""

    device_id: str
    state: DeviceState = DeviceState.CONNECTING
    reason: str = ""
    since: datetime | None = None
    samples: deque[tuple[float, int]] = field(default_factory=deque)
    values: dict[str, str] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    restarts: int = 0

    def rate(self, now: float) -> float:
        """Samples per second of the device's first signal over the last window."""
        while self.samples and self.samples[0][0] < now - _WINDOW:
            self.samples.popleft()
        if len(self.samples) < 2:
            return 0.0
        span = self.samples[-1][0] - self.samples[0][0]
        count = sum(n for _, n in list(self.samples)[1:])
        return count / span if span > 0 else 0.0

    def faults(self) -> str:
        shown = [f"{key}={self.counters[key]}" for key in _FAULT_KEYS if self.counters.get(key)]
        if self.restarts:
            shown.append(f"restarts={self.restarts}")
        return " ".join(shown) or "-"


class DeviceTable:
    """Folds hub events into one row per device."""

    def __init__(self, device_ids: list[str]) -> None:
        self.rows = {device_id: DeviceRow(device_id) for device_id in device_ids}
        self._first_signal: dict[str, str] = {}

    def update(self, event: Event, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        row = self.rows.setdefault(event.device_id, DeviceRow(event.device_id))
        if isinstance(event, DeviceStatus):
            if row.state == DeviceState.CONNECTED and event.state != DeviceState.CONNECTED:
                row.restarts += 1
            row.state, row.reason, row.since = event.state, event.reason, event.at
            row.counters.update(event.counters)
        elif isinstance(event, WaveformChunk):
            first = self._first_signal.setdefault(event.device_id, event.kind)
            if event.kind == first:
                row.samples.append((now, len(event)))
            last = float(event.samples[-1]) if len(event) else float("nan")
            flags = ",".join(sorted(event.flags))
            shown = f"{last:.{_DECIMALS.get(event.unit, 0)}f}"
            unit = "" if event.unit == "1" else f" {event.unit}"  # counts have no unit
            row.values[event.kind] = f"{shown}{unit}" + (f" ({flags})" if flags else "")
        elif isinstance(event, Reading):
            shown = "/".join(f"{v:g}" for v in event.values.values())
            row.values[event.kind] = f"{shown} {event.unit}"

    def lines(self, now: float | None = None) -> list[tuple[str, str, str, str, str]]:
        """``(device, state, rate, values, faults)`` per device, as text."""
        now = time.monotonic() if now is None else now
        out = []
        for row in self.rows.values():
            state = row.state.value + (f" ({row.reason})" if row.reason else "")
            values = "; ".join(f"{k} {v}" for k, v in sorted(row.values.items())) or "-"
            out.append((row.device_id, state, f"{row.rate(now):.1f}/s", values, row.faults()))
        return out
