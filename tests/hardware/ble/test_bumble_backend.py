"""The bumble backend, driven only through bleak's public API, against simulated peripherals.

Every byte crosses bumble's virtual controllers, HCI, L2CAP, ATT, GATT and SMP on
one in-process link; nothing here reaches into the peripheral's objects from the
central side. UUIDs are from the Bluetooth SIG Assigned Numbers (section 3.4 for
services, 3.8 for characteristics) unless marked as made up.
"""

from __future__ import annotations

import asyncio

import pytest
from bleak import BleakClient, BleakScanner
from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakError,
    BleakGATTProtocolError,
    BleakGATTProtocolErrorCode,
)
from bleak.uuids import normalize_uuid_str

from hardware.ble.bumble_backend import BumbleClient, BumbleScanner, VirtualAir
from hardware.sim.ble_peripheral import (
    BlePeripheral,
    GattCharacteristic,
    GattDescriptor,
    GattError,
    GattService,
)

HEALTH_THERMOMETER = "1809"
TEMPERATURE_MEASUREMENT = "2A1C"  # indicate
INTERMEDIATE_TEMPERATURE = "2A1E"  # notify
TEMPERATURE_TYPE = "2A1D"  # read
MEASUREMENT_INTERVAL = "2A21"  # read, write
HEART_RATE = "180D"
HEART_RATE_MEASUREMENT = "2A37"  # notify
HEART_RATE_CONTROL_POINT = "2A39"  # write
USER_DESCRIPTION = "2901"  # Characteristic User Description descriptor
CCCD = "2902"
# Made up: a vendor service whose characteristics need a bonded (encrypted) link.
VENDOR = "7e1e0000-5c4a-4b8e-9a53-7f1e6b2c0000"
VENDOR_SERIAL = "7e1e0001-5c4a-4b8e-9a53-7f1e6b2c0000"  # read (a serial number), encrypted
VENDOR_STREAM = "7e1e0002-5c4a-4b8e-9a53-7f1e6b2c0000"  # notify, encrypted

ADVERTISING_INTERVAL = 0.02  # s: the shortest allowed, to keep the tests quick
SCAN_TIME = 0.1  # s: several advertising intervals


class Thermometer:
    """A health thermometer with a made-up bonded-only vendor service."""

    def __init__(self, air: VirtualAir, name: str = "Thermometer", **options) -> None:
        self.writes: list[bytes] = []
        self.control_point_error: int | None = None
        self.peripheral = BlePeripheral(
            air,
            name,
            [
                GattService(
                    HEALTH_THERMOMETER,
                    (
                        GattCharacteristic(TEMPERATURE_MEASUREMENT, ("indicate",)),
                        GattCharacteristic(INTERMEDIATE_TEMPERATURE, ("notify",)),
                        GattCharacteristic(TEMPERATURE_TYPE, ("read",), value=b"\x02"),
                        GattCharacteristic(
                            MEASUREMENT_INTERVAL,
                            ("read", "write", "write-without-response"),
                            value=b"\x05\x00",
                            on_write=self._on_write,
                            descriptors=(
                                GattDescriptor(USER_DESCRIPTION, b"interval", writable=True),
                            ),
                        ),
                    ),
                ),
                GattService(
                    VENDOR,
                    (
                        GattCharacteristic(VENDOR_SERIAL, ("read",), b"\x42", encrypted=True),
                        GattCharacteristic(VENDOR_STREAM, ("notify",), encrypted=True),
                    ),
                ),
            ],
            advertised_services=[HEALTH_THERMOMETER],
            advertising_interval=ADVERTISING_INTERVAL,
            **options,
        )

    def _on_write(self, value: bytes) -> None:
        if self.control_point_error is not None:
            raise GattError(self.control_point_error)
        self.writes.append(value)


def heart_rate_monitor(air: VirtualAir, name: str = "HR belt") -> BlePeripheral:
    return BlePeripheral(
        air,
        name,
        [
            GattService(
                HEART_RATE,
                (
                    GattCharacteristic(HEART_RATE_MEASUREMENT, ("notify",)),
                    GattCharacteristic(HEART_RATE_CONTROL_POINT, ("write",)),
                ),
            )
        ],
        advertising_interval=ADVERTISING_INTERVAL,
    )


@pytest.fixture
async def thermometer(air):
    thermometer = Thermometer(air, manufacturer_data={0x0059: b"\x01\x02"}, tx_power=-4)
    async with thermometer.peripheral:
        yield thermometer


