"""The consult's ``live`` data channel: waveforms and current values, paced.

``live`` is unordered and lossy: waveform samples (:func:`waveform_messages`) and
current values (:func:`values_message`). A large message on a data channel delays
the small ones behind it, so every ``live`` message is at most :data:`LIVE_MAX_BYTES`
of UTF-8 JSON, and :class:`LivePacer` sends at most a few per second per signal,
dropping the oldest rather than building a backlog on a slow link.

Wave message::

    {"t":"wave","k":"ecg_ii","fs":500.0,"f":0.001,"seq":1200,"d":[12,-40,null,...]}

``d`` holds the samples as integers in units of ``f`` (sample = ``d[i] * f`` in the
chunk's unit; ``null`` for a non-finite sample); ``seq`` is the stream index of
``d[0]``, so a receiver places samples and sees a gap as
``next.seq - (prev.seq + len(prev.d))``.

Values message::

    {"t":"values","v":{"spo2":97.0,"pulse_rate":72.0},"u":{"spo2":"%","pulse_rate":"/min"}}
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from hardware.events import SignalKind, WaveformChunk
from video.strict_json import (
    SHORT_CODE,
    ChannelMessageError,
    dumps,
    integer,
    load_message,
    number,
    require_keys,
    text_field,
    unit_field,
    values_field,
)

__all__ = [
    "LIVE_MAX_BYTES",
    "RESOLUTION",
    "LivePacer",
    "ValuesMessage",
    "WaveMessage",
    "parse_live",
    "values_message",
    "wave_gap",
    "waveform_messages",
]

LIVE_MAX_BYTES = 1000
"""Largest ``live`` message, in bytes of UTF-8 JSON."""

RESOLUTION: Mapping[SignalKind, float] = MappingProxyType(
    {
        SignalKind.ECG_I: 0.001,  # mV -> integer µV
        SignalKind.ECG_II: 0.001,  # mV -> integer µV
        SignalKind.PLETH: 1.0,  # device units, already integers
        SignalKind.PPG_RED: 1.0,  # raw photodiode counts
        SignalKind.PPG_IR: 1.0,  # raw photodiode counts
        SignalKind.CUFF_PRESSURE: 0.01,  # mm[Hg] -> integer 0.01 mm[Hg]
    }
)
"""Quantum of each signal on the wire, in the chunk's unit: sample = integer * factor."""


def _quantise(samples: NDArray[np.float64], factor: float) -> list[int | None]:
    out: list[int | None] = []
    for x in (samples / factor).tolist():
        out.append(round(x) if np.isfinite(x) else None)
    return out


def waveform_messages(chunk: WaveformChunk, *, max_bytes: int = LIVE_MAX_BYTES) -> list[str]:
    """Split a chunk into ``wave`` messages, each at most ``max_bytes`` of UTF-8 JSON.

    Samples are quantised to integers at :data:`RESOLUTION` for the chunk's kind;
    each piece's ``seq`` is ``chunk.seq`` plus its offset in the chunk. An empty
    chunk gives no message.

    Raises:
        ValueError: ``max_bytes`` is too small for even one sample.
    """
    factor = RESOLUTION[chunk.kind]
    values = _quantise(chunk.samples, factor)
    head = f'{{"t":"wave","k":{dumps(str(chunk.kind))},"fs":{dumps(float(chunk.fs))},'
    head += f'"f":{dumps(factor)},"seq":'
    messages: list[str] = []
    i = 0
    while i < len(values):
        prefix = f'{head}{chunk.seq + i},"d":['
        size = len(prefix.encode()) + 2  # "]}"
        j = i
        while j < len(values):
            item = len("null" if values[j] is None else str(values[j])) + (1 if j > i else 0)
            if size + item > max_bytes:
                break
            size += item
            j += 1
        if j == i:
            raise ValueError(f"max_bytes={max_bytes} is too small for one sample")
        body = ",".join("null" if v is None else str(v) for v in values[i:j])
        messages.append(f"{prefix}{body}]}}")
        i = j
    return messages


@dataclass(frozen=True, slots=True, eq=False)
class WaveMessage:
    """A received ``wave`` message: ``samples`` (float64, NaN for null) from ``seq`` on."""

    kind: SignalKind
    fs: float
    factor: float
    seq: int
    samples: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.samples.shape[0])

    @property
    def end_seq(self) -> int:
        """Stream index just after the last sample."""
        return self.seq + len(self)


def wave_gap(prev: WaveMessage, nxt: WaveMessage) -> int:
    """Samples lost between two messages of one stream (negative: overlap or reordering)."""
    return nxt.seq - prev.end_seq


@dataclass(frozen=True, slots=True)
class ValuesMessage:
    """A received ``values`` message: current values and the unit of each."""

    values: Mapping[str, float]
    units: Mapping[str, str]


