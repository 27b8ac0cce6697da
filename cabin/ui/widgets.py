"""Building blocks of the screens: big buttons, the keypad, banners, chips, the live plot."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PIL import Image
from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QImage, QPixmap
from PyQt6.QtWidgets import QGridLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from cabin.ui.theme import BUTTON_HEIGHT, SEVERITY_COLOURS, min_height_style
from hardware.events import SignalKind, WaveformChunk

__all__ = [
    "Keypad",
    "WaveformView",
    "button",
    "chip_style",
    "label",
    "pil_to_pixmap",
    "set_role",
]

# Seconds of signal on screen: a whole cuff cycle, or a few beats of the others.
_WINDOW_SECONDS: Mapping[SignalKind, float] = {SignalKind.CUFF_PRESSURE: 40.0}


def set_role(widget: QWidget, role: str) -> None:
    """Give a widget one of the style sheet's looks, and redraw it with that look."""
    widget.setProperty("role", role)
    style = widget.style()
    if style is not None:
        style.unpolish(widget)
        style.polish(widget)


def button(role: str = "", *, height: int = BUTTON_HEIGHT, style: str = "") -> QPushButton:
    """A push button at least ``height`` px tall; its text comes from the catalogue later.

    The height goes in the widget's style sheet: a style sheet's ``min-height``
    overrides ``setMinimumHeight`` whenever the widget is polished again.
    """
    widget = QPushButton()
    if height != BUTTON_HEIGHT or style:
        widget.setStyleSheet(f"{min_height_style(height)} {style}")
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no focus ring on a touch screen
    if role:
        set_role(widget, role)
    return widget


def label(role: str = "", *, wrap: bool = True) -> QLabel:
    """A label; long sentences wrap rather than run off the screen."""
    widget = QLabel()
    widget.setWordWrap(wrap)
    widget.setTextFormat(Qt.TextFormat.PlainText)  # resident data never renders as markup
    if role:
        set_role(widget, role)
    return widget


def chip_style(colour: str) -> str:
    """The style sheet of a result chip in a severity colour (green, yellow, orange, red)."""
    background, text = SEVERITY_COLOURS.get(colour, SEVERITY_COLOURS["none"])
    return f"background: {background}; color: {text};"


class Keypad(QWidget):
    """A 3 x 4 numeric keypad: digits, Delete and Done, each key a big target."""

    digit = pyqtSignal(str)
    delete = pyqtSignal()
    done = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        grid = QGridLayout(self)
        grid.setSpacing(10)
        grid.setContentsMargins(0, 0, 0, 0)
        self.keys: dict[str, QPushButton] = {}
        for index, text in enumerate("123456789"):
            self._digit_key(text, grid, index // 3, index % 3)
        self.delete_key = button()
        self.delete_key.clicked.connect(self.delete.emit)
        grid.addWidget(self.delete_key, 3, 0)
        self._digit_key("0", grid, 3, 1)
        self.done_key = button("primary")
        self.done_key.clicked.connect(self.done.emit)
        grid.addWidget(self.done_key, 3, 2)

    def _digit_key(self, text: str, grid: QGridLayout, row: int, column: int) -> None:
        key = button()
        key.setText(text)
        key.setMinimumWidth(150)
        key.clicked.connect(lambda: self.digit.emit(text))
        self.keys[text] = key
        grid.addWidget(key, row, column)


class WaveformView(QWidget):
    """The live waveform of the device being used: the last few seconds, redrawn at 20 Hz.

    Chunks arrive far more often than a screen can show (a sped-up cuff sends
    160 a second); they are buffered and drawn on a timer, so the plot never
    holds up the event loop.
    """

    def __init__(self) -> None:
        super().__init__()
        pg.setConfigOptions(antialias=True, background="w", foreground="k")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plot = pg.PlotWidget()
        self.plot.hideAxis("bottom")
        self.plot.hideAxis("left")
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.curve = self.plot.plot(pen=pg.mkPen("#0B4F9C", width=4))
        layout.addWidget(self.plot)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._samples: NDArray[np.float64] = np.zeros(0)
        self._limit = 0
        self._dirty = False
        self.latest: float | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(50)
        self._timer.timeout.connect(self._draw)
        self._timer.start()

    def clear(self) -> None:
        """Forget every sample (a new step, or the visit ended)."""
        self._samples = np.zeros(0)
        self.latest = None
        self.curve.setData([], [])
        self._dirty = False

    def append(self, chunk: WaveformChunk) -> None:
        seconds = _WINDOW_SECONDS.get(chunk.kind, 5.0)
        self._limit = max(2, int(seconds * chunk.fs))
        self._samples = np.concatenate([self._samples, chunk.samples])[-self._limit :]
        self.latest = float(chunk.samples[-1]) if len(chunk) else self.latest
        self._dirty = True

    @property
    def sample_count(self) -> int:
        return int(self._samples.shape[0])

    def _draw(self) -> None:
        if self._dirty:
            self._dirty = False
            self.curve.setData(np.arange(self._samples.shape[0]), self._samples)
            self.plot.setXRange(0, max(self._limit, self._samples.shape[0]), padding=0.01)


def pil_to_pixmap(image: Image.Image, size: int | None = None) -> QPixmap:
    """A Pillow image (a QR code) as a pixmap, scaled without blurring the modules."""
    grey = image.convert("L")
    data = grey.tobytes()
    qimage = QImage(data, grey.width, grey.height, grey.width, QImage.Format.Format_Grayscale8)
    pixmap = QPixmap.fromImage(qimage.copy())  # copy: ``data`` is freed after return
    if size is not None:
        pixmap = pixmap.scaled(
            size,
            size,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.FastTransformation,
        )
    return pixmap
