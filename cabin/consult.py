"""The teleconsultation of a visit: the cabin's glue around :class:`video.peer.CabinPeer`.

:class:`ConsultSession` asks the portal for a doctor with a summary that names
nobody (age, sex, values, flags), shows the camera and microphone to the
doctor, plays the doctor's voice (:class:`video.speaker.Speaker`; ``[consult]
speaker``), and while the call lasts:

* forwards the devices' live waveforms (paced by :class:`video.live.LivePacer`)
  and values on the ``live`` channel;
* sends a :class:`video.control.Record` (this visit's readings and up to ten
  earlier visits) when the call connects and again after each new reading;
* answers the doctor's requests on ``control``: :class:`~video.control.Remeasure`
  runs that measurement through the :class:`~cabin.controller.Controller` (the
  visit stays in its ``consult`` step) and answers ``Ack``, ``Measuring``, then
  ``Result`` once the reading is stored, or ``Unable`` with the reason when it
  cannot be done (busy, no such device, the measurement's own problem);
  :class:`~video.control.Instruction` shows a catalogue sentence
  (``advice.<key>``; an unknown key is acknowledged and shown as nothing);
  :class:`~video.control.Note` is stored, then acknowledged;
  :class:`~video.control.End` ends the call.

The consult is stored as it happens (begin, the doctor, each note, the end and
why). A failure (portal unreachable, the station's key refused, no doctor, the
media link lost) becomes a :class:`ConsultView` in the ``failed`` phase whose
``failure`` is a catalogue key in plain Vietnamese; nothing measured is lost
and the visit goes back to its results. No Qt here: the kiosk's
:class:`cabin.ui.consult.ConsultScreen` shows each :class:`ConsultView`.
Nothing personal is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import logging
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import aiohttp
from aiortc import MediaStreamTrack
from av import VideoFrame

from cabin.config import ConsultConfig
from cabin.consult_record import record_for, summary_for
from cabin.controller import Controller
from cabin.errors import CabinError
from cabin.i18n import CATALOGUE
from cabin.measure import Failure, Outcome, Vital
from cabin.store import Store
from hardware.events import Reading as DeviceReading
from hardware.events import WaveformChunk
from hardware.hub import DeviceHub
from video.control import (
    Ack,
    ControlMessage,
    End,
    Instruction,
    Measuring,
    Note,
    Remeasure,
    Result,
    Unable,
    encode_control,
    parse_control,
)
from video.live import LivePacer, values_message
from video.peer import CabinPeer, PeerStatus
from video.speaker import Speaker
from video.strict_json import SHORT_CODE
from video.tracks import CameraTrack, MicrophoneTrack

__all__ = [
    "ConsultSession",
    "ConsultSettings",
    "ConsultView",
    "PeerFactory",
    "Phase",
    "record_for",
    "summary_for",
]

log = logging.getLogger(__name__)

_LIVE_TICK = 0.1  # seconds between pulls of the live pacer
_RECORD_RETRY = 0.1  # seconds between tries while the control channel opens
_RECORD_PATIENCE = 15.0  # seconds to keep trying
_SELF_STALE = 0.5  # seconds after which the self view reads the camera itself


class Phase(enum.StrEnum):
    """Where the consult is, as the screen shows it."""

    CONNECTING = "connecting"
    WAITING = "waiting"
    CALL = "call"
    ENDED = "ended"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ConsultView:
    """What the consult screen shows now.

    Attributes:
        phase: where the consult is.
        position: place in the queue (``waiting``; 1 is next).
        wait_minutes: about how long until a doctor answers, in minutes (``waiting``).
        doctor: the doctor's display name (``call``).
        measuring: the vital being measured again for the doctor, if any.
        advice: the catalogue key of the doctor's latest instruction (``advice.<key>``).
        failure: the catalogue key saying why it failed (``failed``).
        reconnecting: the media link dropped and is being rebuilt (``call``).
    """

    phase: Phase
    position: int | None = None
    wait_minutes: int | None = None
    doctor: str | None = None
    measuring: Vital | None = None
    advice: str | None = None
    failure: str | None = None
    reconnecting: bool = False


class _SelfViewCamera(CameraTrack):
    """The camera, keeping the last frame it gave the call for the kiosk's self view."""

    latest: VideoFrame | None = None
    latest_at = 0.0  # time.monotonic() of ``latest``

    async def recv(self) -> VideoFrame:
        frame = await super().recv()
        self.latest, self.latest_at = frame, time.monotonic()
        return frame


