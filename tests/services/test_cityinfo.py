"""The city catalogue: the shipped data file, the operator's copy, diacritic-blind search."""

from __future__ import annotations

import json

import pytest

from services.cityinfo import (
    BUILT_IN,
    SANDBOXES,
    CatalogueError,
    Kind,
    fold,
    load_places,
    module,
    places_file,
    search,
)
from services.registry import ServiceContext


@pytest.fixture(scope="module")
def places():
    return load_places(BUILT_IN)


def test_the_shipped_catalogue_covers_every_kind(places):
    assert len(places) >= 40
    for kind in Kind:
        assert sum(place.kind is kind for place in places) >= 5
    for place in places:
        assert place.name
        assert "TP. Hồ Chí Minh" in place.address


def test_fold_drops_case_and_diacritics():
    assert fold("Bệnh viện Chợ Rẫy") == "benh vien cho ray"
    assert fold("ĐẠI HỌC  Đà") == "dai hoc da"
    assert fold("Thủ Đức") == fold("thu duc")


def test_search_ignores_diacritics_and_case(places):
    found = search(places, "benh vien")
    assert found
    assert all(place.kind is Kind.HOSPITAL for place in found)
    assert search(places, "CHO RAY")[0].name == "Bệnh viện Chợ Rẫy"
    assert search(places, "Chợ Rẫy") == search(places, "cho ray")


def test_every_word_must_match(places):
    found = search(places, "nhi dong 2")
    assert [place.name for place in found] == ["Bệnh viện Nhi Đồng 2"]
    assert search(places, "nhi dong hanoi") == []


def test_search_by_kind_and_by_the_kinds_own_words(places):
    metro = search(places, "", Kind.METRO)
    assert len(metro) >= 5
    assert all(place.kind is Kind.METRO for place in metro)
    assert {place.name for place in search(places, "ga")} >= {place.name for place in metro}
    assert search(places, "cho ray", Kind.SCHOOL) == []
    assert len(search(places, "")) == len(places)


def test_a_match_in_the_name_comes_before_one_in_the_address(places):
    found = search(places, "ben thanh")
    assert found[0].name.startswith(("Ga Bến Thành", "Chợ Bến Thành"))
    named = [i for i, place in enumerate(found) if "ben thanh" in fold(place.name)]
    assert named == list(range(len(named)))


def test_the_operators_copy_in_the_data_folder_wins(tmp_path):
    assert places_file(tmp_path) == BUILT_IN
    local = tmp_path / "cityinfo" / "places.json"
    local.parent.mkdir()
    local.write_text(
        json.dumps(
            {
                "version": 1,
                "places": [
                    {"kind": "ward", "name": "UBND Phường Thử", "address": "1 Đường Mẫu"},
                ],
            }
        ),
        encoding="utf-8",
    )
    assert places_file(tmp_path) == local
    assert [place.name for place in load_places(local)] == ["UBND Phường Thử"]
    assert places_file(tmp_path, tmp_path / "other.json") == tmp_path / "other.json"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("not json", "unreadable"),
        ('{"places": {}}', "no list of places"),
        ('{"places": [1]}', "not an object"),
        ('{"places": [{"kind": "zoo", "name": "x", "address": "y"}]}', "unknown kind"),
        ('{"places": [{"kind": "metro", "name": "", "address": "y"}]}', "missing name"),
        ('{"places": [{"kind": "metro", "name": "x", "address": 5}]}', "bad address"),
    ],
)
def test_a_broken_file_is_refused_with_a_reason(tmp_path, content, reason):
    path = tmp_path / "places.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_places(path)
    assert caught.value.reason == reason


def test_the_module_registers_without_a_sandbox(tmp_path):
    entry = module(ServiceContext(None, {}, "station-test", tmp_path))
    assert entry.key == "cityinfo"
    assert SANDBOXES == {}
