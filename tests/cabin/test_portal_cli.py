"""``cabin portal``: accounts and station keys from the command line, into a real store."""

from __future__ import annotations

import io

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
