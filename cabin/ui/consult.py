"""Talking to a doctor: calling, waiting in line, the call, and plain words when it fails.

The screen runs one :class:`~cabin.consult.ConsultSession` per call and shows
its :class:`~cabin.consult.ConsultView`: "calling", "you are number N, about M
minutes", then the doctor's video large with the resident's own picture small,
"measuring X as the doctor asked", and the doctor's instruction in large type;
each state is also spoken. The doctor's frames are converted to a
:class:`QImage` in a worker thread, at most :data:`VIDEO_FPS` a second, and a
frame that comes while one is being converted is skipped, so the screen never
waits for the video. A failure says why in plain Vietnamese and leads back to
the results; nothing measured is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING

from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError
from av import VideoFrame
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QImage, QPixmap
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout

from cabin.consult import ConsultSession, ConsultView, Phase
from cabin.ui.bridge import async_slot
from cabin.ui.screen import Screen
from cabin.ui.widgets import label

if TYPE_CHECKING:
    from cabin.ui.kiosk import Kiosk

__all__ = ["VIDEO_FPS", "ConsultScreen", "frame_image"]

log = logging.getLogger(__name__)

VIDEO_FPS = 15.0
"""Most frames a second the doctor's video is redrawn at."""
SELF_FPS = 8.0
"""Frames a second of the resident's own small picture."""
_VIDEO_SIZE = (640, 480)  # the doctor's camera is 4:3
_SELF_SIZE = (240, 180)


