"""The card reader in the camera: a preview of every frame, each QR text once."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import numpy as np

from cabin.card_camera import CardCamera
from cabin.errors import DeviceUnavailable
from hardware.camera import Frame, SimulatedCamera

# An invented card (nobody real).
CARD = "001152004321|012345678|Nguyễn Thị Thử|15031952|Nữ|Số 5 Phố Mẫu, Hà Nội|20062021"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def watch_until(reader: CardCamera, found: list[str], count: int, frames: list[Frame]):
    task = asyncio.create_task(reader.watch(frames.append, found.append))
    try:
        async with asyncio.timeout(10):
            while len(found) < count:
                await asyncio.sleep(0.02)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_a_card_held_up_is_read_and_every_frame_reaches_the_preview():
    camera = SimulatedCamera(fps=60)
    camera.show_card(CARD)
    frames: list[Frame] = []
    found: list[str] = []
    await watch_until(CardCamera(camera, decode_every=3), found, 1, frames)
    assert found == [CARD]
    assert len(frames) >= 3  # two previews without decoding before the first decode
    assert frames[0].shape == (480, 640, 3)


async def test_a_card_held_still_is_passed_on_once_then_again_after_a_while():
    camera = SimulatedCamera(fps=60)
    camera.show_card(CARD)
    clock = Clock()
    reader = CardCamera(camera, decode_every=1, repeat_after=5.0, clock=clock)
    found: list[str] = []
    task = asyncio.create_task(reader.watch(lambda frame: None, found.append))
    try:
        async with asyncio.timeout(10):
            while not found:
                await asyncio.sleep(0.02)
            decoded_before = camera.frames
            while camera.frames < decoded_before + 10:  # ten more reads of the same card
                await asyncio.sleep(0.02)
            assert found == [CARD]
            clock.now = 5.5
            while len(found) < 2:
                await asyncio.sleep(0.02)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert found == [CARD, CARD]


async def test_forgetting_lets_the_next_resident_show_the_same_card_at_once():
    camera = SimulatedCamera(fps=60)
    camera.show_card(CARD)
    reader = CardCamera(camera, decode_every=1, clock=Clock())
    found: list[str] = []
    await watch_until(reader, found, 1, [])
    reader.forget()
    await watch_until(reader, found, 2, [])
    assert found == [CARD, CARD]


async def test_a_scene_without_a_card_reads_nothing():
    camera = SimulatedCamera(fps=60)
    found: list[str] = []
    frames: list[Frame] = []
    task = asyncio.create_task(
        CardCamera(camera, decode_every=1).watch(frames.append, found.append)
    )
    async with asyncio.timeout(10):
        while len(frames) < 10:
            await asyncio.sleep(0.02)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert found == []


class FailingCamera:
    def __init__(self) -> None:
        self.calls = 0

    async def frame(self) -> Frame | None:
        self.calls += 1
        if self.calls > 2:
            raise DeviceUnavailable("camera unplugged", device_id="camera0")
        return np.zeros((48, 64, 3), np.uint8)

    def close(self) -> None:
        pass


async def test_a_camera_that_fails_ends_the_watch_with_one_log_line(caplog):
    frames: list[Frame] = []
    with caplog.at_level(logging.WARNING, logger="cabin.card_camera"):
        async with asyncio.timeout(5):
            await CardCamera(FailingCamera(), decode_every=1).watch(frames.append, print)
    assert len(frames) == 2
    assert [r.getMessage() for r in caplog.records] == ["camera stopped"]
