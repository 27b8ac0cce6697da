"""The kiosk's SOS screen (pytest-qt, on the qasync loop) against the real portal on 127.0.0.1.

A brief tap never calls; a 2-second hold does, with a filling ring and a spoken
countdown. The screen then says and shows what happens to the alert: sending
(the portal is down at first), received, nobody yet (escalated: calling again),
received by the ward police at HH:MM, and the false-alarm cancel asked once.
Set ``CABIN_SCREENSHOTS=docs/screens`` to publish 38-sos-*.png.
"""

from __future__ import annotations

import asyncio
import sqlite3

from PyQt6.QtCore import Qt
from test_sos_client import STATION, Portal

from cabin.consult import ConsultSettings
from cabin.i18n import tr
from cabin.store import Store, generate_key
from cabin.ui.kiosk import KioskSettings
from cabin.ui.sos import HOLD_SECONDS, SosScreen
from services.sos import AlertPhase, CallState
from tests.cabin.ui.kiosk_helpers import Station
from video.portal.alerts import ALERTS_KEY


def said(s: Station, words: str) -> bool:
    return any(words in spoken for spoken in s.controller.voice.spoken)


def alerts(portal: Portal) -> list[tuple[str, str, str]]:
    with sqlite3.connect(portal.db) as conn:
        tables = conn.execute("SELECT name FROM sqlite_master WHERE name = 'sos_alert'").fetchall()
        return conn.execute("SELECT id, station, state FROM sos_alert").fetchall() if tables else []


def test_a_tap_does_nothing_a_hold_calls_and_the_screen_says_what_happens(
    run, qtbot, kiosk_station, tmp_path
):
    portal = Portal(tmp_path, escalate_after=1.5)

    async def scenario():
        key_file = tmp_path / "consult.key"
        key_file.write_text(portal.key)
        consult = ConsultSettings(portal.base, STATION, key_file, camera="sim", microphone="sim")
        settings = KioskSettings(station_name="Trạm thử nghiệm", consult=consult)
        with Store.open(tmp_path / "station.db", key=generate_key()) as store:
            try:
                async with kiosk_station(store, settings, station_id=STATION) as s:
                    await flow(s)
            finally:
                await portal.stop()

    async def flow(s: Station):
        await s.tap(s.kiosk.screens["home"].sos)
        sos = s.kiosk.screens["sos"]
        assert isinstance(sos, SosScreen)
        assert s.screen == "sos"
        assert tr("sos.call") == "GỌI TRỢ GIÚP"
        assert tr("sos.hold") in s.texts()
        await s.until(lambda: said(s, "Cần trợ giúp khẩn cấp"), 5)

        # A brief tap: nothing is called; the kiosk says to hold.
        await s.tap(sos.hold)
        await s.until(lambda: said(s, "giữ tay lâu hơn"), 5)
        assert sos.view is None
        assert sos.hold.isVisible()
        assert not (tmp_path / "sos-alerts.json").exists()

        # A hold: the ring fills and the kiosk counts down aloud; at 2 s it calls.
        qtbot.mousePress(sos.hold, Qt.MouseButton.LeftButton)
        await asyncio.sleep(HOLD_SECONDS * 0.55)
        assert 0.4 < sos.hold.progress < 0.8
        assert sos.view is None
        await s.shot("38-sos-hold", publish=True)
        await asyncio.sleep(HOLD_SECONDS * 0.6)
        qtbot.mouseRelease(sos.hold, Qt.MouseButton.LeftButton)
        spoken = s.controller.voice.spoken
        assert "hai" in spoken
        assert "một" in spoken
        await s.until(lambda: sos.view is not None, 5)
        alert_id = sos.view.alert_id
        assert tr("sos.sent") in s.texts()
        assert tr("sos.state.sending") in s.texts()  # the portal is down
        assert tr("sos.false_alarm") in s.texts()
        await s.until(lambda: said(s, "Người trợ giúp đang đến"), 5)

        # The portal comes up: the alert is delivered, then nobody answers in 1.5 s.
        await portal.start()
        await s.until(lambda: tr("sos.state.sent") in s.texts(), 10)
        await s.shot("38-sos-sent", publish=True)
        await s.until(lambda: tr("sos.state.escalated") in s.texts(), 10)
        await s.until(lambda: said(s, "đang gọi lại"), 5)
        await s.until(lambda: sos.call is CallState.WAITING, 10)  # the video waits for them
        await s.shot("38-sos-escalated", publish=True)

        # An operator acknowledges: the time is shown and said.
        hub = portal.app[ALERTS_KEY]
        stored = hub.store.get(STATION, alert_id)
        hub.store.acknowledge(stored, "CS. Phạm Văn An", hub.clock())
        hub.changed()
        await s.until(lambda: sos.view.phase is AlertPhase.ACKNOWLEDGED, 10)
        assert "Công an phường đã nhận lúc" in s.texts()
        await s.until(lambda: said(s, "đã nhận lúc"), 5)
        await s.shot("38-sos-received", publish=True)

        # False alarm: asked once; "No" keeps the call; "Yes" cancels it on the portal.
        await s.tap(sos.cancel)
        assert tr("sos.confirm") in s.texts()
        await s.shot("38-sos-confirm", publish=True)
        await s.tap(sos.no)
        assert sos.cancel.isVisible()
        await s.tap(sos.cancel)
        await s.tap(sos.yes)
        await s.until(lambda: tr("sos.state.cancelled") in s.texts(), 10)
        assert alerts(portal) == [(alert_id, STATION, "false_alarm")]
        await s.until(lambda: sos.call is not CallState.WAITING, 10)  # the call was withdrawn
        await s.tap(sos.home)
        assert s.screen == "home"

    run(scenario())
