"""The procedures catalogue: common questions at the station and their plain answers.

The catalogue is a JSON file (``procedures.json`` beside this module by default) the
operator may edit: each entry has a title and an answer in Vietnamese and English,
the kiosk screen it leads to, a few ways a resident might ask, and keywords.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_CATALOGUE", "Catalogue", "CatalogueError", "Procedure", "load_catalogue"]

DEFAULT_CATALOGUE = Path(__file__).with_name("procedures.json")


class CatalogueError(ValueError):
    """The catalogue file is missing, not JSON, or an entry lacks a field."""


@dataclass(frozen=True)
class Procedure:
    """One question the guide can answer.

    Attributes:
        id: a stable name (``"temporary_residence"``).
        screen: the kiosk screen it leads to (a module key, ``"health"``, ``"sos"``...),
            or None when the answer is all there is.
        title: the short heading, by language.
        answer: the answer in plain words, by language.
        phrasings: ways a resident might ask (Vietnamese).
        keywords: words that point to it.
    """

    id: str
    screen: str | None
    title: Mapping[str, str]
    answer: Mapping[str, str]
    phrasings: tuple[str, ...]
    keywords: tuple[str, ...]

    def text(self, field: str, lang: str) -> str:
        """The title or answer in ``lang``, Vietnamese when that language is missing."""
        values = self.title if field == "title" else self.answer
        return values.get(lang) or values["vi"]


@dataclass(frozen=True)
class Catalogue:
    """The loaded catalogue and the digest of the file it came from (for caches)."""

    procedures: tuple[Procedure, ...]
    digest: str
    path: Path | None = None

    def __len__(self) -> int:
        return len(self.procedures)

    def by_id(self, procedure_id: str) -> Procedure:
        for procedure in self.procedures:
            if procedure.id == procedure_id:
                return procedure
        raise KeyError(procedure_id)


def _entry(raw: Mapping[str, object]) -> Procedure:
    try:
        title = raw["title"]
        answer = raw["answer"]
        if not isinstance(title, dict) or not isinstance(answer, dict):
            raise CatalogueError(f"entry {raw.get('id')!r}: title and answer are by language")
        if "vi" not in title or "vi" not in answer:
            raise CatalogueError(f"entry {raw.get('id')!r}: no Vietnamese text")
        screen = raw.get("screen")
        phrasings = raw.get("phrasings", [])
        keywords = raw.get("keywords", [])
        if not isinstance(phrasings, list) or not isinstance(keywords, list):
            raise CatalogueError(f"entry {raw.get('id')!r}: phrasings and keywords are lists")
        return Procedure(
            id=str(raw["id"]),
            screen=None if screen is None else str(screen),
            title={str(k): str(v) for k, v in title.items()},
            answer={str(k): str(v) for k, v in answer.items()},
            phrasings=tuple(str(p) for p in phrasings),
            keywords=tuple(str(k) for k in keywords),
        )
    except KeyError as exc:
        raise CatalogueError(f"entry {raw.get('id')!r} has no {exc.args[0]!r}") from exc


def load_catalogue(path: Path = DEFAULT_CATALOGUE) -> Catalogue:
    """Read the catalogue file.

    Raises:
        CatalogueError: the file cannot be read or an entry is incomplete.
    """
    try:
        data = path.read_bytes()
        parsed = json.loads(data)
    except (OSError, ValueError) as exc:
        raise CatalogueError(f"cannot read the catalogue {path.name}: {exc}") from exc
    entries = parsed.get("procedures") if isinstance(parsed, dict) else None
    if not isinstance(entries, list) or not entries:
        raise CatalogueError(f"{path.name} lists no procedures")
    procedures = tuple(_entry(raw) for raw in entries)
    ids = [p.id for p in procedures]
    if len(set(ids)) != len(ids):
        raise CatalogueError(f"{path.name} repeats an id")
    return Catalogue(procedures, hashlib.sha256(data).hexdigest(), path)
