"""Simulated BLE meters that keep records: a pulse oximeter and a glucose meter.

Both answer the Record Access Control Point (0x2A52) through
:class:`~hardware.sim.ble_racp.RecordAccess`, so a station that connects late
still gets what was measured before ("records taken before the cabin
connected": the ``stored`` argument).

=============  =========================================  ===================================
meter          :meth:`measure` sends                      records
=============  =========================================  ===================================
PulseOximeter  PLX Continuous Measurement (0x2A5F)        a spot-check that no central
               notified a few times, then PLX Spot-Check  confirmed is stored; the RACP
               Measurement (0x2A5E) indicated             reports (indicates) all of them,
                                                          marked "from measurement storage"
GlucoseMeter   Glucose Measurement (0x2A18) and, with a   every measurement is stored, with
               meal noted, Glucose Measurement Context    its sequence number; the RACP
               (0x2A34), notified to a subscribed         reports them by sequence number
               central                                    (notified, as live ones)
=============  =========================================  ===================================

Every glucose characteristic needs an encrypted link: a central must pair
before it reads the feature, subscribes, or writes the RACP.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Unpack

from hardware.ble.bumble_backend import VirtualAir
from hardware.ble.glucose import (
    GlucoseFeature,
    GlucoseMeasurement,
    GlucoseMeasurementContext,
    GlucoseSensorStatus,
    GlucoseSupport,
    GlucoseType,
    GlucoseUnit,
    Meal,
    SampleLocation,
)
from hardware.ble.pulse_oximeter import (
    PlxContinuousMeasurement,
    PlxDeviceStatus,
    PlxFeatures,
    PlxMeasurementStatus,
    PlxSpotCheckMeasurement,
    PlxSupport,
)
from hardware.ble.uuids import CharacteristicUuid as C
from hardware.ble.uuids import ServiceUuid as S
from hardware.sim.ble_instrument import DeviceOptions, SimulatedBleDevice, check_within
from hardware.sim.ble_peripheral import GattCharacteristic, GattService
from hardware.sim.ble_racp import RecordAccess

__all__ = ["GlucoseMeter", "GlucoseRecord", "PulseOximeter"]

#: Hours between two records stored before the simulation starts.
_STORED_EVERY = dt.timedelta(hours=8)
#: mg/dL in one mmol/L of glucose (molar mass 180.156 g/mol).
_MG_DL_PER_MMOL_L = 18.0156
_TENTH = Decimal("0.1")


class PulseOximeter(SimulatedBleDevice):
    """A fingertip oximeter with measurement storage: Pulse Oximeter Service (0x1822).

    :meth:`measure` notifies ``continuous`` PLX Continuous Measurements
    (0x2A5F), ``step_s`` apart, then indicates one PLX Spot-Check Measurement
    (0x2A5E): SpO2 in %, pulse rate in /min, time stamp, measurement and
    device status, pulse amplitude index in %, and whether its clock was ever
    set. A spot-check nobody confirms is stored (the oldest goes beyond
    ``capacity``); the RACP reports, counts and deletes them with ALL_RECORDS
    only, as the service specifies. PLX Features (0x2A60) is readable.

    Args:
        air: the air to join.
        spo2: oxygen saturation in %.
        pulse_rate: pulse rate in /min.
        perfusion: pulse amplitude index in %.
        device_status: device and sensor status bits to report (finger out...).
        continuous: continuous measurements notified before each spot-check.
        step_s: seconds between those.
        stored: spot-checks taken before the simulation starts, 8 h apart.
        capacity: the most spot-checks it stores.
        **options: see :class:`~hardware.sim.ble_instrument.SimulatedBleDevice`.
    """

    kind = "ble-plx"
    profile = "pulse_oximeter"
    default_name = "Sim oximeter"
    model_number = "SIM-PLX"
    FEATURES = PlxFeatures(
        PlxSupport.MEASUREMENT_STATUS
        | PlxSupport.DEVICE_AND_SENSOR_STATUS
        | PlxSupport.MEASUREMENT_STORAGE
        | PlxSupport.SPOT_CHECK_TIME_STAMP
        | PlxSupport.PULSE_AMPLITUDE_INDEX,
        PlxMeasurementStatus.VALIDATED_DATA | PlxMeasurementStatus.DATA_FROM_MEASUREMENT_STORAGE,
        PlxDeviceStatus.SENSOR_UNCONNECTED_TO_USER
        | PlxDeviceStatus.LOW_PERFUSION
        | PlxDeviceStatus.ERRATIC_SIGNAL
        | PlxDeviceStatus.SENSOR_DISPLACED,
    )

    def __init__(
        self,
        air: VirtualAir,
        *,
        spo2: float = 97.0,
        pulse_rate: float = 72.0,
        perfusion: float = 5.0,
        device_status: PlxDeviceStatus = PlxDeviceStatus.NONE,
        continuous: int = 3,
        step_s: float = 0.1,
        stored: int = 0,
        capacity: int = 100,
        **options: Unpack[DeviceOptions],
    ) -> None:
        check_within("SpO2", spo2, 50, 100)
        check_within("pulse rate", pulse_rate, 25, 240)
        check_within("perfusion", perfusion, 0.1, 20)
        check_within("continuous", continuous, 0, 100)
        check_within("step_s", step_s, 0, 60)
        check_within("capacity", capacity, 1, 10_000)
        check_within("stored", stored, 0, capacity)
        self.spo2 = spo2
        self.pulse_rate = pulse_rate
        self.perfusion = perfusion
        self.device_status = device_status
        self.continuous = continuous
        self.step_s = step_s
        self.capacity = capacity
        super().__init__(air, **options)
        self._records: list[PlxSpotCheckMeasurement] = []
        self._racp = RecordAccess(self.peripheral, self._records, self._send_stored)
        for k in range(stored, 0, -1):
            self._records.append(self._spot_check(*self._draw(), ago=_STORED_EVERY * k))

    @property
    def records(self) -> Sequence[PlxSpotCheckMeasurement]:
        """Stored spot-checks, oldest first (as taken; reported with the storage bit)."""
        return tuple(self._records)

    def _services(self) -> Sequence[GattService]:
        return (
            GattService(
                S.PULSE_OXIMETER.uuid,
                (
                    GattCharacteristic(C.PLX_SPOT_CHECK_MEASUREMENT.uuid, ("indicate",)),
                    GattCharacteristic(C.PLX_CONTINUOUS_MEASUREMENT.uuid, ("notify",)),
                    GattCharacteristic(C.PLX_FEATURES.uuid, ("read",), value=bytes(self.FEATURES)),
                    GattCharacteristic(
                        C.RECORD_ACCESS_CONTROL_POINT.uuid,
                        ("write", "indicate"),
                        on_write=lambda data: self._racp.write(data),
                    ),
                ),
            ),
        )

    def _draw(self) -> tuple[int, int, Decimal]:
        spo2 = min(100, round(self.spo2 + self._vary(0.7)))
        pulse = round(self.pulse_rate + self._vary(2.0))
        perfusion = max(_TENTH, Decimal(round((self.perfusion + self._vary(0.3)) * 10)) * _TENTH)
        return spo2, pulse, perfusion

    def _spot_check(
        self, spo2: int, pulse: int, perfusion: Decimal, ago: dt.timedelta = dt.timedelta(0)
    ) -> PlxSpotCheckMeasurement:
        return PlxSpotCheckMeasurement(
            Decimal(spo2),
            Decimal(pulse),
            time_stamp=self._stamp(ago),
            measurement_status=PlxMeasurementStatus.VALIDATED_DATA,
            device_status=self.device_status,
            pulse_amplitude_index=perfusion,
            device_clock_not_set=not self.clock.is_set,
        )

    def _continuous(self, spo2: int, pulse: int, perfusion: Decimal) -> PlxContinuousMeasurement:
        return PlxContinuousMeasurement(
            Decimal(spo2),
            Decimal(pulse),
            measurement_status=PlxMeasurementStatus.VALIDATED_DATA,
            device_status=self.device_status,
            pulse_amplitude_index=perfusion,
        )

    def _sample(self, uuid: C) -> bytes | None:
        perfusion = Decimal(round(self.perfusion * 10)) * _TENTH
        nominal = (round(self.spo2), round(self.pulse_rate), perfusion)
        if uuid is C.PLX_SPOT_CHECK_MEASUREMENT:
            return bytes(self._spot_check(*nominal))
        if uuid is C.PLX_CONTINUOUS_MEASUREMENT:
            return bytes(self._continuous(*nominal))
        return None

    async def measure(self) -> PlxSpotCheckMeasurement:
        """Stream a few continuous readings, then the spot-check; returns the spot-check."""
        self._check_running()
        async with self._busy:
            spo2, pulse, perfusion = self._draw()
            for _ in range(self.continuous):
                running = self._continuous(
                    min(100, spo2 + round(self._vary(0.5))),
                    pulse + round(self._vary(1.5)),
                    perfusion,
                )
                await self.peripheral.notify(C.PLX_CONTINUOUS_MEASUREMENT.uuid, bytes(running))
                await asyncio.sleep(self.step_s)
            spot_check = self._spot_check(spo2, pulse, perfusion)
            if not await self._indicate_final(C.PLX_SPOT_CHECK_MEASUREMENT, bytes(spot_check)):
                self._records.append(spot_check)
                del self._records[: -self.capacity]
        return spot_check

    async def _send_stored(self, record: PlxSpotCheckMeasurement) -> None:
        status = record.measurement_status or PlxMeasurementStatus.NONE
        stored = replace(
            record, measurement_status=status | PlxMeasurementStatus.DATA_FROM_MEASUREMENT_STORAGE
        )
        await self._indicate_final(C.PLX_SPOT_CHECK_MEASUREMENT, bytes(stored))


@dataclass(frozen=True, slots=True)
class GlucoseRecord:
    """One record of a glucose meter: the measurement, and its context when one was noted."""

    measurement: GlucoseMeasurement
    context: GlucoseMeasurementContext | None = None


class GlucoseMeter(SimulatedBleDevice):
    """A blood glucose meter: Glucose Service (0x1808), every characteristic encrypted.

    :meth:`measure` takes a capillary plasma sample from a finger, stores the
    record under the next sequence number, and notifies Glucose Measurement
    (0x2A18) to a subscribed central, followed by Glucose Measurement Context
    (0x2A34) when a meal is noted. The concentration travels in mol/L or kg/L,
    the service's units (5.4 mmol/L is 0.0054 mol/L, or 97 mg/dL = 0.00097 kg/L).
    The RACP (0x2A52) reports, counts and deletes records by sequence number
    (all, <=, >=, within a range, first, last) and aborts a report. Glucose
    Feature (0x2A51) is readable.

    Args:
        air: the air to join.
        glucose: blood glucose in mmol/L.
        meal: the meal relation noted with each record (None: no context is sent).
        unit: the concentration's unit on the wire.
        sensor_status: sensor status bits to report (None: the field is left out).
        stored: records taken before the simulation starts, 8 h apart.
        first_sequence: the sequence number of the first record.
        capacity: the most records it keeps (the oldest goes first).
        pace_s: seconds between two records the RACP reports.
        **options: see :class:`~hardware.sim.ble_instrument.SimulatedBleDevice`.
    """

    kind = "ble-glucose"
    profile = "glucose"
    default_name = "Sim glucose"
    model_number = "SIM-GL"
    FEATURES = GlucoseFeature(
        GlucoseSupport.LOW_BATTERY_DETECTION
        | GlucoseSupport.SENSOR_SAMPLE_SIZE
        | GlucoseSupport.SENSOR_STRIP_INSERTION_ERROR_DETECTION
        | GlucoseSupport.SENSOR_RESULT_HIGH_LOW_DETECTION
    )

    def __init__(
        self,
        air: VirtualAir,
        *,
        glucose: float = 5.4,
        meal: Meal | None = Meal.FASTING,
        unit: GlucoseUnit = GlucoseUnit.MOL_PER_L,
        sensor_status: GlucoseSensorStatus | None = None,
        stored: int = 0,
        first_sequence: int = 1,
        capacity: int = 500,
        pace_s: float = 0.005,
        **options: Unpack[DeviceOptions],
    ) -> None:
        check_within("glucose", glucose, 1.1, 33.3)  # a meter's usual range, in mmol/L
        check_within("first_sequence", first_sequence, 0, 0xFFFF)
        check_within("capacity", capacity, 1, 10_000)
        check_within("stored", stored, 0, capacity)
        check_within("pace_s", pace_s, 0, 10)
        self.glucose = glucose
        self.meal = meal
        self.unit = unit
        self.sensor_status = sensor_status
        self.capacity = capacity
        self._next_sequence = first_sequence
        super().__init__(air, **options)
        self._records: list[GlucoseRecord] = []
        self._racp = RecordAccess(
            self.peripheral,
            self._records,
            self._send,
            sequence_number=lambda r: r.measurement.sequence_number,
            pace_s=pace_s,
        )
        for k in range(stored, 0, -1):
            self._store(self._record(self._draw(), ago=_STORED_EVERY * k))

    @property
    def records(self) -> Sequence[GlucoseRecord]:
        """Stored records, oldest first."""
        return tuple(self._records)

    def _services(self) -> Sequence[GattService]:
        return (
            GattService(
                S.GLUCOSE.uuid,
                (
                    GattCharacteristic(C.GLUCOSE_MEASUREMENT.uuid, ("notify",), encrypted=True),
                    GattCharacteristic(
                        C.GLUCOSE_MEASUREMENT_CONTEXT.uuid, ("notify",), encrypted=True
                    ),
                    GattCharacteristic(
                        C.GLUCOSE_FEATURE.uuid,
                        ("read",),
                        value=bytes(self.FEATURES),
                        encrypted=True,
                    ),
                    GattCharacteristic(
                        C.RECORD_ACCESS_CONTROL_POINT.uuid,
                        ("write", "indicate"),
                        on_write=lambda data: self._racp.write(data),
                        encrypted=True,
                    ),
                ),
            ),
        )

    def _draw(self) -> float:
        return max(1.1, self.glucose + self._vary(0.2))

    def _concentration(self, mmol_per_l: float) -> Decimal:
        if self.unit is GlucoseUnit.MOL_PER_L:  # to 0.1 mmol/L
            return Decimal(round(mmol_per_l * 10)) * Decimal("0.0001")
        return Decimal(round(mmol_per_l * _MG_DL_PER_MMOL_L)) * Decimal("0.00001")  # mg/dL

    def _record(
        self, mmol_per_l: float, sequence: int | None = None, ago: dt.timedelta = dt.timedelta(0)
    ) -> GlucoseRecord:
        if sequence is None:
            sequence = self._next_sequence
            self._next_sequence = (sequence + 1) & 0xFFFF
        measurement = GlucoseMeasurement(
            sequence,
            self._stamp(ago),
            concentration=self._concentration(mmol_per_l),
            unit=self.unit,
            sample_type=GlucoseType.CAPILLARY_PLASMA,
            sample_location=SampleLocation.FINGER,
            sensor_status=self.sensor_status,
            context_follows=self.meal is not None,
        )
        context = None if self.meal is None else GlucoseMeasurementContext(sequence, meal=self.meal)
        return GlucoseRecord(measurement, context)

    def _store(self, record: GlucoseRecord) -> None:
        self._records.append(record)
        del self._records[: -self.capacity]

    def _sample(self, uuid: C) -> bytes | None:
        record = self._record(self.glucose, sequence=self._next_sequence)
        if uuid is C.GLUCOSE_MEASUREMENT:
            return bytes(record.measurement)
        if uuid is C.GLUCOSE_MEASUREMENT_CONTEXT:
            meal = self.meal or Meal.FASTING
            return bytes(GlucoseMeasurementContext(self._next_sequence, meal=meal))
        return None

    async def measure(self) -> GlucoseRecord:
        """Take a sample, store the record and notify it; returns the record."""
        self._check_running()
        async with self._busy:
            record = self._record(self._draw())
            self._store(record)
            await self._send(record)
        return record

    async def _send(self, record: GlucoseRecord) -> None:
        sent = await self.peripheral.notify(C.GLUCOSE_MEASUREMENT.uuid, bytes(record.measurement))
        if record.context is not None:
            await self.peripheral.notify(C.GLUCOSE_MEASUREMENT_CONTEXT.uuid, bytes(record.context))
        if sent:
            self.measurements_sent += 1
