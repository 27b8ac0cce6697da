"""The simulated camera and the QR scanner that reads citizen cards held up to it."""

from __future__ import annotations

import numpy as np

from hardware.camera import SimulatedCamera, read_qr, scan_qr

# An invented card, in the CCCD QR layout.
CARD = "001152004321|012345678|Nguyễn Thị Thử|15031952|Nữ|Số 5 Phố Mẫu, Hà Nội|20062021"


def test_the_scene_moves_and_has_the_camera_size():
    camera = SimulatedCamera(640, 480)
    a, b = camera.render(0.0), camera.render(1.0)
    assert a.shape == (480, 640, 3)
    assert a.dtype == np.uint8
    assert np.abs(a.astype(int) - b.astype(int)).mean() > 5


async def test_a_card_held_up_at_an_angle_is_read_with_its_vietnamese_text():
    camera = SimulatedCamera(fps=30)
    camera.show_card(CARD, tilt_degrees=10)
    assert await scan_qr(camera, seconds=5) == CARD


async def test_no_card_no_text():
    camera = SimulatedCamera(fps=30)
    assert await scan_qr(camera, seconds=0.5) is None
    assert camera.frames >= 5
    assert read_qr(np.zeros((480, 640, 3), np.uint8)) is None
