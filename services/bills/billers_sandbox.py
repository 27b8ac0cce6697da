"""The billers' sandbox: EVN electricity, water, internet, tuition and apartment fees.

One aiohttp app that plays every biller, seeded with invented customers. Its contract:

``GET /bills/{kind}/{customer_code}``
    ``{"kind", "customer_code", "holder", "bills": [{"period", "amount_vnd"}],
    "amount_vnd"}``: the customer's open bills and their total; 404 ``not_found``.
``POST /clearings`` ``{"kind", "customer_code", "amount_vnd", "reference"}``
    Pays the customer's open bills with the station's payment ``reference``:
    ``{"receipt_id", "reference"}``. The same reference again answers the same receipt
    (and so does the same ``Idempotency-Key``): a bill is never cleared twice. 409
    ``nothing_due`` (no open bill), ``amount_mismatch`` (not the total due).
``GET /status/clearings/{reference}``
    ``{"receipt_id"}`` of a clearing made with that reference; 404 ``not_found``.
``GET /_sandbox/records``
    Every clearing the biller made (for tests: nothing cleared twice).

The ``holder`` is an invented, masked household name (a resident checks it is theirs).
"""

from __future__ import annotations

import secrets
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from services.sandbox import DB, SandboxSettings, json_error, sandbox_app

__all__ = ["SEED", "billers_app"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    kind TEXT NOT NULL, customer_code TEXT NOT NULL, holder TEXT NOT NULL,
    PRIMARY KEY (kind, customer_code));
CREATE TABLE IF NOT EXISTS bills (
    kind TEXT NOT NULL, customer_code TEXT NOT NULL, period TEXT NOT NULL,
    amount_vnd INTEGER NOT NULL, reference TEXT,
    PRIMARY KEY (kind, customer_code, period));
CREATE TABLE IF NOT EXISTS clearings (
    reference TEXT PRIMARY KEY, kind TEXT NOT NULL, customer_code TEXT NOT NULL,
    amount_vnd INTEGER NOT NULL, receipt_id TEXT NOT NULL UNIQUE, at TEXT NOT NULL);
"""

#: Invented customers: (kind, code, masked holder, [(period, amount VND)]).
SEED: tuple[tuple[str, str, str, tuple[tuple[str, int], ...]], ...] = (
    ("electricity", "PE07000012345", "Trần T*** B", (("10/2026", 486_500),)),
    ("electricity", "PE04000098765", "Lê V*** C", (("09/2026", 312_000), ("10/2026", 298_700))),
    ("electricity", "PD12000054321", "Phạm T*** D", (("10/2026", 1_024_300),)),
    ("electricity", "PE01000000001", "Võ V*** E", ()),
    ("water", "NB2024001", "Đỗ T*** G", (("10/2026", 142_000),)),
    ("internet", "FTTH-7788123", "Hồ V*** H", (("11/2026", 220_000),)),
    ("tuition", "HS-0912345", "Ngô T*** K", (("HK1 2026-2027", 1_500_000),)),
    ("apartment", "A12-0508", "Bùi V*** L", (("11/2026", 650_000),)),
)


def _seed(db: sqlite3.Connection) -> None:
    with db:
        for kind, code, holder, bills in SEED:
            db.execute(
                "INSERT OR IGNORE INTO customers (kind, customer_code, holder) VALUES (?, ?, ?)",
                (kind, code, holder),
            )
            for period, amount in bills:
                db.execute(
                    "INSERT OR IGNORE INTO bills (kind, customer_code, period, amount_vnd)"
                    " VALUES (?, ?, ?, ?)",
                    (kind, code, period, amount),
                )


def _open_bills(db: sqlite3.Connection, kind: str, code: str) -> list[tuple[str, int]]:
    rows = db.execute(
        "SELECT period, amount_vnd FROM bills WHERE kind = ? AND customer_code = ?"
        " AND reference IS NULL ORDER BY period",
        (kind, code),
    ).fetchall()
    return [(str(r[0]), int(r[1])) for r in rows]


async def _bills(request: web.Request) -> web.Response:
    db = request.app[DB]
    kind, code = request.match_info["kind"], request.match_info["code"].upper()
    row = db.execute(
        "SELECT holder FROM customers WHERE kind = ? AND customer_code = ?", (kind, code)
    ).fetchone()
    if row is None:
        return json_error(404, "not_found")
    bills = _open_bills(db, kind, code)
    return web.json_response(
        {
            "kind": kind,
            "customer_code": code,
            "holder": row[0],
            "bills": [{"period": p, "amount_vnd": a} for p, a in bills],
            "amount_vnd": sum(a for _, a in bills),
        }
    )


async def _clear(request: web.Request) -> web.Response:
    db = request.app[DB]
    try:
        body = await request.json()
        kind, code = str(body["kind"]), str(body["customer_code"]).upper()
        amount, reference = body["amount_vnd"], str(body["reference"])
    except (ValueError, KeyError, TypeError):
        return json_error(400, "bad_request")
    if not isinstance(amount, int) or isinstance(amount, bool) or not reference:
        return json_error(400, "bad_request")
    with db:  # no await between the check and the writes: one request at a time here
        done = db.execute(
            "SELECT receipt_id FROM clearings WHERE reference = ?", (reference,)
        ).fetchone()
        if done is not None:
            return web.json_response({"receipt_id": done[0], "reference": reference})
        bills = _open_bills(db, kind, code)
        if not bills:
            return json_error(409, "nothing_due")
        if sum(a for _, a in bills) != amount:
            return json_error(409, "amount_mismatch")
        receipt = "BL" + secrets.token_hex(5).upper()
        db.execute(
            "UPDATE bills SET reference = ? WHERE kind = ? AND customer_code = ?"
            " AND reference IS NULL",
            (reference, kind, code),
        )
        db.execute(
            "INSERT INTO clearings (reference, kind, customer_code, amount_vnd, receipt_id, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (reference, kind, code, amount, receipt, datetime.now(UTC).isoformat()),
        )
    return web.json_response({"receipt_id": receipt, "reference": reference})


async def _status(request: web.Request) -> web.Response:
    row = (
        request.app[DB]
        .execute(
            "SELECT receipt_id FROM clearings WHERE reference = ?",
            (request.match_info["reference"],),
        )
        .fetchone()
    )
    if row is None:
        return json_error(404, "not_found")
    return web.json_response({"receipt_id": row[0]})


async def _records(request: web.Request) -> web.Response:
    rows = (
        request.app[DB]
        .execute(
            "SELECT reference, kind, customer_code, amount_vnd, receipt_id FROM clearings"
            " ORDER BY at"
        )
        .fetchall()
    )
    keys = ("reference", "kind", "customer_code", "amount_vnd", "receipt_id")
    return web.json_response({"clearings": [dict(zip(keys, r, strict=True)) for r in rows]})


def billers_app(db_path: Path, key: str, *, latency: float = 0.05) -> web.Application:
    """The billers' sandbox with its SQLite file at ``db_path`` and API key ``key``."""
    app = sandbox_app(SandboxSettings("billers", key, latency), db_path, schema=_SCHEMA)
    _seed(app[DB])
    app.router.add_get("/bills/{kind}/{code}", _bills)
    app.router.add_post("/clearings", _clear)
    app.router.add_get("/status/clearings/{reference}", _status)
    app.router.add_get("/_sandbox/records", _records)
    return app
