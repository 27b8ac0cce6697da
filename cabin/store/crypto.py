"""Field-level encryption of personal and health data, and where the key comes from.

Each protected value is sealed with AES-256-GCM under a fresh random 96-bit
nonce and stored as ``nonce || ciphertext || tag``. The associated data names
the value's place (``table.column.row_id``), so a ciphertext copied to another
row or column no longer opens. Lookups by CCCD number use a blind index, an
HMAC-SHA256 of the number under its own key, so the number itself is never
stored in the clear.

The station holds one 32-byte master key; HKDF-SHA256 derives from it separate
subkeys for encryption, for the blind index and for the key check, so no key is
used for two purposes. :func:`key_from_config` finds the master key in the
configuration, the OS keyring (when the optional ``keyring`` package is
installed) or a key file, creating the file with a fresh key on first run.

References:
    NIST SP 800-38D (GCM, 96-bit random nonces); RFC 5869 (HKDF); RFC 2104 (HMAC).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import importlib
import logging
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from cabin.errors import StoreError, StoreKeyError

__all__ = [
    "KEYRING_USER",
    "KEY_SIZE",
    "NONCE_SIZE",
    "FieldCipher",
    "generate_key",
    "key_from_config",
    "parse_key",
]

logger = logging.getLogger(__name__)

#: Size of the master key and of every derived subkey, in bytes.
KEY_SIZE = 32
#: Size of the random GCM nonce stored in front of each ciphertext, in bytes.
NONCE_SIZE = 12
#: Account name under which the key is kept in the OS keyring.
KEYRING_USER = "store-key"

_TAG_SIZE = 16
_CHECK_PLAINTEXT = b"cabin.store key check v1"
_CHECK_AAD = b"meta.value.key_check"


def generate_key() -> bytes:
    """A fresh random 32-byte master key from the OS's CSPRNG."""
    return secrets.token_bytes(KEY_SIZE)


