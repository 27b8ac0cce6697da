"""``cabin run --demo``'s own doctors' portal, for a station whose ``[consult]`` names none.

:func:`demo_portal` starts ``cabin portal serve`` as a child process on
127.0.0.1 with a fresh account database in the data directory
(``demo-portal.db``, rebuilt at each start), a doctor account ``bacsi`` with a
random password, and this station's key (written to ``demo-consult.key``,
readable by its owner only). It prints the console's address and the password
once, and yields the configuration pointing the kiosk at it. The child is
stopped when the block ends.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from cabin.config import Config

__all__ = ["DEMO_DOCTOR", "DEMO_OPERATOR", "demo_portal"]

DEMO_DOCTOR = "bacsi"
DEMO_OPERATOR = "congan"  # the ward police's SOS desk
"""The demo doctor's username."""
_DEMO_NAME = "BS. Trần Minh An (thử nghiệm)"
_START_TIMEOUT = 30.0  # seconds for the portal to listen


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def _listening(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text + "\n")


@contextlib.contextmanager
def demo_portal(config: Config, *, host: str = "127.0.0.1") -> Iterator[Config]:
    """Run a demo portal beside the station when ``[consult] portal_url`` is empty.

    Yields the configuration unchanged when a portal is configured, or when the
    demo portal cannot start (the kiosk then says a doctor cannot be called).
    """
    if config.consult.enabled:
        yield config
        return
    from video.portal.accounts import AccountStore

    config.data_dir.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/ yet
    db = config.data_dir / "demo-portal.db"
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)
    password = secrets.token_urlsafe(12)
    with AccountStore.open(db) as accounts:
        accounts.add_account(DEMO_DOCTOR, _DEMO_NAME, "doctor", password)
        accounts.add_account(DEMO_OPERATOR, "Công an phường (mô phỏng)", "operator", password)
        key = accounts.add_station(config.consult.station_id)
    key_file = config.data_dir / "demo-consult.key"
    _write_private(key_file, key)
    port = _free_port(host)
    env = {
        **os.environ,
        "CABIN_DATA_DIR": str(config.data_dir),
        "CABIN_PORTAL__DB": str(db),
        "CABIN_PORTAL__HOST": host,
        "CABIN_PORTAL__PORT": str(port),
        "CABIN_PORTAL__SECURE_COOKIES": "false",
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "cabin", "portal", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + _START_TIMEOUT
        while not _listening(host, port):
            if child.poll() is not None or time.monotonic() > deadline:
                print("No doctors' portal: it did not start; the kiosk cannot call a doctor.")
                yield config
                return
            time.sleep(0.1)
        url = f"http://{host}:{port}"
        print(f"Doctors' portal (demo): {url}/login", flush=True)
        print(f"  doctor {DEMO_DOCTOR}, password {password}  (shown only now)", flush=True)
        print(f"  SOS desk: operator {DEMO_OPERATOR}, the same password", flush=True)
        consult = dataclasses.replace(config.consult, portal_url=url, key_file=key_file)
        yield dataclasses.replace(config, consult=consult)
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
