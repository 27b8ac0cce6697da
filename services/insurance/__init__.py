"""Module 6, health and social insurance: household BHYT sign-up or renewal, BHXH history.

A family member is found by their BHYT card's QR, or by the BHXH number or card code
typed once (:mod:`services.insurance.card`: the code's structure and the QR's
fields); the household contribution is computed by the rule in
:mod:`services.insurance.bhxh`, which also holds the HTTP contract, the adapter and
the sandbox of ``[services.bhxh]``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from cabin.config import ProviderConfig
from services.insurance import strings  # noqa: F401 - the sentences
from services.insurance.bhxh import (
    BASE_SALARY,
    PROVIDER,
    Contribution,
    Enrolment,
    Member,
    SocialSecurity,
    bhxh_sandbox,
    household_fee,
)
from services.insurance.card import (
    GROUPS,
    BhytCard,
    BhytCode,
    InsuranceInputError,
    check_bhxh_number,
    parse_bhyt_code,
    parse_bhyt_qr,
)
from services.registry import ServiceContext, ServiceModule

__all__ = [
    "BASE_SALARY",
    "BhytCard",
    "BhytCode",
    "Contribution",
    "Enrolment",
    "GROUPS",
    "InsuranceInputError",
    "Member",
    "PROVIDER",
    "SANDBOXES",
    "SocialSecurity",
    "bhxh_sandbox",
    "check_bhxh_number",
    "household_fee",
    "module",
    "parse_bhyt_code",
    "parse_bhyt_qr",
]

SANDBOXES: dict[str, Callable[[Path, str], web.Application]] = {PROVIDER: bhxh_sandbox}


def module(context: ServiceContext) -> ServiceModule:
    """The insurance tile for ``context`` (its provider: ``[services.bhxh]``)."""
    bhxh = SocialSecurity(context.providers.get(PROVIDER, ProviderConfig()))

    def make_screen(kiosk: Any) -> Any:
        from services.insurance.screen import InsuranceScreen

        return InsuranceScreen(kiosk, bhxh, context.station_id)

    return ServiceModule(
        key="insurance",
        title="insurance.tile",
        make_screen=make_screen,
        keywords=("bảo hiểm", "BHYT", "BHXH", "thẻ bảo hiểm", "gia hạn", "y tế"),
    )
