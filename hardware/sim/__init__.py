"""Device simulators and the physiological signal models they play.

The models are pure, seeded numpy/scipy functions with known ground truth: an ECGSYN
heart (:func:`ecg_simulate`), red/infrared PPG driven by its beats
(:func:`ppg_simulate`) and an oscillometric cuff cycle (:func:`cuff_simulate`, or
:class:`CuffCycle` to stream one live).

The simulators play them to a real driver over a pseudo-terminal
(:class:`PtyPort`), speaking each device's byte protocol: :class:`EcgSimulator`,
:class:`PpgSimulator`, :class:`CuffSimulator` and :class:`Cms50dSimulator`;
:func:`make_simulator` builds one from a ``sim:`` moniker's options.

The BLE instruments (:class:`BloodPressureMonitor`, :class:`HeartRateBelt`,
:class:`Thermometer`, :class:`PulseOximeter`, :class:`WeightScale`,
:class:`GlucoseMeter`) are bumble peripherals (:class:`BlePeripheral`) on the
virtual air, sending the profiles' real payloads; :func:`make_ble_device` builds
one from a ``sim:ble-*`` moniker's options, :func:`open_simulated_ble` on the
station's shared air.
"""

from __future__ import annotations

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
from hardware.sim.ble_peripheral import BlePeripheral
from hardware.sim.ble_station import SimulatedBle, open_simulated_ble
from hardware.sim.cuff_model import CuffChunk, CuffCycle, CuffParams, CuffPhase
from hardware.sim.cuff_record import SimulatedCuff, cuff_simulate
from hardware.sim.cuff_source import CuffSource, CycleSource
from hardware.sim.ecg_model import EcgParams, SimulatedEcg, ecg_simulate, heartbeat_times
from hardware.sim.ecg_waves import EcgWaves
from hardware.sim.oximeter import Cms50dSimulator
from hardware.sim.packet_devices import (
    CuffSimulator,
    EcgSimulator,
    PacketSimulator,
    PpgSimulator,
)
from hardware.sim.ppg_model import (
    PpgParams,
    PulseShape,
    SimulatedPpg,
    SpO2Calibration,
    beat_times_from_rr,
    pleth_display,
    ppg_simulate,
)
from hardware.sim.pty_port import PtyPort
from hardware.sim.serial_device import LinkFaults, LoopSource, SampleSource, SerialSimulator
from hardware.sim.station import SIMULATED_KINDS, make_simulator

__all__ = [
    "BLE_KINDS",
    "BlePeripheral",
    "BloodPressureMonitor",
    "Cms50dSimulator",
    "CuffChunk",
    "CuffCycle",
    "CuffParams",
    "CuffPhase",
    "CuffSimulator",
    "CuffSource",
    "CycleSource",
    "EcgParams",
    "EcgSimulator",
    "EcgWaves",
    "GlucoseMeter",
    "HeartRateBelt",
    "LinkFaults",
    "LoopSource",
    "PacketSimulator",
    "PpgParams",
    "PpgSimulator",
    "PtyPort",
    "PulseOximeter",
    "PulseShape",
    "SIMULATED_KINDS",
    "SampleSource",
    "SerialSimulator",
    "SimulatedBle",
    "SimulatedBleDevice",
    "SimulatedCuff",
    "SimulatedEcg",
    "SimulatedPpg",
    "SpO2Calibration",
    "Thermometer",
    "WeightScale",
    "beat_times_from_rr",
    "cuff_simulate",
    "ecg_simulate",
    "heartbeat_times",
    "make_ble_device",
    "make_simulator",
    "open_simulated_ble",
    "pleth_display",
    "ppg_simulate",
]
