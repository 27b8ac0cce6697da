"""Bills and fees: electricity (EVN), water, internet, tuition, apartment fee, paid by VietQR.

The resident picks a kind of bill, types the customer code on a large keypad (checked
by :func:`services.bills.codes.check_code`), sees the debt the biller reports, and
pays it by scanning the VietQR shown large on the screen. The bank's signed callback
marks it paid, the station clears it with the biller (:mod:`services.payment`), and a
receipt is printed and shown as a QR.

Outside systems (``[services.<name>]``): ``billers`` (debts, clearing) and ``bank``
(payment orders, callbacks, refunds); their sandboxes are in :data:`SANDBOXES`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from services.bills.bank_sandbox import bank_app
from services.bills.billers_sandbox import billers_app
from services.bills.strings import register
from services.registry import ServiceContext, ServiceModule

__all__ = ["KEY", "SANDBOXES", "module"]

KEY = "bills"

SANDBOXES: dict[str, Callable[[Path, str], web.Application]] = {
    "billers": billers_app,
    "bank": bank_app,
}


def module(context: ServiceContext) -> ServiceModule:
    """The bills tile and its screen, paying through the shared payment service."""
    register()

    def make_screen(kiosk: Any) -> Any:
        from services.bills.screens import BillsScreen

        return BillsScreen(kiosk, context)

    return ServiceModule(
        key=KEY,
        title="bills.title",
        make_screen=make_screen,
        keywords=(
            "hóa đơn", "tiền điện", "tiền nước", "internet", "học phí", "phí chung cư",
            "thanh toán", "VietQR", "EVN",
        ),
    )  # fmt: skip