def values_message(
    values: Mapping[str, float],
    units: Mapping[str, str] | str,
    *,
    max_bytes: int = LIVE_MAX_BYTES,
) -> str:
    """The ``values`` message for current values; ``units`` is one unit for all or one each.

    Raises:
        ValueError: a name is not a short code, a value is not finite, a unit is
            missing, or the message would exceed ``max_bytes``.
    """
    v: dict[str, float] = {}
    u: dict[str, str] = {}
    for name, value in values.items():
        if not SHORT_CODE.fullmatch(name):
            raise ValueError(f"value name {name!r} is not a short code")
        x = float(value)
        if not np.isfinite(x):
            raise ValueError(f"value {name} is not finite")
        unit = units if isinstance(units, str) else units.get(name)
        if unit is None:
            raise ValueError(f"no unit for value {name}")
        v[name] = x
        u[name] = unit
    text = dumps({"t": "values", "v": v, "u": u})
    if len(text.encode()) > max_bytes:
        raise ValueError(f"values message is {len(text.encode())} bytes, over {max_bytes}")
    return text


def parse_live(text: str | bytes) -> WaveMessage | ValuesMessage:
    """Read a ``live`` message.

    Raises:
        ChannelMessageError: it is not a ``wave`` or ``values`` message as sent here.
    """
    obj = load_message(text, 4 * LIVE_MAX_BYTES)
    if obj["t"] == "wave":
        require_keys(obj, ("k", "fs", "f", "seq", "d"))
        k = text_field(obj, "k")
        try:
            kind = SignalKind(k)
        except ValueError:
            raise ChannelMessageError(f"unknown signal {k[:40]!r}") from None
        fs = number(obj["fs"], "fs")
        factor = number(obj["f"], "f")
        if fs <= 0 or factor <= 0:
            raise ChannelMessageError("fs and f must be positive")
        seq = integer(obj["seq"], "seq")
        if seq < 0:
            raise ChannelMessageError("seq must not be negative")
        d = obj["d"]
        if not isinstance(d, list):
            raise ChannelMessageError("d must be a list")
        samples = np.empty(len(d), dtype=np.float64)
        for i, item in enumerate(d):
            samples[i] = np.nan if item is None else integer(item, "d[]") * factor
        samples.flags.writeable = False
        return WaveMessage(kind=kind, fs=fs, factor=factor, seq=seq, samples=samples)
    if obj["t"] == "values":
        require_keys(obj, ("v", "u"))
        values = values_field(obj["v"], "v")
        u = obj["u"]
        if not isinstance(u, dict) or u.keys() != values.keys():
            raise ChannelMessageError("u must give a unit for every value and no other")
        units = {name: unit_field(unit, f"u.{name}") for name, unit in u.items()}
        return ValuesMessage(MappingProxyType(values), MappingProxyType(units))
    raise ChannelMessageError(f"unknown live message type {obj['t'][:40]!r}")


class LivePacer:
    """Holds ``live`` messages and lets out at most ``rate`` per second per signal.

    :meth:`feed` splits a chunk into messages and queues them; :meth:`pull` returns
    those the rate allows now. Each signal keeps at most ``max_pending`` messages;
    beyond that the oldest are dropped (counted in :attr:`dropped`), so a slow link
    loses old samples, which the receiver sees as a ``seq`` gap, instead of falling
    ever further behind. Pure: time comes from ``clock`` (seconds, monotonic).
    """

    def __init__(
        self,
        rate: int = 10,
        *,
        max_pending: int | None = None,
        max_bytes: int = LIVE_MAX_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate < 1:
            raise ValueError("rate must be at least 1 message per second")
        self._rate = rate
        self._max_pending = rate if max_pending is None else max_pending
        if self._max_pending < 1:
            raise ValueError("max_pending must be at least 1")
        self._max_bytes = max_bytes
        self._clock = clock
        self._pending: dict[SignalKind, deque[str]] = {}
        self._sent: dict[SignalKind, deque[float]] = {}
        self._dropped: dict[SignalKind, int] = {}

    @property
    def dropped(self) -> Mapping[SignalKind, int]:
        """Messages dropped so far, per signal."""
        return MappingProxyType(dict(self._dropped))

    def pending(self, kind: SignalKind) -> int:
        """Messages waiting for ``kind``."""
        return len(self._pending.get(kind, ()))

    def feed(self, chunk: WaveformChunk) -> None:
        """Queue a chunk's messages, dropping the oldest of its signal beyond ``max_pending``."""
        queue = self._pending.setdefault(chunk.kind, deque())
        for message in waveform_messages(chunk, max_bytes=self._max_bytes):
            if len(queue) >= self._max_pending:
                queue.popleft()
                self._dropped[chunk.kind] = self._dropped.get(chunk.kind, 0) + 1
            queue.append(message)

    def pull(self) -> list[str]:
        """The messages to send now, oldest first per signal, within the rate."""
        now = self._clock()
        out: list[str] = []
        for kind, queue in self._pending.items():
            sent = self._sent.setdefault(kind, deque())
            while sent and sent[0] <= now - 1.0:
                sent.popleft()
            while queue and len(sent) < self._rate:
                out.append(queue.popleft())
                sent.append(now)
        return out
