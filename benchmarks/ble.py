"""BLE through the full stack: connect-to-first-reading time and notifications per second.

A simulated heart-rate belt (a bumble peripheral on the virtual air) is read two
ways in the same run:

- **station**: the whole path a station uses: :class:`DeviceHub` ->
  :class:`BleDriver` (scan for the allow-listed address, connect, pair, read
  Device Information and Battery, subscribe) -> parse -> Reading -> a hub
  subscriber;
- **bleak alone** (the peer): a bare ``BleakClient`` on the same backend that
  scans, connects and subscribes, with no pairing, no parsing and no hub.

The ratio says what the station's own work costs on top of the BLE stack.
Both go through bumble's controllers, HCI, L2CAP and ATT in this process, so
absolute figures are those of the simulation (a real radio adds its connection
interval: 7.5 to 50 ms per notification at best), not of a real device.

    .venv/bin/python benchmarks/ble.py [--runs 5] [--notifications 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from bleak import BleakClient, BleakScanner

from hardware.ble.bumble_backend import BumbleClient, BumbleScanner, VirtualAir
from hardware.ble.driver import BleDriver
from hardware.ble.heart_rate import HeartRateMeasurement
from hardware.ble.uuids import CharacteristicUuid as C
from hardware.ble.uuids import ServiceUuid as S
from hardware.events import Reading
from hardware.hub import DeviceHub
from hardware.monikers import DeviceSpec, OpenedDevice
from hardware.sim.ble_peripheral import BlePeripheral, GattCharacteristic, GattService

HR = C.HEART_RATE_MEASUREMENT.uuid


def belt(air: VirtualAir) -> BlePeripheral:
    return BlePeripheral(
        air,
        "HR belt",
        services=[
            GattService(S.HEART_RATE.uuid, (GattCharacteristic(HR, ("notify",)),)),
            GattService(
                S.DEVICE_INFORMATION.uuid,
                (GattCharacteristic(C.MODEL_NUMBER.uuid, ("read",), b"HR-Sim 1"),),
            ),
            GattService(
                S.BATTERY.uuid, (GattCharacteristic(C.BATTERY_LEVEL.uuid, ("read",), b"\x5a"),)
            ),
        ],
        advertised_services=[S.HEART_RATE.uuid],
    )


async def send(peripheral: BlePeripheral, count: int) -> None:
    """Notify ``count`` measurements as fast as the stack takes them."""
    await peripheral.wait_for_subscription(HR)
    for i in range(count):
        await peripheral.notify(HR, bytes(HeartRateMeasurement(60 + i % 40)))


async def station_run(count: int) -> tuple[float, float]:
    """(connect-to-first-reading s, readings/s) through hub, driver and parser."""
    async with VirtualAir() as air, belt(air) as peripheral:
        driver = BleDriver(
            "hr",
            peripheral.address,
            profile="heart_rate",
            scanner_backend=BumbleScanner,
            client_backend=BumbleClient,
        )

        async def opener(spec: DeviceSpec) -> OpenedDevice:
            return OpenedDevice(spec, driver)

        sender = asyncio.create_task(send(peripheral, count))
        started = time.perf_counter()
        first = last = 0.0
        received = 0
        async with DeviceHub([DeviceSpec("hr", "ble:x")], opener=opener) as hub:
            with hub.subscribe(maxsize=count + 100) as events:
                async with asyncio.timeout(120):
                    while received < count:
                        event = await events.get()
                        if isinstance(event, Reading):
                            received += 1
                            last = time.perf_counter()
                            if received == 1:
                                first = last
        await sender
    return first - started, (count - 1) / (last - first)


async def bleak_run(count: int) -> tuple[float, float]:
    """The same with a bare BleakClient: (connect-to-first-notification s, notifications/s)."""
    async with VirtualAir() as air, belt(air) as peripheral:
        sender = asyncio.create_task(send(peripheral, count))
        started = time.perf_counter()
        times: list[float] = []
        done = asyncio.Event()

        def on_notify(_char: object, _data: bytearray) -> None:
            times.append(time.perf_counter())
            if len(times) == count:
                done.set()

        device = await BleakScanner.find_device_by_address(
            peripheral.address, timeout=10, backend=BumbleScanner
        )
        assert device is not None
        async with BleakClient(device, backend=BumbleClient) as client:
            await client.start_notify(HR, on_notify)
            async with asyncio.timeout(120):
                await done.wait()
        await sender
    return times[0] - started, (count - 1) / (times[-1] - times[0])


async def main(runs: int, count: int) -> None:
    results: dict[str, list[tuple[float, float]]] = {"station": [], "bleak alone": []}
    for _ in range(runs):  # interleaved, so that drift in the machine hits both alike
        results["station"].append(await station_run(count))
        results["bleak alone"].append(await bleak_run(count))
    print(f"{runs} runs of {count} heart-rate notifications each, median (min-max)")
    print(f"{'path':14} {'connect to first reading':>28} {'readings/s':>24}")
    medians = {}
    for name, rows in results.items():
        connects = [r[0] * 1000 for r in rows]
        rates = [r[1] for r in rows]
        medians[name] = (statistics.median(connects), statistics.median(rates))
        print(
            f"{name:14} {medians[name][0]:14.0f} ms ({min(connects):4.0f}-{max(connects):4.0f})"
            f" {medians[name][1]:12.0f} ({min(rates):5.0f}-{max(rates):5.0f})"
        )
    connect_ratio = medians["station"][0] / medians["bleak alone"][0]
    rate_ratio = medians["station"][1] / medians["bleak alone"][1]
    print(f"station / bleak alone: connect time x{connect_ratio:.2f}, throughput x{rate_ratio:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--notifications", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.notifications))