def parse_key(text: str) -> bytes:
    """The 32-byte key written as 64 hex digits or as base64 (standard or URL-safe).

    Raises:
        StoreKeyError: the text is neither, or does not hold exactly 32 bytes.
    """
    text = text.strip()
    if len(text) == 2 * KEY_SIZE:
        try:
            return bytes.fromhex(text)
        except ValueError:
            pass
    standard = text.replace("-", "+").replace("_", "/")  # accept URL-safe base64 too
    try:
        key = base64.b64decode(standard.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        key = b""
    if len(key) == KEY_SIZE:
        return key
    raise StoreKeyError("the store key must be 32 bytes, written as 64 hex digits or base64")


def key_from_config(
    secret: str | None,
    key_file: Path | None,
    *,
    keyring_service: str | None = None,
) -> bytes:
    """Find the store's master key.

    Sources, first match wins:

    1. ``secret``, a key written as hex or base64 (from the config or environment);
    2. the OS keyring, when ``keyring_service`` is given and the optional ``keyring``
       package is importable (any keyring failure is logged and skipped);
    3. ``key_file``: read it, or create it (mode 0600, parents 0700) holding a fresh
       random key when it does not exist;
    4. with a keyring service but no key file, a fresh key saved to the keyring.

    Args:
        secret: the key as text, or None.
        key_file: where the key is kept on disk, or None.
        keyring_service: the keyring service name to look under, or None to skip it.

    Returns:
        The 32-byte master key.

    Raises:
        StoreKeyError: no source gave a key, a given key is malformed, or the key
            file is readable by other users.
    """
    if secret is not None:
        return parse_key(secret)
    ring = _keyring() if keyring_service is not None else None
    if ring is not None and keyring_service is not None:
        stored = _keyring_get(ring, keyring_service)
        if stored is not None:
            return parse_key(stored)
    if key_file is not None:
        return _read_or_create_key_file(Path(key_file))
    if ring is not None and keyring_service is not None:
        key = generate_key()
        if _keyring_set(ring, keyring_service, base64.b64encode(key).decode("ascii")):
            logger.info("store key created in the keyring")
            return key
    raise StoreKeyError("no store key configured: give a key, a key file or a keyring service")


def _keyring() -> Any | None:
    try:
        return importlib.import_module("keyring")
    except ImportError:
        return None


def _keyring_get(ring: Any, service: str) -> str | None:
    try:
        value = ring.get_password(service, KEYRING_USER)
    except Exception as exc:  # keyring backends raise many types; all mean "not here"
        logger.warning("keyring unavailable", extra={"error": type(exc).__name__})
        return None
    return value if isinstance(value, str) else None


def _keyring_set(ring: Any, service: str, value: str) -> bool:
    try:
        ring.set_password(service, KEYRING_USER, value)
    except Exception as exc:  # as above
        logger.warning("keyring unavailable", extra={"error": type(exc).__name__})
        return False
    return True


def _read_or_create_key_file(path: Path) -> bytes:
    try:
        return _read_or_create(path)
    except OSError as exc:
        raise StoreKeyError(f"cannot use key file {path} ({type(exc).__name__})") from exc


def _read_or_create(path: Path) -> bytes:
    try:
        return _read_key_file(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = generate_key()
    # Write a private temporary file, then link it into place: the link fails if
    # another process created the key first, and the key file is never half-written.
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(base64.b64encode(key).decode("ascii") + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return _read_key_file(path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)
    logger.info("store key file created", extra={"path": str(path)})
    return key


def _read_key_file(path: Path) -> bytes:
    with path.open("r", encoding="ascii") as handle:
        if os.name == "posix" and os.fstat(handle.fileno()).st_mode & 0o077:
            raise StoreKeyError(f"key file {path} is open to other users; chmod 600 it")
        try:
            text = handle.read()
        except UnicodeDecodeError as exc:
            raise StoreKeyError(f"key file {path} does not hold a key") from exc
    return parse_key(text)


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _derive(master: bytes, purpose: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_SIZE, salt=None, info=purpose)
    return hkdf.derive(master)


class FieldCipher:
    """Seals and opens personal and health data fields, and computes blind indexes.

    Args:
        master_key: the station's 32-byte master key.

    Raises:
        StoreKeyError: the key is not 32 bytes.
    """

    __slots__ = ("_aead", "_check", "_index_key")

    def __init__(self, master_key: bytes) -> None:
        if not isinstance(master_key, bytes | bytearray) or len(master_key) != KEY_SIZE:
            raise StoreKeyError("the store key must be exactly 32 bytes")
        master = bytes(master_key)
        self._aead = AESGCM(_derive(master, b"cabin.store/v1/field-encryption"))
        self._index_key = _derive(master, b"cabin.store/v1/blind-index")
        self._check = AESGCM(_derive(master, b"cabin.store/v1/key-check"))

    def __repr__(self) -> str:
        return "FieldCipher(<key hidden>)"

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        """``nonce || ciphertext || tag`` for ``plaintext`` bound to ``aad``."""
        nonce = os.urandom(NONCE_SIZE)
        return nonce + self._aead.encrypt(nonce, plaintext, aad)

    def open(self, sealed: bytes, aad: bytes) -> bytes:
        """The plaintext of a value sealed with the same ``aad``.

        Raises:
            StoreError: the value was altered, moved to another place, or sealed
                under another key.
        """
        if len(sealed) < NONCE_SIZE + _TAG_SIZE:
            raise StoreError("a protected field is truncated")
        try:
            return self._aead.decrypt(sealed[:NONCE_SIZE], sealed[NONCE_SIZE:], aad)
        except InvalidTag:
            raise StoreError("a protected field failed authentication") from None

    def seal_text(self, text: str, aad: bytes) -> bytes:
        """:meth:`seal` for UTF-8 text."""
        return self.seal(text.encode("utf-8"), aad)

    def open_text(self, sealed: bytes, aad: bytes) -> str:
        """:meth:`open` for UTF-8 text."""
        return self.open(sealed, aad).decode("utf-8")

    def blind_index(self, domain: str, value: str) -> bytes:
        """HMAC-SHA256 of ``value`` under the index subkey, separated by ``domain``."""
        message = domain.encode("utf-8") + b"\x00" + value.encode("utf-8")
        return hmac.new(self._index_key, message, hashlib.sha256).digest()

    def key_check(self) -> bytes:
        """A sealed constant that only this key opens, to store beside the data."""
        nonce = os.urandom(NONCE_SIZE)
        return nonce + self._check.encrypt(nonce, _CHECK_PLAINTEXT, _CHECK_AAD)

    def verify_key_check(self, sealed: bytes) -> None:
        """Check a value from :meth:`key_check` against this key.

        Raises:
            StoreKeyError: the value was made with another key.
        """
        try:
            plain = self._check.decrypt(sealed[:NONCE_SIZE], sealed[NONCE_SIZE:], _CHECK_AAD)
        except (InvalidTag, ValueError):
            raise StoreKeyError("the store key does not open this database") from None
        if not hmac.compare_digest(plain, _CHECK_PLAINTEXT):
            raise StoreKeyError("the store key does not open this database")
