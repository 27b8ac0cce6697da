"""Delivery under faults, against the real FHIR sandbox: every record stored exactly once.

Between the station and the sandbox sits :class:`FaultProxy`, an HTTP proxy on
127.0.0.1 that forwards each transaction or breaks it in a way a hospital's server
or network does: not listening at all, answering 500 or 503 with ``Retry-After``,
committing and then not answering in time, committing and cutting the answer
half-way, committing and holding the answer while the worker is SIGKILLed. After
each, every outbox entry must end delivered, and the sandbox must hold each of the
bundles' resources once: no record lost, none doubled. Every person and reading
here is invented (:func:`fhir_bridge.demo.demo_record`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from collections import Counter, deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import cache
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from cabin.config import load_config
from cabin.store import OutboxEntry, Store, generate_key
from cabin.store.codec import utc_now
from cabin.store.models import Identity
from fhir_bridge.demo import demo_record
from fhir_bridge.demo_store import store_visit
from fhir_bridge.destinations import Destinations, open_clients
from fhir_bridge.mapping.identifiers import measurement_key
from fhir_bridge.outbox import bundle_bytes, enqueue_visit, gather, requeue
from fhir_bridge.record import VisitRecord
from fhir_bridge.sandbox_server import FhirSandbox, FhirSandboxUnavailable
from fhir_bridge.worker import KIND, OutboxWorker

HOST = "127.0.0.1"
BASE_PATH = "/fhir/R4"
# The sandbox takes 0.2-1 s for a visit's transaction (each entry a conditional create),
# longer when two queue up: the station's client waits TIMEOUT, except where a test
# wants it to give up sooner (SHORT_TIMEOUT, with one delivery at a time).
TIMEOUT = 10.0
SHORT_TIMEOUT = 2.0
RETRY_FIRST = 0.02
RETRY_MAX = 0.05
HOLD = 15.0  # how long the proxy withholds an answer at most (released at teardown), s
DEADLINE = 15.0  # for any one wait in a test, s
REPO = Path(__file__).resolve().parents[2]
# Seeds 1 and 2 are two invented residents; seed 1 comes twice: one Patient, two visits.
SEEDS = (1, 2, 1)


@cache
def record(seed: int) -> VisitRecord:
    return demo_record(seed)


# ---------------------------------------------------------------- the fault proxy


@dataclass(frozen=True)
class Fault:
    """What the proxy does with one transaction.

    ``pass``: forward it and relay the answer. ``500`` / ``503``: answer so without
    forwarding (``retry_after`` is the 503's header). ``timeout``: forward it (the
    server commits), then withhold the answer for :data:`HOLD` s. ``cut``: forward
    it, then send the status line, the headers and half the body, and close the
    connection. ``hold``: like ``timeout``, for a worker about to be killed.
    """

    kind: str
    retry_after: str | None = None


PASS = Fault("pass")
E500 = Fault("500")
TIMEOUT_AFTER_COMMIT = Fault("timeout")
CUT = Fault("cut")
HOLD_ANSWER = Fault("hold")


@dataclass
class Exchange:
    """One transaction the proxy saw: its visit, the fault, and the server's answer if forwarded."""

    visit: str | None
    fault: Fault
    status: int | None = None  # the sandbox's status, when forwarded
    created: int | None = None  # how many entries the sandbox created (201)


