"""FHIR delivery: bundle build time per visit, visits/s into a local server, outbox drain.

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
2. **Visits/s delivered**: a store holding sent visits (with ECG) is drained by the
   real outbox worker (:func:`fhir_bridge.service.delivery`, ``drain()``) at
   concurrency 1 and 4; the peer posts the same stored bundles with a bare aiohttp
   loop (no store, no outbox) to the same server. Two servers: the FHIR sandbox
   (:class:`~fhir_bridge.sandbox_server.FhirSandbox`, Medplum's router in Node), and
   an indexed stub in a process of its own that does what a hospital must for these
   bundles (conditional creates by identifier, all or nothing) and no more, which
   shows the station's own cost. Server CPU time is read from /proc.
3. **Drain after an outage**: ``--visits`` sent visits fill a store while nothing
   listens at the hospital's address (each queued in the visit's own transaction, as
   the kiosk does), then the server comes up there and ``drain()`` runs until nothing
   is pending. The server's counts are checked afterwards: one transaction per visit,
   one Observation per stored measurement and ECG recording, no duplicates. The peer
   is the bare loop posting the first of the same bundles.

The sandbox's conditional creates scan every stored resource of the type, so each
transaction costs more than the last (section 2 prints the slope): it cannot hold
10,000 visits in reasonable time, and section 3 uses the stub unless
``--drain-server sandbox`` is given. Sections 2 and 3 take their ECGs from a pool of
50 simulated recordings (the simulator is slower than the station); the visits are
moved to one every half hour, one after another as at a real station.

    .venv/bin/python benchmarks/fhir.py [--quick] [--visits 10000] [--bundles 100]
        [--deliver 100] [--sandbox-visits 10] [--rounds 3] [--drain-server stub]
"""

# ruff: noqa: E402 - the imports wait until sys.path is fixed, below
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's directory is first on sys.path, and this file (fhir.py)
# would hide the fhir package that fhir.resources lives in.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse
import asyncio
import contextlib
import functools
import json
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from importlib.metadata import version
from typing import Any
from urllib.parse import unquote

import aiohttp
import numpy as np
from fhir.resources.R4B.bundle import Bundle

from cabin.config import load_config
from cabin.errors import DeliveryRetryable
from cabin.store import Store, generate_key
from cabin.store.models import Measurement, Waveform
from fhir_bridge.codes import (
    BP_COMPONENTS,
    CATEGORY_DISPLAY,
    DEVICE_TYPES,
    ECG_HEART_RATE,
    ECG_HRV_SDNN,
    ECG_LEADS,
    ECG_RECORDING,
    ENCOUNTER_CLASSES,
    GATEWAY_TYPE,
    GLUCOSE_CODES,
    GLUCOSE_MDC,
    GLUCOSE_MEAL,
    GLUCOSE_MEAL_CONTEXT,
    IDENTIFIER_TYPES,
    INTERPRETATION,
    INTERPRETATION_DISPLAY,
    INTERPRETATION_SYSTEM,
    KINDS,
    OBSERVATION_CATEGORY,
    PHD_TYPE,
    PROVENANCE_ASSEMBLER,
    PROVENANCE_CREATE,
    PULSE_RATE_CUFF,
    UCUM,
    VERSION_TYPES,
    Code,
)
from fhir_bridge.demo import demo_record
from fhir_bridge.demo_store import store_visit
from fhir_bridge.destinations import Destinations, open_clients
from fhir_bridge.mapping import bundle_for_visit, convert, ecg_recordings, interpret_measurement
from fhir_bridge.mapping.devices import device_type
from fhir_bridge.mapping.encounter import visit_end
from fhir_bridge.mapping.identifiers import (
    EntryKey,
    VisitRefs,
    bundle_key,
    device_ids,
    device_info,
    device_key,
    ecg_key,
    encounter_key,
    gateway_key,
    measurement_key,
    patient_key,
    provenance_key,
    visit_refs,
)
from fhir_bridge.outbox import bundle_bytes, enqueue_visit
from fhir_bridge.record import DeviceInfo, IdentifierSystems, Station, VisitRecord
from fhir_bridge.sandbox_server import FhirSandbox
from fhir_bridge.service import delivery
from vitals.ecg import ecg_peaks
from vitals.hrv import heart_rate, hrv_time
from vitals.interpret import Interpretation, interpret_heart_rate