@pytest.fixture
async def connected(thermometer):
    """A client connected to the thermometer, and the disconnections it reported."""
    disconnections = asyncio.Queue()
    client = BleakClient(
        thermometer.peripheral.address,
        disconnected_callback=disconnections.put_nowait,
        backend=BumbleClient,
        timeout=2.0,
    )
    async with client:
        yield client, disconnections


async def test_discovery_filtered_by_service_finds_only_matching_peripherals(air, thermometer):
    async with heart_rate_monitor(air) as monitor:
        found = await BleakScanner.discover(
            SCAN_TIME,
            return_adv=True,
            service_uuids=[HEALTH_THERMOMETER],
            backend=BumbleScanner,
        )
        everything = await BleakScanner.discover(SCAN_TIME, backend=BumbleScanner)

    assert list(found) == [thermometer.peripheral.address]
    device, advertisement = found[thermometer.peripheral.address]
    assert device.name == "Thermometer"
    assert advertisement.local_name == "Thermometer"
    assert advertisement.service_uuids == ["00001809-0000-1000-8000-00805f9b34fb"]
    assert advertisement.manufacturer_data == {0x0059: b"\x01\x02"}
    assert advertisement.tx_power == -4
    assert isinstance(advertisement.rssi, int)
    assert {d.address for d in everything} == {thermometer.peripheral.address, monitor.address}


async def test_a_peripheral_that_does_not_advertise_is_not_found(air, thermometer):
    await thermometer.peripheral.stop()
    assert not thermometer.peripheral.is_advertising

    missing = await BleakScanner.find_device_by_address(
        thermometer.peripheral.address, timeout=SCAN_TIME, backend=BumbleScanner
    )
    await thermometer.peripheral.advertise()
    found = await BleakScanner.find_device_by_address(
        thermometer.peripheral.address, timeout=1.0, backend=BumbleScanner
    )

    assert missing is None
    assert found is not None
    assert found.address == thermometer.peripheral.address


async def test_scanning_filters_in_the_bluez_vocabulary(air, thermometer):
    async with heart_rate_monitor(air):
        by_name = await BleakScanner.discover(
            SCAN_TIME, bluez={"filters": {"Pattern": "Thermo"}}, backend=BumbleScanner
        )
        too_weak = await BleakScanner.discover(
            SCAN_TIME, bluez={"filters": {"RSSI": -20}}, backend=BumbleScanner
        )

    assert [d.name for d in by_name] == ["Thermometer"]
    assert too_weak == []  # the virtual controller reports -50 dBm


async def test_a_client_lists_services_characteristics_and_their_properties(thermometer, connected):
    client, _ = connected
    thermometer_service = client.services.get_service(HEALTH_THERMOMETER)
    properties = {c.uuid: c.properties for c in thermometer_service.characteristics}

    assert client.is_connected
    assert client.address == thermometer.peripheral.address
    assert client.name == "Thermometer"
    assert properties == {
        normalize_uuid_str(TEMPERATURE_MEASUREMENT): ["indicate"],
        normalize_uuid_str(INTERMEDIATE_TEMPERATURE): ["notify"],
        normalize_uuid_str(TEMPERATURE_TYPE): ["read"],
        normalize_uuid_str(MEASUREMENT_INTERVAL): ["read", "write-without-response", "write"],
    }
    indicated = client.services.get_characteristic(TEMPERATURE_MEASUREMENT)
    assert [d.uuid for d in indicated.descriptors] == [normalize_uuid_str(CCCD)]
    assert client.services.get_service(VENDOR) is not None
    assert client.mtu_size == 517


async def test_the_mtu_is_what_both_sides_accept(air):
    small = Thermometer(air, "Small MTU", max_mtu=23)
    async with small.peripheral:
        async with BleakClient(small.peripheral.address, backend=BumbleClient) as client:
            characteristic = client.services.get_characteristic(MEASUREMENT_INTERVAL)

            await client.start_notify(INTERMEDIATE_TEMPERATURE, lambda *_: None)

            assert client.mtu_size == 23
            assert characteristic.max_write_without_response_size == 20
            assert await small.peripheral.notify(INTERMEDIATE_TEMPERATURE, bytes(20)) == 1
            with pytest.raises(ValueError, match="exceeds ATT MTU"):
                await small.peripheral.notify(INTERMEDIATE_TEMPERATURE, bytes(21))


