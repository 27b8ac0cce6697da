"""``cabin pay``: VietQR payloads and the ledger's daily reconciliation.

::

    cabin pay qr --bin BIN --account ACC [--amount N] [--purpose TEXT] [--card]
                                  prints the VietQR payload string
    cabin pay report [--day YYYY-MM-DD] [--json]
                                  the ledger's reconciliation of a day (Asia/Ho_Chi_Minh)
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from typing import Any

from cabin.config import Config

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    """Add ``pay`` and its actions to the ``cabin`` parser's subcommands."""
    pay = sub.add_parser("pay", help="VietQR payloads and the payments ledger")
    actions = pay.add_subparsers(dest="action", required=True)
    qr = actions.add_parser("qr", help="print a VietQR payload")
    qr.add_argument("--bin", required=True, help="the receiving bank's 6-digit BIN")
    qr.add_argument("--account", required=True, help="the account (or card) number")
    qr.add_argument("--amount", type=int, help="integer VND (none: the payer types it)")
    qr.add_argument("--purpose", default="", help="what it is for (diacritics are dropped)")
    qr.add_argument("--card", action="store_true", help="to a card (QRIBFTTC), not an account")
    report = actions.add_parser("report", help="a day's reconciliation of the ledger")
    report.add_argument("--day", type=date.fromisoformat, help="YYYY-MM-DD (default: today)")
    report.add_argument("--json", action="store_true")


def run(config: Config, args: argparse.Namespace) -> int:
    """Carry out ``cabin pay ACTION``; returns the exit code."""
    if args.action == "qr":
        from services.vietqr import VietQR, VietQRError, encode

        try:
            print(encode(VietQR(args.bin, args.account, args.amount, args.purpose, args.card)))
        except VietQRError as exc:
            print(f"cabin: {exc}", file=sys.stderr)
            return 2
        return 0
    from cabin.cli import open_store
    from cabin.store.ledger import LOCAL_TZ

    day = args.day or datetime.now(LOCAL_TZ).date()
    with open_store(config) as store:
        report = store.reconciliation(day)
    from services.ledger import format_report, report_dict

    if args.json:
        print(json.dumps(report_dict(report), ensure_ascii=False, indent=2))
    else:
        print(format_report(report))
    return 0
