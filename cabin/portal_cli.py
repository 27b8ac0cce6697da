"""``cabin portal``: the portal's accounts and stations, for an administrator.

::

    cabin portal add-account USERNAME --name NAME --role doctor|operator|admin
                                              the password is read from standard input
    cabin portal add-station STATION_ID      prints the station's key, once

No prompt: scripts pipe the password in, so it never shows in the process list.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cabin.config import Config

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    """Add ``portal`` and its actions to the ``cabin`` parser's subcommands."""
    portal = sub.add_parser("portal", help="the portal's accounts and stations")
    actions = portal.add_subparsers(dest="action", required=True)
    account = actions.add_parser("add-account", help="create a doctor, operator or admin")
    account.add_argument("username")
    account.add_argument("--name", required=True, help="the name shown to others")
    account.add_argument("--role", required=True, choices=("doctor", "operator", "admin"))
    station = actions.add_parser("add-station", help="register a station; prints its key")
    station.add_argument("station_id")


def run(config: Config, args: argparse.Namespace) -> int:
    """Carry out ``cabin portal ACTION``; returns the exit code."""
    from video.portal.admin import add_station, create_account

    config.portal.db.parent.mkdir(parents=True, exist_ok=True)
    try:
        if args.action == "add-account":
            account = create_account(
                config.portal.db, args.username, args.name, args.role, stdin=sys.stdin
            )
            print(f"account {account.username} ({account.role}) created")
            return 0
        key = add_station(config.portal.db, args.station_id)
    except ValueError as exc:
        print(f"cabin: {exc}", file=sys.stderr)
        return 2
    print(f"station {args.station_id}: key {key}")
    print("Give this key to the station; it is not shown again.")
    return 0
