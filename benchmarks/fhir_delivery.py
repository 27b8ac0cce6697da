"""FHIR delivery: bundle build time per visit, visits/s into the FHIR sandbox, outbox drain.

Three measures, each against a peer in the same run:

1. **Bundle per visit**: :func:`fhir_bridge.mapping.bundle_for_visit` and
   ``model_dump_json`` (what :func:`fhir_bridge.outbox.bundle_bytes` does), with and
   without the 10 s two-lead ECG, against a hand-rolled builder here that makes the
   same JSON from plain dicts with ``json.dumps``. Every plain bundle is checked to
   equal the real one (numbers compared as written), so the ratio is the price of the
   fhir.resources models for the same bytes. The peer reuses the mapping's pure
   helpers (keys and fullUrls, code tables, the vitals interpretation, the ECG's
   R peaks and HRV), which both pay alike. Parsing the bundle back
   (``Bundle.model_validate_json``) is set against ``json.loads``.
2. **Visits/s delivered**: a store holding ``--deliver`` sent visits (with ECG) is
   drained by the real outbox worker (:func:`fhir_bridge.service.delivery`,
   ``drain()``) at concurrency 1 and 4 into the FHIR sandbox
   (:class:`~fhir_bridge.sandbox_server.FhirSandbox`: Medplum's router in Node, which
   validates every write and runs each transaction all or nothing); the peer posts the
   same bundles to the same sandbox with a bare aiohttp loop (no store, no outbox).
   Each run goes into a freshly reset server whose counts are checked after; the
   server's CPU time is read from /proc.
3. **Drain after an outage**: ``--visits`` sent visits fill a store while nothing
   listens at the hospital's address (each queued in the visit's own transaction, as
   the kiosk does), then the sandbox comes up there and ``drain()`` runs until nothing
   is pending. The server's counts are checked afterwards: one transaction per visit,
   one Observation per measurement and ECG recording, each Patient and Device once.
   The peer is the bare loop posting the first of the same bundles. These visits have
   no ECG unless ``--outage-ecg``: with it 10,000 take longer than a benchmark run
   should (section 3 prints the estimate from section 2's rates).

The visits of sections 2 and 3 come one every half hour, one after another as at a
real station, and take their ECGs from a pool of 50 simulated recordings (the
simulator is slower than the station).

    .venv/bin/python benchmarks/fhir_delivery.py [--quick] [--visits 10000]
        [--bundles 100] [--deliver 100] [--rounds 3] [--outage-ecg]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
from fhir.resources.R4B.bundle import Bundle

from cabin.config import load_config
from cabin.errors import DeliveryRetryable
from cabin.store import Store, generate_key
from cabin.store.models import Measurement, Waveform
from fhir_bridge import codes
from fhir_bridge.demo import demo_record
from fhir_bridge.demo_store import store_visit
from fhir_bridge.destinations import Destinations, open_clients
from fhir_bridge.mapping import bundle_for_visit, convert, ecg_recordings, interpret_measurement
from fhir_bridge.mapping import identifiers as ids
from fhir_bridge.mapping.devices import device_type
from fhir_bridge.mapping.encounter import visit_end
from fhir_bridge.outbox import bundle_bytes, enqueue_visit
from fhir_bridge.record import DeviceInfo, IdentifierSystems, Station, VisitRecord
from fhir_bridge.sandbox_server import FhirSandbox
from fhir_bridge.service import delivery
from vitals.ecg import ecg_peaks
from vitals.hrv import heart_rate, hrv_time
from vitals.interpret import Interpretation, interpret_heart_rate

HEADERS = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}


# ---------------------------------------------------------------- 1. the plain-dict peer


def _coding(code: codes.Code) -> dict[str, Any]:
    return {"system": code.system, "code": code.code, "display": code.display}


def _concept(*coded: codes.Code, text: str | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [_coding(c) for c in coded]}
    if text is not None:
        concept["text"] = text
    return concept


def _category(code: str) -> list[dict[str, Any]]:
    coding = {
        "system": codes.OBSERVATION_CATEGORY,
        "code": code,
        "display": codes.CATEGORY_DISPLAY[code],
    }
    return [{"coding": [coding]}]


def _number(value: float, decimals: int) -> float | int:
    """As fhir.resources writes a Decimal of ``decimals`` places: an int without any."""
    text = f"{value:.{decimals}f}"
    return float(text) if decimals > 0 else int(text)


def _quantity(value: float, unit: str, decimals: int) -> dict[str, Any]:
    return {"value": _number(value, decimals), "unit": unit, "system": codes.UCUM, "code": unit}


def _ref(full_url: str) -> dict[str, str]:
    return {"reference": full_url}


def _ident(key: ids.EntryKey) -> dict[str, str]:
    return {"system": key.system, "value": key.value}


def _time(moment: datetime | date) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _interpretation(found: Interpretation) -> dict[str, Any]:
    code = codes.INTERPRETATION[found.code]
    coding = {
        "system": codes.INTERPRETATION_SYSTEM,
        "code": code,
        "display": codes.INTERPRETATION_DISPLAY[code],
    }
    return {"coding": [coding], "text": f"{found.code} ({found.guideline})"}


def _plain_device(
    info: DeviceInfo, station: Station, systems: IdentifierSystems, gateway: str, measured: set[str]
) -> dict[str, Any]:
    device: dict[str, Any] = {
        "resourceType": "Device",
        "identifier": [_ident(ids.device_key(station, systems, info))],
        "status": "active",
    }
    if info.manufacturer:
        device["manufacturer"] = info.manufacturer
    if info.serial:
        device["serialNumber"] = info.serial
    device["deviceName"] = [{"name": info.device_id, "type": "user-friendly-name"}]
    if info.model:
        device["modelNumber"] = info.model
    device["type"] = _concept(codes.PHD_TYPE)
    spec = device_type(info, measured)
    if spec:
        device["specialization"] = [{"systemType": _concept(spec)}]
    versions = [
        {"type": _concept(codes.VERSION_TYPES[name]), "value": value}
        for name, value in (
            ("firmware", info.firmware),
            ("hardware", info.hardware),
            ("software", info.software),
        )
        if value
    ]
    if versions:
        device["version"] = versions
    device["parent"] = _ref(gateway)
    return device


def _plain_patient(record: VisitRecord) -> dict[str, Any]:
    assert record.resident is not None
    identity, systems = record.resident.identity, record.systems
    identifiers: list[dict[str, Any]] = [
        {
            "use": "official",
            "type": _concept(codes.IDENTIFIER_TYPES["NI"]),
            "system": systems.cccd,
            "value": identity.cccd,
        }
    ]
    if record.bhyt:
        identifiers.append({"system": systems.bhyt, "value": record.bhyt})
    if record.mr and systems.mr:
        identifiers.append(
            {
                "use": "usual",
                "type": _concept(codes.IDENTIFIER_TYPES["MR"]),
                "system": systems.mr,
                "value": record.mr,
            }
        )
    parts = identity.full_name.split()
    name: dict[str, Any] = {"use": "official", "text": " ".join(parts)}
    if len(parts) > 1:
        name["family"] = parts[0]
    if parts[1:]:
        name["given"] = parts[1:]
    patient: dict[str, Any] = {"resourceType": "Patient", "identifier": identifiers, "active": True}
    shared = record.shared
    if shared.name:
        patient["name"] = [name]
    if shared.sex:
        patient["gender"] = identity.sex.value
    if shared.birth_date:
        patient["birthDate"] = _time(identity.birth_date)
    address = identity.address.strip()
    if shared.address and address:
        patient["address"] = [{"use": "home", "text": address, "country": "VN"}]
    return patient


def _plain_observation(m: Measurement, record: VisitRecord, refs: ids.VisitRefs) -> dict[str, Any]:
    kind, flags = m.kind, m.flags
    value = None
    components = []
    consumed: frozenset[str] = frozenset()
    if kind == "blood_pressure":
        spec = codes.KINDS[kind]
        concept = _concept(*spec.loinc, spec.mdc)
        for name, pair in codes.BP_COMPONENTS.items():
            if name in m.values:
                amount = convert(m.values[name], m.unit, spec.unit)
                quantity = _quantity(amount, spec.unit, spec.decimals)
                components.append({"code": _concept(*pair), "valueQuantity": quantity})
        complete = "systolic" in m.values and "diastolic" in m.values
        profile, category = spec.profile if complete else None, spec.category
    elif kind == "glucose":
        plasma = any(f.startswith("sample_") and f.endswith("_plasma") for f in flags)
        sample = "plasma" if plasma else "whole_blood"
        concept = _concept(
            codes.GLUCOSE_CODES[m.unit, "fasting" in flags], codes.GLUCOSE_MDC[sample]
        )
        value = _quantity(m.values["glucose"], m.unit, {"mmol/L": 2, "mg/dL": 0}[m.unit])
        meals = sorted(flags & codes.GLUCOSE_MEAL.keys())
        if meals:
            meal_code, text = codes.GLUCOSE_MEAL[meals[0]]
            meal = _concept(meal_code, text=text) if meal_code else {"text": text}
            components.append(
                {"code": _concept(codes.GLUCOSE_MEAL_CONTEXT), "valueCodeableConcept": meal}
            )
        profile, category, consumed = None, "laboratory", frozenset(meals)
    else:
        spec = codes.KINDS[kind]
        mdc = spec.mdc
        if kind == "pulse_rate" and m.device_id is not None:
            measured = {x.kind for x in record.measurements if x.device_id == m.device_id}
            cuff = device_type(ids.device_info(record, m.device_id), measured)
            if cuff == codes.DEVICE_TYPES["blood_pressure"]:
                mdc = codes.PULSE_RATE_CUFF
        concept = _concept(*spec.loinc, mdc)
        amount = convert(m.values[kind], m.unit, spec.unit)
        value = _quantity(amount, spec.unit, spec.decimals)
        profile, category = spec.profile, spec.category
    obs: dict[str, Any] = {"resourceType": "Observation"}
    if profile:
        obs["meta"] = {"profile": [profile]}
    obs["identifier"] = [_ident(ids.measurement_key(record, m))]
    obs["status"] = "final"
    obs["category"] = _category(category)
    obs["code"] = concept
    obs["subject"] = _ref(refs.patient)
    obs["encounter"] = _ref(refs.encounter)
    obs["effectiveDateTime"] = _time(m.device_time or m.received_at)
    if value is not None:
        obs["valueQuantity"] = value
    found = interpret_measurement(m)
    if found:
        obs["interpretation"] = [_interpretation(found)]
    noted = sorted(flags - consumed)
    if noted:
        obs["note"] = [{"text": f"Reported with the measurement: {', '.join(noted)}"}]
    device = refs.devices.get(m.device_id) if m.device_id else None
    if device:
        obs["device"] = _ref(device)
    if components:
        obs["component"] = components
    return obs


def _sampled(samples: np.ndarray, fs: float) -> dict[str, Any]:
    finite = np.isfinite(samples)
    steps = np.rint(np.where(finite, samples, 0.0) / 0.001).astype(np.int64).tolist()
    if not finite.all():
        steps = [s if ok else "E" for s, ok in zip(steps, finite.tolist(), strict=True)]
    return {
        "origin": {"value": 0, "unit": "mV", "system": codes.UCUM, "code": "mV"},
        "period": 1000.0 / fs,
        "factor": 0.001,
        "dimensions": 1,
        "data": " ".join(map(str, steps)),
    }


def _plain_ecg(
    leads: Sequence[Waveform], record: VisitRecord, refs: ids.VisitRefs
) -> dict[str, Any]:
    first = leads[0]
    components: list[dict[str, Any]] = [
        {
            "code": _concept(*codes.ECG_LEADS[w.signal_kind]),
            "valueSampledData": _sampled(w.samples, w.fs),
        }
        for w in leads
    ]
    rhythm = next((w for w in leads if w.signal_kind == "ecg_ii"), first)
    if np.all(np.isfinite(rhythm.samples)):
        peaks = ecg_peaks(rhythm.samples, rhythm.fs)
        rate = heart_rate(peaks)
        if rate.value is not None and rate.quality.usable:
            bpm = _number(rate.value, 1)
            part: dict[str, Any] = {
                "code": _concept(*codes.ECG_HEART_RATE),
                "valueQuantity": _quantity(bpm, "/min", 1),
            }
            with contextlib.suppress(ValueError):
                part["interpretation"] = [_interpretation(interpret_heart_rate(bpm))]
            components.append(part)
        hrv = hrv_time(peaks)
        if hrv.sdnn is not None and hrv.quality.usable:
            sdnn = _quantity(hrv.sdnn, "ms", 1)
            components.append({"code": _concept(*codes.ECG_HRV_SDNN), "valueQuantity": sdnn})
    seconds = max(w.sample_count for w in leads) / first.fs
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "identifier": [_ident(ids.ecg_key(record, tuple(leads)))],
        "status": "final",
        "category": _category("procedure"),
        "code": _concept(*codes.ECG_RECORDING, text="ECG recording"),
        "subject": _ref(refs.patient),
        "encounter": _ref(refs.encounter),
        "effectivePeriod": {
            "start": _time(first.start_time),
            "end": _time(first.start_time + timedelta(seconds=seconds)),
        },
    }
    device = refs.devices.get(first.device_id) if first.device_id else None
    if device:
        obs["device"] = _ref(device)
    obs["component"] = components
    return obs


def plain_bundle_bytes(record: VisitRecord) -> bytes:
    """The same transaction Bundle as :func:`bundle_bytes`, from plain dicts.

    Only what the demo visits hold: an identified resident, no consult.
    """
    assert record.resident is not None and record.consult is None and record.visit.consent
    refs = ids.visit_refs(record)
    station, systems = record.station, record.systems
    gateway = {
        "resourceType": "Device",
        "identifier": [_ident(ids.gateway_key(station, systems))],
        "status": "active",
        "deviceName": [{"name": station.name, "type": "user-friendly-name"}],
        "type": _concept(codes.GATEWAY_TYPE, text="Citizen station health cabin (gateway)"),
        "version": [
            {"type": _concept(codes.VERSION_TYPES["software"]), "value": station.software_version}
        ],
    }
    entries = [(ids.gateway_key(station, systems), gateway)]
    measured: dict[str, set[str]] = {}
    for m in record.measurements:
        if m.device_id is not None:
            measured.setdefault(m.device_id, set()).add(m.kind)
    for w in record.waveforms:
        if w.device_id is not None and w.signal_kind.startswith("ecg"):
            measured.setdefault(w.device_id, set()).add("ecg")
    for device_id in ids.device_ids(record):
        info = ids.device_info(record, device_id)
        device = _plain_device(info, station, systems, refs.gateway, measured.get(device_id, set()))
        entries.append((ids.device_key(station, systems, info), device))
    entries.append((ids.patient_key(record), _plain_patient(record)))
    encounter = {
        "resourceType": "Encounter",
        "identifier": [_ident(ids.encounter_key(record))],
        "status": "finished",
        "class": _coding(codes.ENCOUNTER_CLASSES["AMB"]),
        "subject": _ref(refs.patient),
        "period": {"start": _time(record.visit.started_at), "end": _time(visit_end(record))},
    }
    entries.append((ids.encounter_key(record), encounter))
    observations = [
        (ids.measurement_key(record, m), _plain_observation(m, record, refs))
        for m in record.measurements
        if m.kind in codes.KINDS or m.kind == "glucose"
    ]
    observations += [
        (ids.ecg_key(record, leads), _plain_ecg(leads, record, refs))
        for leads in ecg_recordings(record.waveforms)
    ]
    entries += observations
    if observations:
        end = _time(visit_end(record))
        provenance = {
            "resourceType": "Provenance",
            "meta": {
                "tag": [{"system": ids.provenance_key(record).system, "code": record.visit.id}]
            },
            "target": [_ref(key.full_url) for key, _ in observations],
            "occurredPeriod": {"start": _time(record.visit.started_at), "end": end},
            "recorded": end,
            "activity": _concept(codes.PROVENANCE_CREATE),
            "agent": [{"type": _concept(codes.PROVENANCE_ASSEMBLER), "who": _ref(refs.gateway)}],
        }
        entries.append((ids.provenance_key(record), provenance))
    bundle = {
        "resourceType": "Bundle",
        "identifier": _ident(ids.bundle_key(record)),
        "type": "transaction",
        "timestamp": _time(visit_end(record)),
        "entry": [
            {
                "fullUrl": key.full_url,
                "resource": resource,
                "request": {
                    "method": "POST",
                    "url": key.resource_type,
                    "ifNoneExist": key.if_none_exist,
                },
            }
            for key, resource in entries
        ],
    }
    return json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _as_written(data: bytes) -> Any:
    """The JSON with every number kept as its text, so 148 and 148.0 differ."""
    return json.loads(data, parse_float=str, parse_int=str)


def _first_difference(a: Any, b: Any, path: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(a.keys() | b.keys()):
            if a.get(k) != b.get(k):
                return _first_difference(a.get(k), b.get(k), f"{path}.{k}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{path}[{i}]")
    return f"{path}: {str(a)[:80]!r} != {str(b)[:80]!r}"


@dataclass
class BuildTimes:
    build: list[float] = field(default_factory=list)
    dump: list[float] = field(default_factory=list)
    total: list[float] = field(default_factory=list)
    plain: list[float] = field(default_factory=list)
    parse: list[float] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)
    size: int = 0
    entries: int = 0
    identical: int = 0


def time_builds(records: Sequence[VisitRecord]) -> BuildTimes:
    times = BuildTimes()
    bundle_bytes(records[0])  # warm both paths up
    plain_bundle_bytes(records[0])
    for record in records:  # interleaved, so that drift in the machine hits both alike
        t0 = time.perf_counter()
        bundle = bundle_for_visit(record)
        t1 = time.perf_counter()
        data = bundle.model_dump_json(exclude_none=True).encode("utf-8")
        t2 = time.perf_counter()
        plain = plain_bundle_bytes(record)
        t3 = time.perf_counter()
        Bundle.model_validate_json(data)
        t4 = time.perf_counter()
        json.loads(data)
        t5 = time.perf_counter()
        times.build.append(t1 - t0)
        times.dump.append(t2 - t1)
        times.total.append(t2 - t0)
        times.plain.append(t3 - t2)
        times.parse.append(t4 - t3)
        times.loads.append(t5 - t4)
        for leads in ecg_recordings(record.waveforms):  # the part both builders share
            rhythm = next(w for w in leads if w.signal_kind == "ecg_ii")
            t6 = time.perf_counter()
            peaks = ecg_peaks(rhythm.samples, rhythm.fs)
            _ = heart_rate(peaks), hrv_time(peaks)
            times.peaks.append(time.perf_counter() - t6)
        real, mine = _as_written(data), _as_written(plain)
        if real != mine:
            raise AssertionError(f"the plain bundle differs: {_first_difference(real, mine)}")
        times.identical += data == plain
        times.size = max(times.size, len(data))
        times.entries = len(real["entry"])
    return times


def _ms(values: Sequence[float]) -> tuple[float, float]:
    return statistics.median(values) * 1000, float(np.percentile(values, 95)) * 1000


def section_builds(count: int) -> None:
    print(f"1. Bundle per visit: {count} visits each; median / p95 ms")
    print(
        f"{'visit':16} {'bundle':>8} {'entries':>7}  {'bundle_for_visit+dump':>22}"
        f"  {'plain dicts+json.dumps':>22}  {'ratio':>6}"
    )
    parses = []
    for label, ecg in (("with 10 s ECG", True), ("without ECG", False)):
        records = [demo_record(seed, ecg=ecg) for seed in range(count)]
        t = time_builds(records)
        real, plain = _ms(t.total), _ms(t.plain)
        print(
            f"{label:16} {t.size / 1000:5.1f} kB {t.entries:7d}  {real[0]:11.2f} / {real[1]:6.2f}"
            f"    {plain[0]:11.2f} / {plain[1]:6.2f}    x{real[0] / plain[0]:5.1f}"
        )
        build, dump = _ms(t.build)[0], _ms(t.dump)[0]
        peaks = f"; both: R peaks + HRV {_ms(t.peaks)[0]:.2f}" if t.peaks else ""
        same = "byte-identical" if t.identical == count else f"{t.identical}/{count} byte-identical"
        print(
            f"{'':16} {'':8} {'':7}  (build {build:.2f}, model_dump_json {dump:.2f}{peaks});"
            f" same JSON in all {count}, {same}"
        )
        parses.append((label, _ms(t.parse), _ms(t.loads)))
    print("   parsing the bundle back: Bundle.model_validate_json vs json.loads, median / p95 ms")
    for label, parse, loads in parses:
        print(
            f"{label:16} {'':8} {'':7}  {parse[0]:11.2f} / {parse[1]:6.2f}"
            f"    {loads[0]:11.2f} / {loads[1]:6.2f}    x{parse[0] / loads[0]:5.1f}"
        )


# ---------------------------------------------------------------- 2. and 3. visits and deliveries


@dataclass
class Expected:
    """What the server must hold once the visits put in a store are delivered."""

    visits: int = 0
    observations: int = 0
    patients: set[str] = field(default_factory=set)
    devices: set[tuple[str, str]] = field(default_factory=set)

    def add(self, record: VisitRecord) -> None:
        assert record.resident is not None
        self.visits += 1
        # Every demo measurement is a mapped kind, one Observation each; the ECG's two
        # leads are one recording, one Observation.
        self.observations += len(record.measurements) + len(ecg_recordings(record.waveforms))
        self.patients.add(record.resident.identity.cccd)
        self.devices.update((d.device_id, d.serial) for d in record.devices.values())

    def problems(self, stats: dict[str, Any]) -> list[str]:
        """What the server's stats get wrong: one transaction per visit, each record once."""
        want = {
            "transactions": self.visits,
            "Observation": self.observations,
            "Encounter": self.visits,
            "Provenance": self.visits,
            "Patient": len(self.patients),
            "Device": len(self.devices) + 1,  # and the station, the gateway
        }
        found = {"transactions": stats["transactions"], **stats["resources"]}
        return [f"{k} {found.get(k, 0)} != {v}" for k, v in want.items() if found.get(k, 0) != v]


