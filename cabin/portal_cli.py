"""``cabin portal``: the portal's accounts and stations, for an administrator.

::

    cabin portal add-account USERNAME --name NAME --role doctor|operator|admin
                                              the password is read from standard input
    cabin portal add-station STATION_ID      prints the station's key, once
    cabin portal serve [--seconds N]         the portal on [portal] host:port

No prompt: scripts pipe the password in, so it never shows in the process list.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
    serve = actions.add_parser("serve", help="run the portal")
    serve.add_argument("--seconds", type=float, help="stop after this long (default: Ctrl-C)")


def run(config: Config, args: argparse.Namespace) -> int:
    """Carry out ``cabin portal ACTION``; returns the exit code."""
    from video.portal.admin import add_station, create_account

    config.portal.db.parent.mkdir(parents=True, exist_ok=True)
    if args.action == "serve":
        return asyncio.run(_serve(config, args.seconds))
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


async def _serve(config: Config, seconds: float | None) -> int:
    from aiohttp import web

    from video.portal.accounts import AccountStore
    from video.portal.app import create_app

    with AccountStore.open(config.portal.db) as store:
        app = create_app(store, secure_cookies=config.portal.secure_cookies)
        runner = web.AppRunner(app)
        await runner.setup()
        try:
            site = web.TCPSite(runner, config.portal.host, config.portal.port)
            await site.start()
            for host, port in (a[:2] for a in runner.addresses):
                print(f"Portal: http://{host}:{port}/login", flush=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.Event().wait(), seconds)
        finally:
            await runner.cleanup()
    return 0
