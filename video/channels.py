"""What travels on the consult's two data channels, and how it is paced.

``live`` is unordered and lossy: waveform samples (:func:`waveform_messages`) and
current values (:func:`values_message`). A large message on a data channel delays
the small ones behind it, so every ``live`` message is at most :data:`LIVE_MAX_BYTES`
of UTF-8 JSON, and :class:`LivePacer` sends at most a few per second per signal,
dropping the oldest rather than building a backlog on a slow link.

``control`` is reliable: the doctor's requests (:class:`Remeasure`,
:class:`Instruction`, :class:`Note`, :class:`End`) and the cabin's answers
(:class:`Ack`, :class:`Measuring`, :class:`Result`). :func:`parse_control` reads
them strictly and raises :class:`ChannelMessageError` (a ``ValueError``) for
anything else. Every control message carries a short ``id``; an :class:`Ack`
carries the ``id`` of the message it acknowledges.

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

import json
import re
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cabin.errors import VideoError
from cabin.measure import Vital
from hardware.events import SignalKind, WaveformChunk

__all__ = [
    "CONTROL_MAX_CHARS",
    "LIVE_MAX_BYTES",
    "NOTE_MAX_CHARS",
    "RESOLUTION",
    "Ack",
    "ChannelMessageError",
    "ControlMessage",
    "End",
    "Instruction",
    "LivePacer",
    "Measuring",
    "Note",
    "Remeasure",
    "Result",
    "ValuesMessage",
    "WaveMessage",
    "encode_control",
    "new_message_id",
    "parse_control",
    "parse_live",
    "values_message",
    "wave_gap",
    "waveform_messages",
]

LIVE_MAX_BYTES = 1000
"""Largest ``live`` message, in bytes of UTF-8 JSON."""

NOTE_MAX_CHARS = 4000
"""Longest text of a doctor's :class:`Note`."""

CONTROL_MAX_CHARS = 16_384
"""Longest control message accepted before it is even parsed."""

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

_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_KEY = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
_NAME = re.compile(r"[a-z0-9][a-z0-9_]{0,31}")
_UNIT_MAX = 16
_SEP = (",", ":")


class ChannelMessageError(VideoError, ValueError):
    """A data-channel message that is not one this module sends; the text says why."""


def _dumps(obj: object) -> str:
    return json.dumps(obj, separators=_SEP, ensure_ascii=False, allow_nan=False)


# --- live: waveforms ---------------------------------------------------------------


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
    head = f'{{"t":"wave","k":{_dumps(str(chunk.kind))},"fs":{_dumps(float(chunk.fs))},'
    head += f'"f":{_dumps(factor)},"seq":'
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
        if not _NAME.fullmatch(name):
            raise ValueError(f"value name {name!r} is not a short code")
        x = float(value)
        if not np.isfinite(x):
            raise ValueError(f"value {name} is not finite")
        unit = units if isinstance(units, str) else units.get(name)
        if unit is None:
            raise ValueError(f"no unit for value {name}")
        v[name] = x
        u[name] = unit
    text = _dumps({"t": "values", "v": v, "u": u})
    if len(text.encode()) > max_bytes:
        raise ValueError(f"values message is {len(text.encode())} bytes, over {max_bytes}")
    return text


# --- strict parsing helpers ---------------------------------------------------------


def _load(text: str | bytes, limit: int) -> dict[str, Any]:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ChannelMessageError("message is not UTF-8 text") from None
    if len(text) > limit:
        raise ChannelMessageError(f"message is too long ({len(text)} characters, at most {limit})")

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise ChannelMessageError(f"key {key!r} appears twice")
            out[key] = value
        return out

    def constant(name: str) -> Any:
        raise ChannelMessageError(f"{name} is not a number")

    try:
        obj = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except ChannelMessageError:
        raise
    except (ValueError, RecursionError):
        raise ChannelMessageError("message is not valid JSON") from None
    if not isinstance(obj, dict):
        raise ChannelMessageError("message is not a JSON object")
    t = obj.get("t")
    if not isinstance(t, str):
        raise ChannelMessageError('message has no type ("t")')
    return obj


