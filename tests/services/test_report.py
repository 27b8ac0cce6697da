"""Reports: the checks on what the resident enters, and the police desk over real HTTP."""

from __future__ import annotations

import aiohttp
import pytest

from cabin.config import ProviderConfig, Secret
from cabin.i18n import tr
from services.provider import ProviderRejected, ProviderUnavailable, new_idempotency_key
from services.report import (
    SANDBOXES,
    Category,
    PoliceDesk,
    Report,
    Reporter,
    ReportInputError,
    check_phone,
    new_tracking_code,
    normalise_tracking_code,
)
from services.sandbox import Fault, start_sandbox

KEY = "police-test-key"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"  # a stand-in, only its size is kept


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("0912345678", "0912345678"),
        ("091 234 5678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("02838554137", "02838554137"),
        ("", ""),
    ],
)
def test_good_phone_numbers(typed, kept):
    assert check_phone(typed) == kept


@pytest.mark.parametrize(
    "typed", ["091234567", "09123456789", "0112345678", "1912345678", "09a2345678", "0283855413"]
)
def test_bad_phone_numbers_are_refused_in_plain_vietnamese(typed):
    with pytest.raises(ReportInputError) as caught:
        check_phone(typed)
    assert caught.value.reason == "phone"
    assert "10 chữ số" in tr(f"report.error.{caught.value.reason}", "vi")


def test_a_report_needs_a_real_description_and_at_most_three_photos():
    with pytest.raises(ReportInputError, match="description_short"):
        Report(Category.NOISE, "ồn", "st-1")
    with pytest.raises(ReportInputError, match="description_long"):
        Report(Category.NOISE, "ồn " * 400, "st-1")
    with pytest.raises(ReportInputError, match="too_many_photos"):
        Report(Category.NOISE, "Karaoke to sau 23 giờ", "st-1", photos=(JPEG,) * 4)
    report = Report(Category.NOISE, "Karaoke to sau 23 giờ", "st-1", reporter=Reporter("A", "1"))
    assert not report.anonymous
    assert "Karaoke" not in repr(report)
    assert tr("report.error.description_short", "vi").startswith("Xin viết rõ hơn")


def test_tracking_codes():
    code = new_tracking_code()
    assert len(code) == 12
    assert code.startswith("PA-")
    assert normalise_tracking_code(code) == code
    assert normalise_tracking_code("pa 1234 5678") == "PA-1234-5678"
    assert normalise_tracking_code("12345678") == "PA-1234-5678"
    for bad in ("1234567", "123456789", "XY-1234-5678", ""):
        with pytest.raises(ReportInputError, match="code"):
            normalise_tracking_code(bad)


@pytest.fixture
async def police(tmp_path):
    running = await start_sandbox(SANDBOXES["police"](tmp_path / "police.db", KEY))
    yield running
    await running.stop()


def desk_for(police):
    return PoliceDesk(ProviderConfig(police.base_url, Secret(KEY), timeout=5.0))


async def answer(police, code, text, status="resolved"):
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{police.base_url}/reports/{code}/answer",
            json={"answer": text, "status": status},
            headers={"X-Api-Key": KEY},
        ) as response:
            return response.status


async def test_send_a_report_get_a_code_and_read_the_answer(police, tmp_path):
    desk = desk_for(police)
    report = Report(
        Category.PARKING,
        "Xe tải đỗ chắn lối thoát hiểm của chung cư",
        "station-test",
        photos=(JPEG, JPEG),
        reporter=Reporter("Trần Văn Mẫu", "079047001234"),
        phone="0912345678",
    )
    code = await desk.submit(report)
    assert normalise_tracking_code(code) == code
    status = await desk.lookup(code)
    assert (status.status, status.category, status.answer) == ("received", Category.PARKING, None)
    assert await answer(police, code, "Đã nhắc chủ xe di chuyển.") == 200
    status = await desk.lookup(code)
    assert status.status == "resolved"
    assert status.answer == "Đã nhắc chủ xe di chuyển."
    # The sandbox keeps it in its own SQLite file, with photo sizes, not photos.
    import sqlite3

    with sqlite3.connect(tmp_path / "police.db") as db:
        row = db.execute("SELECT category, photos, reporter FROM reports").fetchone()
    assert row[0] == "parking"
    assert row[1] == f"[{len(JPEG)},{len(JPEG)}]"
    assert "079047001234" in row[2]


async def test_an_anonymous_report_carries_no_name(police, tmp_path):
    code = await desk_for(police).submit(
        Report(Category.NOISE, "Hát karaoke quá 23 giờ mỗi tối", "station-test")
    )
    import sqlite3

    with sqlite3.connect(tmp_path / "police.db") as db:
        row = db.execute("SELECT reporter, phone FROM reports WHERE code = ?", (code,)).fetchone()
    assert row == (None, "")


async def test_a_retry_with_the_same_key_files_one_report(police, tmp_path):
    desk = desk_for(police)
    report = Report(Category.THEFT, "Mất xe đạp ở sân chung cư tối qua", "station-test")
    key = new_idempotency_key()
    assert await desk.submit(report, key) == await desk.submit(report, key)
    import sqlite3

    with sqlite3.connect(tmp_path / "police.db") as db:
        assert db.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 1


async def test_a_503_is_unavailable_and_an_unknown_code_is_not_found(police):
    desk = desk_for(police)
    await police.inject(Fault("/reports", 503))
    with pytest.raises(ProviderUnavailable) as caught:
        await desk.submit(Report(Category.OTHER, "Đèn đường hỏng cả tuần nay", "station-test"))
    assert caught.value.reason == "server_error"
    with pytest.raises(ProviderRejected) as refused:
        await desk.lookup("PA-0000-0000")
    assert refused.value.code == "not_found"


async def test_the_sandbox_refuses_bad_reports(police):
    async with aiohttp.ClientSession() as session:
        for body, code in [
            ({"category": "ufo", "description": "x" * 20}, "bad_category"),
            ({"category": "noise", "description": "x"}, "bad_description"),
            ({"category": "noise", "description": "x" * 20, "photos": ["!!"]}, "bad_photos"),
            (
                {"category": "noise", "description": "x" * 20, "reporter": {"name": ""}},
                "bad_reporter",
            ),
        ]:
            async with session.post(
                f"{police.base_url}/reports", json=body, headers={"X-Api-Key": KEY}
            ) as response:
                assert response.status == 400
                assert (await response.json())["error"] == code
    assert await answer(police, "PA-1111-2222", "không có") == 404
