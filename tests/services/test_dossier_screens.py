"""The dossier module end to end in the real kiosk: the card fills the form, bad input is
named, the page is photographed and straightened, the resident signs, the portal is down
once, the fee is paid by VietQR through the station's payments, and the code is shown.

Everything is real: the kiosk on a qasync loop, the store, the dvc sandbox portal, the
bank sandbox and the station's PaymentService over HTTP on 127.0.0.1.
Set ``CABIN_SCREENSHOTS=docs/screens`` to publish the screens.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtTest import QTest

from services import dossier
from services.docscan import SimulatedPageCamera, synthetic_page
from services.dossier.codes import DossierState, parse_dossier_code
from services.sandbox import Fault
from tests.cabin.ui.kiosk_helpers import Station
from tests.services.dossier_kiosk import BANK_KEY, CARD

LEASE = synthetic_page(["HOP DONG THUE NHA", "Ben cho thue: PHAM VAN CHU", "Thoi han: 12 thang"])


async def sign(s: Station, pad) -> None:
    """Draw a signature stroke on the pad as a finger would."""
    QTest.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(60, 120))
    for x in range(60, 400, 20):
        QTest.mouseMove(pad, QPoint(x, 120 + (40 if (x // 20) % 2 else -40)))
    QTest.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(400, 120))
    await asyncio.sleep(0.05)


def test_temporary_residence_from_card_to_code(run, kiosk_on, tmp_path: Path) -> None:
    camera = SimulatedPageCamera(fps=20)

    async def scenario() -> None:
        async with kiosk_on(camera) as (s, portal, bank):
            kiosk = s.kiosk
            screen = kiosk.screens["dossier"]
            kiosk.go("services")
            await s.tap(kiosk.screens["services"].entries["dossier"])
            assert s.screen == "dossier"
            assert "Hãy quét thẻ căn cước" in s.texts()
            kiosk.scanner.feed(CARD)  # the card on the reader: nothing typed twice
            await s.until(lambda: not screen.card_hint.isVisible())
            await s.tap(screen.choices["temporary_residence"])

            # The form, pre-filled from the card.
            assert screen.inputs["full_name"].text() == "Lê Thị Thử"
            assert screen.inputs["birth_date"].text() == "15/03/1990"
            assert screen.inputs["cccd"].text() == "001190004321"
            assert screen.inputs["current_address"].text() == "Số 5 Phố Mẫu, Hà Nội"
            screen.inputs["phone"].setText("0123456789")  # not a mobile number
            screen.inputs["new_address"].setText("Phòng 1203, Chung cư Mẫu, Quận 1, TP. HCM")
            # The householder's name on the on-screen keyboard, in Telex.
            assert not screen.keyboard.isVisible()
            await s.tap(screen.inputs["host_name"])
            assert screen.keyboard.isVisible()
            keys = screen.keyboard
            for text in ("⇧phamj", " ", "⇧vawn", " ", "⇧chur"):
                for char in text:
                    key = {"⇧": keys.shift_key, " ": keys.space_key}.get(char) or keys.keys[char]
                    await s.tap(key)
            assert screen.editor.text() == "Phạm Văn Chủ"
            assert screen.inputs["host_name"].text() == "Phạm Văn Chủ"
            await s.shot("33-dossier-keyboard", publish=True)
            await s.tap(screen.keyboard_done)
            assert not screen.keyboard.isVisible()
            await s.tap(screen.next_button)
            assert screen.stack.currentWidget() is screen.form_page
            assert screen.errors["phone"].isVisible()
            assert "bắt đầu bằng 03, 05, 07, 08 hoặc 09" in screen.errors["phone"].text()
            assert "Có chỗ cần sửa" in s.texts()
            await s.shot("33-dossier-form", publish=True)
            QTest.keyClicks(screen.inputs["phone"], "x")  # typing there clears its message
            assert not screen.errors["phone"].isVisible()
            screen.inputs["phone"].setText("0912345678")
            await s.tap(screen.next_button)

            # The camera: nothing on the shelf yet, then the lease.
            assert screen.stack.currentWidget() is screen.scan_page
            assert not screen.next_button.isEnabled()
            await s.until(lambda: screen._latest is not None)
            await s.tap(screen.shoot)
            await s.until(lambda: "Không thấy trang giấy" in screen.banner.text())
            camera.lay(LEASE)
            await asyncio.sleep(0.2)
            await s.tap(screen.shoot)
            await s.until(lambda: len(screen.pages_taken) == 1)
            assert screen.pages_taken[0].shape == (1754, 1240)
            assert screen.next_button.isEnabled()
            await s.shot("33-dossier-scan", publish=True)
            await s.tap(screen.next_button)

            # Confirm and sign; the portal is down once: a plain message, nothing lost.
            assert screen.stack.currentWidget() is screen.confirm_page
            await s.tap(screen.confirm)
            assert "Xin hãy ký tên" in screen.banner.text()
            await sign(s, screen.pad)
            assert screen.pad.has_signature
            await portal.running.inject(Fault("/dossiers", 503, count=1))
            key = screen.idempotency_key
            await s.tap(screen.confirm)
            await s.until(lambda: "chưa trả lời" in screen.banner.text())
            assert screen.stack.currentWidget() is screen.confirm_page
            assert screen.inputs["new_address"].text().startswith("Phòng 1203")
            assert screen.idempotency_key == key  # the retry is the same request
            await s.tap(screen.confirm)

            # The fee: 10,000 VND by VietQR, paid at the bank sandbox.
            await s.until(lambda: screen.pending_fee is not None, timeout=15)
            assert screen.stack.currentWidget() is screen.fee_page
            assert "10.000 đồng" in screen.fee_text.text()
            assert screen.pending_fee.qr_payload.startswith("000201")
            async with (
                aiohttp.ClientSession(headers={"X-Api-Key": BANK_KEY}) as http,
                http.post(
                    bank.base_url + "/_sandbox/pay",
                    json={"reference": screen.pending_fee.reference},
                ) as reply,
            ):
                assert reply.status == 200
            await s.until(lambda: screen.stack.currentWidget() is screen.done_page, timeout=15)

            # The code, large, printable.
            code = parse_dossier_code(screen.code_label.text())
            assert str(code.agency) == "000.21.07.H49"
            assert screen.code_label.text() in s.texts()
            await s.shot("33-dossier-code", publish=True)
            await s.tap(screen.print_button)
            await s.until(lambda: "Đã in" in screen.print_state.text())
            assert (tmp_path / "printer.prn").stat().st_size > 1000

            status, filed = await portal.call("GET", f"/dossiers?cccd={'001190004321'}")
            assert status == 200
            assert [d["code"] for d in filed["dossiers"]] == [str(code)]  # filed once
            assert filed["dossiers"][0]["paid"] is True
            assert filed["dossiers"][0]["state"] == DossierState.REGISTERED
            spoken = kiosk.controller.voice.spoken
            assert any("Đặt giấy tờ lên kệ" in line for line in spoken)
            assert any("ký tên" in line for line in spoken)

            assert not screen.back_button.isVisible()
            await s.tap(screen.finish)  # done: wiped, back to the services
            assert s.screen == "services"
            assert screen.card is None
            assert screen.inputs == {}

    run(scenario())


def test_criminal_record_for_a_student_without_documents(run, kiosk_on) -> None:
    async def scenario() -> None:
        async with kiosk_on(SimulatedPageCamera(fps=20)) as (s, _portal, _bank):
            kiosk = s.kiosk
            screen = kiosk.screens["dossier"]
            kiosk.go("dossier")
            kiosk.scanner.feed(CARD)
            await s.until(lambda: screen.card is not None)
            await s.tap(screen.choices["criminal_record"])
            screen.inputs["phone"].setText("0381234567")
            screen.inputs["purpose"].setText("Xin việc làm")
            screen.inputs["copies"].setText("3")
            screen.categories[dossier.Category.STUDENT].setChecked(True)
            await s.tap(screen.next_button)
            assert screen.stack.currentWidget() is screen.confirm_page  # nothing to photograph
            await sign(s, screen.pad)
            await s.tap(screen.confirm)
            await s.until(lambda: screen.pending_fee is not None, timeout=15)
            assert "105.000 đồng" in screen.fee_text.text()  # half price, + 5,000 for copy 3
            assert "sinh viên" in screen.fee_basis.text()

    run(scenario())
