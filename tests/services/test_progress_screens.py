"""The progress look-up in the real kiosk against the dvc sandbox over HTTP: a code checked
before asking, an unknown code, the portal down once (the code kept), the national state
in words with what to do next and the history, and every dossier of a scanned card."""

from __future__ import annotations

from PyQt6.QtTest import QTest

from services.docscan import SimulatedPageCamera
from services.dossier.client import DvcClient
from services.provider import new_idempotency_key
from services.sandbox import Fault
from tests.services.dossier_kiosk import CARD

CCCD = "001190004321"  # the invented card's number


def test_look_up_by_code_and_by_card(run, kiosk_on) -> None:
    async def scenario() -> None:
        async with kiosk_on(SimulatedPageCamera(fps=5)) as (s, portal, _bank):
            async with DvcClient(portal.config) as client:
                older = await client.submit(
                    "criminal_record", CCCD, {}, [], 200_000, idempotency_key=new_idempotency_key()
                )
                newer = await client.submit(
                    "birth_bundle", CCCD, {}, [], 0, idempotency_key=new_idempotency_key()
                )
            kiosk = s.kiosk
            screen = kiosk.screens["progress"]
            kiosk.go("services")
            await s.tap(kiosk.screens["services"].entries["progress"])
            assert s.screen == "progress"
            assert any("Nhập mã hồ sơ" in line for line in kiosk.controller.voice.spoken)

            # A malformed code is named without asking the portal.
            assert not screen.keyboard.isVisible()
            await s.tap(screen.code_edit)  # the on-screen keyboard comes up
            assert screen.keyboard.isVisible()
            for char in "0002107":
                await s.tap(screen.keyboard.keys[char])
            QTest.keyClicks(screen.code_edit, "H49-2611")
            await s.tap(screen.lookup)
            assert "Mã hồ sơ chưa đúng" in screen.message.text()
            assert not screen.keyboard.isVisible()
            assert screen.found == []

            screen.code_edit.setText("000.00.14.H49-200101-0009")
            await s.tap(screen.lookup)
            await s.until(lambda: "Không tìm thấy" in screen.message.text())

            # The portal down once: a plain message, the code still there.
            await portal.running.inject(Fault("/dossiers", 503, count=1))
            typed = str(older.code).replace(".", "").replace("-", "").lower()  # as keyed
            screen.code_edit.setText(f"  {typed} ")
            await s.tap(screen.lookup)
            await s.until(lambda: "chưa trả lời" in screen.message.text())
            assert screen.code_edit.text() == str(older.code)
            await s.tap(screen.lookup)
            await s.until(lambda: len(screen.found) == 1)
            assert "Trạng thái: Mới đăng ký" in s.texts()

            # The agency accepts it and asks for the fee.
            for _ in range(2):
                status, _body = await portal.call("POST", f"/dossiers/{older.code}/advance")
                assert status == 200
            await s.tap(screen.lookup)
            await s.until(lambda: screen.found and int(screen.found[0].state) == 6)
            shown = s.texts()
            assert "Trạng thái: Yêu cầu thực hiện nghĩa vụ tài chính" in shown
            assert "Việc cần làm: Cần nộp lệ phí" in shown
            assert shown.count("· Mới đăng ký") == 1
            assert "· Được tiếp nhận" in shown
            await s.shot("34-progress", publish=True)

            # The card on the reader: every dossier, newest first.
            kiosk.scanner.feed(CARD)
            await s.until(lambda: len(screen.found) == 2)
            assert [d.code for d in screen.found] == [newer.code, older.code]
            assert "Tìm thấy 2 hồ sơ." in s.texts()
            assert screen.code_edit.text() == ""  # the list is the card's, not the code's

            await s.tap(screen.back_button)  # leaving wipes what was shown
            assert s.screen == "services"
            assert screen.found == []
            assert screen.code_edit.text() == ""

    run(scenario())


def test_a_code_typed_without_separators_gets_them_back() -> None:
    from services.progress.screens import typed_code

    assert typed_code("00021 07H49 2611250001") == "000.21.07.H49-261125-0001"
    assert typed_code("000.21.07.H49-261125-0001") == "000.21.07.H49-261125-0001"
    assert typed_code("0002107H4926112500") == "0002107H4926112500"  # left for the parser to refuse