BASE_PATH = "/fhir/R4"
HEADERS = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}


# ---------------------------------------------------------------- 1. the plain-dict peer


def _coding(code: Code) -> dict[str, Any]:
    return {"system": code.system, "code": code.code, "display": code.display}


def _concept(*codes: Code, text: str | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [_coding(c) for c in codes]}
    if text is not None:
        concept["text"] = text
    return concept


def _category(code: str) -> list[dict[str, Any]]:
    coding = {"system": OBSERVATION_CATEGORY, "code": code, "display": CATEGORY_DISPLAY[code]}
    return [{"coding": [coding]}]


def _number(value: float, decimals: int) -> float | int:
    """As fhir.resources writes a Decimal of ``decimals`` places: an int without any."""
    text = f"{value:.{decimals}f}"
    return float(text) if decimals > 0 else int(text)


def _quantity(value: float, unit: str, decimals: int) -> dict[str, Any]:
    return {"value": _number(value, decimals), "unit": unit, "system": UCUM, "code": unit}


def _ref(full_url: str) -> dict[str, str]:
    return {"reference": full_url}


def _ident(key: EntryKey) -> dict[str, str]:
    return {"system": key.system, "value": key.value}


def _time(moment: datetime | date) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _interpretation(found: Interpretation) -> dict[str, Any]:
    code = INTERPRETATION[found.code]
    coding = {
        "system": INTERPRETATION_SYSTEM,
        "code": code,
        "display": INTERPRETATION_DISPLAY[code],
    }
    return {"coding": [coding], "text": f"{found.code} ({found.guideline})"}


def _plain_device(
    info: DeviceInfo, station: Station, systems: IdentifierSystems, gateway: str, measured: set[str]
) -> dict[str, Any]:
    device: dict[str, Any] = {
        "resourceType": "Device",
        "identifier": [_ident(device_key(station, systems, info))],
        "status": "active",
    }
    if info.manufacturer:
        device["manufacturer"] = info.manufacturer
    if info.serial:
        device["serialNumber"] = info.serial
    device["deviceName"] = [{"name": info.device_id, "type": "user-friendly-name"}]
    if info.model:
        device["modelNumber"] = info.model
    device["type"] = _concept(PHD_TYPE)
    spec = device_type(info, measured)
    if spec:
        device["specialization"] = [{"systemType": _concept(spec)}]
    versions = [
        {"type": _concept(VERSION_TYPES[name]), "value": value}
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
            "type": _concept(IDENTIFIER_TYPES["NI"]),
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
                "type": _concept(IDENTIFIER_TYPES["MR"]),
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


def _plain_observation(m: Measurement, record: VisitRecord, refs: VisitRefs) -> dict[str, Any]:
    kind, flags = m.kind, m.flags
    value = None
    components = []
    consumed: frozenset[str] = frozenset()
    if kind == "blood_pressure":
        codes = KINDS[kind]
        concept = _concept(*codes.loinc, codes.mdc)
        for name, pair in BP_COMPONENTS.items():
            if name in m.values:
                amount = convert(m.values[name], m.unit, codes.unit)
                quantity = _quantity(amount, codes.unit, codes.decimals)
                components.append({"code": _concept(*pair), "valueQuantity": quantity})
        complete = "systolic" in m.values and "diastolic" in m.values
        profile, category = codes.profile if complete else None, codes.category
    elif kind == "glucose":
        plasma = any(f.startswith("sample_") and f.endswith("_plasma") for f in flags)
        sample = "plasma" if plasma else "whole_blood"
        concept = _concept(GLUCOSE_CODES[m.unit, "fasting" in flags], GLUCOSE_MDC[sample])
        value = _quantity(m.values["glucose"], m.unit, {"mmol/L": 2, "mg/dL": 0}[m.unit])
        meals = sorted(flags & GLUCOSE_MEAL.keys())
        if meals:
            meal_code, text = GLUCOSE_MEAL[meals[0]]
            meal = _concept(meal_code, text=text) if meal_code else {"text": text}
            components.append(
                {"code": _concept(GLUCOSE_MEAL_CONTEXT), "valueCodeableConcept": meal}
            )
        profile, category, consumed = None, "laboratory", frozenset(meals)
    else:
        codes = KINDS[kind]
        mdc = codes.mdc
        if kind == "pulse_rate" and m.device_id is not None:
            measured = {x.kind for x in record.measurements if x.device_id == m.device_id}
            cuff = device_type(device_info(record, m.device_id), measured)
            if cuff == DEVICE_TYPES["blood_pressure"]:
                mdc = PULSE_RATE_CUFF
        concept = _concept(*codes.loinc, mdc)
        amount = convert(m.values[kind], m.unit, codes.unit)
        value = _quantity(amount, codes.unit, codes.decimals)
        profile, category = codes.profile, codes.category
    obs: dict[str, Any] = {"resourceType": "Observation"}
    if profile:
        obs["meta"] = {"profile": [profile]}
    obs["identifier"] = [_ident(measurement_key(record, m))]
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
        "origin": {"value": 0, "unit": "mV", "system": UCUM, "code": "mV"},
        "period": 1000.0 / fs,
        "factor": 0.001,
        "dimensions": 1,
        "data": " ".join(map(str, steps)),
    }


