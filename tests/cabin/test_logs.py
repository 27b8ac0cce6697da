"""Logs are JSON lines that cannot carry personal or health data."""

from __future__ import annotations

import asyncio
import datetime
import io
import json
import logging
import re

import pytest

from cabin.logs import ALLOWED_FIELDS, JsonFormatter, configure_logging
from cabin.store import Identity, Sex, Store, generate_key
from hardware.events import Reading
from hardware.hub import DeviceHub
from hardware.monikers import DeviceSpec

# An invented resident: nobody real.
NAME = "Trần Thị Thử Nghiệm"
CCCD = "079188004321"

# Random identifiers (visit UUIDs, hex digests) hold digits by chance: "91" may
# sit inside one. They carry no data, so they are blanked before the search.
RANDOM_ID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b[0-9a-f]{16,}\b"
)


@pytest.fixture
def log_stream():
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    configure_logging("debug", stream)
    yield stream
    root.handlers.clear()
    root.setLevel(level)  # later tests must not run with every library's debug logging on


def entries(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_only_allow_listed_fields_reach_the_log(log_stream):
    logging.getLogger("cabin.test").warning(
        "reading stored",
        extra={"device": "bp", "full_name": NAME, "systolic": 187, "visit": "v-1"},
    )
    (entry,) = entries(log_stream)
    assert entry["msg"] == "reading stored"
    assert entry["device"] == "bp"
    assert entry["visit"] == "v-1"
    assert "full_name" not in entry
    assert "systolic" not in entry


def test_message_arguments_are_never_interpolated(log_stream):
    logging.getLogger("cabin.test").info("resident %s arrived", NAME)
    (entry,) = entries(log_stream)
    assert entry["msg"] == "resident %s arrived"
    assert NAME not in log_stream.getvalue()


def test_exceptions_are_logged_by_type_only(log_stream):
    try:
        raise ValueError(f"bad card for {CCCD}")
    except ValueError:
        logging.getLogger("cabin.test").exception("card rejected")
    (entry,) = entries(log_stream)
    assert entry["exc_type"] == "ValueError"
    assert CCCD not in log_stream.getvalue()


def test_formatter_writes_valid_json_with_vietnamese_text():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "Đã kết nối", None, None)
    assert json.loads(JsonFormatter().format(record))["msg"] == "Đã kết nối"


async def test_a_session_with_devices_and_the_store_logs_no_personal_or_health_data(
    log_stream, tmp_path
):
    # Distinctive values, so that any leak would be found in the log text.
    specs = [DeviceSpec("oximeter", "sim:cms50d,spo2=91,hr=131,loop=20")]
    readings = []
    async with DeviceHub(specs) as hub:
        with hub.subscribe() as events:
            async with asyncio.timeout(10):
                while len(readings) < 2:
                    event = await events.get()
                    if isinstance(event, Reading):
                        readings.append(event)
            hub.device("oximeter").simulator.unplug()  # a fault, so something is logged
            await asyncio.sleep(0.3)
    with Store.open(tmp_path / "s.db", key=generate_key()) as store:
        resident = store.add_resident(
            Identity(
                cccd=CCCD,
                full_name=NAME,
                birth_date=datetime.date(1988, 2, 29),
                sex=Sex.FEMALE,
                address="12 Phố Thử, Phường Mẫu, Hà Nội",
            )
        )
        visit = store.start_visit("station-test", resident_id=resident)
        for reading in readings:
            store.add_measurement(visit, reading.kind, dict(reading.values), reading.unit)
    text = log_stream.getvalue()
    assert text, "the run should have logged something"
    assert {r.value for r in readings} == {91.0, 131.0}
    for entry in entries(log_stream):
        entry.pop("time")
        entry.pop("path", None)  # file paths hold no data, but temporary ones hold numbers
        flat = RANDOM_ID.sub("<id>", json.dumps(entry, ensure_ascii=False))
        for secret in (NAME, CCCD, "1988", "Phố Thử", "131", "91"):
            assert secret not in flat, flat


def test_allowed_fields_are_not_log_record_attributes():
    # A key such as "created" would write the record's own timestamp under that name.
    plain = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    assert not ALLOWED_FIELDS & set(vars(plain))
