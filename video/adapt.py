"""The cabin camera's format chosen from the link: size and frame rate by bitrate, with hysteresis.

aiortc sets the VP8 encoder's target bitrate from the doctor's REMB (250 kbit/s
to 1.5 Mbit/s). Sending 1280x720 at 30 fps into 300 kbit/s gives mush, so the
camera steps down a ladder of formats (:data:`LADDER`) when the target is low
and back up when it recovers. Each rung has two thresholds: the bitrate below
which it is left (``leave_below``) and the higher one above which it is
entered from the rung beneath (``enter_above``); between them nothing changes.
Going up also waits for the bitrate to stay high for ``up_hold`` seconds, and
going down for ``down_hold`` seconds, so one odd report does not flip it.

:func:`choose_rung` is the pure decision; :class:`LinkAdapter` adds the time holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["LADDER", "LinkAdapter", "Rung", "choose_rung", "ladder_for"]


@dataclass(frozen=True, slots=True)
class Rung:
    """One camera format and the bitrates (bit/s) that bound it."""

    width: int
    height: int
    fps: float
    enter_above: int
    leave_below: int

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0 or self.fps <= 0:
            raise ValueError(f"bad format {self.width}x{self.height} at {self.fps} fps")
        if self.leave_below > self.enter_above:
            raise ValueError("leave_below must not exceed enter_above")


LADDER: tuple[Rung, ...] = (
    Rung(1280, 720, 30.0, enter_above=1_300_000, leave_below=1_000_000),
    Rung(640, 480, 30.0, enter_above=600_000, leave_below=380_000),
    Rung(640, 480, 15.0, enter_above=330_000, leave_below=270_000),
    Rung(320, 240, 15.0, enter_above=0, leave_below=0),
)
"""Best first. The last rung is never left.

aiortc starts the encoder at 500 kbit/s and keeps its target within 250 kbit/s to
1.5 Mbit/s, and Chromium's REMB climbs slowly from where the sender is, so the
thresholds sit inside that range: 640x480 at 30 fps holds from 380 kbit/s (a
resident sitting still is sharp at 400-500 kbit/s in VP8; the benchmark showed
the start-up 500 kbit/s dropping a higher threshold to 15 fps within 3 s)."""


def ladder_for(width: int, height: int, fps: float, ladder: Sequence[Rung] = LADDER) -> list[Rung]:
    """The rungs no bigger and no faster than a camera's own format, best first.

    The camera's format itself heads the list (with the thresholds of the first
    rung it does not exceed), so a 640x480 camera at 15 fps never asks for more.
    """
    fitting = [r for r in ladder if r.width * r.height <= width * height and r.fps <= fps]
    if not fitting:
        return [Rung(width, height, fps, enter_above=0, leave_below=0)]
    top = fitting[0]
    if (top.width, top.height, top.fps) != (width, height, fps):
        fitting[0] = Rung(width, height, fps, top.enter_above, top.leave_below)
    last = fitting[-1]
    fitting[-1] = Rung(last.width, last.height, last.fps, last.enter_above, leave_below=0)
    return fitting


def choose_rung(ladder: Sequence[Rung], current: int, bitrate: int) -> int:
    """The rung index for ``bitrate`` starting from ``current``: at most one step either way."""
    if not 0 <= current < len(ladder):
        raise ValueError(f"rung {current} is not on a ladder of {len(ladder)}")
    if bitrate < ladder[current].leave_below and current + 1 < len(ladder):
        return current + 1
    if current > 0 and bitrate >= ladder[current - 1].enter_above:
        return current - 1
    return current


class LinkAdapter:
    """:func:`choose_rung` plus time holds: feed it bitrates, it says when to change.

    Args:
        ladder: the rungs, best first (see :func:`ladder_for`).
        start: the index to start at (0: the best).
        up_hold: seconds a higher rung must stay justified before stepping up.
        down_hold: the same for stepping down.
    """

    def __init__(
        self,
        ladder: Sequence[Rung],
        *,
        start: int = 0,
        up_hold: float = 4.0,
        down_hold: float = 1.0,
    ) -> None:
        if not ladder:
            raise ValueError("an empty ladder")
        self.ladder = list(ladder)
        self.index = start
        self.up_hold = up_hold
        self.down_hold = down_hold
        self._wanted: int | None = None
        self._since = 0.0

    @property
    def rung(self) -> Rung:
        return self.ladder[self.index]

    def update(self, bitrate: int, now: float) -> Rung | None:
        """Note the current target bitrate; return the new rung when it changes."""
        wanted = choose_rung(self.ladder, self.index, bitrate)
        if wanted == self.index:
            self._wanted = None
            return None
        if wanted != self._wanted:
            self._wanted = wanted
            self._since = now
        hold = self.up_hold if wanted < self.index else self.down_hold
        if now - self._since < hold:
            return None
        self.index = wanted
        self._wanted = None
        return self.rung
