"""Structured logging that cannot carry personal or health data.

Every record is one JSON object per line. Besides the logger name, level and
message, only the ``extra`` keys in :data:`ALLOWED_FIELDS` are written: they are
identifiers and counters, never names, ID numbers or measured values. Anything
else a caller passes in ``extra`` is dropped, so a careless call cannot leak it.
Messages themselves are fixed strings; callers put variable context in ``extra``.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

__all__ = ["ALLOWED_FIELDS", "JsonFormatter", "configure_logging"]

#: The only ``extra`` keys that reach the log: identifiers, states and counters.
ALLOWED_FIELDS = frozenset(
    {
        "attempt",
        "attempts",
        "count",
        "delay",
        "destination",
        "device",
        "entry",
        "error",
        "event",
        "kind",
        "moniker",
        "path",
        "payment",
        "reason",
        "seq",
        "state",
        "status",
        "version",
        "visit",
    }
)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line with allow-listed fields only."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.msg if isinstance(record.msg, str) else type(record.msg).__name__,
        }
        for key in sorted(ALLOWED_FIELDS):
            if key in record.__dict__:
                value = record.__dict__[key]
                entry[key] = value if isinstance(value, int | float | bool) else str(value)
        if record.exc_info and record.exc_info[0] is not None:
            # The type only: exception messages may quote data.
            entry["exc_type"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "info", stream: TextIO | None = None) -> None:
    """Send the project's logs, as JSON lines, to ``stream`` (stderr by default)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
