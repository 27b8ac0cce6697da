"""Fixtures the services tests share."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from cabin.ui.app import kiosk_loop
from cabin.ui.theme import apply_theme


@pytest.fixture
def run(qapp) -> Callable[[Coroutine[Any, Any, None]], None]:
    """Run a coroutine on a fresh kiosk loop, as the kiosk process does."""
    apply_theme(qapp)

    def runner(coro: Coroutine[Any, Any, None]) -> None:
        with asyncio.Runner(loop_factory=lambda: kiosk_loop(qapp)) as loop:
            loop.run(coro)

    return runner