async def test_read_and_write_with_and_without_response(thermometer, connected):
    client, _ = connected

    before = await client.read_gatt_char(MEASUREMENT_INTERVAL)
    await client.write_gatt_char(MEASUREMENT_INTERVAL, b"\x0a\x00", response=True)
    after = await client.read_gatt_char(MEASUREMENT_INTERVAL)
    await client.write_gatt_char(MEASUREMENT_INTERVAL, b"\x0b\x00", response=False)
    async with asyncio.timeout(1):
        while len(thermometer.writes) < 2:
            await asyncio.sleep(0.001)

    assert before == bytearray(b"\x05\x00")
    assert isinstance(before, bytearray)
    assert after == bytearray(b"\x0a\x00")
    assert thermometer.writes == [b"\x0a\x00", b"\x0b\x00"]
    assert thermometer.peripheral.value(MEASUREMENT_INTERVAL) == b"\x0b\x00"


async def test_refusals_reach_the_central_as_gatt_protocol_errors(thermometer, connected):
    client, _ = connected

    with pytest.raises(BleakGATTProtocolError) as not_writable:
        await client.write_gatt_char(TEMPERATURE_TYPE, b"\x01", response=True)
    thermometer.control_point_error = 0x80  # an application error
    with pytest.raises(BleakGATTProtocolError) as refused:
        await client.write_gatt_char(MEASUREMENT_INTERVAL, b"\xff\xff", response=True)

    assert not_writable.value.code == BleakGATTProtocolErrorCode.WRITE_NOT_PERMITTED
    assert refused.value.code == 0x80
    assert thermometer.writes == []


async def test_descriptors_are_read_and_written(thermometer, connected):
    client, _ = connected
    characteristic = client.services.get_characteristic(MEASUREMENT_INTERVAL)
    description = characteristic.get_descriptor(USER_DESCRIPTION)
    cccd = client.services.get_characteristic(INTERMEDIATE_TEMPERATURE).get_descriptor(CCCD)

    assert await client.read_gatt_descriptor(description) == bytearray(b"interval")
    await client.write_gatt_descriptor(description, b"every 10 s")
    assert await client.read_gatt_descriptor(description.handle) == bytearray(b"every 10 s")
    assert thermometer.peripheral.descriptor_value(MEASUREMENT_INTERVAL, USER_DESCRIPTION) == (
        b"every 10 s"
    )
    assert await client.read_gatt_descriptor(cccd) == bytearray(b"\x00\x00")
    await client.start_notify(INTERMEDIATE_TEMPERATURE, lambda *_: None)
    assert await client.read_gatt_descriptor(cccd) == bytearray(b"\x01\x00")


async def test_notifications_arrive_in_order_with_exact_bytes(thermometer, connected):
    client, _ = connected
    received: list[tuple[str, bytearray]] = []
    payloads = [bytes([i, 255 - i]) + i.to_bytes(2, "little") * (i % 5) for i in range(200)]

    await client.start_notify(
        INTERMEDIATE_TEMPERATURE, lambda sender, data: received.append((sender.uuid, data))
    )
    sent = [await thermometer.peripheral.notify(INTERMEDIATE_TEMPERATURE, p) for p in payloads]
    async with asyncio.timeout(2):
        while len(received) < len(payloads):
            await asyncio.sleep(0.001)

    assert sent == [1] * len(payloads)
    assert [bytes(data) for _, data in received] == payloads
    assert all(isinstance(data, bytearray) for _, data in received)
    assert {uuid for uuid, _ in received} == {normalize_uuid_str(INTERMEDIATE_TEMPERATURE)}


async def test_indications_arrive_and_are_confirmed(thermometer, connected):
    client, _ = connected
    received: list[bytearray] = []

    async def on_indication(_sender, data: bytearray) -> None:  # async callbacks work too
        received.append(data)

    await client.start_notify(TEMPERATURE_MEASUREMENT, on_indication)
    assert thermometer.peripheral.is_subscribed(TEMPERATURE_MEASUREMENT, indications=True)
    # indicate() returns once the central's stack has sent its confirmation.
    confirmed = [
        await thermometer.peripheral.indicate(TEMPERATURE_MEASUREMENT, bytes([0, i, 1, 0, 0xFF]))
        for i in range(5)
    ]
    async with asyncio.timeout(1):
        while len(received) < 5:
            await asyncio.sleep(0.001)

    assert confirmed == [1] * 5
    assert received == [bytearray([0, i, 1, 0, 0xFF]) for i in range(5)]


