"""What every sandbox provider shares: persistence, latency, faults, keys, idempotency.

:func:`sandbox_app` makes an :class:`aiohttp.web.Application` whose state lives in
its own SQLite file (``app[DB]``, a :class:`sqlite3.Connection` in WAL mode, with the
module's schema applied) and whose middleware, in order:

1. answers ``/_sandbox/faults`` (``POST`` a fault, ``DELETE`` to clear): a test or a
   demo injects ``{"path": "/bills", "status": 503, "count": 2, "delay": 0.0}``, and
   the next ``count`` requests under ``path`` wait ``delay`` seconds and then answer
   ``status`` (0: drop the connection without answering);
2. waits the configured latency (realistic: a government portal is not instant);
3. refuses a request without the right ``X-Api-Key`` (401 ``{"error": "bad_key"}``);
4. replays the stored answer to a ``POST`` whose ``Idempotency-Key`` it has seen
   (so a client's retry never acts twice), and stores each new ``POST`` answer.

A module's handlers then read and write ``request.app[DB]``.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

__all__ = [
    "DB",
    "FAULTS_PATH",
    "SANDBOX_KEY",
    "Fault",
    "RunningSandbox",
    "SandboxSettings",
    "dump",
    "json_error",
    "sandbox_app",
    "start_sandbox",
]

FAULTS_PATH = "/_sandbox/faults"
_IDEMPOTENCY_HEADER = "Idempotency-Key"
_KEY_HEADER = "X-Api-Key"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Fault:
    """The next ``count`` requests under ``path`` wait ``delay`` s, then answer ``status``."""

    path: str
    status: int
    count: int = 1
    delay: float = 0.0


@dataclass
class SandboxSettings:
    """A sandbox's name, its key, its latency per request, and the faults to inject."""

    name: str
    key: str
    latency: float = 0.05
    faults: list[Fault] = field(default_factory=list)


SANDBOX_KEY = web.AppKey("sandbox", SandboxSettings)
DB = web.AppKey("sandbox_db", sqlite3.Connection)


def json_error(status: int, code: str) -> web.Response:
    """``{"error": code}`` with ``status`` (the contract's way to refuse)."""
    return web.json_response({"error": code}, status=status)


def _take_fault(settings: SandboxSettings, path: str) -> Fault | None:
    for fault in settings.faults:
        if path.startswith(fault.path) and fault.count > 0:
            fault.count -= 1
            if fault.count == 0:
                settings.faults.remove(fault)
            return fault
    return None


async def _faults(request: web.Request) -> web.Response:
    settings = request.app[SANDBOX_KEY]
    if request.headers.get(_KEY_HEADER) != settings.key:
        return json_error(401, "bad_key")
    if request.method == "DELETE":
        settings.faults.clear()
        return web.json_response({"faults": 0})
    body = await request.json()
    fault = Fault(
        path=str(body.get("path", "/")),
        status=int(body.get("status", 503)),
        count=int(body.get("count", 1)),
        delay=float(body.get("delay", 0.0)),
    )
    settings.faults.append(fault)
    return web.json_response({"faults": len(settings.faults)})


@web.middleware
async def _middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    settings = request.app[SANDBOX_KEY]
    if request.path == FAULTS_PATH:
        return await _faults(request)
    fault = _take_fault(settings, request.path)
    if fault is not None:
        await asyncio.sleep(fault.delay)
        if fault.status == 0:  # the connection cut without an answer
            transport = request.transport
            if transport is not None:
                transport.abort()
            return web.Response(status=204)  # never reaches the client
        return json_error(fault.status, "injected_fault")
    if settings.latency > 0:
        await asyncio.sleep(settings.latency)
    if request.headers.get(_KEY_HEADER) != settings.key:
        return json_error(401, "bad_key")
    idempotency = request.headers.get(_IDEMPOTENCY_HEADER)
    if request.method != "POST" or not idempotency:
        return await handler(request)
    db = request.app[DB]
    row = db.execute(
        "SELECT status, body FROM sandbox_idempotency WHERE key = ? AND path = ?",
        (idempotency, request.path),
    ).fetchone()
    if row is not None:
        return web.Response(
            status=row[0], text=row[1], content_type="application/json", charset="utf-8"
        )
    response = await handler(request)
    if isinstance(response, web.Response) and response.text is not None:
        with db:
            db.execute(
                "INSERT OR IGNORE INTO sandbox_idempotency (key, path, status, body)"
                " VALUES (?, ?, ?, ?)",
                (idempotency, request.path, response.status, response.text),
            )
    return response


def sandbox_app(
    settings: SandboxSettings,
    db_path: Path,
    *,
    schema: str = "",
) -> web.Application:
    """A sandbox application with its SQLite file at ``db_path`` and ``schema`` applied.

    Add the module's routes to the returned application.
    """
    db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(
        "CREATE TABLE IF NOT EXISTS sandbox_idempotency ("
        " key TEXT NOT NULL, path TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL,"
        " PRIMARY KEY (key, path));" + schema
    )
    app = web.Application(middlewares=[_middleware])
    app[SANDBOX_KEY] = settings
    app[DB] = db

    async def close_db(app: web.Application) -> None:
        app[DB].close()

    app.on_cleanup.append(close_db)
    return app


@dataclass
class RunningSandbox:
    """A sandbox served on 127.0.0.1: its ``base_url``; :meth:`stop` when done."""

    base_url: str
    runner: web.AppRunner

    async def stop(self) -> None:
        await self.runner.cleanup()

    async def inject(self, fault: Fault) -> None:
        """Add a fault directly (tests in the same process)."""
        settings = self.runner.app[SANDBOX_KEY]
        settings.faults.append(fault)


async def start_sandbox(app: web.Application, *, port: int = 0) -> RunningSandbox:
    """Serve ``app`` on 127.0.0.1 (``port`` 0: a free one)."""
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    bound = runner.addresses[0][1]
    return RunningSandbox(f"http://127.0.0.1:{bound}", runner)


def dump(obj: object) -> str:
    """Compact JSON, UTF-8 kept (for rows stored as text)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
