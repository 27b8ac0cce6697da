"""SOS alerts: the stations raise them, the operators (ward police) answer them.

:func:`setup_alerts` adds to a portal application:

* ``POST /api/alerts`` (``Authorization: Station <id>:<key>``): raise an alert,
  ``{"alert": ID, "raised_at": ISO-8601}``. The station makes the id; sending the
  same id again returns the alert already stored (the station retries until it
  gets an answer, so a repeat must never make a second alert).
* ``GET /api/alerts/{id}`` (station): the alert as the station may see it
  (state, when and whether an operator acknowledged it, escalated or not).
* ``POST /api/alerts/{id}/cancel`` (station): the resident's "false alarm".
* ``GET /operator`` and ``/operator/{name}``: the operator console (role
  ``operator`` or ``admin``), with the doctor console's strict headers; an
  operator who logs in lands there instead of the doctors' page.
* ``GET /ws/operator`` (session of an operator or admin, same-origin ``Origin``):
  ``{"type":"alerts","items":[...]}`` on connect and on every change; the
  operator sends ``{"type":"ack","alert":ID}``, ``{"type":"open","alert":ID}``
  (take the video call), ``{"type":"resolve","alert":ID,"outcome":"resolved"|
  "false_alarm"}``; ``{"type":"escalated","alert":ID}`` goes to every operator
  when an alert waited ``escalate_after`` seconds without an acknowledgement.
* ``GET /sos/ws/station``: the video call of an alert. It speaks the station
  side of ``/ws/station`` (:mod:`video.portal.signalling`), so the cabin uses an
  unchanged :class:`video.peer.CabinPeer` with ``base_url=<portal>/sos``: the
  ``request``'s ``visit`` is the alert id. The call waits beside the alert (never
  in the doctors' queue) until an operator opens it; then ``accepted`` goes to
  both sides and ``offer``/``answer``/``candidate``/``end`` are relayed.

Alerts live in their own table of the portal's SQLite file
(:mod:`video.portal.alert_store`), so an alert raised while no operator is
connected is shown to the first one who connects, and a portal restart loses
nothing. The escalation timer runs in the portal.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path

from aiohttp import web

from cabin.errors import StoreError
from video.portal.accounts import AccountStore, Role
from video.portal.alert_store import Alert, AlertStore, iso_utc
from video.portal.auth import SESSION_KEY, Session, require_role, require_station
from video.portal.console import add_page
from video.portal.signalling import (
    HUB_KEY,
    RELAYED_TYPES,
    Peer,
    check_origin,
    messages,
    open_socket,
)

__all__ = [
    "ALERTS_KEY",
    "OPERATOR_DIR",
    "Alert",
    "AlertHub",
    "AlertStore",
    "setup_alerts",
]

_log = logging.getLogger(__name__)

OPERATOR_DIR = Path(__file__).with_name("operator")
"""Where the operator console's files are."""

ESCALATE_AFTER = 60.0
"""Seconds an alert may wait for an acknowledgement before every operator is told again."""

_ALERT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{7,63}")
_OPEN, _ACKED = "open", "acknowledged"
_CLOSED = frozenset({"resolved", "false_alarm"})


