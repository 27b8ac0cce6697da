"""The ledger's daily reconciliation, as a table for an operator and as JSON.

The ledger itself lives in the store (:mod:`cabin.store.ledger`: payments, their
state history, double-entry postings); this module only presents a day's
:class:`~cabin.store.Reconciliation`. Amounts are integer VND.
"""

from __future__ import annotations

from typing import Any

from cabin.store import Reconciliation

__all__ = ["format_report", "report_dict"]


def report_dict(report: Reconciliation) -> dict[str, Any]:
    """The reconciliation as plain JSON-ready data."""
    return {
        "day": report.day.isoformat(),
        "timezone": "Asia/Ho_Chi_Minh",
        "counts": dict(report.counts),
        "sums_vnd": dict(report.sums),
        "postings_vnd": dict(report.postings),
        "balances_vnd": dict(report.balances),
        "unsettled": list(report.unsettled),
        "balanced": report.balanced,
    }


def _money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def format_report(report: Reconciliation) -> str:
    """A plain-text table: payments per state, postings and balances per account."""
    lines = [f"Reconciliation of {report.day.isoformat()} (Asia/Ho_Chi_Minh)", ""]
    lines.append(f"{'state':<12}{'count':>8}{'VND':>18}")
    for state, count in report.counts.items():
        lines.append(f"{state:<12}{count:>8}{_money(report.sums[state]):>18}")
    lines += ["", f"{'account':<20}{'that day':>18}{'balance':>18}"]
    for account, balance in report.balances.items():
        posted = report.postings.get(account, 0)
        lines.append(f"{account:<20}{_money(posted):>18}{_money(balance):>18}")
    lines.append("")
    lines.append("balanced: yes" if report.balanced else "balanced: NO (see the postings)")
    if report.unsettled:
        lines.append("paid, not yet cleared or refunded: " + ", ".join(report.unsettled))
    else:
        lines.append("paid, not yet cleared or refunded: none")
    return "\n".join(lines)
