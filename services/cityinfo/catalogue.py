"""The city's catalogue of places: loading the operator's data file and searching it.

The file is JSON (``places.json``)::

    {"version": 1, "places": [
        {"kind": "hospital", "name": "...", "address": "...", "phone": "028 ...",
         "hours": "..."}, ...]}

``kind`` is one of :class:`Kind`; ``phone`` and ``hours`` may be empty. The station
uses, first found: ``context.extra["cityinfo_places"]`` (a path), then
``<data_dir>/cityinfo/places.json`` (where the operator drops an updated file; it is
read each time the screen opens), then the copy shipped in this package.

Search ignores case and diacritics ("benh vien" finds "Bệnh viện", "d" finds "đ"):
every word of the query must appear in the place's name, address or kind.
"""

from __future__ import annotations

import enum
import json
import logging
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "BUILT_IN",
    "CatalogueError",
    "Kind",
    "Place",
    "fold",
    "load_places",
    "places_file",
    "search",
]

_log = logging.getLogger(__name__)

BUILT_IN = Path(__file__).with_name("places.json")
_MAX_PLACES = 5000
_MAX_FIELD = 300


class CatalogueError(ValueError):
    """The data file cannot be used; ``reason`` says why (never its content)."""

    def __init__(self, reason: str, index: int | None = None) -> None:
        where = "" if index is None else f" (entry {index})"
        super().__init__(f"places file: {reason}{where}")
        self.reason = reason
        self.index = index


class Kind(enum.Enum):
    """What a place is."""

    HOSPITAL = "hospital"
    SCHOOL = "school"
    WARD = "ward"
    METRO = "metro"
    TOURIST = "tourist"


# Words a resident may search a kind by (folded).
_KIND_WORDS = {
    Kind.HOSPITAL: "benh vien y te hospital",
    Kind.SCHOOL: "truong hoc school",
    Kind.WARD: "uy ban phuong ubnd ward office",
    Kind.METRO: "ga metro tau dien station",
    Kind.TOURIST: "du lich tham quan tourist",
}


@dataclass(frozen=True, slots=True)
class Place:
    """One entry of the catalogue (public information only)."""

    kind: Kind
    name: str
    address: str
    phone: str = ""
    hours: str = ""

    @property
    def folded(self) -> str:
        return fold(f"{self.name} {self.address} {_KIND_WORDS[self.kind]}")


def fold(text: str) -> str:
    """Lower case, without diacritics, đ as d, spaces squeezed: for matching only."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.split())


def _text(entry: dict[str, object], key: str, index: int, *, required: bool) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str) or len(value) > _MAX_FIELD:
        raise CatalogueError(f"bad {key}", index)
    value = unicodedata.normalize("NFC", value.strip())
    if required and not value:
        raise CatalogueError(f"missing {key}", index)
    return value


def load_places(path: Path) -> list[Place]:
    """Read a places file.

    Raises:
        CatalogueError: it is not JSON, or an entry lacks a name, address or known kind.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CatalogueError("unreadable") from exc
    entries = data.get("places") if isinstance(data, dict) else None
    if not isinstance(entries, list) or len(entries) > _MAX_PLACES:
        raise CatalogueError("no list of places")
    places = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise CatalogueError("not an object", index)
        try:
            kind = Kind(entry.get("kind"))
        except ValueError:
            raise CatalogueError("unknown kind", index) from None
        places.append(
            Place(
                kind,
                _text(entry, "name", index, required=True),
                _text(entry, "address", index, required=True),
                _text(entry, "phone", index, required=False),
                _text(entry, "hours", index, required=False),
            )
        )
    return places


def places_file(data_dir: Path | None, override: object = None) -> Path:
    """The file to read: ``override``, else the operator's copy in ``data_dir``, else ours."""
    if override:
        return Path(str(override))
    if data_dir is not None:
        local = data_dir / "cityinfo" / "places.json"
        if local.is_file():
            return local
    return BUILT_IN


def search(places: Iterable[Place], query: str, kind: Kind | None = None) -> list[Place]:
    """The places of ``kind`` (any if None) matching every word of ``query``, best first.

    A place whose name holds the words comes before one where only the address does;
    then alphabetical order (folded).
    """
    words: Sequence[str] = fold(query).split()
    found = []
    for place in places:
        if kind is not None and place.kind is not kind:
            continue
        haystack = place.folded
        if all(word in haystack for word in words):
            name = fold(place.name)
            in_name = sum(word in name for word in words)
            found.append((-in_name, fold(place.name), place))
    found.sort(key=lambda item: (item[0], item[1]))
    return [place for _, _, place in found]