def _keys(obj: Mapping[str, Any], required: Iterable[str], optional: Iterable[str] = ()) -> None:
    req = {"t", *required}
    missing = sorted(req - obj.keys())
    if missing:
        raise ChannelMessageError(f"{obj['t']} message lacks {', '.join(missing)}")
    extra = sorted(obj.keys() - req - set(optional))
    if extra:
        raise ChannelMessageError(f"{obj['t']} message has unexpected {', '.join(extra)}")


def _str(obj: Mapping[str, Any], key: str) -> str:
    value = obj[key]
    if not isinstance(value, str):
        raise ChannelMessageError(f"{key} must be a string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ChannelMessageError(f"{key} is not valid Unicode text") from None
    return value


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ChannelMessageError(f"{what} must be a number")
    x = float(value)
    if not np.isfinite(x):
        raise ChannelMessageError(f"{what} must be finite")
    return x


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ChannelMessageError(f"{what} must be an integer")
    return value


def _id(obj: Mapping[str, Any]) -> str:
    value = _str(obj, "id")
    if not _ID.fullmatch(value):
        raise ChannelMessageError("id must be 1 to 32 letters, digits, '-' or '_'")
    return value


def _vital(obj: Mapping[str, Any]) -> Vital:
    value = _str(obj, "vital")
    try:
        return Vital(value)
    except ValueError:
        raise ChannelMessageError(f"unknown vital {value[:40]!r}") from None


def _values(obj: Any, what: str) -> dict[str, float]:
    if not isinstance(obj, dict) or not obj:
        raise ChannelMessageError(f"{what} must be a non-empty object")
    out: dict[str, float] = {}
    for name, value in obj.items():
        if not _NAME.fullmatch(name):
            raise ChannelMessageError(f"{what} name {name[:40]!r} is not a short code")
        out[name] = _number(value, f"{what}.{name}")
    return out


def _unit(value: Any, what: str) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= _UNIT_MAX or not value.isprintable():
        raise ChannelMessageError(f"{what} must be a short unit")
    return value


# --- live: parsing ------------------------------------------------------------------


def parse_live(text: str | bytes) -> WaveMessage | ValuesMessage:
    """Read a ``live`` message.

    Raises:
        ChannelMessageError: it is not a ``wave`` or ``values`` message as sent here.
    """
    obj = _load(text, 4 * LIVE_MAX_BYTES)
    if obj["t"] == "wave":
        _keys(obj, ("k", "fs", "f", "seq", "d"))
        k = _str(obj, "k")
        try:
            kind = SignalKind(k)
        except ValueError:
            raise ChannelMessageError(f"unknown signal {k[:40]!r}") from None
        fs = _number(obj["fs"], "fs")
        factor = _number(obj["f"], "f")
        if fs <= 0 or factor <= 0:
            raise ChannelMessageError("fs and f must be positive")
        seq = _int(obj["seq"], "seq")
        if seq < 0:
            raise ChannelMessageError("seq must not be negative")
        d = obj["d"]
        if not isinstance(d, list):
            raise ChannelMessageError("d must be a list")
        samples = np.empty(len(d), dtype=np.float64)
        for i, item in enumerate(d):
            samples[i] = np.nan if item is None else _int(item, "d[]") * factor
        samples.flags.writeable = False
        return WaveMessage(kind=kind, fs=fs, factor=factor, seq=seq, samples=samples)
    if obj["t"] == "values":
        _keys(obj, ("v", "u"))
        values = _values(obj["v"], "v")
        u = obj["u"]
        if not isinstance(u, dict) or u.keys() != values.keys():
            raise ChannelMessageError("u must give a unit for every value and no other")
        units = {name: _unit(unit, f"u.{name}") for name, unit in u.items()}
        return ValuesMessage(MappingProxyType(values), MappingProxyType(units))
    raise ChannelMessageError(f"unknown live message type {obj['t'][:40]!r}")


# --- control ------------------------------------------------------------------------


def new_message_id() -> str:
    """A fresh random id for a control message."""
    return secrets.token_urlsafe(9)  # 12 characters


@dataclass(frozen=True, slots=True)
class Remeasure:
    """Doctor -> cabin: measure this vital again."""

    id: str
    vital: Vital


@dataclass(frozen=True, slots=True)
class Instruction:
    """Doctor -> cabin: play the catalogue instruction ``key`` to the resident."""

    id: str
    key: str


@dataclass(frozen=True, slots=True)
class Note:
    """Doctor -> cabin: a free-text note (at most :data:`NOTE_MAX_CHARS`)."""

    id: str
    text: str


@dataclass(frozen=True, slots=True)
class End:
    """Doctor -> cabin: the consult is over."""

    id: str


@dataclass(frozen=True, slots=True)
class Ack:
    """Either way: the message whose id is ``id`` arrived."""

    id: str


@dataclass(frozen=True, slots=True)
class Measuring:
    """Cabin -> doctor: now measuring this vital (answering the remeasure ``id``)."""

    id: str
    vital: Vital


@dataclass(frozen=True, slots=True)
class Result:
    """Cabin -> doctor: the values of a finished measurement, all in ``unit``."""

    id: str
    vital: Vital
    values: Mapping[str, float]
    unit: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))