def _plain_ecg(leads: Sequence[Waveform], record: VisitRecord, refs: VisitRefs) -> dict[str, Any]:
    first = leads[0]
    components: list[dict[str, Any]] = [
        {"code": _concept(*ECG_LEADS[w.signal_kind]), "valueSampledData": _sampled(w.samples, w.fs)}
        for w in leads
    ]
    rhythm = next((w for w in leads if w.signal_kind == "ecg_ii"), first)
    if np.all(np.isfinite(rhythm.samples)):
        peaks = ecg_peaks(rhythm.samples, rhythm.fs)
        rate = heart_rate(peaks)
        if rate.value is not None and rate.quality.usable:
            bpm = _number(rate.value, 1)
            part: dict[str, Any] = {
                "code": _concept(*ECG_HEART_RATE),
                "valueQuantity": _quantity(bpm, "/min", 1),
            }
            with contextlib.suppress(ValueError):
                part["interpretation"] = [_interpretation(interpret_heart_rate(bpm))]
            components.append(part)
        hrv = hrv_time(peaks)
        if hrv.sdnn is not None and hrv.quality.usable:
            sdnn = _quantity(hrv.sdnn, "ms", 1)
            components.append({"code": _concept(*ECG_HRV_SDNN), "valueQuantity": sdnn})
    seconds = max(w.sample_count for w in leads) / first.fs
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "identifier": [_ident(ecg_key(record, tuple(leads)))],
        "status": "final",
        "category": _category("procedure"),
        "code": _concept(*ECG_RECORDING, text="ECG recording"),
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
    refs = visit_refs(record)
    station, systems = record.station, record.systems
    gateway = {
        "resourceType": "Device",
        "identifier": [_ident(gateway_key(station, systems))],
        "status": "active",
        "deviceName": [{"name": station.name, "type": "user-friendly-name"}],
        "type": _concept(GATEWAY_TYPE, text="Citizen station health cabin (gateway)"),
        "version": [
            {"type": _concept(VERSION_TYPES["software"]), "value": station.software_version}
        ],
    }
    entries = [(gateway_key(station, systems), gateway)]
    measured: dict[str, set[str]] = {}
    for m in record.measurements:
        if m.device_id is not None:
            measured.setdefault(m.device_id, set()).add(m.kind)
    for w in record.waveforms:
        if w.device_id is not None and w.signal_kind.startswith("ecg"):
            measured.setdefault(w.device_id, set()).add("ecg")
    for device_id in device_ids(record):
        info = device_info(record, device_id)
        device = _plain_device(info, station, systems, refs.gateway, measured.get(device_id, set()))
        entries.append((device_key(station, systems, info), device))
    entries.append((patient_key(record), _plain_patient(record)))
    encounter = {
        "resourceType": "Encounter",
        "identifier": [_ident(encounter_key(record))],
        "status": "finished",
        "class": _coding(ENCOUNTER_CLASSES["AMB"]),
        "subject": _ref(refs.patient),
        "period": {"start": _time(record.visit.started_at), "end": _time(visit_end(record))},
    }
    entries.append((encounter_key(record), encounter))
    observations = [
        (measurement_key(record, m), _plain_observation(m, record, refs))
        for m in record.measurements
        if m.kind in KINDS or m.kind == "glucose"
    ]
    observations += [
        (ecg_key(record, leads), _plain_ecg(leads, record, refs))
        for leads in ecg_recordings(record.waveforms)
    ]
    entries += observations
    if observations:
        end = _time(visit_end(record))
        provenance = {
            "resourceType": "Provenance",
            "meta": {"tag": [{"system": provenance_key(record).system, "code": record.visit.id}]},
            "target": [_ref(key.full_url) for key, _ in observations],
            "occurredPeriod": {"start": _time(record.visit.started_at), "end": end},
            "recorded": end,
            "activity": _concept(PROVENANCE_CREATE),
            "agent": [{"type": _concept(PROVENANCE_ASSEMBLER), "who": _ref(refs.gateway)}],
        }
        entries.append((provenance_key(record), provenance))
    bundle = {
        "resourceType": "Bundle",
        "identifier": _ident(bundle_key(record)),
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


# ---------------------------------------------------------------- servers


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc); NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _StubState:
    """A FHIR endpoint that takes transactions of conditional creates, and nothing else."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.index: set[tuple[str, str, str]] = set()
        self.counts: Counter[str] = Counter()
        self.requests = 0
        self.transactions = 0

    def transaction(self, body: bytes) -> tuple[int, dict[str, Any]]:
        self.requests += 1
        bundle = json.loads(body)
        if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "transaction":
            return 400, _outcome("not a transaction Bundle")
        created: dict[tuple[str, str, str], str] = {}
        statuses = []
        for entry in bundle.get("entry", []):
            request, resource = entry["request"], entry["resource"]
            name, _, token = request["ifNoneExist"].partition("=")
            token = unquote(token)
            if request["method"] != "POST" or request["url"] != resource["resourceType"]:
                return 400, _outcome("only conditional creates")
            if token not in _tokens(resource, name):
                return 400, _outcome(f"ifNoneExist {token} does not match the resource")
            key = (request["url"], name, token)
            if key in self.index or key in created:
                statuses.append("200 OK")
            else:
                created[key] = request["url"]
                statuses.append("201 Created")
        self.index.update(created)  # all or nothing: nothing is kept before this point
        self.counts.update(created.values())
        self.transactions += 1
        entries = [{"response": {"status": s}} for s in statuses]
        return 200, {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}

    def stats(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "transactions": self.transactions,
            "resources": dict(self.counts),
        }


def _outcome(text: str) -> dict[str, Any]:
    issue = {"severity": "error", "code": "invalid", "diagnostics": text}
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def _tokens(resource: dict[str, Any], search: str) -> set[str]:
    if search == "_tag":
        return {f"{t['system']}|{t['code']}" for t in resource.get("meta", {}).get("tag", [])}
    found = resource.get("identifier", [])
    return {f"{i['system']}|{i['value']}" for i in (found if isinstance(found, list) else [found])}


def _serve_stub(port: int, ready: Any) -> None:
    """The stub's process: an aiohttp server on 127.0.0.1:port until terminated."""
    from aiohttp import web

    state = _StubState()

    async def transaction(request: web.Request) -> web.Response:
        status, answer = state.transaction(await request.read())
        return web.json_response(answer, status=status, content_type="application/fhir+json")

    async def stats(_request: web.Request) -> web.Response:
        return web.json_response(state.stats())

    async def reset(_request: web.Request) -> web.Response:
        state.reset()
        return web.json_response({"reset": True})

    async def main() -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post(BASE_PATH, transaction)
        app.router.add_get("/admin/stats", stats)
        app.router.add_post("/admin/reset", reset)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


