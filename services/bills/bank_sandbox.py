"""The bank's sandbox: payment orders for a VietQR, the resident's payment, signed callbacks.

Its contract (every request with ``X-Api-Key``):

``POST /orders`` ``{"reference", "amount_vnd", "purpose", "callback_url"}``
    Opens a payment order into the station's account: ``{"reference", "bin",
    "account", "state"}``. The same reference again answers the same order (409
    ``conflict`` if its amount differs).
``GET /orders/{reference}``
    ``{"reference", "amount_vnd", "state", "bank_txn"}``; ``state`` is ``open``,
    ``paid`` or ``refunded``; 404 ``not_found``.
``POST /refunds`` ``{"reference", "bank_txn", "amount_vnd"}``
    Gives a paid order's money back: ``{"refund_id"}``; the same order again answers
    the same refund (never refunded twice); 409 ``not_paid``.

And for demos and tests, what a real bank does on its own:

``POST /_sandbox/pay`` ``{"reference", "copies": 1, "delay": 0.0, "bad_signature": false}``
    The resident scanned the QR and paid: the order becomes ``paid`` with a new bank
    transaction id (``{"bank_txn"}``), and the callback is sent ``copies`` times
    after ``delay`` seconds, in the background. 409 ``already_paid`` (a banking app
    does not pay a settled order twice).
``POST /_sandbox/resend`` ``{"reference", "delay": 0.0}``
    Sends the paid order's callback again (late, duplicate, out of order).
``GET /_sandbox/records``
    Orders, refunds and every callback delivery with the answer's status.

**The callback** is ``POST callback_url`` with the JSON body ``{"reference",
"bank_txn", "amount_vnd", "paid_at"}`` and the header ``X-Signature``: the hex
HMAC-SHA256 of the raw body under the shared secret (here the sandbox's key). A
delivery that gets no 2xx is tried again three times, 0.2 s apart, then given up
(the station asks ``GET /orders/{reference}`` when it starts).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from aiohttp import web

from services.sandbox import DB, SANDBOX_KEY, SandboxSettings, json_error, sandbox_app

__all__ = ["STATION_ACCOUNT", "STATION_BIN", "bank_app"]

#: The station's receiving account at the sandbox bank (invented; the BIN is a real
#: bank's 6-digit identifier so banking apps' parsers accept the QR).
STATION_BIN = "970436"
STATION_ACCOUNT = "0071000912345"

_TASKS: web.AppKey[set[asyncio.Task[None]]] = web.AppKey("bank_tasks")
_SESSION = web.AppKey("bank_session", aiohttp.ClientSession)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    reference TEXT PRIMARY KEY, amount_vnd INTEGER NOT NULL, purpose TEXT NOT NULL,
    callback_url TEXT NOT NULL, state TEXT NOT NULL, bank_txn TEXT UNIQUE,
    paid_at TEXT);
CREATE TABLE IF NOT EXISTS refunds (
    reference TEXT PRIMARY KEY, refund_id TEXT NOT NULL UNIQUE, bank_txn TEXT NOT NULL,
    amount_vnd INTEGER NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT, reference TEXT NOT NULL, status INTEGER NOT NULL,
    at TEXT NOT NULL);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat()


async def _body(request: web.Request) -> dict[str, object] | None:
    try:
        data = await request.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _order(request: web.Request, reference: str) -> tuple[object, ...] | None:
    row: tuple[object, ...] | None = (
        request.app[DB]
        .execute(
            "SELECT reference, amount_vnd, state, bank_txn, callback_url, paid_at"
            " FROM orders WHERE reference = ?",
            (reference,),
        )
        .fetchone()
    )
    return row


async def _create_order(request: web.Request) -> web.Response:
    body = await _body(request)
    if body is None:
        return json_error(400, "bad_request")
    reference, amount = str(body.get("reference", "")), body.get("amount_vnd")
    callback, purpose = str(body.get("callback_url", "")), str(body.get("purpose", ""))
    if not reference or not callback or not isinstance(amount, int) or amount <= 0:
        return json_error(400, "bad_request")
    row = _order(request, reference)
    if row is not None and row[1] != amount:
        return json_error(409, "conflict")
    if row is None:
        request.app[DB].execute(
            "INSERT INTO orders (reference, amount_vnd, purpose, callback_url, state)"
            " VALUES (?, ?, ?, ?, 'open')",
            (reference, amount, purpose, callback),
        )
    else:  # the station restarted on another port: call it there from now on
        request.app[DB].execute(
            "UPDATE orders SET callback_url = ? WHERE reference = ?", (callback, reference)
        )
    state = "open" if row is None else row[2]
    return web.json_response(
        {"reference": reference, "bin": STATION_BIN, "account": STATION_ACCOUNT, "state": state}
    )


async def _get_order(request: web.Request) -> web.Response:
    row = _order(request, request.match_info["reference"])
    if row is None:
        return json_error(404, "not_found")
    return web.json_response(
        {"reference": row[0], "amount_vnd": row[1], "state": row[2], "bank_txn": row[3]}
    )


async def _refund(request: web.Request) -> web.Response:
    body = await _body(request)
    if body is None:
        return json_error(400, "bad_request")
    reference = str(body.get("reference", ""))
    db = request.app[DB]
    done = db.execute("SELECT refund_id FROM refunds WHERE reference = ?", (reference,)).fetchone()
    if done is not None:
        return web.json_response({"refund_id": done[0]})
    row = _order(request, reference)
    if row is None or row[2] != "paid" or row[3] != body.get("bank_txn"):
        return json_error(409, "not_paid")
    refund_id = "RF" + secrets.token_hex(5).upper()
    db.execute(
        "INSERT INTO refunds (reference, refund_id, bank_txn, amount_vnd, at)"
        " VALUES (?, ?, ?, ?, ?)",
        (reference, refund_id, row[3], row[1], _now()),
    )
    db.execute("UPDATE orders SET state = 'refunded' WHERE reference = ?", (reference,))
    return web.json_response({"refund_id": refund_id})


def _signed_body(app: web.Application, row: tuple[object, ...], bad: bool) -> tuple[bytes, str]:
    body = json.dumps(
        {"reference": row[0], "bank_txn": row[3], "amount_vnd": row[1], "paid_at": row[5]},
        separators=(",", ":"),
    ).encode("utf-8")
    secret = app[SANDBOX_KEY].key.encode("utf-8")
    signature = hmac.new(secret, body, hashlib.sha256).hexdigest()
    if bad:
        signature = hmac.new(b"not-the-secret", body, hashlib.sha256).hexdigest()
    return body, signature


async def _deliver(app: web.Application, reference: str, delay: float, bad: bool) -> None:
    await asyncio.sleep(delay)
    db = app[DB]
    row = db.execute(
        "SELECT reference, amount_vnd, state, bank_txn, callback_url, paid_at"
        " FROM orders WHERE reference = ?",
        (reference,),
    ).fetchone()
    if row is None:
        return
    body, signature = _signed_body(app, row, bad)
    for _ in range(4):
        status = 0
        try:
            async with app[_SESSION].post(
                str(row[4]),
                data=body,
                headers={"Content-Type": "application/json", "X-Signature": signature},
                timeout=aiohttp.ClientTimeout(total=5),
            ) as response:
                status = response.status
        except (aiohttp.ClientError, OSError, TimeoutError):
            status = 0
        db.execute(
            "INSERT INTO deliveries (reference, status, at) VALUES (?, ?, ?)",
            (reference, status, _now()),
        )
        if 200 <= status < 300 or status in (401, 409):
            return
        await asyncio.sleep(0.2)


def _spawn(app: web.Application, reference: str, delay: float, bad: bool) -> None:
    task = asyncio.create_task(_deliver(app, reference, delay, bad))
    app[_TASKS].add(task)
    task.add_done_callback(app[_TASKS].discard)


async def _pay(request: web.Request) -> web.Response:
    body = await _body(request)
    if body is None:
        return json_error(400, "bad_request")
    reference = str(body.get("reference", ""))
    row = _order(request, reference)
    if row is None:
        return json_error(404, "not_found")
    if row[2] != "open":
        return json_error(409, "already_paid")
    bank_txn = "FT" + secrets.token_hex(6).upper()
    request.app[DB].execute(
        "UPDATE orders SET state = 'paid', bank_txn = ?, paid_at = ? WHERE reference = ?",
        (bank_txn, _now(), reference),
    )
    copies = int(str(body.get("copies", 1)))
    delay = float(str(body.get("delay", 0.0)))
    for _ in range(max(copies, 1)):
        _spawn(request.app, reference, delay, bool(body.get("bad_signature", False)))
    return web.json_response({"bank_txn": bank_txn})


async def _resend(request: web.Request) -> web.Response:
    body = await _body(request)
    if body is None:
        return json_error(400, "bad_request")
    reference = str(body.get("reference", ""))
    row = _order(request, reference)
    if row is None or row[3] is None:
        return json_error(409, "not_paid")
    _spawn(request.app, reference, float(str(body.get("delay", 0.0))), False)
    return web.json_response({"bank_txn": row[3]})


async def _records(request: web.Request) -> web.Response:
    db = request.app[DB]
    orders = db.execute(
        "SELECT reference, amount_vnd, state, bank_txn FROM orders ORDER BY rowid"
    ).fetchall()
    refunds = db.execute(
        "SELECT reference, refund_id, bank_txn, amount_vnd FROM refunds ORDER BY at"
    ).fetchall()
    deliveries = db.execute("SELECT reference, status FROM deliveries ORDER BY id").fetchall()
    return web.json_response(
        {
            "orders": [
                dict(zip(("reference", "amount_vnd", "state", "bank_txn"), r, strict=True))
                for r in orders
            ],
            "refunds": [
                dict(zip(("reference", "refund_id", "bank_txn", "amount_vnd"), r, strict=True))
                for r in refunds
            ],
            "deliveries": [{"reference": r[0], "status": r[1]} for r in deliveries],
        }
    )


def bank_app(db_path: Path, key: str, *, latency: float = 0.05) -> web.Application:
    """The bank's sandbox with its SQLite file at ``db_path``; ``key`` also signs callbacks."""
    app = sandbox_app(SandboxSettings("bank", key, latency), db_path, schema=_SCHEMA)
    app[_TASKS] = set()

    async def open_session(app: web.Application) -> None:
        app[_SESSION] = aiohttp.ClientSession()

    async def close_session(app: web.Application) -> None:
        running = app[_TASKS]
        tasks = list(running)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await app[_SESSION].close()

    app.on_startup.append(open_session)
    app.on_cleanup.insert(0, close_session)
    app.router.add_post("/orders", _create_order)
    app.router.add_get("/orders/{reference}", _get_order)
    app.router.add_post("/refunds", _refund)
    app.router.add_post("/_sandbox/pay", _pay)
    app.router.add_post("/_sandbox/resend", _resend)
    app.router.add_get("/_sandbox/records", _records)
    return app