_FIRST_VISIT = datetime(2025, 1, 6, 1, 0, tzinfo=UTC)
_SLOT = timedelta(minutes=30)  # a demo visit without consult lasts 13 minutes
_ECG_POOL = 50


@functools.cache
def _pooled_ecg(slot: int) -> tuple[Waveform, ...]:
    return tuple(demo_record(slot).waveforms)


def visit_number(index: int, *, ecg: bool = True) -> VisitRecord:
    """Demo visit ``index``, moved to the ``index``-th half hour after a fixed start.

    Demo visits repeat their day every 365 seeds, and two that overlap at one station
    would (rightly) be sent with each other's units, as the device history has them at
    that time. The ECG is one of :data:`_ECG_POOL` simulated recordings.
    """
    record = demo_record(index, ecg=False)
    visit, resident = record.visit, record.resident
    assert visit.ended_at is not None and resident is not None
    shift = _FIRST_VISIT + index * _SLOT - visit.started_at
    recorded = visit.started_at + timedelta(minutes=3) + shift  # as demo_record has it
    pooled = _pooled_ecg(index % _ECG_POOL) if ecg else ()
    return replace(
        record,
        visit=replace(visit, started_at=visit.started_at + shift, ended_at=visit.ended_at + shift),
        resident=replace(resident, created_at=resident.created_at + shift),
        measurements=[
            replace(
                m,
                received_at=m.received_at + shift,
                device_time=None if m.device_time is None else m.device_time + shift,
            )
            for m in record.measurements
        ],
        waveforms=[replace(w, visit_id=visit.id, start_time=recorded) for w in pooled],
    )


