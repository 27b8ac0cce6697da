"""The cabin's side of a consult: signalling with the portal and the WebRTC link.

:class:`CabinPeer` opens the station socket (``/ws/station``, see
:mod:`video.portal.signalling`), asks for a doctor, reports its place in the
queue, and once a doctor accepts builds an :class:`aiortc.RTCPeerConnection`
with the camera (VP8 preferred) and microphone tracks and two data channels:

* ``live``: unordered, ``maxRetransmits=0``, for waveform and value messages.
  :meth:`CabinPeer.send_live` drops a message rather than let a backlog build.
* ``control``: ordered and reliable; incoming JSON objects go to ``on_control``.

aiortc does not trickle ICE: the offer is sent once gathering is complete, so
it carries every candidate. Offer and answer travel as ``{"type": "offer" |
"answer", "sdp": ...}`` (the shape of a browser's ``RTCSessionDescriptionInit``).

Progress is reported as :class:`PeerStatus` events on :attr:`CabinPeer.status`
(an :class:`asyncio.Queue`) and to an optional ``on_status`` callback. Nothing
personal is logged: no summary, no names, no SDP.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.sdp import candidate_from_sdp

__all__ = ["LIVE_BUFFER_LIMIT", "CabinPeer", "PeerStatus", "StatusKind"]

_log = logging.getLogger(__name__)

LIVE_BUFFER_LIMIT = 16 * 1024
"""Bytes waiting in the ``live`` channel above which :meth:`CabinPeer.send_live` drops."""

StatusKind = Literal["queued", "accepted", "connected", "ended", "failed"]


@dataclass(frozen=True, slots=True)
class PeerStatus:
    """One step of a consult, as the cabin's screen would show it.

    Attributes:
        kind: ``queued``, ``accepted``, ``connected``, ``ended`` or ``failed``.
        position: place in the queue (``queued`` only; 1 is next).
        wait_s: the portal's wait estimate in seconds (``queued`` only).
        doctor: the doctor's display name (``accepted`` only).
        reason: a plain reason (``ended``: ``"doctor"``, ``"station"``;
            ``failed``: why, in words).
    """

    kind: StatusKind
    position: int | None = None
    wait_s: int | None = None
    doctor: str | None = None
    reason: str = ""


def _ice_servers(entries: object) -> list[Any]:
    """``RTCIceServer`` objects from the portal's ``ice_servers`` (bad entries skipped)."""
    servers: list[Any] = []
    if not isinstance(entries, list):
        return servers
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        urls = entry.get("urls")
        if not (isinstance(urls, str) or (isinstance(urls, list) and urls)):
            continue
        username = entry.get("username")
        credential = entry.get("credential")
        servers.append(
            RTCIceServer(
                urls=urls,
                username=username if isinstance(username, str) else None,
                credential=credential if isinstance(credential, str) else None,
            )
        )
    return servers


def _prefer_vp8(pc: Any) -> None:
    codecs = [c for c in RTCRtpSender.getCapabilities("video").codecs if c.mimeType == "video/VP8"]
    if not codecs:
        return
    for transceiver in pc.getTransceivers():
        if transceiver.kind == "video":
            transceiver.setCodecPreferences(codecs)


