"""The BLE allow-list: written by the technician's pairing, read by the configuration."""

from __future__ import annotations

import pytest

from cabin.config import ALLOWLIST_FILE, load_config
from cabin.errors import ConfigError
from cabin.pairing import add_device, remove_device


def test_a_paired_device_joins_the_configured_ones(tmp_path):
    path = tmp_path / ALLOWLIST_FILE
    add_device(path, "glucose", "C4:7C:8D:6A:12:34", "glucose")
    add_device(path, "scale", "C4:7C:8D:6A:12:35", "weight_scale")
    config = load_config(env={"CABIN_DATA_DIR": str(tmp_path)})
    assert config.devices["glucose"].moniker == "ble:C4:7C:8D:6A:12:34,profile=glucose"
    assert config.devices["scale"].moniker == "ble:C4:7C:8D:6A:12:35,profile=weight_scale"
    assert "oximeter" in config.devices  # the defaults stay
    assert remove_device(path, "scale")
    assert not remove_device(path, "scale")
    config = load_config(env={"CABIN_DATA_DIR": str(tmp_path)})
    assert "scale" not in config.devices


def test_the_configuration_file_wins_over_the_list(tmp_path):
    add_device(tmp_path / ALLOWLIST_FILE, "glucose", "C4:7C:8D:6A:12:34", "glucose")
    config = load_config(
        env={
            "CABIN_DATA_DIR": str(tmp_path),
            "CABIN_DEVICES__GLUCOSE__MONIKER": "ble:C4:7C:8D:6A:99:99,profile=glucose",
        }
    )
    assert config.devices["glucose"].moniker.startswith("ble:C4:7C:8D:6A:99:99")


@pytest.mark.parametrize(
    ("device_id", "address", "profile"),
    [
        ("bad name", "C4:7C:8D:6A:12:34", "glucose"),
        ("glucose", "C4:7C:8D:6A:12", "glucose"),
        ("glucose", 'C4:7C:8D:6A:12:34",x="', "glucose"),
        ("glucose", "C4:7C:8D:6A:12:34", "toaster"),
    ],
)
def test_nothing_odd_reaches_the_list(tmp_path, device_id, address, profile):
    path = tmp_path / ALLOWLIST_FILE
    with pytest.raises(ValueError, match=r"."):
        add_device(path, device_id, address, profile)
    assert not path.exists()


def test_a_broken_list_is_a_config_error(tmp_path):
    (tmp_path / ALLOWLIST_FILE).write_text("[devices\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config(env={"CABIN_DATA_DIR": str(tmp_path)})
