"""The kiosk's look: large type, strong contrast, big targets.

Sizes are set for residents of 75 and more who may see poorly and touch
unsteadily: body text at 24 pt (32 px at 96 dpi), headings at 36 pt, every
button at least 92 px tall (24 mm on a 96 dpi panel, well above the
15 mm a shaky finger needs). Text is near-black on white (contrast above 15:1);
coloured surfaces keep at least 6:1 with their text. Noto Sans covers every
Vietnamese letter with its stacked diacritics.
"""

from __future__ import annotations

from typing import Final

from PyQt6.QtGui import QFont
from PyQt6.QtWidgets import QApplication

__all__ = [
    "BODY_PT",
    "BUTTON_HEIGHT",
    "BUTTON_PT",
    "FONT_FAMILY",
    "HEADING_PT",
    "SEVERITY_COLOURS",
    "VALUE_PT",
    "apply_theme",
    "body_font",
    "min_height_style",
    "stylesheet",
]

FONT_FAMILY: Final = "Noto Sans"
BODY_PT: Final = 24
BUTTON_PT: Final = 26
HEADING_PT: Final = 36
VALUE_PT: Final = 32
BUTTON_HEIGHT: Final = 92  # outer height, border and padding included
_BUTTON_BOX: Final = 16  # 4 px border and 4 px padding, top and bottom

INK: Final = "#111111"
PAPER: Final = "#FFFFFF"
PRIMARY: Final = "#0B4F9C"  # white on it: 8:1
SECONDARY: Final = "#2F4858"  # white on it: 10:1
DANGER: Final = "#B3261E"  # white on it: 6.4:1
MUTED: Final = "#E8EDF2"

#: Severity colour name (vitals.interpret) -> (background, text). Each pair >= 6:1.
SEVERITY_COLOURS: Final = {
    "green": ("#1B6E34", "#FFFFFF"),
    "yellow": ("#F5C518", "#111111"),
    "orange": ("#E8730C", "#111111"),
    "red": ("#B3261E", "#FFFFFF"),
    "none": ("#D5DCE3", "#111111"),
}


def min_height_style(height: int) -> str:
    """A widget style sheet that makes a button at least ``height`` px tall, outside."""
    return f"min-height: {height - _BUTTON_BOX}px;"


def body_font(points: int = BODY_PT, *, bold: bool = False) -> QFont:
    font = QFont(FONT_FAMILY, points)
    font.setBold(bold)
    return font


def stylesheet() -> str:
    """The one style sheet; widgets pick a look with a ``role`` property."""
    return f"""
    QWidget {{ background: {PAPER}; color: {INK}; font-family: "{FONT_FAMILY}";
               font-size: {BODY_PT}pt; }}
    QLabel[role="heading"] {{ font-size: {HEADING_PT}pt; font-weight: bold; }}
    QLabel[role="strong"] {{ font-weight: bold; }}
    QLabel[role="value"] {{ font-size: {VALUE_PT}pt; font-weight: bold; }}
    QLabel[role="display"] {{ font-size: {VALUE_PT}pt; font-weight: bold;
                              border: 3px solid {INK}; border-radius: 10px; padding: 4px 16px; }}
    QLabel[role="banner"] {{ background: #FFE08A; border: 4px solid {INK}; border-radius: 12px;
                             padding: 12px 20px; font-weight: bold; }}
    QLabel[role="alarm"] {{ background: {DANGER}; color: #FFFFFF; border-radius: 12px;
                            padding: 12px 20px; font-weight: bold; }}
    QLabel[role="trend"] {{ color: #3A4651; }}
    QLabel[role="chip"] {{ border-radius: 12px; padding: 6px 14px; font-weight: bold; }}
    QFrame[role="card"] {{ background: {MUTED}; border-radius: 14px; }}
    QFrame[role="card"] QLabel {{ background: transparent; }}
    QPushButton {{ min-height: {BUTTON_HEIGHT - _BUTTON_BOX}px; font-size: {BUTTON_PT}pt;
                   font-weight: bold; border-radius: 14px; padding: 4px 28px; background: {PAPER};
                   color: {INK}; border: 4px solid {INK}; }}
    QPushButton:pressed {{ background: {MUTED}; }}
    QPushButton:disabled {{ color: #6B7580; border-color: #9AA4AE; }}
    QPushButton[role="primary"] {{ background: {PRIMARY}; color: #FFFFFF;
                                   border-color: {PRIMARY}; }}
    QPushButton[role="primary"]:pressed {{ background: #083A73; }}
    QPushButton[role="secondary"] {{ background: {SECONDARY}; color: #FFFFFF;
                                     border-color: {SECONDARY}; }}
    QPushButton[role="danger"] {{ background: {DANGER}; color: #FFFFFF; border-color: {DANGER}; }}
    QPushButton[role="selected"] {{ background: {INK}; color: #FFFFFF; }}
    QPushButton[role="tile"] {{ font-size: {HEADING_PT}pt; }}
    QWidget#sos, QWidget#sos QLabel {{ background: {DANGER}; color: #FFFFFF; }}
    QProgressBar {{ min-height: 36px; border: 3px solid {INK}; border-radius: 10px;
                    background: {PAPER}; color: transparent; }}
    QProgressBar::chunk {{ background: {PRIMARY}; border-radius: 6px; }}
    """


def apply_theme(app: QApplication) -> None:
    """Set the kiosk's font and style sheet on the application."""
    app.setFont(body_font())
    app.setStyleSheet(stylesheet())
