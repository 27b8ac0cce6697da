"""What each device said of itself, kept for the records that name it.

A BLE device reads out its Device Information (manufacturer, model, serial,
firmware...) when it connects; the hospital's FHIR Device resource needs it
long after the device has gone. A row is appended whenever a device's
description changes (a unit replaced, its firmware updated), so a visit rebuilt
later still names the unit that measured it. Not personal data: stored in clear.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

from cabin.store import codec
from cabin.store.db import Database, require_text

__all__ = ["DeviceRecords"]

_LATEST = (
    "SELECT info FROM device_descriptions WHERE device_id = ? AND seen_at <= ?"
    " ORDER BY seen_at DESC, id DESC LIMIT 1"
)


class DeviceRecords(Database):
    """The ``device_descriptions`` table."""

    def note_device(
        self, device_id: str, info: Mapping[str, str], *, at: datetime | None = None
    ) -> bool:
        """Keep what a device said of itself; return whether it differs from what was kept.

        An empty description changes nothing (a device that says nothing does not
        erase what it said before).
        """
        require_text(device_id, "device_id")
        if not info:
            return False
        text = json.dumps({str(k): str(v) for k, v in info.items()}, sort_keys=True)
        stamp = codec.to_db_time(at or codec.utc_now(), "at")
        with self.transaction():
            row = self._fetchone(_LATEST, (device_id, stamp))
            if row is not None and row[0] == text:
                return False
            self._run(
                "INSERT INTO device_descriptions (device_id, info, seen_at) VALUES (?, ?, ?)",
                (device_id, text, stamp),
            )
        return True

    def device_info(self, device_id: str, *, at: datetime | None = None) -> Mapping[str, str]:
        """How a device described itself at ``at`` (now by default); empty if it had not."""
        stamp = codec.to_db_time(at or codec.utc_now(), "at")
        row = self._fetchone(_LATEST, (device_id, stamp))
        info: dict[str, str] = {} if row is None else json.loads(row[0])
        return MappingProxyType(info)
