"""The cabin's media tracks: the camera and the microphone, real or simulated.

Both tracks pace themselves on the wall clock from their first frame, and
stamp ``pts`` from the frame grid (not the clock), so timestamps advance by
exactly one frame interval however late a frame is drawn; frames overdue by
more than half a second (nobody asked for them, e.g. while the connection was
rebuilt) are skipped rather than sent in a burst. Capture, drawing and scaling
run in a worker thread; the event loop only waits.

:meth:`CameraTrack.set_format` scales the camera down (and back) while it runs:
the link adaptation (:mod:`video.adapt`) uses it.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import math
import threading
import time
from typing import Any

import cv2
import numpy as np
from aiortc import MediaStreamTrack, VideoStreamTrack
from aiortc.mediastreams import MediaStreamError
from av import AudioFrame, VideoFrame
from numpy.typing import NDArray

from cabin.errors import DeviceUnavailable
from video.scene import SimulatedScene

__all__ = ["AUDIO_SAMPLE_RATE", "VIDEO_CLOCK_RATE", "CameraTrack", "MicrophoneTrack"]

logger = logging.getLogger(__name__)

VIDEO_CLOCK_RATE = 90_000  # Hz, RTP video clock (RFC 3551)
AUDIO_SAMPLE_RATE = 48_000  # Hz
_AUDIO_PTIME = 0.020  # s per audio frame


class _Pacer:
    """Wall-clock pacing at ``rate`` frames per second.

    :meth:`next` returns the frame's time in seconds from the first frame, on a
    grid of one interval per frame. A consumer that stops asking for a while (a
    connection being rebuilt) does not get a burst afterwards: frames more than
    ``max_late`` seconds overdue are skipped, and the time jumps with them.
    The rate may change between frames (:meth:`set_rate`).
    """

    def __init__(self, rate: float, *, max_late: float = 0.5) -> None:
        self.rate = rate
        self.max_late = max_late
        self.skipped = 0
        self._start: float | None = None
        self._anchor = 0.0  # time of the last rate change, from the first frame
        self._count = 0  # frames since the anchor
        self._elapsed = 0.0

    def set_rate(self, rate: float) -> None:
        """Use ``rate`` from the next frame on."""
        self._anchor = self._elapsed
        self._count = 0
        self.rate = rate

    async def next(self) -> float:
        """Sleep until the next frame is due; return its time from the first frame."""
        now = time.monotonic()
        if self._start is None:
            self._start = now
            return 0.0
        self._count += 1
        elapsed = self._anchor + self._count / self.rate
        late = now - (self._start + elapsed)
        if late > self.max_late:
            skip = math.floor(late * self.rate)
            self.skipped += skip
            self._count += skip
            elapsed = self._anchor + self._count / self.rate
        self._elapsed = elapsed
        wait = self._start + elapsed - now
        if wait > 0:
            await asyncio.sleep(wait)
        return elapsed


class CameraTrack(VideoStreamTrack):
    """Video from an OpenCV camera, or from :class:`~video.scene.SimulatedScene`.

    Args:
        device: an OpenCV device index (``cv2.VideoCapture(device)``), or
            ``None`` for the simulated scene.
        width: frame width in px; a camera's frames are resized to it.
        height: frame height in px.
        fps: frames per second.
        epoch: the time, in seconds since the Unix epoch, that the simulated
            scene's send-time strip counts from (``0.0``: Unix milliseconds).

    Raises:
        DeviceUnavailable: the camera does not open.
        ValueError: a size or rate that is not positive.

    Frames are ``bgr24`` :class:`av.VideoFrame` with ``time_base`` 1/90000 s.
    ``width``, ``height`` and ``fps`` are the current output format (see
    :meth:`set_format`); ``native`` is the format the camera was opened with.
    """

    def __init__(
        self,
        device: int | None = None,
        *,
        width: int = 640,
        height: int = 480,
        fps: float = 15.0,
        epoch: float = 0.0,
    ) -> None:
        if width <= 0 or height <= 0 or fps <= 0:
            raise ValueError(f"bad camera format: {width}x{height} at {fps} fps")
        super().__init__()
        self.width = width
        self.height = height
        self.fps = fps
        self.native = (width, height, fps)
        self.epoch = epoch
        self._pacer = _Pacer(fps)
        self._lock = threading.Lock()
        self._capture: cv2.VideoCapture | None = None
        self._scene: SimulatedScene | None = None
        self._device = device
        if device is None:
            self._scene = SimulatedScene(width, height)
        else:
            capture = cv2.VideoCapture(device)
            if not capture.isOpened():
                capture.release()
                raise DeviceUnavailable(
                    f"camera {device} does not open", device_id=f"camera:{device}"
                )
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
            capture.set(cv2.CAP_PROP_FPS, fps)
            self._capture = capture

    async def recv(self) -> VideoFrame:
        """Return the next frame, when it is due."""
        if self.readyState != "live":
            raise MediaStreamError
        at = await self._pacer.next()
        size = (self.width, self.height)
        frame = await asyncio.to_thread(self._frame, at, size)
        if frame is None:
            logger.warning("camera %s stopped giving frames", self._device)
            self.stop()
            raise MediaStreamError
        frame.pts = round(at * VIDEO_CLOCK_RATE)
        frame.time_base = fractions.Fraction(1, VIDEO_CLOCK_RATE)
        return frame

    def set_format(self, width: int, height: int, fps: float) -> None:
        """Send ``width`` x ``height`` at ``fps`` from the next frame on.

        Raises:
            ValueError: not positive, or bigger or faster than :attr:`native`.
        """
        native_w, native_h, native_fps = self.native
        if width <= 0 or height <= 0 or fps <= 0:
            raise ValueError(f"bad camera format: {width}x{height} at {fps} fps")
        if width > native_w or height > native_h or fps > native_fps:
            raise ValueError(f"{width}x{height} at {fps} fps exceeds the camera's own format")
        if fps != self.fps:
            self._pacer.set_rate(fps)
        self.width, self.height, self.fps = width, height, fps

    def _frame(self, at: float, size: tuple[int, int]) -> VideoFrame | None:
        """The next picture as the encoder wants it (yuv420p), in this worker thread.

        Converting here, with one swscale thread, spares aiortc's encoder its own
        conversion: two automatic-threaded swscale conversions running at once in
        two threads (this one and the kiosk's picture of the doctor) were seen to
        hang for good on a 2-core machine.
        """
        image = self._grab(at, size)
        if image is None:
            return None
        return VideoFrame.from_ndarray(image, format="bgr24").reformat(format="yuv420p", threads=1)

    def _grab(self, at: float, size: tuple[int, int]) -> NDArray[np.uint8] | None:
        with self._lock:
            image: Any
            if self._scene is not None:
                send_ms = round((time.time() - self.epoch) * 1000)
                image = self._scene.render(at, send_ms)
            elif self._capture is None:
                return None
            else:
                ok, image = self._capture.read()
                if not ok or image is None:
                    return None
        if (image.shape[1], image.shape[0]) != size:
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        return np.ascontiguousarray(image, dtype=np.uint8)

    def stop(self) -> None:
        """End the track and release the camera; safe to call twice."""
        super().stop()
        with self._lock:
            if self._capture is not None:
                self._capture.release()
                self._capture = None


class MicrophoneTrack(MediaStreamTrack):
    """Audio at 48 kHz, mono, signed 16-bit, in 20 ms frames (960 samples).

    Only the simulated source exists for now: a quiet sine tone.

    Args:
        frequency: the tone's frequency in Hz.
        level: its peak amplitude in dBFS (``-30.0``: quiet but audible).
    """

    kind = "audio"

    def __init__(self, *, frequency: float = 440.0, level: float = -30.0) -> None:
        if not 0 < frequency < AUDIO_SAMPLE_RATE / 2:
            raise ValueError(f"tone frequency out of range: {frequency} Hz")
        super().__init__()
        self.frequency = frequency
        self.amplitude = 32767 * 10 ** (level / 20)
        self.samples = round(_AUDIO_PTIME * AUDIO_SAMPLE_RATE)
        self._pacer = _Pacer(1 / _AUDIO_PTIME)

    async def recv(self) -> AudioFrame:
        """Return the next 20 ms of audio, when it is due."""
        if self.readyState != "live":
            raise MediaStreamError
        start = round(await self._pacer.next() * AUDIO_SAMPLE_RATE)
        t = (start + np.arange(self.samples)) / AUDIO_SAMPLE_RATE
        pcm = np.round(self.amplitude * np.sin(2 * np.pi * self.frequency * t)).astype(np.int16)
        frame = AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = AUDIO_SAMPLE_RATE
        frame.pts = start
        frame.time_base = fractions.Fraction(1, AUDIO_SAMPLE_RATE)
        return frame
