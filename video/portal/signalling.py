"""WebSocket signalling between stations and doctors, and the consult queue on top.

All messages are JSON text frames, objects with a ``type``. Binary frames,
non-JSON text and unknown types get ``{"type":"error","error":...}`` and are
otherwise ignored.

Station: ``GET /ws/station`` with ``Authorization: Station <id>:<key>``
(401 before the upgrade otherwise).

* station -> ``{"type":"request","visit":ID,"summary":{"age":int|null,"sex":str,
  "values":{...},"flags":[...]}}``. The summary may hold exactly those four keys
  (no names, no ID numbers); anything else is refused with
  ``{"type":"error","error":"summary",...}``. One consult per socket at a time.
* server -> ``{"type":"queued","consult":CID,"position":n,"wait_s":estimate}``
  at once and again whenever the position or the estimate changes.
* server -> ``{"type":"accepted","consult":CID,"doctor":{"id":username,
  "name":display name},"ice_servers":[...]}`` when a doctor accepts.
* server -> ``{"type":"cancelled","consult":CID,"reason":"timeout"}`` when the
  request waited longer than the time-out (10 minutes by default).
* station -> ``{"type":"cancel"}`` (or closing the socket) takes a waiting
  request off the queue; during a call it ends the call like ``end``.

Doctor: ``GET /ws/doctor`` with the session cookie of a ``doctor`` account
(401 without a session, 403 for another role) and an ``Origin`` header whose
host is the portal's own (403 otherwise: cross-site WebSocket hijacking).

* server -> ``{"type":"queue","items":[{"consult","station","waiting_s","age",
  "sex","values","flags"},...]}`` on connect and on every change, to every doctor.
* doctor -> ``{"type":"accept","consult":CID}``: the first wins and gets
  ``{"type":"accepted","consult":CID,"station":id,"summary":{...},
  "ice_servers":[...]}``; the others see a queue without it; a late accept
  gets ``{"type":"taken","consult":CID}``. A doctor in a call gets
  ``{"type":"error","error":"busy"}``.

During a call, ``offer``, ``answer``, ``candidate`` and ``end`` from either side
are forwarded byte for byte to the other socket of that consult and nowhere
else. ``end``, or either side closing, ends the consult: the other side then
gets ``{"type":"ended","consult":CID,"by":"doctor"|"station"}`` (the side that
sent ``end`` gets it too). A doctor is back at the queue after a call; a station
may ``request`` again.

Each socket has its own outgoing queue written by one task, so messages reach
each peer in the order the server decided them; a peer that stops reading
(``_OUTBOX_LIMIT`` messages behind) is disconnected.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from video.portal.accounts import Account, Role
from video.portal.auth import require_role, require_station
from video.portal.consults import (
    ConsultQueue,
    ConsultState,
    ConsultTaken,
    SummaryError,
    parse_summary,
)

__all__ = [
    "HUB_KEY",
    "RELAYED_TYPES",
    "Peer",
    "SignallingHub",
    "check_origin",
    "doctor_ws",
    "messages",
    "normalise_ice_servers",
    "open_socket",
    "parse_message",
    "station_ws",
]

_log = logging.getLogger(__name__)

RELAYED_TYPES = frozenset({"offer", "answer", "candidate", "end"})
"""Message types forwarded unchanged between the two peers of a consult."""

_OUTBOX_LIMIT = 256
_MAX_MESSAGE = 64 * 1024
_HEARTBEAT = 20.0
_VISIT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}")


class Peer:
    """One WebSocket with an ordered outgoing queue and its writer task."""

    def __init__(self, ws: web.WebSocketResponse, kind: str, ident: str) -> None:
        self.ws = ws
        self.kind = kind
        self.ident = ident
        self.consult_id: str | None = None
        self._outbox: asyncio.Queue[str | None] = asyncio.Queue(maxsize=_OUTBOX_LIMIT + 1)
        self._closing = False
        self._writer = asyncio.create_task(self._write())

    def send(self, message: Mapping[str, object]) -> None:
        self.send_raw(json.dumps(message, ensure_ascii=False))

    def send_raw(self, text: str) -> None:
        if self._closing:
            return
        if self._outbox.qsize() >= _OUTBOX_LIMIT:
            _log.warning("signalling: a %s is not reading; disconnecting it", self.kind)
            self._closing = True
            self._outbox.put_nowait(None)
            return
        self._outbox.put_nowait(text)

    async def _write(self) -> None:
        while True:
            text = await self._outbox.get()
            if text is None:
                break
            try:
                await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                break
        await self.ws.close()

    async def finish(self) -> None:
        """Send what is queued, then close the socket."""
        if not self._closing:
            self._closing = True
            self._outbox.put_nowait(None)
        try:
            await asyncio.wait_for(asyncio.shield(self._writer), timeout=5.0)
        except TimeoutError:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer


@dataclass(slots=True)
class _Call:
    station: Peer
    doctor: Peer


@dataclass(slots=True)
class SignallingHub:
    """The live sockets around a :class:`ConsultQueue`; stored at ``app[HUB_KEY]``.

    Attributes:
        queue: the consult queue.
        ice_servers: STUN/TURN entries (``{"urls": ..., "username": ..., "credential": ...}``)
            handed to both peers in ``accepted``.
    """

    queue: ConsultQueue
    ice_servers: list[dict[str, object]] = field(default_factory=list)
    _doctors: set[Peer] = field(default_factory=set)
    _waiting: dict[str, Peer] = field(default_factory=dict)
    _calls: dict[str, _Call] = field(default_factory=dict)
    _last_queued: dict[str, tuple[int, int]] = field(default_factory=dict)
    _accounts: dict[Peer, Account] = field(default_factory=dict)

    @property
    def doctors_online(self) -> int:
        """Doctors connected now."""
        return len(self._doctors)

    # Queue broadcasts

    def _queue_message(self) -> dict[str, object]:
        items: list[dict[str, object]] = []
        for consult in self.queue.waiting():
            item: dict[str, object] = {
                "consult": consult.id,
                "station": consult.station,
                "waiting_s": self.queue.waiting_s(consult),
            }
            item.update(consult.summary.to_json())
            items.append(item)
        return {"type": "queue", "items": items}

    def _changed(self) -> None:
        """Tell every free doctor the queue, and every waiting station its place."""
        message = self._queue_message()
        for doctor in self._doctors:
            doctor.send(message)
        self._update_stations()

    def _update_stations(self) -> None:
        for consult_id, station in self._waiting.items():
            position = self.queue.position(consult_id)
            wait = self.queue.wait_estimate(consult_id, self.doctors_online)
            if position is None or wait is None:
                continue
            if self._last_queued.get(consult_id) != (position, wait):
                self._last_queued[consult_id] = (position, wait)
                station.send(
                    {"type": "queued", "consult": consult_id, "position": position, "wait_s": wait}
                )

    def sweep(self) -> None:
        """Cancel requests that waited too long (call it every few seconds)."""
        expired = self.queue.expire()
        for consult in expired:
            self._last_queued.pop(consult.id, None)
            station = self._waiting.pop(consult.id, None)
            if station is not None:
                station.consult_id = None
                station.send({"type": "cancelled", "consult": consult.id, "reason": "timeout"})
        if expired:
            _log.info("signalling: %d consult request(s) timed out", len(expired))
            self._changed()

    # Stations

    def _station_request(self, peer: Peer, data: dict[str, object]) -> None:
        if peer.consult_id is not None:
            peer.send({"type": "error", "error": "busy", "message": "a consult is already open"})
            return
        visit = data.get("visit")
        if not isinstance(visit, str | int) or isinstance(visit, bool):
            peer.send({"type": "error", "error": "visit", "message": "visit id missing"})
            return
        visit = str(visit)
        if not _VISIT.fullmatch(visit):
            peer.send({"type": "error", "error": "visit", "message": "bad visit id"})
            return
        try:
            summary = parse_summary(data.get("summary"))
        except SummaryError as exc:
            peer.send({"type": "error", "error": "summary", "message": str(exc)})
            return
        consult = self.queue.request(peer.ident, visit, summary)
        peer.consult_id = consult.id
        self._waiting[consult.id] = peer
        _log.info("signalling: station %s asks for a doctor", peer.ident)
        self._changed()

    def _station_gone(self, peer: Peer, reason: str) -> None:
        """The station cancelled or closed: drop its request or end its call."""
        consult_id = peer.consult_id
        if consult_id is None:
            return
        consult = self.queue.get(consult_id)
        if consult is not None and consult.state is ConsultState.ACTIVE:
            self._end_call(consult_id, by="station")
            return
        peer.consult_id = None
        self._waiting.pop(consult_id, None)
        self._last_queued.pop(consult_id, None)
        if self.queue.end(consult_id, reason) is not None:
            self._changed()

    # Doctors

    def _doctor_joined(self, peer: Peer, account: Account) -> None:
        self._doctors.add(peer)
        self._accounts[peer] = account
        peer.send(self._queue_message())
        self._update_stations()  # the wait estimates depend on how many doctors are online

    def _doctor_accept(self, peer: Peer, data: dict[str, object]) -> None:
        consult_id = data.get("consult")
        if not isinstance(consult_id, str):
            peer.send({"type": "error", "error": "consult", "message": "consult id missing"})
            return
        if peer.consult_id is not None:
            peer.send({"type": "error", "error": "busy", "message": "already in a call"})
            return
        account = self._accounts[peer]
        station = self._waiting.get(consult_id)
        try:
            if station is None:
                raise ConsultTaken(consult_id)
            consult = self.queue.accept(consult_id, account.username)
        except ConsultTaken:
            peer.send({"type": "taken", "consult": consult_id})
            return
        del self._waiting[consult_id]
        self._last_queued.pop(consult_id, None)
        self._doctors.discard(peer)
        peer.consult_id = consult_id
        self._calls[consult_id] = _Call(station=station, doctor=peer)
        _log.info("signalling: a doctor accepted a consult from station %s", station.ident)
        station.send(
            {
                "type": "accepted",
                "consult": consult_id,
                "doctor": {"id": account.username, "name": account.display_name},
                "ice_servers": self.ice_servers,
            }
        )
        peer.send(
            {
                "type": "accepted",
                "consult": consult_id,
                "station": consult.station,
                "summary": consult.summary.to_json(),
                "ice_servers": self.ice_servers,
            }
        )
        self._changed()

    def _doctor_gone(self, peer: Peer) -> None:
        self._doctors.discard(peer)
        self._accounts.pop(peer, None)
        if peer.consult_id is not None:
            self._end_call(peer.consult_id, by="doctor")
        self._changed()

    # Calls

    def _relay(self, peer: Peer, kind: str, text: str) -> None:
        consult_id = peer.consult_id
        call = self._calls.get(consult_id) if consult_id is not None else None
        if consult_id is None or call is None:
            peer.send({"type": "error", "error": "no_call", "message": "not in a call"})
            return
        other = call.station if peer is call.doctor else call.doctor
        other.send_raw(text)
        if kind == "end":
            self._end_call(consult_id, by=peer.kind)

    def _end_call(self, consult_id: str, *, by: str) -> None:
        call = self._calls.pop(consult_id, None)
        self.queue.end(consult_id, by)
        if call is None:
            return
        message = {"type": "ended", "consult": consult_id, "by": by}
        for side in (call.station, call.doctor):
            side.consult_id = None
            side.send(message)
        if call.doctor in self._accounts:  # the doctor is still connected: back to the queue
            self._doctors.add(call.doctor)
        _log.info("signalling: a consult ended (by the %s)", by)
        self._changed()


HUB_KEY = web.AppKey("portal_signalling", SignallingHub)


def parse_message(peer: Peer, text: str) -> tuple[str, dict[str, object]] | None:
    try:
        data = json.loads(text)
    except ValueError:
        peer.send({"type": "error", "error": "json", "message": "not JSON"})
        return None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        peer.send({"type": "error", "error": "type", "message": "an object with a type"})
        return None
    return data["type"], data


async def open_socket(
    request: web.Request, kind: str, ident: str
) -> tuple[web.WebSocketResponse, Peer]:
    """Accept the WebSocket of ``request`` (with a heartbeat and a message size limit)."""
    ws = web.WebSocketResponse(heartbeat=_HEARTBEAT, max_msg_size=_MAX_MESSAGE)
    await ws.prepare(request)
    return ws, Peer(ws, kind, ident)


async def messages(
    ws: web.WebSocketResponse, peer: Peer, *, answer_other_frames: bool = True
) -> AsyncIterator[tuple[str, dict[str, object], str]]:
    """The socket's JSON messages as ``(type, message, text)``, until it closes.

    A text frame that is not a JSON object with a ``type`` gets an error answer and
    is skipped; so does any other frame, silently if not ``answer_other_frames``.
    """
    async for msg in ws:
        if msg.type is not WSMsgType.TEXT:
            if answer_other_frames:
                peer.send({"type": "error", "error": "type", "message": "text frames only"})
            continue
        parsed = parse_message(peer, msg.data)
        if parsed is not None:
            yield parsed[0], parsed[1], msg.data


async def station_ws(request: web.Request) -> web.StreamResponse:
    """``GET /ws/station``: a station's signalling socket."""
    station_id = require_station(request)
    hub = request.app[HUB_KEY]
    ws, peer = await open_socket(request, "station", station_id)
    try:
        async for kind, data, text in messages(ws, peer):
            if kind == "request":
                hub._station_request(peer, data)
            elif kind == "cancel":
                hub._station_gone(peer, "cancelled")
            elif kind in RELAYED_TYPES:
                hub._relay(peer, kind, text)
            else:
                peer.send({"type": "error", "error": "type", "message": f"unknown {kind!r}"})
    finally:
        hub._station_gone(peer, "station_left")
        await peer.finish()
    return ws


