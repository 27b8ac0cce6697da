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

Keeping the call good (see :mod:`video.rtcp_feedback`, :mod:`video.adapt`):

* The doctor's video is received through a jitter buffer that skips lost
  packets after a short wait and asks for a keyframe (PLI), a watchdog asks
  again when no frame has come for a second, and the REMB the cabin sends is
  kept at or above ``remb_floor`` while nothing is lost (aiortc's own estimate
  held Chromium's camera to about 40 kbit/s).
* The cabin's camera (a :class:`~video.tracks.CameraTrack`) steps its size and
  frame rate down and up with the encoder's target bitrate.
* aiortc has no ICE restart. When the media connection fails, or no video has
  arrived for ``media_timeout`` seconds, while the portal socket is up, the
  cabin reports ``reconnecting``, builds a new connection with the same tracks
  and fresh ``live``/``control`` channels, and sends a new ``offer`` on the
  same socket; the doctor's console answers it with a new connection of its
  own. After ``reconnect_attempts`` attempts that each got no ``connected``
  within ``reconnect_timeout`` seconds, the consult ``failed``. The tracks given
  to ``on_track`` (:class:`~video.incoming.IncomingTrack`) and the data-channel
  methods carry on across a reconnection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
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
from aiortc.mediastreams import MediaStreamError
from aiortc.sdp import candidate_from_sdp
from av.frame import Frame
from av.packet import Packet

from video import rtcp_feedback
from video.adapt import LinkAdapter, ladder_for
from video.incoming import IncomingTrack
from video.tracks import CameraTrack

__all__ = ["LIVE_BUFFER_LIMIT", "CabinPeer", "PeerStatus", "StatusKind"]

_log = logging.getLogger(__name__)

LIVE_BUFFER_LIMIT = 16 * 1024
"""Bytes waiting in the ``live`` channel above which :meth:`CabinPeer.send_live` drops."""

StatusKind = Literal["queued", "accepted", "connected", "reconnecting", "ended", "failed"]

MEDIA_TIMEOUT = 6.0
"""Seconds without incoming video (after some came) before the connection is rebuilt."""

RECONNECT_ATTEMPTS = 3
"""Rebuilt connections tried in a row before the consult fails."""

RECONNECT_TIMEOUT = 15.0
"""Seconds a rebuilt connection has to reach ``connected``."""

_WATCH_INTERVAL = 0.25  # s between watchdog rounds
_ADAPT_INTERVAL = 1.0  # s between looks at the encoder's target bitrate


@dataclass(frozen=True, slots=True)
class PeerStatus:
    """One step of a consult, as the cabin's screen would show it.

    Attributes:
        kind: ``queued``, ``accepted``, ``connected``, ``reconnecting``, ``ended``
            or ``failed``.
        position: place in the queue (``queued`` only; 1 is next).
        wait_s: the portal's wait estimate in seconds (``queued`` only).
        doctor: the doctor's display name (``accepted`` only).
        doctor_id: the doctor's portal account id (``accepted`` only), the same for
            every consult that doctor takes.
        reason: a plain reason (``ended``: ``"doctor"``, ``"station"``;
            ``failed`` and ``reconnecting``: why, in words; ``connected``:
            ``"reconnected"`` after a reconnection).
    """

    kind: StatusKind
    position: int | None = None
    wait_s: int | None = None
    doctor: str | None = None
    doctor_id: str | None = None
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


class _Relay(MediaStreamTrack):
    """Hands one connection the caller's track; aiortc stops this, not the caller's track."""

    def __init__(self, source: MediaStreamTrack) -> None:
        super().__init__()
        self.kind = source.kind
        self._source = source

    async def recv(self) -> Frame | Packet[Any]:
        if self.readyState != "live":
            raise MediaStreamError
        return await self._source.recv()


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
            ``"audio"``), as soon as the answer announces it; once per kind, the
            same track across reconnections (see :class:`~video.incoming.IncomingTrack`).
        live_buffer_limit: see :data:`LIVE_BUFFER_LIMIT`.
        remb_floor: bit/s the doctor's camera may send while nothing is lost
            (``None``: aiortc's own REMB).
        media_timeout: see :data:`MEDIA_TIMEOUT`.
        reconnect_attempts: see :data:`RECONNECT_ATTEMPTS` (0: fail at once).
        reconnect_timeout: see :data:`RECONNECT_TIMEOUT`.
        adapt_camera: step a :class:`~video.tracks.CameraTrack` camera's format
            with the link (:mod:`video.adapt`).

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
        remb_floor: int | None = rtcp_feedback.REMB_FLOOR,
        media_timeout: float = MEDIA_TIMEOUT,
        reconnect_attempts: int = RECONNECT_ATTEMPTS,
        reconnect_timeout: float = RECONNECT_TIMEOUT,
        adapt_camera: bool = True,
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
        self._done = asyncio.Event()
        self._finished = False
        self._connected = False
        self._remb_floor = remb_floor
        self._media_timeout = media_timeout
        self._max_attempts = reconnect_attempts
        self._reconnect_timeout = reconnect_timeout
        self._ice_servers: list[Any] = []
        self._generation = 0
        self._attempts = 0
        self._rebuild_started: float | None = None
        self._rebuild: asyncio.Task[None] | None = None
        self._watch_task: asyncio.Task[None] | None = None
        self._incoming: dict[str, IncomingTrack] = {}
        self._monitor: rtcp_feedback.VideoReceiveMonitor | None = None
        self._video_sender: Any = None
        self._adapter: LinkAdapter | None = None
        if adapt_camera and isinstance(camera, CameraTrack):
            self._adapter = LinkAdapter(ladder_for(*camera.native))
        self.reconnections = 0
        """Connections rebuilt so far (successfully or not)."""

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
            account = doctor.get("id") if isinstance(doctor, dict) else None
            self._report(
                PeerStatus(
                    "accepted",
                    doctor=name if isinstance(name, str) else None,
                    doctor_id=account if isinstance(account, str) else None,
                )
            )
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
                if self.reconnections:
                    return False  # a late answer to an earlier offer; the time-out handles it
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
        self._ice_servers = _ice_servers(ice_servers)
        await self._offer(ws)
        self._watch_task = asyncio.get_running_loop().create_task(self._watch(ws))

    async def _offer(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Build a connection (tracks, channels, receive repair) and send its offer."""
        self._generation += 1
        generation = self._generation
        pc = RTCPeerConnection(RTCConfiguration(iceServers=self._ice_servers))
        self._pc = pc
        self._monitor = None
        self._video_sender = None

        def on_state() -> None:
            if generation != self._generation or self._finished:
                return
            state = pc.connectionState
            if state == "connected":
                self._attempts = 0
                self._rebuild_started = None
                if not self._connected:
                    self._connected = True
                    self._report(PeerStatus("connected"))
                else:
                    _log.info("cabin peer: media connection restored")
                    self._report(PeerStatus("connected", reason="reconnected"))
            elif state in ("failed", "closed"):
                # When ICE gives up (consent expired), aiortc closes the DTLS transport
                # first and reports "closed", not "failed". Our own closes bump the
                # generation first, so a "closed" that gets here was not ours.
                _log.warning("cabin peer: the media connection %s", state)
                self._reconnect(ws, "the video connection failed")

        pc.on("connectionstatechange", on_state)

        def on_track(track: MediaStreamTrack) -> None:
            incoming = self._incoming.get(track.kind)
            if incoming is None:
                incoming = self._incoming[track.kind] = IncomingTrack(track.kind)
                if self._on_track is not None:
                    try:
                        self._on_track(incoming)
                    except Exception:
                        _log.exception("cabin peer: on_track failed")
            incoming.attach(track)

        pc.on("track", on_track)

        if self._camera is not None:
            self._video_sender = pc.addTrack(_Relay(self._camera))
            _prefer_vp8(pc)
            for transceiver in pc.getTransceivers():
                if transceiver.kind == "video":
                    try:
                        self._monitor = rtcp_feedback.install(
                            transceiver.receiver, remb_floor=self._remb_floor
                        )
                    except rtcp_feedback.AiortcChanged as exc:
                        _log.warning("cabin peer: no receive repair (%s)", exc)
        if self._microphone is not None:
            pc.addTrack(_Relay(self._microphone))
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
        if generation != self._generation:
            return
        await ws.send_json({"type": "offer", "sdp": pc.localDescription.sdp})

    def _reconnect(self, ws: aiohttp.ClientWebSocketResponse, reason: str) -> None:
        """Start rebuilding the connection (unless already doing so or over)."""
        if self._finished or (self._rebuild is not None and not self._rebuild.done()):
            return
        self._rebuild = asyncio.get_running_loop().create_task(self._rebuild_once(ws, reason))

    async def _rebuild_once(self, ws: aiohttp.ClientWebSocketResponse, reason: str) -> None:
        if ws.closed:
            await self._finish("failed", reason)
            return
        if self._attempts >= self._max_attempts:
            await self._finish("failed", "the video connection could not be restored")
            return
        self._attempts += 1
        self.reconnections += 1
        self._rebuild_started = time.monotonic()
        _log.info("cabin peer: rebuilding the media connection (attempt %d)", self._attempts)
        self._report(PeerStatus("reconnecting", reason=reason))
        old = self._pc
        self._generation += 1  # the old connection's events are ignored from here on
        if old is not None:
            with contextlib.suppress(Exception):
                await old.close()
        if self._finished:
            return
        try:
            await self._offer(ws)
        except Exception as exc:
            _log.warning("cabin peer: could not make a new offer (%s)", type(exc).__name__)
            await self._finish("failed", "could not restart the video call")

    async def _watch(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Keyframe watchdog, stall and reconnection time-outs, camera adaptation."""
        next_adapt = 0.0
        while not self._finished:
            await asyncio.sleep(_WATCH_INTERVAL)
            now = time.monotonic()
            monitor = self._monitor
            if monitor is not None and monitor.tick(now):
                with contextlib.suppress(ConnectionError):
                    await monitor.request_keyframe()
            rebuilding = self._rebuild is not None and not self._rebuild.done()
            if rebuilding:
                continue
            if self._rebuild_started is not None:
                if now - self._rebuild_started > self._reconnect_timeout:
                    self._reconnect(ws, "the video connection did not come back")
                continue
            age = monitor.media_age(now) if monitor is not None else None
            if self._connected and age is not None and age > self._media_timeout:
                _log.warning("cabin peer: no video for %.0f s", age)
                self._reconnect(ws, "no video from the doctor")
                continue
            if self._adapter is not None and now >= next_adapt:
                next_adapt = now + _ADAPT_INTERVAL
                self._adapt(now)

    def _adapt(self, now: float) -> None:
        adapter, camera, sender = self._adapter, self._camera, self._video_sender
        if adapter is None or not isinstance(camera, CameraTrack) or sender is None:
            return
        bitrate = rtcp_feedback.sender_target_bitrate(sender)
        if bitrate is None:
            return
        rung = adapter.update(bitrate, now)
        if rung is not None:
            _log.info(
                "cabin peer: camera to %dx%d at %g fps (%d kbit/s)",
                rung.width,
                rung.height,
                rung.fps,
                bitrate // 1000,
            )
            camera.set_format(rung.width, rung.height, rung.fps)

    async def _finish(self, kind: StatusKind, reason: str, *, from_reader: bool = False) -> None:
        if self._finished:
            await self._done.wait()
            return
        self._finished = True
        self._generation += 1
        current = asyncio.current_task()
        for task in (self._watch_task, self._rebuild):
            if task is not None and task is not current and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        reader = self._reader
        if reader is not None and not from_reader and not reader.done():
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        for incoming in self._incoming.values():
            incoming.stop()
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