def frame_image(frame: VideoFrame, width: int, height: int, *, mirror: bool = False) -> QImage:
    """A video frame as a QImage fitting ``width`` x ``height`` (aspect kept); any thread.

    ``mirror``: flipped left to right, as people expect to see themselves.
    """
    # One swscale thread: see video.tracks.CameraTrack._frame for the hang it avoids.
    rgb = frame.reformat(format="rgb24", threads=1).to_ndarray()
    if mirror:
        rgb = rgb[:, ::-1]
    h, w = int(rgb.shape[0]), int(rgb.shape[1])
    image = QImage(rgb.tobytes(), w, h, 3 * w, QImage.Format.Format_RGB888)
    scaled: QImage = image.scaled(
        width,
        height,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    return scaled.copy()  # its own pixels, whatever the scale


class ConsultScreen(Screen):
    """The call with a doctor."""

    name = "consult"

    def __init__(self, kiosk: Kiosk) -> None:
        super().__init__(kiosk)
        self.title = label("heading")
        self.outer.addWidget(self.title)
        self.big = label("value")
        self.message = label()
        self.outer.addWidget(self.big)
        self.outer.addWidget(self.message)
        body = QHBoxLayout()
        body.setSpacing(24)
        self.video = QLabel()
        self.video.setFixedSize(*_VIDEO_SIZE)
        self.video.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.video.setStyleSheet("background: #1B2631; border-radius: 12px;")
        body.addWidget(self.video, 0, Qt.AlignmentFlag.AlignTop)
        side = QVBoxLayout()
        side.setSpacing(12)
        self.me = QLabel()
        self.me.setFixedSize(*_SELF_SIZE)
        self.me.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.me.setStyleSheet("background: #1B2631; border-radius: 10px;")
        side.addWidget(self.me, 0, Qt.AlignmentFlag.AlignLeft)
        self.me_caption = label("strong")
        self.bind(self.me_caption, "consult.you")
        side.addWidget(self.me_caption)
        self.status = label("banner")
        side.addWidget(self.status)
        self.advice = label("value")
        side.addWidget(self.advice)
        side.addStretch(1)
        body.addLayout(side, 1)
        self.add(body, 1)
        bar = self.bottom_bar(back=False)
        self.back_to_results = self.action("consult.back", "", width=360)
        self.cancel = self.action("consult.cancel", "secondary", width=360)
        self.end_call = self.action("consult.end", "danger", width=360)
        for widget in (self.back_to_results, self.cancel, self.end_call):
            bar.addWidget(widget)
        self.back_to_results.clicked.connect(self.on_back)
        self.cancel.clicked.connect(self.on_hang_up)
        self.end_call.clicked.connect(self.on_hang_up)
        self.session: ConsultSession | None = None
        self.view: ConsultView | None = None
        self._video_task: asyncio.Task[None] | None = None
        self._self_task: asyncio.Task[None] | None = None
        self.frames_shown = 0  # the doctor's frames drawn so far in this call
        self.refresh()

    # --- the screen's life ----------------------------------------------------------------

    def enter(self) -> None:
        self.frames_shown = 0
        settings = self.kiosk.settings.consult
        visit = self.kiosk.controller.visit
        if settings is None or visit is None:
            self.view = None
            self.refresh()
            self.kiosk.say(self.t("consult.unavailable"))
            return
        visit.begin_call()
        controller = self.kiosk.controller
        self.session = ConsultSession(
            settings,
            controller.store,
            controller.hub,
            controller,
            visit.visit_id,
            on_change=self.on_view,
            on_video=self.on_video,
        )
        self.on_view(self.session.view)
        self.tasks.spawn(self.session.start(), name="consult")

    def refresh(self) -> None:
        view = self.view
        phase = None if view is None else view.phase
        if view is None:
            self.title.setText(self.t("consult.title"))
            self.message.setText(self.t("consult.unavailable"))
        elif phase is Phase.CONNECTING:
            self.title.setText(self.t("consult.connecting"))
            self.message.setText(self.t("consult.connecting_hint"))
        elif phase is Phase.WAITING:
            self.title.setText(self.t("consult.waiting"))
            self.big.setText(
                self.t("consult.position", position=view.position) if view.position else ""
            )
            self.message.setText(
                self.t("consult.wait_minutes", minutes=view.wait_minutes)
                if view.wait_minutes and view.wait_minutes > 1
                else self.t("consult.wait_soon")
            )
        elif phase is Phase.CALL:
            self.title.setText(self.t("consult.doctor", name=view.doctor or ""))
            self.status.setText(
                self.t("consult.measuring", what=self.t(f"vital.{view.measuring}"))
                if view.measuring
                else ""
            )
            self.advice.setText(self.t(view.advice) if view.advice else "")
        elif phase is Phase.ENDED:
            self.title.setText(self.t("consult.title"))
            self.message.setText(self.t("consult.ended"))
        elif phase is Phase.FAILED:
            self.title.setText(self.t("consult.failed_title"))
            self.message.setText(self.t(view.failure or "consult.fail.lost"))
        calling = phase is Phase.CALL
        over = view is None or phase in (Phase.ENDED, Phase.FAILED)
        self.show_where(
            {
                self.big: phase is Phase.WAITING and bool(self.big.text()),
                self.message: not calling,
                self.video: calling,
                self.me: phase in (Phase.WAITING, Phase.CALL),
                self.me_caption: phase in (Phase.WAITING, Phase.CALL),
                self.status: calling and bool(self.status.text()),
                self.advice: calling and bool(self.advice.text()),
                self.back_to_results: over,
                self.cancel: phase in (Phase.CONNECTING, Phase.WAITING),
                self.end_call: calling,
            }
        )

    def wipe(self) -> None:
        """The visit ended (idle, or the kiosk closing): hang up and forget the call."""
        session, self.session = self.session, None
        self.view = None
        self._stop_pictures()
        self.video.clear()
        self.me.clear()
        self.status.clear()
        self.advice.clear()
        if session is not None and not session.done:
            with contextlib.suppress(RuntimeError):  # no loop: the kiosk is being torn down
                self.tasks.spawn(session.aclose(), name="consult close")

    async def aclose(self) -> None:
        """The kiosk is closing: hang up and stop the pictures."""
        session, self.session = self.session, None
        self._stop_pictures()
        if session is not None:
            await session.aclose()

    # --- the session's news ---------------------------------------------------------------

    def on_view(self, view: ConsultView) -> None:
        before = self.view
        self.view = view
        self.refresh()
        said = self._saying(before, view)
        if said:
            self.kiosk.say(said)
        if view.phase in (Phase.WAITING, Phase.CALL) and self._self_task is None:
            self._self_task = self.tasks.spawn(self._show_self(), name="consult self view")
        if view.phase in (Phase.ENDED, Phase.FAILED):
            self._stop_pictures()
            visit = self.kiosk.controller.visit
            if visit is not None and visit.ended is None:
                visit.end_call()

    def _saying(self, before: ConsultView | None, view: ConsultView) -> str:
        if before is not None and before.phase is view.phase:
            if view.phase is Phase.WAITING and view.position != before.position:
                return f"{self.big.text()} {self.message.text()}"
            if view.phase is Phase.CALL:
                if view.measuring and view.measuring != before.measuring:
                    return self.t("consult.measure_say", what=self.t(f"vital.{view.measuring}"))
                if view.advice and view.advice != before.advice:
                    return self.t(view.advice)
            return ""
        if view.phase is Phase.CONNECTING:
            return self.t("consult.connecting_hint")
        if view.phase is Phase.WAITING:
            return f"{self.big.text()} {self.message.text()}"
        if view.phase is Phase.CALL:
            return self.t("consult.doctor_joined", name=view.doctor or "")
        if view.phase is Phase.ENDED:
            return "" if self._hung_up else self.t("consult.ended")
        return self.t(view.failure or "consult.fail.lost")

    def on_video(self, track: MediaStreamTrack | None) -> None:
        if self._video_task is not None:
            self._video_task.cancel()
            self._video_task = None
        if track is not None:
            self._video_task = self.tasks.spawn(self._show_video(track), name="consult video")

    async def _show_video(self, track: MediaStreamTrack) -> None:
        period = 1.0 / VIDEO_FPS
        last = 0.0
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                now = time.monotonic()
                if now - last < period or not isinstance(frame, VideoFrame):
                    continue  # drained, not drawn
                last = now
                image = await asyncio.to_thread(frame_image, frame, *_VIDEO_SIZE)
                self.video.setPixmap(QPixmap.fromImage(image))
                self.frames_shown += 1

    async def _show_self(self) -> None:
        shown: VideoFrame | None = None
        while True:
            await asyncio.sleep(1.0 / SELF_FPS)
            session = self.session
            frame = None if session is None else await session.self_view()
            if frame is None or frame is shown:
                continue
            shown = frame
            image = await asyncio.to_thread(frame_image, frame, *_SELF_SIZE, mirror=True)
            self.me.setPixmap(QPixmap.fromImage(image))

    def _stop_pictures(self) -> None:
        for task in (self._video_task, self._self_task):
            if task is not None:
                task.cancel()
        self._video_task = self._self_task = None

    # --- the resident's actions -----------------------------------------------------------

    _hung_up = False

    @async_slot
    async def on_hang_up(self) -> None:
        """End the call, or stop waiting: back to the results."""
        session = self.session
        self._hung_up = True
        try:
            if session is not None:
                await session.hang_up()
        finally:
            self._hung_up = False
        self._back_to_results()

    def on_back(self) -> None:
        self._back_to_results()

    def _back_to_results(self) -> None:
        if self.kiosk.current() is not self:
            return
        self.session = None
        self._stop_pictures()
        visit = self.kiosk.controller.visit
        if visit is not None and visit.ended is None:
            visit.end_consult()
        self.kiosk.go("results")