class StubServer:
    """The indexed stub in a process of its own (so it does not share the station's GIL)."""

    def __init__(self, port: int = 0) -> None:
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}{BASE_PATH}"
        context = multiprocessing.get_context("spawn")
        ready = context.Event()
        self._process = context.Process(target=_serve_stub, args=(self.port, ready), daemon=True)
        self._process.start()
        deadline = time.monotonic() + 60
        while not ready.wait(0.1):
            if not self._process.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the stub server did not start")

    @property
    def pid(self) -> int:
        assert self._process.pid is not None
        return self._process.pid

    def _admin(self, method: str, path: str) -> Any:
        import urllib.request

        url = f"http://127.0.0.1:{self.port}{path}"
        data = b"" if method == "POST" else None
        request = urllib.request.Request(url, method=method, data=data)
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.loads(response.read())

    def stats(self) -> dict[str, Any]:
        return dict(self._admin("GET", "/admin/stats"))

    def reset(self) -> None:
        self._admin("POST", "/admin/reset")

    def __enter__(self) -> StubServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()


@dataclass
class Server:
    """A running server, as the runs below use it."""

    name: str
    base_url: str
    pid: int
    stats: Any
    reset: Any


def sandbox_server(sandbox: FhirSandbox) -> Server:
    return Server("FHIR sandbox", sandbox.base_url, sandbox.pid, sandbox.stats, sandbox.reset)


