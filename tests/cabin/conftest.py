"""Fixtures the cabin tests share: a station's store, and the video tests' ICE on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cabin.store import Store, generate_key
from tests.video.conftest import loopback_ice

__all__ = ["loopback_ice", "store"]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh station store (``station.db`` under ``tmp_path``) with a new key."""
    with Store.open(tmp_path / "station.db", key=generate_key()) as opened:
        yield opened
