"""The doctor's console in a real headless Chromium, against the real portal and a cabin peer.

The portal serves the page on 127.0.0.1; the cabin is a :class:`video.CabinPeer` with
simulated camera and microphone; the doctor logs in through the login form, takes the
call and uses the page as a doctor would (clicks, typing). One browser serves the
module; every test gets its own browser context (cookies) and portal.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import ClientSession

from cabin.measure import Vital
from tests.video.browser import (
    PASSWORD,
    Cabin,
    console_ready,
    ecg_chunk,
    login,
    pleth_chunk,
    state,
    until,
    wait_state,
)
from video import (
    Ack,
    EarlierVisit,
    Instruction,
    Measuring,
    Note,
    Reading,
    Record,
    Remeasure,
    Result,
    Unable,
    encode_control,
    parse_control,
    values_message,
    waveform_messages,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

STATION = "tram-phuong-7"
TIMEOUT = 15.0


@pytest.fixture
def stations():
    return (STATION, "tram-phuong-9")


def sent_control(cabin, kind):
    """The doctor's control messages of type ``kind`` the cabin got, parsed strictly."""
    return [parse_control(json.dumps(m)) for m in cabin.control if m.get("t") == kind]


async def test_a_doctor_takes_a_consult_and_uses_the_whole_console(portal, context, loopback_ice):
    page = await context.new_page()
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    await login(page, portal.base)
    assert page.url == f"{portal.base}/"
    await console_ready(page)
    assert await page.inner_text(".who") == "BS. Nguyễn Thị Lan"
    assert await page.inner_text("#queue-empty") == "Chưa có ai chờ."

    cabin = Cabin(portal.base, STATION, portal.keys[STATION])
    try:
        await cabin.peer.start()
        row = page.locator("#queue-body tr")
        await row.first.wait_for(timeout=TIMEOUT * 1000)
        text = await row.first.inner_text()
        for shown in (STATION, "68 tuổi", "Nam", "HA tâm thu", "158 mmHg", "⚠ Huyết áp cao"):
            assert shown in text
        first_wait = await page.inner_text("#queue-body td.waiting")
        await asyncio.sleep(1.6)
        assert await page.inner_text("#queue-body td.waiting") != first_wait  # it ticks

        await page.click("#queue-body button.accept")
        await page.locator("#call-view").wait_for(state="visible")
        assert STATION in await page.inner_text("#call-title")
        await until(lambda: "connected" in cabin.kinds())
        await wait_state(
            page,
            "s.call === 'connected' && s.framesDecoded >= 10 && s.audioPacketsReceived >= 20"
            " && s.audioPacketsSent >= 20 && s.videoFramesSent >= 5",
        )
        await until(lambda: cabin.received["video"] >= 10 and cabin.received["audio"] >= 20)
        before = (await state(page))["framesDecoded"]
        await asyncio.sleep(1.5)
        assert (await state(page))["framesDecoded"] > before
        assert (await state(page))["quality"] in {"good", "fair", "poor"}
        assert await page.inner_text("#quality-word") in {"Tốt", "Trung bình", "Kém"}

        # Waveforms: every message arrives; the trace is drawn (dark pixels on the canvas).
        ecg = waveform_messages(ecg_chunk(6.0))
        pleth = waveform_messages(pleth_chunk(6.0))
        await cabin.send_live_all(ecg + pleth)
        await wait_state(
            page,
            f"s.waves.ecg_ii && s.waves.ecg_ii.messages === {len(ecg)}"
            f" && s.waves.pleth && s.waves.pleth.messages === {len(pleth)}"
            " && s.waves.ecg_ii.drawn > 500 && s.waves.pleth.drawn > 100",
        )
        inked = await page.evaluate(
            """() => {
              const c = document.getElementById('ecg-canvas');
              const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              let n = 0;
              for (let i = 0; i < d.length; i += 4) if (d[i] < 80 && d[i + 2] > 100) n += 1;
              return n;
            }"""
        )
        assert inked > 500
        # A lost stretch is seen as a gap.
        later = waveform_messages(ecg_chunk(1.0, seq=len(ecg_chunk(6.0)) + 400))
        await cabin.send_live_all(later)
        await wait_state(page, "s.waves.ecg_ii.gaps === 1")

        await cabin.send_live_all(
            [
                values_message(
                    {"spo2": 97.0, "pulse_rate": 72.0}, {"spo2": "%", "pulse_rate": "/min"}
                )
            ]
        )
        await wait_state(page, "s.values.spo2 === 97 && s.values.pulse_rate === 72")
        tiles = await page.inner_text("#values")
        assert "SpO2" in tiles
        assert "lần/phút" in tiles

        record = Record(
            "rec1",
            (
                Reading("blood_pressure", {"systolic": 158, "diastolic": 95}, "mm[Hg]"),
                Reading("spo2", {"spo2": 96}, "%", ("spo2_low",)),
            ),
            (
                EarlierVisit(
                    "2026-03-12",
                    (Reading("blood_pressure", {"systolic": 141, "diastolic": 88}, "mm[Hg]"),),
                ),
            ),
        )
        assert cabin.peer.send_control(json.loads(encode_control(record)))
        await page.locator("#record tbody tr").first.wait_for(timeout=TIMEOUT * 1000)
        table = await page.inner_text("#record")
        for shown in ("Lần khám này", "12/03/2026", "Huyết áp", "158/95 mmHg", "141/88 mmHg"):
            assert shown in table
        assert "SpO2 thấp" in table
        await until(lambda: {"t": "ack", "id": "rec1"} in cabin.control)

        # Re-measure SpO2: sent -> received -> measuring -> the result.
        await page.click("button[data-remeasure=spo2]")
        await until(lambda: sent_control(cabin, "remeasure"))
        (remeasure,) = sent_control(cabin, "remeasure")
        assert isinstance(remeasure, Remeasure)
        assert remeasure.vital is Vital.SPO2
        status = page.locator("[data-status-for=spo2]")
        assert await status.inner_text() == "Đã gửi"
        cabin.peer.send_control(json.loads(encode_control(Ack(remeasure.id))))
        await page.wait_for_function(
            "() => document.querySelector('[data-status-for=spo2]').textContent === 'Trạm đã nhận'"
        )
        cabin.peer.send_control(json.loads(encode_control(Measuring(remeasure.id, Vital.SPO2))))
        await page.wait_for_function(
            "() => document.querySelector('[data-status-for=spo2]').textContent === 'Đang đo…'"
        )
        result = Result(remeasure.id, Vital.SPO2, {"spo2": 95}, "%")
        cabin.peer.send_control(json.loads(encode_control(result)))
        await page.wait_for_function(
            "() => document.querySelector('[data-status-for=spo2]').textContent === 'Kết quả: 95 %'"
        )
        assert remeasure.id in (await state(page))["acked"]

        # The cabin cannot take the blood pressure: the doctor reads why, in words.
        await page.click("[data-remeasure=blood_pressure]")
        await until(lambda: len(sent_control(cabin, "remeasure")) == 2)
        asked = sent_control(cabin, "remeasure")[1]
        unable = Unable(asked.id, Vital.BLOOD_PRESSURE, "cuff_loose")
        cabin.peer.send_control(json.loads(encode_control(unable)))
        await page.wait_for_function(
            "() => document.querySelector('[data-status-for=blood_pressure]').textContent"
            " === 'Không đo được: vòng bít bị lỏng hoặc xì hơi'"
        )

        await page.click("button[data-instruction=sit_still]")
        await until(lambda: sent_control(cabin, "instruction"))
        assert sent_control(cabin, "instruction")[0].key == "sit_still"
        assert isinstance(sent_control(cabin, "instruction")[0], Instruction)

        # A note, acknowledged, then edited and sent again.
        await page.fill("#note", "Huyết áp cao, tái khám sau 1 tuần.")
        await page.click("#send-note")
        await until(lambda: sent_control(cabin, "note"))
        (note,) = sent_control(cabin, "note")
        assert isinstance(note, Note)
        assert note.text == "Huyết áp cao, tái khám sau 1 tuần."
        cabin.peer.send_control(json.loads(encode_control(Ack(note.id))))
        await page.wait_for_function(
            "() => document.getElementById('note-status').dataset.status === 'acked'"
        )
        assert (await page.inner_text("#note-status")).startswith("Trạm đã nhận lúc")
        assert note.id in (await state(page))["acked"]
        await page.fill("#note", "Huyết áp cao, tái khám sau 3 ngày.")
        await page.click("#send-note")
        await until(lambda: len(sent_control(cabin, "note")) == 2)
        assert sent_control(cabin, "note")[1].text.endswith("3 ngày.")

        # End: both sides are out of the call; the doctor is back at the queue.
        await page.click("#end-call")
        await until(lambda: "ended" in cabin.kinds())
        assert cabin.statuses[-1].reason == "doctor"
        await page.locator("#queue-view").wait_for(state="visible")
        assert await page.inner_text("#notice") == "Bạn đã kết thúc cuộc gọi."
        after = await state(page)
        assert after["call"] == "idle"
        assert after["ended"] == "doctor"
        assert after["queue"] == 0
        assert not csp_errors
    finally:
        await cabin.close()
        await page.close()


