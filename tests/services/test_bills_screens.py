"""The bills module in the real kiosk: kind → code on the big keyboard (a bad EVN code named
in Vietnamese, what was typed kept) → debt → VietQR shown large (read back from the screen
with OpenCV) → the bank's signed callback → "Đã thanh toán", cleared, receipt printed and
shown as a QR. Everything real over 127.0.0.1: the kiosk on a qasync loop, the store, the
bank and billers sandboxes, the station's PaymentService.

Set ``CABIN_SCREENSHOTS=docs/screens`` to publish 30-bills-code, 31-bills-qr, 32-bills-paid.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import cv2
import numpy as np
import pytest
from PyQt6.QtGui import QImage

from cabin.config import ProviderConfig, Secret
from cabin.store import Store, generate_key
from cabin.ui.kiosk import KioskSettings
from services import bills
from services.bills.bank_sandbox import STATION_ACCOUNT, STATION_BIN, bank_app
from services.bills.billers_sandbox import billers_app
from services.payment import PaymentService
from services.provider import ProviderClient
from services.registry import ServiceContext
from services.sandbox import start_sandbox
from services.vietqr import VietQR, decode

BANK_KEY = "bank-secret"
BILLERS_KEY = "billers-key"


class Town:
    """The kiosk, its payments, and the two sandboxes as the bank and billers see them."""

    def __init__(self, station, payments, bank, billers, voice):
        self.station = station
        self.payments = payments
        self.bank = bank
        self.billers = billers
        self.voice = voice

    @property
    def screen(self):
        return self.station.kiosk.screens["bills"]

    async def call(self, sandbox, key, method, path, body=None):
        async with (
            aiohttp.ClientSession(headers={"X-Api-Key": key}) as http,
            http.request(method, sandbox.base_url + path, json=body) as reply,
        ):
            return reply.status, await reply.json()

    async def type_code(self, code):
        for char in code:
            await self.station.tap(self.screen.keyboard.keys[char])


@pytest.fixture
def town(kiosk_station, tmp_path: Path):
    @contextlib.asynccontextmanager
    async def open_town() -> AsyncIterator[Town]:
        bank = await start_sandbox(bank_app(tmp_path / "bank.db", BANK_KEY, latency=0.02))
        billers = await start_sandbox(
            billers_app(tmp_path / "billers.db", BILLERS_KEY, latency=0.02)
        )
        bank_config = ProviderConfig(bank.base_url, Secret(BANK_KEY), timeout=5.0)
        billers_config = ProviderConfig(billers.base_url, Secret(BILLERS_KEY), timeout=5.0)
        with Store.open(tmp_path / "station.db", key=generate_key()) as store:
            payments = PaymentService(
                store,
                ProviderClient("bank", bank_config),
                ProviderClient("billers", billers_config),
                callback_secret=BANK_KEY,
                backoff=0.05,
            )
            context = ServiceContext(
                store,
                {"bank": bank_config, "billers": billers_config},
                "station-test",
                tmp_path,
                extra={"payments": payments},
            )
            settings = KioskSettings(
                station_name="Trạm thử nghiệm",
                printer=tmp_path / "printer.prn",
                services=(bills.module(context),),
            )
            try:
                async with kiosk_station(store, settings) as station:
                    yield Town(station, payments, bank, billers, station.controller.voice)
            finally:
                await payments.stop()
                await payments.bank.close()
                await payments.billers.close()
                await bank.stop()
                await billers.stop()

    return open_town


def read_qr(label) -> str:
    """Decode the QR a label shows, as a phone's camera would (from a few distances:
    OpenCV's detector misses some codes at one scale and reads them at another)."""
    image = label.pixmap().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    pixels = np.frombuffer(image.constBits().asstring(stride * height), np.uint8)
    grey = pixels.reshape(height, stride)[:, :width].copy()
    framed = cv2.copyMakeBorder(grey, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=255)
    views = (
        grey,
        framed,
        cv2.resize(framed, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST),
        cv2.resize(framed, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA),
    )
    for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
        for view in views:
            text, _, _ = detector.detectAndDecode(view)
            if text:
                return text
    return ""


