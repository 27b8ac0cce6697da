"""Synthetic face video with a known pulse, for testing and benchmarking camera pulse.

A cartoon face (skin oval, hair, brows, eyes, nose, mouth, neck and shoulders on a
shaded wall) that OpenCV's frontal-face cascade detects, drawn with the skin's
colour modulated by a blood-volume pulse. Blood absorbs light, so the skin darkens
as the volume rises, in each channel in proportion to the blood-volume-pulse
signature of an RGB camera, roughly (0.33, 0.77, 0.53) for (R, G, B): G. de Haan
and A. van Leest, "Improved motion robustness of remote-PPG by using the blood
volume pulse signature", Physiol. Meas. 35(9):1913-1926, 2014. The pulse shape is
the two-Gaussian wave of :class:`hardware.sim.PulseShape` (Tang et al., Sci. Rep.
2020), its rate varies with breathing (respiratory sinus arrhythmia, +-3 % at
0.25 Hz).

What disturbs it: slow illumination drift (white light, so every channel scales
alike), head motion (the whole frame shifts by sub-pixel amounts: a stand-in for the
head moving against the wall, which also moves the background), Gaussian sensor
noise, 8-bit quantisation, optional JPEG compression (real 8x8 DCT quantisation,
through OpenCV's codec), frame-time jitter and dropped frames.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np
from numpy.typing import NDArray

from hardware.sim.ppg_model import PulseShape

__all__ = ["SyntheticFaceVideo", "rppg_simulate"]

# Relative pulse amplitude per channel (R, G, B), normalised to green.
_PBV = np.array([0.33, 0.77, 0.53]) / 0.77
_SKIN_BGR = (135.0, 160.0, 205.0)
_NOISE_BANK = 8


@dataclass(frozen=True, slots=True, eq=False)
class SyntheticFaceVideo:
    """A seeded synthetic video: frame times, ground truth, and the frames on demand.

    Frames are drawn when iterated, so a long video costs no memory; iterating again
    gives the same frames.

    Attributes:
        times: frame timestamps, s, increasing.
        heart_rate: mean pulse rate, /min.
        size: (width, height), px.
        face_box: (x, y, width, height) of the drawn face before motion, px; None
            without a face.
    """

    times: NDArray[np.float64]
    heart_rate: float
    size: tuple[int, int]
    face_box: tuple[int, int, int, int] | None
    _base: NDArray[np.float32] = field(repr=False)
    _skin: NDArray[np.float32] = field(repr=False)
    _wave: NDArray[np.float64] = field(repr=False)
    _light: NDArray[np.float64] = field(repr=False)
    _shift: NDArray[np.float64] = field(repr=False)
    _noise: float = field(repr=False)
    _jpeg_quality: int | None = field(repr=False)
    _seed: int = field(repr=False)

    @property
    def pulse(self) -> NDArray[np.float64]:
        """The true blood-volume wave at each frame time (trough to peak 1)."""
        return self._wave.copy()

    def frames(self) -> Iterator[NDArray[np.uint8]]:
        """The BGR uint8 frames, one per entry of :attr:`times`."""
        rng = np.random.default_rng(self._seed + 1)
        height, width = self.size[1], self.size[0]
        bank = [
            (rng.standard_normal((height, width, 3)) * self._noise).astype(np.float32)
            for _ in range(_NOISE_BANK if self._noise > 0 else 0)
        ]
        picks = rng.integers(0, max(1, len(bank)), self.times.size)
        for k in range(self.times.size):
            light = float(self._light[k])
            img = cv2.addWeighted(self._base, light, self._skin, -light * self._wave[k], 0.0)
            dx, dy = self._shift[k]
            if dx or dy:
                matrix = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])
                img = cv2.warpAffine(img, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)
            if bank:
                img = cv2.add(img, bank[picks[k]])
            frame = np.asarray(cv2.convertScaleAbs(np.maximum(img, 0.0)), dtype=np.uint8)
            if self._jpeg_quality is not None:
                _, data = cv2.imencode(
                    ".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, self._jpeg_quality]
                )
                frame = np.asarray(cv2.imdecode(data, cv2.IMREAD_COLOR), dtype=np.uint8)
            yield frame

    def __iter__(self) -> Iterator[tuple[float, NDArray[np.uint8]]]:
        """``(t, frame)`` pairs, t in s."""
        return zip((float(t) for t in self.times), self.frames(), strict=True)


def rppg_simulate(
    duration: float = 12.0,
    *,
    heart_rate: float = 72.0,
    fps: float = 30.0,
    size: tuple[int, int] = (640, 480),
    amplitude: float = 0.003,
    noise: float = 2.0,
    drift: float = 0.05,
    motion: float = 1.0,
    motion_rate: float = 0.2,
    jitter: float = 0.0,
    drop: float = 0.0,
    jpeg_quality: int | None = None,
    light: float = 1.0,
    face: bool = True,
    seed: int = 0,
) -> SyntheticFaceVideo:
    """A synthetic face video with a known pulse.

    Args:
        duration: length, s.
        heart_rate: mean pulse rate, /min (30-240).
        fps: nominal frame rate, Hz.
        size: (width, height), px.
        amplitude: trough-to-peak pulse modulation of the green channel, as a
            fraction of its level (0.003 = 0.3 %); red and blue follow the
            blood-volume-pulse signature.
        noise: standard deviation of the per-pixel sensor noise, pixel levels.
        drift: amplitude of the slow illumination drift, fraction of the level.
        motion: amplitude of the head motion, px at the given size.
        motion_rate: main frequency of the head motion, Hz.
        jitter: frame-interval jitter, fraction of the nominal interval (uniform).
        drop: probability that a frame is dropped (its interval doubles).
        jpeg_quality: JPEG quality (1-100) each frame goes through; None for none.
        light: scene brightness, fraction of a well-lit cabin.
        face: draw the face; False gives an empty cabin.
        seed: the random seed; equal seeds give equal videos.

    Raises:
        ValueError: an argument outside its range.
    """
    if not (duration > 0 and 5 <= fps <= 120 and 30 <= heart_rate <= 240):
        raise ValueError("need duration > 0, fps within 5-120 Hz, heart_rate within 30-240 /min")
    if not (0 <= jitter < 1 and 0 <= drop < 0.5 and 0 <= amplitude < 0.1 and light > 0):
        raise ValueError("jitter, drop, amplitude or light out of range")
    if min(size) < 64 or noise < 0 or drift < 0 or drift >= 0.5 or motion < 0:
        raise ValueError("size, noise, drift or motion out of range")
    if jpeg_quality is not None and not 1 <= jpeg_quality <= 100:
        raise ValueError("jpeg_quality must be within 1 and 100")
    rng = np.random.default_rng(seed)
    period = 1.0 / fps
    count = math.ceil(duration * fps * 1.1) + 2
    steps = period * (1.0 + jitter * rng.uniform(-1.0, 1.0, count))
    steps[rng.uniform(size=count) < drop] += period
    times = np.concatenate(([0.0], np.cumsum(steps)))
    times = times[times < duration]

    phases = rng.uniform(0.0, 2.0 * math.pi, 6)
    rate = heart_rate / 60.0 * (1.0 + 0.03 * np.sin(2.0 * math.pi * 0.25 * times + phases[0]))
    beats = np.concatenate(([0.0], np.cumsum(0.5 * (rate[1:] + rate[:-1]) * np.diff(times))))
    u = np.mod(beats + phases[1] / (2.0 * math.pi), 1.0)
    shape = PulseShape()
    wave = shape(u) + shape(u - 1.0) + shape(u + 1.0) - shape.mean

    level = 1.0 + drift * (
        0.6 * np.sin(2.0 * math.pi * times / 25.0 + phases[2])
        + 0.4 * np.sin(2.0 * math.pi * times / 9.0 + phases[3])
    )
    w = 2.0 * math.pi * motion_rate * times
    shift = motion * np.stack(
        [np.sin(w + phases[4]) + 0.5 * np.sin(2.3 * w), np.sin(0.7 * w + phases[5])], axis=1
    )
    base, skin, box = _draw(size, face)
    skin_amplitude = (base * skin[..., None] * (amplitude * _PBV[::-1]).astype(np.float32)).astype(
        np.float32
    )
    return SyntheticFaceVideo(
        times=times,
        heart_rate=heart_rate,
        size=size,
        face_box=box,
        _base=base,
        _skin=skin_amplitude,
        _wave=wave,
        _light=light * level,
        _shift=shift,
        _noise=noise,
        _jpeg_quality=jpeg_quality,
        _seed=seed,
    )


def _draw(
    size: tuple[int, int], face: bool
) -> tuple[NDArray[np.float32], NDArray[np.float32], tuple[int, int, int, int] | None]:
    """The still image (BGR float32), its skin weight (0-1) and the face box."""
    width, height = size
    img = np.empty((height, width, 3), np.float32)
    img[:] = (150.0, 160.0, 165.0)
    img *= np.linspace(0.8, 1.1, width, dtype=np.float32)[None, :, None]
    skin = np.zeros((height, width), np.float32)
    if not face:
        return img, skin, None
    fh = round(0.55 * height)
    fw = round(0.75 * fh)
    cx, cy = width // 2, round(0.52 * height)

    def px(f: float) -> int:
        return round(f * fh)

    cv2.rectangle(img, (cx - fw // 4, cy + fh // 3), (cx + fw // 4, height), _SKIN_BGR, -1)
    cv2.rectangle(skin, (cx - fw // 4, cy + fh // 3), (cx + fw // 4, height), 1.0, -1)
    cv2.ellipse(img, (cx, height + px(0.15)), (fw, px(0.45)), 0, 0, 360, (90, 60, 50), -1)
    cv2.ellipse(skin, (cx, height + px(0.15)), (fw, px(0.45)), 0, 0, 360, 0.0, -1)
    cv2.ellipse(img, (cx, cy - fh // 10), (fw // 2 + px(0.045), fh // 2 + px(0.03)), 0, 0, 360,
                (40, 45, 55), -1)  # fmt: skip
    oval = np.zeros((height, width), np.uint8)
    cv2.ellipse(oval, (cx, cy + fh // 20), (fw // 2, fh // 2), 0, 0, 360, 255, -1)
    oval[: cy - px(0.36)] = 0  # the hairline
    img[oval > 0] = _SKIN_BGR
    skin[oval > 0] = 1.0
    eye_y, dx = cy - px(0.06), round(0.21 * fw)
    for layer, colours in ((img, ((50, 55, 65), (220, 225, 230), (40, 40, 50))), (skin, (0, 0, 0))):
        brow, white, iris = colours
        for side in (-1, 1):
            ex = cx + side * dx
            cv2.ellipse(layer, (ex, eye_y - px(0.08)), (round(0.12 * fw), px(0.025)), 0, 180, 360,
                        brow, max(1, px(0.02)))  # fmt: skip
            cv2.ellipse(layer, (ex, eye_y), (round(0.1 * fw), px(0.035)), 0, 0, 360, white, -1)
            cv2.circle(layer, (ex, eye_y), px(0.03), iris, -1)
    cv2.ellipse(img, (cx, cy + px(0.12)), (round(0.08 * fw), px(0.03)), 0, 0, 360,
                (105, 125, 170), -1)  # fmt: skip
    mouth = ((cx, cy + px(0.27)), (round(0.17 * fw), px(0.035)), 0, 0, 360)
    cv2.ellipse(img, *mouth, (70, 70, 150), -1)
    cv2.ellipse(skin, *mouth, 0.0, -1)
    sigma = fh / 120.0
    box = (cx - fw // 2, cy - fh // 2, fw, fh)
    return (
        np.asarray(cv2.GaussianBlur(img, (0, 0), sigma), np.float32),
        np.asarray(cv2.GaussianBlur(skin, (0, 0), sigma), np.float32),
        box,
    )
