"""Date Time (0x2A08) and Current Time (0x2A2B): unknown fields, reserved values, clock sync."""

from __future__ import annotations

import datetime as dt

import pytest

from cabin.errors import FrameError
from hardware.ble.clock import AdjustReason, CurrentTime, DateTime, DayOfWeek

# Date Time built by hand from the GATT Specification Supplement field table:
# year 2024 (E8 07), month 3, day 15, 08:30:05.
DATE_TIME = bytes.fromhex("e807030f081e05")

# Current Time built by hand from the Current Time Service field table: the Date Time
# above, Friday (5), 128/256 s, adjust reason "external reference time update" (0x02).
CURRENT_TIME = DATE_TIME + bytes.fromhex("058002")


def test_date_time_decodes_and_round_trips():
    value = DateTime.from_bytes(DATE_TIME)
    assert value == DateTime(2024, 3, 15, 8, 30, 5)
    assert value.to_datetime() == dt.datetime(2024, 3, 15, 8, 30, 5)
    assert bytes(value) == DATE_TIME


def test_zero_year_month_and_day_are_unknown():
    # Nordic's BPM test vector carries this time stamp: year 0, April 17, 20:41:59.
    value = DateTime.from_bytes(bytes.fromhex("0000 04 11 14 29 3b"))
    assert value == DateTime(None, 4, 17, 20, 41, 59)
    assert value.to_datetime() is None
    assert bytes(value) == bytes.fromhex("0000041114293b")
    assert DateTime.from_bytes(bytes(7)) == DateTime(None, None, None)


def test_to_datetime_attaches_a_zone_and_refuses_impossible_dates():
    zone = dt.timezone(dt.timedelta(hours=7))
    assert DateTime(2024, 3, 15, 8).to_datetime(zone) == dt.datetime(2024, 3, 15, 8, tzinfo=zone)
    assert DateTime(2023, 2, 29).to_datetime() is None


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ("01000101000000", "year"),  # year 1: before 1582
        ("e8070d01000000", "month"),  # month 13
        ("e8070120000000", "day"),  # day 32
        ("e8070101180000", "hours"),  # 24 h
        ("e8070101003c00", "minutes"),  # 60 min
        ("e807010100003c", "seconds"),  # 60 s
    ],
)
def test_reserved_values_raise_frame_error(raw, field):
    with pytest.raises(FrameError, match=f"Date Time .*{field}"):
        DateTime.from_bytes(bytes.fromhex(raw))


def test_every_truncated_date_time_raises_frame_error():
    for n in range(len(DATE_TIME)):
        with pytest.raises(FrameError, match=r"Date Time \(0x2A08\): truncated"):
            DateTime.from_bytes(DATE_TIME[:n])


def test_current_time_decodes_and_round_trips():
    value = CurrentTime.from_bytes(CURRENT_TIME)
    assert value == CurrentTime(
        DateTime(2024, 3, 15, 8, 30, 5),
        DayOfWeek.FRIDAY,
        128,
        AdjustReason.EXTERNAL_REFERENCE_TIME_UPDATE,
    )
    assert value.to_datetime() == dt.datetime(2024, 3, 15, 8, 30, 5, 500_000)
    assert bytes(value) == CURRENT_TIME


def test_current_time_from_a_datetime_sets_day_of_week_and_fractions():
    when = dt.datetime(2024, 3, 17, 23, 59, 59, 999_999)  # a Sunday
    value = CurrentTime.from_datetime(when, AdjustReason.MANUAL_TIME_UPDATE)
    assert value.day_of_week is DayOfWeek.SUNDAY
    assert value.fractions256 == 255
    assert bytes(value) == bytes.fromhex("e807 03 11 17 3b 3b 07 ff 01")


def test_current_time_keeps_unknown_day_and_reserved_adjust_bits():
    raw = bytes(7) + bytes((0, 0, 0xF3))
    value = CurrentTime.from_bytes(raw)
    assert value.day_of_week is None
    assert value.adjust_reason & AdjustReason.CHANGE_OF_TIME_ZONE == AdjustReason.NONE
    assert value.adjust_reason == 0xF3
    assert bytes(value) == raw


def test_a_reserved_day_of_week_raises_frame_error():
    with pytest.raises(FrameError, match=r"Current Time \(0x2A2B\): bad day of week") as info:
        CurrentTime.from_bytes(DATE_TIME + bytes((8, 0, 0)))
    assert info.value.offset == 7


def test_every_truncated_current_time_raises_frame_error():
    for n in range(len(CURRENT_TIME)):
        with pytest.raises(FrameError, match="Current Time"):
            CurrentTime.from_bytes(CURRENT_TIME[:n])


def test_bytes_after_the_last_field_are_ignored():
    assert DateTime.from_bytes(DATE_TIME + b"\x00") == DateTime.from_bytes(DATE_TIME)
    assert CurrentTime.from_bytes(CURRENT_TIME + b"\x01") == CurrentTime.from_bytes(CURRENT_TIME)


def test_range_checks_on_construction():
    with pytest.raises(ValueError, match="month"):
        DateTime(2024, 0, 1)
    with pytest.raises(ValueError, match="fractions256"):
        CurrentTime(DateTime(2024, 1, 1), fractions256=256)
