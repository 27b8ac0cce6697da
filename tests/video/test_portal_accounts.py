"""The portal's account store: argon2id passwords, station keys, nothing in plain text."""

from __future__ import annotations

import io
import sqlite3

import pytest
from argon2 import PasswordHasher

from video.portal import AccountStore, Role, add_station, create_account

# Cheap argon2id parameters: the tests check behaviour, not cost.
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "ngựa-vằn-42-sông-Hồng"  # noqa: S105 (invented, for tests)


@pytest.fixture
def store(tmp_path):
    with AccountStore.open(tmp_path / "portal.db", hasher=FAST) as opened:
        yield opened


def test_added_account_logs_in_with_its_password_only(store):
    account = store.add_account("bs.lan", "BS. Nguyễn Thị Lan", "doctor", PASSWORD)
    assert account.role is Role.DOCTOR
    assert not account.disabled
    assert store.verify_password("bs.lan", PASSWORD) == account
    assert store.verify_password("bs.lan", PASSWORD + "x") is None
    assert store.get_account("bs.lan") == account


def test_unknown_user_still_costs_one_hash_check(tmp_path):
    calls = []

    class Counting(PasswordHasher):
        def verify(self, hash, password):
            calls.append(hash)
            return super().verify(hash, password)

    hasher = Counting(time_cost=1, memory_cost=1024, parallelism=1)
    with AccountStore.open(tmp_path / "portal.db", hasher=hasher) as store:
        store.add_account("dd.minh", "ĐD. Trần Minh", "operator", PASSWORD)
        assert store.verify_password("nobody.here", PASSWORD) is None
        assert store.verify_password("dd.minh", "wrong-password-1") is None
    assert len(calls) == 2
    assert all(h.startswith("$argon2id$") for h in calls)


def test_disabled_account_cannot_log_in(store):
    store.add_account("qt.hoa", "Quản trị Hoa", Role.ADMIN, PASSWORD)
    store.set_disabled("qt.hoa")
    assert store.verify_password("qt.hoa", PASSWORD) is None
    store.set_disabled("qt.hoa", False)
    assert store.verify_password("qt.hoa", PASSWORD) is not None
    with pytest.raises(KeyError):
        store.set_disabled("nobody.here")


@pytest.mark.parametrize(
    ("username", "role", "password"),
    [
        ("bs.lan", "doctor", "short-pw"),  # under 10 characters
        ("BS Lan", "doctor", PASSWORD),  # upper case and a space
        ("ab", "doctor", PASSWORD),  # too short
        ("bs.lan", "nurse", PASSWORD),  # no such role
    ],
)
def test_bad_input_is_refused(store, username, role, password):
    with pytest.raises(ValueError, match=r"username|password|nurse"):
        store.add_account(username, "Someone", role, password)


def test_taken_username_is_refused(store):
    store.add_account("bs.lan", "BS. Lan", "doctor", PASSWORD)
    with pytest.raises(ValueError, match="already taken"):
        store.add_account("bs.lan", "BS. Lan khác", "doctor", PASSWORD)


def test_hash_is_upgraded_when_parameters_change(tmp_path):
    path = tmp_path / "portal.db"
    with AccountStore.open(path, hasher=FAST) as store:
        store.add_account("bs.lan", "BS. Lan", "doctor", PASSWORD)
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    with AccountStore.open(path, hasher=stronger) as store:
        assert store.verify_password("bs.lan", PASSWORD) is not None
    (stored,) = sqlite3.connect(path).execute("SELECT password_hash FROM account").fetchone()
    assert stored.startswith("$argon2id$v=19$m=2048,t=2,p=1$")


def test_station_key_ok_wrong_unknown_disabled(store):
    key = store.add_station("tram-phuong-7")
    assert len(key) >= 43  # 32 random bytes, URL-safe base64
    assert store.verify_station("tram-phuong-7", key)
    assert not store.verify_station("tram-phuong-7", key[:-1] + ("A" if key[-1] != "A" else "B"))
    assert not store.verify_station("tram-khac", key)
    assert store.add_station("tram-phuong-8") != key
    store.set_station_disabled("tram-phuong-7")
    assert not store.verify_station("tram-phuong-7", key)
    with pytest.raises(ValueError, match="already registered"):
        store.add_station("tram-phuong-7")
    with pytest.raises(ValueError, match="station id"):
        store.add_station("bad:id")


def test_file_holds_argon2id_hashes_and_no_secret(tmp_path):
    path = tmp_path / "portal.db"
    with AccountStore.open(path, hasher=FAST) as store:
        store.add_account("bs.lan", "BS. Lan", "doctor", PASSWORD)
        key = store.add_station("tram-phuong-7")
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    (stored,) = conn.execute("SELECT password_hash FROM account").fetchone()
    assert stored.startswith("$argon2id$")
    conn.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("portal.db"))
    assert PASSWORD.encode() not in raw
    assert key.encode() not in raw


def test_admin_commands_read_the_password_from_stdin(tmp_path):
    path = tmp_path / "portal.db"
    account = create_account(
        path, "dd.minh", "ĐD. Trần Minh", "operator", stdin=io.StringIO(PASSWORD + "\n")
    )
    assert account.role is Role.OPERATOR
    key = add_station(path, "tram-phuong-7")
    with AccountStore.open(path) as store:
        assert store.verify_password("dd.minh", PASSWORD) == account
        assert store.verify_station("tram-phuong-7", key)
    with pytest.raises(ValueError, match="no password"):
        create_account(path, "dd.hoa", "ĐD. Hoa", "operator", stdin=io.StringIO(""))
