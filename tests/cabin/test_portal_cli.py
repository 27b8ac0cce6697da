"""``cabin portal``: accounts and station keys from the command line, into a real store."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import urllib.request

from cabin.cli import main
from video.portal.accounts import AccountStore


def test_accounts_and_stations_are_added_without_a_prompt(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CABIN_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO("mật-khẩu-đủ-dài-2026\n"))
    args = ["portal", "add-account", "bs.thu", "--name", "BS. Nguyễn Thị Thử", "--role", "doctor"]
    assert main(args) == 0
    assert "account bs.thu (doctor) created" in capsys.readouterr().out

    monkeypatch.setattr("sys.stdin", io.StringIO("ngắn\n"))
    assert main(["portal", "add-account", "bs.khac", "--name", "BS. Khác", "--role", "doctor"]) == 2
    assert "password" in capsys.readouterr().err

    assert main(["portal", "add-station", "station-q1-07"]) == 0
    out = capsys.readouterr().out
    key = out.split("key ", 1)[1].split()[0]
    with AccountStore.open(tmp_path / "portal.db") as store:
        assert store.verify_password("bs.thu", "mật-khẩu-đủ-dài-2026") is not None
        assert store.verify_station("station-q1-07", key)
        assert not store.verify_station("station-q1-07", key[:-1] + "x")
    raw = (tmp_path / "portal.db").read_bytes()
    assert key.encode() not in raw
    assert "mật-khẩu".encode() not in raw


def test_serve_answers_the_login_page_then_stops(tmp_path):
    env = {
        **os.environ,
        "CABIN_DATA_DIR": str(tmp_path),
        "CABIN_PORTAL__PORT": "0",
        "CABIN_PORTAL__SECURE_COOKIES": "false",
    }
    serving = subprocess.Popen(
        [sys.executable, "-m", "cabin", "portal", "serve", "--seconds", "20"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    try:
        line = serving.stdout.readline()
        assert line.startswith("Portal: http://127.0.0.1:"), line
        url = line.split(" ", 1)[1].strip()
        with urllib.request.urlopen(url, timeout=10) as page:  # noqa: S310 - loopback
            assert page.status == 200
            assert "<form" in page.read().decode()
    finally:
        serving.terminate()
        serving.wait(10)
        serving.stdout.close()