def stub_server(stub: StubServer) -> Server:
    return Server("indexed stub", stub.base_url, stub.pid, stub.stats, stub.reset)


# ---------------------------------------------------------------- stores and checks


def destinations(data_dir: Path, base_url: str) -> Destinations:
    env = {"CABIN_DATA_DIR": str(data_dir), "CABIN_HOSPITAL__FHIR_BASE_URL": base_url}
    return Destinations.from_config(load_config(env=env))


@dataclass
class Expected:
    """What the server must hold once the visits put in a store are delivered."""

    visits: int = 0
    observations: int = 0
    measurements: int = 0
    patients: set[str] = field(default_factory=set)
    devices: set[tuple[str, str]] = field(default_factory=set)

    def add(self, record: VisitRecord) -> None:
        assert record.resident is not None
        self.visits += 1
        self.measurements += len(record.measurements)
        # Every demo measurement is a mapped kind, one Observation each; the ECG's two
        # leads are one recording, one Observation.
        self.observations += len(record.measurements) + len(ecg_recordings(record.waveforms))
        self.patients.add(record.resident.identity.cccd)
        self.devices.update((d.device_id, d.serial) for d in record.devices.values())

    def problems(self, stats: dict[str, Any]) -> list[str]:
        want = {
            "Observation": self.observations,
            "Encounter": self.visits,
            "Provenance": self.visits,
            "Patient": len(self.patients),
            "Device": len(self.devices) + 1,  # and the station, the gateway
        }
        found = stats["resources"]
        wrong = [f"{k} {found.get(k, 0)} != {v}" for k, v in want.items() if found.get(k, 0) != v]
        if stats["transactions"] != self.visits:
            wrong.append(f"{stats['transactions']} transactions for {self.visits} visits")
        return wrong


_FIRST_VISIT = datetime(2025, 1, 6, 1, 0, tzinfo=UTC)
_SLOT = timedelta(minutes=30)  # a demo visit without consult lasts 13 minutes
_ECG_POOL = 50


@functools.cache
def _pooled_ecg(slot: int) -> tuple[Waveform, ...]:
    return tuple(demo_record(slot).waveforms)