@dataclass(frozen=True, slots=True)
class ConsultSettings:
    """Where the station calls a doctor (see :class:`cabin.config.ConsultConfig`)."""

    portal_url: str
    station_id: str
    key_file: Path
    camera: str = "sim"
    microphone: str = "sim"
    wait_timeout: float = 600.0
    timezone: str = "Asia/Ho_Chi_Minh"
    speaker: tuple[str, ...] = ()  # the player's command line; empty: aplay when present

    @classmethod
    def from_config(
        cls, config: ConsultConfig, *, timezone: str = "Asia/Ho_Chi_Minh"
    ) -> ConsultSettings | None:
        """The settings, or None when no portal is configured."""
        if not config.enabled:
            return None
        return cls(
            config.portal_url.strip(),
            config.station_id,
            config.key_file,
            config.camera,
            config.microphone,
            config.wait_timeout,
            timezone,
            tuple(shlex.split(config.speaker)),
        )


class PeerFactory(Protocol):
    """Makes the :class:`CabinPeer` (tests pass the class itself, or a wrapper)."""

    def __call__(
        self,
        base_url: str,
        station_id: str,
        key: str,
        summary: dict[str, object],
        *,
        visit: str,
        camera: MediaStreamTrack | None,
        microphone: MediaStreamTrack | None,
        on_control: Callable[[dict[str, Any]], None],
        on_status: Callable[[PeerStatus], None] | None = None,
        on_track: Callable[[MediaStreamTrack], None] | None = None,
    ) -> CabinPeer: ...


def _failure_key(reason: str) -> str:
    """The catalogue key for a :class:`PeerStatus` failure reason (plain English words)."""
    if "reach" in reason:
        return "consult.fail.unreachable"
    if "refused the request" in reason or "key" in reason:
        return "consult.fail.refused"
    if "no doctor" in reason:
        return "consult.fail.no_doctor"
    if "video" in reason or "answer" in reason:
        return "consult.fail.video"
    return "consult.fail.lost"


# How a consult ended, as stored: a short code per failure key.
_END_CODES = {
    "consult.fail.unreachable": "unreachable",
    "consult.fail.refused": "refused",
    "consult.fail.no_doctor": "no_doctor",
    "consult.fail.video": "video_failed",
    "consult.fail.lost": "lost",
}


