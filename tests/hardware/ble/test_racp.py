"""Record Access Control Point (0x2A52): requests and responses, exact operand lengths."""

from __future__ import annotations

import itertools

import pytest

from cabin.errors import FrameError
from hardware.ble.clock import DateTime
from hardware.ble.racp import (
    RacpFilterType,
    RacpNumberOfRecords,
    RacpOpCode,
    RacpOperator,
    RacpRequest,
    RacpResponse,
    RacpResponseCode,
    racp_from_bytes,
)

# The procedures of Glucose Service 1.0.1 section 3.7 (and Nordic's Android-BLE-Library
# GlucoseManager, which writes these): op code, operator, operand. Built by hand.
REPORT_ALL = bytes.fromhex("01 01")
DELETE_ALL = bytes.fromhex("02 01")
ABORT = bytes.fromhex("03 00")
COUNT_ALL = bytes.fromhex("04 01")
REPORT_LAST = bytes.fromhex("01 06")
REPORT_FROM_SEQUENCE_16 = bytes.fromhex("01 03 01 1000")  # >= sequence number 16
REPORT_RANGE = bytes.fromhex("01 04 01 0a00 1400")  # sequence numbers 10..20
NUMBER_OF_RECORDS = bytes.fromhex("05 00 2a00")  # 42 records
SUCCESS = bytes.fromhex("06 00 01 01")  # report stored records: success
NOT_SUPPORTED = bytes.fromhex("06 00 09 02")  # op code 9: op code not supported

SEQUENCE = {1: bytes.fromhex("0a00"), 2: bytes.fromhex("1400")}
TIMES = {1: bytes.fromhex("e807 03 0f 00 00 00"), 2: bytes.fromhex("e807 03 0f 17 3b 3b")}


def test_the_glucose_procedures():
    assert racp_from_bytes(REPORT_ALL) == RacpRequest(
        RacpOpCode.REPORT_STORED_RECORDS, RacpOperator.ALL_RECORDS
    )
    assert racp_from_bytes(DELETE_ALL) == RacpRequest(
        RacpOpCode.DELETE_STORED_RECORDS, RacpOperator.ALL_RECORDS
    )
    assert racp_from_bytes(ABORT) == RacpRequest(RacpOpCode.ABORT_OPERATION, RacpOperator.NULL)
    assert racp_from_bytes(COUNT_ALL) == RacpRequest(
        RacpOpCode.REPORT_NUMBER_OF_STORED_RECORDS, RacpOperator.ALL_RECORDS
    )
    assert racp_from_bytes(REPORT_LAST).operator is RacpOperator.LAST_RECORD
    assert racp_from_bytes(REPORT_FROM_SEQUENCE_16) == RacpRequest(
        RacpOpCode.REPORT_STORED_RECORDS,
        RacpOperator.GREATER_THAN_OR_EQUAL,
        RacpFilterType.SEQUENCE_NUMBER,
        minimum=16,
    )
    assert racp_from_bytes(REPORT_RANGE) == RacpRequest(
        RacpOpCode.REPORT_STORED_RECORDS,
        RacpOperator.WITHIN_RANGE,
        RacpFilterType.SEQUENCE_NUMBER,
        10,
        20,
    )
    assert racp_from_bytes(NUMBER_OF_RECORDS) == RacpNumberOfRecords(42)
    assert racp_from_bytes(SUCCESS) == RacpResponse(
        RacpOpCode.REPORT_STORED_RECORDS, RacpResponseCode.SUCCESS
    )
    refused = racp_from_bytes(NOT_SUPPORTED)
    assert isinstance(refused, RacpResponse)
    assert refused.request_op_code == 9
    assert refused.response_code is RacpResponseCode.OP_CODE_NOT_SUPPORTED
    for raw in (
        REPORT_ALL,
        DELETE_ALL,
        ABORT,
        COUNT_ALL,
        REPORT_LAST,
        REPORT_FROM_SEQUENCE_16,
        REPORT_RANGE,
        NUMBER_OF_RECORDS,
        SUCCESS,
        NOT_SUPPORTED,
    ):
        assert bytes(racp_from_bytes(raw)) == raw


