"""The kiosk's public-services slot: each module registers a screen and what it needs.

A module package (``services.dossier``, ``services.bills``...) defines a function
``module(context: ServiceContext) -> ServiceModule``; :func:`load_modules` imports
those listed in :data:`MODULE_PACKAGES`, in that order, and the kiosk shows a tile
for each on its "Dịch vụ công" screen. A module's screen is a
:class:`cabin.ui.screen.Screen` made by ``make_screen(kiosk)``.

No Qt at import time here: the screens are made only when the kiosk asks.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cabin.config import ProviderConfig

if TYPE_CHECKING:
    from cabin.store import Store

__all__ = ["MODULE_PACKAGES", "ServiceContext", "ServiceModule", "load_modules"]

_log = logging.getLogger(__name__)

MODULE_PACKAGES: tuple[str, ...] = (
    "services.dossier",
    "services.progress",
    "services.report",
    "services.bills",
    "services.insurance",
    "services.cityinfo",
    "services.guide",
)
"""The modules, in the order their tiles appear (SOS has its own button on Home)."""


@dataclass(frozen=True)
class ServiceContext:
    """What a module may use: the store, its providers, the station, where to keep files.

    Attributes:
        store: the open store (the ledger, the audit log).
        providers: ``[services.<name>]`` by name, each with its base URL filled in
            (a sandbox's when the configuration left it empty).
        station_id: this station.
        data_dir: the station's data folder (captured documents, receipts).
        printer: the receipt printer's device file, if any.
    """

    store: Store | None
    providers: Mapping[str, ProviderConfig]
    station_id: str
    data_dir: Path
    printer: Path | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ServiceModule:
    """One tile of the public-services screen.

    Attributes:
        key: the module's screen name (``kiosk.go(key)``), e.g. ``"bills"``.
        title: the catalogue key of the tile's text.
        make_screen: builds the module's screen for a kiosk (called once).
        keywords: words a resident might use for it (the guide's keyword fallback).
    """

    key: str
    title: str
    make_screen: Callable[[Any], Any]
    keywords: tuple[str, ...] = ()


def load_modules(
    context: ServiceContext, packages: tuple[str, ...] = MODULE_PACKAGES
) -> list[ServiceModule]:
    """Each listed package's module for ``context``.

    A package that is absent is skipped quietly; one whose ``module()`` fails is
    skipped with the error logged.
    """
    modules = []
    for name in packages:
        try:
            package = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            _log.info("services: %s is not installed", name)
            continue
        try:
            modules.append(package.module(context))
        except Exception:
            # One broken module (a provider left unconfigured, a bad data file) must
            # not keep the kiosk from starting: its tile is left out and the log says so.
            _log.exception("services: %s could not be loaded", name)
    return modules