def visit_number(index: int, *, ecg: bool = True) -> VisitRecord:
    """Demo visit ``index``, moved to the ``index``-th half hour after a fixed start.

    A station's visits come one after another; demo visits repeat their day every 365
    seeds, and two that overlap at one station would (rightly) be sent with each
    other's units, as the device history has them at that time. The ECG is one of
    :data:`_ECG_POOL` simulated recordings (simulating one takes longer than the
    station spends on the visit).
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


def fill(
    store: Store, dest: Destinations, records: Iterable[VisitRecord], expected: Expected
) -> float:
    """Store each record as a sent visit, queued in its own transaction; the seconds it took."""
    spent = 0.0
    for record in records:
        started = time.perf_counter()
        store_visit(store, record, on_sent=lambda v: enqueue_visit(store, v, dest))
        spent += time.perf_counter() - started
        expected.add(record)
    return spent


def copy_store(template: Path, into: Path) -> Path:
    """A fresh copy of a closed store file (its WAL is checkpointed on close)."""
    into.unlink(missing_ok=True)
    shutil.copyfile(template, into)
    return into


# ---------------------------------------------------------------- 2. and 3. deliveries


@dataclass
class Run:
    seconds: float
    server_cpu: float
    latencies: list[float] = field(default_factory=list)


async def worker_run(path: Path, key: bytes, dest: Destinations, concurrency: int) -> float:
    """Seconds for the real outbox worker to drain the store at ``path``."""
    with Store.open(path, key=key) as store:
        pending = store.outbox_counts()["pending"]
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


async def bare_run(
    url: str, payloads: Sequence[bytes], concurrency: int
) -> tuple[float, list[float]]:
    """Seconds to post every payload with a bare aiohttp loop, and each post's latency."""
    latencies = [0.0] * len(payloads)
    queue = iter(enumerate(payloads))

    async with aiohttp.ClientSession() as session:

        async def poster() -> None:
            for i, payload in queue:
                started = time.perf_counter()
                async with session.post(url, data=payload, headers=HEADERS) as response:
                    await response.read()
                    if response.status != 200:
                        raise AssertionError(f"the server answered {response.status}")
                latencies[i] = time.perf_counter() - started

        started = time.perf_counter()
        await asyncio.gather(*(poster() for _ in range(concurrency)))
        return time.perf_counter() - started, latencies


async def measured(server: Server, expected: Expected, work: Any) -> Run:
    """Run ``work`` (a coroutine) into a freshly reset server; check its counts after."""
    server.reset()
    cpu = cpu_seconds(server.pid)
    result = await work
    seconds, latencies = result if isinstance(result, tuple) else (result, [])
    run = Run(seconds, cpu_seconds(server.pid) - cpu, latencies)
    wrong = expected.problems(server.stats())
    if wrong:
        raise AssertionError(f"{server.name}: {'; '.join(wrong)}")
    return run


@dataclass
class Template:
    """A closed store of sent visits, all pending, to copy for each run."""

    path: Path
    key: bytes
    expected: Expected
    payloads: list[bytes]


def make_templates(
    work_dir: Path, sizes: Sequence[int], fill_url: str
) -> tuple[list[Template], float]:
    """Stores of the first ``n`` visits (with ECG) for each ``n`` in ``sizes``, ascending,
    and the seconds ``store_visit`` took per visit."""
    key = generate_key()
    dest = destinations(work_dir, fill_url)
    path, done, expected = work_dir / "filling.db", 0, Expected()
    templates: list[Template] = []
    spent = 0.0
    for size in sizes:
        with Store.open(path, key=key) as store:
            spent += fill(store, dest, (visit_number(i) for i in range(done, size)), expected)
            payloads = [e.payload for e in store.outbox_entries() if e.payload is not None]
        done = size
        template = copy_store(path, work_dir / f"template-{size}.db")
        snapshot = Expected(
            expected.visits,
            expected.observations,
            expected.measurements,
            set(expected.patients),
            set(expected.devices),
        )
        templates.append(Template(template, key, snapshot, payloads))
    return templates, spent / done


async def delivery_runs(
    server: Server, template: Template, rounds: int, work_dir: Path
) -> dict[tuple[str, int], list[Run]]:
    dest = destinations(work_dir, server.base_url)
    runs: dict[tuple[str, int], list[Run]] = {}
    copy = work_dir / "run.db"
    for _ in range(rounds):  # interleaved, so that drift in the machine hits both alike
        for concurrency in (1, 4):
            copy_store(template.path, copy)
            drain = worker_run(copy, template.key, dest, concurrency)
            run = await measured(server, template.expected, drain)
            runs.setdefault(("outbox worker", concurrency), []).append(run)
            bare = bare_run(server.base_url, template.payloads, concurrency)
            run = await measured(server, template.expected, bare)
            runs.setdefault(("bare aiohttp", concurrency), []).append(run)
    return runs


