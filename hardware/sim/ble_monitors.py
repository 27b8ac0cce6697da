"""Simulated BLE monitors that report as they measure: cuff, heart-rate belt, thermometer, scale.

Each is a :class:`~hardware.sim.ble_instrument.SimulatedBleDevice` with its
profile's service and characteristics as the Bluetooth SIG service
specifications give them. What :meth:`measure` sends, and what happens when no
central listens:

=====================  ====================================  ===================================
instrument             sends                                 nobody listening
=====================  ====================================  ===================================
BloodPressureMonitor   Intermediate Cuff Pressure (0x2A36)   the latest measurement is kept and
                       notified as the cuff inflates and     indicated once a central enables
                       deflates, then Blood Pressure         indications of 0x2A35
                       Measurement (0x2A35) indicated
HeartRateBelt          Heart Rate Measurement (0x2A37)       lost, as a belt's stream is
                       notified, with RR intervals
Thermometer            Intermediate Temperature (0x2A1E)     the latest is kept and indicated
                       notified as it climbs, then           once a central enables indications
                       Temperature Measurement (0x2A1C)      of 0x2A1C
                       indicated
WeightScale            Weight Measurement (0x2A9D), then     the latest of each is kept and
                       Body Composition Measurement          indicated once a central enables
                       (0x2A9C), both indicated              indications of it
=====================  ====================================  ===================================
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal
from typing import Unpack

from hardware.ble.blood_pressure import (
    BloodPressureFeature,
    BloodPressureMeasurement,
    BloodPressureStatus,
    BloodPressureSupport,
    IntermediateCuffPressure,
)
from hardware.ble.body_composition import (
    BodyCompositionFeature,
    BodyCompositionMeasurement,
    BodyCompositionSupport,
)
from hardware.ble.bumble_backend import VirtualAir
from hardware.ble.heart_rate import BodySensorLocation, HeartRateMeasurement, SensorLocation
from hardware.ble.thermometer import (
    IntermediateTemperature,
    TemperatureMeasurement,
    TemperatureSite,
    TemperatureType,
)
from hardware.ble.uuids import CharacteristicUuid as C
from hardware.ble.uuids import ServiceUuid as S
from hardware.ble.weight_scale import (
    HeightResolution,
    WeightMeasurement,
    WeightResolution,
    WeightScaleFeature,
    WeightScaleSupport,
)
from hardware.sim.ble_instrument import DeviceOptions, SimulatedBleDevice, check_within
from hardware.sim.ble_peripheral import GattCharacteristic, GattService

__all__ = ["BloodPressureMonitor", "HeartRateBelt", "Thermometer", "WeightScale"]

_KG_STEP = Decimal("0.05")  # the scale's resolution (Weight Scale Feature: 0.05 kg)
_M_STEP = Decimal("0.01")  # height resolution (0.01 m)
_TENTH = Decimal("0.1")
#: Water in fat-free mass (Pace and Rathbun 1945, J Biol Chem 158:685).
_FFM_HYDRATION = 0.73
_KJ_PER_KCAL = 4.184


def _steps(value: float, step: Decimal) -> Decimal:
    """``value`` rounded to a whole number of ``step``."""
    return Decimal(round(value / float(step))) * step


class BloodPressureMonitor(SimulatedBleDevice):
    """An upper-arm cuff: Blood Pressure Service (0x1810).

    :meth:`measure` notifies Intermediate Cuff Pressure (0x2A36) six times as
    the cuff inflates past systolic and deflates below diastolic, ``step_s``
    apart, then indicates Blood Pressure Measurement (0x2A35) in mmHg with
    the mean arterial pressure, pulse rate, time stamp and measurement status.
    Blood Pressure Feature (0x2A49) is readable.

    Args:
        air: the air to join.
        systolic: systolic pressure in mmHg.
        diastolic: diastolic pressure in mmHg.
        pulse_rate: pulse rate in /min.
        status: measurement status bits to report (irregular pulse, body movement...).
        step_s: seconds between intermediate cuff pressures.
        **options: see :class:`~hardware.sim.ble_instrument.SimulatedBleDevice`.
    """

    kind = "ble-bp"
    profile = "blood_pressure"
    default_name = "Sim BP cuff"
    model_number = "SIM-BP"
    FEATURES = (
        BloodPressureSupport.BODY_MOVEMENT_DETECTION
        | BloodPressureSupport.CUFF_FIT_DETECTION
        | BloodPressureSupport.IRREGULAR_PULSE_DETECTION
        | BloodPressureSupport.MEASUREMENT_POSITION_DETECTION
    )

    def __init__(
        self,
        air: VirtualAir,
        *,
        systolic: float = 128.0,
        diastolic: float = 82.0,
        pulse_rate: float = 72.0,
        status: BloodPressureStatus = BloodPressureStatus.NONE,
        step_s: float = 0.1,
        **options: Unpack[DeviceOptions],
    ) -> None:
        check_within("systolic", systolic, 60, 260)
        check_within("diastolic", diastolic, 30, systolic - 10)
        check_within("pulse rate", pulse_rate, 30, 220)
        check_within("step_s", step_s, 0, 60)
        self.systolic = systolic
        self.diastolic = diastolic
        self.pulse_rate = pulse_rate
        self.status = status
        self.step_s = step_s
        super().__init__(air, **options)

    def _services(self) -> Sequence[GattService]:
        return (
            GattService(
                S.BLOOD_PRESSURE.uuid,
                (
                    GattCharacteristic(C.BLOOD_PRESSURE_MEASUREMENT.uuid, ("indicate",)),
                    GattCharacteristic(C.INTERMEDIATE_CUFF_PRESSURE.uuid, ("notify",)),
                    GattCharacteristic(
                        C.BLOOD_PRESSURE_FEATURE.uuid,
                        ("read",),
                        value=bytes(BloodPressureFeature(self.FEATURES)),
                    ),
                ),
            ),
        )

    def _measurement(self, systolic: int, diastolic: int, pulse: int) -> BloodPressureMeasurement:
        return BloodPressureMeasurement(
            Decimal(systolic),
            Decimal(diastolic),
            Decimal(round(diastolic + (systolic - diastolic) / 3)),
            time_stamp=self._stamp(),
            pulse_rate=Decimal(pulse),
            status=self.status,
        )

    def _sample(self, uuid: C) -> bytes | None:
        systolic = round(self.systolic)
        if uuid is C.BLOOD_PRESSURE_MEASUREMENT:
            return bytes(self._measurement(systolic, round(self.diastolic), round(self.pulse_rate)))
        if uuid is C.INTERMEDIATE_CUFF_PRESSURE:
            return bytes(IntermediateCuffPressure(Decimal(systolic), time_stamp=self._stamp()))
        return None

    async def measure(self) -> BloodPressureMeasurement:
        """Inflate, deflate, and report one measurement; returns what was indicated (or kept)."""
        self._check_running()
        async with self._busy:
            systolic = round(self.systolic + self._vary(3.0))
            diastolic = min(round(self.diastolic + self._vary(2.0)), systolic - 10)
            pulse = round(self.pulse_rate + self._vary(2.0))
            peak = systolic + 30
            ramp = (peak // 3, 2 * peak // 3, peak, systolic, (systolic + diastolic) // 2)
            for pressure in (*ramp, diastolic - 10):
                cuff = IntermediateCuffPressure(Decimal(pressure), time_stamp=self._stamp())
                await self.peripheral.notify(C.INTERMEDIATE_CUFF_PRESSURE.uuid, bytes(cuff))
                await asyncio.sleep(self.step_s)
            measurement = self._measurement(systolic, diastolic, pulse)
            await self._indicate_or_keep(C.BLOOD_PRESSURE_MEASUREMENT, bytes(measurement))
        return measurement


class HeartRateBelt(SimulatedBleDevice):
    """A chest belt: Heart Rate Service (0x180D).

    :meth:`measure` notifies one Heart Rate Measurement (0x2A37): the rate in
    /min, sensor contact, and the RR intervals of the beats of about one
    second. Body Sensor Location (0x2A38) is readable. A measurement nobody is
    subscribed to is lost; call :meth:`run_every` with 1 s for a belt's stream.

    Args:
        air: the air to join.
        heart_rate: heart rate in /min.
        location: where the sensor sits.
        contact: the sensor is on the skin.
        **options: see :class:`~hardware.sim.ble_instrument.SimulatedBleDevice`.
    """

    kind = "ble-hr"
    profile = "heart_rate"
    default_name = "Sim HR belt"
    model_number = "SIM-HR"

    def __init__(
        self,
        air: VirtualAir,
        *,
        heart_rate: float = 72.0,
        location: SensorLocation = SensorLocation.CHEST,
        contact: bool = True,
        **options: Unpack[DeviceOptions],
    ) -> None:
        check_within("heart rate", heart_rate, 25, 240)
        self.heart_rate = heart_rate
        self.location = location
        self.contact = contact
        super().__init__(air, **options)

    def _services(self) -> Sequence[GattService]:
        return (
            GattService(
                S.HEART_RATE.uuid,
                (
                    GattCharacteristic(C.HEART_RATE_MEASUREMENT.uuid, ("notify",)),
                    GattCharacteristic(
                        C.BODY_SENSOR_LOCATION.uuid,
                        ("read",),
                        value=bytes(BodySensorLocation(self.location)),
                    ),
                ),
            ),
        )

    def _measurement(self, rate: int, rr: tuple[int, ...]) -> HeartRateMeasurement:
        return HeartRateMeasurement(
            rate,
            sensor_contact_supported=True,
            sensor_contact_detected=self.contact,
            rr_intervals=rr,
        )

    def _sample(self, uuid: C) -> bytes | None:
        if uuid is C.HEART_RATE_MEASUREMENT:
            rate = round(self.heart_rate)
            return bytes(self._measurement(rate, (round(61440 / rate),)))
        return None

    async def measure(self) -> HeartRateMeasurement:
        """Notify one heart-rate measurement; returns it (sent or not)."""
        self._check_running()
        async with self._busy:
            rate = max(20, round(self.heart_rate + self._vary(2.0)))
            beats = max(1, round(rate / 60))
            # An RR interval in 1/1024 s is 60 * 1024 / rate, give or take a little.
            rr = tuple(round(61440 / rate * (1 + self._vary(0.03))) for _ in range(beats))
            measurement = self._measurement(rate, rr)
            await self._notify_final(C.HEART_RATE_MEASUREMENT, bytes(measurement))
        return measurement


class Thermometer(SimulatedBleDevice):
    """An ear thermometer: Health Thermometer Service (0x1809).

    :meth:`measure` notifies Intermediate Temperature (0x2A1E) three times as
    the reading climbs, ``step_s`` apart, then indicates Temperature
    Measurement (0x2A1C) in degrees Celsius with a time stamp. Its site is
    fixed, so it is in Temperature Type (0x2A1D), readable, and not repeated in
    each measurement (Health Thermometer Service 1.0 puts a fixed type in the
    characteristic and a changing one in the measurement, never both).

    Args:
        air: the air to join.
        temperature: body temperature in degrees Celsius.
        site: where it measures.
        step_s: seconds between intermediate temperatures.
        **options: see :class:`~hardware.sim.ble_instrument.SimulatedBleDevice`.
    """

    kind = "ble-thermo"
    profile = "thermometer"
    default_name = "Sim thermometer"
    model_number = "SIM-TH"

    def __init__(
        self,
        air: VirtualAir,
        *,
        temperature: float = 36.8,
        site: TemperatureSite = TemperatureSite.TYMPANUM,
        step_s: float = 0.1,
        **options: Unpack[DeviceOptions],
    ) -> None:
        check_within("temperature", temperature, 30, 45)
        check_within("step_s", step_s, 0, 60)
        self.temperature = temperature
        self.site = site
        self.step_s = step_s
        super().__init__(air, **options)

    def _services(self) -> Sequence[GattService]:
        return (
            GattService(
                S.HEALTH_THERMOMETER.uuid,
                (
                    GattCharacteristic(C.TEMPERATURE_MEASUREMENT.uuid, ("indicate",)),
                    GattCharacteristic(
                        C.TEMPERATURE_TYPE.uuid, ("read",), value=bytes(TemperatureType(self.site))
                    ),
                    GattCharacteristic(C.INTERMEDIATE_TEMPERATURE.uuid, ("notify",)),
                ),
            ),
        )

    def _sample(self, uuid: C) -> bytes | None:
        celsius = _steps(self.temperature, _TENTH)
        if uuid is C.TEMPERATURE_MEASUREMENT:
            return bytes(TemperatureMeasurement(celsius, time_stamp=self._stamp()))
        if uuid is C.INTERMEDIATE_TEMPERATURE:
            return bytes(IntermediateTemperature(celsius, time_stamp=self._stamp()))
        return None

    async def measure(self) -> TemperatureMeasurement:
        """Climb to the reading and report it; returns what was indicated (or kept)."""
        self._check_running()
        async with self._busy:
            final = _steps(self.temperature + self._vary(0.1), _TENTH)
            for below in (Decimal("0.9"), Decimal("0.5"), Decimal("0.2")):
                climbing = IntermediateTemperature(final - below, time_stamp=self._stamp())
                await self.peripheral.notify(C.INTERMEDIATE_TEMPERATURE.uuid, bytes(climbing))
                await asyncio.sleep(self.step_s)
            measurement = TemperatureMeasurement(final, time_stamp=self._stamp())
            await self._indicate_or_keep(C.TEMPERATURE_MEASUREMENT, bytes(measurement))
        return measurement


class WeightScale(SimulatedBleDevice):
    """A body composition scale: Weight Scale (0x181D) and Body Composition (0x181B) services.

    :meth:`measure` indicates Weight Measurement (0x2A9D): weight in kg to
    0.05 kg, time stamp, BMI and height in m; then Body Composition
    Measurement (0x2A9C): body fat in %, time stamp, basal metabolism in kJ
    (Katch-McArdle: 370 kcal + 21.6 kcal/kg of fat-free mass), fat-free mass,
    body water mass (73 % of the fat-free mass) and weight, in kg. Both
    feature characteristics (0x2A9E, 0x2A9B) are readable.

    Args:
        air: the air to join.
        weight: body weight in kg.
        height: body height in m (the scale is told it, as a real one is).
        body_fat: body fat in %.
        **options: see :class:`~hardware.sim.ble_instrument.SimulatedBleDevice`.
    """

    kind = "ble-scale"
    profile = "weight_scale"
    default_name = "Sim scale"
    model_number = "SIM-WS"
    WEIGHT_FEATURES = WeightScaleFeature(
        WeightScaleSupport.TIME_STAMP | WeightScaleSupport.BMI,
        WeightResolution.KG_0_05,
        HeightResolution.M_0_01,
    )
    COMPOSITION_FEATURES = BodyCompositionFeature(
        BodyCompositionSupport.TIME_STAMP
        | BodyCompositionSupport.BASAL_METABOLISM
        | BodyCompositionSupport.FAT_FREE_MASS
        | BodyCompositionSupport.BODY_WATER_MASS
        | BodyCompositionSupport.WEIGHT,
        WeightResolution.KG_0_05,
    )

    def __init__(
        self,
        air: VirtualAir,
        *,
        weight: float = 62.0,
        height: float = 1.62,
        body_fat: float = 24.0,
        **options: Unpack[DeviceOptions],
    ) -> None:
        check_within("weight", weight, 2, 300)
        check_within("height", height, 0.5, 2.5)
        check_within("body fat", body_fat, 3, 70)
        self.weight = weight
        self.height = height
        self.body_fat = body_fat
        super().__init__(air, **options)

    def _services(self) -> Sequence[GattService]:
        return (
            GattService(
                S.WEIGHT_SCALE.uuid,
                (
                    GattCharacteristic(C.WEIGHT_MEASUREMENT.uuid, ("indicate",)),
                    GattCharacteristic(
                        C.WEIGHT_SCALE_FEATURE.uuid, ("read",), value=bytes(self.WEIGHT_FEATURES)
                    ),
                ),
            ),
            GattService(
                S.BODY_COMPOSITION.uuid,
                (
                    GattCharacteristic(C.BODY_COMPOSITION_MEASUREMENT.uuid, ("indicate",)),
                    GattCharacteristic(
                        C.BODY_COMPOSITION_FEATURE.uuid,
                        ("read",),
                        value=bytes(self.COMPOSITION_FEATURES),
                    ),
                ),
            ),
        )

    def _weighing(
        self, kg: float, fat: float
    ) -> tuple[WeightMeasurement, BodyCompositionMeasurement]:
        weight = _steps(kg, _KG_STEP)
        height = _steps(self.height, _M_STEP)
        stamp = self._stamp()
        bmi = _steps(float(weight) / float(height) ** 2, _TENTH)
        fat_free = float(weight) * (1 - fat / 100)
        basal_kcal = 370 + 21.6 * fat_free
        composition = BodyCompositionMeasurement(
            _steps(fat, _TENTH),
            time_stamp=stamp,
            basal_metabolism=round(basal_kcal * _KJ_PER_KCAL),
            fat_free_mass=_steps(fat_free, _KG_STEP),
            body_water_mass=_steps(fat_free * _FFM_HYDRATION, _KG_STEP),
            weight=weight,
        )
        return WeightMeasurement(weight, time_stamp=stamp, bmi=bmi, height=height), composition

    def _sample(self, uuid: C) -> bytes | None:
        weight, composition = self._weighing(self.weight, self.body_fat)
        if uuid is C.WEIGHT_MEASUREMENT:
            return bytes(weight)
        if uuid is C.BODY_COMPOSITION_MEASUREMENT:
            return bytes(composition)
        return None

    async def measure(self) -> tuple[WeightMeasurement, BodyCompositionMeasurement]:
        """Weigh and analyse; returns what was indicated (or kept)."""
        self._check_running()
        async with self._busy:
            weight, composition = self._weighing(
                self.weight + self._vary(0.1), self.body_fat + self._vary(0.3)
            )
            await self._indicate_or_keep(C.WEIGHT_MEASUREMENT, bytes(weight))
            await self._indicate_or_keep(C.BODY_COMPOSITION_MEASUREMENT, bytes(composition))
        return weight, composition
