"""Module 2: follow a dossier's progress, by its code or by the resident's CCCD.

It asks the same public-service portal as :mod:`services.dossier` (provider ``dvc``,
whose sandbox that package declares) and tells the national state in words, the
history of changes and what to do next.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from services.progress import strings as _strings  # noqa: F401 - the catalogue entries
from services.registry import ServiceContext, ServiceModule

__all__ = ["SANDBOXES", "module"]

SANDBOXES: dict[str, Callable[[Path, str], web.Application]] = {}
"""None of its own: the ``dvc`` portal's sandbox comes with :mod:`services.dossier`."""


def module(context: ServiceContext) -> ServiceModule:
    """The look-up tile: its screen asks ``context.providers["dvc"]``."""

    def make_screen(kiosk: Any) -> Any:
        from services.progress.screens import ProgressScreen

        return ProgressScreen(kiosk, context)

    return ServiceModule(
        key="progress",
        title="progress.title",
        make_screen=make_screen,
        keywords=("tra cứu", "tiến độ", "mã hồ sơ", "trạng thái"),
    )
