"""Visits from the store to an independent FHIR server (Medplum's router), through the outbox.

The server validates every resource (base R4 and the vital-signs profiles), runs
transactions atomically and honours conditional creates; these tests assert that
what the station sends is accepted, can be found the way a hospital looks for it,
and is never stored twice. Auth and TLS are the real SMART Backend Services and
HTTPS paths against the same server.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
import urllib.request
from pathlib import Path

import aiohttp
import pytest
from fhir_test_keys import (  # type: ignore[import-not-found]
    new_client_key,
    private_ca_files,
    sandbox_client,
    write_private_key,
)

from cabin.cli import main
from cabin.config import load_config
from cabin.store import Store, generate_key
from cabin.visit import VisitFlow
from fhir_bridge.auth import ClientKey, SmartAuth
from fhir_bridge.client import FhirClient
from fhir_bridge.demo import demo_record
from fhir_bridge.demo_store import store_visit
from fhir_bridge.destinations import Destinations
from fhir_bridge.outbox import bundle_bytes, enqueue_visit, gather
from fhir_bridge.sandbox_server import FhirSandbox, FhirSandboxUnavailable
from fhir_bridge.service import delivery
from fhir_bridge.worker import KIND

LOINC = "http://loinc.org"
# The LOINC code a hospital searches by, and the stored kinds it finds.
VITAL_CODES = {
    "85354-9": {"blood_pressure"},
    "2708-6": {"spo2"},
    "8867-4": {"heart_rate", "pulse_rate"},  # the ECG's rate, the oximeter's and the cuff's
    "8310-5": {"temperature"},
    "29463-7": {"weight"},
    "8302-2": {"height"},
    "39156-5": {"bmi"},
}


def start_or_skip(**kwargs) -> FhirSandbox:
    try:
        return FhirSandbox.start(**kwargs)
    except FhirSandboxUnavailable as exc:
        pytest.skip(f"the FHIR sandbox cannot run here: {exc}")


@pytest.fixture(scope="module")
def sandbox():
    server = start_or_skip()
    yield server
    server.stop()


@pytest.fixture
def server(sandbox):
    sandbox.reset()
    return sandbox


def station(tmp_path: Path, base_url: str, **settings: str):
    """A station's configuration, store and destinations for the hospital at ``base_url``."""
    env = {
        "CABIN_DATA_DIR": str(tmp_path),
        "CABIN_STORE__KEY": generate_key().hex(),
        "CABIN_HOSPITAL__FHIR_BASE_URL": base_url,
        "CABIN_FHIR__RETRY_FIRST": "0.01",
        "CABIN_FHIR__RETRY_MAX": "0.05",
        "CABIN_FHIR__TIMEOUT": "10",
        **{f"CABIN_HOSPITAL__{k.upper()}": v for k, v in settings.items()},
    }
    config = load_config(env=env)
    return config, env, Destinations.from_config(config)


def fill(store: Store, destinations: Destinations, seeds) -> list[str]:
    return [
        store_visit(
            store, demo_record(seed), on_sent=lambda v: enqueue_visit(store, v, destinations)
        )
        for seed in seeds
    ]


