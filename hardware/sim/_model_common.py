"""Small pieces the signal models share: argument checks, time ranges, seeds, frozen arrays."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = ["Interval", "Seed", "as_intervals", "freeze_arrays", "require"]

#: A time range (start, end) in s.
Interval = tuple[float, float]
#: An int or a ``numpy.random.Generator`` for repeatable output, or None for fresh entropy.
Seed = int | np.random.Generator | None


def require(ok: bool, message: str) -> None:
    """Raise ``ValueError(message)`` unless ``ok``."""
    if not ok:
        raise ValueError(message)


def as_intervals(value: Sequence[Interval], name: str) -> tuple[Interval, ...]:
    """Time ranges (s) as a tuple of float pairs, each checked for 0 <= start < end."""
    out = tuple((float(s), float(e)) for s, e in value)
    require(all(0 <= s < e for s, e in out), f"{name}: each range needs 0 <= start < end (s)")
    return out


def freeze_arrays(record: DataclassInstance) -> None:
    """Make every numpy array field of a dataclass read-only."""
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