@dataclass
class FaultProxy:
    """An HTTP proxy to the sandbox's FHIR base that breaks transactions on request.

    ``faults[visit_id]`` is a queue of faults for that visit's next transactions;
    once it is empty, or for a bundle without a visit, ``default`` applies.
    :meth:`go_down` stops listening (connections are refused), :meth:`come_up`
    listens again on the same port.
    """

    upstream: str
    default: Fault = PASS
    faults: dict[str, deque[Fault]] = field(default_factory=dict)
    log: list[Exchange] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None
    _site: web.TCPSite | None = None
    _session: aiohttp.ClientSession | None = None
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}{BASE_PATH}"

    def plan(self, visit: str, *faults: Fault) -> None:
        self.faults.setdefault(visit, deque()).extend(faults)

    def exchanges(self, visit: str) -> list[Exchange]:
        return [e for e in self.log if e.visit == visit]

    def committed(self) -> int:
        """How many transactions the sandbox has answered 200 through the proxy."""
        return sum(e.status == 200 for e in self.log)

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        await self.come_up()

    async def come_up(self) -> None:
        assert self._runner is not None
        assert self._site is None
        site = web.TCPSite(self._runner, HOST, self.port)
        await site.start()
        self._site = site
        if not self.port:
            self.port = self._runner.addresses[0][1]

    async def go_down(self) -> None:
        """Stop listening: new connections are refused, as by a server that is down."""
        assert self._site is not None
        await self._site.stop()
        self._site = None

    async def close(self) -> None:
        self._release.set()  # held answers go now, so the shutdown does not wait
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if request.method != "POST":
            return web.Response(status=405)
        visit = _visit_of(body)
        queue = self.faults.get(visit or "")
        fault = queue.popleft() if queue else self.default
        exchange = Exchange(visit, fault)
        self.log.append(exchange)
        if fault.kind == "500":
            return _outcome(500, "exception", "injected failure")
        if fault.kind == "503":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            return _outcome(503, "transient", "injected: busy", headers)

        assert self._session is not None
        async with self._session.post(
            self.upstream,
            data=body,
            headers={
                "Content-Type": request.headers.get("Content-Type", "application/fhir+json"),
                "Accept": "application/fhir+json",
            },
        ) as answer:
            payload = await answer.read()
            exchange.status = answer.status
            content_type = answer.headers.get("Content-Type", "application/fhir+json")
        exchange.created = _created(payload)
        relay = web.Response(status=exchange.status, body=payload)
        relay.headers["Content-Type"] = content_type

        if fault.kind in ("timeout", "hold"):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._release.wait(), HOLD)
            return relay
        if fault.kind == "cut":
            cut = web.StreamResponse(status=exchange.status, headers={"Content-Type": content_type})
            cut.content_length = len(payload)
            await cut.prepare(request)
            await cut.write(payload[: len(payload) // 2])
            assert request.transport is not None
            request.transport.close()  # flushes the half written, then closes
            return cut
        return relay


def _visit_of(bundle: bytes) -> str | None:
    """The visit a transaction carries (its Encounter's identifier), or None."""
    try:
        entries = json.loads(bundle).get("entry") or []
    except (ValueError, AttributeError):
        return None
    for entry in entries:
        resource = entry.get("resource") or {}
        if resource.get("resourceType") == "Encounter":
            for identifier in resource.get("identifier") or []:
                if str(identifier.get("system", "")).endswith("/visit"):
                    return str(identifier["value"])
    return None


def _created(answer: bytes) -> int | None:
    try:
        entries = json.loads(answer).get("entry") or []
    except (ValueError, AttributeError):
        return None
    return sum(str(e.get("response", {}).get("status", "")).startswith("201") for e in entries)


def _outcome(
    status: int, code: str, text: str, headers: dict[str, str] | None = None
) -> web.Response:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "details": {"text": text}}],
    }
    response = web.Response(status=status, body=json.dumps(body).encode(), headers=headers)
    response.headers["Content-Type"] = "application/fhir+json"
    return response


# ---------------------------------------------------------------- the station


class Clock:
    """The worker's clock: the real time, moved on by ``skew`` when a test needs to."""

    def __init__(self) -> None:
        self.skew = timedelta(0)

    def __call__(self) -> datetime:
        return utc_now() + self.skew