def print_runs(server: Server, runs: dict[tuple[str, int], list[Run]], visits: int) -> None:
    rates: dict[tuple[str, int], float] = {}
    for (path, concurrency), rows in runs.items():
        seconds = statistics.median(r.seconds for r in rows)
        cpu = statistics.median(r.server_cpu for r in rows)
        rates[path, concurrency] = visits / seconds
        spread = ""
        if len(rows) > 1:
            slow, fast = max(r.seconds for r in rows), min(r.seconds for r in rows)
            spread = f"({visits / slow:.1f}-{visits / fast:.1f})"
        print(
            f"{server.name:13} {path:14} {concurrency:4d} {visits:6d} {visits / seconds:9.2f}"
            f" {spread:15} {seconds / visits * 1000:8.1f} ms {cpu / visits * 1000:13.1f} ms"
        )
    for concurrency in (1, 4):
        ratio = rates["outbox worker", concurrency] / rates["bare aiohttp", concurrency]
        print(f"{'':13} outbox worker / bare aiohttp at concurrency {concurrency}: x{ratio:.2f}")


async def section_delivery(args: argparse.Namespace, work_dir: Path, stack: Any) -> float:
    """Print section 2; return the seconds ``store_visit`` took per visit with ECG."""
    print()
    print(
        f"2. Visits/s delivered (visits with 10 s ECG), each run into a freshly reset server,"
        f" its counts checked after; median of {args.rounds} rounds (range) for the stub"
    )
    stub = stub_server(stack.enter_context(StubServer()))
    sizes = sorted({args.sandbox_visits, args.deliver} - {0})
    made, fill_seconds = make_templates(work_dir, sizes, stub.base_url)
    templates = {t.expected.visits: t for t in made}
    print(
        f"(filling the stores first: store_visit {fill_seconds * 1000:.1f} ms per visit,"
        " building and queuing its bundle included)"
    )
    print(
        f"{'server':13} {'path':14} {'conc':>4} {'visits':>6} {'visits/s':>9} {'(range)':15}"
        f" {'wall/visit':>11} {'server CPU/visit':>16}"
    )
    template = templates[args.deliver]
    print_runs(stub, await delivery_runs(stub, template, args.rounds, work_dir), args.deliver)
    if not args.sandbox_visits:
        return fill_seconds
    sandbox = sandbox_server(stack.enter_context(FhirSandbox.start()))
    template = templates[args.sandbox_visits]
    runs = await delivery_runs(sandbox, template, 1, work_dir)
    print_runs(sandbox, runs, args.sandbox_visits)
    # Each transaction costs more than the last: fit it on the bare sequential posts.
    latencies = runs["bare aiohttp", 1][0].latencies
    slope, intercept = np.polyfit(np.arange(len(latencies)), latencies, 1)
    n = 10_000
    days = (n * intercept + slope * n * (n - 1) / 2) / 86_400
    print(
        f"{'':13} sandbox transaction: {intercept * 1000:.0f} ms + {slope * 1000:.0f} ms per visit"
        f" already stored (bare, concurrency 1; its conditional creates scan every stored"
        f" resource): 10,000 visits would take ~{days:.0f} days"
    )
    return fill_seconds


