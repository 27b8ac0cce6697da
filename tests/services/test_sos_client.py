"""The station's SOS client against the real portal on 127.0.0.1.

The portal is the real aiohttp app with its real SQLite file, started and
stopped on a fixed local port so the client can be pointed at it before it
exists (the portal "down") and after it stops. Invented station and operator.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from argon2 import PasswordHasher

from services.sos import AlertPhase, AlertStatus, SosClient
from video.portal import AUTH_KEY, SESSION_COOKIE, AccountStore, create_app
from video.portal.alerts import ALERTS_KEY

STATION = "tram-phuong-7"
PASSWORD = "mưa-phùn-Hà-Nội-2025"  # noqa: S105 (invented, for tests)
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Portal:
    """The portal on a fixed port; start and stop it at will (same database file)."""

    def __init__(self, tmp_path: Path, *, escalate_after: float = 60.0) -> None:
        self.db = tmp_path / "portal.db"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.escalate_after = escalate_after
        with AccountStore.open(self.db, hasher=FAST) as store:
            store.add_account("cs.an", "CS. Phạm Văn An", "operator", PASSWORD)
            self.key = store.add_station(STATION)
        self.runner: web.AppRunner | None = None
        self.store: AccountStore | None = None
        self.posts = 0

    async def start(self) -> web.Application:
        self.store = AccountStore.open(self.db, hasher=FAST)
        app = create_app(self.store, secure_cookies=False)
        app[ALERTS_KEY].escalate_after = self.escalate_after

        @web.middleware
        async def count(request: web.Request, handler):  # type: ignore[no-untyped-def]
            if request.method == "POST" and request.path == "/api/alerts":
                self.posts += 1
            return await handler(request)

        app.middlewares.insert(0, count)
        self.app = app
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return app

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
        if self.store is not None:
            self.store.close()
            self.store = None

    def alerts(self) -> list[tuple[str, str, str]]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute("SELECT id, station, state FROM sos_alert").fetchall()


@pytest.fixture
async def portal(tmp_path):
    p = Portal(tmp_path)
    yield p
    await p.stop()


def client(portal: Portal, tmp_path: Path, seen: list[AlertStatus] | None = None) -> SosClient:
    return SosClient(
        portal.base,
        STATION,
        portal.key,
        tmp_path / "station" / "sos-alerts.json",
        on_change=seen.append if seen is not None else None,
        poll_interval=0.1,
    )


async def until(condition, timeout: float = TIMEOUT) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


def phase(sos: SosClient, alert_id: str) -> AlertPhase | None:
    status = sos.status(alert_id)
    return status.phase if status else None


async def test_an_alert_raised_while_the_portal_is_down_is_retried_then_delivered_once(
    portal, tmp_path
):
    seen: list[AlertStatus] = []
    async with client(portal, tmp_path, seen) as sos:
        alert = sos.raise_alert()
        assert alert.phase is AlertPhase.SENDING
        assert json.loads(sos.state_file.read_text())["alerts"][0]["id"] == alert.alert_id
        await until(lambda: sos.status(alert.alert_id).attempts >= 3)  # refused connections
        await portal.start()
        await until(lambda: phase(sos, alert.alert_id) is AlertPhase.SENT)
        await asyncio.sleep(0.5)  # it keeps looking at the state; never sends it again
    assert portal.alerts() == [(alert.alert_id, STATION, "open")]
    assert portal.posts == 1
    assert [s.phase for s in seen] == [AlertPhase.SENDING, AlertPhase.SENT]


async def test_the_same_alert_sent_again_is_one_alert(portal, tmp_path):
    await portal.start()
    async with client(portal, tmp_path) as sos:
        alert = sos.raise_alert()
        await until(lambda: phase(sos, alert.alert_id) is AlertPhase.SENT)
    body = {"alert": alert.alert_id, "raised_at": alert.raised_at.isoformat()}
    headers = {"Authorization": f"Station {STATION}:{portal.key}"}
    async with aiohttp.ClientSession() as http:
        for _ in range(3):  # a station that never heard the answer sends it again
            async with http.post(f"{portal.base}/api/alerts", json=body, headers=headers) as r:
                assert r.status == 200
                assert (await r.json())["alert"] == alert.alert_id
        async with http.post(
            f"{portal.base}/api/alerts", json=body, headers={"Authorization": "Station x:y"}
        ) as r:
            assert r.status == 401
    assert len(portal.alerts()) == 1


async def test_a_station_restarted_before_delivery_sends_the_alert_again(portal, tmp_path):
    first = client(portal, tmp_path)
    await first.start()
    alert = first.raise_alert()
    await until(lambda: first.status(alert.alert_id).attempts >= 1)
    await first.aclose()  # the station stops with the alert unsent
    assert portal.posts == 0

    await portal.start()
    async with client(portal, tmp_path) as again:
        assert again.pending == [alert.alert_id]
        await until(lambda: phase(again, alert.alert_id) is AlertPhase.SENT)
        # an operator resolves it: the station stops following it and forgets it
        app = portal.app
        hub = app[ALERTS_KEY]
        stored = hub.store.get(STATION, alert.alert_id)
        hub.store.close_alert(stored, "resolved", "CS. Phạm Văn An", hub.clock())
        await until(lambda: phase(again, alert.alert_id) is AlertPhase.RESOLVED)
        await again.wait_closed(alert.alert_id)
    assert json.loads((tmp_path / "station" / "sos-alerts.json").read_text()) == {"alerts": []}
    assert portal.alerts() == [(alert.alert_id, STATION, "resolved")]


async def test_cancel_is_a_false_alarm_on_the_portal(portal, tmp_path):
    await portal.start()
    seen: list[AlertStatus] = []
    async with client(portal, tmp_path, seen) as sos:
        alert = sos.raise_alert()
        await until(lambda: phase(sos, alert.alert_id) is AlertPhase.SENT)
        sos.cancel(alert.alert_id)
        final = await asyncio.wait_for(sos.wait_closed(alert.alert_id), TIMEOUT)
    assert final.phase is AlertPhase.CANCELLED
    assert AlertPhase.CANCELLING in [s.phase for s in seen]
    assert portal.alerts() == [(alert.alert_id, STATION, "false_alarm")]
    assert sos.pending == []


async def operator_socket(http: aiohttp.ClientSession, portal: Portal):
    auth = portal.app[AUTH_KEY]
    token = auth.sessions.create(auth.store.get_account("cs.an")).token
    return await http.ws_connect(
        f"{portal.base}/ws/operator",
        headers={"Cookie": f"{SESSION_COOKIE}={token}", "Origin": portal.base},
    )


async def test_an_alert_nobody_acknowledges_is_escalated_to_every_operator(tmp_path):
    portal = Portal(tmp_path, escalate_after=1.0)
    await portal.start()
    try:
        async with aiohttp.ClientSession() as http, client(portal, tmp_path) as sos:
            first = await operator_socket(http, portal)
            second = await operator_socket(http, portal)
            alert = sos.raise_alert()
            await until(lambda: phase(sos, alert.alert_id) is AlertPhase.SENT)
            await until(lambda: phase(sos, alert.alert_id) is AlertPhase.ESCALATED, 5.0)
            for ws in (first, second):
                kinds = []
                async with asyncio.timeout(TIMEOUT):
                    while "escalated" not in kinds:
                        kinds.append(json.loads((await ws.receive()).data)["type"])
            # an operator takes it: the station hears who took it and when
            await first.send_json({"type": "ack", "alert": alert.alert_id})
            await until(lambda: phase(sos, alert.alert_id) is AlertPhase.ACKNOWLEDGED)
            assert sos.status(alert.alert_id).acked_at is not None
            await first.close()
            await second.close()
    finally:
        await portal.stop()


async def test_an_alert_waits_for_the_first_operator_who_connects(portal, tmp_path):
    await portal.start()
    async with aiohttp.ClientSession() as http, client(portal, tmp_path) as sos:
        alert = sos.raise_alert()
        await until(lambda: phase(sos, alert.alert_id) is AlertPhase.SENT)
        ws = await operator_socket(http, portal)
        first = json.loads((await ws.receive()).data)
        assert first["type"] == "alerts"
        assert [(i["alert"], i["station"], i["state"]) for i in first["items"]] == [
            (alert.alert_id, STATION, "open")
        ]
        await ws.close()


async def test_the_operator_socket_is_for_operators_on_this_origin(portal, tmp_path):
    await portal.start()
    auth = portal.app[AUTH_KEY]
    token = auth.sessions.create(auth.store.get_account("cs.an")).token
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as cross_site:
            await http.ws_connect(
                f"{portal.base}/ws/operator",
                headers={"Cookie": f"{SESSION_COOKIE}={token}", "Origin": "http://evil.example"},
            )
        assert cross_site.value.status == 403
        # a station may not read or cancel another station's alert
        other = {"Authorization": f"Station {STATION}:wrong-key"}
        async with http.post(f"{portal.base}/api/alerts/x/cancel", headers=other) as refused:
            assert refused.status == 401
