"""The on-screen Vietnamese keyboard: big keys, Telex on by default, for any text field.

Four rows fit under a form on the 1280 x 800 panel, every key at least 92 px tall
and 96 px wide (a resident's unsteady finger): digits and Backspace; q to p;
a to l and the Telex switch; Shift, z to m and Space. Each key edits the target
field (a :class:`QLineEdit` or :class:`QPlainTextEdit`) at its cursor through
:class:`services.telex.TelexComposer`, so ``N g u y e e n x`` reads "Nguyễn".
Shift lasts one letter, as on a phone.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtGui import QFontMetrics, QTextCursor
from PyQt6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cabin.i18n import DEFAULT_LANGUAGE, add_strings, tr
from cabin.ui.widgets import button, set_role
from services.telex import TelexComposer, ToneStyle

__all__ = ["KEY_WIDTH", "VietKeyboard"]

add_strings(
    {
        "keyboard.telex_on": ("Có dấu", "Accents on"),
        "keyboard.telex_off": ("Không dấu", "Accents off"),
        "keyboard.space": ("Dấu cách", "Space"),
    }
)

KEY_WIDTH = 96  # px: a letter's key (the style sheet pads 28 px a side)
_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_SPACING = 6

Target = QLineEdit | QPlainTextEdit


class VietKeyboard(QWidget):
    """Typing for residents who do not use a keyboard every day.

    Args:
        target: the field the keys edit (:meth:`set_target` changes it).
        telex: compose Vietnamese (on by default; a key switches it).
        style: where tones go (:class:`services.telex.ToneStyle`).

    Signals:
        edited: the target's text changed by a key.
    """

    edited = pyqtSignal()

    def __init__(
        self,
        target: Target | None = None,
        *,
        telex: bool = True,
        style: ToneStyle = ToneStyle.CLASSIC,
    ) -> None:
        super().__init__()
        self.target = target
        self.composer = TelexComposer(style, enabled=telex)
        self.lang = DEFAULT_LANGUAGE
        self.shift = False
        self.keys: dict[str, QPushButton] = {}
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(_SPACING)
        layouts = []
        for _ in _ROWS:
            row = QHBoxLayout()
            row.setSpacing(_SPACING)
            layouts.append(row)
            rows.addLayout(row)
        self.shift_key = self._key("⇧", self.on_shift)
        layouts[3].addWidget(self.shift_key)
        for row, letters in zip(layouts, _ROWS, strict=True):
            for letter in letters:
                key = self._key(letter, partial(self.press, letter))
                self.keys[letter] = key
                row.addWidget(key)
        self.backspace_key = self._key("⌫", self.backspace)
        self.backspace_key.setMinimumWidth(KEY_WIDTH + 30)
        layouts[0].addWidget(self.backspace_key)
        self.telex_key = self._key("", self.on_telex)
        layouts[2].addWidget(self.telex_key)
        self.space_key = self._key("", lambda: self.press(" "))
        self.space_key.setMinimumWidth(260)
        layouts[3].addWidget(self.space_key, 1)
        self.retranslate(self.lang)

    def _key(self, text: str, slot: Callable[[], None]) -> QPushButton:
        key = button()
        key.setText(text)
        key.setMinimumWidth(KEY_WIDTH)
        key.clicked.connect(slot)
        return key

    # --- what the keys do ----------------------------------------------------------------

    def set_target(self, target: Target | None) -> None:
        self.target = target

    @property
    def telex(self) -> bool:
        return self.composer.enabled

    def set_telex(self, on: bool) -> None:
        self.composer.enabled = on
        self.retranslate(self.lang)

    def on_telex(self) -> None:
        self.set_telex(not self.telex)

    def on_shift(self) -> None:
        self.shift = not self.shift
        self._show_case()

    def press(self, char: str) -> None:
        """Type one character into the target at its cursor."""
        if self.target is None:
            return
        if self.shift and char.isalpha():
            char = char.upper()
            self.shift = False
            self._show_case()
        before, after = self._split()
        self._set(self.composer.type(before, char), after)

    def backspace(self) -> None:
        if self.target is None:
            return
        before, after = self._split()
        if before:
            self._set(self.composer.backspace(before), after)

    def _split(self) -> tuple[str, str]:
        target = self.target
        if isinstance(target, QLineEdit):
            text, at = target.text(), target.cursorPosition()
        elif isinstance(target, QPlainTextEdit):
            text, at = target.toPlainText(), target.textCursor().position()
        else:
            return "", ""
        return text[:at], text[at:]

    def _set(self, before: str, after: str) -> None:
        target = self.target
        if isinstance(target, QLineEdit):
            limit = target.maxLength()
            if len(before) + len(after) > limit:
                return  # full: the key does nothing rather than cut the text
            target.setText(before + after)
            target.setCursorPosition(len(before))
        elif isinstance(target, QPlainTextEdit):
            target.setPlainText(before + after)
            cursor = target.textCursor()
            cursor.setPosition(len(before), QTextCursor.MoveMode.MoveAnchor)
            target.setTextCursor(cursor)
        self.edited.emit()

    # --- looks ---------------------------------------------------------------------------

    def _show_case(self) -> None:
        for letter, key in self.keys.items():
            key.setText(letter.upper() if self.shift and letter.isalpha() else letter)
        set_role(self.shift_key, "selected" if self.shift else "")

    def retranslate(self, lang: str) -> None:
        """Label the named keys in ``lang``."""
        self.lang = lang
        metrics = QFontMetrics(self.telex_key.font())
        widest = max(
            metrics.horizontalAdvance(tr(key, lang))
            for key in ("keyboard.telex_on", "keyboard.telex_off")
        )
        self.telex_key.setMinimumWidth(widest + 66)  # either label fits, the key never jumps
        self.telex_key.setText(
            tr("keyboard.telex_on" if self.telex else "keyboard.telex_off", lang)
        )
        set_role(self.telex_key, "selected" if self.telex else "")
        self.space_key.setText(tr("keyboard.space", lang))