@pytest.mark.parametrize(
    ("op_code", "operator", "filter_type"),
    list(itertools.product(range(1, 5), range(7), (1, 2))),
)
def test_every_request_round_trips(op_code, operator, filter_type):
    values = SEQUENCE if filter_type == 1 else TIMES
    operand = b""
    if operator == RacpOperator.LESS_THAN_OR_EQUAL:
        operand = bytes([filter_type]) + values[2]
    elif operator == RacpOperator.GREATER_THAN_OR_EQUAL:
        operand = bytes([filter_type]) + values[1]
    elif operator == RacpOperator.WITHIN_RANGE:
        operand = bytes([filter_type]) + values[1] + values[2]
    raw = bytes([op_code, operator]) + operand
    request = RacpRequest.from_bytes(raw)
    assert bytes(request) == raw
    assert request.op_code == op_code
    assert request.operator == operator
    low = 10 if filter_type == 1 else DateTime(2024, 3, 15, 0, 0, 0)
    high = 20 if filter_type == 1 else DateTime(2024, 3, 15, 23, 59, 59)
    if operand:
        assert request.filter_type == filter_type
        assert request.minimum == (None if operator == 2 else low)
        assert request.maximum == (None if operator == 3 else high)
    else:
        assert (request.filter_type, request.minimum, request.maximum) == (None, None, None)


@pytest.mark.parametrize(
    "raw",
    [REPORT_ALL, ABORT, REPORT_FROM_SEQUENCE_16, REPORT_RANGE, NUMBER_OF_RECORDS, SUCCESS],
)
def test_every_truncated_prefix_raises_frame_error(raw):
    for n in range(len(raw)):
        with pytest.raises(FrameError, match=r"Record Access Control Point \(0x2A52\)"):
            racp_from_bytes(raw[:n])


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("01 01 00", "longer than the operator takes"),  # an operand ALL_RECORDS does not take
        ("05 00 2a00 00", "longer than the operator takes"),
        ("00 00", "unknown op code"),
        ("07 01", "unknown op code"),  # combined report: not in these services
        ("01 07", "unknown operator"),
        ("01 02 03 0a00", "unknown filter type"),
        ("05 01 2a00", "NULL operator"),
        ("06 01 01 01", "NULL operator"),
        ("01 02 02 e807 0d 01 00 00 00", "bad maximum: month"),  # month 13
    ],
)
def test_malformed_values_raise_frame_error(raw, reason):
    with pytest.raises(FrameError, match=reason):
        racp_from_bytes(bytes.fromhex(raw))


def test_each_class_decodes_only_its_own_messages():
    assert RacpNumberOfRecords.from_bytes(NUMBER_OF_RECORDS).count == 42
    assert RacpResponse.from_bytes(SUCCESS).response_code is RacpResponseCode.SUCCESS
    with pytest.raises(FrameError, match="not a request"):
        RacpRequest.from_bytes(SUCCESS)
    with pytest.raises(FrameError, match="not a number of stored records"):
        RacpNumberOfRecords.from_bytes(REPORT_ALL)
    with pytest.raises(FrameError, match="not a response code"):
        RacpResponse.from_bytes(NUMBER_OF_RECORDS)


def test_request_checks_on_construction():
    with pytest.raises(ValueError, match=r"op code 1\.\.4"):
        RacpRequest(RacpOpCode.RESPONSE_CODE, RacpOperator.NULL)
    with pytest.raises(ValueError, match="another operand"):
        RacpRequest(RacpOpCode.REPORT_STORED_RECORDS, RacpOperator.WITHIN_RANGE)
    with pytest.raises(ValueError, match="filter type"):
        RacpRequest(RacpOpCode.REPORT_STORED_RECORDS, RacpOperator.LESS_THAN_OR_EQUAL, maximum=3)
    with pytest.raises(ValueError, match="DateTime"):
        RacpRequest(
            RacpOpCode.REPORT_STORED_RECORDS,
            RacpOperator.LESS_THAN_OR_EQUAL,
            RacpFilterType.USER_FACING_TIME,
            maximum=3,
        )
    with pytest.raises(ValueError, match="number of records"):
        RacpNumberOfRecords(70000)
