"""Module 7, city information: a searchable catalogue of public places from a data file.

Hospitals, schools, ward offices, metro stations and sights, with address, phone and
opening hours. The operator updates the list by placing a ``places.json`` in
``<data_dir>/cityinfo/`` (see :mod:`services.cityinfo.catalogue` for the format and
the order in which files are looked for). No outside system: no sandbox.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from services.cityinfo import strings  # noqa: F401 - the sentences
from services.cityinfo.catalogue import (
    BUILT_IN,
    CatalogueError,
    Kind,
    Place,
    fold,
    load_places,
    places_file,
    search,
)
from services.registry import ServiceContext, ServiceModule

__all__ = [
    "BUILT_IN",
    "CatalogueError",
    "Kind",
    "Place",
    "SANDBOXES",
    "fold",
    "load_places",
    "module",
    "places_file",
    "search",
]

SANDBOXES: dict[str, Callable[[Path, str], web.Application]] = {}


def module(context: ServiceContext) -> ServiceModule:
    """The city-information tile for ``context``."""

    def path() -> Path:
        return places_file(context.data_dir, context.extra.get("cityinfo_places"))

    def make_screen(kiosk: Any) -> Any:
        from services.cityinfo.screen import CityInfoScreen

        return CityInfoScreen(kiosk, path)

    return ServiceModule(
        key="cityinfo",
        title="cityinfo.tile",
        make_screen=make_screen,
        keywords=("bệnh viện", "trường học", "phường", "metro", "địa chỉ", "du lịch", "thông tin"),
    )
