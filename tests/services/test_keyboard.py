"""The on-screen keyboard, tapped key by key as a resident would."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from cabin.ui.theme import apply_theme
from services.keyboard import VietKeyboard


@pytest.fixture
def board(qtbot, qapp):
    apply_theme(qapp)
    window = QWidget()
    layout = QVBoxLayout(window)
    field = QLineEdit()
    keyboard = VietKeyboard(field)
    layout.addWidget(field)
    layout.addWidget(keyboard)
    qtbot.addWidget(window)
    window.resize(1200, 560)
    window.show()
    yield qtbot, keyboard, field
    del window  # held until the test ends (qtbot keeps only a weak reference)


def tap_keys(qtbot, keyboard, keys):
    for char in keys:
        if char.isupper():
            qtbot.mouseClick(keyboard.shift_key, Qt.MouseButton.LeftButton)
        key = keyboard.space_key if char == " " else keyboard.keys[char.lower()]
        qtbot.mouseClick(key, Qt.MouseButton.LeftButton)


def test_tapping_nguyeenx_writes_nguyen(board):
    qtbot, keyboard, field = board
    tap_keys(qtbot, keyboard, "Nguyeenx")
    assert field.text() == "Nguyễn"
    tap_keys(qtbot, keyboard, " Vawn Aan")
    assert field.text() == "Nguyễn Văn Ân"


def test_shift_lasts_one_letter(board):
    qtbot, keyboard, field = board
    qtbot.mouseClick(keyboard.shift_key, Qt.MouseButton.LeftButton)
    assert keyboard.keys["a"].text() == "A"
    tap_keys(qtbot, keyboard, "ab")
    assert field.text() == "Ab"
    assert keyboard.keys["a"].text() == "a"


def test_backspace_and_digits(board):
    qtbot, keyboard, field = board
    tap_keys(qtbot, keyboard, "quaajn 10")
    assert field.text() == "quận 10"
    qtbot.mouseClick(keyboard.backspace_key, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(keyboard.backspace_key, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(keyboard.backspace_key, Qt.MouseButton.LeftButton)
    tap_keys(qtbot, keyboard, "f")  # the tone key still finds its vowel after the edit
    assert field.text() == "quần"


def test_telex_can_be_switched_off_and_on(board):
    qtbot, keyboard, field = board
    assert keyboard.telex_key.text() == "Có dấu"
    qtbot.mouseClick(keyboard.telex_key, Qt.MouseButton.LeftButton)
    assert keyboard.telex_key.text() == "Không dấu"
    tap_keys(qtbot, keyboard, "wifi ")
    qtbot.mouseClick(keyboard.telex_key, Qt.MouseButton.LeftButton)
    tap_keys(qtbot, keyboard, "ddeenf")
    assert field.text() == "wifi đền"


def test_typing_goes_in_at_the_cursor(board):
    qtbot, keyboard, field = board
    field.setText("Nhà  số 5")
    field.setCursorPosition(4)
    tap_keys(qtbot, keyboard, "cux")
    assert field.text() == "Nhà cũ số 5"


def test_a_full_field_takes_no_more(board):
    qtbot, keyboard, field = board
    field.setMaxLength(3)
    tap_keys(qtbot, keyboard, "abcd")
    assert field.text() == "abc"


def test_it_edits_a_multi_line_field_too(qtbot, qapp):
    apply_theme(qapp)
    text = QPlainTextEdit()
    keyboard = VietKeyboard(text)
    qtbot.addWidget(text)
    qtbot.addWidget(keyboard)
    tap_keys(qtbot, keyboard, "Oonf quas")
    assert text.toPlainText() == "Ồn quá"
    keyboard.set_target(None)
    tap_keys(qtbot, keyboard, "x")  # no target: nothing happens
    assert text.toPlainText() == "Ồn quá"


def test_every_key_is_a_big_target_and_the_board_fits_the_panel(board):
    _, keyboard, _ = board
    assert keyboard.minimumSizeHint().width() <= 1200
    for key in [*keyboard.keys.values(), keyboard.space_key, keyboard.telex_key]:
        assert key.height() >= 90
        assert key.width() >= 96


def test_english_labels(board):
    _, keyboard, _ = board
    keyboard.retranslate("en")
    assert keyboard.space_key.text() == "Space"
    assert keyboard.telex_key.text() == "Accents on"