class AlertHub:
    """The alert store, the operators' sockets, the alerts' video calls and the escalation.

    Args:
        store: the alerts table.
        escalate_after: see :data:`ESCALATE_AFTER`.
        clock: Unix seconds.
    """

    def __init__(
        self,
        store: AlertStore,
        *,
        escalate_after: float = ESCALATE_AFTER,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.escalate_after = escalate_after
        self.clock = clock
        self.ice_servers: list[dict[str, object]] = []
        self._operators: dict[Peer, str] = {}  # socket -> display name
        self._stations: dict[str, Peer] = {}  # alert id -> the station's call socket
        self._calls: dict[str, Peer] = {}  # alert id -> the operator in its call

    @property
    def operators_online(self) -> int:
        return len(self._operators)

    def _items(self) -> list[dict[str, object]]:
        now = self.clock()
        items: list[dict[str, object]] = []
        for alert in self.store.active():
            call = (
                "open"
                if alert.id in self._calls
                else ("waiting" if alert.id in self._stations else "none")
            )
            items.append(
                {
                    "alert": alert.id,
                    "station": alert.station,
                    "raised_at": iso_utc(alert.raised_at),
                    "waiting_s": max(0, int(now - alert.received_at)),
                    "state": alert.state,
                    "escalated": alert.escalated,
                    "acked_by": alert.acked_by,
                    "acked_at": iso_utc(alert.acked_at),
                    "call": call,
                }
            )
        return items

    def changed(self) -> None:
        message = {"type": "alerts", "items": self._items()}
        for peer in self._operators:
            peer.send(message)

    # Station HTTP

    def raised(self, station: str, alert_id: str, raised_at: float) -> Alert:
        before = self.store.get(station, alert_id)
        alert = self.store.raise_alert(station, alert_id, raised_at, self.clock())
        if before is None:
            _log.warning("SOS: station %s raised an alert", station)
            self.changed()
        return alert

    def cancelled(self, alert: Alert) -> Alert:
        self.store.close_alert(alert, "false_alarm", "station", self.clock())
        self._end_call(alert.id, by="station")
        self.changed()
        return self.store.get(alert.station, alert.id) or alert

    def escalate(self) -> list[Alert]:
        due = self.store.escalate_due(self.clock() - self.escalate_after)
        for alert in due:
            _log.warning("SOS: an alert from station %s waited too long; escalated", alert.station)
            for peer in self._operators:
                peer.send({"type": "escalated", "alert": alert.id, "station": alert.station})
        if due:
            self.changed()
        return due

    # Operators

    def _operator(self, peer: Peer, kind: str, data: dict[str, object], text: str) -> None:
        if kind in RELAYED_TYPES:
            self._relay(peer, kind, text)
            return
        alert_id = data.get("alert")
        alert = self.store.find(alert_id) if isinstance(alert_id, str) else None
        if alert is None:
            peer.send({"type": "error", "error": "alert", "message": "no such alert"})
            return
        name = self._operators.get(peer, "?")
        if kind == "ack":
            self.store.acknowledge(alert, name, self.clock())
        elif kind == "open":
            self.store.acknowledge(alert, name, self.clock())
            self._open_call(peer, alert)
        elif kind == "resolve":
            outcome = data.get("outcome")
            if outcome not in _CLOSED:
                peer.send({"type": "error", "error": "outcome", "message": "resolved|false_alarm"})
                return
            self.store.acknowledge(alert, name, self.clock())
            self.store.close_alert(alert, str(outcome), name, self.clock())
            self._end_call(alert.id, by="operator")
        else:
            peer.send({"type": "error", "error": "type", "message": f"unknown {kind!r}"})
            return
        self.changed()

    def _open_call(self, peer: Peer, alert: Alert) -> None:
        station = self._stations.get(alert.id)
        if station is None or alert.id in self._calls:
            peer.send({"type": "error", "error": "no_call", "message": "no call to open"})
            return
        if peer.consult_id is not None:
            peer.send({"type": "error", "error": "busy", "message": "already in a call"})
            return
        peer.consult_id = alert.id
        self._calls[alert.id] = peer
        name = self._operators.get(peer, "")
        station.send(
            {
                "type": "accepted",
                "consult": alert.id,
                "doctor": {"id": peer.ident, "name": name},
                "ice_servers": self.ice_servers,
            }
        )
        peer.send(
            {
                "type": "accepted",
                "alert": alert.id,
                "station": alert.station,
                "ice_servers": self.ice_servers,
            }
        )

    def _relay(self, peer: Peer, kind: str, text: str) -> None:
        alert_id = peer.consult_id
        if alert_id is None:
            peer.send({"type": "error", "error": "no_call", "message": "not in a call"})
            return
        operator = self._calls.get(alert_id)
        station = self._stations.get(alert_id)
        other = station if peer is operator else operator
        if other is None:
            peer.send({"type": "error", "error": "no_call", "message": "not in a call"})
            return
        other.send_raw(text)
        if kind == "end":
            self._end_call(alert_id, by=peer.kind)

    def _end_call(self, alert_id: str, *, by: str) -> None:
        operator = self._calls.pop(alert_id, None)
        station = self._stations.pop(alert_id, None)
        message = {"type": "ended", "consult": alert_id, "alert": alert_id, "by": by}
        for side in (operator, station):
            if side is not None:
                side.consult_id = None
                side.send(message)
        if operator is not None or station is not None:
            self.changed()

    def _operator_gone(self, peer: Peer) -> None:
        self._operators.pop(peer, None)
        if peer.consult_id is not None:
            self._end_call(peer.consult_id, by="operator")

    # The station's call socket

    def _station_call(self, peer: Peer, data: dict[str, object]) -> None:
        alert_id = data.get("visit")
        alert = (
            self.store.get(peer.ident, alert_id)
            if isinstance(alert_id, str) and _ALERT_ID.fullmatch(alert_id)
            else None
        )
        if alert is None or alert.state in _CLOSED or alert.id in self._stations:
            peer.send({"type": "error", "error": "visit", "message": "no open alert"})
            return
        peer.consult_id = alert.id
        self._stations[alert.id] = peer
        peer.send({"type": "queued", "consult": alert.id, "position": 1, "wait_s": 0})
        self.changed()


ALERTS_KEY = web.AppKey("portal_alerts", AlertHub)


def setup_alerts(
    app: web.Application,
    accounts: AccountStore,
    *,
    escalate_after: float = ESCALATE_AFTER,
    tick: float = 0.5,
) -> AlertHub:
    """Add the alert routes, the operator console and the escalation timer to ``app``.

    Call it after :func:`video.portal.auth.setup_auth` (and after the signalling hub,
    whose ICE servers the alert calls use). ``app[ALERTS_KEY].escalate_after`` may be
    changed before the app starts.
    """
    hub = AlertHub(AlertStore.beside(accounts), escalate_after=escalate_after)
    if HUB_KEY in app:
        hub.ice_servers = app[HUB_KEY].ice_servers
    app[ALERTS_KEY] = hub
    app.middlewares.append(_operator_home)
    app.router.add_post("/api/alerts", _post_alert)
    app.router.add_get("/api/alerts/{alert}", _get_alert)
    app.router.add_post("/api/alerts/{alert}/cancel", _cancel_alert)
    add_page(
        app,
        OPERATOR_DIR,
        page="/operator",
        files="/operator",
        roles={Role.OPERATOR, Role.ADMIN},
        forbidden=_forbidden,
    )
    app.router.add_get("/ws/operator", _operator_ws)
    app.router.add_get("/sos/ws/station", _station_call_ws)

    async def escalation(app: web.Application) -> AsyncIterator[None]:
        async def loop() -> None:
            while True:
                await asyncio.sleep(tick)
                try:
                    hub.escalate()
                except StoreError:
                    _log.exception("SOS: the escalation check failed")

        task = asyncio.create_task(loop())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        hub.store.close()

    app.cleanup_ctx.append(escalation)
    return hub


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _operator_home(request: web.Request, handler: Handler) -> web.StreamResponse:
    session = request.get(SESSION_KEY)
    if (
        request.path == "/"
        and request.method == "GET"
        and isinstance(session, Session)
        and session.role in {Role.OPERATOR, Role.ADMIN}
    ):
        raise web.HTTPSeeOther("/operator")
    return await handler(request)


def _json(data: object, status: int = 200) -> web.Response:
    response = web.json_response(
        data, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def _post_alert(request: web.Request) -> web.StreamResponse:
    station = require_station(request)
    try:
        body = await request.json()
    except ValueError:
        return _json({"error": "json"}, 400)
    alert_id = body.get("alert") if isinstance(body, dict) else None
    raised = body.get("raised_at") if isinstance(body, dict) else None
    if not isinstance(alert_id, str) or not _ALERT_ID.fullmatch(alert_id):
        return _json({"error": "alert"}, 400)
    try:
        raised_at = datetime.fromisoformat(str(raised)).timestamp()
    except ValueError:
        return _json({"error": "raised_at"}, 400)
    alert = request.app[ALERTS_KEY].raised(station, alert_id, raised_at)
    return _json(alert.for_station())


def _station_alert(request: web.Request) -> Alert:
    station = require_station(request)
    alert = request.app[ALERTS_KEY].store.get(station, request.match_info["alert"])
    if alert is None:
        raise web.HTTPNotFound(text='{"error": "alert"}', content_type="application/json")
    return alert


async def _get_alert(request: web.Request) -> web.StreamResponse:
    return _json(_station_alert(request).for_station())


async def _cancel_alert(request: web.Request) -> web.StreamResponse:
    alert = _station_alert(request)
    if alert.state not in _CLOSED:
        alert = request.app[ALERTS_KEY].cancelled(alert)
    return _json(alert.for_station())


def _forbidden(session: Session) -> web.Response:
    return web.Response(
        text="Trang này dành cho người trực SOS. / This page is for SOS operators.",
        status=403,
    )


async def _operator_ws(request: web.Request) -> web.StreamResponse:
    session = require_role(request, Role.OPERATOR, Role.ADMIN)
    check_origin(request)
    hub = request.app[ALERTS_KEY]
    ws, peer = await open_socket(request, "operator", session.account.username)
    hub._operators[peer] = session.account.display_name
    peer.send({"type": "alerts", "items": hub._items()})
    try:
        async for kind, data, text in messages(ws, peer, answer_other_frames=False):
            hub._operator(peer, kind, data, text)
    finally:
        hub._operator_gone(peer)
        await peer.finish()
    return ws


async def _station_call_ws(request: web.Request) -> web.StreamResponse:
    station_id = require_station(request)
    hub = request.app[ALERTS_KEY]
    ws, peer = await open_socket(request, "station", station_id)
    try:
        async for kind, data, text in messages(ws, peer, answer_other_frames=False):
            if kind == "request" and peer.consult_id is None:
                hub._station_call(peer, data)
            elif kind in RELAYED_TYPES:
                hub._relay(peer, kind, text)
            elif kind == "cancel" and peer.consult_id is not None:
                hub._end_call(peer.consult_id, by="station")
    finally:
        if peer.consult_id is not None:
            hub._end_call(peer.consult_id, by="station")
        await peer.finish()
    return ws