def check_origin(request: web.Request) -> None:
    origin = request.headers.get("Origin", "")
    parts = urlsplit(origin)
    if parts.scheme not in {"http", "https"} or parts.netloc.lower() != request.host.lower():
        raise web.HTTPForbidden(text="Cross-site connection refused.")


async def doctor_ws(request: web.Request) -> web.StreamResponse:
    """``GET /ws/doctor``: a doctor's signalling socket."""
    session = require_role(request, Role.DOCTOR)
    check_origin(request)
    hub = request.app[HUB_KEY]
    ws, peer = await open_socket(request, "doctor", session.account.username)
    hub._doctor_joined(peer, session.account)
    try:
        async for kind, data, text in messages(ws, peer):
            if kind == "accept":
                hub._doctor_accept(peer, data)
            elif kind in RELAYED_TYPES:
                hub._relay(peer, kind, text)
            else:
                peer.send({"type": "error", "error": "type", "message": f"unknown {kind!r}"})
    finally:
        hub._doctor_gone(peer)
        await peer.finish()
    return ws


def normalise_ice_servers(servers: Sequence[Mapping[str, object]]) -> list[dict[str, object]]:
    """Check STUN/TURN entries (each needs ``urls``) and copy them to plain dicts."""
    result: list[dict[str, object]] = []
    for server in servers:
        urls = server.get("urls")
        if not (isinstance(urls, str) and urls) and not (
            isinstance(urls, list | tuple) and urls and all(isinstance(u, str) for u in urls)
        ):
            raise ValueError("each ICE server needs 'urls': a URL or a list of URLs")
        entry = dict(server)
        if isinstance(urls, tuple):
            entry["urls"] = list(urls)
        result.append(entry)
    return result
