"""Simulated BLE health instruments, read the way the station reads real ones.

Everything goes through bleak's public API with the bumble backend on a
virtual air, and what arrives is decoded by :func:`hardware.ble.parse`; the
tests never reach into the peripheral from the central's side. UUIDs and
behaviours are those of the Bluetooth SIG service specifications (Blood
Pressure, Heart Rate, Health Thermometer, Pulse Oximeter, Weight Scale, Body
Composition, Glucose, Device Information, Battery, Current Time) and the GATT
Specification Supplement's Record Access Control Point.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from bleak import BleakClient, BleakScanner
from bleak.exc import BleakGATTProtocolError, BleakGATTProtocolErrorCode

from cabin.errors import FrameError
from hardware.ble import (
    AdjustReason,
    BatteryLevel,
    BloodPressureMeasurement,
    BloodPressureStatus,
    BodyCompositionMeasurement,
    CurrentTime,
    DateTime,
    FirmwareRevision,
    GlucoseMeasurement,
    GlucoseMeasurementContext,
    GlucoseUnit,
    HeartRateMeasurement,
    IntermediateCuffPressure,
    IntermediateTemperature,
    ManufacturerName,
    Meal,
    ModelNumber,
    PlxContinuousMeasurement,
    PlxMeasurementStatus,
    PlxSpotCheckMeasurement,
    RacpFilterType,
    RacpNumberOfRecords,
    RacpOpCode,
    RacpOperator,
    RacpRequest,
    RacpResponse,
    RacpResponseCode,
    SerialNumber,
    TemperatureMeasurement,
    TemperatureSite,
    TemperatureType,
    WeightMeasurement,
    parse,
    uuid16,
)
from hardware.ble import CharacteristicUuid as C
from hardware.ble.bumble_backend import BumbleClient, BumbleScanner
from hardware.ble.driver import BleDriver
from hardware.ble.profiles import PROFILES
from hardware.events import Reading
from hardware.sim.ble_devices import (
    BLE_KINDS,
    BloodPressureMonitor,
    GlucoseMeter,
    HeartRateBelt,
    PulseOximeter,
    SimulatedBleDevice,
    Thermometer,
    WeightScale,
    make_ble_device,
)

SCAN_TIME = 0.15  # s: several advertising intervals of 0.05 s
RACP = C.RECORD_ACCESS_CONTROL_POINT
# The station sets the clock to this (local wall time); later stamps must follow it.
STATION_TIME = dt.datetime(2031, 5, 6, 7, 8, 9)
FAST = {"vary": "0", "step": "0.005"}  # exact values, quick ramps


class Central:
    """A connected bleak client and everything it received, decoded."""

    def __init__(self, client: BleakClient) -> None:
        self.client = client
        self.received: asyncio.Queue[tuple[C, object]] = asyncio.Queue()

    async def subscribe(self, *uuids: C) -> None:
        for uuid in uuids:
            await self.client.start_notify(uuid.uuid, self._on_value)

    def _on_value(self, characteristic, data: bytearray) -> None:
        uuid = C(uuid16(characteristic.uuid))
        try:
            value: object = parse(uuid, data)
        except FrameError as exc:
            value = exc
        self.received.put_nowait((uuid, value))

    async def next(self, uuid: C, timeout: float = 2.0) -> object:
        """The next value on ``uuid`` (values on other characteristics are dropped)."""
        async with asyncio.timeout(timeout):
            while True:
                got, value = await self.received.get()
                if got is uuid:
                    return value

    async def values(self, uuid: C, until: C, timeout: float = 2.0) -> tuple[list[object], object]:
        """Every value on ``uuid`` until one arrives on ``until``, and that one."""
        collected: list[object] = []
        async with asyncio.timeout(timeout):
            while True:
                got, value = await self.received.get()
                if got is until:
                    return collected, value
                if got is uuid:
                    collected.append(value)

    async def read(self, uuid: C) -> object:
        return parse(uuid, await self.client.read_gatt_char(uuid.uuid))

    async def racp(self, request: RacpRequest | bytes) -> None:
        await self.client.write_gatt_char(RACP.uuid, bytes(request), response=True)

    def pending(self) -> list[tuple[C, object]]:
        items = []
        while not self.received.empty():
            items.append(self.received.get_nowait())
        return items


@contextlib.asynccontextmanager
async def connected(device: SimulatedBleDevice, *, pair: bool = True):
    async with BleakClient(device.address, backend=BumbleClient, timeout=2.0) as client:
        if pair:
            await client.pair()
        yield Central(client)


def report(operator: RacpOperator, **operand) -> RacpRequest:
    if operand:
        operand.setdefault("filter_type", RacpFilterType.SEQUENCE_NUMBER)
    return RacpRequest(RacpOpCode.REPORT_STORED_RECORDS, operator, **operand)


def number_of(operator: RacpOperator, **operand) -> RacpRequest:
    if operand:
        operand.setdefault("filter_type", RacpFilterType.SEQUENCE_NUMBER)
    return RacpRequest(RacpOpCode.REPORT_NUMBER_OF_STORED_RECORDS, operator, **operand)


def close_to_station_time(stamp: DateTime, seconds: float = 5.0) -> bool:
    when = stamp.to_datetime()
    return when is not None and abs((when - STATION_TIME).total_seconds()) <= seconds


# -- one live measurement from each kind ----------------------------------------------------


def check_bp(value, intermediate):
    assert isinstance(value, BloodPressureMeasurement)
    assert (value.systolic, value.diastolic) == (Decimal(150), Decimal(95))
    assert value.mean_arterial_pressure == Decimal(113)  # 95 + (150 - 95) / 3
    assert value.pulse_rate == Decimal(70)
    assert value.status == BloodPressureStatus.IRREGULAR_PULSE
    cuff = [v.cuff_pressure for v in intermediate]
    assert all(isinstance(v, IntermediateCuffPressure) for v in intermediate)
    assert len(cuff) == 6
    assert max(cuff) == Decimal(180)  # inflated 30 mmHg past systolic
    assert cuff[-1] < value.diastolic
    return value.time_stamp


def check_hr(value, _intermediate):
    assert isinstance(value, HeartRateMeasurement)
    assert value.heart_rate == 70
    assert value.sensor_contact_supported
    assert value.sensor_contact_detected
    assert value.rr_intervals == (878,)  # 60 / 70 s in 1/1024 s
    return None


def check_thermo(value, intermediate):
    assert isinstance(value, TemperatureMeasurement)
    assert value.temperature == Decimal("37.9")
    assert value.site is None  # in Temperature Type (0x2A1D) instead
    assert all(isinstance(v, IntermediateTemperature) for v in intermediate)
    assert [v.temperature for v in intermediate] == [Decimal(t) for t in ("37.0", "37.4", "37.7")]
    return value.time_stamp


def check_plx(value, intermediate):
    assert isinstance(value, PlxSpotCheckMeasurement)
    assert (value.spo2, value.pulse_rate) == (Decimal(94), Decimal(70))
    assert value.pulse_amplitude_index == Decimal("3.5")
    assert value.measurement_status == PlxMeasurementStatus.VALIDATED_DATA
    assert not value.device_clock_not_set  # the central set it
    assert len(intermediate) == 3
    assert all(isinstance(v, PlxContinuousMeasurement) for v in intermediate)
    assert {(v.spo2, v.pulse_rate) for v in intermediate} == {(Decimal(94), Decimal(70))}
    return value.time_stamp


def check_scale(value, intermediate):
    assert isinstance(value, WeightMeasurement)
    assert value.weight == Decimal("80.00")
    assert value.height == Decimal("1.75")
    assert value.bmi == Decimal("26.1")  # 80 / 1.75^2
    (composition,) = intermediate
    assert isinstance(composition, BodyCompositionMeasurement)
    assert composition.body_fat_percentage == Decimal("30.0")
    assert composition.weight == value.weight
    assert composition.fat_free_mass == Decimal("56.00")
    assert composition.body_water_mass == Decimal("40.90")  # 73 % of 56 kg, to 0.05 kg
    assert composition.basal_metabolism == 6609  # (370 + 21.6 * 56) kcal in kJ
    assert composition.time_stamp == value.time_stamp
    return value.time_stamp


def check_glucose(value, intermediate):
    assert isinstance(value, GlucoseMeasurement)
    assert value.concentration == Decimal("0.0072")  # 7.2 mmol/L in mol/L
    assert value.unit is GlucoseUnit.MOL_PER_L
    assert value.context_follows
    return value.base_time


# kind: options, final characteristic, characteristic of values that come with it, check
LIVE = {
    "ble-bp": (
        {"sbp": "150", "dbp": "95", "hr": "70", "irregular": "1"},
        C.BLOOD_PRESSURE_MEASUREMENT,
        C.INTERMEDIATE_CUFF_PRESSURE,
        check_bp,
    ),
    "ble-hr": ({"hr": "70"}, C.HEART_RATE_MEASUREMENT, None, check_hr),
    "ble-thermo": (
        {"temp": "37.9", "site": "ear"},
        C.TEMPERATURE_MEASUREMENT,
        C.INTERMEDIATE_TEMPERATURE,
        check_thermo,
    ),
    "ble-plx": (
        {"spo2": "94", "hr": "70", "pi": "3.5"},
        C.PLX_SPOT_CHECK_MEASUREMENT,
        C.PLX_CONTINUOUS_MEASUREMENT,
        check_plx,
    ),
    "ble-scale": (
        {"kg": "80", "height": "1.75", "fat": "30"},
        C.WEIGHT_MEASUREMENT,
        C.BODY_COMPOSITION_MEASUREMENT,
        check_scale,
    ),
    "ble-glucose": ({"glucose": "7.2"}, C.GLUCOSE_MEASUREMENT, None, check_glucose),
}


def live_characteristics(profile: str) -> list[C]:
    spec = PROFILES[profile]
    return [*spec.live, *(c for chars in spec.extra_services.values() for c in chars)]


@pytest.mark.parametrize("kind", BLE_KINDS)
async def test_each_instrument_is_found_paired_read_set_and_measured_live(air, kind):
    options, final, companion, check = LIVE[kind]
    step = {"step": FAST["step"]} if kind in ("ble-bp", "ble-thermo", "ble-plx") else {}
    device = make_ble_device(air, kind, options | {"vary": "0"} | step, seed=3)
    async with device:
        service = PROFILES[device.profile].service.uuid
        found = await BleakScanner.discover(
            SCAN_TIME, service_uuids=[service], return_adv=True, backend=BumbleScanner
        )
        assert list(found) == [device.address]
        assert found[device.address][1].local_name == device.name

        async with connected(device) as central:
            assert await central.read(C.MANUFACTURER_NAME) == ManufacturerName(device.manufacturer)
            assert await central.read(C.MODEL_NUMBER) == ModelNumber(device.model_number)
            assert await central.read(C.SERIAL_NUMBER) == SerialNumber(device.serial_number)
            assert await central.read(C.FIRMWARE_REVISION) == FirmwareRevision(
                device.firmware_revision
            )
            assert await central.read(C.BATTERY_LEVEL) == BatteryLevel(device.battery_level)
            assert device.clock_set_to is None

            setting = CurrentTime.from_datetime(
                STATION_TIME, AdjustReason.EXTERNAL_REFERENCE_TIME_UPDATE
            )
            await central.client.write_gatt_char(C.CURRENT_TIME.uuid, bytes(setting), True)
            clock = await central.read(C.CURRENT_TIME)

            await central.subscribe(*live_characteristics(device.profile))
            sent = await device.measure()
            with_it, value = await central.values(companion or final, final)
            if companion is C.BODY_COMPOSITION_MEASUREMENT:  # indicated after the weight
                with_it = [await central.next(companion)]
            garbage_reached = await device.send_garbage(final.uuid)
            garbage = await central.next(final)

    assert device.clock_set_to == setting
    assert isinstance(clock, CurrentTime)
    assert clock.adjust_reason is AdjustReason.EXTERNAL_REFERENCE_TIME_UPDATE
    assert close_to_station_time(clock.date_time)
    stamp = check(value, with_it)
    assert stamp is None or close_to_station_time(stamp)
    assert value == (sent[0] if isinstance(sent, tuple) else getattr(sent, "measurement", sent))
    assert device.measurements_sent == (2 if kind == "ble-scale" else 1)
    assert garbage_reached == 1
    assert isinstance(garbage, FrameError)


async def test_the_thermometer_states_its_site_in_temperature_type(air):
    async with Thermometer(air, site=TemperatureSite.ARMPIT) as thermometer:
        async with connected(thermometer, pair=False) as central:
            assert await central.read(C.TEMPERATURE_TYPE) == TemperatureType(TemperatureSite.ARMPIT)


# -- nobody listening ----------------------------------------------------------------------------


async def test_a_cuff_keeps_its_latest_measurement_until_a_central_subscribes(air):
    async with BloodPressureMonitor(air, vary=False, step_s=0) as cuff:
        cuff.systolic = 120
        await cuff.measure()
        cuff.systolic = 140
        await cuff.measure()  # replaces the first: a cuff keeps only the latest
        assert cuff.measurements_sent == 0

        async with connected(cuff, pair=False) as central:
            await central.subscribe(C.BLOOD_PRESSURE_MEASUREMENT)
            kept = await central.next(C.BLOOD_PRESSURE_MEASUREMENT)
            await asyncio.sleep(0.05)
            extra = central.pending()

    assert isinstance(kept, BloodPressureMeasurement)
    assert kept.systolic == Decimal(140)
    assert extra == []
    assert cuff.measurements_sent == 1


async def test_a_heart_rate_nobody_hears_is_lost(air):
    async with HeartRateBelt(air, heart_rate=64, vary=False) as belt:
        await belt.measure()
        async with connected(belt, pair=False) as central:
            await central.subscribe(C.HEART_RATE_MEASUREMENT)
            belt.heart_rate = 66
            await belt.measure()
            heard = await central.next(C.HEART_RATE_MEASUREMENT)
            await asyncio.sleep(0.05)
            extra = central.pending()

    assert isinstance(heard, HeartRateMeasurement)
    assert heard.heart_rate == 66
    assert extra == []
    assert belt.measurements_sent == 1


# -- glucose meter: pairing and the Record Access Control Point -----------------------------------


async def test_glucose_characteristics_need_pairing(air):
    async with GlucoseMeter(air) as meter:
        async with connected(meter, pair=False) as central:
            with pytest.raises(BleakGATTProtocolError) as read:
                await central.client.read_gatt_char(C.GLUCOSE_FEATURE.uuid)
            with pytest.raises(BleakGATTProtocolError) as subscribe:
                await central.subscribe(C.GLUCOSE_MEASUREMENT)
            await central.client.pair()
            await central.subscribe(C.GLUCOSE_MEASUREMENT)
            await meter.measure()
            measurement = await central.next(C.GLUCOSE_MEASUREMENT)

    assert read.value.code == BleakGATTProtocolErrorCode.INSUFFICIENT_ENCRYPTION
    assert subscribe.value.code == BleakGATTProtocolErrorCode.INSUFFICIENT_ENCRYPTION
    assert isinstance(measurement, GlucoseMeasurement)


@pytest.fixture
async def meter(air):
    """A glucose meter with 3 records from before and one taken while nobody was connected."""
    async with GlucoseMeter(air, glucose=6.0, stored=3, meal=Meal.PREPRANDIAL) as meter:
        await meter.measure()
        yield meter


@pytest.fixture
async def collector(meter):
    async with connected(meter) as central:
        await central.subscribe(C.GLUCOSE_MEASUREMENT, C.GLUCOSE_MEASUREMENT_CONTEXT, RACP)
        yield central


async def fetch(central: Central, request: RacpRequest) -> tuple[list[int], object]:
    await central.racp(request)
    records, answer = await central.values(C.GLUCOSE_MEASUREMENT, RACP)
    return [r.sequence_number for r in records], answer


def answered(request: RacpRequest, code: RacpResponseCode) -> RacpResponse:
    return RacpResponse(request.op_code, code)


async def test_stored_glucose_records_come_with_their_contexts(meter, collector):
    request = report(RacpOperator.ALL_RECORDS)
    await collector.racp(request)
    values = []
    async with asyncio.timeout(2):
        while not isinstance(value := (await collector.received.get())[1], RacpResponse):
            values.append(value)

    assert value == answered(request, RacpResponseCode.SUCCESS)
    assert [type(v) for v in values] == [GlucoseMeasurement, GlucoseMeasurementContext] * 4
    measurements, contexts = values[::2], values[1::2]
    assert [m.sequence_number for m in measurements] == [1, 2, 3, 4]
    assert [c.sequence_number for c in contexts] == [1, 2, 3, 4]
    assert {c.meal for c in contexts} == {Meal.PREPRANDIAL}
    assert measurements == [r.measurement for r in meter.records]
    times = [m.time for m in measurements]
    assert times == sorted(times)
    assert times[-1] - times[0] >= dt.timedelta(hours=24)  # 8 h apart, then today's
    assert all(abs(float(m.concentration) * 1000 - 6.0) < 1.0 for m in measurements)
    assert meter.measurements_sent == 4


@pytest.mark.parametrize(
    ("request_", "sequences"),
    [
        (report(RacpOperator.GREATER_THAN_OR_EQUAL, minimum=3), [3, 4]),
        (report(RacpOperator.LESS_THAN_OR_EQUAL, maximum=2), [1, 2]),
        (report(RacpOperator.WITHIN_RANGE, minimum=2, maximum=3), [2, 3]),
        (report(RacpOperator.FIRST_RECORD), [1]),
        (report(RacpOperator.LAST_RECORD), [4]),
    ],
    ids=[">=3", "<=2", "2..3", "first", "last"],
)
async def test_glucose_records_are_selected_by_sequence_number(collector, request_, sequences):
    got, answer = await fetch(collector, request_)

    assert got == sequences
    assert answer == answered(request_, RacpResponseCode.SUCCESS)


@pytest.mark.parametrize(
    ("request_", "count"),
    [
        (number_of(RacpOperator.ALL_RECORDS), 4),
        (number_of(RacpOperator.GREATER_THAN_OR_EQUAL, minimum=4), 1),
        (number_of(RacpOperator.GREATER_THAN_OR_EQUAL, minimum=9), 0),
    ],
    ids=["all", ">=4", ">=9"],
)
async def test_the_meter_counts_its_records(collector, request_, count):
    await collector.racp(request_)

    assert await collector.next(RACP) == RacpNumberOfRecords(count)


async def test_refused_requests_get_response_codes(collector):
    by_time = RacpRequest(
        RacpOpCode.REPORT_STORED_RECORDS,
        RacpOperator.GREATER_THAN_OR_EQUAL,
        RacpFilterType.USER_FACING_TIME,
        minimum=DateTime(2031, 1, 1),
    )
    cases = [
        (report(RacpOperator.GREATER_THAN_OR_EQUAL, minimum=9), RacpResponseCode.NO_RECORDS_FOUND),
        (report(RacpOperator.NULL), RacpResponseCode.INVALID_OPERATOR),
        (by_time, RacpResponseCode.OPERAND_NOT_SUPPORTED),
        (
            report(RacpOperator.WITHIN_RANGE, minimum=3, maximum=2),
            RacpResponseCode.INVALID_OPERAND,
        ),
        (
            RacpRequest(RacpOpCode.ABORT_OPERATION, RacpOperator.ALL_RECORDS),
            RacpResponseCode.INVALID_OPERATOR,
        ),
    ]
    for request, code in cases:
        got, answer = await fetch(collector, request)
        assert got == []
        assert answer == answered(request, code)

    # Bytes that are no request: a response written back, a truncated request.
    await collector.racp(RacpResponse(RacpOpCode.REPORT_STORED_RECORDS, RacpResponseCode.SUCCESS))
    assert await collector.next(RACP) == RacpResponse(
        RacpOpCode.RESPONSE_CODE, RacpResponseCode.OP_CODE_NOT_SUPPORTED
    )
    truncated = bytes(report(RacpOperator.GREATER_THAN_OR_EQUAL, minimum=3))[:-1]
    await collector.racp(truncated)
    assert await collector.next(RACP) == RacpResponse(
        RacpOpCode.REPORT_STORED_RECORDS, RacpResponseCode.INVALID_OPERAND
    )


async def test_deleted_records_are_gone(meter, collector):
    delete = RacpRequest(
        RacpOpCode.DELETE_STORED_RECORDS,
        RacpOperator.LESS_THAN_OR_EQUAL,
        RacpFilterType.SEQUENCE_NUMBER,
        maximum=2,
    )
    await collector.racp(delete)
    deleted = await collector.next(RACP)
    remaining, _ = await fetch(collector, report(RacpOperator.ALL_RECORDS))

    assert deleted == answered(delete, RacpResponseCode.SUCCESS)
    assert remaining == [3, 4]
    assert [r.measurement.sequence_number for r in meter.records] == [3, 4]


async def test_a_report_can_be_aborted_and_is_not_overtaken(air):
    async with GlucoseMeter(air, stored=60, pace_s=0.01) as meter:
        async with connected(meter) as central:
            await central.subscribe(C.GLUCOSE_MEASUREMENT, RACP)
            await central.racp(report(RacpOperator.ALL_RECORDS))
            with pytest.raises(BleakGATTProtocolError) as overtaking:
                await central.racp(report(RacpOperator.LAST_RECORD))
            abort = RacpRequest(RacpOpCode.ABORT_OPERATION, RacpOperator.NULL)
            await central.racp(abort)
            got, answer = await central.values(C.GLUCOSE_MEASUREMENT, RACP)
            await asyncio.sleep(0.05)
            extra = central.pending()

    assert overtaking.value.code == 0xFE  # Procedure Already In Progress
    assert answer == answered(abort, RacpResponseCode.SUCCESS)
    assert 0 < len(got) < 60
    assert extra == []  # the aborted report sends no response of its own


async def test_a_racp_write_without_indications_enabled_is_refused(meter):
    async with connected(meter) as central:
        await central.subscribe(C.GLUCOSE_MEASUREMENT)
        with pytest.raises(BleakGATTProtocolError) as refused:
            await central.racp(report(RacpOperator.ALL_RECORDS))

    # Client Characteristic Configuration Descriptor Improperly Configured.
    assert refused.value.code == 0xFD


async def test_glucose_travels_in_kg_per_litre_when_told(air):
    async with GlucoseMeter(air, glucose=5.4, unit=GlucoseUnit.KG_PER_L, vary=False) as meter:
        record = await meter.measure()

    assert record.measurement.concentration == Decimal("0.00097")  # 97 mg/dL
    assert record.measurement.unit is GlucoseUnit.KG_PER_L


# -- pulse oximeter: stored spot-checks -----------------------------------------------------------


async def test_oximeter_spot_checks_taken_offline_are_reported_all_at_once(air):
    async with PulseOximeter(air, spo2=95, stored=2, continuous=0) as oximeter:
        await oximeter.measure()  # nobody connected: stored
        async with connected(oximeter) as central:
            await central.subscribe(C.PLX_SPOT_CHECK_MEASUREMENT, RACP)
            await central.racp(number_of(RacpOperator.ALL_RECORDS))
            count = await central.next(RACP)
            request = report(RacpOperator.ALL_RECORDS)
            await central.racp(request)
            stored, answer = await central.values(C.PLX_SPOT_CHECK_MEASUREMENT, RACP)
            refused = report(RacpOperator.GREATER_THAN_OR_EQUAL, minimum=1)
            await central.racp(refused)
            refusal = await central.next(RACP)
            await oximeter.measure()  # confirmed live: not stored
            await central.next(C.PLX_SPOT_CHECK_MEASUREMENT)
            kept = len(oximeter.records)
            delete = RacpRequest(RacpOpCode.DELETE_STORED_RECORDS, RacpOperator.ALL_RECORDS)
            await central.racp(delete)
            deleted = await central.next(RACP)
            await central.racp(request)
            after = await central.next(RACP)

    assert count == RacpNumberOfRecords(3)
    assert answer == answered(request, RacpResponseCode.SUCCESS)
    assert len(stored) == 3
    assert all(isinstance(s, PlxSpotCheckMeasurement) for s in stored)
    assert all(
        s.measurement_status
        == PlxMeasurementStatus.VALIDATED_DATA | PlxMeasurementStatus.DATA_FROM_MEASUREMENT_STORAGE
        for s in stored
    )
    assert all(s.device_clock_not_set for s in stored)  # nobody had set it then
    assert all(abs(s.spo2 - 95) <= 3 for s in stored)
    assert refusal == answered(refused, RacpResponseCode.OPERATOR_NOT_SUPPORTED)
    assert kept == 3
    assert deleted == answered(delete, RacpResponseCode.SUCCESS)
    assert after == answered(request, RacpResponseCode.NO_RECORDS_FOUND)
    assert oximeter.measurements_sent == 4


# -- the station's driver ------------------------------------------------------------------------


async def test_the_station_driver_gets_glucose_records_taken_before_it_connected(air):
    async with make_ble_device(air, "ble-glucose", {"records": "2", "meal": "fasting"}) as meter:
        readings: list[Reading] = []
        driver = BleDriver(
            "glucose",
            meter.address,
            profile=meter.profile,
            scanner_backend=BumbleScanner,
            client_backend=BumbleClient,
            scan_timeout=2.0,
        )
        task = asyncio.create_task(
            driver.run(lambda e: readings.append(e) if isinstance(e, Reading) else None)
        )
        try:
            async with asyncio.timeout(3):
                while len(readings) < 2:
                    await asyncio.sleep(0.01)
            await meter.measure()
            async with asyncio.timeout(2):
                while len(readings) < 3:
                    await asyncio.sleep(0.01)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    assert meter.clock_set_to is not None
    assert [r.kind for r in readings] == ["glucose"] * 3
    assert all("fasting" in r.flags for r in readings)
    assert all(abs(r.values["glucose"] - 5.4) < 1.0 for r in readings)


# -- life cycle, clock, battery, options ----------------------------------------------------------


async def test_run_every_measures_until_close(air):
    meter = make_ble_device(air, "ble-glucose", {"every": "0.02"})
    await meter.start()
    looping = asyncio.create_task(meter.run_every(0.03))  # a second loop, as a caller runs it
    await asyncio.sleep(0.2)
    await meter.close()
    await meter.close()
    async with asyncio.timeout(1):
        await looping  # ends normally once the device closes
    taken = len(meter.records)
    await asyncio.sleep(0.05)

    assert taken >= 5
    assert len(meter.records) == taken


async def test_measuring_needs_a_started_instrument(air):
    belt = HeartRateBelt(air)
    with pytest.raises(RuntimeError, match="not running"):
        await belt.measure()
    await belt.close()
    with pytest.raises(RuntimeError, match="cannot be restarted"):
        await belt.start()


async def test_garbage_goes_only_on_measurement_characteristics(air):
    async with WeightScale(air) as scale:
        with pytest.raises(ValueError, match="not a measurement characteristic"):
            await scale.send_garbage(C.WEIGHT_SCALE_FEATURE.uuid)
        with pytest.raises(ValueError, match="not a measurement characteristic"):
            await scale.send_garbage("2a35")


async def test_a_bad_current_time_is_refused_and_the_clock_can_be_set_by_hand(air):
    async with Thermometer(air) as thermometer:
        async with connected(thermometer, pair=False) as central:
            await central.subscribe(C.CURRENT_TIME, C.BATTERY_LEVEL)
            good = bytes(CurrentTime.from_datetime(STATION_TIME))
            with pytest.raises(BleakGATTProtocolError) as refused:
                await central.client.write_gatt_char(C.CURRENT_TIME.uuid, good[:6], True)
            await thermometer.set_clock(STATION_TIME)
            notified = await central.next(C.CURRENT_TIME)
            await thermometer.set_battery_level(41)
            battery = await central.next(C.BATTERY_LEVEL)

    assert refused.value.code == 0xFF  # Out of Range
    assert isinstance(notified, CurrentTime)
    assert notified.adjust_reason is AdjustReason.MANUAL_TIME_UPDATE
    assert notified.date_time == DateTime.from_datetime(STATION_TIME)
    assert battery == BatteryLevel(41)


async def test_the_same_seed_gives_the_same_measurements(air):
    values = []
    for seed in (7, 7, 8):
        async with GlucoseMeter(air, glucose=5.4, stored=5, seed=seed) as meter:
            values.append([r.measurement.concentration for r in meter.records])

    assert values[0] == values[1]
    assert values[0] != values[2]
    assert all(abs(float(c) * 1000 - 5.4) < 1.0 for c in values[2])


@pytest.mark.parametrize(
    ("kind", "cls"),
    [
        ("ble-bp", BloodPressureMonitor),
        ("ble-glucose", GlucoseMeter),
        ("ble-hr", HeartRateBelt),
        ("ble-plx", PulseOximeter),
        ("ble-scale", WeightScale),
        ("ble-thermo", Thermometer),
    ],
)
async def test_make_ble_device_builds_each_kind(air, kind, cls):
    device = make_ble_device(air, kind, {"name": "Ward 3", "battery": "55"})

    assert type(device) is cls
    assert device.kind == kind
    assert device.profile in PROFILES
    assert device.name == "Ward 3"
    assert device.battery_level == 55
    assert kind in BLE_KINDS


@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [
        ("ble-ecg", {}, "no simulated BLE instrument 'ble-ecg'"),
        ("ble-bp", {"glucose": "5"}, "ble-bp has no option 'glucose'"),
        ("ble-hr", {"records": "3"}, "ble-hr has no option 'records'"),
        ("ble-bp", {"sbp": "high"}, "option sbp must be a number"),
        ("ble-bp", {"sbp": "nan"}, "option sbp must be a finite number"),
        ("ble-bp", {"sbp": "400"}, "systolic must be within"),
        ("ble-bp", {"irregular": "yes"}, "option irregular must be 0 or 1"),
        ("ble-glucose", {"meal": "lunch"}, "option meal must be one of"),
        ("ble-glucose", {"unit": "mg"}, "option unit must be one of"),
        ("ble-glucose", {"records": "2.5"}, "option records must be a whole number"),
        ("ble-plx", {"records": "-1"}, "stored must be within"),
        ("ble-thermo", {"site": "elbow"}, "option site must be one of"),
        ("ble-scale", {"every": "-5"}, "option every must not be negative"),
        ("ble-scale", {"battery": "120"}, "battery is a percentage"),
        ("ble-scale", {"name": " "}, "option name must not be empty"),
    ],
)
async def test_make_ble_device_refuses_what_it_does_not_know(air, kind, options, message):
    with pytest.raises(ValueError, match=message):
        make_ble_device(air, kind, options)
