"""Where the skin is in each camera frame, and its mean colour: the first stage of rPPG.

A region-of-interest stage turns one BGR frame into one :class:`RoiSample`: the
spatial mean R, G, B of the skin it watches, or a reason why it cannot. Two stages
share the :class:`RoiStage` interface:

* :class:`FaceRoi` finds the face with OpenCV's Viola-Jones cascade (P. Viola and
  M. Jones, "Rapid object detection using a boosted cascade of simple features",
  CVPR 2001; the ``haarcascade_frontalface_default.xml`` model that ships inside the
  opencv wheel: its DNN face detectors need model files the wheel does not carry,
  and nothing is downloaded at run time). It runs the detector about once a second
  on a frame scaled to 240 lines, and between detections follows the face by
  normalised cross-correlation of a small template of the eyes, nose and mouth,
  which costs a fraction of a millisecond. The skin is the forehead and both cheeks
  of the face box, kept where the colour falls in the YCrCb skin cluster of
  D. Chai and K. N. Ngan, "Face segmentation using skin-color map in videophone
  applications", IEEE Trans. Circuits Syst. Video Technol. 9(4):551-564, 1999
  (Cr 133-173, Cb 77-127), eroded away from edges. The mask is made when the face
  is anchored and moves with the tracked box, so pixels do not flicker in and out.
* :class:`FixedRoi` watches a fixed rectangle: for a camera rig that frames the
  face by construction, or for testing the signal path without a detector.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import cv2
import cv2.data
import numpy as np
from numpy.typing import NDArray

__all__ = ["FaceRoi", "FixedRoi", "RoiSample", "RoiStage", "check_frame"]

Box = tuple[int, int, int, int]  # x, y, width, height in pixels

_DETECT_LINES = 240
_TEMPLATE_WIDTH = 48
_SKIN_CR = (133, 173)
_SKIN_CB = (77, 127)
# Skin regions as fractions of the face box: (x0, y0, x1, y1).
_REGIONS = ((0.30, 0.10, 0.70, 0.25), (0.18, 0.52, 0.40, 0.72), (0.60, 0.52, 0.82, 0.72))
_TEMPLATE_REGION = (0.20, 0.30, 0.80, 0.85)
_MIN_MATCH = 0.5
_BRIGHT_LEVEL = 235.0


@dataclass(frozen=True, slots=True)
class RoiSample:
    """What one frame says about the skin.

    Attributes:
        rgb: spatial mean (R, G, B) over the skin, pixel levels 0-255; None when
            refused.
        luma: mean luma (Rec. 601) of the skin, or of the whole frame without a face,
            pixel levels 0-255.
        centre: the region's centre (x, y), px (sub-pixel); None without a face.
        width: the face (or fixed region) width, px; 0 without a face.
        reason: why ``rgb`` is None: ``"no_face"``, ``"too_dark"`` or
            ``"too_bright"``; empty otherwise.
    """

    rgb: tuple[float, float, float] | None
    luma: float
    centre: tuple[float, float] | None = None
    width: float = 0.0
    reason: str = ""


class RoiStage(Protocol):
    """Turns frames, in order, into :class:`RoiSample` values."""

    def measure(self, frame: NDArray[np.uint8], t: float) -> RoiSample:
        """The sample of ``frame``, taken at ``t`` (s, stream time)."""
        ...

    def reset(self) -> None:
        """Forget everything learnt from earlier frames."""
        ...


def check_frame(frame: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Check that ``frame`` is an ``(h, w, 3)`` BGR uint8 image, at least 32x32.

    Raises:
        ValueError: another shape or type.
    """
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8:
        raise ValueError("a frame must be a numpy uint8 array")
    if frame.ndim != 3 or frame.shape[2] != 3 or min(frame.shape[:2]) < 32:
        raise ValueError(f"a frame must be BGR with shape (h, w, 3), h, w >= 32, not {frame.shape}")
    return frame


def _skin_sample(
    frame: NDArray[np.uint8],
    box: Box,
    mask: NDArray[np.uint8],
    min_luma: float,
    corner: tuple[float, float],
) -> RoiSample:
    x, y, w, h = box
    b, g, r, _ = cv2.mean(frame[y : y + h, x : x + w], mask=mask)
    luma = 0.299 * r + 0.587 * g + 0.114 * b
    centre = (corner[0] + w / 2, corner[1] + h / 2)
    reason = "too_dark" if luma < min_luma else "too_bright" if max(r, g, b) > _BRIGHT_LEVEL else ""
    rgb = None if reason else (float(r), float(g), float(b))
    return RoiSample(rgb, luma, centre, float(w), reason)


def _frame_luma(frame: NDArray[np.uint8]) -> float:
    b, g, r, _ = cv2.mean(frame)
    return float(0.299 * r + 0.587 * g + 0.114 * b)


