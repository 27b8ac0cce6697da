"""SOS from the station: raise an alert, make sure the portal has it, follow its state.

The station makes each alert's id, so sending it again (after a time-out, a lost
answer or a restart) can never make a second alert: the portal answers a repeat
with the alert it already has (see :mod:`video.portal.alerts`). An alert carries
the station, the time and the id; nothing about the resident.

Every alert not yet closed is kept in a small JSON file (written whole, then
renamed over the old one) until the portal says it is resolved or cancelled, so
a station that restarts sends it again and goes on following it. Sending is
retried with a short backoff (0.25 s, doubling, at most :data:`MAX_BACKOFF`)
for as long as it takes; nothing gives up on an alert.

States (:class:`AlertPhase`): ``sending`` (the portal has not answered yet),
``sent`` (the portal has it; no operator yet), ``escalated`` (nobody answered in
time: the portal alerted every operator again), ``acknowledged`` (an operator
took it, with the time), ``resolved``, ``cancelling`` / ``cancelled`` (the
resident's false alarm). No Qt here: the kiosk's screen listens to ``on_change``.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

__all__ = ["MAX_BACKOFF", "AlertPhase", "AlertStatus", "SosClient"]

_log = logging.getLogger(__name__)

MAX_BACKOFF = 5.0
"""Longest wait between two attempts, in seconds."""

_FIRST_BACKOFF = 0.25


class AlertPhase(enum.StrEnum):
    """Where an alert is, as the resident is told."""

    SENDING = "sending"
    SENT = "sent"
    ESCALATED = "escalated"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"

    @property
    def closed(self) -> bool:
        return self in {AlertPhase.RESOLVED, AlertPhase.CANCELLED}


@dataclass(frozen=True, slots=True)
class AlertStatus:
    """One alert's state.

    Attributes:
        alert_id: made on the station.
        raised_at: when SOS was pressed (UTC).
        phase: see :class:`AlertPhase`.
        acked_at: when an operator took it (UTC), once acknowledged.
        attempts: requests tried so far that got no answer.
    """

    alert_id: str
    raised_at: datetime
    phase: AlertPhase = AlertPhase.SENDING
    acked_at: datetime | None = None
    attempts: int = 0


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


class _Unanswered(Exception):
    """The portal did not answer usefully; try again later."""


class SosClient:
    """The station's alerts: raise, resend, follow, cancel. Use as an async context manager.

    Args:
        portal_url: the portal, e.g. ``"https://portal.example.vn"``.
        station_id: this station's id.
        key: this station's key (never logged).
        state_file: where unfinished alerts are kept.
        on_change: called with each new :class:`AlertStatus`.
        poll_interval: seconds between looks at a delivered alert's state.
        timeout: seconds for one request.
    """

    def __init__(
        self,
        portal_url: str,
        station_id: str,
        key: str,
        state_file: Path,
        *,
        on_change: Callable[[AlertStatus], None] | None = None,
        poll_interval: float = 1.0,
        timeout: float = 5.0,
    ) -> None:
        self._base = portal_url.rstrip("/")
        self._auth = {"Authorization": f"Station {station_id}:{key}"}
        self.state_file = state_file
        self.on_change = on_change
        self._poll = poll_interval
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._status: dict[str, AlertStatus] = {}
        self._delivered: set[str] = set()
        self._cancel: set[str] = set()
        self._wake: dict[str, asyncio.Event] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._started = False

    async def __aenter__(self) -> SosClient:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # Public API

    async def start(self) -> None:
        """Resend and follow every alert the state file still holds."""
        if self._started:
            return
        self._started = True
        for entry in self._load():
            alert_id = entry.get("id")
            raised = _parse_time(entry.get("raised_at"))
            if not isinstance(alert_id, str) or raised is None:
                continue
            self._status[alert_id] = AlertStatus(alert_id, raised)
            if entry.get("cancel"):
                self._cancel.add(alert_id)
                self._status[alert_id] = replace(
                    self._status[alert_id], phase=AlertPhase.CANCELLING
                )
            _log.info("SOS: resending an alert kept from before a restart")
            self._follow(alert_id)

    def raise_alert(self) -> AlertStatus:
        """A new alert, kept on disk before anything is sent; delivery starts at once."""
        if not self._started:
            raise RuntimeError("start the SosClient first")
        alert_id = f"sos-{uuid.uuid4().hex}"
        status = AlertStatus(alert_id, datetime.now(UTC))
        self._status[alert_id] = status
        self._save()
        _log.warning("SOS: alert raised")
        self._report(status)
        self._follow(alert_id)
        return status

    def cancel(self, alert_id: str) -> None:
        """The resident's false alarm: kept on disk, then told to the portal."""
        status = self._status.get(alert_id)
        if status is None or status.phase.closed:
            return
        self._cancel.add(alert_id)
        self._save()
        self._set(alert_id, phase=AlertPhase.CANCELLING)
        self._wake[alert_id].set()

    def status(self, alert_id: str) -> AlertStatus | None:
        return self._status.get(alert_id)

    @property
    def pending(self) -> list[str]:
        """Alerts not yet closed, oldest first."""
        return [a for a, s in self._status.items() if not s.phase.closed]

    async def wait_closed(self, alert_id: str) -> AlertStatus:
        task = self._tasks.get(alert_id)
        if task is not None:
            await asyncio.shield(task)
        return self._status[alert_id]

    async def aclose(self) -> None:
        """Stop following (what is unfinished stays on disk for the next start)."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    # Internals

    def _report(self, status: AlertStatus) -> None:
        if self.on_change is not None:
            try:
                self.on_change(status)
            except Exception:
                _log.exception("SOS: on_change failed")

    def _set(self, alert_id: str, **changes: Any) -> None:
        old = self._status[alert_id]
        new = replace(old, **changes)
        if new != old:
            self._status[alert_id] = new
            if new.phase != old.phase or new.acked_at != old.acked_at:
                self._report(new)

    def _follow(self, alert_id: str) -> None:
        self._wake[alert_id] = asyncio.Event()
        self._tasks[alert_id] = asyncio.create_task(self._run(alert_id), name="sos alert")

    async def _run(self, alert_id: str) -> None:
        backoff = _FIRST_BACKOFF
        while True:
            try:
                await self._step(alert_id)
                backoff = _FIRST_BACKOFF
                wait = 0.0 if alert_id in self._cancel else self._poll
            except _Unanswered:
                self._set(alert_id, attempts=self._status[alert_id].attempts + 1)
                wait, backoff = backoff, min(backoff * 2, MAX_BACKOFF)
            if self._status[alert_id].phase.closed:
                self._save()
                return
            wake = self._wake[alert_id]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), wait)
            wake.clear()

    async def _step(self, alert_id: str) -> None:
        status = self._status[alert_id]
        path = f"/api/alerts/{alert_id}"
        if alert_id not in self._delivered:
            body = {"alert": alert_id, "raised_at": status.raised_at.isoformat()}
            answer = await self._request("POST", "/api/alerts", body, key=alert_id)
            self._delivered.add(alert_id)
            _log.info("SOS: the portal has the alert")
        elif alert_id in self._cancel:
            answer = await self._request("POST", path + "/cancel", {}, key=alert_id + ":cancel")
        else:
            answer = await self._request("GET", path)
        self._apply(alert_id, answer)

    def _apply(self, alert_id: str, answer: dict[str, Any]) -> None:
        state = answer.get("state")
        acked = _parse_time(answer.get("acked_at"))
        if state == "false_alarm":
            phase = AlertPhase.CANCELLED
        elif state == "resolved":
            phase = AlertPhase.RESOLVED
        elif alert_id in self._cancel:
            phase = AlertPhase.CANCELLING
        elif state == "acknowledged":
            phase = AlertPhase.ACKNOWLEDGED
        elif answer.get("escalated"):
            phase = AlertPhase.ESCALATED
        else:
            phase = AlertPhase.SENT
        self._set(alert_id, phase=phase, acked_at=acked)

    async def _request(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, key: str = ""
    ) -> dict[str, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = dict(self._auth)
        if key:
            headers["Idempotency-Key"] = key
        try:
            async with self._session.request(
                method, self._base + path, json=body, headers=headers, timeout=self._timeout
            ) as response:
                status = response.status
                text = await response.text()
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            _log.warning("SOS: the portal did not answer (%s)", type(exc).__name__)
            raise _Unanswered from None
        if status >= 400:
            # A refusal (a wrong key, say) is not a reason to drop an alert: keep trying,
            # and the log says why.
            _log.warning("SOS: the portal refused the alert request (%d)", status)
            raise _Unanswered
        try:
            data = json.loads(text)
        except ValueError:
            raise _Unanswered from None
        if not isinstance(data, dict):
            raise _Unanswered
        return data

    def _load(self) -> list[dict[str, Any]]:
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            _log.warning("SOS: the alert file is unreadable (%s)", type(exc).__name__)
            return []
        alerts = data.get("alerts") if isinstance(data, dict) else None
        return [a for a in alerts if isinstance(a, dict)] if isinstance(alerts, list) else []

    def _save(self) -> None:
        entries = [
            {
                "id": alert_id,
                "raised_at": status.raised_at.isoformat(),
                "cancel": alert_id in self._cancel,
            }
            for alert_id, status in self._status.items()
            if not status.phase.closed
        ]
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.state_file.with_name(self.state_file.name + ".tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump({"alerts": entries}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.state_file)
