"""The report screen on a real kiosk, a real police sandbox and the simulated camera."""

from __future__ import annotations

import sqlite3

import aiohttp

from cabin.card_camera import CardCamera
from cabin.config import ProviderConfig, Secret
from cabin.store import Store, generate_key
from cabin.ui.kiosk import KioskSettings
from hardware.camera import SimulatedCamera
from services.registry import ServiceContext
from services.report import SANDBOXES, Category, module
from services.sandbox import Fault, start_sandbox
from tests.cabin.ui.kiosk_helpers import CARD_2, Station

KEY = "police-test-key"


def run_kiosk(run, kiosk_station, tmp_path, body, *, camera=True):
    async def main():
        police = await start_sandbox(SANDBOXES["police"](tmp_path / "police.db", KEY))
        with Store.open(tmp_path / "station.db", key=generate_key()) as store:
            providers = {"police": ProviderConfig(police.base_url, Secret(KEY), timeout=5.0)}
            report = module(ServiceContext(store, providers, "station-test", tmp_path))
            settings = KioskSettings(station_name="Trạm thử nghiệm", services=(report,))
            card_camera = CardCamera(SimulatedCamera(fps=30)) if camera else None
            try:
                async with kiosk_station(store, settings, camera=card_camera) as s:
                    await body(s, police)
            finally:
                await police.stop()

    run(main())


async def type_text(s, keyboard, text):
    for char in text:
        if char.isupper():
            await s.tap(keyboard.shift_key)
        await s.tap(keyboard.space_key if char == " " else keyboard.keys[char.lower()])


def reports(tmp_path):
    with sqlite3.connect(tmp_path / "police.db") as db:
        return db.execute(
            "SELECT code, category, description, photos, reporter FROM reports"
        ).fetchall()


def test_report_with_name_and_photos_then_read_the_answer(run, kiosk_station, tmp_path):
    async def body(s: Station, police) -> None:
        await s.tap(s.kiosk.screens["home"].services)
        await s.tap(s.kiosk.screens["services"].entries["report"])
        screen = s.kiosk.current()
        assert screen.name == "report"
        assert "Ông/bà muốn phản ánh việc gì?" in s.texts()
        await s.tap(screen.categories[Category.NOISE])
        assert screen.current_page == "describe"
        await type_text(s, screen.keyboard, "Hats to")
        await s.tap(screen.next_button)  # too short: said plainly, the text kept
        assert screen.current_page == "describe"
        assert "ít nhất 10 chữ" in s.texts()
        await s.shot("report-describe-problem")
        assert screen.keyboard.height() >= screen.keyboard.minimumSizeHint().height()
        assert screen.description.toPlainText() == "Hát to"
        await type_text(s, screen.keyboard, " quas 23 giowf ddeem")
        assert screen.description.toPlainText() == "Hát to quá 23 giờ đêm"
        await s.shot("35-report-form", publish=True)
        assert screen.keyboard.height() >= screen.keyboard.minimumSizeHint().height()
        await s.tap(screen.next_button)
        assert screen.current_page == "photos"
        await s.until(
            lambda: screen.preview.pixmap() is not None and not screen.preview.pixmap().isNull()
        )
        await s.tap(screen.take_button)
        await s.until(lambda: len(screen.photos) == 1)
        await s.tap(screen.take_button)
        await s.until(lambda: len(screen.photos) == 2)
        assert "Đã chụp 2/3 ảnh." in s.texts()
        assert all(photo[:2] == b"\xff\xd8" for photo in screen.photos)  # JPEG
        await s.shot("35-report-photos", publish=True)
        await s.tap(screen.next_button)
        await s.tap(screen.named_button)
        assert screen.current_page == "card"
        assert not screen.agree_button.isVisible()  # nothing to agree to before the card
        s.kiosk.scanner.feed("not a card")
        assert "Thẻ chưa đọc được" in s.texts()
        s.kiosk.scanner.feed(CARD_2)
        assert "Trần Văn Mẫu" in s.texts()
        assert "079047001234" not in s.texts()  # only the last four digits are shown
        await s.shot("35-report-card", publish=True)
        await s.tap(screen.agree_button)
        assert screen.current_page == "phone"
        for digit in "091234567":
            await s.tap(screen.phone_pad.keys[digit])
        await s.tap(screen.next_button)
        assert "10 chữ số" in s.texts()
        await s.tap(screen.phone_pad.keys["8"])
        await s.tap(screen.next_button)
        assert screen.current_page == "review"
        shown = s.texts()
        assert "Việc phản ánh: Tiếng ồn" in shown
        assert "Nội dung: Hát to quá 23 giờ đêm" in shown
        assert "Số ảnh: 2" in shown
        assert "Nơi phản ánh: Trạm thử nghiệm" in shown
        assert "Người gửi: Trần Văn Mẫu" in shown
        assert "Số điện thoại: 0912345678" in shown
        await s.tap(screen.send_button)
        await s.until(lambda: screen.current_page == "done")
        code = screen.code
        assert f"Mã theo dõi: {code}" in s.texts()
        assert any("Mã theo dõi của ông/bà là" in x for x in s.controller.voice.spoken)
        await s.shot("35-report-code", publish=True)
        [row] = reports(tmp_path)
        assert row[:3] == (code, "noise", "Hát to quá 23 giờ đêm")
        assert row[3].count(",") == 1  # two photos
        assert "079047001234" in row[4]
        assert screen.description.toPlainText() == ""  # sent: forgotten on the station
        # The police answer; the resident looks it up by the code's digits.
        async with aiohttp.ClientSession() as session:
            await session.post(
                f"{police.base_url}/reports/{code}/answer",
                json={"answer": "Đã nhắc nhở hộ gia đình.", "status": "resolved"},
                headers={"X-Api-Key": KEY},
            )
        await s.tap(screen.home_button)
        assert s.screen == "home"
        s.kiosk.go("report")
        await s.tap(screen.lookup_button)
        for digit in code.replace("PA-", "").replace("-", ""):
            await s.tap(screen.code_pad.keys[digit])
        await s.tap(screen.search_button)
        await s.until(lambda: screen.status is not None)
        shown = s.texts()
        assert "Công an phường đã xử lý xong." in shown
        assert "Trả lời: Đã nhắc nhở hộ gia đình." in shown
        await s.shot("35-report-answer", publish=True)

    run_kiosk(run, kiosk_station, tmp_path, body)


