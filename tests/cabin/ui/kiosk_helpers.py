"""What the kiosk tests share: invented cards, a driven station, the clipping check.

Set ``CABIN_SCREENSHOTS=docs/screens`` to also write the Vietnamese screens there.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image
from PyQt6.QtCore import QPoint, QRect, Qt
from PyQt6.QtGui import QFontMetrics
from PyQt6.QtWidgets import QAbstractScrollArea, QLabel, QPushButton, QWidget

from cabin.store import Store
from cabin.ui.kiosk import Kiosk
from hardware.hub import DeviceHub

# Invented cards (no such people): province 001, a woman born 1952; province 079, a man born 1947.
CARD = "001152004321|012345678|Nguyễn Thị Thử|15031952|Nữ|Số 5 Phố Mẫu, Hà Nội|20062021"
CARD_2 = "079047001234||Trần Văn Mẫu|02011947|Nam|12 Đường Thử, TP. Hồ Chí Minh|05052021"
HOSPITAL = "Bệnh viện Đa khoa Thử nghiệm"
SIZE = (1280, 800)

_BUTTON_BOX = 2 * (28 + 4)  # the style sheet's horizontal padding and border of a button


class Station:
    """A kiosk on a running station, and the ways a test looks at it and touches it."""

    def __init__(self, qtbot: Any, kiosk: Kiosk, hub: DeviceHub, store: Store, shots: Path) -> None:
        self.qtbot = qtbot
        self.kiosk = kiosk
        self.hub = hub
        self.store = store
        self.controller = kiosk.controller
        self.shots = shots
        self.saved: list[Path] = []

    @property
    def screen(self) -> str:
        return self.kiosk.current().name

    async def tap(self, widget: QWidget) -> None:
        """Touch a widget the way a finger does; it must be on screen and enabled."""
        assert widget.isVisible(), f"{widget!r} is not on screen"
        assert widget.isEnabled(), f"{widget!r} is disabled"
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
        await asyncio.sleep(0.05)  # let the slot's task start
        self.check_size(
            f"after tapping {widget.text() if isinstance(widget, QPushButton) else widget}"
        )

    def check_size(self, when: str) -> None:
        """The window never grows past the panel: a screen that needs more is clipped there."""
        size = (self.kiosk.width(), self.kiosk.height())
        assert size == SIZE, (
            f"{when}: {size}, {self.screen} needs {self.kiosk.current().minimumSizeHint()}"
        )

    async def until(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(0.05)

    def texts(self) -> str:
        """Every text on the glass now, one per line."""
        widgets = self.kiosk.findChildren(QLabel) + self.kiosk.findChildren(QPushButton)
        return "\n".join(w.text() for w in widgets if w.isVisible() and w.text())

    async def shot(self, name: str, *, publish: bool = False) -> Path:
        """Save the screen as a PNG, after checking that nothing on it is clipped."""
        await asyncio.sleep(0.1)  # let Qt lay out what just changed, as the panel would
        return self.save(name, publish=publish)

    def save(self, name: str, *, publish: bool = False) -> Path:
        self.check_size(f"screen {name}")
        problems = clipped(self.kiosk)
        assert not problems, problems
        path = self.shots / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        assert self.kiosk.grab().save(str(path))
        self.saved.append(path)
        target = os.environ.get("CABIN_SCREENSHOTS")
        if publish and target:
            # A 128-colour palette keeps the published copy small and the text crisp.
            Path(target).mkdir(parents=True, exist_ok=True)
            with Image.open(path) as image:
                small = image.convert("RGB").quantize(colors=128)
                small.save(Path(target) / path.name, optimize=True)
        return path


def clipped(root: QWidget) -> list[str]:
    """Texts that do not fit their widget, buttons under 90 px, widgets off the screen."""
    problems = []
    bounds = root.rect()
    for widget in root.findChildren(QLabel) + root.findChildren(QPushButton):
        if not widget.isVisible():
            continue
        text = widget.text()
        metrics = QFontMetrics(widget.font())
        if isinstance(widget, QPushButton):
            room = widget.rect().adjusted(_BUTTON_BOX // 2, 0, -_BUTTON_BOX // 2, 0)
            if widget.height() < 90:
                problems.append(f"button {text!r} is {widget.height()} px tall")
            flags = Qt.AlignmentFlag.AlignCenter
        else:
            room = widget.contentsRect()
            flags = widget.alignment()
            if widget.wordWrap():
                flags |= Qt.TextFlag.TextWordWrap
        if text:
            needed = metrics.boundingRect(QRect(0, 0, room.width(), 100_000), int(flags), text)
            if needed.width() > room.width() + 1 or needed.height() > room.height() + 2:
                problems.append(f"{text!r} needs {needed.size()}, has {room.size()}")
        area = _scroll_area(widget)
        if area is None:
            place = QRect(widget.mapTo(root, QPoint(0, 0)), widget.size())
            if not bounds.contains(place):
                problems.append(f"{text!r} at {place} is off the screen")
        else:  # it may scroll up and down, never sideways
            viewport = area.viewport()
            left = widget.mapTo(viewport, QPoint(0, 0)).x()
            if left < 0 or left + widget.width() > viewport.width():
                problems.append(f"{text!r} is wider than its scrolling list")
    return problems


def _scroll_area(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            return parent
        parent = parent.parentWidget()
    return None
