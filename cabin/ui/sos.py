"""The SOS screen: hold to call, then what happens to the call, said and shown large.

One huge round control, "GỌI TRỢ GIÚP", fires only when held for
:data:`HOLD_SECONDS`: a ring fills around it and the kiosk counts down aloud
("hai", "một"); a brief tap does nothing but say "hold to call". Then the alert
goes to the ward police through :class:`services.sos.SosStation` (kept on disk,
retried, escalated by the portal) and the screen says that help is coming, how
far the alert got (sending, received at HH:MM, nobody yet: calling again), shows
the operator's video when they open the call, and offers "Hủy — báo nhầm" (asked
once to confirm).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError
from av import VideoFrame
from PyQt6.QtCore import QRectF, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen, QPixmap
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QPushButton

from cabin.i18n import add_strings
from cabin.ui.consult import frame_image
from cabin.ui.screen import Screen
from cabin.ui.theme import DANGER, FONT_FAMILY
from cabin.ui.widgets import label
from services.sos import AlertPhase, AlertStatus, CallState, SosStation
from video.tracks import CameraTrack, MicrophoneTrack

if TYPE_CHECKING:
    from cabin.ui.kiosk import Kiosk

__all__ = ["HOLD_SECONDS", "HoldButton", "SosScreen"]

log = logging.getLogger(__name__)

HOLD_SECONDS = 2.0
"""How long the SOS control must be held, in seconds."""

STATE_FILE = "sos-alerts.json"
"""The station's unfinished alerts, in the data directory beside the store."""

_VIDEO_SIZE = (480, 360)
_VIDEO_FPS = 10.0

add_strings(
    {
        "sos.ask": ("Cần trợ giúp khẩn cấp?", "Need urgent help?"),
        "sos.call": ("GỌI TRỢ GIÚP", "CALL FOR HELP"),
        "sos.hold": (
            "Giữ nút tròn 2 giây để gọi công an phường.",
            "Hold the round button for 2 seconds to call the ward police.",
        ),
        "sos.hold_more": ("Hãy giữ tay lâu hơn để gọi.", "Keep holding to call."),
        "sos.count": ("{n}", "{n}"),
        "sos.sent": (
            "Đã gửi yêu cầu trợ giúp. Người trợ giúp đang đến.",
            "Your call for help has been sent. Help is on its way.",
        ),
        "sos.state.sending": ("Đang gửi…", "Sending…"),
        "sos.state.sent": (
            "Công an phường đã nhận được tin. Đang chờ người trực trả lời.",
            "The ward police have the alert. Waiting for an officer to answer.",
        ),
        "sos.state.escalated": (
            "Chưa có ai trả lời — đang gọi lại.",
            "No answer yet — calling again.",
        ),
        "sos.state.acknowledged": (
            "Công an phường đã nhận lúc {time}.",
            "Received by the ward police at {time}.",
        ),
        "sos.state.cancelling": ("Đang hủy…", "Cancelling…"),
        "sos.state.cancelled": (
            "Đã hủy. Không có ai được gọi đến.",
            "Cancelled. Nobody has been sent.",
        ),
        "sos.state.resolved": (
            "Người trực đã đóng yêu cầu. Cảm ơn ông/bà.",
            "The officer has closed the call. Thank you.",
        ),
        "sos.video": (
            "Người trực đang nói chuyện với ông/bà qua video.",
            "The officer is talking to you on video.",
        ),
        "sos.false_alarm": ("Hủy — báo nhầm", "Cancel — false alarm"),
        "sos.confirm": (
            "Ông/bà có chắc là báo nhầm không?",
            "Are you sure it was a false alarm?",
        ),
        "sos.confirm_yes": ("Đúng, hủy", "Yes, cancel"),
        "sos.confirm_no": ("Không, vẫn cần giúp", "No, I need help"),
        "sos.unavailable": (
            "Trạm chưa nối được với công an phường. Nếu nguy hiểm, hãy gọi 113 ngay.",
            "The station cannot reach the ward police. In danger, call 113 now.",
        ),
        "sos.home": ("Về trang chủ", "Home"),
    }
)