async def test_a_wrong_password_shows_the_vietnamese_error(portal, context):
    page = await context.new_page()
    await login(page, portal.base, password="sai-mật-khẩu-rồi")  # noqa: S106
    assert page.url == f"{portal.base}/login"
    assert "Sai tên đăng nhập hoặc mật khẩu" in await page.inner_text("[role=alert]")
    response = await page.goto(f"{portal.base}/")
    assert response is not None
    assert page.url == f"{portal.base}/login"  # not logged in: sent to the form


async def test_an_operator_gets_the_sos_desk_not_the_doctors_console(portal, context):
    page = await context.new_page()
    await login(page, portal.base, username="dd.minh")
    response = await page.goto(f"{portal.base}/")
    assert response is not None
    assert response.url == f"{portal.base}/operator"  # sent on to their own desk
    assert response.status == 200
    assert await page.inner_text("h1") == "Trực SOS"
    assert await page.locator("#queue").count() == 0  # no consult queue here


async def test_the_language_toggle_switches_the_visible_text(portal, context):
    page = await context.new_page()
    await login(page, portal.base)
    await console_ready(page)
    assert await page.get_attribute("html", "lang") == "vi"
    assert await page.inner_text("h1") == "Bảng điều khiển bác sĩ"
    assert await page.inner_text("#queue-title") == "Đang trực: người dân đang chờ"
    await page.click("#lang")
    assert await page.get_attribute("html", "lang") == "en"
    assert await page.inner_text("h1") == "Doctor's console"
    assert await page.inner_text("#queue-empty") == "Nobody is waiting."
    assert await page.inner_text("#logout") == "Log out"
    assert (await state(page))["lang"] == "en"
    await page.click("#lang")
    assert await page.inner_text("#logout") == "Đăng xuất"