def fhir_get(server: FhirSandbox, query: str, token: str | None = None) -> dict:
    request = urllib.request.Request(f"{server.base_url}/{query}")  # noqa: S310 - loopback
    request.add_header("Accept", "application/fhir+json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
        return json.loads(answer.read())


def matches(server: FhirSandbox, resource: str, **params: str) -> list[dict]:
    bundle = fhir_get(server, f"{resource}?{urllib.parse.urlencode(params)}")
    return [e["resource"] for e in bundle.get("entry", [])]


async def deliver_all(store: Store, destinations: Destinations) -> None:
    async with delivery(store, destinations, background=False) as running:
        await running.worker.drain()


# -- what the hospital receives -----------------------------------------------------------


async def test_every_visit_is_accepted_and_found_by_patient_and_loinc_code(server, tmp_path):
    config, _, destinations = station(tmp_path, server.base_url)
    with Store.open(config.store.path, key=bytes.fromhex(config.store.key)) as store:
        # The first resident comes twice: one Patient, two visits' observations.
        visits = fill(store, destinations, [21, 22, 21])
        await deliver_all(store, destinations)
        assert store.outbox_counts() == {"pending": 0, "delivered": 3, "dead": 0}
        records = [gather(store, v, destinations) for v in visits]

    for record in records:
        cccd = record.resident.identity.cccd
        [patient] = matches(server, "Patient", identifier=f"{record.systems.cccd}|{cccd}")
        for code, kinds in VITAL_CODES.items():
            mine = [m for m in record.measurements if m.kind in kinds]
            found = matches(
                server, "Observation", subject=f"Patient/{patient['id']}", code=f"{LOINC}|{code}"
            )
            # Both visits of a resident are there, and nothing else.
            same_person = [r for r in records if r.resident.identity.cccd == cccd]
            assert mine
            assert len(found) == len(mine) * len(same_person), code
            ours = [o for o in found if record.visit.id in json.dumps(o["identifier"])]
            assert len(ours) == len(mine), code
        spo2 = next(m for m in record.measurements if m.kind == "spo2")
        [observation] = [
            o
            for o in matches(server, "Observation", code=f"{LOINC}|2708-6")
            if record.visit.id in json.dumps(o["identifier"])
        ]
        assert observation["valueQuantity"]["value"] == spo2.values["spo2"]
        assert observation["valueQuantity"]["code"] == "%"
    assert server.stats()["resources"]["Patient"] == 2
    assert server.stats()["resources"]["Encounter"] == 3


async def test_a_resend_creates_nothing(server, tmp_path):
    config, _, destinations = station(tmp_path, server.base_url)
    with Store.open(config.store.path, key=bytes.fromhex(config.store.key)) as store:
        [visit] = fill(store, destinations, [23])
        await deliver_all(store, destinations)
        before = server.stats()["resources"]
        bundle = bundle_bytes(gather(store, visit, destinations))
    async with aiohttp.ClientSession() as session:
        again = await FhirClient(session, server.base_url).send_transaction(bundle)
    assert again.created == 0
    assert again.entries == len(json.loads(bundle)["entry"])
    assert server.stats()["resources"] == before


def test_a_refused_record_is_a_dead_letter_that_an_operator_can_requeue(
    server, tmp_path, capsys, monkeypatch
):
    config, env, destinations = station(tmp_path, server.base_url)
    with Store.open(config.store.path, key=bytes.fromhex(config.store.key)) as store:
        [good] = fill(store, destinations, [24])
        bad = store.start_visit("station-x")
        broken = {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {
                    "resource": {"resourceType": "Observation"},
                    "request": {"method": "POST", "url": "Observation"},
                }
            ],
        }
        store.set_visit_consent(bad, True)
        store.transition(bad, "completed", end=True)
        dead_id = store.enqueue(bad, "sandbox", KIND, json.dumps(broken).encode())
        asyncio.run(deliver_all(store, destinations))
        dead = store.outbox_entry(dead_id)
        assert dead.state == "dead"
        assert "refused the record (400)" in dead.last_error
        assert json.loads(dead.outcome)["resourceType"] == "OperationOutcome"
        assert [e.state for e in store.outbox_entries(visit_id=good)] == ["delivered"]

    # The operator sees it, and once the cause is fixed, requeues it: the bundle is
    # rebuilt from the store (an empty visit: Patient, Encounter, gateway, Provenance).
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["fhir", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["counts"] == {"pending": 0, "delivered": 1, "dead": 1}
    assert [e["id"] for e in status["entries"]] == [dead_id]
    assert main(["fhir", "retry", str(dead_id)]) == 0
    assert main(["fhir", "send", "--once"]) == 0
    assert "0 pending, 2 delivered, 0 dead" in capsys.readouterr().out


def test_export_writes_the_bundle_the_outbox_sends(server, tmp_path, monkeypatch, capsys):
    config, env, destinations = station(tmp_path, server.base_url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with Store.open(config.store.path, key=bytes.fromhex(config.store.key)) as store:
        [visit] = fill(store, destinations, [25])
        [entry] = store.outbox_entries()
    out = tmp_path / "visit.json"
    assert main(["fhir", "export", "--visit", visit, "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(entry.payload)
    assert out.stat().st_mode & 0o077 == 0
    with Store.open(config.store.path, key=bytes.fromhex(config.store.key)) as store:
        assert [a.action for a in store.audit_entries()][-1] == "visit.export"
    assert main(["fhir", "export", "--visit", "no-such-visit", "--out", str(out)]) == 2
    assert "no such visit" in capsys.readouterr().err


# -- SMART Backend Services --------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_key():
    return new_client_key("rsa")


async def test_delivery_with_a_token_and_refused_without(rsa_key, tmp_path):
    client = sandbox_client("cabin-01", rsa_key, "RS384", "k1")
    with start_or_skip(clients=[client]) as secured:
        key_file = write_private_key(rsa_key, tmp_path / "client.pem")
        config, _, destinations = station(
            tmp_path,
            secured.base_url,
            client_id="cabin-01",
            private_key_file=str(key_file),
            key_id="k1",
        )
        _, _, anonymous = station(tmp_path, secured.base_url)
        with Store.open(config.store.path, key=bytes.fromhex(config.store.key)) as store:
            fill(store, destinations, [26, 27])
            await deliver_all(store, destinations)
            assert store.outbox_counts()["delivered"] == 2
            assert secured.stats()["tokens_issued"] == 1  # cached across deliveries

            fill(store, anonymous, [28])
            await deliver_all(store, anonymous)
            [waiting] = store.outbox_entries(state="pending")
            assert waiting.last_error == "the hospital refused the station's credentials (401)"


async def test_an_expired_token_is_replaced(rsa_key):
    client = sandbox_client("cabin-01", rsa_key, "RS384", "k1")
    with start_or_skip(clients=[client], token_lifetime=1) as secured:
        bundle = bundle_bytes(demo_record(29))
        key = ClientKey("cabin-01", rsa_key, "k1")
        async with aiohttp.ClientSession() as session:
            # By its own clock the token never ages: only the server's 401 can replace it.
            auth = SmartAuth(session, secured.base_url, key, "system/*.cr", clock=lambda: 0.0)
            fhir = FhirClient(session, secured.base_url, auth)
            await fhir.send_transaction(bundle)
            await asyncio.sleep(1.2)
            again = await fhir.send_transaction(bundle)
            assert again.created == 0
            assert auth.tokens_fetched == 2
            # With a real clock, a short-lived token is renewed before it runs out.
            timely = SmartAuth(session, secured.base_url, key, "system/*.cr")
            first = await timely.token()
            await asyncio.sleep(0.9)
            assert await timely.token() != first
        assert secured.stats()["tokens_issued"] == 4


# -- TLS ---------------------------------------------------------------------------------


async def test_https_with_the_hospitals_ca_bundle(tmp_path):
    cert, key, ca = private_ca_files(tmp_path)
    with start_or_skip(tls=(cert, key)) as secure:
        config, _, trusting = station(tmp_path, secure.base_url, ca_bundle=str(ca))
        _, _, default_trust = station(tmp_path, secure.base_url)
        with Store.open(config.store.path, key=bytes.fromhex(config.store.key)) as store:
            [trusted] = fill(store, trusting, [30])
            await deliver_all(store, trusting)
            [untrusted] = fill(store, default_trust, [31])
            await deliver_all(store, default_trust)
            [ok] = store.outbox_entries(visit_id=trusted)
            [waiting] = store.outbox_entries(visit_id=untrusted)
        assert ok.state == "delivered"
        assert waiting.state == "pending"
        assert waiting.last_error == "the hospital's TLS certificate is not trusted"


def test_a_rebuilt_bundle_names_the_units_that_measured_then(tmp_path):
    config, _, destinations = station(tmp_path, "http://127.0.0.1:9")
    with Store.open(config.store.path, key=bytes.fromhex(config.store.key)) as store:
        # Seeds 1 and 2 measure with other units (serials) under the same device ids.
        first, second = fill(store, destinations, [1, 2])
        [sent] = store.outbox_entries(visit_id=first)
        rebuilt = gather(store, first, destinations)
        assert rebuilt.devices["bp"].serial == demo_record(1).devices["bp"].serial
        assert gather(store, second, destinations).devices["bp"].serial == "SIM-BP-0002"
        assert bundle_bytes(rebuilt) == sent.payload


async def test_a_visit_with_a_consult_sends_the_doctor_and_the_note(server, tmp_path):
    config, _, destinations = station(tmp_path, server.base_url)
    note = "Huyết áp hơi cao.\n\nĐo lại sau một tuần tại trạm."
    with Store.open(config.store.path, key=bytes.fromhex(config.store.key)) as store:
        flow = VisitFlow(store, "HN-001", on_sent=lambda v: enqueue_visit(store, v, destinations))
        flow.identify(None)
        flow.give_consent(True)
        flow.start_measuring()
        flow.record("spo2", {"spo2": 96.0}, "%", device_id="oximeter", quality=0.9)
        flow.show_results()
        flow.ask_doctor()
        consult = store.begin_consult(flow.visit_id)
        store.set_consult_doctor(consult, "bs.lan", "BS. Nguyễn Thị Lan")
        store.set_consult_note(consult, "nháp")
        store.set_consult_note(consult, note)
        store.end_consult(consult, "doctor")
        flow.end_consult()
        flow.send()
        flow.goodbye()
        flow.finish()
        bundle = json.loads(bundle_bytes(gather(store, flow.visit_id, destinations)))
        await deliver_all(store, destinations)
        assert store.outbox_counts() == {"pending": 0, "delivered": 1, "dead": 0}

    sent = {e["resource"]["resourceType"]: e["resource"] for e in bundle["entry"]}
    assert sent["Practitioner"]["name"][0]["text"] == "BS. Nguyễn Thị Lan"
    assert sent["Practitioner"]["identifier"][0]["value"] == "bs.lan"
    div = sent["Composition"]["section"][0]["text"]["div"]
    assert "Đo lại sau một tuần tại trạm." in div
    assert "nháp" not in div
    [composition] = matches(server, "Composition", type=f"{LOINC}|11488-4")
    assert "Huyết áp hơi cao." in composition["section"][0]["text"]["div"]
    [doctor] = matches(
        server, "Practitioner", identifier=sent["Practitioner"]["identifier"][0]["value"]
    )
    assert doctor["name"][0]["text"] == "BS. Nguyễn Thị Lan"