class HoldButton(QPushButton):
    """A round button that fires :attr:`fired` only after being held ``hold`` seconds.

    A filling ring shows how long is left; :attr:`counted` gives each whole second
    left (for the spoken countdown); a release before the end emits :attr:`too_short`.
    """

    fired = pyqtSignal()
    too_short = pyqtSignal()
    counted = pyqtSignal(int)

    def __init__(self, hold: float = HOLD_SECONDS) -> None:
        super().__init__()
        self.hold = hold
        self.progress = 0.0
        self._started: float | None = None
        self._last_count = 0
        self._timer = QTimer(self)
        self._timer.setInterval(30)
        self._timer.timeout.connect(self._tick)
        self.pressed.connect(self._press)
        self.released.connect(self._release)
        # The theme's button rule (min-height) would shrink it; this one keeps it a 440 px disc.
        side = "440px"
        self.setStyleSheet(
            f"QPushButton {{ min-height: {side}; max-height: {side}; min-width: {side};"
            f" max-width: {side}; padding: 0; border: none; background: transparent; }}"
        )
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def _press(self) -> None:
        self._started = time.monotonic()
        self._last_count = 0
        self.progress = 0.0
        self._timer.start()
        self._tick()

    def _tick(self) -> None:
        if self._started is None:
            return
        elapsed = time.monotonic() - self._started
        self.progress = min(1.0, elapsed / self.hold)
        left = max(1, int(self.hold - elapsed + 0.999))
        if left != self._last_count and elapsed < self.hold:
            self._last_count = left
            self.counted.emit(left)
        self.update()
        if elapsed >= self.hold:
            self._stop()
            self.fired.emit()

    def _release(self) -> None:
        if self._started is None:
            return
        self._stop()
        self.too_short.emit()

    def _stop(self) -> None:
        self._timer.stop()
        self._started = None
        self.progress = 0.0
        self._last_count = 0
        self.update()

    @property
    def holding(self) -> bool:
        return self._started is not None

    def paintEvent(self, event: QPaintEvent | None) -> None:
        side = min(self.width(), self.height()) - 8
        box = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        ring = 28.0
        inner = box.adjusted(ring, ring, -ring, -ring)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#7A1A14"))
        painter.drawEllipse(box)
        if self.progress > 0:
            pen = QPen(QColor("#FFD54A"), ring, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap)
            painter.setPen(pen)
            arc = box.adjusted(ring / 2, ring / 2, -ring / 2, -ring / 2)
            painter.drawArc(arc, 90 * 16, -int(self.progress * 360 * 16))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#FFFFFF"))
        painter.drawEllipse(inner)
        painter.setPen(QColor(DANGER))
        font = QFont(FONT_FAMILY, 30)
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(
            inner.adjusted(16, 0, -16, -40 if self.holding else 0),
            int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
            self.text(),
        )
        if self.holding and self._last_count:
            font.setPointSize(40)
            painter.setFont(font)
            painter.drawText(
                inner.adjusted(0, inner.height() / 2 + 10, 0, -20),
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop),
                str(self._last_count),
            )
        painter.end()