async def test_the_console_files_carry_types_and_a_strict_policy(portal):
    base = portal.base
    host = f"127.0.0.1:{portal.port}"
    async with ClientSession() as http:
        for name, kind in [
            ("console.js", "text/javascript"),
            ("waves.js", "text/javascript"),
            ("page.js", "text/javascript"),
            ("catalogue.js", "text/javascript"),
            ("i18n.js", "text/javascript"),
            ("console.css", "text/css"),
            ("index.html", "text/html"),
        ]:
            async with http.get(f"{base}/console/{name}") as response:
                assert response.status == 200, name
                assert response.content_type == kind
                policy = response.headers["Content-Security-Policy"]
                assert "script-src 'self'" in policy
                assert "unsafe-inline" not in policy
                assert f"connect-src 'self' ws://{host} wss://{host}" in policy
                assert "frame-ancestors 'none'" in policy
                assert response.headers["X-Content-Type-Options"] == "nosniff"
        for missing in ["nothing.js", "..%2Fconsole.py", "%2e%2e%2fapp.py"]:
            async with http.get(f"{base}/console/{missing}") as response:
                assert response.status == 404, missing
        async with http.get(f"{base}/api/me") as response:
            assert response.status == 401
        async with http.get(f"{base}/", allow_redirects=False) as response:
            assert response.status == 303
            assert response.headers["Location"] == "/login"
        async with http.get(f"{base}/console/index.html") as response:
            page = await response.text()
        assert page.count("<script") == page.count('<script type="module" src="/console/') == 1
        assert " on" + "click=" not in page


async def test_the_page_learns_who_is_logged_in(portal, context):
    page = await context.new_page()
    await login(page, portal.base, username="bs.hung")
    me = await page.evaluate("fetch('/api/me').then((r) => r.json())")
    assert me["username"] == "bs.hung"
    assert me["name"] == "BS. Trần Văn Hùng"
    assert me["role"] == "doctor"
    assert len(me["csrf"]) >= 32
    await console_ready(page)
    async with page.expect_navigation():
        await page.click("#logout")
    assert page.url == f"{portal.base}/login"
    assert (await page.evaluate("fetch('/api/me').then((r) => r.status)")) == 401
    assert PASSWORD not in await page.content()
