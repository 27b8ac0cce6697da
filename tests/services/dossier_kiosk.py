"""A kiosk offering the dossier and progress modules against the dvc and bank sandboxes,
for the tests of both screens (``kiosk_on`` is a fixture, re-exported by the conftest)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from cabin.config import ProviderConfig, Secret
from cabin.store import Store, generate_key
from cabin.ui.kiosk import KioskSettings
from services import dossier, progress
from services.bills.bank_sandbox import bank_app
from services.docscan import SimulatedPageCamera
from services.dossier.sandbox import dvc_app
from services.payment import PaymentService
from services.provider import ProviderClient
from services.registry import ServiceContext
from services.sandbox import RunningSandbox, start_sandbox
from tests.cabin.ui.kiosk_helpers import Station

__all__ = ["BANK_KEY", "CARD", "DVC_KEY", "Portal", "kiosk_on"]

DVC_KEY = "dvc-key"
BANK_KEY = "bank-secret"
# An invented resident (no such person): province 001, a woman born 1990.
CARD = "001190004321||Lê Thị Thử|15031990|Nữ|Số 5 Phố Mẫu, Hà Nội|20062021"


class Portal:
    """The dvc sandbox and a way to poke it as the agency would."""

    def __init__(self, running: RunningSandbox) -> None:
        self.running = running
        self.config = ProviderConfig(running.base_url, Secret(DVC_KEY), timeout=5.0)

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with (
            aiohttp.ClientSession(headers={"X-Api-Key": DVC_KEY}) as http,
            http.request(method, self.running.base_url + path, json=body) as reply,
        ):
            return reply.status, await reply.json()


@pytest.fixture
def kiosk_on(kiosk_station, tmp_path: Path):
    """``async with kiosk_on(camera) as (station, portal, bank)``: a kiosk with both modules."""

    @contextlib.asynccontextmanager
    async def open_kiosk(camera: SimulatedPageCamera) -> AsyncIterator[tuple[Station, Portal, Any]]:
        portal = Portal(
            await start_sandbox(dvc_app(tmp_path / "dvc.db", DVC_KEY, latency=0.02, step_seconds=0))
        )
        bank = await start_sandbox(bank_app(tmp_path / "bank.db", BANK_KEY, latency=0.0))
        bank_config = ProviderConfig(bank.base_url, Secret(BANK_KEY), timeout=5.0)
        with Store.open(tmp_path / "station.db", key=generate_key()) as store:
            payments = PaymentService(
                store,
                ProviderClient("bank", bank_config),
                ProviderClient("billers", bank_config),  # no bill is cleared here
                callback_secret=BANK_KEY,
            )
            context = ServiceContext(
                store,
                {"dvc": portal.config, "bank": bank_config},
                "station-test",
                tmp_path,
                extra={"document_camera": camera, "payments": payments},
            )
            settings = KioskSettings(
                station_name="Trạm thử nghiệm",
                printer=tmp_path / "printer.prn",
                services=(dossier.module(context), progress.module(context)),
            )
            try:
                async with kiosk_station(store, settings) as station:
                    yield station, portal, bank
            finally:
                await payments.stop()
                await payments.bank.close()
                await portal.running.stop()
                await bank.stop()

    return open_kiosk
