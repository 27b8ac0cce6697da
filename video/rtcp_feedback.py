"""Receive-side repair for aiortc video: keyframe requests, sane REMB, a stall watchdog.

This is the one module that reaches into aiortc's private parts; it is written
against aiortc 1.16 (:data:`KNOWN_AIORTC`), and :func:`check_aiortc` (run by a
test, and by :func:`install` before it touches anything) fails loudly when a
part it relies on has moved. What it changes, and why:

* **Frozen video after loss.** aiortc's :class:`~aiortc.jitterbuffer.JitterBuffer`
  hands frames to the decoder strictly in sequence order and waits at a missing
  packet until 512 packets have piled up behind it; only then does it drop data
  and send a PLI. At a low bitrate that is tens of seconds of frozen picture.
  :class:`RecoveringJitterBuffer` gives a hole :data:`HOLE_TIMEOUT` seconds for
  a NACK retransmission, then skips past it, drops frames until a VP8 keyframe
  arrives and asks for one (PLI, at most one per :data:`PLI_INTERVAL`).
* **REMB that starves the doctor's camera.** aiortc's receiver sends REMB from
  its :class:`~aiortc.rate.RemoteBitrateEstimator` whenever ``abs-send-time`` is
  negotiated. The estimator only starts after 3 s, caps its estimate at 1.5 x
  the *incoming* rate (Chromium starts at 300 kbit/s or less) and reads the
  arrival-time jitter of a Python event loop as congestion; each false
  "overuse" cuts to 0.85 x the incoming rate. Chromium obeys REMB as a ceiling,
  so the two ratchet each other down (about 40 kbit/s at 320x240 was measured).
  :class:`FlooredEstimator` reports at least ``floor`` while the stream is
  loss-free (sending it from the first packet, inside Chromium's start phase,
  so Chromium ramps at once) and the estimator's own figure when packets are
  being lost; Chromium's loss-based controller still backs off on loss by itself.
* **Watchdog.** :class:`VideoReceiveMonitor` knows when packets and frames last
  came; :meth:`VideoReceiveMonitor.tick` asks for a keyframe when packets come
  but no frame has been put together for :data:`NO_FRAME_PLI` seconds, and tells
  the caller when media has stopped altogether (to rebuild the connection).

It also reads the VP8 encoder's target bitrate from a sender
(:func:`sender_target_bitrate`), which aiortc sets from the far end's REMB.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from aiortc import RTCRtpReceiver, RTCRtpSender
from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.rate import RemoteBitrateEstimator
from aiortc.rtp import RtpPacket
from aiortc.utils import uint16_add, uint16_gt

__all__ = [
    "HOLE_TIMEOUT",
    "KNOWN_AIORTC",
    "NO_FRAME_PLI",
    "PLI_INTERVAL",
    "REMB_FLOOR",
    "FlooredEstimator",
    "KeyframeLimiter",
    "LossWindow",
    "RecoveringJitterBuffer",
    "VideoReceiveMonitor",
    "check_aiortc",
    "install",
    "is_vp8_keyframe",
    "sender_target_bitrate",
]

_log = logging.getLogger(__name__)

KNOWN_AIORTC = "1.16"
"""The aiortc release whose internals this module was written against."""

HOLE_TIMEOUT = 0.3
"""Seconds a missing packet may wait for its retransmission before it is skipped."""

PLI_INTERVAL = 0.5
"""Seconds between two keyframe requests, at least."""

NO_FRAME_PLI = 1.0
"""Seconds without a complete frame, while packets arrive, before the watchdog asks for one."""

REMB_FLOOR = 1_500_000
"""Bits per second the cabin lets the doctor's camera send while nothing is lost."""

LOSS_THRESHOLD = 0.02
"""Fraction of packets lost (over :class:`LossWindow`'s span) that counts as "lossy"."""

_REMB_INTERVAL = 0.5  # s between REMB reports the floor adds itself
_VP8_START_CODE = b"\x9d\x01\x2a"

