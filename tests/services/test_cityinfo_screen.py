"""The city-information screen on a real kiosk: tap a kind, type a name, read the cards."""

from __future__ import annotations

import json

from cabin.store import Store, generate_key
from cabin.ui.kiosk import KioskSettings
from services.cityinfo import Kind, module
from services.registry import ServiceContext
from tests.cabin.ui.kiosk_helpers import Station


def run_kiosk(run, kiosk_station, tmp_path, body):
    async def main():
        with Store.open(tmp_path / "station.db", key=generate_key()) as store:
            city = module(ServiceContext(store, {}, "station-test", tmp_path / "data"))
            async with kiosk_station(store, KioskSettings(services=(city,))) as s:
                await body(s)

    run(main())


def card_titles(screen):
    return [screen.cards_layout.itemAt(i).widget() for i in range(screen.cards_layout.count())]


def test_find_a_hospital_by_typing_without_accents(run, kiosk_station, tmp_path):
    async def body(s: Station) -> None:
        await s.tap(s.kiosk.screens["home"].services)
        await s.tap(s.kiosk.screens["services"].entries["cityinfo"])
        assert s.screen == "cityinfo"
        city = s.kiosk.current()
        await s.until(lambda: any("Tìm nơi cần đến" in x for x in s.controller.voice.spoken))
        assert "Tìm thấy 42 nơi." in s.texts()
        await s.tap(city.kind_buttons[Kind.METRO])
        assert all(place.kind is Kind.METRO for place in city.found)
        await s.tap(city.kind_buttons[None])
        await s.tap(city.type_button)
        assert city.keyboard.isVisible()
        for char in "benh vien nhi dong":
            await s.tap(city.keyboard.space_key if char == " " else city.keyboard.keys[char])
        assert city.query.text() == "benh vien nhi dong"  # typed without accents
        await s.shot("37-city-keyboard", publish=True)
        assert city.keyboard.height() >= city.keyboard.minimumSizeHint().height()
        await s.tap(city.show_button)
        assert [place.name for place in city.found] == [
            "Bệnh viện Nhi Đồng 1",
            "Bệnh viện Nhi Đồng 2",
        ]
        shown = s.texts()
        assert "Tìm thấy 2 nơi cho “benh vien nhi dong”." in shown
        assert "341 Sư Vạn Hạnh, Phường Hòa Hưng, TP. Hồ Chí Minh" in shown
        assert "Điện thoại: 028 3927 1119" in shown
        assert "Giờ mở cửa: Cấp cứu 24/24; khám bệnh Thứ Hai–Thứ Bảy 6:30–16:30" in shown
        await s.shot("37-city-search", publish=True)
        await s.tap(city.type_button)
        for _ in range(9):
            await s.tap(city.keyboard.backspace_key)
        assert city.query.text() == "benh vien"
        await s.tap(city.show_button)
        assert all(place.kind is Kind.HOSPITAL for place in city.found)
        assert len(city.found) >= 5
        await s.tap(city.back_button)
        assert s.screen == "services"
        s.kiosk.end_visit()
        assert city.query.text() == ""

    run_kiosk(run, kiosk_station, tmp_path, body)


def test_the_operators_file_is_read_when_the_screen_opens(run, kiosk_station, tmp_path):
    async def body(s: Station) -> None:
        local = tmp_path / "data" / "cityinfo" / "places.json"
        local.parent.mkdir(parents=True)
        local.write_text(
            json.dumps(
                {"places": [{"kind": "school", "name": "Trường Thử", "address": "9 Đường Mẫu"}]}
            ),
            encoding="utf-8",
        )
        s.kiosk.go("cityinfo")
        city = s.kiosk.current()
        assert [place.name for place in city.found] == ["Trường Thử"]
        local.write_text("{broken", encoding="utf-8")
        s.kiosk.go("services")
        s.kiosk.go("cityinfo")
        assert "Danh bạ của trạm đang lỗi" in s.texts()
        await s.shot("cityinfo-broken")

    run_kiosk(run, kiosk_station, tmp_path, body)