async def test_stop_notify_stops_them(thermometer, connected):
    client, _ = connected
    received: list[bytearray] = []
    await client.start_notify(INTERMEDIATE_TEMPERATURE, lambda _, data: received.append(data))
    await thermometer.peripheral.notify(INTERMEDIATE_TEMPERATURE, b"\x01")
    async with asyncio.timeout(1):
        while not received:
            await asyncio.sleep(0.001)

    await client.stop_notify(INTERMEDIATE_TEMPERATURE)
    sent = await thermometer.peripheral.notify(INTERMEDIATE_TEMPERATURE, b"\x02")
    await asyncio.sleep(0.02)

    assert sent == 0
    assert not thermometer.peripheral.is_subscribed(INTERMEDIATE_TEMPERATURE)
    assert received == [bytearray(b"\x01")]


async def test_pairing_makes_an_encrypted_characteristic_readable(thermometer, connected):
    client, _ = connected
    streamed: list[bytearray] = []

    with pytest.raises(BleakGATTProtocolError) as before:
        await client.read_gatt_char(VENDOR_SERIAL)
    with pytest.raises(BleakGATTProtocolError):
        await client.start_notify(VENDOR_STREAM, lambda _, data: streamed.append(data))
    await client.pair()
    secret = await client.read_gatt_char(VENDOR_SERIAL)
    await client.start_notify(VENDOR_STREAM, lambda _, data: streamed.append(data))
    await thermometer.peripheral.notify(VENDOR_STREAM, b"\x07")
    async with asyncio.timeout(1):
        while not streamed:
            await asyncio.sleep(0.001)

    assert before.value.code == BleakGATTProtocolErrorCode.INSUFFICIENT_ENCRYPTION
    assert secret == bytearray(b"\x42")
    assert streamed == [bytearray(b"\x07")]


async def test_a_bond_survives_reconnection_until_unpaired(thermometer, connected):
    client, _ = connected
    await client.pair()
    await client.disconnect()

    await client.connect()
    after_reconnect = await client.read_gatt_char(VENDOR_SERIAL)
    await client.unpair()
    await client.connect()

    assert after_reconnect == bytearray(b"\x42")
    with pytest.raises(BleakGATTProtocolError):
        await client.read_gatt_char(VENDOR_SERIAL)


async def test_a_dropped_link_is_reported_and_a_reconnect_works(thermometer, connected):
    client, disconnections = connected
    received: list[bytearray] = []

    await thermometer.peripheral.drop()
    async with asyncio.timeout(1):
        reported = await disconnections.get()
    was_connected = client.is_connected
    with pytest.raises(BleakError):
        await client.read_gatt_char(TEMPERATURE_TYPE)
    await client.connect()  # the thermometer advertises again after the drop
    await client.start_notify(INTERMEDIATE_TEMPERATURE, lambda _, data: received.append(data))
    await thermometer.peripheral.notify(INTERMEDIATE_TEMPERATURE, b"\x2a")
    async with asyncio.timeout(1):
        while not received:
            await asyncio.sleep(0.001)

    assert reported is client
    assert not was_connected
    assert client.is_connected
    assert received == [bytearray(b"\x2a")]


async def test_a_peripheral_that_powers_off_mid_session_is_unreachable_until_back(
    thermometer, connected
):
    client, disconnections = connected

    await thermometer.peripheral.power_off()
    async with asyncio.timeout(1):
        await disconnections.get()
    impatient = BleakClient(thermometer.peripheral.address, backend=BumbleClient, timeout=0.2)
    with pytest.raises(TimeoutError):
        await impatient.connect()
    await thermometer.peripheral.power_on()
    await client.connect()

    assert client.is_connected
    assert await client.read_gatt_char(TEMPERATURE_TYPE) == bytearray(b"\x02")


async def test_a_link_lost_during_a_read_fails_the_read_with_a_bleak_error(air):
    release = asyncio.Event()
    peripheral: BlePeripheral

    async def slow_read() -> bytes:
        peripheral.spawn(peripheral.drop())
        await release.wait()
        return b"late"

    peripheral = BlePeripheral(
        air,
        "Dropper",
        [
            GattService(
                HEALTH_THERMOMETER, (GattCharacteristic("2A1D", ("read",), on_read=slow_read),)
            )
        ],
        advertising_interval=ADVERTISING_INTERVAL,
    )
    async with peripheral:
        async with BleakClient(peripheral.address, backend=BumbleClient) as client:
            with pytest.raises(BleakError, match="disconnected"):
                await client.read_gatt_char(TEMPERATURE_TYPE)
            release.set()
            assert not client.is_connected


