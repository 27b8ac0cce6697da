"""Document capture: find the page in a camera frame, straighten it, clean it, save a PDF.

The steps (no Qt, no I/O except :func:`save_pdf`):

1. :func:`find_page`: the page is the largest convex four-cornered outline in the
   frame. The frame is smoothed and split into page and background by Otsu's
   threshold (a white sheet on the cabin's dark shelf); when that finds no
   quadrilateral, Canny edges closed by a dilation are tried. Each corner is then
   refined as the intersection of straight lines fitted to the outline's four
   sides (least squares, ``cv2.fitLine``), which is steadier than the polygon's
   vertices.
2. :func:`rectify`: a perspective transform (a homography from the four corners)
   onto an upright A4 sheet (1 : sqrt 2, 1240 x 1754 px: 150 dpi).
3. :func:`enhance`: contrast-limited adaptive histogram equalisation (CLAHE;
   Zuiderveld, Graphics Gems IV, 1994) for photographs, or an adaptive Gaussian
   threshold for text (black ink on white, shadows gone).
4. :func:`save_pdf`: every page into one PDF (Pillow), A4 at 150 dpi.

:class:`SimulatedPageCamera` shows a page lying on the shelf, slightly turned and
seen in perspective, for the simulated station and the tests.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from cabin.errors import ServiceError

__all__ = [
    "A4_SIZE",
    "DocumentError",
    "SimulatedPageCamera",
    "capture_page",
    "enhance",
    "find_page",
    "order_corners",
    "page_scene",
    "pdf_bytes",
    "rectify",
    "save_pdf",
    "synthetic_page",
]

A4_SIZE = (1240, 1754)  # width, height in px: A4 at 150 dpi
_DPI = 150
_MIN_AREA = 0.15  # a page covers at least this share of the frame
_MAX_AREA = 0.95  # and leaves some shelf in view
_MIN_CONTRAST = 60.0  # grey levels between the paper and the shelf

Image8 = NDArray[np.uint8]
Corners = NDArray[np.float64]


class DocumentError(ServiceError, ValueError):
    """No page could be found in the picture; ``reason`` says what to change."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _grey(image: Image8) -> Image8:
    if image.ndim == 3:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
    return image


def order_corners(points: NDArray[np.float64]) -> Corners:
    """Four points as top-left, top-right, bottom-right, bottom-left."""
    pts = np.asarray(points, dtype=np.float64).reshape(4, 2)
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]  # clockwise on screen, starting at the left-most angle
    start = int(np.argmin(pts.sum(axis=1)))  # top-left: smallest x + y
    return np.roll(pts, -start, axis=0)


def _quadrilateral(mask: Image8, grey: Image8) -> NDArray[np.int32] | None:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    frame_area = mask.shape[0] * mask.shape[1]
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        area = cv2.contourArea(contour)
        if area < _MIN_AREA * frame_area:
            break
        if area > _MAX_AREA * frame_area:
            continue  # the whole frame, not a sheet on the shelf
        hull = cv2.convexHull(contour)
        approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
        if len(approx) != 4 or not cv2.isContourConvex(approx):
            continue
        inside = np.zeros_like(grey)
        cv2.fillConvexPoly(inside, approx.reshape(-1, 2), 255)
        page = float(cv2.mean(grey, mask=inside)[0])
        shelf = float(cv2.mean(grey, mask=255 - inside)[0])
        if page - shelf >= _MIN_CONTRAST:  # paper is much lighter than the shelf
            return np.asarray(contour, dtype=np.int32).reshape(-1, 2)
    return None


def _refine(outline: NDArray[np.int32], rough: Corners) -> Corners:
    """Corners as intersections of lines fitted to the outline between rough corners."""
    lines = []
    pts = outline.astype(np.float64)
    for i in range(4):
        a, b = rough[i], rough[(i + 1) % 4]
        direction = (b - a) / max(np.linalg.norm(b - a), 1e-9)
        along = (pts - a) @ direction
        across = np.abs((pts - a) @ np.array([-direction[1], direction[0]]))
        length = np.linalg.norm(b - a)
        keep = (along > 0.1 * length) & (along < 0.9 * length) & (across < 0.03 * length + 3)
        side = pts[keep]
        if len(side) < 10:
            return rough
        vx, vy, x0, y0 = cv2.fitLine(side.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01)
        lines.append((float(x0[0]), float(y0[0]), float(vx[0]), float(vy[0])))
    refined = []
    for i in range(4):
        x1, y1, dx1, dy1 = lines[(i - 1) % 4]
        x2, y2, dx2, dy2 = lines[i]
        det = dx1 * (-dy2) - dy1 * (-dx2)
        if abs(det) < 1e-9:
            return rough
        t = ((x2 - x1) * (-dy2) - (y2 - y1) * (-dx2)) / det
        refined.append((x1 + t * dx1, y1 + t * dy1))
    result = np.array(refined, dtype=np.float64)
    if np.max(np.linalg.norm(result - rough, axis=1)) > 25:
        return rough  # a bad fit: keep the polygon's corners
    return result