async def open_bills(town: Town, kind: str = "electricity") -> None:
    s = town.station
    s.kiosk.go("services")
    await s.tap(s.kiosk.screens["services"].entries["bills"])
    assert s.screen == "bills"
    assert "Bạn muốn trả hóa đơn nào?" in s.texts()
    await s.tap(town.screen.kind_buttons[kind])
    assert "Nhập mã khách hàng" in s.texts()


def test_paying_an_electricity_bill_end_to_end(run, town, tmp_path):
    async def scenario() -> None:
        async with town() as t:
            s, screen = t.station, t.screen
            await open_bills(t)
            assert "ví dụ PE07000012345" in s.texts()
            # A code one character short: said plainly, and what was typed stays.
            await t.type_code("PE0700001234")
            await s.tap(screen.lookup_button)
            await s.until(lambda: "bạn đã nhập 12" in s.texts())
            assert "Mã khách hàng tiền điện có đúng 13 ký tự; bạn đã nhập 12." in s.texts()
            assert screen.code_display.text() == "PE0700001234"
            await s.shot("30-bills-code", publish=True)
            await t.type_code("5")
            await s.tap(screen.lookup_button)
            await s.until(lambda: "Tổng cộng: 486.500 đồng" in s.texts())
            assert "Khách hàng: Trần T*** B" in s.texts()
            assert "Kỳ 10/2026: 486.500 đồng" in s.texts()
            await s.tap(screen.pay_button)
            await s.until(lambda: screen.pages.currentWidget() is screen.qr_page)
            pending = screen.pending
            assert decode(pending.payload) == VietQR(
                STATION_BIN, STATION_ACCOUNT, 486_500, f"{pending.reference} PE07000012345"
            )
            assert read_qr(screen.qr) == pending.payload  # the screen's QR reads back
            assert screen.qr.pixmap().width() >= 400  # large
            texts = s.texts()
            assert "Số tiền: 486.500 đồng" in texts
            assert "Bằng chữ: Bốn trăm tám mươi sáu nghìn năm trăm đồng" in texts
            assert "Đang chờ ngân hàng xác nhận…" in texts
            await s.shot("31-bills-qr", publish=True)
            # The resident scans and pays; the bank calls back twice.
            status, _ = await t.call(
                t.bank, BANK_KEY, "POST", "/_sandbox/pay",
                {"reference": pending.reference, "copies": 2},
            )  # fmt: skip
            assert status == 200
            await s.until(lambda: "Hóa đơn đã được gạch nợ" in s.texts(), 15)
            await s.until(lambda: "Đã in biên lai." in s.texts(), 15)
            assert "Đã thanh toán" in s.texts()
            printed = (tmp_path / "printer.prn").read_bytes()
            assert len(printed) > 1000  # an ESC/POS raster
            receipt = read_qr(screen.receipt_qr)
            assert pending.reference in receipt
            assert "486.500 đồng" in receipt
            assert "Mã khách hàng: PE07000012345" in receipt
            await s.shot("32-bills-paid", publish=True)
            # Cleared once, at the biller and in the ledger.
            _, records = await t.call(t.billers, BILLERS_KEY, "GET", "/_sandbox/records")
            assert [c["reference"] for c in records["clearings"]] == [pending.reference]
            assert s.store.payment(pending.reference).state == "cleared"
            assert s.store.unbalanced_payments() == []
            # Every page spoke its instruction.
            spoken = " ".join(t.voice.spoken)
            for words in ("hóa đơn nào", "mã khách hàng", "số tiền cần trả", "quét mã"):
                assert words in spoken.lower(), words
            await s.tap(screen.done_button)
            assert s.screen == "home"
            assert screen.pending is None
            assert screen.code == ""

    run(scenario())


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("XE07000012345", "Mã khách hàng tiền điện bắt đầu bằng chữ P."),
        ("PZ07000012345", "Chữ thứ hai phải là A, B, C, D hoặc E (PE là TP. Hồ Chí Minh)."),
        ("PE070000123456", "Mã khách hàng tiền điện có đúng 13 ký tự; bạn đã nhập 14."),
        ("PE07-00012345", "Mã khách hàng tiền điện chỉ gồm chữ và số."),
        ("", "Bạn chưa nhập mã khách hàng."),
        ("PE09999999999", "Không tìm thấy khách hàng có mã này."),
    ],
)
def test_a_bad_evn_code_is_named_in_vietnamese(run, town, typed, message):
    async def scenario() -> None:
        async with town() as t:
            await open_bills(t)
            await t.type_code(typed)
            await t.station.tap(t.screen.lookup_button)
            await t.station.until(lambda: message in t.station.texts())
            assert t.screen.code_display.text().strip() == typed
            assert t.screen.pages.currentWidget() is t.screen.code_page
            await t.station.until(lambda: message[:20] in " ".join(t.voice.spoken))  # said too

    run(scenario())