async def test_two_peripherals_at_once(air, thermometer):
    async with heart_rate_monitor(air) as monitor:
        heart_rates: list[bytearray] = []
        temperatures: list[bytearray] = []
        hr_client = BleakClient(monitor.address, backend=BumbleClient)
        thermo_client = BleakClient(thermometer.peripheral.address, backend=BumbleClient)
        await asyncio.gather(hr_client.connect(), thermo_client.connect())
        try:
            await hr_client.start_notify(
                HEART_RATE_MEASUREMENT, lambda _, data: heart_rates.append(data)
            )
            await thermo_client.start_notify(
                INTERMEDIATE_TEMPERATURE, lambda _, data: temperatures.append(data)
            )
            for i in range(10):
                await monitor.notify(HEART_RATE_MEASUREMENT, bytes([0, 60 + i]))
                await thermometer.peripheral.notify(INTERMEDIATE_TEMPERATURE, bytes([i]))
            async with asyncio.timeout(1):
                while len(heart_rates) < 10 or len(temperatures) < 10:
                    await asyncio.sleep(0.001)
        finally:
            await asyncio.gather(hr_client.disconnect(), thermo_client.disconnect())

    assert heart_rates == [bytearray([0, 60 + i]) for i in range(10)]
    assert temperatures == [bytearray([i]) for i in range(10)]


async def test_without_an_open_air_bluetooth_is_unavailable():
    with pytest.raises(BleakBluetoothNotAvailableError):
        await BleakScanner.discover(0.01, backend=BumbleScanner)
    with pytest.raises(BleakBluetoothNotAvailableError):
        await BleakClient("D0:00:00:00:00:01", backend=BumbleClient).connect()


async def test_a_cancelled_connect_leaves_the_central_usable(thermometer):
    await thermometer.peripheral.stop()
    client = BleakClient(thermometer.peripheral.address, backend=BumbleClient, timeout=5.0)
    attempt = asyncio.create_task(client.connect())
    await asyncio.sleep(0.05)
    attempt.cancel()
    with pytest.raises(asyncio.CancelledError):
        await attempt

    await thermometer.peripheral.advertise()
    await client.connect()

    assert client.is_connected
    await client.disconnect()


async def test_a_client_can_ask_for_some_services_only(thermometer):
    async with BleakClient(
        thermometer.peripheral.address, services=[VENDOR], backend=BumbleClient
    ) as client:
        assert [s.uuid for s in client.services] == [VENDOR]


GLUCOSE = "1808"
GLUCOSE_MEASUREMENT = "2A18"  # notify
RACP = "2A52"  # Record Access Control Point: write, indicate


async def test_a_control_point_answers_with_records_then_an_indication(air):
    """The pattern a glucose meter follows (Glucose Profile 1.0, section 4.9).

    The record and response bytes are arbitrary here; the profile's own
    dataclasses will supply real ones.
    """
    records = [b"\x00\x01\x00", b"\x00\x02\x00", b"\x00\x03\x00"]
    meter: BlePeripheral

    def on_racp(request: bytes) -> None:
        if not meter.is_subscribed(RACP, indications=True):
            raise GattError(0xFD)  # Client Characteristic Configuration improperly configured
        meter.spawn(report(request))

    async def report(request: bytes) -> None:
        for record in records:
            await meter.notify(GLUCOSE_MEASUREMENT, record)
        await meter.indicate(RACP, b"\x06\x00" + request[:1] + b"\x01")

    meter = BlePeripheral(
        air,
        "Glucose meter",
        [
            GattService(
                GLUCOSE,
                (
                    GattCharacteristic(GLUCOSE_MEASUREMENT, ("notify",), encrypted=True),
                    GattCharacteristic(
                        RACP, ("write", "indicate"), on_write=on_racp, encrypted=True
                    ),
                ),
            )
        ],
        advertising_interval=ADVERTISING_INTERVAL,
    )
    received: list[tuple[str, bytes]] = []
    async with meter, BleakClient(meter.address, backend=BumbleClient, pair=True) as client:
        with pytest.raises(BleakGATTProtocolError) as unsubscribed:
            await client.write_gatt_char(RACP, b"\x01\x01", response=True)
        await client.start_notify(
            GLUCOSE_MEASUREMENT, lambda c, data: received.append((c.uuid[4:8], bytes(data)))
        )
        await client.start_notify(RACP, lambda c, data: received.append((c.uuid[4:8], bytes(data))))
        await client.write_gatt_char(RACP, b"\x01\x01", response=True)  # report all records
        async with asyncio.timeout(1):
            while len(received) < 4:
                await asyncio.sleep(0.001)

    assert unsubscribed.value.code == 0xFD
    assert received == [("2a18", r) for r in records] + [("2a52", b"\x06\x00\x01\x01")]
