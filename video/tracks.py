"""The cabin's media tracks: the camera and the microphone, real or simulated.

Both tracks pace themselves on the wall clock from their first frame, and
stamp ``pts`` from the frame index (not the clock), so timestamps advance by
exactly one frame interval however late a frame is drawn. Capture and drawing
run in a worker thread; the event loop only waits.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import threading
import time

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
    """Wall-clock pacing for frame ``n`` at ``rate`` frames per second."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.index = 0
        self._start: float | None = None

    async def next(self) -> int:
        """Sleep until the next frame is due; return its index."""
        if self._start is None:
            self._start = time.monotonic()
        else:
            self.index += 1
            wait = self._start + self.index / self.rate - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        return self.index


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
        index = await self._pacer.next()
        image = await asyncio.to_thread(self._grab, index)
        if image is None:
            logger.warning("camera %s stopped giving frames", self._device)
            self.stop()
            raise MediaStreamError
        frame = VideoFrame.from_ndarray(image, format="bgr24")
        frame.pts = round(index * VIDEO_CLOCK_RATE / self.fps)
        frame.time_base = fractions.Fraction(1, VIDEO_CLOCK_RATE)
        return frame

    def _grab(self, index: int) -> NDArray[np.uint8] | None:
        with self._lock:
            if self._scene is not None:
                send_ms = round((time.time() - self.epoch) * 1000)
                return self._scene.render(index / self.fps, send_ms)
            if self._capture is None:
                return None
            ok, image = self._capture.read()
        if not ok or image is None:
            return None
        if image.shape[1] != self.width or image.shape[0] != self.height:
            image = cv2.resize(image, (self.width, self.height), interpolation=cv2.INTER_AREA)
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
        index = await self._pacer.next()
        start = index * self.samples
        t = (start + np.arange(self.samples)) / AUDIO_SAMPLE_RATE
        pcm = np.round(self.amplitude * np.sin(2 * np.pi * self.frequency * t)).astype(np.int16)
        frame = AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = AUDIO_SAMPLE_RATE
        frame.pts = start
        frame.time_base = fractions.Fraction(1, AUDIO_SAMPLE_RATE)
        return frame
