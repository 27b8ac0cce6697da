"""Fixtures the cabin tests share: the video tests' ICE on loopback, for the consult calls."""

from __future__ import annotations

from tests.video.conftest import loopback_ice

__all__ = ["loopback_ice"]
