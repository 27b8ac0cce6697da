"""The sandbox public-service portal (``dvc``): dossiers in, codes and states out.

The HTTP contract (JSON; ``X-Api-Key``; ``POST`` with ``Idempotency-Key``):

* ``POST /dossiers`` ``{"procedure", "cccd", "fields": {...}, "documents": [...],
  "fee_vnd"}`` -> 201 ``{"code", "state": 1, "fee_vnd"}``; the same key again
  gives the same answer (the base's replay).
* ``GET /dossiers/{code}`` -> the dossier: ``code, procedure, state, fee_vnd, paid,
  history: [{"state", "at"}]`` (404 ``not_found``).
* ``GET /dossiers?cccd=...`` -> ``{"dossiers": [...]}``, newest first.
* ``POST /dossiers/{code}/payment`` ``{"reference", "amount_vnd"}``: the fee paid;
  a dossier waiting in state 6 goes on to 4.
* ``POST /dossiers/{code}/advance`` ``{"state": n}`` (a test and demo endpoint): move
  to ``n``, or to the next state on the usual path without a body.

States move on by themselves too, one step every ``step_seconds`` along
1 -> 2 -> (6 while the fee is unpaid) -> 4 -> 9 -> 10; 3, 7, 8 and 10 end.
Codes are ``<agency>-YYMMDD-NNNN`` with a running number per agency and day.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from services.dossier.codes import TERMINAL, DossierState, parse_dossier_code
from services.dossier.procedures import PROCEDURES
from services.sandbox.base import DB, SandboxSettings, dump, json_error, sandbox_app

__all__ = ["AGENCIES", "STEP_SECONDS", "dvc_app"]

STEP_SECONDS = web.AppKey("dvc_step_seconds", float)
_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")

#: The receiving agency of each procedure (invented units under Quảng Ninh, H49).
AGENCIES = {
    "temporary_residence": "000.21.07.H49",  # a ward police station
    "criminal_record": "000.00.14.H49",  # the provincial justice department
    "birth_bundle": "000.31.07.H49",  # a ward People's Committee
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS dossiers (
    code TEXT PRIMARY KEY, procedure TEXT NOT NULL, cccd TEXT NOT NULL, body TEXT NOT NULL,
    fee_vnd INTEGER NOT NULL, paid_reference TEXT, state INTEGER NOT NULL,
    changed_at TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS dossiers_cccd ON dossiers (cccd);
CREATE TABLE IF NOT EXISTS history (
    code TEXT NOT NULL, state INTEGER NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sequences (
    agency TEXT NOT NULL, day TEXT NOT NULL, last INTEGER NOT NULL, PRIMARY KEY (agency, day));
"""

_NEXT = {
    DossierState.REGISTERED: DossierState.ACCEPTED,
    DossierState.ACCEPTED: DossierState.PROCESSING,
    DossierState.SUPPLEMENT: DossierState.PROCESSING,
    DossierState.FEE_DUE: DossierState.PROCESSING,
    DossierState.PROCESSING: DossierState.DONE,
    DossierState.DONE: DossierState.RETURNED,
}


def _now() -> datetime:
    return datetime.now(UTC)


def _next_state(state: DossierState, fee_due: bool) -> DossierState | None:
    if state == DossierState.ACCEPTED and fee_due:
        return DossierState.FEE_DUE
    if state == DossierState.FEE_DUE and fee_due:
        return None  # waits for the payment
    return _NEXT.get(state)


def _set_state(db: sqlite3.Connection, code: str, state: DossierState, at: datetime) -> None:
    db.execute(
        "UPDATE dossiers SET state = ?, changed_at = ? WHERE code = ?",
        (int(state), at.isoformat(), code),
    )
    db.execute("INSERT INTO history VALUES (?, ?, ?)", (code, int(state), at.isoformat()))


def _catch_up(app: web.Application, code: str) -> None:
    """Move a dossier on by the steps its age allows."""
    step = app[STEP_SECONDS]
    if step <= 0:
        return
    db = app[DB]
    with db:
        row = db.execute(
            "SELECT state, changed_at, fee_vnd, paid_reference FROM dossiers WHERE code = ?",
            (code,),
        ).fetchone()
        if row is None:
            return
        state, changed = DossierState(row[0]), datetime.fromisoformat(row[1])
        fee_due = row[2] > 0 and row[3] is None
        now = _now()
        while state not in TERMINAL and now - changed >= timedelta(seconds=step):
            following = _next_state(state, fee_due)
            if following is None:
                break
            changed += timedelta(seconds=step)
            state = following
            _set_state(db, code, state, changed)


def _view(db: sqlite3.Connection, code: str) -> dict[str, Any] | None:
    row = db.execute(
        "SELECT code, procedure, state, fee_vnd, paid_reference, created_at FROM dossiers"
        " WHERE code = ?",
        (code,),
    ).fetchone()
    if row is None:
        return None
    history = db.execute(
        "SELECT state, at FROM history WHERE code = ? ORDER BY rowid", (code,)
    ).fetchall()
    return {
        "code": row[0],
        "procedure": row[1],
        "state": row[2],
        "fee_vnd": row[3],
        "paid": row[4] is not None,
        "created_at": row[5],
        "history": [{"state": s, "at": at} for s, at in history],
    }


