"""The portal adapter against the sandbox portal over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from cabin.config import ProviderConfig
from services.dossier.client import DvcClient
from services.dossier.codes import DossierState, parse_dossier_code
from services.dossier.sandbox import AGENCIES, dvc_app
from services.provider import ProviderRejected, ProviderUnavailable, new_idempotency_key
from services.sandbox import Fault, start_sandbox

KEY = "sandbox-key"
CCCD = "001190004321"  # invented
FIELDS = {"full_name": "Lê Thị Thử", "phone": "0912345678"}


@pytest.fixture
async def portal(tmp_path: Path):
    running = await start_sandbox(dvc_app(tmp_path / "dvc.db", KEY, latency=0.02, step_seconds=0))
    client = DvcClient(ProviderConfig(running.base_url, KEY, timeout=5.0))  # type: ignore[arg-type]
    try:
        yield running, client
    finally:
        await client.close()
        await running.stop()


async def test_submit_gives_a_national_code_in_state_1(portal) -> None:
    _, client = portal
    sent = await client.submit(
        "criminal_record", CCCD, FIELDS, [], 200_000, idempotency_key=new_idempotency_key()
    )
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    assert str(sent.code.agency) == AGENCIES["criminal_record"]
    assert sent.code.received == today
    assert sent.code.sequence == 1
    assert sent.state is DossierState.REGISTERED
    second = await client.submit(
        "criminal_record", CCCD, FIELDS, [], 200_000, idempotency_key=new_idempotency_key()
    )
    assert second.code.sequence == 2  # a running number per agency and day


async def test_the_same_idempotency_key_gives_the_same_code(portal) -> None:
    _, client = portal
    key = new_idempotency_key()
    first = await client.submit(
        "temporary_residence", CCCD, FIELDS, [], 10_000, idempotency_key=key
    )
    again = await client.submit(
        "temporary_residence", CCCD, FIELDS, [], 10_000, idempotency_key=key
    )
    assert again.code == first.code
    assert len(await client.dossiers_of(CCCD)) == 1


async def test_a_503_then_the_retry_with_the_same_key_files_once(portal) -> None:
    running, client = portal
    await running.inject(Fault("/dossiers", 503, count=1))
    key = new_idempotency_key()
    with pytest.raises(ProviderUnavailable) as caught:
        await client.submit("birth_bundle", CCCD, FIELDS, [], 0, idempotency_key=key)
    assert caught.value.reason == "server_error"
    sent = await client.submit("birth_bundle", CCCD, FIELDS, [], 0, idempotency_key=key)
    assert [d.code for d in await client.dossiers_of(CCCD)] == [sent.code]


async def test_states_move_along_the_national_table_with_a_history(portal) -> None:
    running, client = portal
    sent = await client.submit(
        "criminal_record", CCCD, FIELDS, [], 200_000, idempotency_key=new_idempotency_key()
    )
    async with aiohttp.ClientSession(headers={"X-Api-Key": KEY}) as http:

        async def advance() -> int:
            async with http.post(f"{running.base_url}/dossiers/{sent.code}/advance") as reply:
                return reply.status

        assert await advance() == 200  # 1 -> 2
        assert await advance() == 200  # 2 -> 6: the fee is due
        assert (await client.dossier(sent.code)).state is DossierState.FEE_DUE
        assert await advance() == 409  # waits for the fee
        paid = await client.paid(sent.code, "PAY-0001", 200_000)
        assert paid.state is DossierState.PROCESSING
        assert paid.paid
        assert await advance() == 200  # 4 -> 9
        assert await advance() == 200  # 9 -> 10
        assert await advance() == 409  # 10 ends it
    dossier = await client.dossier(sent.code)
    assert dossier.state is DossierState.RETURNED
    assert [int(s) for s, _ in dossier.history] == [1, 2, 6, 4, 9, 10]
    stamps = [at for _, at in dossier.history]
    assert stamps == sorted(stamps)


async def test_states_move_by_themselves_over_time(tmp_path: Path) -> None:
    running = await start_sandbox(dvc_app(tmp_path / "dvc.db", KEY, latency=0, step_seconds=0.05))
    client = DvcClient(ProviderConfig(running.base_url, KEY))  # type: ignore[arg-type]
    try:
        sent = await client.submit("birth_bundle", CCCD, FIELDS, [], 0, idempotency_key="k1")
        await asyncio.sleep(0.3)
        dossier = await client.dossier(sent.code)
        assert dossier.state is DossierState.RETURNED
        assert [int(s) for s, _ in dossier.history] == [1, 2, 4, 9, 10]
    finally:
        await client.close()
        await running.stop()


async def test_unknown_codes_and_bad_requests(portal) -> None:
    _, client = portal
    with pytest.raises(ProviderRejected) as caught:
        await client.dossier(parse_dossier_code("000.21.07.H49-200101-0001"))
    assert (caught.value.status, caught.value.code) == (404, "not_found")
    with pytest.raises(ProviderRejected) as caught:
        await client.submit("passport", CCCD, FIELDS, [], 0, idempotency_key="x")
    assert caught.value.code == "unknown_procedure"
    assert await client.dossiers_of("079047001234") == []


async def test_a_dropped_connection_is_unavailable_not_a_crash(portal) -> None:
    running, client = portal
    await running.inject(Fault("/dossiers", 0, count=1))
    with pytest.raises(ProviderUnavailable):
        await client.submit("birth_bundle", CCCD, FIELDS, [], 0, idempotency_key="cut")
    sent = await client.submit("birth_bundle", CCCD, FIELDS, [], 0, idempotency_key="cut")
    assert [d.code for d in await client.dossiers_of(CCCD)] == [sent.code]
