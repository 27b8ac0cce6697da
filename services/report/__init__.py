"""Module 3, report a public-order problem to the ward police, and read their answer.

The resident picks a category, types a description on the on-screen keyboard
(Telex), adds up to three photos from the cabin camera, and sends it anonymously or
with the name and CCCD number read from their card (with their agreement). The
station is the location. A tracking code comes back; the same screen looks up the
police's answer by that code. The outside system is ``[services.police]``
(:mod:`services.report.police`: the contract, the adapter and the sandbox).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from cabin.config import ProviderConfig
from services.registry import ServiceContext, ServiceModule
from services.report import strings  # noqa: F401 - the sentences
from services.report.model import (
    MAX_PHOTOS,
    Category,
    Report,
    Reporter,
    ReportInputError,
    ReportStatus,
    check_description,
    check_phone,
    new_tracking_code,
    normalise_tracking_code,
)
from services.report.police import PROVIDER, PoliceDesk, police_sandbox

__all__ = [
    "Category",
    "MAX_PHOTOS",
    "PROVIDER",
    "PoliceDesk",
    "Report",
    "ReportInputError",
    "ReportStatus",
    "Reporter",
    "SANDBOXES",
    "check_description",
    "check_phone",
    "module",
    "new_tracking_code",
    "normalise_tracking_code",
    "police_sandbox",
]

SANDBOXES: dict[str, Callable[[Path, str], web.Application]] = {PROVIDER: police_sandbox}


def module(context: ServiceContext) -> ServiceModule:
    """The report tile for ``context`` (its provider: ``[services.police]``)."""
    desk = PoliceDesk(context.providers.get(PROVIDER, ProviderConfig()))

    def make_screen(kiosk: Any) -> Any:
        from services.report.screen import ReportScreen

        return ReportScreen(kiosk, desk, context.station_id)

    return ServiceModule(
        key="report",
        title="report.tile",
        make_screen=make_screen,
        keywords=("phản ánh", "công an", "an ninh", "trật tự", "ồn", "trộm", "đánh nhau"),
    )