def fill(path: Path, key: bytes, url: str, count: int, *, ecg: bool) -> tuple[float, Expected]:
    """Store visits 0 to ``count`` - 1 as sent visits, each queued in its own transaction
    as the kiosk does; the seconds ``store_visit`` took, and what the server must hold."""
    spent, expected = 0.0, Expected()
    with Store.open(path, key=key) as store:
        dest = destinations(path.parent, url)
        for index in range(count):
            record = visit_number(index, ecg=ecg)
            started = time.perf_counter()
            store_visit(store, record, on_sent=lambda v: enqueue_visit(store, v, dest))
            spent += time.perf_counter() - started
            expected.add(record)
    return spent, expected


def destinations(data_dir: Path, base_url: str) -> Destinations:
    env = {"CABIN_DATA_DIR": str(data_dir), "CABIN_HOSPITAL__FHIR_BASE_URL": base_url}
    return Destinations.from_config(load_config(env=env))


def queued_bundles(path: Path, key: bytes, limit: int) -> list[bytes]:
    """The first ``limit`` bundles queued in the store at ``path``."""
    with Store.open(path, key=key) as store:
        entries = store.due_entries(datetime.now(UTC), limit=limit)
    return [e.payload for e in entries if e.payload is not None]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc); NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def worker_run(path: Path, key: bytes, url: str, concurrency: int) -> float:
    """Seconds for the real outbox worker to drain the store at ``path`` into ``url``."""
    with Store.open(path, key=key) as store:
        pending = store.outbox_counts()["pending"]
        dest = destinations(path.parent, url)
        async with delivery(store, dest, concurrency=concurrency, background=False) as running:
            started = time.perf_counter()
            await running.worker.drain()
            seconds = time.perf_counter() - started
            worker = running.worker
        counts = store.outbox_counts()
    if (worker.delivered, worker.failed, worker.dead) != (pending, 0, 0) or counts["pending"]:
        raise AssertionError(
            f"delivered {worker.delivered}, failed {worker.failed}, dead {worker.dead}"
            f" of {pending}; outbox now {counts}"
        )
    return seconds


