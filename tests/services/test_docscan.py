"""Document capture on synthetic pictures whose truth is known exactly."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from services.docscan import (
    DocumentError,
    SimulatedPageCamera,
    capture_page,
    enhance,
    find_page,
    order_corners,
    page_scene,
    rectify,
    save_pdf,
    synthetic_page,
)

PAGE = synthetic_page(
    ["GIAY XAC NHAN CHO O HOP PHAP", "Ho ten: NGUYEN VAN MAU", "So nha 5, pho Thu", "0912 345 678"]
)
CASES = [
    np.array([[380.0, 90.0], [880.0, 130.0], [930.0, 880.0], [330.0, 850.0]]),  # perspective
    np.array([[520.0, 60.0], [1010.0, 250.0], [760.0, 910.0], [270.0, 720.0]]),  # turned ~21 deg
    np.array([[300.0, 100.0], [900.0, 100.0], [900.0, 900.0], [300.0, 900.0]]),  # stretched
]


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.astype(float).ravel(), b.astype(float).ravel())[0, 1])


@pytest.mark.parametrize("corners", CASES)
def test_the_page_is_found_and_straightened(corners: np.ndarray) -> None:
    scene = page_scene(PAGE, corners, noise=8.0, seed=3)
    found = find_page(scene)
    assert np.abs(found - corners).max() < 3.0  # px
    flat = rectify(scene, found, (PAGE.shape[1], PAGE.shape[0]))
    assert _correlation(flat[..., 0], PAGE) > 0.9
    assert _correlation(enhance(flat), PAGE) > 0.85  # the text survives thresholding


def test_corners_are_ordered_clockwise_from_top_left() -> None:
    shuffled = np.array([[10.0, 200.0], [200.0, 10.0], [0.0, 0.0], [210.0, 190.0]])
    assert order_corners(shuffled).tolist() == [[0, 0], [200, 10], [210, 190], [10, 200]]


def test_a_picture_without_a_page_is_a_clear_error() -> None:
    empty = SimulatedPageCamera()._empty
    with pytest.raises(DocumentError) as caught:
        find_page(empty)
    assert caught.value.reason == "no_page"
    tiny = page_scene(
        PAGE, np.array([[600.0, 400.0], [660.0, 400.0], [660.0, 480.0], [600.0, 480.0]])
    )
    with pytest.raises(DocumentError):
        capture_page(tiny)


def test_pages_are_saved_as_one_pdf(tmp_path: Path) -> None:
    scene = page_scene(PAGE, CASES[0])
    pages = [capture_page(scene), capture_page(page_scene(PAGE, CASES[1]))]
    assert pages[0].shape == (1754, 1240)  # A4 at 150 dpi
    path = save_pdf(pages, tmp_path / "hoso.pdf")
    assert path.read_bytes().startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", path.read_bytes())) == 2
    with pytest.raises(ValueError, match="no pages"):
        save_pdf([], tmp_path / "none.pdf")


async def test_the_simulated_camera_shows_a_page_once_laid() -> None:
    camera = SimulatedPageCamera(fps=50)
    with pytest.raises(DocumentError):
        find_page(await camera.frame())  # type: ignore[arg-type]
    camera.lay(PAGE)
    frame = await camera.frame()
    assert frame is not None
    assert frame.shape == (960, 1280, 3)
    assert _correlation(rectify(frame, find_page(frame), (620, 877))[..., 0], PAGE) > 0.9
