"""Fixtures of the BLE tests that run on bumble's virtual air."""

from __future__ import annotations

import pytest

from hardware.ble.bumble_backend import VirtualAir


@pytest.fixture
async def air():
    async with VirtualAir() as air:
        yield air