async def bare_run(url: str, payloads: Sequence[bytes], concurrency: int) -> float:
    """Seconds to post every payload with a bare aiohttp loop."""
    queue = iter(payloads)
    async with aiohttp.ClientSession() as session:

        async def poster() -> None:
            for payload in queue:
                async with session.post(url, data=payload, headers=HEADERS) as response:
                    await response.read()
                    if response.status != 200:
                        raise AssertionError(f"the server answered {response.status}")

        started = time.perf_counter()
        await asyncio.gather(*(poster() for _ in range(concurrency)))
        return time.perf_counter() - started


async def measured(sandbox: FhirSandbox, expected: Expected, work: Any) -> tuple[float, float]:
    """Seconds of ``work`` (a coroutine) into the freshly reset sandbox, and the sandbox's
    CPU seconds per transaction; its counts are checked after."""
    sandbox.reset()
    cpu = cpu_seconds(sandbox.pid)
    seconds = await work
    cpu = cpu_seconds(sandbox.pid) - cpu
    stats = sandbox.stats()
    if wrong := expected.problems(stats):
        raise AssertionError("the sandbox holds " + "; ".join(wrong))
    return seconds, cpu / stats["transactions"]


async def section_delivery(args: argparse.Namespace, work_dir: Path) -> tuple[float, float]:
    """Print section 2; return the seconds per visit with ECG of ``store_visit`` and of
    the worker at concurrency 4."""
    n, key, sent, copy = args.deliver, generate_key(), work_dir / "sent.db", work_dir / "run.db"
    print(
        f"\n2. Visits/s delivered into the FHIR sandbox: {n} visits with 10 s ECG per run, each"
        f" into a freshly reset server, its counts checked after; median of {args.rounds}"
        " rounds (range)"
    )
    runs: dict[tuple[str, int], list[tuple[float, float]]] = {}
    with FhirSandbox.start() as sandbox:
        url = sandbox.base_url
        stored, expected = fill(sent, key, url, n, ecg=True)
        print(f"(store_visit {stored / n * 1000:.1f} ms per visit, its bundle queued)")
        payloads = queued_bundles(sent, key, n)
        await bare_run(url, payloads[:20], 4)  # Node's JIT warms up
        for _ in range(args.rounds):  # interleaved, so that drift in the machine hits all alike
            for concurrency in (1, 4):
                shutil.copyfile(sent, copy)  # closed, so its WAL is checkpointed
                for path, work in (
                    ("outbox worker", worker_run(copy, key, url, concurrency)),
                    ("bare aiohttp", bare_run(url, payloads, concurrency)),
                ):
                    run = await measured(sandbox, expected, work)
                    runs.setdefault((path, concurrency), []).append(run)
    print(
        f"{'path':14} {'conc':>4} {'visits/s':>9} {'(range)':13} {'wall/visit':>11}"
        f" {'server CPU/transaction':>23}"
    )
    rates: dict[tuple[str, int], float] = {}
    for (path, concurrency), rows in runs.items():
        seconds = [r[0] for r in rows]
        rates[path, concurrency] = rate = n / statistics.median(seconds)
        spread = f"({n / max(seconds):.1f}-{n / min(seconds):.1f})" if len(rows) > 1 else ""
        cpu = statistics.median(r[1] for r in rows) * 1000
        print(
            f"{path:14} {concurrency:4d} {rate:9.2f} {spread:13} {1000 / rate:8.1f} ms"
            f" {cpu:20.1f} ms"
        )
    ratios = ", ".join(
        f"x{rates['outbox worker', c] / rates['bare aiohttp', c]:.2f} at concurrency {c}"
        for c in (1, 4)
    )
    print(f"outbox worker / bare aiohttp: {ratios}")
    return stored / n, 1 / rates["outbox worker", 4]


