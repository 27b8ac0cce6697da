"""The guide ("AI hướng dẫn"): questions answered from the local procedures catalogue.

A resident types or taps a question; :class:`GuideSearch` ranks the catalogue
(``procedures.json``) by meaning with multilingual-e5-small when the ``guide``
extra is installed, by keywords otherwise, and the help screen shows the three
best answers, reads them aloud, and opens the screen that does it.

The guide talks to no outside system: :data:`SANDBOXES` is empty.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from services.guide import strings as _strings  # noqa: F401  (adds the guide's sentences)
from services.guide.catalogue import (
    DEFAULT_CATALOGUE,
    Catalogue,
    CatalogueError,
    Procedure,
    load_catalogue,
)
from services.guide.search import GuideSearch, Hit, KeywordIndex, SemanticIndex, fold, load_embedder
from services.registry import ServiceContext, ServiceModule

__all__ = [
    "DEFAULT_CATALOGUE",
    "SANDBOXES",
    "Catalogue",
    "CatalogueError",
    "GuideSearch",
    "Hit",
    "KeywordIndex",
    "Procedure",
    "SemanticIndex",
    "fold",
    "load_catalogue",
    "load_embedder",
    "make_search",
    "module",
]

SANDBOXES: dict[str, Callable[[Path, str], web.Application]] = {}


def make_search(
    catalogue_path: Path = DEFAULT_CATALOGUE, *, semantic: bool = True
) -> Callable[[], GuideSearch]:
    """A function that builds the search once (loading the model, embedding the catalogue)
    and returns the same one after; safe to call from a worker thread."""
    lock = threading.Lock()
    built: list[GuideSearch] = []

    def build() -> GuideSearch:
        with lock:
            if not built:
                model = load_embedder() if semantic else None
                built.append(GuideSearch(load_catalogue(catalogue_path), model))
            return built[0]

    return build


def module(context: ServiceContext) -> ServiceModule:
    """The guide's tile. ``context.extra["guide_catalogue"]`` may name the operator's
    catalogue file; ``context.extra["guide_semantic"] = False`` keeps to keywords."""
    path = Path(context.extra.get("guide_catalogue", DEFAULT_CATALOGUE))
    search = make_search(path, semantic=bool(context.extra.get("guide_semantic", True)))

    def make_screen(kiosk: Any) -> Any:
        from services.guide.screen import GuideScreen  # Qt only when the kiosk asks

        return GuideScreen(kiosk, search)

    return ServiceModule(
        key="guide",
        title="guide.tile",
        make_screen=make_screen,
        keywords=("hỏi", "hướng dẫn", "giúp", "trợ giúp", "help"),
    )
