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

:class:`SosStation` adds the live video with the operator. It reuses the
teleconsultation path unchanged: a :class:`video.peer.CabinPeer` pointed at
``<portal>/sos``, whose station socket (``/sos/ws/station``) keeps the call
beside the alert for an operator, never in the doctors' queue; the ``visit`` it
sends is the alert id. The call is asked for as soon as the portal has the alert,
asked for again if it drops while the alert is open, and hung up when it closes.
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
from aiortc import MediaStreamTrack

from video.peer import CabinPeer, PeerStatus

__all__ = ["MAX_BACKOFF", "AlertPhase", "AlertStatus", "CallState", "SosClient", "SosStation"]

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


class CallState(enum.StrEnum):
    """The alert's video call, as the resident is told."""

    NONE = "none"
    WAITING = "waiting"  # asked for; no operator has opened it yet
    CONNECTED = "connected"  # an operator opened it
    ENDED = "ended"


MediaFactory = Callable[[], tuple[MediaStreamTrack | None, MediaStreamTrack | None]]
PeerFactory = Callable[..., CabinPeer]


class SosStation:
    """A station's SOS: the alerts (:class:`SosClient`) and each alert's video call.

    Args:
        portal_url: the portal.
        station_id: this station's id.
        key: this station's key (never logged).
        state_file: where unfinished alerts are kept.
        media: makes the camera and microphone tracks (``(None, None)``: no media);
            called once, on the first call; the tracks are stopped by :meth:`aclose`.
        on_change: each new :class:`AlertStatus`.
        on_call: each new :class:`CallState`, with the operator's name once connected.
        on_video: the operator's video track, and None when the call is over.
        peer_factory: makes the peer (:class:`CabinPeer` by default).
        poll_interval: see :class:`SosClient`.
        redial_after: seconds before a dropped call is asked for again.
    """

    def __init__(
        self,
        portal_url: str,
        station_id: str,
        key: str,
        state_file: Path,
        *,
        media: MediaFactory = lambda: (None, None),
        on_change: Callable[[AlertStatus], None] | None = None,
        on_call: Callable[[CallState, str | None], None] | None = None,
        on_video: Callable[[MediaStreamTrack | None], None] | None = None,
        peer_factory: PeerFactory = CabinPeer,
        poll_interval: float = 1.0,
        redial_after: float = 1.0,
    ) -> None:
        self._portal = portal_url.rstrip("/")
        self._station = station_id
        self._key = key
        self._media_factory = media
        self._media: tuple[MediaStreamTrack | None, MediaStreamTrack | None] | None = None
        self._on_change = on_change
        self._on_call = on_call
        self._on_video = on_video
        self._peer_factory = peer_factory
        self._redial = redial_after
        self.client = SosClient(
            portal_url,
            station_id,
            key,
            state_file,
            on_change=self._changed,
            poll_interval=poll_interval,
        )
        self.alert_id: str | None = None  # the alert this screen follows
        self.call = CallState.NONE
        self.peer: CabinPeer | None = None
        self._dialler: asyncio.Task[None] | None = None
        self._closed = False

    async def start(self) -> None:
        await self.client.start()

    def raise_alert(self) -> AlertStatus:
        status = self.client.raise_alert()
        self.alert_id = status.alert_id
        return status

    def cancel(self) -> None:
        if self.alert_id is not None:
            self.client.cancel(self.alert_id)

    def status(self) -> AlertStatus | None:
        return self.client.status(self.alert_id) if self.alert_id else None

    async def hang_up(self) -> None:
        """End the call (the alert stays as it is)."""
        task, self._dialler = self._dialler, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if self.peer is not None:
            await self.peer.end()
            self.peer = None
        self._set_call(CallState.NONE, None)

    async def aclose(self) -> None:
        self._closed = True
        await self.hang_up()
        await self.client.aclose()
        for track in self._media or ():
            if track is not None:
                track.stop()
        self._media = None

    # Internals

    def _changed(self, status: AlertStatus) -> None:
        if self._on_change is not None and status.alert_id == self.alert_id:
            self._on_change(status)
        if status.alert_id != self.alert_id or self._closed:
            return
        if status.phase.closed or status.phase is AlertPhase.CANCELLING:
            if self._dialler is not None or self.peer is not None:
                asyncio.get_running_loop().create_task(self.hang_up())
        elif status.phase is not AlertPhase.SENDING and self._dialler is None:
            self._dialler = asyncio.get_running_loop().create_task(
                self._dial(status.alert_id), name="sos call"
            )

    def _set_call(self, state: CallState, operator: str | None) -> None:
        if state == self.call:
            return
        self.call = state
        if self._on_call is not None:
            self._on_call(state, operator)

    async def _dial(self, alert_id: str) -> None:
        """Ask for the call, and again whenever it drops, while the alert is open."""
        while True:
            if self._media is None:
                self._media = self._media_factory()
            camera, microphone = self._media
            statuses: asyncio.Queue[PeerStatus] = asyncio.Queue()
            peer = self._peer_factory(
                self._portal + "/sos",
                self._station,
                self._key,
                {"age": None, "sex": "unknown", "values": {}, "flags": []},
                visit=alert_id,
                camera=camera,
                microphone=microphone,
                on_control=lambda _message: None,
                on_status=statuses.put_nowait,
                on_track=self._track,
            )
            self.peer = peer
            try:
                await peer.start()
                while not peer.closed:
                    step = await statuses.get()
                    if step.kind == "queued":
                        self._set_call(CallState.WAITING, None)
                    elif step.kind in {"accepted", "connected"}:
                        self._set_call(CallState.CONNECTED, step.doctor)
                    elif step.kind in {"ended", "failed"}:
                        break
            except (aiohttp.ClientError, OSError) as exc:
                _log.warning("SOS: the call could not start (%s)", type(exc).__name__)
            await peer.end()
            self.peer = None
            if self._on_video is not None:
                self._on_video(None)
            self._set_call(CallState.ENDED, None)
            await asyncio.sleep(self._redial)

    def _track(self, track: MediaStreamTrack) -> None:
        if track.kind == "video" and self._on_video is not None:
            self._on_video(track)