class CabinPeer:
    """One station's consult: queue, call, end. Use once; make a new one per consult.

    Args:
        base_url: the portal, e.g. ``"https://portal.example.vn"``.
        station_id: this station's id.
        key: this station's key (never logged).
        summary: ``{"age", "sex", "values", "flags"}`` for the doctor (no names).
        visit: the visit id sent with the request.
        camera: the video track (or ``None``).
        microphone: the audio track (or ``None``).
        on_control: called with each JSON object the doctor sends on ``control``.
        on_status: called with each :class:`PeerStatus` (they also go to :attr:`status`).
        on_track: called with each track the doctor sends (``kind`` ``"video"`` or
            ``"audio"``), as soon as the answer announces it.
        live_buffer_limit: see :data:`LIVE_BUFFER_LIMIT`.

    The tracks stay the caller's: closing the peer does not stop them.
    """

    def __init__(
        self,
        base_url: str,
        station_id: str,
        key: str,
        summary: Mapping[str, object],
        *,
        visit: str,
        camera: MediaStreamTrack | None,
        microphone: MediaStreamTrack | None,
        on_control: Callable[[dict[str, Any]], None],
        on_status: Callable[[PeerStatus], None] | None = None,
        on_track: Callable[[MediaStreamTrack], None] | None = None,
        live_buffer_limit: int = LIVE_BUFFER_LIMIT,
    ) -> None:
        self._url = base_url.rstrip("/") + "/ws/station"
        self._auth = f"Station {station_id}:{key}"
        self._summary = dict(summary)
        self._visit = visit
        self._camera = camera
        self._microphone = microphone
        self._on_control = on_control
        self._on_status = on_status
        self._on_track = on_track
        self._live_limit = live_buffer_limit
        self.status: asyncio.Queue[PeerStatus] = asyncio.Queue()
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._pc: Any = None
        self._live: Any = None
        self._control: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._failing: asyncio.Task[None] | None = None
        self._done = asyncio.Event()
        self._finished = False
        self._connected = False

    # Public API

    @property
    def closed(self) -> bool:
        """True once the consult is over and everything is closed."""
        return self._done.is_set()

    async def start(self) -> None:
        """Connect to the portal and ask for a doctor; progress follows on :attr:`status`.

        Raises:
            aiohttp.ClientError: the portal could not be reached or refused the key
                (a ``failed`` status is reported too).
        """
        if self._session is not None:
            raise RuntimeError("a CabinPeer is used once")
        self._session = aiohttp.ClientSession()
        try:
            self._ws = await self._session.ws_connect(
                self._url, headers={"Authorization": self._auth}, heartbeat=20.0
            )
            await self._ws.send_json(
                {"type": "request", "visit": self._visit, "summary": self._summary}
            )
        except (aiohttp.ClientError, OSError) as exc:
            _log.warning("cabin peer: cannot reach the portal (%s)", type(exc).__name__)
            await self._finish("failed", "cannot reach the portal")
            raise
        self._reader = asyncio.create_task(self._read(self._ws))

    def send_live(self, text: str) -> bool:
        """Send on ``live`` if it is open and not backed up; return whether it went."""
        channel = self._live
        if channel is None or channel.readyState != "open":
            return False
        if channel.bufferedAmount > self._live_limit:
            return False
        channel.send(text)
        return True

    def send_control(self, message: Mapping[str, object]) -> bool:
        """Send a JSON object on ``control`` if it is open; return whether it went."""
        channel = self._control
        if channel is None or channel.readyState != "open":
            return False
        channel.send(json.dumps(dict(message), ensure_ascii=False))
        return True

    async def end(self) -> None:
        """End the consult (or withdraw the request) and close everything."""
        if self._done.is_set():
            return
        ws = self._ws
        if ws is not None and not ws.closed:
            with contextlib.suppress(ConnectionError, RuntimeError, aiohttp.ClientError):
                await ws.send_json({"type": "end" if self._pc is not None else "cancel"})
        await self._finish("ended", "station")

    async def wait_closed(self) -> None:
        """Wait until the consult is over and everything is closed."""
        await self._done.wait()

    # Internals

    def _report(self, status: PeerStatus) -> None:
        self.status.put_nowait(status)
        if self._on_status is not None:
            try:
                self._on_status(status)
            except Exception:
                _log.exception("cabin peer: on_status failed")

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        reason = "the portal closed the connection"
        try:
            async for msg in ws:
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except ValueError:
                    continue
                if not isinstance(data, dict):
                    continue
                if await self._handle(ws, data):
                    return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            _log.warning("cabin peer: signalling failed (%s)", type(exc).__name__)
            reason = "signalling failed"
        if not self._finished:
            await self._finish("failed", reason, from_reader=True)

    async def _handle(self, ws: aiohttp.ClientWebSocketResponse, data: dict[str, Any]) -> bool:
        """Act on one message; True when the consult is over."""
        kind = data.get("type")
        if kind == "queued":
            position, wait = data.get("position"), data.get("wait_s")
            self._report(
                PeerStatus(
                    "queued",
                    position=position if isinstance(position, int) else None,
                    wait_s=wait if isinstance(wait, int) else None,
                )
            )
        elif kind == "accepted" and self._pc is None:
            doctor = data.get("doctor")
            name = doctor.get("name") if isinstance(doctor, dict) else None
            self._report(PeerStatus("accepted", doctor=name if isinstance(name, str) else None))
            try:
                await self._call(ws, data.get("ice_servers"))
            except Exception as exc:
                _log.warning("cabin peer: could not make the offer (%s)", type(exc).__name__)
                await self._finish("failed", "could not start the video call", from_reader=True)
                return True
        elif kind == "answer" and self._pc is not None:
            sdp = data.get("sdp")
            if not isinstance(sdp, str):
                await self._finish("failed", "the doctor's answer was malformed", from_reader=True)
                return True
            try:
                await self._pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
            except Exception as exc:
                _log.warning("cabin peer: bad answer (%s)", type(exc).__name__)
                await self._finish("failed", "the doctor's answer was refused", from_reader=True)
                return True
        elif kind == "candidate" and self._pc is not None:
            await self._add_candidate(data.get("candidate"))
        elif kind in {"end", "ended"}:
            by = data.get("by")
            await self._finish("ended", by if isinstance(by, str) else "doctor", from_reader=True)
            return True
        elif kind == "cancelled":
            await self._finish("failed", "no doctor answered in time", from_reader=True)
            return True
        elif kind == "error":
            _log.warning("cabin peer: the portal refused a message (%s)", data.get("error"))
            if self._pc is None:
                await self._finish("failed", "the portal refused the request", from_reader=True)
                return True
        return False

    async def _add_candidate(self, entry: object) -> None:
        if not isinstance(entry, dict):
            return
        line = entry.get("candidate")
        if not isinstance(line, str) or not line:
            return  # end of candidates
        try:
            candidate = candidate_from_sdp(line.removeprefix("candidate:"))
            candidate.sdpMid = entry.get("sdpMid")
            candidate.sdpMLineIndex = entry.get("sdpMLineIndex")
            await self._pc.addIceCandidate(candidate)
        except Exception as exc:
            _log.info("cabin peer: ignored a remote candidate (%s)", type(exc).__name__)

    async def _call(self, ws: aiohttp.ClientWebSocketResponse, ice_servers: object) -> None:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=_ice_servers(ice_servers)))
        self._pc = pc

        def on_state() -> None:
            state = pc.connectionState
            if state == "connected" and not self._connected:
                self._connected = True
                self._report(PeerStatus("connected"))
            elif state == "failed" and not self._finished:
                _log.warning("cabin peer: the media connection failed")
                self._failing = asyncio.get_running_loop().create_task(
                    self._finish("failed", "the video connection failed")
                )

        pc.on("connectionstatechange", on_state)

        def on_track(track: MediaStreamTrack) -> None:
            if self._on_track is None:
                return
            try:
                self._on_track(track)
            except Exception:
                _log.exception("cabin peer: on_track failed")

        pc.on("track", on_track)

        if self._camera is not None:
            pc.addTrack(self._camera)
            _prefer_vp8(pc)
        if self._microphone is not None:
            pc.addTrack(self._microphone)
        self._live = pc.createDataChannel("live", ordered=False, maxRetransmits=0)
        self._control = pc.createDataChannel("control", ordered=True)

        def on_message(message: object) -> None:
            if not isinstance(message, str):
                return
            try:
                data = json.loads(message)
            except ValueError:
                return
            if not isinstance(data, dict):
                return
            try:
                self._on_control(data)
            except Exception:
                _log.exception("cabin peer: on_control failed")

        self._control.on("message", on_message)

        # setLocalDescription returns once ICE gathering is complete (aiortc does not trickle)
        await pc.setLocalDescription(await pc.createOffer())
        await ws.send_json({"type": "offer", "sdp": pc.localDescription.sdp})

    async def _finish(self, kind: StatusKind, reason: str, *, from_reader: bool = False) -> None:
        if self._finished:
            await self._done.wait()
            return
        self._finished = True
        reader = self._reader
        if reader is not None and not from_reader and not reader.done():
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        if self._pc is not None:
            with contextlib.suppress(Exception):
                await self._pc.close()
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._session is not None:
            await self._session.close()
        _log.info("cabin peer: consult over (%s)", kind)
        self._report(PeerStatus(kind, reason=reason))
        self._done.set()
