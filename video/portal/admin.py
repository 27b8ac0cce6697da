"""Administration of the portal's accounts and stations, for the ``cabin portal`` commands.

No prompt: the password comes from an argument or, when that is omitted, from the
first line of a stream (standard input), so scripts can pipe it in without it
showing in the process list.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from video.portal.accounts import Account, AccountStore, Role

__all__ = ["add_station", "create_account", "read_password"]


def read_password(stream: TextIO) -> str:
    """The first line of ``stream`` without its line ending.

    Raises:
        ValueError: the stream is empty.
    """
    line = stream.readline()
    if not line:
        raise ValueError("no password was given on standard input")
    return line.rstrip("\r\n")


def create_account(
    db_path: str | Path,
    username: str,
    display_name: str,
    role: Role | str,
    *,
    password: str | None = None,
    stdin: TextIO | None = None,
) -> Account:
    """Create a portal account in the store at ``db_path`` and return it.

    Args:
        db_path: the portal's account database (created if missing).
        username: the login name.
        display_name: the name shown to others.
        role: ``doctor``, ``operator`` or ``admin``.
        password: the password; read from ``stdin`` (default ``sys.stdin``) when ``None``.
        stdin: where to read the password from.

    Raises:
        ValueError: bad username, role or display name, weak password, name taken.
    """
    if password is None:
        password = read_password(stdin if stdin is not None else sys.stdin)
    with AccountStore.open(db_path) as store:
        return store.add_account(username, display_name, role, password)


def add_station(db_path: str | Path, station_id: str) -> str:
    """Register a station in the store at ``db_path``; return its key (shown once).

    Raises:
        ValueError: a bad or already registered station id.
    """
    with AccountStore.open(db_path) as store:
        return store.add_station(station_id)
