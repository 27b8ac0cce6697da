"""The ``cabin`` command, run as a person runs it: a real process, real ptys, real files."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from hardware.events import SignalKind
from hardware.serial import EcgDriver
from tests.hardware.conftest import EventLog, running

FS = {"oximeter": 60, "ecg": 500, "ppg": 100, "bp": 100}


def cabin(tmp_path, *args, timeout=60):
    env = {**os.environ, "CABIN_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run(
        [sys.executable, "-m", "cabin", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_run_shows_live_readings_from_the_four_devices(tmp_path):
    done = cabin(tmp_path, "run", "--seconds", "10")  # the last 5 s window is past start-up
    assert done.returncode == 0, done.stderr
    last_table = done.stdout[done.stdout.rindex("device") :]
    for device, fs in FS.items():
        row = re.search(rf"│ {device}\s+│ connected \(streaming\)\s+│\s+([\d.]+)/s", last_table)
        assert row, f"{device} is not streaming:\n{last_table}"
        assert float(row.group(1)) == pytest.approx(fs, rel=0.1)
    assert "spo2 97 %" in last_table
    assert (tmp_path / "data" / "station.db").exists()
    assert oct((tmp_path / "data" / "store.key").stat().st_mode & 0o777) == "0o600"


def test_record_writes_every_waveform_without_gaps(tmp_path):
    out = tmp_path / "rec.npz"
    done = cabin(tmp_path, "record", "--seconds", "3", "--out", str(out))
    assert done.returncode == 0, done.stderr
    data = np.load(out)
    for name in ("ecg.ecg_i", "ecg.ecg_ii", "ppg.ppg_red", "ppg.ppg_ir", "bp.cuff_pressure"):
        samples = data[name]
        fs = float(data[f"{name}.fs"])
        assert fs == FS[name.split(".")[0]]
        assert len(samples) >= 2 * fs  # most of three seconds, after the handshake
        assert not np.isnan(samples).any()
    assert str(data["ecg.ecg_ii.unit"]) == "mV"
    assert np.ptp(data["ecg.ecg_ii"]) > 0.5  # QRS complexes, not a flat line


def test_record_to_wfdb_writes_records_wfdb_reads(tmp_path):
    wfdb = pytest.importorskip("wfdb")
    out = tmp_path / "rec"
    done = cabin(tmp_path, "record", "--seconds", "2", "--out", str(out))
    assert done.returncode == 0, done.stderr
    record = wfdb.rdrecord(str(tmp_path / "rec_ecg"))
    assert record.fs == 500
    assert record.sig_name == ["ecg_i", "ecg_ii"]
    assert record.units == ["mV", "mV"]
    assert record.p_signal.shape[0] >= 500


async def test_simulate_serves_ptys_that_a_driver_reads(tmp_path):
    env = {**os.environ, "CABIN_DATA_DIR": str(tmp_path / "data")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cabin", "simulate", "--seconds", "20",
        stdout=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL, env=env,
    )  # fmt: skip
    try:
        paths = {}
        async with asyncio.timeout(15):
            while len(paths) < 4:
                name, _, path = (await process.stdout.readline()).decode().strip().partition(": ")
                paths[name] = path
        assert set(paths) == set(FS)
        events = EventLog()
        async with running(EcgDriver("ecg", paths["ecg"]), events):
            await events.wait_for(lambda e: len(e.chunks(SignalKind.ECG_II)) >= 10)
        assert events.chunks(SignalKind.ECG_II)[0].fs == 500
    finally:
        process.terminate()
        await process.wait()


def test_devices_lists_each_device_with_its_state(tmp_path):
    done = cabin(tmp_path, "devices", "--seconds", "3")
    assert done.returncode == 0, done.stderr
    for device in FS:
        assert re.search(rf"^{device}\s+sim:\S+\s+connected", done.stdout, re.MULTILINE)


def test_devices_pair_lists_the_health_devices_in_range_and_bonds_with_one(tmp_path):
    listed = cabin(tmp_path, "devices", "pair", "--simulate", "--seconds", "2")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines()]
    profiles = {row[-3] for row in rows}
    assert {"blood_pressure", "glucose", "heart_rate", "pulse_oximeter"} <= profiles
    assert {"weight_scale", "thermometer"} <= profiles
    neighbour = next(line for line in listed.stdout.splitlines() if "Neighbour" in line)
    address = neighbour.split()[0]
    paired = cabin(tmp_path, "devices", "pair", "--simulate", "--add", address, "--id", "scale")
    assert paired.returncode == 0, paired.stderr
    assert f"scale: {address} (weight_scale) paired" in paired.stdout
    assert not (tmp_path / "data" / "ble-devices.toml").exists()  # a simulation lists nothing


def test_devices_pair_needs_a_name_and_removes_only_what_is_listed(tmp_path):
    no_name = cabin(tmp_path, "devices", "pair", "--add", "C4:7C:8D:6A:12:34")
    assert no_name.returncode == 2
    assert "--id NAME" in no_name.stdout
    absent = cabin(tmp_path, "devices", "pair", "--remove", "glucose")
    assert absent.returncode == 1
    assert "glucose is not on" in absent.stdout