# The private names used, per object (aiortc 1.16):
_RECEIVER_JITTER = "_RTCRtpReceiver__jitter_buffer"
_RECEIVER_ESTIMATOR = "_RTCRtpReceiver__remote_bitrate_estimator"
_RECEIVER_PLI = "_send_rtcp_pli"
_SENDER_ENCODER = "_RTCRtpSender__encoder"


class AiortcChanged(RuntimeError):
    """aiortc's internals are not what this module was written against."""


def check_aiortc(receiver: object | None = None, sender: object | None = None) -> None:
    """Fail with :class:`AiortcChanged` unless aiortc's private parts are where we expect.

    With no arguments, checks the classes; given a video receiver or a sender,
    checks that instance too.
    """
    installed = version("aiortc")
    if not installed.startswith(KNOWN_AIORTC + "."):
        raise AiortcChanged(f"written for aiortc {KNOWN_AIORTC}.x, found {installed}")
    for name in ("_remove_frame", "remove", "add"):
        if not callable(getattr(JitterBuffer, name, None)):
            raise AiortcChanged(f"JitterBuffer.{name} is gone")
    probe = JitterBuffer(capacity=4, is_video=True)
    for name in ("_origin", "_packets", "_capacity"):
        if not hasattr(probe, name):
            raise AiortcChanged(f"JitterBuffer().{name} is gone")
    if not callable(getattr(RTCRtpReceiver, _RECEIVER_PLI, None)):
        raise AiortcChanged("RTCRtpReceiver._send_rtcp_pli is gone")
    if not hasattr(RemoteBitrateEstimator, "add"):
        raise AiortcChanged("RemoteBitrateEstimator.add is gone")
    if receiver is not None:
        for name in (_RECEIVER_JITTER, _RECEIVER_ESTIMATOR):
            if not hasattr(receiver, name):
                raise AiortcChanged(f"RTCRtpReceiver.{name} is gone")
        if not isinstance(getattr(receiver, _RECEIVER_JITTER), JitterBuffer):
            raise AiortcChanged("RTCRtpReceiver's jitter buffer is not a JitterBuffer")
    if sender is not None and not isinstance(sender, RTCRtpSender):
        raise AiortcChanged("not an RTCRtpSender")
    if sender is not None and not hasattr(sender, _SENDER_ENCODER):
        raise AiortcChanged("RTCRtpSender.__encoder is gone")


def is_vp8_keyframe(data: bytes) -> bool:
    """True when ``data`` starts a VP8 keyframe (RFC 6386 9.1: P bit clear, start code)."""
    return len(data) >= 10 and not data[0] & 0x01 and data[3:6] == _VP8_START_CODE


class KeyframeLimiter:
    """At most one keyframe request per ``interval`` seconds."""

    def __init__(self, interval: float = PLI_INTERVAL) -> None:
        self.interval = interval
        self.sent = 0
        self._last: float | None = None

    def allow(self, now: float) -> bool:
        """Whether a request may go now (and count it if so)."""
        if self._last is not None and now - self._last < self.interval:
            return False
        self._last = now
        self.sent += 1
        return True


class LossWindow:
    """The fraction of packets lost over the last ``span`` seconds, from sequence numbers.

    A packet that arrives late (a retransmission fills its hole) is not counted lost.
    """

    def __init__(self, span: float = 2.0) -> None:
        self.span = span
        self._max_seq: int | None = None
        self._events: deque[tuple[float, int, int]] = deque()  # (time, received, lost)

    def add(self, sequence_number: int, now: float) -> None:
        """Note one packet's arrival."""
        lost = 0
        if self._max_seq is None:
            self._max_seq = sequence_number
        elif uint16_gt(sequence_number, self._max_seq):
            lost = uint16_add(sequence_number, -self._max_seq) - 1
            self._max_seq = sequence_number
        else:
            lost = -1  # a late packet: one fewer lost
        self._events.append((now, 1, lost))
        self._trim(now)

    def fraction(self, now: float) -> float:
        """Lost / expected over the window (0.0 with nothing seen)."""
        self._trim(now)
        received = sum(e[1] for e in self._events)
        lost = max(0, sum(e[2] for e in self._events))
        expected = received + lost
        return lost / expected if expected else 0.0

    def _trim(self, now: float) -> None:
        while self._events and now - self._events[0][0] > self.span:
            self._events.popleft()


