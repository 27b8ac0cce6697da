"""Configuration: defaults, a TOML file, environment overrides, secrets masked."""

from __future__ import annotations

from pathlib import Path

import pytest

from cabin.cli import main
from cabin.config import Secret, load_config
from cabin.errors import ConfigError


def test_defaults_are_a_whole_simulated_station(tmp_path):
    config = load_config(env={"CABIN_DATA_DIR": str(tmp_path)})
    monikers = {name: d.moniker for name, d in config.devices.items()}
    assert monikers == {
        "oximeter": "sim:cms50d",
        "ecg": "sim:ecg",
        "ppg": "sim:ppg",
        "bp": "sim:cuff",
        "ble_cuff": "sim:ble-bp,every=45",
        "ble_oximeter": "sim:ble-plx,every=40,records=2",
        "ble_thermometer": "sim:ble-thermo,every=50",
        "ble_scale": "sim:ble-scale,every=60",
        "ble_glucose": "sim:ble-glucose,every=55,records=3",
        "ble_hr": "sim:ble-hr,every=5",
    }
    assert config.store.path == tmp_path / "station.db"
    assert config.station.timezone == "Asia/Ho_Chi_Minh"
    assert config.station.language == "vi"


def test_file_overrides_defaults_and_environment_overrides_the_file(tmp_path):
    path = tmp_path / "station.toml"
    path.write_text(
        """
        data_dir = "/srv/cabin"
        [station]
        id = "station-q1-07"
        [devices.ecg]
        moniker = "serial:/dev/ttyUSB1,115200"
        driver = "ecg"
        [devices.ppg]
        moniker = "sim:ppg,seed=4"
        """,
        encoding="utf-8",
    )
    env = {"CABIN_STATION__ID": "station-env", "CABIN_DEVICES__OXIMETER": "off"}
    config = load_config(path, env=env)
    assert config.station.id == "station-env"
    assert config.data_dir == Path("/srv/cabin")
    assert config.devices["ecg"].driver == "ecg"
    assert config.devices["ppg"].moniker == "sim:ppg,seed=4"
    assert "oximeter" not in config.devices
    assert [s.device_id for s in config.device_specs()][:3] == ["ecg", "ppg", "bp"]


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[station]\ncolour = 'red'", "station.colour"),
        ("[devices.ecg]\nmoniker = 'no-scheme'", "devices.ecg.moniker"),
        ("[store]\nuse_keyring = 'maybe'", "store.use_keyring"),
        ("surprise = 1", "surprise"),
        ("[kiosk]\ncamera = 'the usb one'", "kiosk.camera"),
        ("[consult]\ncamera = 'front'", "consult.camera"),
        ("[consult]\nwait_timeout = 0", "consult.wait_timeout"),
    ],
)
def test_bad_settings_name_the_key(tmp_path, toml, key):
    path = tmp_path / "bad.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert info.value.key == key


def test_a_broken_file_is_a_config_error(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[station\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path, env={})


def test_secrets_never_print(tmp_path):
    config = load_config(env={"CABIN_STORE__KEY": "c2VjcmV0LWtleS1ub3QtcHJpbnRlZA=="})
    assert isinstance(config.store.key, Secret)
    assert "c2VjcmV0" not in repr(config)
    assert config.as_dict()["store"]["key"] == "***"
    assert config.as_dict(mask_secrets=False)["store"]["key"].startswith("c2VjcmV0")


def test_cabin_config_show_prints_the_effective_configuration(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CABIN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CABIN_STORE__KEY", "super-secret-value")
    assert main(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert "[devices.ecg]" in out
    assert 'moniker = "sim:ecg"' in out
    assert 'key = "***"' in out
    assert "super-secret-value" not in out


def test_cabin_reports_a_bad_config_in_one_line(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text("[station]\ncolour = 'red'", encoding="utf-8")
    assert main(["--config", str(path), "config", "show"]) == 2
    assert capsys.readouterr().err.strip() == "cabin: station.colour: unknown setting"


def test_kiosk_and_hospital_settings_take_numbers_and_check_them(tmp_path):
    config = load_config(
        env={"CABIN_KIOSK__IDLE_TIMEOUT": "120", "CABIN_HOSPITAL__RETENTION_DAYS": "365"}
    )
    assert config.kiosk.idle_timeout == 120.0
    assert config.hospital.retention_days == 365
    with pytest.raises(ConfigError) as info:
        load_config(env={"CABIN_KIOSK__IDLE_TIMEOUT": "soon"})
    assert info.value.key == "kiosk.idle_timeout"
    with pytest.raises(ConfigError) as info:
        load_config(env={"CABIN_KIOSK__IDLE_WARNING": "200"})
    assert info.value.key == "kiosk.idle_warning"


def test_several_hospitals_and_the_delivery_settings(tmp_path):
    path = tmp_path / "station.toml"
    path.write_text(
        '[hospital]\nid = "bv-a"\nfhir_base_url = "https://a.example.vn/fhir"\n'
        '[hospitals.bv-b]\nname = "Bệnh viện B"\nclient_id = "cabin-7"\n'
        "[fhir]\nretry_first = 2\nretry_max = 600\n",
        encoding="utf-8",
    )
    config = load_config(path, env={"CABIN_HOSPITALS__BV-B__KEY_ID": "k-2026"})
    assert list(config.hospitals) == ["bv-a", "bv-b"]
    assert config.hospitals["bv-b"].id == "bv-b"
    assert config.hospitals["bv-b"].key_id == "k-2026"
    assert config.hospital.fhir_base_url == "https://a.example.vn/fhir"
    assert (config.fhir.retry_first, config.fhir.retry_max) == (2.0, 600.0)
    with pytest.raises(ConfigError) as info:
        load_config(env={"CABIN_FHIR__RETRY_FIRST": "0"})
    assert info.value.key == "fhir.retry_first"
    with pytest.raises(ConfigError) as info:
        load_config(env={"CABIN_HOSPITALS__SANDBOX__NAME": "the default again"})
    assert info.value.key == "hospitals.sandbox"
    with pytest.raises(ConfigError) as info:
        load_config(env={"CABIN_HOSPITALS__BV-C__COLOUR": "red"})
    assert info.value.key == "hospitals.bv-c.colour"


def test_the_consult_is_off_until_a_portal_is_named(tmp_path):
    config = load_config(env={"CABIN_DATA_DIR": str(tmp_path), "CABIN_STATION__ID": "tram-7"})
    assert not config.consult.enabled
    assert config.consult.station_id == "tram-7"
    assert config.consult.key_file == tmp_path / "consult.key"
    config = load_config(
        env={
            "CABIN_DATA_DIR": str(tmp_path),
            "CABIN_CONSULT__PORTAL_URL": "https://portal.example.vn",
            "CABIN_CONSULT__STATION_ID": "phuong-7",
            "CABIN_CONSULT__KEY_FILE": "/etc/cabin/portal.key",
            "CABIN_CONSULT__CAMERA": "0",
        }
    )
    assert config.consult.enabled
    assert (config.consult.station_id, config.consult.camera) == ("phuong-7", "0")
    assert config.consult.key_file == Path("/etc/cabin/portal.key")
