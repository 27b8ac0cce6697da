"""A simulated camera scene, and a send-time strip a receiver can read back.

The scene is a moving test pattern (colour bars that scroll, a bouncing disc)
with a large clock and the frame's send time drawn into it, as text for people
and as a strip of black and white blocks for machines. The strip survives
VP8 at 640x480, so a receiver can decode the send time from a decoded frame
and measure glass-to-glass latency.

The strip is a grid of ``STRIP_COLUMNS`` x ``STRIP_ROWS`` square cells across
the top of the frame (16 px cells at 640 px wide)::

    cell 0      white (sync)
    cell 1      black (sync)
    cells 2-49  the value, 48 bits, most significant first (white = 1)
    cells 50-57 CRC-8 of the value's six big-endian bytes (poly 0x07)
    cells 58-79 alternating white/black filler

A cell is read from the mean of its inner half, against a threshold half-way
between the two sync cells, so blur at the cell edges does not matter.
"""

from __future__ import annotations

import math
import time

import cv2
import numpy as np
from numpy.typing import NDArray

__all__ = ["STRIP_COLUMNS", "STRIP_ROWS", "SimulatedScene", "decode_timestamp", "encode_timestamp"]

STRIP_COLUMNS = 40
STRIP_ROWS = 2
_VALUE_BITS = 48
_CRC_BITS = 8
_SYNC = (1, 0)
_MIN_CONTRAST = 64.0  # grey levels between the sync cells; below it, no strip is there


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def _bits(value: int, count: int) -> list[int]:
    return [(value >> (count - 1 - i)) & 1 for i in range(count)]


def _cells(ms: int) -> list[int]:
    crc = _crc8(ms.to_bytes(_VALUE_BITS // 8, "big"))
    cells = [*_SYNC, *_bits(ms, _VALUE_BITS), *_bits(crc, _CRC_BITS)]
    total = STRIP_COLUMNS * STRIP_ROWS
    cells += [(i + 1) % 2 for i in range(total - len(cells))]
    return cells


def _cell_size(width: int) -> int:
    return width // STRIP_COLUMNS


def encode_timestamp(frame: NDArray[np.uint8], ms: int) -> None:
    """Draw ``ms`` as a block strip across the top of ``frame``, in place.

    Args:
        frame: an image, ``(height, width)`` grey or ``(height, width, 3)`` colour,
            at least ``STRIP_COLUMNS * 4`` px wide.
        ms: the send time, in milliseconds since an epoch the receiver knows;
            0 <= ms < 2**48.

    Raises:
        ValueError: ``ms`` out of range, or a frame too small for the strip.
    """
    if not 0 <= ms < 1 << _VALUE_BITS:
        raise ValueError(f"timestamp out of range: {ms} ms")
    cell = _cell_size(frame.shape[1])
    if cell < 4 or frame.shape[0] < cell * STRIP_ROWS:
        raise ValueError(
            f"frame too small for the timestamp strip: {frame.shape[1]}x{frame.shape[0]}"
        )
    for index, bit in enumerate(_cells(ms)):
        row, column = divmod(index, STRIP_COLUMNS)
        y, x = row * cell, column * cell
        frame[y : y + cell, x : x + cell] = 255 if bit else 0


def decode_timestamp(frame: NDArray[np.uint8]) -> int | None:
    """Read the send time that :func:`encode_timestamp` drew, in ms.

    Args:
        frame: the (possibly decoded, compressed) image, grey or BGR/RGB.

    Returns:
        The timestamp in milliseconds, or ``None`` when the frame carries no
        readable strip (low contrast, or a checksum that does not match).
    """
    grey = frame if frame.ndim == 2 else frame.mean(axis=2)
    cell = _cell_size(grey.shape[1])
    if cell < 4 or grey.shape[0] < cell * STRIP_ROWS:
        return None
    lo, hi = cell // 4, cell - cell // 4
    levels = []
    for index in range(STRIP_COLUMNS * STRIP_ROWS):
        row, column = divmod(index, STRIP_COLUMNS)
        y, x = row * cell, column * cell
        levels.append(float(grey[y + lo : y + hi, x + lo : x + hi].mean()))
    white, black = levels[0], levels[1]
    if white - black < _MIN_CONTRAST:
        return None
    threshold = (white + black) / 2
    bits = [1 if level > threshold else 0 for level in levels]
    value = int("".join(map(str, bits[2 : 2 + _VALUE_BITS])), 2)
    crc = int("".join(map(str, bits[2 + _VALUE_BITS : 2 + _VALUE_BITS + _CRC_BITS])), 2)
    if crc != _crc8(value.to_bytes(_VALUE_BITS // 8, "big")):
        return None
    return value


class SimulatedScene:
    """A moving test pattern with a clock and the send time, drawn in BGR.

    Args:
        width: frame width in px (at least 160).
        height: frame height in px (at least 120).
    """

    _BARS = np.array(
        [
            (255, 255, 255),
            (0, 255, 255),
            (255, 255, 0),
            (0, 255, 0),
            (255, 0, 255),
            (0, 0, 255),
            (255, 0, 0),
            (40, 40, 40),
        ],
        dtype=np.uint8,
    )

    def __init__(self, width: int = 640, height: int = 480) -> None:
        if width < 160 or height < 120:
            raise ValueError(f"scene too small: {width}x{height}")
        self.width = width
        self.height = height
        columns = np.arange(2 * width) * len(self._BARS) // width % len(self._BARS)
        row = self._BARS[columns]
        self._bars: NDArray[np.uint8] = np.ascontiguousarray(
            np.broadcast_to(row, (height, 2 * width, 3))
        )

    def render(self, elapsed: float, send_ms: int) -> NDArray[np.uint8]:
        """Draw one frame.

        Args:
            elapsed: seconds since the scene started; drives the motion.
            send_ms: the send time to draw, in ms since the receiver's epoch.

        Returns:
            A ``(height, width, 3)`` uint8 BGR image.
        """
        w, h = self.width, self.height
        shift = int(elapsed * w / 8) % w  # the bars scroll one frame width every 8 s
        frame = self._bars[:, shift : shift + w].copy()
        cx = int(w / 2 + (w / 3) * math.sin(elapsed * 1.3))
        cy = int(h * 0.72 + (h / 8) * math.cos(elapsed * 1.7))
        cv2.circle(frame, (cx, cy), max(8, h // 12), (0, 0, 0), thickness=-1)
        clock = time.strftime("%H:%M:%S") + f".{int(time.time() * 1000) % 1000:03d}"
        scale = w / 320
        band_top = int(h * 0.28)
        cv2.rectangle(frame, (0, band_top), (w, band_top + int(70 * scale)), (0, 0, 0), -1)
        cv2.putText(
            frame,
            clock,
            (int(8 * scale), band_top + int(42 * scale)),
            cv2.FONT_HERSHEY_SIMPLEX,
            1.4 * scale,
            (255, 255, 255),
            max(1, int(2 * scale)),
            cv2.LINE_AA,
        )
        cv2.putText(
            frame,
            f"sent {send_ms} ms",
            (int(8 * scale), band_top + int(62 * scale)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.45 * scale,
            (255, 255, 255),
            1,
            cv2.LINE_AA,
        )
        encode_timestamp(frame, send_ms)
        return frame
