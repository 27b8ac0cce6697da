"""Vietnam Social Security (BHXH) as the station reaches it, and its sandbox.

The HTTP contract (JSON; ``X-Api-Key``; ``POST`` with an ``Idempotency-Key``):

* ``GET /members/{bhxh_number}`` → ``{"bhxh_number", "name", "card_code", "valid_to"}``
  (``card_code``/``valid_to`` null when the person has no BHYT card); 404 ``not_found``.
* ``GET /members/{bhxh_number}/contributions`` → ``{"bhxh_number", "periods": [{"month":
  "YYYY-MM", "employer", "amount"}]}`` (VND the month's contribution), oldest first.
* ``POST /bhyt/enrolments`` ``{"bhxh_number", "household_order" (1-5), "months"
  (3, 6, 12), "station_id"}`` → 201 ``{"reference", "kind": "new"|"renewal",
  "amount", "valid_from", "valid_to"}``; 400 ``bad_order``/``bad_months``; 404.

The household contribution (Law on Health Insurance, art. 13; Decree 146/2018/NĐ-CP,
art. 7): 4.5 % of the base salary a month for the first member, then 70 %, 60 %,
50 % and 40 % of that for the second, third, fourth and each further member. The
sandbox uses the base salary of 2,340,000 VND (from 1 July 2024).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from cabin.config import ProviderConfig
from services.insurance.card import InsuranceInputError, check_bhxh_number
from services.provider import ProviderClient, ProviderUnavailable, new_idempotency_key
from services.sandbox import DB, SandboxSettings, json_error, sandbox_app

__all__ = [
    "BASE_SALARY",
    "Contribution",
    "Enrolment",
    "MONTHS",
    "Member",
    "PROVIDER",
    "SocialSecurity",
    "bhxh_sandbox",
    "household_fee",
]

PROVIDER = "bhxh"
BASE_SALARY = 2_340_000  # VND a month, from 1 July 2024 (Decree 73/2024/NĐ-CP)
_SHARES = (1.0, 0.7, 0.6, 0.5, 0.4)
MONTHS = (3, 6, 12)


def household_fee(order: int, months: int, base_salary: int = BASE_SALARY) -> int:
    """VND for ``months`` of household BHYT for the ``order``-th member (1 = first)."""
    if not 1 <= order <= 5 or months not in MONTHS:
        raise ValueError("order 1-5 and months 3, 6 or 12")
    return round(base_salary * 0.045 * _SHARES[order - 1] * months)


@dataclass(frozen=True, slots=True)
class Member:
    bhxh_number: str
    name: str
    card_code: str | None
    valid_to: date | None


@dataclass(frozen=True, slots=True)
class Contribution:
    month: str  # YYYY-MM
    employer: str
    amount: int  # VND


@dataclass(frozen=True, slots=True)
class Enrolment:
    reference: str
    kind: str  # "new" or "renewal"
    amount: int  # VND
    valid_from: date
    valid_to: date


class SocialSecurity:
    """The station's side. Every method raises :class:`ProviderUnavailable` or
    :class:`services.provider.ProviderRejected` (``not_found``...)."""

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config

    async def member(self, bhxh_number: str) -> Member:
        async with ProviderClient(PROVIDER, self.config) as client:
            data = await client.get(f"/members/{bhxh_number}")
        try:
            valid_to = data.get("valid_to")
            return Member(
                str(data["bhxh_number"]),
                str(data["name"]),
                data.get("card_code") if isinstance(data.get("card_code"), str) else None,
                date.fromisoformat(valid_to) if isinstance(valid_to, str) else None,
            )
        except (KeyError, ValueError):
            raise ProviderUnavailable(PROVIDER, "bad_answer") from None

    async def contributions(self, bhxh_number: str) -> list[Contribution]:
        async with ProviderClient(PROVIDER, self.config) as client:
            data = await client.get(f"/members/{bhxh_number}/contributions")
        try:
            return [
                Contribution(str(p["month"]), str(p["employer"]), int(p["amount"]))
                for p in data["periods"]
            ]
        except (KeyError, TypeError, ValueError):
            raise ProviderUnavailable(PROVIDER, "bad_answer") from None

    async def enrol(
        self, bhxh_number: str, order: int, months: int, station_id: str, key: str | None = None
    ) -> Enrolment:
        body = {
            "bhxh_number": bhxh_number,
            "household_order": order,
            "months": months,
            "station_id": station_id,
        }
        async with ProviderClient(PROVIDER, self.config) as client:
            data = await client.post(
                "/bhyt/enrolments", body, idempotency_key=key or new_idempotency_key()
            )
        try:
            return Enrolment(
                str(data["reference"]),
                str(data["kind"]),
                int(data["amount"]),
                date.fromisoformat(data["valid_from"]),
                date.fromisoformat(data["valid_to"]),
            )
        except (KeyError, TypeError, ValueError):
            raise ProviderUnavailable(PROVIDER, "bad_answer") from None


# --- the sandbox ---------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS members (
    bhxh_number TEXT PRIMARY KEY, name TEXT NOT NULL, card_code TEXT, valid_to TEXT
);
CREATE TABLE IF NOT EXISTS contributions (
    bhxh_number TEXT NOT NULL, month TEXT NOT NULL, employer TEXT NOT NULL,
    amount INTEGER NOT NULL, PRIMARY KEY (bhxh_number, month)
);
CREATE TABLE IF NOT EXISTS enrolments (
    reference TEXT PRIMARY KEY, bhxh_number TEXT NOT NULL, household_order INTEGER NOT NULL,
    months INTEGER NOT NULL, amount INTEGER NOT NULL, kind TEXT NOT NULL,
    valid_from TEXT NOT NULL, valid_to TEXT NOT NULL, station_id TEXT NOT NULL,
    created TEXT NOT NULL
);
"""

