"""The printed receipt: a raster image a phone can read back, sent over a real pty."""

from __future__ import annotations

import os
import pty
import threading
import tty
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import pytest

from cabin.errors import DeviceUnavailable
from cabin.receipt import WIDTH, ReceiptLine, receipt_bytes, render_receipt, send_to_printer

LINES = [
    ReceiptLine("Huyết áp", "128/82 mmHg", "Huyết áp ở mức bình thường cao."),
    ReceiptLine("SpO2", "97 %", "Nồng độ ô-xy trong máu bình thường."),
]


@pytest.fixture
def receipt():
    return render_receipt(
        "KẾT QUẢ ĐO SỨC KHỎE",
        "Trạm công dân số",
        datetime(2026, 11, 24, 2, 30, tzinfo=UTC),
        LINES,
        footer="Kết quả chỉ để tham khảo.",
        qr_payload="https://station.invalid/r/7f3a",
    )


def test_the_receipt_is_a_one_bit_image_as_wide_as_the_paper(receipt):
    assert receipt.mode == "1"
    assert receipt.width == WIDTH
    ink = 1 - np.asarray(receipt, dtype=float).mean()
    assert 0.03 < ink < 0.5  # text and a QR code, not a blank or black page


def test_its_qr_code_reads_back(receipt):
    image = np.asarray(receipt.convert("L"))
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert text == "https://station.invalid/r/7f3a"


def test_the_print_job_is_escpos_raster(receipt):
    job = receipt_bytes(receipt)
    assert job.startswith(b"\x1b@")  # ESC @: initialise
    start = job.index(b"\x1dv0")  # GS v 0: raster bit image
    width_bytes = int.from_bytes(job[start + 4 : start + 6], "little")
    height = int.from_bytes(job[start + 6 : start + 8], "little")
    assert (width_bytes, height) == (WIDTH // 8, receipt.height)
    assert b"\x1dV" in job[start + 8 + width_bytes * height :]  # GS V: cut


def test_the_job_reaches_a_printer_on_a_serial_port(receipt):
    master, slave = pty.openpty()
    tty.setraw(slave)
    job = receipt_bytes(receipt)
    received = bytearray()

    def printer():
        while len(received) < len(job):
            received.extend(os.read(master, 65536))

    reader = threading.Thread(target=printer, daemon=True)
    reader.start()
    send_to_printer(job, Path(os.ttyname(slave)))
    reader.join(timeout=10)
    os.close(master)
    os.close(slave)
    assert bytes(received) == job


def test_a_missing_printer_is_device_unavailable(tmp_path, receipt):
    with pytest.raises(DeviceUnavailable, match="printer"):
        send_to_printer(receipt_bytes(receipt), tmp_path / "no-dir" / "lp0")
