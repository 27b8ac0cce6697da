"""Module 1: file an administrative dossier at the kiosk (provider ``dvc``).

Three procedures (:mod:`services.dossier.procedures`) with forms filled from the
citizen card, documents photographed and straightened (:mod:`services.docscan`), a
signature, the fee, and the national dossier code (:mod:`services.dossier.codes`)
from the public-service portal (:mod:`services.dossier.client`; its sandbox is
:mod:`services.dossier.sandbox`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from services.dossier import strings as _strings  # noqa: F401 - the catalogue entries
from services.dossier.client import Dossier, DvcClient, Submitted
from services.dossier.codes import (
    TERMINAL,
    DossierCode,
    DossierState,
    parse_dossier_code,
)
from services.dossier.fees import FeePayer, PaymentFees, PendingFee
from services.dossier.procedures import PROCEDURES, Applicant, Category, Fee, fee_for, validate
from services.dossier.sandbox import dvc_app
from services.registry import ServiceContext, ServiceModule

__all__ = [
    "PROCEDURES",
    "SANDBOXES",
    "TERMINAL",
    "Applicant",
    "Category",
    "Dossier",
    "DossierCode",
    "DossierState",
    "DvcClient",
    "Fee",
    "FeePayer",
    "PaymentFees",
    "PendingFee",
    "Submitted",
    "fee_for",
    "module",
    "parse_dossier_code",
    "validate",
]

SANDBOXES: dict[str, Callable[[Path, str], web.Application]] = {"dvc": dvc_app}


def module(context: ServiceContext) -> ServiceModule:
    """The dossier tile: its screen talks to ``context.providers["dvc"]``."""

    def make_screen(kiosk: Any) -> Any:
        from services.dossier.screens import DossierScreen

        return DossierScreen(kiosk, context)

    return ServiceModule(
        key="dossier",
        title="dossier.title",
        make_screen=make_screen,
        keywords=("hồ sơ", "tạm trú", "lý lịch tư pháp", "khai sinh", "thủ tục"),
    )