class RecoveringJitterBuffer(JitterBuffer):
    """aiortc's video jitter buffer that gives up on a hole after ``hole_timeout`` seconds.

    After skipping a hole it passes no frame to the decoder until a VP8
    keyframe (a delta frame would decode against a picture the decoder never
    had), and asks for one through ``add``'s PLI flag, which aiortc's receiver
    turns into an RTCP PLI. Flags are rate-limited by ``limiter``.
    """

    def __init__(
        self,
        capacity: int = 512,
        *,
        hole_timeout: float = HOLE_TIMEOUT,
        limiter: KeyframeLimiter | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(capacity=capacity, is_video=True)
        self.hole_timeout = hole_timeout
        self.limiter = limiter if limiter is not None else KeyframeLimiter()
        self.loss = LossWindow()
        self.clock = clock
        self.awaiting_keyframe = False
        self.frames = 0
        self.keyframes = 0
        self.skips = 0
        self.packets = 0
        self.last_packet_at: float | None = None
        self.last_frame_at: float | None = None
        self.last_ssrc: int | None = None
        self._progress_at: float | None = None

    def add(self, packet: RtpPacket) -> tuple[bool, JitterFrame | None]:
        now = self.clock()
        self.packets += 1
        self.last_packet_at = now
        self.last_ssrc = packet.ssrc
        self.loss.add(packet.sequence_number, now)
        if self._progress_at is None:
            self._progress_at = now
        pli, frame = super().add(packet)
        if pli:  # aiortc dropped data (overflow or a jump): wait for a keyframe
            self.awaiting_keyframe = True
        if frame is None and now - self._progress_at > self.hole_timeout and self._skip_hole():
            self.skips += 1
            self.awaiting_keyframe = True
            self._progress_at = now
            pli = True
            frame = self._remove_frame(packet.sequence_number)
        if frame is not None:
            self._progress_at = now
            if is_vp8_keyframe(frame.data):
                self.awaiting_keyframe = False
                self.keyframes += 1
            elif self.awaiting_keyframe:
                frame = None
                pli = True
        if frame is not None:
            self.frames += 1
            self.last_frame_at = now
        if pli:
            pli = self.limiter.allow(now)
        return pli, frame

    def _skip_hole(self) -> bool:
        """Drop everything before the first frame that starts after a missing packet.

        Returns False when there is no missing packet with data behind it.
        """
        packets = self._packets
        capacity = self._capacity
        origin = self._origin
        if origin is None:
            return False
        before: int | None = None  # timestamp of the frame cut by the hole
        seen_hole = False
        for count in range(capacity):
            packet = packets[(origin + count) % capacity]
            if packet is None:
                seen_hole = True
                continue
            if not seen_hole:
                before = packet.timestamp
                continue
            if packet.timestamp != before:
                self.remove(count)
                return True
        return False


class FlooredEstimator:
    """Wraps aiortc's :class:`RemoteBitrateEstimator`: REMB at least ``floor`` while loss-free.

    ``loss`` is the stream's :class:`LossWindow`; with more than
    :data:`LOSS_THRESHOLD` lost, the inner estimate passes unchanged (but not
    below ``lossy_floor``, so that a false "overuse" cannot starve the stream).
    """

    def __init__(
        self,
        inner: RemoteBitrateEstimator,
        loss: LossWindow,
        *,
        floor: int = REMB_FLOOR,
        lossy_floor: int = 150_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.inner = inner
        self.loss = loss
        self.floor = floor
        self.lossy_floor = lossy_floor
        self.clock = clock
        self.last_sent: int | None = None
        self._last_at: float | None = None

    @property
    def ssrcs(self) -> dict[int, int]:
        return self.inner.ssrcs

    def add(
        self, arrival_time_ms: int, abs_send_time: int, payload_size: int, ssrc: int
    ) -> tuple[int, list[int]] | None:
        result = self.inner.add(
            arrival_time_ms=arrival_time_ms,
            abs_send_time=abs_send_time,
            payload_size=payload_size,
            ssrc=ssrc,
        )
        now = self.clock()
        lossy = self.loss.fraction(now) > LOSS_THRESHOLD
        if result is None:
            if lossy or (self._last_at is not None and now - self._last_at < _REMB_INTERVAL):
                return None
            bitrate = self.floor
        else:
            estimate = result[0]
            bitrate = max(estimate, self.lossy_floor if lossy else self.floor)
        self._last_at = now
        self.last_sent = bitrate
        return bitrate, list(self.inner.ssrcs.keys())


@dataclass
class VideoReceiveMonitor:
    """One incoming video stream's repair state: its jitter buffer, limiter, and watchdog.

    Made by :func:`install`; :meth:`tick` is meant to be called a few times a second.
    """

    receiver: Any
    jitter: RecoveringJitterBuffer
    estimator: FlooredEstimator | None
    no_frame_pli: float = NO_FRAME_PLI
    watchdog_plis: int = 0

    def tick(self, now: float | None = None) -> bool:
        """Return whether a keyframe should be (and was queued to be) requested now."""
        now = self.jitter.clock() if now is None else now
        jitter = self.jitter
        if jitter.last_packet_at is None or jitter.last_ssrc is None:
            return False
        if now - jitter.last_packet_at > self.no_frame_pli:
            return False  # nothing arrives: a keyframe request would not help
        last = jitter.last_frame_at
        if last is not None and now - last < self.no_frame_pli:
            return False
        if not jitter.limiter.allow(now):
            return False
        self.watchdog_plis += 1
        return True

    async def request_keyframe(self) -> None:
        """Send an RTCP PLI for the stream now (no rate limit)."""
        ssrc = self.jitter.last_ssrc
        if ssrc is not None:
            await getattr(self.receiver, _RECEIVER_PLI)(ssrc)

    def media_age(self, now: float | None = None) -> float | None:
        """Seconds since the last packet, or None before the first."""
        now = self.jitter.clock() if now is None else now
        last = self.jitter.last_packet_at
        return None if last is None else now - last


def install(
    receiver: RTCRtpReceiver,
    *,
    remb_floor: int | None = REMB_FLOOR,
    hole_timeout: float = HOLE_TIMEOUT,
    pli_interval: float = PLI_INTERVAL,
) -> VideoReceiveMonitor:
    """Fit a video receiver with :class:`RecoveringJitterBuffer` and :class:`FlooredEstimator`.

    Call it before the first packet arrives (right after the transceiver is
    made). ``remb_floor=None`` leaves aiortc's REMB alone.

    Raises:
        AiortcChanged: aiortc's internals are not what this module expects.
    """
    check_aiortc(receiver=receiver)
    jitter = RecoveringJitterBuffer(
        getattr(receiver, _RECEIVER_JITTER).capacity,
        hole_timeout=hole_timeout,
        limiter=KeyframeLimiter(pli_interval),
    )
    setattr(receiver, _RECEIVER_JITTER, jitter)
    estimator: FlooredEstimator | None = None
    inner = getattr(receiver, _RECEIVER_ESTIMATOR)
    if remb_floor is not None and isinstance(inner, RemoteBitrateEstimator):
        estimator = FlooredEstimator(inner, jitter.loss, floor=remb_floor)
        setattr(receiver, _RECEIVER_ESTIMATOR, estimator)
    return VideoReceiveMonitor(receiver=receiver, jitter=jitter, estimator=estimator)


def sender_target_bitrate(sender: RTCRtpSender) -> int | None:
    """The video encoder's target in bit/s (aiortc sets it from REMB), or None before it runs."""
    encoder = getattr(sender, _SENDER_ENCODER, None)
    bitrate = getattr(encoder, "target_bitrate", None)
    return bitrate if isinstance(bitrate, int) else None