class SosScreen(Screen):
    """Hold to call; then the alert's state, the operator's video and the false-alarm cancel."""

    name = "sos"

    def __init__(self, kiosk: Kiosk) -> None:
        super().__init__(kiosk)
        self.setObjectName("sos")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)  # paint the red background
        self.return_to = "home"
        self.station: SosStation | None = None
        self.view: AlertStatus | None = None
        self.call = CallState.NONE
        self.frames_shown = 0
        self._video_task: asyncio.Task[None] | None = None
        self._booting: asyncio.Task[None] | None = None

        self.title = label("heading")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.bind(self.title, "sos.ask")
        self.add(self.title)
        self.hold = HoldButton()
        self.bind(self.hold, "sos.call")
        self.hold.fired.connect(self.on_fired)
        self.hold.too_short.connect(lambda: self.kiosk.say(self.t("sos.hold_more")))
        self.hold.counted.connect(lambda n: self.kiosk.say(self.t("sos.count", n=n)))
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.hold)
        row.addStretch(1)
        self.add(row, 1)
        self.hint = label()
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.bind(self.hint, "sos.hold")
        self.add(self.hint)

        # After the call: the message, the state, the operator's video.
        self.sent = label("heading")
        self.sent.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.bind(self.sent, "sos.sent")
        self.add(self.sent)
        middle = QHBoxLayout()
        middle.addStretch(1)
        self.video = QLabel()
        self.video.setFixedSize(*_VIDEO_SIZE)
        self.video.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.video.setStyleSheet("background: #000000;")
        middle.addWidget(self.video)
        middle.addStretch(1)
        self.add(middle)
        self.state = label("value")
        self.state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.add(self.state)
        self.outer.addStretch(1)

        bar = QHBoxLayout()
        bar.setSpacing(24)
        self.back = self.action("common.back", "", width=260)
        self.back.clicked.connect(lambda: self.kiosk.go(self.return_to))
        self.cancel = self.action("sos.false_alarm", "", width=420)
        self.cancel.clicked.connect(self.on_cancel)
        self.confirm_text = label("strong")
        self.bind(self.confirm_text, "sos.confirm")
        self.yes = self.action("sos.confirm_yes", "", width=300)
        self.yes.clicked.connect(self.on_confirm)
        self.no = self.action("sos.confirm_no", "", width=380)
        self.no.clicked.connect(self.on_keep)
        self.home = self.action("sos.home", "", width=360)
        self.home.clicked.connect(self.on_home)
        for widget in (self.back, self.cancel, self.confirm_text, self.yes, self.no, self.home):
            bar.addWidget(widget)
        bar.addStretch(1)
        self.add(bar)
        self._confirming = False
        self._show()
        QTimer.singleShot(0, self._boot)

    # --- the station's SOS service -----------------------------------------------------

    def _boot(self) -> None:
        """Start following alerts left from before a restart, once the loop runs."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        if self.station is None and self._booting is None:
            self._booting = self.tasks.spawn(self._start_station(), name="sos start")

    async def _start_station(self) -> None:
        await self.ensure_station()

    async def ensure_station(self) -> SosStation | None:
        """The station's SOS service (None when no portal is configured)."""
        if self.station is not None:
            return self.station
        settings = self.kiosk.settings.consult
        if settings is None:
            return None
        try:
            key = settings.key_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            log.warning("SOS: no station key", extra={"error": type(exc).__name__})
            return None
        camera, microphone = settings.camera, settings.microphone

        def media() -> tuple[MediaStreamTrack | None, MediaStreamTrack | None]:
            video: MediaStreamTrack | None = None
            if camera:
                try:
                    video = CameraTrack(None if camera == "sim" else int(camera))
                except Exception as exc:  # a missing camera must not stop the alert
                    log.warning("SOS: camera unavailable", extra={"error": type(exc).__name__})
            return video, (MicrophoneTrack() if microphone == "sim" else None)

        station = SosStation(
            settings.portal_url,
            settings.station_id,
            key,
            self.kiosk.controller.store.path.parent / STATE_FILE,
            media=media,
            on_change=self.on_status,
            on_call=self.on_call,
            on_video=self.on_video,
        )
        await station.start()
        self.station = station
        return station

    # --- the resident ----------------------------------------------------------------------

    def enter(self) -> None:
        self._confirming = False
        self._show()
        if self.view is None or self.view.phase.closed:
            self.kiosk.say(f"{self.t('sos.ask')} {self.t('sos.hold')}")
        else:
            self.kiosk.say(f"{self.t('sos.sent')} {self.state.text()}")

    def on_fired(self) -> None:
        self.tasks.spawn(self._raise(), name="sos raise")

    async def _raise(self) -> None:
        station = await self.ensure_station()
        if station is None:
            self.state.setText(self.t("sos.unavailable"))
            self.view = None
            self._show(unavailable=True)
            self.kiosk.say(self.t("sos.unavailable"))
            return
        self.view = station.raise_alert()
        self._show()
        self.kiosk.say(f"{self.t('sos.sent')} {self.state.text()}")

    def on_status(self, status: AlertStatus) -> None:
        before = self.view.phase if self.view else None
        self.view = status
        self._show()
        if status.phase != before and status.phase is not AlertPhase.SENDING:
            self.kiosk.say(self.state.text())

    def on_call(self, state: CallState, operator: str | None) -> None:
        self.call = state
        self._show()
        if state is CallState.CONNECTED:
            self.kiosk.say(self.t("sos.video"))

    def on_video(self, track: MediaStreamTrack | None) -> None:
        if self._video_task is not None:
            self._video_task.cancel()
            self._video_task = None
        self.video.clear()
        if track is not None:
            self._video_task = self.tasks.spawn(self._show_video(track), name="sos video")

    async def _show_video(self, track: MediaStreamTrack) -> None:
        last = 0.0
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                now = time.monotonic()
                if now - last < 1.0 / _VIDEO_FPS or not isinstance(frame, VideoFrame):
                    continue
                last = now
                image = await asyncio.to_thread(frame_image, frame, *_VIDEO_SIZE)
                self.video.setPixmap(QPixmap.fromImage(image))
                self.frames_shown += 1

    def on_cancel(self) -> None:
        self._confirming = True
        self._show()
        self.kiosk.say(self.t("sos.confirm"))

    def on_keep(self) -> None:
        self._confirming = False
        self._show()
        self.kiosk.say(self.state.text())

    def on_confirm(self) -> None:
        self._confirming = False
        if self.station is not None:
            self.station.cancel()

    def on_home(self) -> None:
        self.view = None
        self._show()
        self.kiosk.go("home")

    # --- drawing -----------------------------------------------------------------------

    def _state_text(self) -> str:
        view = self.view
        if view is None:
            return ""
        if view.phase is AlertPhase.ACKNOWLEDGED and view.acked_at is not None:
            zone = ZoneInfo(self.kiosk.settings.timezone)
            when = view.acked_at.astimezone(zone).strftime("%H:%M")
            text = self.t("sos.state.acknowledged", time=when)
        else:
            text = self.t(f"sos.state.{view.phase.value}")
        if self.call is CallState.CONNECTED and not view.phase.closed:
            text += " " + self.t("sos.video")
        return text

    def _show(self, *, unavailable: bool = False) -> None:
        view = self.view
        asking = view is None and not unavailable
        active = view is not None and not view.phase.closed
        cancelling = view is not None and view.phase is AlertPhase.CANCELLING
        done = view is not None and view.phase.closed
        self.state.setText(self.t("sos.unavailable") if unavailable else self._state_text())
        video = active and self.call is CallState.CONNECTED
        self.show_where(
            {
                self.title: asking,
                self.hold: asking,
                self.hint: asking,
                self.sent: active,
                self.video: video,
                self.state: not asking,
                self.back: asking or unavailable,
                self.cancel: active and not self._confirming and not cancelling,
                self.confirm_text: active and self._confirming,
                self.yes: active and self._confirming,
                self.no: active and self._confirming,
                self.home: done,
            }
        )

    def refresh(self) -> None:
        self._show()

    async def aclose(self) -> None:
        if self._video_task is not None:
            self._video_task.cancel()
        if self.station is not None:
            await self.station.aclose()
            self.station = None
