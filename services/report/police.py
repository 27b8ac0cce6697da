"""The ward police's report desk, as the station reaches it, and its sandbox.

The HTTP contract (JSON; ``X-Api-Key``; ``POST`` with an ``Idempotency-Key``):

* ``POST /reports`` ``{"category", "description", "station_id", "photos": [base64 JPEG],
  "reporter": {"name", "id_number"} | null, "phone"}`` → 201 ``{"code", "status"}``;
  400 ``{"error": "bad_category" | "bad_description" | "bad_photos" | "bad_reporter"}``.
* ``GET /reports/{code}`` → ``{"code", "status", "category", "answer"}``; 404 ``not_found``.
* ``POST /reports/{code}/answer`` ``{"answer", "status"}`` (the police's side; the
  sandbox's tests and demos use it) → ``{"code", "status"}``.

:class:`PoliceDesk` is the station's adapter; :func:`police_sandbox` the sandbox,
keeping reports in its own SQLite file.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from cabin.config import ProviderConfig
from services.provider import ProviderClient, ProviderUnavailable, new_idempotency_key
from services.report.model import (
    MAX_PHOTOS,
    Category,
    Report,
    ReportStatus,
    check_description,
    new_tracking_code,
    normalise_tracking_code,
)
from services.sandbox import DB, SandboxSettings, dump, json_error, sandbox_app

__all__ = ["PROVIDER", "PoliceDesk", "police_sandbox"]

PROVIDER = "police"
_STATUSES = ("received", "in_progress", "resolved")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    code TEXT PRIMARY KEY,
    category TEXT NOT NULL,
    description TEXT NOT NULL,
    station_id TEXT NOT NULL,
    photos TEXT NOT NULL,
    reporter TEXT,
    phone TEXT NOT NULL,
    created TEXT NOT NULL,
    status TEXT NOT NULL,
    answer TEXT,
    answered TEXT
);
"""


class PoliceDesk:
    """The station's side: send a report, look up its answer.

    Raises (every method): :class:`services.provider.ProviderUnavailable` (nothing
    known to have happened; the resident's report is kept and can be sent again with
    the same key) or :class:`services.provider.ProviderRejected`.
    """

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config

    async def submit(self, report: Report, idempotency_key: str | None = None) -> str:
        """Send ``report``; its tracking code. Reuse ``idempotency_key`` on a retry."""
        body: dict[str, Any] = {
            "category": report.category.value,
            "description": report.description,
            "station_id": report.station_id,
            "photos": [base64.b64encode(photo).decode("ascii") for photo in report.photos],
            "reporter": None
            if report.reporter is None
            else {"name": report.reporter.name, "id_number": report.reporter.id_number},
            "phone": report.phone,
        }
        async with ProviderClient(PROVIDER, self.config) as client:
            answer = await client.post(
                "/reports", body, idempotency_key=idempotency_key or new_idempotency_key()
            )
        code = answer.get("code")
        if not isinstance(code, str):
            raise ProviderUnavailable(PROVIDER, "bad_answer")
        return code

    async def lookup(self, code: str) -> ReportStatus:
        """What the police say about the report ``code`` (``PA-dddd-dddd``)."""
        async with ProviderClient(PROVIDER, self.config) as client:
            answer = await client.get(f"/reports/{code}")
        try:
            return ReportStatus(
                code=str(answer["code"]),
                status=str(answer["status"]),
                category=Category(answer["category"]),
                answer=answer.get("answer") if isinstance(answer.get("answer"), str) else None,
            )
        except (KeyError, ValueError):
            raise ProviderUnavailable(PROVIDER, "bad_answer") from None


# --- the sandbox ---------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


async def _create(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        return json_error(400, "bad_json")
    if not isinstance(body, dict):
        return json_error(400, "bad_json")
    try:
        category = Category(body.get("category"))
    except ValueError:
        return json_error(400, "bad_category")
    try:
        description = check_description(str(body.get("description", "")))
    except ValueError:
        return json_error(400, "bad_description")
    photos = body.get("photos", [])
    if not isinstance(photos, list) or len(photos) > MAX_PHOTOS:
        return json_error(400, "bad_photos")
    try:
        sizes = [len(base64.b64decode(photo, validate=True)) for photo in photos]
    except (binascii.Error, TypeError, ValueError):
        return json_error(400, "bad_photos")
    reporter = body.get("reporter")
    if reporter is not None and not (
        isinstance(reporter, dict) and reporter.get("name") and reporter.get("id_number")
    ):
        return json_error(400, "bad_reporter")
    db = request.app[DB]
    code = new_tracking_code()
    while db.execute("SELECT 1 FROM reports WHERE code = ?", (code,)).fetchone():
        code = new_tracking_code()
    with db:
        db.execute(
            "INSERT INTO reports (code, category, description, station_id, photos, reporter,"
            " phone, created, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'received')",
            (
                code,
                category.value,
                description,
                str(body.get("station_id", "")),
                dump(sizes),
                None if reporter is None else dump(reporter),
                str(body.get("phone", "")),
                _now(),
            ),
        )
    return web.json_response({"code": code, "status": "received"}, status=201)


def _code(request: web.Request) -> str | None:
    try:
        return normalise_tracking_code(request.match_info["code"])
    except ValueError:
        return None


async def _get(request: web.Request) -> web.Response:
    code = _code(request)
    row = (
        None
        if code is None
        else request.app[DB]
        .execute("SELECT code, status, category, answer FROM reports WHERE code = ?", (code,))
        .fetchone()
    )
    if row is None:
        return json_error(404, "not_found")
    return web.json_response(
        {"code": row[0], "status": row[1], "category": row[2], "answer": row[3]}
    )


async def _answer(request: web.Request) -> web.Response:
    code = _code(request)
    body = await request.json()
    status = body.get("status", "resolved") if isinstance(body, dict) else None
    text = body.get("answer") if isinstance(body, dict) else None
    if status not in _STATUSES or not isinstance(text, str) or not text.strip():
        return json_error(400, "bad_answer")
    db = request.app[DB]
    with db:
        changed = db.execute(
            "UPDATE reports SET status = ?, answer = ?, answered = ? WHERE code = ?",
            (status, text.strip(), _now(), code),
        ).rowcount
    if not changed:
        return json_error(404, "not_found")
    return web.json_response({"code": code, "status": status})


def police_sandbox(db_path: Path, key: str, *, latency: float = 0.05) -> web.Application:
    """The ward police's report desk, for demos and tests, its reports in ``db_path``."""
    app = sandbox_app(SandboxSettings(PROVIDER, key, latency), db_path, schema=_SCHEMA)
    app.router.add_post("/reports", _create)
    app.router.add_get("/reports/{code}", _get)
    app.router.add_post("/reports/{code}/answer", _answer)
    return app
