"""Record Access Control Point (0x2A52): fetching a meter's stored records.

The Glucose Service and the Pulse Oximeter Service (for stored spot-check
measurements) share this characteristic. The collector writes a request;
the device sends the records on their own characteristic, then indicates a
response here. Layout (GATT Specification Supplement, "Record Access Control
Point"; Glucose Service 1.0.1 section 3.7; Pulse Oximeter Service 1.0)::

    op code   uint8   RacpOpCode
    operator  uint8   RacpOperator
    operand   by op code and operator:
        requests 1..4 with <=, >=:   filter type uint8, then one value
        requests 1..4 with a range:  filter type uint8, then minimum, maximum
        other requests:              nothing
        5 (number of records):       count uint16, operator NULL
        6 (response code):           request op code uint8, response code uint8, operator NULL

Filter values are a uint16 sequence number (filter type 1) or a 7-byte user
facing time (filter type 2). The pulse oximeter accepts only ALL_RECORDS.

Unlike the measurement characteristics, the operand must have exactly the
announced length: a server answers a malformed request with INVALID_OPERAND,
so :func:`racp_from_bytes` raises :class:`~cabin.errors.FrameError` on extra
bytes as on missing ones, and on an op code, operator or filter type it does
not know (a simulated server answers from ``data[0]``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar, Self, TypeVar

from hardware.ble._codec import OpenIntEnum, Reader, check_range, label, u8, u16
from hardware.ble.clock import DateTime
from hardware.ble.uuids import CharacteristicUuid

__all__ = [
    "RacpFilterType",
    "RacpMessage",
    "RacpNumberOfRecords",
    "RacpOpCode",
    "RacpOperator",
    "RacpRequest",
    "RacpResponse",
    "RacpResponseCode",
    "racp_from_bytes",
]

_UUID = CharacteristicUuid.RECORD_ACCESS_CONTROL_POINT
_NAME = "Record Access Control Point"


class RacpOpCode(OpenIntEnum):
    """What a RACP message asks or answers (0 and 7..255 reserved here)."""

    REPORT_STORED_RECORDS = 1
    DELETE_STORED_RECORDS = 2
    ABORT_OPERATION = 3
    REPORT_NUMBER_OF_STORED_RECORDS = 4
    NUMBER_OF_STORED_RECORDS_RESPONSE = 5
    RESPONSE_CODE = 6


_REQUESTS = frozenset(
    {
        RacpOpCode.REPORT_STORED_RECORDS,
        RacpOpCode.DELETE_STORED_RECORDS,
        RacpOpCode.ABORT_OPERATION,
        RacpOpCode.REPORT_NUMBER_OF_STORED_RECORDS,
    }
)


class RacpOperator(enum.IntEnum):
    """Which records a request is about."""

    NULL = 0
    ALL_RECORDS = 1
    LESS_THAN_OR_EQUAL = 2
    GREATER_THAN_OR_EQUAL = 3
    WITHIN_RANGE = 4  # inclusive
    FIRST_RECORD = 5  # the oldest
    LAST_RECORD = 6  # the most recent


class RacpFilterType(enum.IntEnum):
    """What the operand of a filtered request compares."""

    SEQUENCE_NUMBER = 1  # uint16
    USER_FACING_TIME = 2  # Date Time, 7 bytes


class RacpResponseCode(OpenIntEnum):
    """The outcome of a request (0 and 10..255 reserved)."""

    SUCCESS = 1
    OP_CODE_NOT_SUPPORTED = 2
    INVALID_OPERATOR = 3
    OPERATOR_NOT_SUPPORTED = 4
    INVALID_OPERAND = 5
    NO_RECORDS_FOUND = 6
    ABORT_UNSUCCESSFUL = 7
    PROCEDURE_NOT_COMPLETED = 8
    OPERAND_NOT_SUPPORTED = 9


FilterValue = int | DateTime
_M = TypeVar("_M")


def _decode_as(cls: type[_M], data: bytes, what: str) -> _M:
    """Decode a RACP value that must be a ``cls`` (``what``, in errors)."""
    message = racp_from_bytes(data)
    if not isinstance(message, cls):
        Reader(data, label(_NAME, _UUID)).fail(f"not {what}", 0)
    return message


def _check_filter_value(name: str, filter_type: RacpFilterType, value: FilterValue) -> None:
    if filter_type is RacpFilterType.SEQUENCE_NUMBER:
        if not isinstance(value, int):
            raise ValueError(f"{name} of a sequence number filter is an int")
        check_range(name, value, 0, 0xFFFF)
    elif not isinstance(value, DateTime):
        raise ValueError(f"{name} of a user facing time filter is a DateTime")


@dataclass(frozen=True, slots=True)
class RacpRequest:
    """A request the collector writes (op codes 1..4).

    ``LESS_THAN_OR_EQUAL`` takes ``maximum``, ``GREATER_THAN_OR_EQUAL`` takes
    ``minimum``, ``WITHIN_RANGE`` both, each with a ``filter_type``; the
    other operators take no operand. Whether the server supports the
    combination (ABORT_OPERATION goes with NULL, the others not) is the
    server's answer to give, not a decoding error.

    Attributes:
        op_code: what to do.
        operator: which records.
        filter_type: what ``minimum`` and ``maximum`` compare.
        minimum: the lowest sequence number (int) or user facing time (DateTime).
        maximum: the highest sequence number or user facing time.
    """

    UUID: ClassVar[int] = _UUID
    NAME: ClassVar[str] = _NAME

    op_code: RacpOpCode
    operator: RacpOperator
    filter_type: RacpFilterType | None = None
    minimum: FilterValue | None = None
    maximum: FilterValue | None = None

    def __post_init__(self) -> None:
        if self.op_code not in _REQUESTS:
            raise ValueError("a request has op code 1..4")
        wants_min = self.operator in (RacpOperator.GREATER_THAN_OR_EQUAL, RacpOperator.WITHIN_RANGE)
        wants_max = self.operator in (RacpOperator.LESS_THAN_OR_EQUAL, RacpOperator.WITHIN_RANGE)
        if (self.minimum is not None) != wants_min or (self.maximum is not None) != wants_max:
            raise ValueError(f"operator {self.operator.name} takes another operand")
        if (self.filter_type is not None) != (wants_min or wants_max):
            raise ValueError("a filter type goes with a filtering operator")
        if self.filter_type is not None:
            for name, value in (("minimum", self.minimum), ("maximum", self.maximum)):
                if value is not None:
                    _check_filter_value(name, self.filter_type, value)

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        return _decode_as(cls, data, "a request")

    def __bytes__(self) -> bytes:
        out = u8(self.op_code) + u8(self.operator)
        if self.filter_type is not None:
            out += u8(self.filter_type)
            for value in (self.minimum, self.maximum):
                if isinstance(value, DateTime):
                    out += bytes(value)
                elif value is not None:
                    out += u16(value)
        return out


@dataclass(frozen=True, slots=True)
class RacpNumberOfRecords:
    """The server's answer to REPORT_NUMBER_OF_STORED_RECORDS (op code 5).

    Attributes:
        count: how many records match, 0..65535.
    """

    UUID: ClassVar[int] = _UUID
    NAME: ClassVar[str] = _NAME

    count: int

    def __post_init__(self) -> None:
        check_range("number of records", self.count, 0, 0xFFFF)

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        return _decode_as(cls, data, "a number of stored records response")

    def __bytes__(self) -> bytes:
        return (
            u8(RacpOpCode.NUMBER_OF_STORED_RECORDS_RESPONSE)
            + u8(RacpOperator.NULL)
            + u16(self.count)
        )


@dataclass(frozen=True, slots=True)
class RacpResponse:
    """The server's outcome of a request (op code 6).

    Attributes:
        request_op_code: the op code of the request answered (any byte: the
            server may be refusing an op code it does not know).
        response_code: the outcome.
    """

    UUID: ClassVar[int] = _UUID
    NAME: ClassVar[str] = _NAME

    request_op_code: RacpOpCode
    response_code: RacpResponseCode

    def __post_init__(self) -> None:
        check_range("request op code", self.request_op_code, 0, 0xFF)
        check_range("response code", self.response_code, 0, 0xFF)

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        return _decode_as(cls, data, "a response code")

    def __bytes__(self) -> bytes:
        return (
            u8(RacpOpCode.RESPONSE_CODE)
            + u8(RacpOperator.NULL)
            + u8(self.request_op_code)
            + u8(self.response_code)
        )


RacpMessage = RacpRequest | RacpNumberOfRecords | RacpResponse


def _read_filter_value(r: Reader, filter_type: RacpFilterType, what: str) -> FilterValue:
    if filter_type is RacpFilterType.SEQUENCE_NUMBER:
        return r.u16(what)
    return r.field(what, DateTime.SIZE, DateTime.unpack)


def racp_from_bytes(data: bytes) -> RacpMessage:
    """Decode any Record Access Control Point value: a request or one of the two responses.

    Raises:
        FrameError: truncated, too long, or an op code, operator or filter
            type this module does not know.
    """
    r = Reader(data, label(_NAME, _UUID))
    op_code = RacpOpCode(r.u8("op code"))
    try:
        operator = RacpOperator(r.u8("operator"))
    except ValueError:
        r.fail("unknown operator", 1)
    message: RacpMessage
    if op_code in _REQUESTS:
        filter_type = minimum = maximum = None
        if operator in (
            RacpOperator.LESS_THAN_OR_EQUAL,
            RacpOperator.GREATER_THAN_OR_EQUAL,
            RacpOperator.WITHIN_RANGE,
        ):
            try:
                filter_type = RacpFilterType(r.u8("filter type"))
            except ValueError:
                r.fail("unknown filter type", 2)
            if operator is not RacpOperator.LESS_THAN_OR_EQUAL:
                minimum = _read_filter_value(r, filter_type, "minimum")
            if operator is not RacpOperator.GREATER_THAN_OR_EQUAL:
                maximum = _read_filter_value(r, filter_type, "maximum")
        message = r.build(RacpRequest, op_code, operator, filter_type, minimum, maximum)
    elif op_code is RacpOpCode.NUMBER_OF_STORED_RECORDS_RESPONSE:
        if operator is not RacpOperator.NULL:
            r.fail("a response has the NULL operator", 1)
        message = RacpNumberOfRecords(r.u16("number of records"))
    elif op_code is RacpOpCode.RESPONSE_CODE:
        if operator is not RacpOperator.NULL:
            r.fail("a response has the NULL operator", 1)
        request = RacpOpCode(r.u8("request op code"))
        message = RacpResponse(request, RacpResponseCode(r.u8("response code")))
    else:
        r.fail("unknown op code", 0)
    if r.remaining:
        r.fail("operand longer than the operator takes")
    return message
