"""The cabin camera: a real one through OpenCV, or a simulated twin, and a QR scanner.

Frames are BGR ``uint8`` arrays. Reading a real camera blocks, so it happens in
a worker thread and never on the event loop. The simulated camera draws a
moving test scene with a clock (something a video call can show) and, on
request, a citizen card held up to it with the QR code tilted a little, as a
resident would hold it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncGenerator, Callable
from datetime import datetime
from typing import Protocol

import cv2
import numpy as np
import segno
from numpy.typing import NDArray

from cabin.errors import DeviceUnavailable

__all__ = ["Camera", "Frame", "OpenCvCamera", "SimulatedCamera", "qr_texts", "read_qr", "scan_qr"]

log = logging.getLogger(__name__)

Frame = NDArray[np.uint8]


class Camera(Protocol):
    """Anything that gives frames."""

    async def frame(self) -> Frame | None: ...

    def close(self) -> None: ...


class OpenCvCamera:
    """A V4L2/USB camera through OpenCV.

    Raises:
        DeviceUnavailable: the camera cannot be opened.
    """

    def __init__(self, index: int = 0, width: int = 640, height: int = 480) -> None:
        self._capture = cv2.VideoCapture(index)
        if not self._capture.isOpened():
            raise DeviceUnavailable("camera not found", device_id=f"camera{index}")
        self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)

    async def frame(self) -> Frame | None:
        ok, image = await asyncio.to_thread(self._capture.read)
        return np.asarray(image, dtype=np.uint8) if ok else None

    def close(self) -> None:
        self._capture.release()


class SimulatedCamera:
    """A test scene at ``fps`` frames a second, optionally with a card's QR in view."""

    def __init__(self, width: int = 640, height: int = 480, fps: float = 15.0) -> None:
        self.width, self.height, self.fps = width, height, fps
        self._card: Frame | None = None
        self._next = time.monotonic()
        self.frames = 0

    def show_card(self, qr_text: str, tilt_degrees: float = 8.0) -> None:
        """Hold a card with this QR text up to the camera."""
        matrix = np.array(segno.make(qr_text, error="m").matrix, dtype=np.uint8)
        modules = np.pad(matrix, 4)  # the quiet zone a reader needs
        scale = max(2, 300 // modules.shape[0])
        qr = np.where(np.kron(modules, np.ones((scale, scale), np.uint8)) > 0, 0, 255)
        card = np.full((qr.shape[0] + 40, qr.shape[1] + 40), 235, np.uint8)
        card[20:-20, 20:-20] = qr
        centre = (card.shape[1] / 2, card.shape[0] / 2)
        rotation = cv2.getRotationMatrix2D(centre, tilt_degrees, 1.0)
        tilted = cv2.warpAffine(card, rotation, card.shape[::-1], borderValue=(90,))
        self._card = np.asarray(
            cv2.cvtColor(tilted.astype(np.uint8), cv2.COLOR_GRAY2BGR), dtype=np.uint8
        )

    def hide_card(self) -> None:
        self._card = None

    async def frame(self) -> Frame | None:
        self._next += 1.0 / self.fps
        await asyncio.sleep(max(0.0, self._next - time.monotonic()))
        return self.render(time.monotonic())

    def render(self, t: float) -> Frame:
        """The scene at time ``t`` (s): a drifting colour field, a moving ball, the clock."""
        self.frames += 1
        y, x = np.mgrid[0 : self.height, 0 : self.width]
        phase = t * 0.5
        image = np.empty((self.height, self.width, 3), np.uint8)
        image[..., 0] = (96 + 60 * np.sin(x / 90 + phase)).astype(np.uint8)
        image[..., 1] = (110 + 50 * np.sin(y / 70 - phase)).astype(np.uint8)
        image[..., 2] = 120
        cx = int(self.width / 2 + self.width / 3 * math.sin(t))
        cv2.circle(image, (cx, self.height - 60), 30, (40, 200, 240), -1)
        stamp = datetime.now().strftime("%H:%M:%S")
        cv2.putText(image, stamp, (16, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.1, (255, 255, 255), 2)
        if self._card is not None:
            h, w = self._card.shape[:2]
            top, left = (self.height - h) // 2, (self.width - w) // 2
            image[top : top + h, left : left + w] = self._card
        return image

    def close(self) -> None:
        self._card = None


def read_qr(frame: Frame) -> str | None:
    """The text of a QR code in the frame, or None."""
    # A detector per call: cheap, and safe when scans run in several threads.
    text, _points, _ = cv2.QRCodeDetector().detectAndDecode(frame)
    return text or None


async def qr_texts(
    camera: Camera,
    *,
    decode_every: int = 1,
    preview: Callable[[Frame], None] | None = None,
) -> AsyncGenerator[str, None]:
    """Every QR text the camera sees, as it reads, until the caller stops iterating.

    Args:
        camera: where frames come from.
        decode_every: decode one frame in this many (decoding takes ~10 ms, off the loop).
        preview: given every frame first (a screen showing what the camera sees).
    """
    if decode_every < 1:
        raise ValueError("decode_every must be at least 1")
    count = 0
    while True:
        frame = await camera.frame()
        if frame is None:  # a camera between frames, or just opened
            await asyncio.sleep(0.05)
            continue
        if preview is not None:
            preview(frame)
        count += 1
        if count % decode_every:
            continue
        text = await asyncio.to_thread(read_qr, frame)
        if text:
            yield text


async def scan_qr(camera: Camera, *, seconds: float = 30.0) -> str | None:
    """Watch the camera until a QR code reads (None after ``seconds``)."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds), contextlib.aclosing(qr_texts(camera)) as texts:
            async for text in texts:
                return text
    return None
