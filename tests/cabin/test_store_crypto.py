"""Field encryption and the store key: where it comes from, and what it protects."""

from __future__ import annotations

import base64
import hashlib
import hmac
import sys
import types
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cabin.errors import StoreError, StoreKeyError
from cabin.store import generate_key, key_from_config
from cabin.store.crypto import KEY_SIZE, NONCE_SIZE, FieldCipher, parse_key

KEY = bytes(range(32))


# -- parsing a key ---------------------------------------------------------------------------


def test_a_key_is_read_as_hex_or_base64() -> None:
    assert parse_key(KEY.hex()) == KEY
    assert parse_key(KEY.hex().upper()) == KEY
    assert parse_key(base64.b64encode(KEY).decode()) == KEY
    assert parse_key(base64.urlsafe_b64encode(b"\xff" * 32).decode() + "\n") == b"\xff" * 32


@pytest.mark.parametrize(
    "text",
    ["", "00" * 31, "00" * 33, "zz" * 32, base64.b64encode(b"\x01" * 16).decode(), "khóa bí mật"],
)
def test_a_malformed_key_is_refused_without_echoing_it(text: str) -> None:
    with pytest.raises(StoreKeyError, match="32 bytes") as caught:
        parse_key(text)
    assert not text or text not in str(caught.value)


def test_generated_keys_are_fresh() -> None:
    keys = {generate_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(len(k) == KEY_SIZE for k in keys)


# -- finding the key -------------------------------------------------------------------------


def test_a_configured_secret_wins(tmp_path: Path) -> None:
    key_file = tmp_path / "store.key"
    assert key_from_config(KEY.hex(), key_file) == KEY
    assert not key_file.exists()


def test_a_missing_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    key_file = tmp_path / "secrets" / "store.key"
    first = key_from_config(None, key_file)
    assert len(first) == KEY_SIZE
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_file.parent.stat().st_mode & 0o077 == 0
    assert parse_key(key_file.read_text()) == first
    assert key_from_config(None, key_file) == first
    assert list(key_file.parent.iterdir()) == [key_file]  # no temporary file left behind


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_a_key_file_open_to_others_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "store.key"
    key_file.write_text(KEY.hex())
    key_file.chmod(0o644)
    with pytest.raises(StoreKeyError, match="chmod 600"):
        key_from_config(None, key_file)
    key_file.chmod(0o600)
    assert key_from_config(None, key_file) == KEY


def test_a_key_file_that_cannot_be_read_is_a_key_error(tmp_path: Path) -> None:
    with pytest.raises(StoreKeyError, match="IsADirectoryError"):
        key_from_config(None, tmp_path)


def test_no_source_is_a_key_error() -> None:
    with pytest.raises(StoreKeyError, match="no store key"):
        key_from_config(None, None)


class FakeKeyring(types.ModuleType):
    """Stands in for the optional ``keyring`` package: same two functions."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__("keyring")
        self.saved: dict[tuple[str, str], str] = {}
        self.fail = fail

    def get_password(self, service: str, user: str) -> str | None:
        if self.fail:
            raise RuntimeError("no backend")
        return self.saved.get((service, user))

    def set_password(self, service: str, user: str, value: str) -> None:
        if self.fail:
            raise RuntimeError("no backend")
        self.saved[(service, user)] = value


def test_the_keyring_is_used_when_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ring = FakeKeyring()
    monkeypatch.setitem(sys.modules, "keyring", ring)
    created = key_from_config(None, None, keyring_service="citizen-station")
    assert parse_key(ring.saved[("citizen-station", "store-key")]) == created
    assert key_from_config(None, None, keyring_service="citizen-station") == created
    # The keyring's key comes before a key file.
    assert key_from_config(None, tmp_path / "k", keyring_service="citizen-station") == created
    assert not (tmp_path / "k").exists()


def test_a_broken_keyring_falls_back_to_the_key_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "keyring", FakeKeyring(fail=True))
    key_file = tmp_path / "store.key"
    key = key_from_config(None, key_file, keyring_service="citizen-station")
    assert parse_key(key_file.read_text()) == key
    with pytest.raises(StoreKeyError):
        key_from_config(None, None, keyring_service="citizen-station")


def test_without_the_keyring_package_it_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)  # makes the import fail
    key_file = tmp_path / "store.key"
    assert key_from_config(None, key_file, keyring_service="x") == parse_key(key_file.read_text())


# -- sealing fields --------------------------------------------------------------------------


@given(text=st.text(), aad=st.binary(max_size=64))
def test_seal_then_open_round_trips(text: str, aad: bytes) -> None:
    cipher = FieldCipher(KEY)
    sealed = cipher.seal_text(text, aad)
    assert len(sealed) == NONCE_SIZE + len(text.encode("utf-8")) + 16
    assert cipher.open_text(sealed, aad) == text


def test_a_sealed_value_is_bound_to_its_place_and_key() -> None:
    cipher = FieldCipher(KEY)
    sealed = cipher.seal_text("Nguyễn Văn Thử", b"residents.full_name.a")
    assert sealed != cipher.seal_text("Nguyễn Văn Thử", b"residents.full_name.a")  # fresh nonce
    for aad in (b"residents.full_name.b", b"residents.address.a"):
        with pytest.raises(StoreError, match="failed authentication"):
            cipher.open_text(sealed, aad)
    with pytest.raises(StoreError):
        FieldCipher(generate_key()).open_text(sealed, b"residents.full_name.a")
    tampered = bytearray(sealed)
    tampered[-1] ^= 1
    with pytest.raises(StoreError):
        cipher.open(bytes(tampered), b"residents.full_name.a")
    with pytest.raises(StoreError, match="truncated"):
        cipher.open(sealed[:20], b"residents.full_name.a")


def test_subkeys_are_separate_from_the_master_key() -> None:
    cipher = FieldCipher(KEY)
    direct = hmac.new(KEY, b"cccd\x00001099012345", hashlib.sha256).digest()
    index = cipher.blind_index("cccd", "001099012345")
    assert len(index) == 32
    assert index != direct
    assert index == FieldCipher(KEY).blind_index("cccd", "001099012345")
    assert index != FieldCipher(generate_key()).blind_index("cccd", "001099012345")
    assert index != cipher.blind_index("phone", "001099012345")


def test_the_key_check_tells_keys_apart() -> None:
    check = FieldCipher(KEY).key_check()
    FieldCipher(KEY).verify_key_check(check)
    with pytest.raises(StoreKeyError):
        FieldCipher(generate_key()).verify_key_check(check)
    with pytest.raises(StoreKeyError):
        FieldCipher(KEY).verify_key_check(b"short")


def test_the_cipher_does_not_show_its_key() -> None:
    assert KEY.hex() not in repr(FieldCipher(KEY))
    assert "hidden" in repr(FieldCipher(KEY))