# Invented people (no such numbers are known to be issued).
SEED_MEMBERS = (
    ("7912345678", "Nguyễn Thị Thử", "GD4797912345678", "2025-12-31"),
    ("7998765432", "Trần Văn Mẫu", "HT2797998765432", "2026-06-30"),
    ("7900000001", "Lê Minh Ví Dụ", None, None),
)
SEED_CONTRIBUTIONS = (
    ("7998765432", "Công ty TNHH Thử Nghiệm", 1_050_000, ("2024-01", "2024-02", "2024-03")),
    ("7998765432", "Công ty Cổ phần Mẫu Số Một", 1_120_000, ("2024-04", "2024-05", "2024-06")),
)


def _seed(db: Any) -> None:
    with db:
        db.executemany("INSERT OR IGNORE INTO members VALUES (?, ?, ?, ?)", SEED_MEMBERS)
        for number, employer, amount, months in SEED_CONTRIBUTIONS:
            db.executemany(
                "INSERT OR IGNORE INTO contributions VALUES (?, ?, ?, ?)",
                [(number, month, employer, amount) for month in months],
            )


def _number(request: web.Request) -> str | None:
    try:
        return check_bhxh_number(request.match_info["number"])
    except InsuranceInputError:
        return None


async def _member(request: web.Request) -> web.Response:
    number = _number(request)
    row = (
        None
        if number is None
        else request.app[DB]
        .execute(
            "SELECT bhxh_number, name, card_code, valid_to FROM members WHERE bhxh_number = ?",
            (number,),
        )
        .fetchone()
    )
    if row is None:
        return json_error(404, "not_found")
    return web.json_response(
        {"bhxh_number": row[0], "name": row[1], "card_code": row[2], "valid_to": row[3]}
    )


async def _contributions(request: web.Request) -> web.Response:
    number = _number(request)
    db = request.app[DB]
    if (
        number is None
        or not db.execute("SELECT 1 FROM members WHERE bhxh_number = ?", (number,)).fetchone()
    ):
        return json_error(404, "not_found")
    rows = db.execute(
        "SELECT month, employer, amount FROM contributions WHERE bhxh_number = ? ORDER BY month",
        (number,),
    ).fetchall()
    periods = [{"month": m, "employer": e, "amount": a} for m, e, a in rows]
    return web.json_response({"bhxh_number": number, "periods": periods})


def _add_months(start: date, months: int) -> date:
    month = start.month - 1 + months
    year = start.year + month // 12
    return date(year, month % 12 + 1, min(start.day, 28))


async def _enrol(request: web.Request) -> web.Response:
    body = await request.json()
    if not isinstance(body, dict):
        return json_error(400, "bad_json")
    try:
        number = check_bhxh_number(str(body.get("bhxh_number", "")))
    except InsuranceInputError:
        return json_error(400, "bad_bhxh")
    order, months = body.get("household_order"), body.get("months")
    if not isinstance(order, int) or not 1 <= order <= 5:
        return json_error(400, "bad_order")
    if months not in MONTHS:
        return json_error(400, "bad_months")
    db = request.app[DB]
    row = db.execute(
        "SELECT card_code, valid_to FROM members WHERE bhxh_number = ?", (number,)
    ).fetchone()
    if row is None:
        return json_error(404, "not_found")
    today = datetime.now(UTC).date()
    current = date.fromisoformat(row[1]) if row[1] else None
    kind = "renewal" if row[0] else "new"
    start = max(today, current + timedelta(days=1)) if current else today
    end = _add_months(start, int(months)) - timedelta(days=1)
    amount = household_fee(order, int(months))
    reference = f"BH-{secrets.token_hex(4).upper()}"
    code = row[0] or f"GD4{number[:2]}{number}"
    with db:
        db.execute(
            "INSERT INTO enrolments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                reference,
                number,
                order,
                months,
                amount,
                kind,
                start.isoformat(),
                end.isoformat(),
                str(body.get("station_id", "")),
                datetime.now(UTC).isoformat(timespec="seconds"),
            ),
        )
        db.execute(
            "UPDATE members SET card_code = ?, valid_to = ? WHERE bhxh_number = ?",
            (code, end.isoformat(), number),
        )
    return web.json_response(
        {
            "reference": reference,
            "kind": kind,
            "amount": amount,
            "valid_from": start.isoformat(),
            "valid_to": end.isoformat(),
        },
        status=201,
    )


def bhxh_sandbox(db_path: Path, key: str, *, latency: float = 0.05) -> web.Application:
    """Social security for demos and tests: a few invented members, in ``db_path``."""
    app = sandbox_app(SandboxSettings(PROVIDER, key, latency), db_path, schema=_SCHEMA)
    _seed(app[DB])
    app.router.add_get("/members/{number}", _member)
    app.router.add_get("/members/{number}/contributions", _contributions)
    app.router.add_post("/bhyt/enrolments", _enrol)
    return app