@dataclass
class Station:
    """A station's store and configuration, its hospital reached through the proxy."""

    store: Store
    destinations: Destinations
    env: dict[str, str]
    clock: Clock = field(default_factory=Clock)

    def add_visits(self, seeds: Iterable[int] = SEEDS, *, queue: bool = True) -> list[str]:
        """Store invented visits (queued for the hospital unless ``queue`` is off)."""

        def on_sent(visit_id: str) -> None:
            enqueue_visit(self.store, visit_id, self.destinations)

        return [
            store_visit(self.store, record(seed), on_sent=on_sent if queue else None)
            for seed in seeds
        ]

    def entry(self, visit: str) -> OutboxEntry:
        """The visit's outbox entry, as the store holds it now."""
        (entry,) = self.store.outbox_entries(visit_id=visit)
        return entry

    def entry_by_id(self, entry_id: int) -> OutboxEntry:
        entry = self.store.outbox_entry(entry_id)
        assert entry is not None
        return entry

    def identities(self) -> list[Identity]:
        """The residents whose visits are in the outbox."""
        identities = {}
        for entry in self.store.outbox_entries():
            visit = self.store.visit(entry.visit_id)
            assert visit is not None
            assert visit.resident_id is not None
            resident = self.store.resident(visit.resident_id)
            assert resident is not None
            identities[resident.id] = resident.identity
        return list(identities.values())

    @contextlib.asynccontextmanager
    async def worker(
        self, *, timeout: float | None = None, concurrency: int = 4
    ) -> AsyncIterator[OutboxWorker]:
        """The station's worker and clients, as configured or with another client timeout."""
        destinations = self.destinations
        if timeout is not None:
            fhir = dataclasses.replace(destinations.fhir, timeout=timeout)
            destinations = dataclasses.replace(destinations, fhir=fhir)
        async with open_clients(destinations) as clients:
            yield OutboxWorker(
                self.store,
                clients,
                retry_first=destinations.fhir.retry_first,
                retry_max=destinations.fhir.retry_max,
                concurrency=concurrency,
                clock=self.clock,
            )

    async def until_due(self) -> None:
        """Sleep until every pending entry is due."""
        pending = self.store.outbox_entries(state="pending")
        if pending:
            latest = max(e.next_attempt_at for e in pending)
            wait = (latest - self.clock()).total_seconds()
            assert wait < DEADLINE, f"an entry is due only in {wait:.1f} s"
            await asyncio.sleep(max(wait, 0.0) + 0.001)

    async def one_round(self, worker: OutboxWorker) -> int:
        """Wait until every pending entry is due, then make one pass; return how many were tried."""
        await self.until_due()
        return await worker.deliver_due()

    async def settle(self, worker: OutboxWorker) -> None:
        """Deliver until nothing is pending."""
        deadline = time.monotonic() + DEADLINE
        while self.store.outbox_counts()["pending"]:
            assert time.monotonic() < deadline, self.store.outbox_entries(state="pending")
            await self.one_round(worker)