async def section_outage(
    args: argparse.Namespace, work_dir: Path, ecg: tuple[float, float]
) -> None:
    n, concurrency, key, path = args.visits, 4, generate_key(), work_dir / "outage.db"
    with socket.socket() as s:  # a free port: nothing listens there until the sandbox does
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    url = f"http://127.0.0.1:{port}/fhir/R4"
    kind = "with 10 s ECG" if args.outage_ecg else (
        f"without ECG (with it, at section 2's rates, {ecg[0] * 1000:.0f} ms of store_visit and"
        f" {ecg[1] * 1000:.0f} ms of drain per visit, it would take ~{n * sum(ecg) / 60:.0f} min)"
    )  # fmt: skip
    print(f"\n3. Outbox drain after an outage: {n} visits {kind}, worker concurrency {concurrency}")
    started = time.perf_counter()
    stored, expected = fill(path, key, url, n, ecg=args.outage_ecg)
    fill_wall = time.perf_counter() - started
    payloads = queued_bundles(path, key, limit=300)
    dest = destinations(work_dir, url)
    async with open_clients(dest) as clients:
        try:
            await clients[dest.default].send_transaction(payloads[0])
        except DeliveryRetryable as exc:
            unreachable = str(exc)
        else:
            raise AssertionError(f"something answered at {url} during the outage")
    size = statistics.mean(len(p) for p in payloads) / 1000
    print(
        f"fill, hospital unreachable ({unreachable!r}): {n / stored:.1f} visits/s stored,"
        f" {stored / n * 1000:.1f} ms/visit ({stored:.0f} s of store_visit, {fill_wall:.0f} s"
        f" with making the records); {size:.1f} kB per bundle"
    )
    with FhirSandbox.start(port=port) as sandbox:
        await bare_run(url, payloads[:20], concurrency)  # Node's JIT warms up
        bare = await bare_run(url, payloads, concurrency)  # the peer
        drained, cpu = await measured(sandbox, expected, worker_run(path, key, url, concurrency))
        stats = sandbox.stats()
    rate, bare_rate = n / drained, len(payloads) / bare
    print(
        f"drain, the sandbox up: {rate:.1f} visits/s, {drained / n * 1000:.1f} ms/visit"
        f" ({drained:.0f} s; server CPU {cpu * 1000:.1f} ms/transaction); outbox after: none"
        f" pending, failed or dead. Bare aiohttp, the first {len(payloads)} of the same"
        f" bundles: {bare_rate:.1f} visits/s; drain / bare x{rate / bare_rate:.2f}"
    )
    print(
        f"the sandbox after the drain: {stats['transactions']} transactions, {stats['resources']}"
        f" ({len(expected.patients)} residents, {len(expected.devices)} units and the station):"
        " every record exactly once"
    )


