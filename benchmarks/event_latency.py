"""Event latency: from the simulator's write into the pty to a hub subscriber.

The whole simulated station runs through the real path (pty, pyserial, framer,
driver, hub, subscriber queue) for a while. Each simulator logs the time of
every write and how many samples it had written; each chunk a subscriber
receives is matched to the write that completed its last sample.

    .venv/bin/python benchmarks/event_latency.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import time

import numpy as np

from hardware.events import WaveformChunk
from hardware.hub import DeviceHub
from hardware.monikers import DeviceSpec, OpenedDevice, open_device

DEVICES = [
    DeviceSpec("oximeter", "sim:cms50d"),
    DeviceSpec("ecg", "sim:ecg,fs=500"),
    DeviceSpec("ppg", "sim:ppg"),
    DeviceSpec("bp", "sim:cuff"),
]


async def start_cuff(hub: DeviceHub) -> None:
    """Take a blood pressure, so the cuff streams a real cycle."""
    await asyncio.sleep(1.0)
    await hub.command("bp", "start", target=170)


async def measure(seconds: float) -> dict[str, list[float]]:
    opened: dict[str, OpenedDevice] = {}

    async def opener(spec: DeviceSpec) -> OpenedDevice:
        device = await open_device(spec)
        assert device.simulator is not None
        device.simulator.write_log = []
        opened[spec.device_id] = device
        return device

    latencies: dict[str, list[float]] = {spec.device_id: [] for spec in DEVICES}
    received: list[tuple[float, WaveformChunk]] = []
    async with DeviceHub(DEVICES, opener=opener) as hub:
        with hub.subscribe() as events:
            # The subscriber must be waiting all along: start the cuff from another task.
            cuff = asyncio.create_task(start_cuff(hub)) if "bp" in opened else None
            async for event in events.within(seconds):
                if isinstance(event, WaveformChunk):
                    received.append((time.monotonic(), event))
            if cuff is not None:
                await cuff
    seen: set[tuple[str, int]] = set()
    for at, chunk in received:
        key = (chunk.device_id, chunk.seq)
        if key in seen:  # the second lead of the same packet
            continue
        seen.add(key)
        simulator = opened[chunk.device_id].simulator
        assert simulator is not None and simulator.write_log is not None
        log = simulator.write_log
        counts = [n for _, n in log]
        # The write that completed this chunk's last sample. Simulators stream only
        # after the driver's START, which comes once here, so counts match chunk.seq.
        i = bisect.bisect_left(counts, chunk.seq + len(chunk))
        if i < len(log):
            latencies[chunk.device_id].append(at - log[i][0])
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    latencies = asyncio.run(measure(args.seconds))
    print(f"event latency, pty write -> subscriber, {args.seconds:g} s of a whole station")
    print(f"{'device':10} {'chunks':>7} {'median ms':>10} {'p99 ms':>8} {'max ms':>8}")
    everything = []
    for device_id, values in latencies.items():
        if not values:
            print(f"{device_id:10} {0:7d} {'-':>10} {'-':>8} {'-':>8}")
            continue
        ms = np.array(values) * 1000
        everything.extend(ms)
        print(
            f"{device_id:10} {len(ms):7d} {np.median(ms):10.2f} "
            f"{np.percentile(ms, 99):8.2f} {ms.max():8.2f}"
        )
    if everything:
        ms = np.array(everything)
        print(
            f"{'all':10} {len(ms):7d} {np.median(ms):10.2f} {np.percentile(ms, 99):8.2f} "
            f"{ms.max():8.2f}"
        )


if __name__ == "__main__":
    main()
