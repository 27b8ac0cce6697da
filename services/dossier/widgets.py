"""Widgets of the dossier screens: the signature pad, a camera frame as a picture."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray
from PyQt6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QObject, QPointF, Qt, pyqtSignal
from PyQt6.QtGui import QImage, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen, QPixmap
from PyQt6.QtWidgets import QLineEdit, QSizePolicy, QWidget

from services.keyboard import VietKeyboard

__all__ = ["FieldKeyboard", "SignaturePad", "frame_pixmap"]


class FieldKeyboard(VietKeyboard):
    """The on-screen keyboard, hidden until a field it serves is touched.

    ``touched(edit)`` is emitted when a served field is touched; the screen decides
    where the keys type (:meth:`set_target`) and shows the keyboard.
    """

    touched = pyqtSignal(QLineEdit)

    def __init__(self) -> None:
        super().__init__()
        self.hide()
        self._fields: list[QLineEdit] = []

    def attach(self, edit: QLineEdit) -> None:
        """Serve ``edit``: touching it shows the keyboard, typing into it."""
        edit.installEventFilter(self)
        self._fields.append(edit)

    def detach_all(self) -> None:
        for edit in self._fields:
            edit.removeEventFilter(self)
        self._fields.clear()
        self.set_target(None)
        self.hide()

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:
        if (
            isinstance(watched, QLineEdit)
            and event is not None
            and event.type() == QEvent.Type.MouseButtonPress
        ):
            self.touched.emit(watched)
        return False


def frame_pixmap(frame: NDArray[np.uint8], width: int, height: int) -> QPixmap:
    """A BGR or grey frame scaled to fit ``width`` x ``height`` px, as a pixmap."""
    h, w = frame.shape[:2]
    scale = min(width / w, height / h)
    size = (max(1, int(w * scale)), max(1, int(h * scale)))
    small = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    if small.ndim == 2:
        small = cv2.cvtColor(small, cv2.COLOR_GRAY2RGB)
    else:
        small = cv2.cvtColor(small, cv2.COLOR_BGR2RGB)
    data = np.ascontiguousarray(small)
    image = QImage(
        data.tobytes(), data.shape[1], data.shape[0], 3 * data.shape[1], QImage.Format.Format_RGB888
    )
    return QPixmap.fromImage(image.copy())  # copy: ``data`` is freed after return


class SignaturePad(QWidget):
    """A white box to sign in with a finger; strokes are kept until :meth:`clear`."""

    changed = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumHeight(220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._paths: list[QPainterPath] = []
        self._drawing = False
        self._length = 0.0
        self._last = QPointF()

    @property
    def has_signature(self) -> bool:
        """Enough ink to count as a signature (a tap is not one): 40 px of strokes."""
        return self._length >= 40.0

    def clear(self) -> None:
        self._paths.clear()
        self._length = 0.0
        self.update()
        self.changed.emit()

    def mousePressEvent(self, event: QMouseEvent | None) -> None:
        if event is None:
            return
        self._drawing = True
        self._last = event.position()
        path = QPainterPath(self._last)
        self._paths.append(path)

    def mouseMoveEvent(self, event: QMouseEvent | None) -> None:
        if event is None or not self._drawing or not self._paths:
            return
        point = event.position()
        self._paths[-1].lineTo(point)
        self._length += (point - self._last).manhattanLength()
        self._last = point
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:
        self._drawing = False
        self.changed.emit()

    def paintEvent(self, event: QPaintEvent | None) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), Qt.GlobalColor.white)
        painter.setPen(QPen(Qt.GlobalColor.black, 4))
        painter.drawRect(self.rect().adjusted(2, 2, -2, -2))
        painter.setPen(
            QPen(
                Qt.GlobalColor.darkBlue,
                5,
                Qt.PenStyle.SolidLine,
                Qt.PenCapStyle.RoundCap,
                Qt.PenJoinStyle.RoundJoin,
            )
        )
        for path in self._paths:
            painter.drawPath(path)
        painter.end()

    def png(self) -> bytes:
        """The signature as a PNG image."""
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        self.grab().save(buffer, "PNG")
        return bytes(data.data())
