"""An invented, realistic visit for demos, tests and benchmarks: nobody real.

:func:`demo_record` builds a :class:`~fhir_bridge.record.VisitRecord` as the store
would give it for a finished visit: an invented resident (:mod:`cabin.testident`,
a card that parses), the station's six instruments, a blood-pressure panel and
the cuff's pulse, SpO2 and pulse from the oximeter, heart rate and a 10 s
two-lead ECG at 250 Hz from the simulator's ECGSYN model
(:func:`hardware.sim.ecg_model.ecg_simulate`), temperature, weight, height (in m,
as the BLE scale sends it), BMI and a capillary glucose. Everything, timestamps
included, is fixed by the seed.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from cabin.cccd import parse_cccd_qr
from cabin.store.models import Measurement, Resident, Visit, Waveform
from cabin.testident import invented_card_qr
from fhir_bridge.record import (
    Consult,
    DeviceInfo,
    IdentifierSystems,
    Station,
    VisitRecord,
)

__all__ = ["DEMO_ECG_FS", "DEMO_ECG_SECONDS", "demo_record"]

DEMO_ECG_FS = 250.0
"""Sampling rate of the demo ECG, Hz."""
DEMO_ECG_SECONDS = 10.0
"""Length of the demo ECG, s."""

_EPOCH = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # 08:00 in Ha Noi
_STATION = Station("demo-station-01", "Trạm công dân số Phường Thử (demo)", "0.1.0")
_SYSTEMS = IdentifierSystems(mr="https://hospital.example.vn/fhir/sid/mr")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _devices(seed: int) -> dict[str, DeviceInfo]:
    serial = f"{seed:04d}"
    return {
        "oximeter": DeviceInfo("oximeter", "cms50d", "Simulated Contec", "CMS50D",
                               f"SIM-OX-{serial}", firmware="2.1"),
        "ecg": DeviceInfo("ecg", "ecg", "Citizen Station (simulated)", "ECG-2L",
                          f"SIM-ECG-{serial}", firmware="0.9.3", hardware="1.0"),
        "bp": DeviceInfo("bp", "blood_pressure", "Simulated BLE", "BPM-1",
                         f"SIM-BP-{serial}", firmware="1.4.2", hardware="B", software="1.0"),
        "thermometer": DeviceInfo("thermometer", "thermometer", "Simulated BLE", "THM-1",
                                  f"SIM-TH-{serial}", firmware="3.0"),
        "scale": DeviceInfo("scale", "weight_scale", "Simulated BLE", "WS-1",
                            f"SIM-WS-{serial}", firmware="2.2"),
        "glucometer": DeviceInfo("glucometer", "glucose", "Simulated BLE", "GLU-1",
                                 f"SIM-GL-{serial}", firmware="1.1"),
    }  # fmt: skip


def _ecg_leads(
    seconds: float, fs: float, heart_rate: float, seed: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    """Leads I and II (mV, float32 precision as the store keeps them) and the true rate."""
    from hardware.sim.ecg_model import EcgParams, ecg_simulate  # heavy: only when needed

    ecg = ecg_simulate(seconds, fs, EcgParams(heart_rate=heart_rate), seed=seed)
    leads = []
    for lead in (ecg.lead_i, ecg.lead_ii):
        samples = np.asarray(lead, dtype=np.float32).astype(np.float64)
        samples.flags.writeable = False
        leads.append(samples)
    return leads[0], leads[1], ecg.heart_rate


def demo_record(
    seed: int = 0, *, consult: bool = False, anonymous: bool = False, ecg: bool = True
) -> VisitRecord:
    """An invented finished visit.

    Args:
        seed: fixes everything: the resident, the values, the times, the ECG.
        consult: add a teleconsultation with a doctor's note.
        anonymous: the resident did not identify (no Patient identity).
        ecg: include the 10 s two-lead ECG recording.
    """
    rng = random.Random(seed)  # noqa: S311 - invented data, seeded for repeatability
    start = _EPOCH + timedelta(days=seed % 365, minutes=rng.randint(0, 600))
    card = parse_cccd_qr(invented_card_qr(rng, today=start.date()), today=start.date())
    resident_id = _uuid(rng)
    visit_id = _uuid(rng)
    resident = None if anonymous else Resident(resident_id, card.to_identity(), start)

    hr = rng.randint(58, 95)
    sbp = rng.randint(105, 165)
    dbp = min(sbp - 30, rng.randint(62, 100))
    spo2 = rng.randint(94, 99)
    temperature = round(rng.uniform(36.2, 37.6), 1)
    height_m = round(rng.uniform(1.48, 1.75), 2)
    weight = round(rng.uniform(18.0, 29.0) * height_m**2, 1)
    fasting = rng.random() < 0.5
    glucose = round(rng.uniform(4.4, 7.4 if fasting else 9.6), 1)
    meal = "fasting" if fasting else "meal_postprandial"

    t = start + timedelta(minutes=2)
    waveforms: list[Waveform] = []
    ecg_rate = float(hr)
    if ecg:
        lead_i, lead_ii, ecg_rate = _ecg_leads(DEMO_ECG_SECONDS, DEMO_ECG_FS, hr, seed)
        ecg_start = t + timedelta(minutes=1)
        waveforms = [
            Waveform(1, visit_id, "ecg_i", DEMO_ECG_FS, ecg_start, "mV", lead_i, "ecg"),
            Waveform(2, visit_id, "ecg_ii", DEMO_ECG_FS, ecg_start, "mV", lead_ii, "ecg"),
        ]

    rows: list[tuple[str, dict[str, float], str, str, int, frozenset[str], bool]] = [
        # kind, values, unit, device, minutes after t, flags, device clock
        ("spo2", {"spo2": spo2}, "%", "oximeter", 0, frozenset(), False),
        ("pulse_rate", {"pulse_rate": hr + rng.randint(-2, 2)}, "/min", "oximeter", 0,
         frozenset(), False),
        ("heart_rate", {"heart_rate": round(ecg_rate, 1)}, "/min", "ecg", 2, frozenset(), False),
        ("blood_pressure",
         {"systolic": sbp, "diastolic": dbp, "mean": round(dbp + (sbp - dbp) / 3)},
         "mm[Hg]", "bp", 4, frozenset(), True),
        ("pulse_rate", {"pulse_rate": hr + rng.randint(-3, 3)}, "/min", "bp", 4,
         frozenset(), True),
        ("temperature", {"temperature": temperature}, "Cel", "thermometer", 6,
         frozenset({"site_ear"}), True),
        ("weight", {"weight": weight}, "kg", "scale", 8, frozenset(), True),
        ("height", {"height": height_m}, "m", "scale", 8, frozenset(), True),
        ("bmi", {"bmi": round(weight / height_m**2, 1)}, "kg/m2", "scale", 8, frozenset(),
         True),
        ("glucose", {"glucose": glucose}, "mmol/L", "glucometer", 10,
         frozenset({meal, "sample_capillary_whole_blood", "site_finger"}), True),
    ]  # fmt: skip
    measurements = []
    for row_id, (kind, values, unit, device, minutes, flags, clock) in enumerate(rows, 1):
        received = t + timedelta(minutes=minutes, seconds=row_id)
        device_time = received - timedelta(seconds=3) if clock else None
        measurements.append(
            Measurement(row_id, visit_id, kind, values, unit, device, device_time, received,
                        1.0, flags)
        )  # fmt: skip

    end = t + timedelta(minutes=12)
    talk = None
    if consult:
        talk = Consult(
            doctor_id=f"bs-{rng.randint(1, 999):03d}",
            doctor_name="BS. Lê Thị Mẫu",
            started_at=end,
            ended_at=end + timedelta(minutes=9),
            note=(
                "Huyết áp và đường huyết đã xem cùng người dân.\n"
                "Khuyên đo lại huyết áp sau 1 tuần; ăn nhạt, vận động nhẹ.\n\n"
                "Tái khám tại trạm y tế phường nếu chóng mặt, đau ngực (gọi 115)."
            ),
        )
        end = talk.ended_at + timedelta(minutes=1)

    visit = Visit(
        id=visit_id,
        resident_id=None if anonymous else resident_id,
        station_id=_STATION.id,
        state="ended",
        started_at=start,
        ended_at=end,
        consent=True,
    )
    bhyt = f"{rng.choice(('GD', 'HT', 'CB', 'DN'))}{rng.randint(1, 5)}{rng.randint(1, 99):02d}"
    bhyt += f"{rng.randint(0, 10**10 - 1):010d}"
    mr = f"HN/{start.year}/{rng.randint(1, 999_999):06d}"
    return VisitRecord(
        visit=visit,
        resident=resident,
        measurements=measurements,
        waveforms=waveforms,
        devices=_devices(seed),
        station=_STATION,
        systems=_SYSTEMS,
        bhyt=None if anonymous else bhyt,
        mr=None if anonymous else mr,
        consult=talk,
    )