def test_a_503_is_said_plainly_and_the_report_is_kept_for_the_retry(run, kiosk_station, tmp_path):
    async def body(s: Station, police) -> None:
        s.kiosk.go("report")
        screen = s.kiosk.current()
        await s.tap(screen.categories[Category.FIRE_RISK])
        await type_text(s, screen.keyboard, "Binhf ga rof khis")
        assert screen.description.toPlainText() == "Bình ga rò khí"
        await s.tap(screen.next_button)
        await s.tap(screen.next_button)  # no photos
        await s.tap(screen.anonymous_button)
        assert "Người gửi: ẩn danh" in s.texts()
        await police.inject(Fault("/reports", 503))
        await s.tap(screen.send_button)
        await s.until(lambda: "Chưa gửi được" in s.texts())
        assert screen.current_page == "review"
        assert screen.description.toPlainText() == "Bình ga rò khí"
        assert screen.category is Category.FIRE_RISK
        assert reports(tmp_path) == []
        await s.shot("35-report-unavailable", publish=True)
        await s.tap(screen.send_button)
        await s.until(lambda: screen.current_page == "done")
        [row] = reports(tmp_path)
        assert row[1:3] == ("fire_risk", "Bình ga rò khí")
        assert row[4] is None  # anonymous
        # A look-up of a code that does not exist, and of too few digits.
        await s.tap(screen.home_button)
        s.kiosk.go("report")
        await s.tap(screen.lookup_button)
        for digit in "1234":
            await s.tap(screen.code_pad.keys[digit])
        await s.tap(screen.search_button)
        assert "8 chữ số" in s.texts()
        for digit in "5678":
            await s.tap(screen.code_pad.keys[digit])
        await s.tap(screen.search_button)
        await s.until(lambda: "Không tìm thấy" in s.texts())

    run_kiosk(run, kiosk_station, tmp_path, body)


def test_without_a_camera_the_photos_step_says_so(run, kiosk_station, tmp_path):
    async def body(s: Station, police) -> None:
        s.kiosk.go("report")
        screen = s.kiosk.current()
        await s.tap(screen.categories[Category.THEFT])
        screen.description.setPlainText("Mất trộm xe đạp ở sân")
        await s.tap(screen.next_button)
        assert "Trạm này không có camera" in s.texts()
        assert not screen.take_button.isEnabled()
        await s.tap(screen.back_button)
        await s.tap(screen.back_button)
        await s.tap(screen.back_button)
        assert s.screen == "services"

    run_kiosk(run, kiosk_station, tmp_path, body, camera=False)
