"""The insurance screen on a real kiosk and a real BHXH sandbox."""

from __future__ import annotations

import sqlite3
from datetime import date

from test_insurance import QR  # the same invented card

from cabin.config import ProviderConfig, Secret
from cabin.store import Store, generate_key
from cabin.ui.kiosk import KioskSettings
from services.insurance import SANDBOXES, module
from services.registry import ServiceContext
from services.sandbox import Fault, start_sandbox
from tests.cabin.ui.kiosk_helpers import Station

KEY = "bhxh-test-key"


def run_kiosk(run, kiosk_station, tmp_path, body):
    async def main():
        bhxh = await start_sandbox(SANDBOXES["bhxh"](tmp_path / "bhxh.db", KEY))
        with Store.open(tmp_path / "station.db", key=generate_key()) as store:
            providers = {"bhxh": ProviderConfig(bhxh.base_url, Secret(KEY), timeout=5.0)}
            insurance = module(ServiceContext(store, providers, "station-test", tmp_path))
            try:
                async with kiosk_station(store, KioskSettings(services=(insurance,))) as s:
                    await body(s, bhxh)
            finally:
                await bhxh.stop()

    run(main())


async def type_text(s, keyboard, text):
    for char in text:
        if char.isupper():
            await s.tap(keyboard.shift_key)
        await s.tap(keyboard.keys[char.lower()])


def enrolments(tmp_path):
    with sqlite3.connect(tmp_path / "bhxh.db") as db:
        return db.execute(
            "SELECT bhxh_number, household_order, months, amount FROM enrolments"
        ).fetchall()


def test_renew_a_family_members_card_from_its_qr(run, kiosk_station, tmp_path):
    async def body(s: Station, bhxh) -> None:
        await s.tap(s.kiosk.screens["home"].services)
        await s.tap(s.kiosk.screens["services"].entries["insurance"])
        screen = s.kiosk.current()
        await s.tap(screen.enrol_button)
        assert screen.current_page == "identify"
        s.kiosk.scanner.feed("not a health card")
        assert "không phải mã QR của thẻ BHYT" in s.texts()
        s.kiosk.scanner.feed(QR)
        await s.until(lambda: screen.current_page == "enrol")
        shown = s.texts()
        assert "Người được bảo hiểm: Nguyễn Thị Thử" in shown
        assert "Mã thẻ: GD4797912345678, hạn đến 31/12/2025" in shown
        assert "Số tiền phải đóng: 1.263.600 đồng" in shown
        await s.tap(screen.order_buttons[2])
        await s.tap(screen.month_buttons[6])
        assert "Số tiền phải đóng: 442.260 đồng" in s.texts()
        await s.shot("36-insurance", publish=True)
        await bhxh.inject(Fault("/bhyt", 503))
        await s.tap(screen.submit_button)
        await s.until(lambda: "Chưa kết nối được" in s.texts())
        assert screen.current_page == "enrol"
        assert (screen.order, screen.months) == (2, 6)  # kept
        assert enrolments(tmp_path) == []
        await s.shot("36-insurance-unavailable", publish=True)
        await s.tap(screen.submit_button)
        await s.until(lambda: screen.current_page == "enrolled")
        assert enrolments(tmp_path) == [("7912345678", 2, 6, 442_260)]
        shown = s.texts()
        assert "Xin nộp 442.260 đồng" in shown
        enrolment = screen.enrolment
        assert enrolment.valid_from >= date(2026, 1, 1)  # after the current card ends
        assert (
            f"Thẻ có giá trị từ {enrolment.valid_from:%d/%m/%Y} đến {enrolment.valid_to:%d/%m/%Y}."
            in shown
        )
        await s.shot("36-insurance-done", publish=True)
        await s.tap(screen.home_button)
        assert s.screen == "home"

    run_kiosk(run, kiosk_station, tmp_path, body)


def test_typed_numbers_are_checked_then_the_history_is_shown(run, kiosk_station, tmp_path):
    async def body(s: Station, bhxh) -> None:
        s.kiosk.go("insurance")
        screen = s.kiosk.current()
        await s.tap(screen.history_button)
        assert not screen.keyboard.telex  # codes, not words
        await s.shot("insurance-identify")
        assert screen.keyboard.height() >= screen.keyboard.minimumSizeHint().height()
        await type_text(s, screen.keyboard, "799876543")
        await s.tap(screen.next_button)
        assert "đúng 10 chữ số" in s.texts()
        screen.number.setText("ZZ4797998765432")
        await s.tap(screen.next_button)
        assert "Hai chữ cái đầu của mã thẻ BHYT chưa đúng" in s.texts()
        await s.shot("insurance-identify-problem")  # the warning, the field and the keys fit
        assert screen.keyboard.height() >= screen.keyboard.minimumSizeHint().height()
        screen.number.setText("7998765432")
        await bhxh.inject(Fault("/members", 503))
        await s.tap(screen.next_button)
        await s.until(lambda: "Chưa kết nối được" in s.texts())
        assert screen.current_page == "identify"
        assert screen.number.text() == "7998765432"  # kept
        await s.shot("insurance-identify-unavailable")
        assert screen.keyboard.height() >= screen.keyboard.minimumSizeHint().height()
        screen.number.setText("7911111111")
        await s.tap(screen.next_button)
        await s.until(lambda: "Không tìm thấy người có mã số này" in s.texts())
        screen.number.setText("")
        await type_text(s, screen.keyboard, "HT2797998765432")
        assert screen.number.text() == "HT2797998765432"
        await s.tap(screen.next_button)
        await s.until(lambda: screen.current_page == "history")
        shown = s.texts()
        assert "Người được bảo hiểm: Trần Văn Mẫu" in shown
        assert "Tháng 01/2024: Công ty TNHH Thử Nghiệm, 1.050.000 đồng" in shown
        assert "Tháng 06/2024: Công ty Cổ phần Mẫu Số Một, 1.120.000 đồng" in shown
        await s.shot("36-insurance-history", publish=True)
        s.kiosk.end_visit()
        assert screen.member is None
        assert screen.number.text() == ""

    run_kiosk(run, kiosk_station, tmp_path, body)