def test_a_callback_before_the_screen_is_ready(run, town):
    """The bank's callback lands (and the bill clears) before the QR page is even shown."""

    async def scenario() -> None:
        async with town() as t:
            s, screen = t.station, t.screen
            real = t.payments.start_payment

            async def paid_at_once(request):
                pending = await real(request)
                await t.call(t.bank, BANK_KEY, "POST", "/_sandbox/pay",
                             {"reference": pending.reference})  # fmt: skip
                async with asyncio.timeout(10):
                    await pending.wait()
                return pending

            t.payments.start_payment = paid_at_once
            await open_bills(t, "water")
            await t.type_code("NB2024001")
            await s.tap(screen.lookup_button)
            await s.until(lambda: "Tổng cộng: 142.000 đồng" in s.texts())
            await s.tap(screen.pay_button)
            await s.until(lambda: "Hóa đơn đã được gạch nợ" in s.texts(), 15)
            assert screen.pages.currentWidget() is screen.paid_page
            _, records = await t.call(t.billers, BILLERS_KEY, "GET", "/_sandbox/records")
            assert len(records["clearings"]) == 1

    run(scenario())


def test_nothing_due_offers_no_payment(run, town):
    async def scenario() -> None:
        async with town() as t:
            s, screen = t.station, t.screen
            await open_bills(t)
            await t.type_code("PE01000000001")
            await s.tap(screen.lookup_button)
            await s.until(lambda: "Mã này không còn nợ" in s.texts())
            assert not screen.pay_button.isVisible()
            await s.tap(screen.back_button)
            assert screen.pages.currentWidget() is screen.code_page

    run(scenario())


def test_a_payment_after_the_resident_left_still_clears(run, town):
    """The visit ends on the QR page; the resident pays on the way out: cleared, once."""

    async def scenario() -> None:
        async with town() as t:
            s, screen = t.station, t.screen
            await open_bills(t)
            await t.type_code("PD12000054321")
            await s.tap(screen.lookup_button)
            await s.until(lambda: "Tổng cộng: 1.024.300 đồng" in s.texts())
            await s.tap(screen.pay_button)
            await s.until(lambda: screen.pages.currentWidget() is screen.qr_page)
            assert "Một triệu không trăm hai mươi tư nghìn ba trăm đồng" in s.texts()
            reference = screen.pending.reference
            s.kiosk.end_visit()  # the resident walked away: everything wiped
            assert s.screen == "home"
            assert screen.pending is None
            assert screen.qr.pixmap().isNull()
            await t.call(t.bank, BANK_KEY, "POST", "/_sandbox/pay",
                         {"reference": reference, "delay": 0.2})  # fmt: skip
            await s.until(lambda: s.store.payment(reference).state == "cleared", 15)
            assert s.screen == "home"  # nothing jumps back on the glass
            _, records = await t.call(t.billers, BILLERS_KEY, "GET", "/_sandbox/records")
            assert [c["reference"] for c in records["clearings"]] == [reference]

    run(scenario())