class ConsultSession:
    """One call to a doctor during a visit. Use once; the kiosk makes one per call.

    Args:
        settings: the portal and the media sources.
        store: the open store (the consult is kept there as it happens).
        hub: the device hub (its waveforms and values go live to the doctor).
        controller: runs a measurement the doctor asks for.
        visit_id: the visit, which must be in its ``consult`` step.
        on_change: called with each new :class:`ConsultView`.
        on_video: called with the doctor's video track when it arrives, and with
            None when the call is over.
        peer_factory: makes the peer (:class:`CabinPeer` by default).
    """

    def __init__(
        self,
        settings: ConsultSettings,
        store: Store,
        hub: DeviceHub,
        controller: Controller,
        visit_id: str,
        *,
        on_change: Callable[[ConsultView], None] | None = None,
        on_video: Callable[[MediaStreamTrack | None], None] | None = None,
        peer_factory: PeerFactory = CabinPeer,
    ) -> None:
        self.settings = settings
        self.store = store
        self.hub = hub
        self.controller = controller
        self.visit_id = visit_id
        self._on_change = on_change
        self._on_video = on_video
        self._peer_factory = peer_factory
        self.view = ConsultView(Phase.CONNECTING)
        self.consult_id: int | None = None
        self.peer: CabinPeer | None = None
        self.remote_video: MediaStreamTrack | None = None
        self.sent: list[ControlMessage] = []  # what went to the doctor on control, in order
        self._camera: _SelfViewCamera | None = None
        self._microphone: MicrophoneTrack | None = None
        self._speaker: Speaker | None = None  # plays the doctor's audio
        self._tasks: set[asyncio.Task[Any]] = set()
        self._queued_at: float | None = None
        self._live_running = False
        self._done = asyncio.Event()
        self._closing = False

    # --- public API ---------------------------------------------------------------------

    @property
    def done(self) -> bool:
        """True once the consult has ended or failed and everything is closed."""
        return self._done.is_set()

    async def start(self) -> None:
        """Ask the portal for a doctor; progress follows through ``on_change``.

        Never raises for a portal, key or network problem: those end in ``failed``.
        """
        self.consult_id = self.store.begin_consult(self.visit_id)
        try:
            key = self.settings.key_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            log.warning("consult: no station key", extra={"error": type(exc).__name__})
            key = ""
        if not key:
            await self._fail("consult.fail.refused")
            return
        self._open_media()
        summary = summary_for(self.store, self.visit_id)
        self.peer = self._peer_factory(
            self.settings.portal_url,
            self.settings.station_id,
            key,
            summary,
            visit=self.visit_id,
            camera=self._camera,
            microphone=self._microphone,
            on_control=self._on_control,
            on_status=self._on_status,
            on_track=self._on_track,
        )
        try:
            await self.peer.start()
        except aiohttp.WSServerHandshakeError as exc:
            log.warning("consult: the portal refused the station", extra={"status": exc.status})
            await self._fail(
                "consult.fail.refused" if exc.status in (401, 403) else "consult.fail.unreachable"
            )
        except (aiohttp.ClientError, OSError) as exc:
            log.warning("consult: portal unreachable", extra={"error": type(exc).__name__})
            await self._fail("consult.fail.unreachable")

    async def self_view(self) -> VideoFrame | None:
        """What the camera sees, for the resident's own small picture (None: no camera).

        During the call, the last frame sent to the doctor; before it (nobody reads
        the camera yet), a frame read here.
        """
        camera = self._camera
        if camera is None or self._closing:
            return None
        if camera.latest is None or time.monotonic() - camera.latest_at > _SELF_STALE:
            return await camera.recv()
        return camera.latest

    async def hang_up(self) -> None:
        """The resident ends the call (or stops waiting)."""
        await self._close("resident", Phase.ENDED)

    async def wait_closed(self) -> None:
        await self._done.wait()

    async def aclose(self) -> None:
        """Close everything (the kiosk is closing or the visit ended); idempotent."""
        await self._close("resident", Phase.ENDED)

    # --- the peer's callbacks -----------------------------------------------------------

    def _on_status(self, status: PeerStatus) -> None:
        if self._closing:
            return
        if status.kind == "queued":
            minutes = None if status.wait_s is None else max(1, round(status.wait_s / 60))
            self._show(replace(self.view, phase=Phase.WAITING, position=status.position,
                               wait_minutes=minutes))  # fmt: skip
            if self._queued_at is None:
                self._queued_at = asyncio.get_running_loop().time()
                self._spawn(self._give_up_waiting())
        elif status.kind == "accepted":
            name = status.doctor or ""
            if self.consult_id is not None:
                self.store.set_consult_doctor(self.consult_id, status.doctor_id, name)
            self._show(ConsultView(Phase.CALL, doctor=name))
        elif status.kind == "connected":
            if self.view.reconnecting:
                self._show(replace(self.view, reconnecting=False))
            self._spawn(self._send_record())
            if not self._live_running:
                self._live_running = True
                self._spawn(self._forward_live())
        elif status.kind == "reconnecting":
            self._show(replace(self.view, reconnecting=True))
        elif status.kind == "ended":
            self._spawn(self._close("doctor" if status.reason == "doctor" else "resident",
                                    Phase.ENDED))  # fmt: skip
        elif status.kind == "failed":
            self._spawn(self._fail(_failure_key(status.reason)))

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "video":
            self.remote_video = track
            if self._on_video is not None:
                self._on_video(track)
        elif track.kind == "audio" and self._speaker is None and not self._closing:
            self._speaker = Speaker(self.settings.speaker)
            self._speaker.start(track)

    def _on_control(self, data: dict[str, Any]) -> None:
        try:
            message = parse_control(json.dumps(data, ensure_ascii=False))
        except ValueError:
            log.info("consult: ignored a malformed control message")
            return
        match message:
            case Remeasure(id=i, vital=vital):
                self._send(Ack(i))
                self._spawn(self._remeasure(i, vital))
            case Instruction(id=i, key=key):
                self._send(Ack(i))
                if f"advice.{key}" in CATALOGUE:
                    self._show(replace(self.view, advice=f"advice.{key}"))
                else:
                    log.info("consult: unknown instruction", extra={"kind": key})
            case Note(id=i, text=text):
                if self.consult_id is not None:
                    version = self.store.set_consult_note(self.consult_id, text)
                    log.info("consult: note kept", extra={"version": version})
                self._send(Ack(i))
            case End(id=i):
                self._send(Ack(i))
                self._spawn(self._close("doctor", Phase.ENDED))
            case _:
                log.info("consult: ignored a control message meant for the doctor")

    # --- the work -----------------------------------------------------------------------

    async def _remeasure(self, request: str, vital: Vital) -> None:
        if self.controller.measuring or vital not in self.controller.available():
            log.info("consult: cannot measure now", extra={"kind": str(vital)})
            reason = "busy" if self.controller.measuring else "no_device"
            self._send(Unable(request, vital, reason))
            return
        self._send(Measuring(request, vital))
        self._show(replace(self.view, measuring=vital, advice=None))
        try:
            outcome = await self.controller.measure(vital)
        except CabinError as exc:
            log.warning("consult: the measurement failed", extra={"error": type(exc).__name__})
            outcome = None
        finally:
            if not self._closing:
                self._show(replace(self.view, measuring=None))
        if self._closing:
            return
        if isinstance(outcome, Outcome) and outcome.kept:
            kept = outcome.kept[0]
            self._send(Result(request, vital, kept.values, kept.unit))
            await self._send_record()
        elif isinstance(outcome, Failure):
            reason = str(outcome.reason)
            code = reason if SHORT_CODE.fullmatch(reason) else "no_reading"
            self._send(Unable(request, vital, code))
        else:
            self._send(Unable(request, vital, "device_error" if outcome is None else "no_reading"))

    async def _send_record(self) -> None:
        record = record_for(self.store, self.visit_id, timezone=self.settings.timezone)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _RECORD_PATIENCE
        while not self._closing and loop.time() < deadline:
            if self._send(record):
                return
            await asyncio.sleep(_RECORD_RETRY)

    async def _forward_live(self) -> None:
        pacer = LivePacer()
        with self.hub.subscribe() as subscription:
            while not self._closing:
                try:
                    event = await asyncio.wait_for(subscription.get(), _LIVE_TICK)
                except TimeoutError:
                    event = None
                peer = self.peer
                if peer is None:
                    return
                if isinstance(event, WaveformChunk):
                    with contextlib.suppress(ValueError):
                        pacer.feed(event)
                elif isinstance(event, DeviceReading):
                    with contextlib.suppress(ValueError):
                        peer.send_live(values_message(event.values, event.unit))
                for text in pacer.pull():
                    peer.send_live(text)

    async def _give_up_waiting(self) -> None:
        await asyncio.sleep(self.settings.wait_timeout)
        if self.view.phase is Phase.WAITING and not self._closing:
            log.info("consult: no doctor answered in time")
            await self._fail("consult.fail.no_doctor")

    # --- plumbing -----------------------------------------------------------------------

    def _send(self, message: ControlMessage) -> bool:
        peer = self.peer
        if peer is None:
            return False
        try:
            text = encode_control(message)
        except ValueError:
            log.warning("consult: a control message could not be encoded")
            return False
        if peer.send_control(json.loads(text)):
            self.sent.append(message)
            return True
        return False

    def _show(self, view: ConsultView) -> None:
        self.view = view
        if self._on_change is not None:
            try:
                self._on_change(view)
            except Exception:
                log.exception("consult: on_change failed")

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _open_media(self) -> None:
        camera = self.settings.camera
        if camera:
            try:
                self._camera = _SelfViewCamera(None if camera == "sim" else int(camera))
            except CabinError as exc:
                log.warning("consult: camera unavailable", extra={"error": type(exc).__name__})
        if self.settings.microphone == "sim":
            self._microphone = MicrophoneTrack()

    async def _fail(self, key: str) -> None:
        await self._close(_END_CODES.get(key, "lost"), Phase.FAILED, failure=key)

    async def _close(self, reason: str, phase: Phase, *, failure: str | None = None) -> None:
        if self._closing:
            await self._done.wait()
            return
        self._closing = True
        current = asyncio.current_task()
        if self.controller.measuring:
            with contextlib.suppress(CabinError):
                await self.controller.cancel_measure()
        if self.peer is not None:
            await self.peer.end()
        if self.consult_id is not None:
            self.store.end_consult(self.consult_id, reason)
        others = [t for t in self._tasks if t is not current]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        if self._speaker is not None:
            with contextlib.suppress(Exception):
                await self._speaker.stop()
        for track in (self._camera, self._microphone):
            if track is not None:
                track.stop()
        self.remote_video = None
        if self._on_video is not None:
            self._on_video(None)
        log.info("consult over", extra={"reason": reason})
        self._show(ConsultView(phase, doctor=self.view.doctor, failure=failure))
        self._done.set()
