"""The services foundation: the provider client against a real sandbox app over 127.0.0.1.

Key checks, injected faults (a 503, a dropped connection, a slow answer), idempotent
POST replay, refusals as codes, the registry and the catalogue's add_strings.
"""

from __future__ import annotations

import pytest
from aiohttp import web

from cabin.config import ProviderConfig, Secret
from cabin.i18n import CATALOGUE, add_strings, tr
from services import (
    ProviderClient,
    ProviderRejected,
    ProviderUnavailable,
    ServiceContext,
    load_modules,
    new_idempotency_key,
)
from services.sandbox import DB, Fault, SandboxSettings, json_error, sandbox_app, start_sandbox

KEY = "sandbox-test-key"
SCHEMA = "CREATE TABLE IF NOT EXISTS tickets (id INTEGER PRIMARY KEY, note TEXT NOT NULL);"


def ticket_app(db_path, key=KEY):
    app = sandbox_app(SandboxSettings("tickets", key, latency=0.0), db_path, schema=SCHEMA)

    async def create(request: web.Request) -> web.Response:
        body = await request.json()
        note = body.get("note")
        if not isinstance(note, str) or not note:
            return json_error(422, "note_required")
        cursor = request.app[DB].execute("INSERT INTO tickets (note) VALUES (?)", (note,))
        return web.json_response({"id": cursor.lastrowid})

    async def count(request: web.Request) -> web.Response:
        (n,) = request.app[DB].execute("SELECT COUNT(*) FROM tickets").fetchone()
        return web.json_response({"count": n})

    app.router.add_post("/tickets", create)
    app.router.add_get("/tickets/count", count)
    return app


@pytest.fixture
async def sandbox(tmp_path):
    running = await start_sandbox(ticket_app(tmp_path / "tickets.db"))
    yield running
    await running.stop()


def client_for(sandbox, *, key=KEY, timeout=5.0):
    return ProviderClient("tickets", ProviderConfig(sandbox.base_url, Secret(key), timeout=timeout))


async def test_a_post_and_a_get_round_trip(sandbox):
    async with client_for(sandbox) as client:
        assert await client.post("/tickets", {"note": "Ồn ào sau 22 giờ"}) == {"id": 1}
        assert await client.get("/tickets/count") == {"count": 1}


async def test_a_wrong_key_is_refused_with_a_code(sandbox):
    async with client_for(sandbox, key="wrong") as client:
        with pytest.raises(ProviderRejected) as refused:
            await client.get("/tickets/count")
    assert (refused.value.status, refused.value.code) == (401, "bad_key")


async def test_a_refusal_carries_the_providers_code(sandbox):
    async with client_for(sandbox) as client:
        with pytest.raises(ProviderRejected, match="note_required"):
            await client.post("/tickets", {"note": ""})


async def test_a_retried_post_with_the_same_key_acts_once(sandbox):
    key = new_idempotency_key()
    async with client_for(sandbox) as client:
        first = await client.post("/tickets", {"note": "a"}, idempotency_key=key)
        again = await client.post("/tickets", {"note": "a"}, idempotency_key=key)
        other = await client.post("/tickets", {"note": "a"}, idempotency_key=new_idempotency_key())
        assert first == again == {"id": 1}
        assert other == {"id": 2}
        assert await client.get("/tickets/count") == {"count": 2}


async def test_injected_faults_become_unavailable_and_then_pass(sandbox):
    await sandbox.inject(Fault("/tickets", 503, count=2))
    async with client_for(sandbox) as client:
        for _ in range(2):
            with pytest.raises(ProviderUnavailable) as failed:
                await client.post("/tickets", {"note": "x"})
            assert failed.value.reason == "server_error"
        assert await client.post("/tickets", {"note": "x"}) == {"id": 1}


async def test_a_dropped_connection_and_a_slow_answer(sandbox):
    # A POST, which aiohttp does not resend by itself after a disconnect (a GET it does).
    await sandbox.inject(Fault("/tickets", 0))
    await sandbox.inject(Fault("/tickets", 200, delay=1.0))
    async with client_for(sandbox, timeout=0.3) as client:
        with pytest.raises(ProviderUnavailable) as dropped:
            await client.post("/tickets", {"note": "x"})
        assert dropped.value.reason == "unreachable"
        with pytest.raises(ProviderUnavailable) as slow:
            await client.post("/tickets", {"note": "x"})
        assert slow.value.reason == "timeout"
        assert await client.get("/tickets/count") == {"count": 0}


async def test_faults_can_be_injected_over_http(sandbox):
    async with client_for(sandbox) as client:
        await client.post("/_sandbox/faults", {"path": "/tickets", "status": 429})
        with pytest.raises(ProviderUnavailable) as busy:
            await client.post("/tickets", {"note": "x"})
        assert busy.value.reason == "busy"


async def test_nothing_listening_is_unreachable(tmp_path):
    running = await start_sandbox(ticket_app(tmp_path / "t.db"))
    await running.stop()
    async with client_for(running) as client:
        with pytest.raises(ProviderUnavailable, match="unreachable"):
            await client.get("/tickets/count")


def test_a_provider_without_a_url_is_a_configuration_mistake():
    with pytest.raises(ValueError, match="no base_url"):
        ProviderClient("bank", ProviderConfig())


def test_load_modules_skips_packages_that_are_absent(tmp_path):
    context = ServiceContext(None, {}, "station-test", tmp_path)
    assert load_modules(context, ("services.no_such_module",)) == []


def test_a_module_that_fails_to_load_is_left_out(tmp_path, monkeypatch, caplog):
    import sys
    import types

    broken = types.ModuleType("services_test_broken")

    def module(context):
        raise KeyError("billers")

    broken.module = module  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "services_test_broken", broken)
    context = ServiceContext(None, {}, "station-test", tmp_path)
    assert load_modules(context, ("services_test_broken",)) == []
    assert "services_test_broken could not be loaded" in caplog.text


def test_modules_add_their_own_sentences_once():
    add_strings({"testmodule.hello": ("Xin chào", "Hello")})
    add_strings({"testmodule.hello": ("Xin chào", "Hello")})  # the same again: fine
    assert tr("testmodule.hello", "en") == "Hello"
    with pytest.raises(ValueError, match="already used"):
        add_strings({"home.title": ("Khác", "Other")})
    assert "testmodule.hello" in CATALOGUE


def test_the_demo_starts_a_sandbox_for_each_unconfigured_provider(tmp_path, monkeypatch):
    import asyncio
    import sys
    import types

    from services.demo import demo_providers

    package = types.ModuleType("services_test_tickets")
    package.SANDBOXES = {"tickets": ticket_app, "bank": ticket_app}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "services_test_tickets", package)
    configured = {"bank": ProviderConfig("https://bank.example.vn/api", Secret("k"))}
    with demo_providers(configured, tmp_path, packages=("services_test_tickets",)) as providers:
        assert providers["bank"] == configured["bank"]  # configured: left alone
        tickets = providers["tickets"]
        assert tickets.base_url.startswith("http://127.0.0.1:")

        async def use() -> dict:
            async with ProviderClient("tickets", tickets) as client:
                await client.post("/tickets", {"note": "demo"})
                return await client.get("/tickets/count")

        assert asyncio.run(use()) == {"count": 1}
    assert (tmp_path / "tickets.db").exists()
    with pytest.raises(ProviderUnavailable):
        asyncio.run(use())  # stopped with the block
