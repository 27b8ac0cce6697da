"""The consult's ``control`` data channel: the doctor's requests and the cabin's answers.

``control`` is reliable: the doctor's requests (:class:`Remeasure`,
:class:`Instruction`, :class:`Note`, :class:`End`) and the cabin's answers
(:class:`Ack`, :class:`Measuring`, :class:`Result`, :class:`Unable` when a
re-measurement cannot be done, and :class:`Record`: the visit's
readings and the resident's earlier visits, sent when the call connects and again
whenever a reading is added). :func:`parse_control` reads
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
    SHORT_CODE,
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
    "EARLIER_MAX",
    "NOTE_MAX_CHARS",
    "READINGS_MAX",
    "Ack",
    "ControlMessage",
    "EarlierVisit",
    "End",
    "Instruction",
    "Measuring",
    "Note",
    "Reading",
    "Record",
    "Remeasure",
    "Result",
    "Unable",
    "encode_control",
    "new_message_id",
    "parse_control",
]

NOTE_MAX_CHARS = 4000
"""Longest text of a doctor's :class:`Note`."""

CONTROL_MAX_CHARS = 16_384
"""Longest control message accepted before it is even parsed."""

READINGS_MAX = 16
"""Most readings in one visit of a :class:`Record`."""

EARLIER_MAX = 10
"""Most earlier visits in a :class:`Record` (the latest ones)."""

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
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


@dataclass(frozen=True, slots=True)
class Unable:
    """Cabin -> doctor: the re-measurement ``id`` could not be done, and why.

    ``reason`` is a short code: ``busy`` (another measurement is running),
    ``no_device`` (this station cannot measure it), ``device_error``, ``no_reading``,
    or the measurement's own problem (``finger_out``, ``lead_off``, ``cuff_loose``,
    ``movement``, ``no_signal``, ``cancelled``...).
    """

    id: str
    vital: Vital
    reason: str


@dataclass(frozen=True, slots=True)
class Reading:
    """One stored measurement as the doctor sees it: no device, no identity.

    Attributes:
        kind: what was measured, a short code (``"blood_pressure"``, ``"spo2"``...).
        values: named values, all in ``unit``.
        unit: UCUM unit.
        flags: conditions reported with it (``"irregular_pulse"``...), short codes.
    """

    kind: str
    values: Mapping[str, float]
    unit: str
    flags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))
        object.__setattr__(self, "flags", tuple(self.flags))


@dataclass(frozen=True, slots=True)
class EarlierVisit:
    """An earlier visit of the same resident: its day (``YYYY-MM-DD``) and readings."""

    date: str
    readings: tuple[Reading, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "readings", tuple(self.readings))


@dataclass(frozen=True, slots=True)
class Record:
    """Cabin -> doctor: this visit's readings so far and the resident's earlier visits.

    ``earlier`` is newest first, at most :data:`EARLIER_MAX` visits; each visit holds
    at most :data:`READINGS_MAX` readings. No names or ID numbers travel here.
    """

    id: str
    readings: tuple[Reading, ...]
    earlier: tuple[EarlierVisit, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "readings", tuple(self.readings))
        object.__setattr__(self, "earlier", tuple(self.earlier))


ControlMessage = Remeasure | Instruction | Note | End | Ack | Measuring | Result | Unable | Record


def _reading_obj(r: Reading) -> dict[str, Any]:
    return {"k": r.kind, "v": dict(r.values), "u": r.unit, "f": list(r.flags)}


def _parse_readings(value: Any, what: str) -> tuple[Reading, ...]:
    if not isinstance(value, list):
        raise ChannelMessageError(f"{what} must be a list")
    if len(value) > READINGS_MAX:
        raise ChannelMessageError(f"{what} has more than {READINGS_MAX} readings")
    out = []
    for i, item in enumerate(value):
        where = f"{what}[{i}]"
        if not isinstance(item, dict) or set(item) != {"k", "v", "u", "f"}:
            raise ChannelMessageError(f"{where} must be an object with k, v, u and f")
        kind, flags = item["k"], item["f"]
        if not isinstance(kind, str) or not SHORT_CODE.fullmatch(kind):
            raise ChannelMessageError(f"{where}.k must be a short code")
        if not isinstance(flags, list) or not all(
            isinstance(f, str) and SHORT_CODE.fullmatch(f) for f in flags
        ):
            raise ChannelMessageError(f"{where}.f must be a list of short codes")
        out.append(
            Reading(
                kind,
                values_field(item["v"], f"{where}.v"),
                unit_field(item["u"], f"{where}.u"),
                tuple(flags),
            )
        )
    return tuple(out)


def _parse_earlier(value: Any) -> tuple[EarlierVisit, ...]:
    if not isinstance(value, list):
        raise ChannelMessageError("earlier must be a list")
    if len(value) > EARLIER_MAX:
        raise ChannelMessageError(f"earlier has more than {EARLIER_MAX} visits")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or set(item) != {"date", "r"}:
            raise ChannelMessageError(f"earlier[{i}] must be an object with date and r")
        date = item["date"]
        if not isinstance(date, str) or not _DATE.fullmatch(date):
            raise ChannelMessageError(f"earlier[{i}].date must be YYYY-MM-DD")
        out.append(EarlierVisit(date, _parse_readings(item["r"], f"earlier[{i}].r")))
    return tuple(out)


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
        case Unable(id=i, vital=v, reason=reason):
            obj = {"t": "unable", "id": i, "vital": str(v), "reason": reason}
        case Record(id=i, readings=readings, earlier=earlier):
            obj = {
                "t": "record",
                "id": i,
                "now": [_reading_obj(r) for r in readings],
                "earlier": [
                    {"date": e.date, "r": [_reading_obj(r) for r in e.readings]} for e in earlier
                ],
            }
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
    if t == "unable":
        require_keys(obj, ("id", "vital", "reason"))
        reason = text_field(obj, "reason")
        if not SHORT_CODE.fullmatch(reason):
            raise ChannelMessageError("reason must be a short code")
        return Unable(message_id(obj), vital_field(obj), reason)
    if t == "record":
        require_keys(obj, ("id", "now", "earlier"))
        return Record(
            message_id(obj), _parse_readings(obj["now"], "now"), _parse_earlier(obj["earlier"])
        )
    raise ChannelMessageError(f"unknown control message type {t[:40]!r}")