@pytest.fixture(scope="module")
def sandbox() -> Iterable[FhirSandbox]:
    try:
        server = FhirSandbox.start(host=HOST, base_path=BASE_PATH)
    except FhirSandboxUnavailable as exc:
        pytest.skip(f"FHIR sandbox unavailable: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def fhir(sandbox: FhirSandbox) -> FhirSandbox:
    await asyncio.to_thread(sandbox.reset)
    return sandbox


@pytest.fixture
async def proxy(fhir: FhirSandbox) -> AsyncIterator[FaultProxy]:
    proxy = FaultProxy(fhir.base_url)
    try:
        await proxy.start()
        yield proxy
    finally:
        await proxy.close()


@pytest.fixture
def station(tmp_path: Path, proxy: FaultProxy) -> Iterable[Station]:
    key = generate_key()
    env = {
        "CABIN_DATA_DIR": str(tmp_path),
        "CABIN_STORE__PATH": str(tmp_path / "station.db"),
        "CABIN_STORE__KEY": key.hex(),
        "CABIN_HOSPITAL__FHIR_BASE_URL": proxy.url,
        "CABIN_FHIR__TIMEOUT": str(TIMEOUT),
        "CABIN_FHIR__RETRY_FIRST": str(RETRY_FIRST),
        "CABIN_FHIR__RETRY_MAX": str(RETRY_MAX),
    }
    config = load_config(env=env)
    with Store.open(config.store.path, key=key) as store:
        yield Station(store, Destinations.from_config(config), env)


# ---------------------------------------------------------------- what the server holds


async def search_count(http: aiohttp.ClientSession, base: str, kind: str, params: Any) -> int:
    async with http.get(f"{base}/{kind}", params=params) as response:
        assert response.status == 200, await response.text()
        found = await response.json(content_type=None)
    return len(found.get("entry") or [])


async def assert_stored_exactly_once(fhir: FhirSandbox, station: Station) -> None:
    """Every entry delivered; each bundle resource, measurement and Patient held once, no more."""
    store, destinations = station.store, station.destinations
    entries = store.outbox_entries()
    assert entries
    assert [e.state for e in entries] == ["delivered"] * len(entries)
    distinct: set[tuple[str, str]] = set()
    async with aiohttp.ClientSession() as http:
        for entry in entries:
            # The bundle as enqueued and sent. (Rebuilt now, it could differ: a device's
            # description is the latest noted, not the one at the visit.)
            assert entry.payload is not None
            bundle = json.loads(entry.payload)
            observations = set()
            for item in bundle["entry"]:
                resource = item["resource"]
                kind = resource["resourceType"]
                if resource.get("identifier"):
                    # Search by the identifier the bundle carries, as a hospital would.
                    identifier = resource["identifier"][0]
                    token = f"{identifier['system']}|{identifier['value']}"
                    params: Any = {"identifier": token}
                    if kind == "Observation":
                        observations.add(token)
                else:  # a Provenance: found by its tag, as its conditional create does
                    params = urllib.parse.parse_qsl(item["request"]["ifNoneExist"])
                key = (kind, json.dumps(params, sort_keys=True))
                if key in distinct:  # shared by visits (the devices, a Patient): seen once
                    continue
                distinct.add(key)
                count = await search_count(http, fhir.base_url, kind, params)
                assert count == 1, f"{kind} {params}: {count} on the server"
            visit_record = gather(store, entry.visit_id, destinations)
            for measurement in store.measurements(entry.visit_id):
                assert measurement_key(visit_record, measurement).token in observations
        for identity in station.identities():
            cccd = f"{destinations.systems('sandbox').cccd}|{identity.cccd}"
            assert await search_count(http, fhir.base_url, "Patient", {"identifier": cccd}) == 1
    expected = Counter(kind for kind, _ in distinct)
    held = (await asyncio.to_thread(fhir.stats))["resources"]
    assert {k: v for k, v in held.items() if v} == dict(expected)


def assert_plain_words(station: Station, error: str | None, *words: str) -> None:
    """``last_error`` says what happened, and nothing of the person."""
    assert error is not None
    assert any(word in error for word in words), error
    for identity in station.identities():
        assert identity.cccd not in error
        assert identity.full_name not in error
        for part in identity.full_name.split():
            assert part not in error.split()


# ---------------------------------------------------------------- the faults


async def test_hospital_server_down_is_retried_until_it_is_back_and_stores_each_record_once(
    fhir: FhirSandbox, proxy: FaultProxy, station: Station
) -> None:
    visits = station.add_visits()
    await proxy.go_down()
    async with station.worker() as worker:
        for _ in range(3):
            assert await station.one_round(worker) == len(visits)
        for visit in visits:
            entry = station.entry(visit)
            assert (entry.state, entry.attempts) == ("pending", 3)
            assert_plain_words(station, entry.last_error, "cannot be reached")
        assert worker.failed == 9
        assert (await asyncio.to_thread(fhir.stats))["transactions"] == 0

        await proxy.come_up()
        await station.settle(worker)
    for visit in visits:
        entry = station.entry(visit)
        assert (entry.state, entry.attempts, entry.last_error) == ("delivered", 4, None)
    assert worker.delivered == len(visits)
    await assert_stored_exactly_once(fhir, station)


async def test_500s_are_retried_without_forwarding_and_each_record_is_stored_once(
    fhir: FhirSandbox, proxy: FaultProxy, station: Station
) -> None:
    first, second, third = station.add_visits()
    proxy.plan(first, E500, E500)
    proxy.plan(second, E500)
    async with station.worker() as worker:
        await station.one_round(worker)
        assert station.entry(third).state == "delivered"
        for visit in (first, second):
            entry = station.entry(visit)
            assert (entry.state, entry.attempts) == ("pending", 1)
            assert_plain_words(station, entry.last_error, "500")
        await station.settle(worker)
    attempts = {visit: station.entry(visit).attempts for visit in (first, second, third)}
    assert attempts == {first: 3, second: 2, third: 1}
    for visit, tries in attempts.items():
        assert len(proxy.exchanges(visit)) == tries
    # A 500 never reached the server: it saw one transaction per visit.
    assert (await asyncio.to_thread(fhir.stats))["transactions"] == 3
    await assert_stored_exactly_once(fhir, station)


@pytest.mark.parametrize("form", ["seconds", "http-date"])
async def test_503_retry_after_postpones_the_next_attempt_until_the_server_asked(
    fhir: FhirSandbox, proxy: FaultProxy, station: Station, form: str
) -> None:
    (visit,) = station.add_visits([2])
    wait = 30
    if form == "seconds":
        header = str(wait)
    else:
        header = format_datetime(datetime.now(UTC) + timedelta(seconds=wait + 1), usegmt=True)
    proxy.plan(visit, Fault("503", retry_after=header))
    async with station.worker() as worker:
        before = station.clock()
        assert await worker.deliver_due() == 1
        entry = station.entry(visit)
        assert (entry.state, entry.attempts) == ("pending", 1)
        assert_plain_words(station, entry.last_error, "503")
        # The backoff alone would be at most RETRY_MAX; the server asked for 30 s.
        assert entry.next_attempt_at >= before + timedelta(seconds=wait - 1)
        assert entry.next_attempt_at <= station.clock() + timedelta(seconds=wait + 2)

        await asyncio.sleep(3 * RETRY_MAX)
        assert await worker.drain() == 0  # not due yet: nothing sent
        assert len(proxy.log) == 1

        station.clock.skew = timedelta(seconds=wait + 2)  # the time has come
        assert await worker.drain() == 1
    entry = station.entry(visit)
    assert (entry.state, entry.attempts) == ("delivered", 2)
    await assert_stored_exactly_once(fhir, station)


async def test_answer_withheld_past_the_timeout_after_commit_is_resent_without_duplicates(
    fhir: FhirSandbox, proxy: FaultProxy, station: Station
) -> None:
    first, second, third = station.add_visits()
    proxy.plan(first, TIMEOUT_AFTER_COMMIT)
    # One delivery at a time: a pass-through never waits behind another in the sandbox.
    async with station.worker(timeout=SHORT_TIMEOUT, concurrency=1) as worker:
        started = time.monotonic()
        await station.one_round(worker)
        assert time.monotonic() - started < HOLD  # the client gave up; it did not wait it out
        assert [station.entry(v).state for v in (second, third)] == ["delivered"] * 2
        entry = station.entry(first)
        assert (entry.state, entry.attempts) == ("pending", 1)
        assert_plain_words(station, entry.last_error, f"did not answer within {SHORT_TIMEOUT:g} s")
        # The server had committed it all the same.
        (withheld,) = proxy.exchanges(first)
        assert withheld.status == 200
        assert withheld.created
        await station.settle(worker)
    assert station.entry(first).attempts == 2
    # The resend found each of its entries already there and created nothing.
    assert [e.created for e in proxy.exchanges(first)] == [withheld.created, 0]
    await assert_stored_exactly_once(fhir, station)


async def test_connection_cut_mid_answer_after_commit_is_resent_without_duplicates(
    fhir: FhirSandbox, proxy: FaultProxy, station: Station
) -> None:
    first, second, third = station.add_visits()
    proxy.plan(first, CUT, CUT)
    proxy.plan(third, CUT)
    async with station.worker() as worker:
        await station.one_round(worker)
        assert station.entry(second).state == "delivered"
        for visit in (first, third):
            entry = station.entry(visit)
            assert (entry.state, entry.attempts) == ("pending", 1)
            assert_plain_words(station, entry.last_error, "cut")
            assert proxy.exchanges(visit)[0].created
        await station.settle(worker)
    attempts = {visit: station.entry(visit).attempts for visit in (first, second, third)}
    assert attempts == {first: 3, second: 1, third: 2}
    assert [e.created for e in proxy.exchanges(first)][1:] == [0, 0]
    assert [e.created for e in proxy.exchanges(third)][1:] == [0]
    await assert_stored_exactly_once(fhir, station)


async def test_worker_killed_before_marking_delivered_stays_pending_and_resend_adds_nothing(
    fhir: FhirSandbox, proxy: FaultProxy, station: Station, tmp_path: Path
) -> None:
    visits = station.add_visits([1, 2])  # two residents: both sent at once
    proxy.default = HOLD_ANSWER
    env = {k: v for k, v in os.environ.items() if not k.startswith("CABIN_")}
    env.update(station.env, CABIN_FHIR__TIMEOUT="60")  # it would wait for the answer
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cabin", "fhir", "send", "--once",
            cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + DEADLINE  # a cold start imports a lot
        while proxy.committed() < len(visits):
            assert worker.returncode is None, log.read_text()
            assert time.monotonic() < deadline, "the worker never sent both transactions"
            await asyncio.sleep(0.02)
        # Both committed on the server; their answers are held; now the worker dies.
        committed = (await asyncio.to_thread(fhir.stats))["resources"]
        assert committed.get("Encounter") == len(visits)
        worker.send_signal(signal.SIGKILL)
        assert await asyncio.wait_for(worker.wait(), DEADLINE) == -signal.SIGKILL
    finally:
        if worker.returncode is None:
            worker.kill()
            await worker.wait()

    for visit in visits:
        entry = station.entry(visit)
        assert (entry.state, entry.attempts, entry.last_error) == ("pending", 0, None)

    proxy.default = PASS
    async with station.worker() as again:
        await station.settle(again)
    for visit in visits:
        entry = station.entry(visit)
        assert (entry.state, entry.attempts) == ("delivered", 1)
        held, resent = proxy.exchanges(visit)
        assert held.created
        assert resent.created == 0
    assert (await asyncio.to_thread(fhir.stats))["resources"] == committed
    await assert_stored_exactly_once(fhir, station)


async def test_refused_bundle_becomes_a_dead_letter_and_requeue_rebuilds_and_delivers_it(
    fhir: FhirSandbox, proxy: FaultProxy, station: Station
) -> None:
    good = station.add_visits([1, 2])
    (broken,) = station.add_visits([3], queue=False)
    invalid = json.dumps(
        {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {
                    "fullUrl": "urn:uuid:0f7d1c9e-54a2-4f8e-9a39-2b1d6c0e7a11",
                    "resource": {"resourceType": "Observation", "status": "final"},
                    "request": {"method": "POST", "url": "Observation"},
                }
            ],
        }
    ).encode()  # an Observation without its code: the server must refuse it
    dead_id = station.store.enqueue(broken, "sandbox", KIND, invalid)
    async with station.worker() as worker:
        await station.settle(worker)
        dead = station.entry_by_id(dead_id)
        assert (dead.state, dead.attempts) == ("dead", 1)
        assert_plain_words(station, dead.last_error, "refused the record (400)")
        assert dead.outcome is not None
        outcome = json.loads(dead.outcome)
        assert outcome["resourceType"] == "OperationOutcome"
        assert outcome["issue"][0]["severity"] == "error"
        assert [station.entry(v).state for v in good] == ["delivered", "delivered"]
        assert worker.dead == 1
        assert (await asyncio.to_thread(fhir.stats))["resources"].get("Encounter") == 2

        requeue(station.store, dead_id, station.destinations)
        entry = station.entry_by_id(dead_id)
        assert (entry.state, entry.attempts, entry.last_error, entry.outcome) == (
            "pending",
            0,
            None,
            None,
        )
        assert entry.payload == bundle_bytes(gather(station.store, broken, station.destinations))
        assert await worker.drain() == 1
    entry = station.entry_by_id(dead_id)
    assert (entry.state, entry.attempts) == ("delivered", 1)
    await assert_stored_exactly_once(fhir, station)