async def section_drain(
    args: argparse.Namespace, work_dir: Path, stack: Any, ecg_fill: float
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}{BASE_PATH}"
    dest = destinations(work_dir, url)
    kind = "with 10 s ECG"
    if args.drain_without_ecg:
        seconds = args.visits * ecg_fill
        kind = f"without ECG (with it store_visit would take ~{seconds:.0f} s, at section 2's rate)"
    server_name = "FHIR sandbox" if args.drain_server == "sandbox" else "indexed stub"
    print()
    print(
        f"3. Outbox drain after an outage: {args.visits} visits {kind}, into the {server_name},"
        f" worker concurrency {args.concurrency}"
    )
    key, path, expected = generate_key(), work_dir / "outage.db", Expected()
    with Store.open(path, key=key) as store:
        records = (visit_number(i, ecg=not args.drain_without_ecg) for i in range(args.visits))
        started = time.perf_counter()
        stored = fill(store, dest, records, expected)
        fill_wall = time.perf_counter() - started
        sample = store.due_entries(datetime.now().astimezone(), limit=args.peer_sample)
        payloads = [e.payload for e in sample if e.payload is not None]
        queued = store.outbox_counts()
    async with open_clients(dest) as clients:
        try:
            await clients[dest.default].send_transaction(payloads[0])
        except DeliveryRetryable as exc:
            unreachable = str(exc)
        else:
            raise AssertionError(f"something answered at {url} during the outage")
    size = statistics.mean(len(p) for p in payloads) / 1000
    print(
        f"fill, hospital unreachable ({unreachable!r}): {args.visits} visits in {stored:.1f} s"
        f" of store_visit ({fill_wall:.1f} s with making the records),"
        f" {args.visits / stored:.1f} visits/s stored, {stored / args.visits * 1000:.1f} ms/visit;"
        f" outbox {queued}, {size:.1f} kB per bundle"
    )

    if args.drain_server == "sandbox":
        server = sandbox_server(stack.enter_context(FhirSandbox.start(port=port)))
    else:
        server = stub_server(stack.enter_context(StubServer(port)))
    bare_seconds, _ = await bare_run(url, payloads, args.concurrency)
    server.reset()
    cpu = cpu_seconds(server.pid)
    drained = await worker_run(path, key, dest, args.concurrency)
    cpu = cpu_seconds(server.pid) - cpu
    stats = server.stats()
    rate, bare_rate = args.visits / drained, len(payloads) / bare_seconds
    print(
        f"drain: {args.visits} visits in {drained:.1f} s, {rate:.1f} visits/s"
        f" ({drained / args.visits * 1000:.1f} ms/visit, server CPU"
        f" {cpu / args.visits * 1000:.1f} ms/visit); outbox after: pending 0, none failed or dead"
    )
    print(
        f"bare aiohttp, the first {len(payloads)} of the same bundles at concurrency"
        f" {args.concurrency}: {bare_rate:.1f} visits/s; drain / bare x{rate / bare_rate:.2f}"
    )
    wrong = expected.problems(stats)
    found = stats["resources"]
    print(
        f"server after the drain: {stats['transactions']} transactions;"
        f" Observation {found.get('Observation', 0)} (want {expected.measurements} measurements"
        f" + {expected.observations - expected.measurements} ECG recordings),"
        f" Encounter {found.get('Encounter', 0)}, Provenance {found.get('Provenance', 0)},"
        f" Patient {found.get('Patient', 0)} (want {len(expected.patients)} distinct CCCDs),"
        f" Device {found.get('Device', 0)} (want {len(expected.devices) + 1}): "
        + ("each once, none missing" if not wrong else "WRONG: " + "; ".join(wrong))
    )
    if wrong:
        raise AssertionError("; ".join(wrong))


async def main(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    print(
        f"fhir.resources {version('fhir.resources')} (R4B models), pydantic {version('pydantic')},"
        f" Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )
    section_builds(args.bundles)
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        ecg_fill = await section_delivery(args, Path(tmp), stack)
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        await section_drain(args, Path(tmp), stack, ecg_fill)
    print(f"\nrun time {time.perf_counter() - started:.0f} s")


def _stop_on_sigterm(_signum: int, _frame: Any) -> None:
    raise SystemExit(143)  # so the servers' context managers end them


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, about a minute")
    parser.add_argument("--visits", type=int, help="visits in the outage (10000; quick 500)")
    parser.add_argument("--bundles", type=int, help="visits timed per variant (100; quick 20)")
    parser.add_argument("--deliver", type=int, help="visits per run into the stub (100; quick 30)")
    parser.add_argument(
        "--sandbox-visits", type=int, help="visits per run into the sandbox (10; quick 5; 0: skip)"
    )
    parser.add_argument("--rounds", type=int, help="rounds of stub runs (3; quick 1)")
    parser.add_argument("--concurrency", type=int, default=4, help="the drain's worker (4)")
    parser.add_argument("--peer-sample", type=int, default=1000, help="bundles the bare peer posts")
    parser.add_argument("--drain-server", choices=("stub", "sandbox"), default="stub")
    parser.add_argument(
        "--drain-without-ecg", action="store_true", help="the outage's visits without ECG"
    )
    args = parser.parse_args()
    defaults = {"visits": (10_000, 500), "bundles": (100, 20), "deliver": (100, 30),
                "sandbox_visits": (10, 5), "rounds": (3, 1)}  # fmt: skip
    for name, (full, quick) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    asyncio.run(main(args))