def _skin_mask(crop: NDArray[np.uint8], *, regions: bool, colour: bool) -> NDArray[np.uint8]:
    h, w = crop.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    if regions:
        for x0, y0, x1, y1 in _REGIONS:
            mask[round(y0 * h) : round(y1 * h), round(x0 * w) : round(x1 * w)] = 255
    else:
        mask[:] = 255
    if colour:
        ycrcb = cv2.cvtColor(crop, cv2.COLOR_BGR2YCrCb)
        skin = cv2.inRange(ycrcb, (0, _SKIN_CR[0], _SKIN_CB[0]), (255, _SKIN_CR[1], _SKIN_CB[1]))
        skin = cv2.erode(skin, np.ones((3, 3), np.uint8), iterations=max(1, w // 60))
        both = cv2.bitwise_and(mask, skin)
        # Unusual light can push all skin out of the cluster: then trust the regions.
        if cv2.countNonZero(both) >= 0.2 * cv2.countNonZero(mask):
            mask = np.asarray(both, dtype=np.uint8)
    return np.asarray(mask, dtype=np.uint8)


class FixedRoi:
    """A fixed rectangle of skin.

    Args:
        box: ``(x, y, width, height)`` in pixels.
        skin_mask: keep only skin-coloured pixels (chosen on the first frame).
        min_luma: darkest usable mean skin luma, pixel levels 0-255.
    """

    def __init__(self, box: Box, *, skin_mask: bool = False, min_luma: float = 40.0) -> None:
        x, y, w, h = box
        if min(x, y) < 0 or min(w, h) < 4:
            raise ValueError("box must lie at x, y >= 0 and be at least 4x4 pixels")
        self.box = box
        self.skin_mask = skin_mask
        self.min_luma = min_luma
        self._mask: NDArray[np.uint8] | None = None

    def measure(self, frame: NDArray[np.uint8], t: float) -> RoiSample:
        """The mean colour of the rectangle in ``frame`` (``t`` in s is not used)."""
        check_frame(frame)
        x, y, w, h = self.box
        if x + w > frame.shape[1] or y + h > frame.shape[0]:
            raise ValueError("box reaches outside the frame")
        if self._mask is None:
            crop = frame[y : y + h, x : x + w]
            self._mask = _skin_mask(crop, regions=False, colour=self.skin_mask)
        return _skin_sample(frame, self.box, self._mask, self.min_luma, (x, y))

    def reset(self) -> None:
        """Choose the skin mask again on the next frame."""
        self._mask = None


class FaceRoi:
    """Forehead and cheeks of the largest face, detected about once a second and tracked.

    Args:
        detect_every: seconds between detections while a face is tracked; with no
            face, detection is retried four times as often.
        min_face: smallest face to detect, as a fraction of the frame height.
        min_luma: darkest usable mean skin (or frame) luma, pixel levels 0-255.
        cascade: path of an OpenCV cascade XML; the frontal-face model in the wheel
            by default.
    """

    def __init__(
        self,
        *,
        detect_every: float = 1.0,
        min_face: float = 0.2,
        min_luma: float = 40.0,
        cascade: str | None = None,
    ) -> None:
        if not (detect_every > 0 and 0 < min_face < 1):
            raise ValueError("detect_every must be positive and min_face within 0 and 1")
        path = cascade or cv2.data.haarcascades + "haarcascade_frontalface_default.xml"
        self._detector = cv2.CascadeClassifier(path)
        if self._detector.empty():
            raise ValueError(f"cannot load the face cascade {path}")
        self.detect_every = detect_every
        self.min_face = min_face
        self.min_luma = min_luma
        self.detections = 0
        self.reset()

    def reset(self) -> None:
        """Forget the face: the next frame runs the detector."""
        self._box: Box | None = None
        self._pos = (0.0, 0.0)  # tracked top-left corner, px (sub-pixel)
        self._mask: NDArray[np.uint8] = np.zeros((0, 0), np.uint8)
        self._template: NDArray[np.uint8] = np.zeros((0, 0), np.uint8)
        self._scale = 1.0
        self._last_detection = -math.inf
        self._misses = 0

    @property
    def box(self) -> Box | None:
        """The tracked face box ``(x, y, width, height)``, px, or None."""
        return self._box

    def measure(self, frame: NDArray[np.uint8], t: float) -> RoiSample:
        """Track the face into ``frame`` (taken at ``t``, s) and sample its skin."""
        check_frame(frame)
        lost = False
        if self._box is not None:
            self._track(frame, self._box)
            lost = self._box is None
        interval = self.detect_every if self._box is not None else self.detect_every / 4
        if lost or not 0 <= t - self._last_detection < interval:
            self._detect(frame, t)
        if self._box is None:
            luma = _frame_luma(frame)
            reason = "too_dark" if luma < self.min_luma else "no_face"
            return RoiSample(None, luma, reason=reason)
        return _skin_sample(frame, self._box, self._mask, self.min_luma, self._pos)

    def _detect(self, frame: NDArray[np.uint8], t: float) -> None:
        """Run the cascade; anchor on a new face, or re-anchor when the tracked one drifted."""
        self._last_detection = t
        self.detections += 1
        scale = min(1.0, _DETECT_LINES / frame.shape[0])
        small = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        grey = cv2.equalizeHist(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY))
        side = max(24, round(self.min_face * grey.shape[0]))
        faces = self._detector.detectMultiScale(grey, 1.1, 4, minSize=(side, side))
        if len(faces) == 0:
            self._misses += 1
            if self._misses >= 2:
                self._box = None
            return
        self._misses = 0
        fx, fy, fw, fh = max(faces, key=lambda f: int(f[2]) * int(f[3]))
        found = (round(fx / scale), round(fy / scale), round(fw / scale), round(fh / scale))
        if self._box is not None:
            x, y, w, h = self._box
            dx, dy = found[0] + found[2] / 2 - x - w / 2, found[1] + found[3] / 2 - y - h / 2
            if math.hypot(dx, dy) <= 0.1 * w and abs(found[2] / w - 1.0) <= 0.15:
                return
        self._anchor(frame, found)

    def _anchor(self, frame: NDArray[np.uint8], box: Box) -> None:
        x, y, w, h = _clip_box(box, frame.shape[1], frame.shape[0])
        self._box = (x, y, w, h)
        self._pos = (float(x), float(y))
        self._mask = _skin_mask(frame[y : y + h, x : x + w], regions=True, colour=True)
        self._scale = _TEMPLATE_WIDTH / w
        tx, ty, tw, th = self._template_box(self._box)
        grey = cv2.cvtColor(frame[ty : ty + th, tx : tx + tw], cv2.COLOR_BGR2GRAY)
        self._template = np.asarray(
            cv2.resize(grey, None, fx=self._scale, fy=self._scale, interpolation=cv2.INTER_AREA),
            dtype=np.uint8,
        )

    @staticmethod
    def _template_box(box: Box) -> Box:
        x, y, w, h = box
        x0, y0, x1, y1 = _TEMPLATE_REGION
        return (x + round(x0 * w), y + round(y0 * h), round((x1 - x0) * w), round((y1 - y0) * h))

    def _track(self, frame: NDArray[np.uint8], box: Box) -> None:
        """Follow the template from ``box`` into ``frame``; drop the face when it is lost."""
        bx, by, w, h = box
        tx, ty, tw, th = self._template_box(box)
        margin = round(0.25 * w)
        height, width = frame.shape[:2]
        x0, y0 = max(0, tx - margin), max(0, ty - margin)
        x1, y1 = min(width, tx + tw + margin), min(height, ty + th + margin)
        search = cv2.resize(
            cv2.cvtColor(frame[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY),
            None,
            fx=self._scale,
            fy=self._scale,
            interpolation=cv2.INTER_AREA,
        )
        if search.shape[0] < self._template.shape[0] or search.shape[1] < self._template.shape[1]:
            self._box = None
            return
        scores = cv2.matchTemplate(search, self._template, cv2.TM_CCOEFF_NORMED)
        _, best, _, (px, py) = cv2.minMaxLoc(scores)
        if best < _MIN_MATCH:
            self._box = None
            return
        dx = _refine(scores[py, max(0, px - 1) : px + 2], px)
        dy = _refine(scores[max(0, py - 1) : py + 2, px], py)
        # The template's top-left in full-resolution pixels, back to the face box.
        nx = x0 + (px + dx) / self._scale - (tx - bx)
        ny = y0 + (py + dy) / self._scale - (ty - by)
        box = _clip_box((round(nx), round(ny), w, h), width, height)
        if box[2:] != (w, h):
            self._box = None  # the face left the frame
            return
        self._pos = (nx, ny)
        self._box = box


def _refine(scores: Any, index: int) -> float:
    """Sub-pixel offset of a peak from a parabola through three scores."""
    if scores.size != 3 or index == 0:
        return 0.0
    a, b, c = (float(v) for v in scores)
    denominator = a - 2.0 * b + c
    return 0.0 if denominator >= 0 else max(-0.5, min(0.5, 0.5 * (a - c) / denominator))


def _clip_box(box: Box, width: int, height: int) -> Box:
    x, y, w, h = box
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(width, x + w), min(height, y + h)
    return (x0, y0, max(0, x1 - x0), max(0, y1 - y0))
