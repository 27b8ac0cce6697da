"""The kiosk process: store, recovery, hub, controller and window on one qasync loop."""

from __future__ import annotations

import asyncio
import logging
import sys

from cabin.cli import open_store
from cabin.config import load_config
from cabin.ui.app import display_available, open_camera, run_kiosk
from cabin.ui.theme import apply_theme
from hardware.camera import SimulatedCamera
from hardware.events import DeviceState


def test_run_kiosk_recovers_open_visits_runs_the_devices_and_stops_on_time(qapp, tmp_path):
    env = {
        "CABIN_DATA_DIR": str(tmp_path),
        "CABIN_DEVICES__ECG": "off",
        "CABIN_DEVICES__PPG": "off",
        "CABIN_DEVICES__BP": "off",
        # One BLE instrument stays: bumble and bleak on the kiosk's qasync loop.
        **{f"CABIN_DEVICES__BLE_{name}": "off" for name in ("CUFF", "OXIMETER", "SCALE")},
        **{f"CABIN_DEVICES__BLE_{name}": "off" for name in ("THERMOMETER", "HR")},
    }
    config = load_config(env=env)
    with open_store(config) as store:
        crashed = store.start_visit(config.station.id, state="identify")
    seen = []

    async def alongside(hub):
        seen.append([spec.device_id for spec in hub.specs])
        while hub.status()["ble_glucose"].state != DeviceState.CONNECTED:
            await asyncio.sleep(0.05)
        seen.append("ble_glucose connected")

    hook = sys.excepthook
    try:
        code = run_kiosk(
            config,
            fullscreen=False,
            seconds=3.0,
            screenshot=tmp_path / "screen.png",
            alongside=alongside,
        )
    finally:
        apply_theme(qapp)  # the next tests expect the theme (run_kiosk set the same one)
    assert code == 0
    assert sys.excepthook is hook
    assert seen == [["oximeter", "ble_glucose"], "ble_glucose connected"]
    assert (tmp_path / "screen.png").stat().st_size > 10_000
    with open_store(config) as store:
        assert store.visit(crashed).state == "interrupted"


def test_a_display_is_detected_from_the_environment(monkeypatch):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    assert not display_available()
    monkeypatch.setenv("DISPLAY", ":0")
    assert display_available()
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")  # as in the tests: no screen
    assert not display_available()
    monkeypatch.delenv("DISPLAY")
    monkeypatch.setenv("QT_QPA_PLATFORM", "vnc:size=1280x800")  # watched over VNC
    assert display_available()


def test_the_camera_setting_opens_a_simulated_camera_none_or_falls_back_to_the_keypad(caplog):
    assert isinstance(open_camera("sim"), SimulatedCamera)
    assert open_camera("") is None
    # No camera on this machine at index 57: logged, and the keypad remains.
    with caplog.at_level(logging.WARNING, logger="cabin.ui.app"):
        assert open_camera("57") is None
    assert [r.getMessage() for r in caplog.records] == [
        "camera not found; cards can still be typed"
    ]