ControlMessage = Remeasure | Instruction | Note | End | Ack | Measuring | Result


def encode_control(message: ControlMessage) -> str:
    """The JSON text of a control message; it parses back equal with :func:`parse_control`.

    Raises:
        ChannelMessageError: the message would not parse (bad id, key, text, values).
    """
    obj: dict[str, Any]
    match message:
        case Remeasure(id=i, vital=v):
            obj = {"t": "remeasure", "id": i, "vital": str(v)}
        case Instruction(id=i, key=k):
            obj = {"t": "instruction", "id": i, "key": k}
        case Note(id=i, text=text):
            obj = {"t": "note", "id": i, "text": text}
        case End(id=i):
            obj = {"t": "end", "id": i}
        case Ack(id=i):
            obj = {"t": "ack", "id": i}
        case Measuring(id=i, vital=v):
            obj = {"t": "measuring", "id": i, "vital": str(v)}
        case Result(id=i, vital=v, values=vals, unit=unit):
            obj = {"t": "result", "id": i, "vital": str(v), "values": dict(vals), "unit": unit}
    try:
        text = _dumps(obj)
    except ValueError:
        raise ChannelMessageError("a value is not finite") from None
    parse_control(text)  # the same checks as the receiving side
    return text


def parse_control(text: str | bytes) -> ControlMessage:
    """Read a control message strictly.

    Raises:
        ChannelMessageError: bad JSON, unknown type or vital, a missing or unexpected
            key, a wrong type, or too long; the message says which.
    """
    obj = _load(text, CONTROL_MAX_CHARS)
    t = obj["t"]
    if t == "remeasure":
        _keys(obj, ("id", "vital"))
        return Remeasure(_id(obj), _vital(obj))
    if t == "instruction":
        _keys(obj, ("id", "key"))
        key = _str(obj, "key")
        if not _KEY.fullmatch(key):
            raise ChannelMessageError("key must be a short catalogue code")
        return Instruction(_id(obj), key)
    if t == "note":
        _keys(obj, ("id", "text"))
        note = _str(obj, "text")
        if len(note) > NOTE_MAX_CHARS:
            raise ChannelMessageError(
                f"note is too long ({len(note)} characters, at most {NOTE_MAX_CHARS})"
            )
        return Note(_id(obj), note)
    if t == "end":
        _keys(obj, ("id",))
        return End(_id(obj))
    if t == "ack":
        _keys(obj, ("id",))
        return Ack(_id(obj))
    if t == "measuring":
        _keys(obj, ("id", "vital"))
        return Measuring(_id(obj), _vital(obj))
    if t == "result":
        _keys(obj, ("id", "vital", "values", "unit"))
        return Result(
            _id(obj), _vital(obj), _values(obj["values"], "values"), _unit(obj["unit"], "unit")
        )
    raise ChannelMessageError(f"unknown control message type {t[:40]!r}")


# --- pacing -------------------------------------------------------------------------


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
