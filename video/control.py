"""The consult's ``control`` data channel: the doctor's requests and the cabin's answers.

``control`` is reliable: the doctor's requests (:class:`Remeasure`,
:class:`Instruction`, :class:`Note`, :class:`End`) and the cabin's answers
(:class:`Ack`, :class:`Measuring`, :class:`Result`). :func:`parse_control` reads
them strictly and raises :class:`~video.strict_json.ChannelMessageError` (a
``ValueError``) for anything else. Every control message carries a short ``id``;
an :class:`Ack` carries the ``id`` of the message it acknowledges.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from cabin.measure import Vital
from video.strict_json import (
    ChannelMessageError,
    dumps,
    load_message,
    message_id,
    require_keys,
    text_field,
    unit_field,
    values_field,
    vital_field,
)

__all__ = [
    "CONTROL_MAX_CHARS",
    "NOTE_MAX_CHARS",
    "Ack",
    "ControlMessage",
    "End",
    "Instruction",
    "Measuring",
    "Note",
    "Remeasure",
    "Result",
    "encode_control",
    "new_message_id",
    "parse_control",
]

NOTE_MAX_CHARS = 4000
"""Longest text of a doctor's :class:`Note`."""

CONTROL_MAX_CHARS = 16_384
"""Longest control message accepted before it is even parsed."""

_KEY = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")


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
        text = dumps(obj)
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
    obj = load_message(text, CONTROL_MAX_CHARS)
    t = obj["t"]
    if t == "remeasure":
        require_keys(obj, ("id", "vital"))
        return Remeasure(message_id(obj), vital_field(obj))
    if t == "instruction":
        require_keys(obj, ("id", "key"))
        key = text_field(obj, "key")
        if not _KEY.fullmatch(key):
            raise ChannelMessageError("key must be a short catalogue code")
        return Instruction(message_id(obj), key)
    if t == "note":
        require_keys(obj, ("id", "text"))
        note = text_field(obj, "text")
        if len(note) > NOTE_MAX_CHARS:
            raise ChannelMessageError(
                f"note is too long ({len(note)} characters, at most {NOTE_MAX_CHARS})"
            )
        return Note(message_id(obj), note)
    if t == "end":
        require_keys(obj, ("id",))
        return End(message_id(obj))
    if t == "ack":
        require_keys(obj, ("id",))
        return Ack(message_id(obj))
    if t == "measuring":
        require_keys(obj, ("id", "vital"))
        return Measuring(message_id(obj), vital_field(obj))
    if t == "result":
        require_keys(obj, ("id", "vital", "values", "unit"))
        return Result(
            message_id(obj),
            vital_field(obj),
            values_field(obj["values"], "values"),
            unit_field(obj["unit"], "unit"),
        )
    raise ChannelMessageError(f"unknown control message type {t[:40]!r}")
