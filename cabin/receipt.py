"""The results receipt, printed on an 80 mm ESC/POS thermal printer.

Thermal printers seldom carry a Vietnamese code page, so the receipt is drawn
as an image (Noto Sans, which covers every Vietnamese letter) and sent as an
ESC/POS raster (python-escpos). The same image is what tests look at. The
receipt carries device values and their plain-language meaning, never the
resident's name or ID number: a receipt left in the cabin must not identify
anyone. A QR code lets the resident keep the results on a phone.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import segno
from escpos.printer import Dummy
from PIL import Image, ImageDraw, ImageFont

from cabin.errors import DeviceUnavailable

__all__ = ["ReceiptLine", "qr_image", "receipt_bytes", "render_receipt", "send_to_printer"]

log = logging.getLogger(__name__)

WIDTH = 576  # dots: the printable width of 80 mm paper at 203 dpi
_MARGIN = 12
_FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/truetype/dejavu"))


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    """One result on the receipt.

    Attributes:
        label: what was measured, in the resident's language ("Huyết áp").
        value: the value with its unit, as shown on screen ("128/82 mmHg").
        meaning: the plain sentence from the interpretation.
    """

    label: str
    value: str
    meaning: str


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    names = ("NotoSans-Bold.ttf", "DejaVuSans-Bold.ttf") if bold else (
        "NotoSans-Regular.ttf", "DejaVuSans.ttf"
    )  # fmt: skip
    for folder in _FONT_DIRS:
        for name in names:
            if (folder / name).exists():
                return ImageFont.truetype(str(folder / name), size)
    log.warning("no Vietnamese font found; the receipt may lose diacritics")
    return ImageFont.load_default(size)


def _wrap(
    draw: ImageDraw.ImageDraw,
    text: str,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    width: int,
) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        words, line = paragraph.split(), ""
        for word in words:
            trial = f"{line} {word}".strip()
            if draw.textlength(trial, font=font) <= width or not line:
                line = trial
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def render_receipt(
    title: str,
    station: str,
    at: datetime,
    lines: Sequence[ReceiptLine],
    *,
    footer: str = "",
    qr_payload: str | None = None,
    timezone: str = "Asia/Ho_Chi_Minh",
) -> Image.Image:
    """Draw the receipt as a 1-bit image ``WIDTH`` dots wide.

    Args:
        title: the heading ("KẾT QUẢ ĐO SỨC KHỎE").
        station: the station's name.
        at: when the visit took place (UTC; printed in ``timezone``).
        lines: the results.
        footer: advice printed at the end.
        qr_payload: what the QR code holds (a link or the results as text).
        timezone: the zone the time is printed in.
    """
    big, bold, body = _font(34, bold=True), _font(26, bold=True), _font(24)
    canvas = Image.new("L", (WIDTH, 4000), 255)
    draw = ImageDraw.Draw(canvas)
    y = _MARGIN
    inner = WIDTH - 2 * _MARGIN

    def put(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, gap: int = 6) -> None:
        nonlocal y
        for line in _wrap(draw, text, font, inner):
            draw.text((_MARGIN, y), line, font=font, fill=0)
            bottom = draw.textbbox((_MARGIN, y), line or " ", font=font)[3]
            y = int(bottom) + gap

    put(title, big, 10)
    put(station, body)
    put(at.astimezone(ZoneInfo(timezone)).strftime("%d/%m/%Y %H:%M"), body, 14)
    draw.line((_MARGIN, y, WIDTH - _MARGIN, y), fill=0, width=2)
    y += 12
    for line in lines:
        put(f"{line.label}: {line.value}", bold, 4)
        put(line.meaning, body, 14)
    if footer:
        draw.line((_MARGIN, y, WIDTH - _MARGIN, y), fill=0, width=2)
        y += 12
        put(footer, body, 12)
    if qr_payload:
        image = qr_image(qr_payload, 300)
        canvas.paste(image, ((WIDTH - image.width) // 2, y))
        y += image.height + 12
    return canvas.crop((0, 0, WIDTH, y + _MARGIN)).point(lambda v: 255 if v > 160 else 0, "1")


def qr_image(payload: str, size: int) -> Image.Image:
    """A QR code (error correction M, quiet zone of 4 modules) about ``size`` pixels wide."""
    qr = segno.make(payload, error="m")
    modules = [[0, 0, 0, 0, *row, 0, 0, 0, 0] for row in qr.matrix]
    blank = [0] * len(modules[0])
    modules = [blank] * 4 + modules + [blank] * 4
    scale = max(1, size // len(modules))
    image = Image.new("L", (len(modules) * scale, len(modules) * scale), 255)
    draw = ImageDraw.Draw(image)
    for r, row in enumerate(modules):
        for c, dark in enumerate(row):
            if dark:
                draw.rectangle((c * scale, r * scale, (c + 1) * scale - 1, (r + 1) * scale - 1), 0)
    return image


def receipt_bytes(image: Image.Image) -> bytes:
    """The ESC/POS job for an image: initialise, raster, feed and cut."""
    printer = Dummy()
    printer.profile.profile_data["media"]["width"]["pixel"] = WIDTH
    printer.hw("INIT")
    printer.image(image, impl="bitImageRaster")
    printer.cut()
    return bytes(printer.output)


def send_to_printer(job: bytes, device: Path) -> None:
    """Write a job to the printer's device file (a USB printer class node, a serial
    port or, in simulation, a pty or plain file).

    Raises:
        DeviceUnavailable: the printer is absent or refuses the data.
    """
    try:
        with device.open("wb") as port:
            port.write(job)
    except OSError as exc:
        raise DeviceUnavailable("printer unavailable", device_id="printer") from exc
