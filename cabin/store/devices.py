"""What each device said of itself, kept for the records that name it.

A BLE device reads out its Device Information (manufacturer, model, serial,
firmware...) when it connects; the hospital's FHIR Device resource needs it
long after the device has gone. One row per configured device id holds the
latest description. It is not personal data and is stored in clear.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

from cabin.store import codec
from cabin.store.db import Database, require_text

__all__ = ["DeviceRecords"]


class DeviceRecords(Database):
    """The ``devices`` table."""

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
            row = self._fetchone("SELECT info FROM devices WHERE id = ?", (device_id,))
            if row is not None and row[0] == text:
                return False
            self._run(
                "INSERT INTO devices (id, info, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET info = excluded.info,"
                " updated_at = excluded.updated_at",
                (device_id, text, stamp),
            )
        return True

    def device_info(self, device_id: str) -> Mapping[str, str]:
        """The latest description of a device; empty when it never gave one."""
        row = self._fetchone("SELECT info FROM devices WHERE id = ?", (device_id,))
        info: dict[str, str] = {} if row is None else json.loads(row[0])
        return MappingProxyType(info)
