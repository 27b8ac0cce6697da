"""Strict JSON for the consult's data channels: one way to write, one careful way to read.

A message is a JSON object with a type ``t``; reading refuses what this station
never sends (duplicate keys, NaN, extra or missing keys, wrong types, overlong
text) with a :class:`ChannelMessageError` whose text says why. Shared by
:mod:`video.live` and :mod:`video.control`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from cabin.errors import VideoError
from cabin.measure import Vital

__all__ = [
    "SHORT_CODE",
    "ChannelMessageError",
    "dumps",
    "integer",
    "load_message",
    "message_id",
    "number",
    "require_keys",
    "text_field",
    "unit_field",
    "values_field",
    "vital_field",
]

_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
SHORT_CODE = re.compile(r"[a-z0-9][a-z0-9_]{0,31}")
"""A value's name on the wire: lower-case letters, digits and ``_``."""
_UNIT_MAX = 16
_SEP = (",", ":")


class ChannelMessageError(VideoError, ValueError):
    """A data-channel message that is not one this station sends; the text says why."""


def dumps(obj: object) -> str:
    """Compact JSON, no NaN."""
    return json.dumps(obj, separators=_SEP, ensure_ascii=False, allow_nan=False)


def load_message(text: str | bytes, limit: int) -> dict[str, Any]:
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


def require_keys(
    obj: Mapping[str, Any], required: Iterable[str], optional: Iterable[str] = ()
) -> None:
    req = {"t", *required}
    missing = sorted(req - obj.keys())
    if missing:
        raise ChannelMessageError(f"{obj['t']} message lacks {', '.join(missing)}")
    extra = sorted(obj.keys() - req - set(optional))
    if extra:
        raise ChannelMessageError(f"{obj['t']} message has unexpected {', '.join(extra)}")


def text_field(obj: Mapping[str, Any], key: str) -> str:
    value = obj[key]
    if not isinstance(value, str):
        raise ChannelMessageError(f"{key} must be a string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ChannelMessageError(f"{key} is not valid Unicode text") from None
    return value


def number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ChannelMessageError(f"{what} must be a number")
    x = float(value)
    if not np.isfinite(x):
        raise ChannelMessageError(f"{what} must be finite")
    return x


def integer(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ChannelMessageError(f"{what} must be an integer")
    return value


def message_id(obj: Mapping[str, Any]) -> str:
    value = text_field(obj, "id")
    if not _ID.fullmatch(value):
        raise ChannelMessageError("id must be 1 to 32 letters, digits, '-' or '_'")
    return value


def vital_field(obj: Mapping[str, Any]) -> Vital:
    value = text_field(obj, "vital")
    try:
        return Vital(value)
    except ValueError:
        raise ChannelMessageError(f"unknown vital {value[:40]!r}") from None


def values_field(obj: Any, what: str) -> dict[str, float]:
    if not isinstance(obj, dict) or not obj:
        raise ChannelMessageError(f"{what} must be a non-empty object")
    out: dict[str, float] = {}
    for name, value in obj.items():
        if not SHORT_CODE.fullmatch(name):
            raise ChannelMessageError(f"{what} name {name[:40]!r} is not a short code")
        out[name] = number(value, f"{what}.{name}")
    return out


def unit_field(value: Any, what: str) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= _UNIT_MAX or not value.isprintable():
        raise ChannelMessageError(f"{what} must be a short unit")
    return value