async def main(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    print(
        f"fhir.resources {version('fhir.resources')} (R4B models), pydantic {version('pydantic')},"
        f" Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )
    section_builds(args.bundles)
    with tempfile.TemporaryDirectory() as tmp:
        ecg = await section_delivery(args, Path(tmp))
    with tempfile.TemporaryDirectory() as tmp:
        await section_outage(args, Path(tmp), ecg)
    print(f"\nrun time {time.perf_counter() - started:.0f} s")


def _stop_on_sigterm(_signum: int, _frame: Any) -> None:
    raise SystemExit(143)  # so that the sandbox's context manager ends it


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, about a minute")
    parser.add_argument("--visits", type=int, help="visits in the outage (10000; quick 500)")
    parser.add_argument("--bundles", type=int, help="visits timed per variant (100; quick 20)")
    parser.add_argument("--deliver", type=int, help="visits per delivery run (100; quick 30)")
    parser.add_argument("--rounds", type=int, help="rounds of delivery runs (3; quick 1)")
    parser.add_argument("--outage-ecg", action="store_true", help="the outage's visits with ECG")
    args = parser.parse_args()
    defaults = {"visits": (10_000, 500), "bundles": (100, 20), "deliver": (100, 30),
                "rounds": (3, 1)}  # fmt: skip
    for name, (full, quick) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    asyncio.run(main(args))