def find_page(image: Image8) -> Corners:
    """The page's four corners (px, top-left first, clockwise) in a BGR or grey frame.

    Raises:
        DocumentError: ``no_page`` when nothing page-like (four corners, 15 to 95 % of
            the frame, much lighter than around it) is in view.
    """
    grey = _grey(image)
    smooth = cv2.GaussianBlur(grey, (5, 5), 0)
    _, mask = cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    outline = _quadrilateral(np.asarray(mask, dtype=np.uint8), grey)
    if outline is None:
        edges = cv2.dilate(cv2.Canny(smooth, 50, 150), np.ones((5, 5), np.uint8))
        outline = _quadrilateral(np.asarray(edges, dtype=np.uint8), grey)
    if outline is None:
        raise DocumentError("no page in view", reason="no_page")
    hull = cv2.convexHull(outline.reshape(-1, 1, 2))
    approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
    rough = order_corners(approx.reshape(4, 2).astype(np.float64))
    return order_corners(_refine(outline, rough))


def rectify(image: Image8, corners: Corners, size: tuple[int, int] = A4_SIZE) -> Image8:
    """The page cut out and straightened to ``size`` (width, height in px)."""
    width, height = size
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]])
    matrix = cv2.getPerspectiveTransform(
        order_corners(corners).astype(np.float32), target.astype(np.float32)
    )
    flat = cv2.warpPerspective(image, matrix, (width, height), flags=cv2.INTER_LINEAR)
    return np.asarray(flat, dtype=np.uint8)


def enhance(page: Image8, *, text: bool = True) -> Image8:
    """A cleaner grey page: adaptive threshold for ``text``, CLAHE otherwise."""
    grey = _grey(page)
    if text:
        clean = cv2.adaptiveThreshold(
            grey, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 15
        )
    else:
        clean = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(grey)
    return np.asarray(clean, dtype=np.uint8)


def capture_page(frame: Image8, *, text: bool = True) -> Image8:
    """Find, straighten and clean the page in a frame (:class:`DocumentError` if none)."""
    return enhance(rectify(frame, find_page(frame)), text=text)


def pdf_bytes(pages: Sequence[Image8]) -> bytes:
    """The pages, in order, as one PDF at 150 dpi; ``ValueError`` if there are none."""
    if not pages:
        raise ValueError("no pages to save")
    images = [Image.fromarray(_grey(page)) for page in pages]
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=_DPI)
    return out.getvalue()


def save_pdf(pages: Sequence[Image8], path: Path) -> Path:
    """Write the pages as one PDF file (see :func:`pdf_bytes`)."""
    data = pdf_bytes(pages)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def synthetic_page(lines: Sequence[str], size: tuple[int, int] = (620, 877)) -> Image8:
    """A white page (grey) with ``lines`` of black text and a ruled box: a known original."""
    width, height = size
    page = np.full((height, width), 255, np.uint8)
    cv2.rectangle(page, (30, 30), (width - 30, 110), 0, 3)
    for index, line in enumerate(lines):
        y = 160 + index * 48
        if y > height - 40:
            break
        cv2.putText(page, line, (45, y), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 0, 2, cv2.LINE_AA)
    return page


def page_scene(
    page: Image8,
    corners: Corners,
    frame_size: tuple[int, int] = (1280, 960),
    *,
    noise: float = 6.0,
    seed: int = 0,
) -> Image8:
    """``page`` laid at ``corners`` (px, TL TR BR BL) on a dark shelf with sensor noise; BGR."""
    width, height = frame_size
    h, w = page.shape[:2]
    source = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(source, np.asarray(corners, dtype=np.float32))
    rng = np.random.default_rng(seed)
    shelf = np.full((height, width), 45.0) + 12 * np.sin(np.arange(width) / 80.0)[None, :]
    warped = cv2.warpPerspective(page, matrix, (width, height), flags=cv2.INTER_LINEAR)
    inside = cv2.warpPerspective(
        np.full((h, w), 255, np.uint8), matrix, (width, height), flags=cv2.INTER_LINEAR
    )
    alpha = inside.astype(np.float64) / 255.0
    scene = alpha * warped.astype(np.float64) * 0.92 + (1 - alpha) * shelf
    scene += rng.normal(0.0, noise, scene.shape)
    grey = np.clip(scene, 0, 255).astype(np.uint8)
    return np.asarray(cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR), dtype=np.uint8)


class SimulatedPageCamera:
    """A camera over the document shelf: empty until :meth:`lay` puts a page on it."""

    def __init__(self, width: int = 1280, height: int = 960, fps: float = 10.0) -> None:
        self.size = (width, height)
        self.fps = fps
        self._scene: Image8 | None = None
        self._empty = page_scene(np.zeros((10, 10), np.uint8), np.zeros((4, 2)), self.size)
        self._next = time.monotonic()

    def lay(self, page: Image8, corners: Corners | None = None, *, seed: int = 0) -> None:
        """Put ``page`` on the shelf at ``corners`` (a slight turn and tilt by default)."""
        width, height = self.size
        if corners is None:
            corners = np.array(
                [
                    [0.30 * width, 0.08 * height],
                    [0.70 * width, 0.11 * height],
                    [0.74 * width, 0.93 * height],
                    [0.27 * width, 0.90 * height],
                ]
            )
        self._scene = page_scene(page, corners, self.size, seed=seed)

    def clear(self) -> None:
        self._scene = None

    async def frame(self) -> Image8 | None:
        self._next = max(self._next + 1.0 / self.fps, time.monotonic())
        await asyncio.sleep(max(0.0, self._next - time.monotonic()))
        return (self._scene if self._scene is not None else self._empty).copy()

    def close(self) -> None:
        self._scene = None