def _new_code(db: sqlite3.Connection, agency: str, now: datetime) -> str:
    day = now.astimezone(_ZONE).strftime("%y%m%d")
    db.execute(
        "INSERT INTO sequences VALUES (?, ?, 1)"
        " ON CONFLICT (agency, day) DO UPDATE SET last = last + 1",
        (agency, day),
    )
    (last,) = db.execute(
        "SELECT last FROM sequences WHERE agency = ? AND day = ?", (agency, day)
    ).fetchone()
    return f"{agency}-{day}-{last:04d}"


async def _body(request: web.Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


async def submit(request: web.Request) -> web.Response:
    body = await _body(request)
    if body is None:
        return json_error(400, "bad_json")
    procedure = body.get("procedure")
    cccd = body.get("cccd")
    fee = body.get("fee_vnd", 0)
    if procedure not in PROCEDURES:
        return json_error(422, "unknown_procedure")
    if not isinstance(cccd, str) or not cccd.isdigit() or len(cccd) != 12:
        return json_error(422, "bad_cccd")
    if not isinstance(fee, int) or fee < 0 or not isinstance(body.get("fields"), dict):
        return json_error(422, "bad_dossier")
    db = request.app[DB]
    now = _now()
    with db:
        code = _new_code(db, AGENCIES[procedure], now)
        db.execute(
            "INSERT INTO dossiers VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)",
            (code, procedure, cccd, dump(body), fee, 1, now.isoformat(), now.isoformat()),
        )
        db.execute("INSERT INTO history VALUES (?, ?, ?)", (code, 1, now.isoformat()))
    return web.json_response({"code": code, "state": 1, "fee_vnd": fee}, status=201)


def _code(request: web.Request) -> str | None:
    code = request.match_info["code"]
    try:
        parse_dossier_code(code)
    except ValueError:
        return None
    return code


async def lookup(request: web.Request) -> web.Response:
    code = _code(request)
    if code is None:
        return json_error(400, "bad_code")
    _catch_up(request.app, code)
    view = _view(request.app[DB], code)
    if view is None:
        return json_error(404, "not_found")
    return web.json_response(view)


async def by_cccd(request: web.Request) -> web.Response:
    cccd = request.query.get("cccd", "")
    if not cccd.isdigit() or len(cccd) != 12:
        return json_error(400, "bad_cccd")
    db = request.app[DB]
    codes = [
        row[0]
        for row in db.execute(
            "SELECT code FROM dossiers WHERE cccd = ? ORDER BY created_at DESC, code DESC",
            (cccd,),
        )
    ]
    views = []
    for code in codes:
        _catch_up(request.app, code)
        views.append(_view(db, code))
    return web.json_response({"dossiers": views})


async def pay(request: web.Request) -> web.Response:
    code = _code(request)
    body = await _body(request)
    if code is None or body is None or not isinstance(body.get("reference"), str):
        return json_error(400, "bad_payment")
    db = request.app[DB]
    with db:
        row = db.execute(
            "SELECT fee_vnd, paid_reference, state FROM dossiers WHERE code = ?", (code,)
        ).fetchone()
        if row is None:
            return json_error(404, "not_found")
        if body.get("amount_vnd") != row[0]:
            return json_error(422, "wrong_amount")
        if row[1] is None:
            db.execute(
                "UPDATE dossiers SET paid_reference = ? WHERE code = ?", (body["reference"], code)
            )
            if row[2] == DossierState.FEE_DUE:
                _set_state(db, code, DossierState.PROCESSING, _now())
        elif row[1] != body["reference"]:
            return json_error(409, "already_paid")
    view = _view(db, code)
    return web.json_response(view)


async def advance(request: web.Request) -> web.Response:
    code = _code(request)
    if code is None:
        return json_error(400, "bad_code")
    body = await _body(request) if request.can_read_body else {}
    db = request.app[DB]
    with db:
        row = db.execute(
            "SELECT state, fee_vnd, paid_reference FROM dossiers WHERE code = ?", (code,)
        ).fetchone()
        if row is None:
            return json_error(404, "not_found")
        state = DossierState(row[0])
        if state in TERMINAL:
            return json_error(409, "terminal")
        wanted = (body or {}).get("state")
        if wanted is None:
            target = _next_state(state, row[1] > 0 and row[2] is None)
            if target is None:
                return json_error(409, "fee_unpaid")
        else:
            try:
                target = DossierState(int(wanted))
            except (TypeError, ValueError):
                return json_error(422, "bad_state")
        _set_state(db, code, target, _now())
    return web.json_response(_view(db, code))


def dvc_app(
    db_path: Path, key: str, *, latency: float = 0.3, step_seconds: float = 120.0
) -> web.Application:
    """The sandbox portal on ``db_path`` answering to ``key``.

    Args:
        latency: seconds each answer takes (a government portal is not instant).
        step_seconds: seconds between the automatic state changes (0: only on request).
    """
    app = sandbox_app(SandboxSettings("dvc", key, latency), db_path, schema=_SCHEMA)
    app[STEP_SECONDS] = step_seconds
    app.router.add_post("/dossiers", submit)
    app.router.add_get("/dossiers", by_cccd)
    app.router.add_get("/dossiers/{code}", lookup)
    app.router.add_post("/dossiers/{code}/payment", pay)
    app.router.add_post("/dossiers/{code}/advance", advance)
    return app
