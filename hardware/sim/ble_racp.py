"""The Record Access Control Point (0x2A52) of a simulated meter, over its stored records.

A glucose meter and a pulse oximeter keep records and hand them over when the
collector asks through the RACP (GATT Specification Supplement, "Record Access
Control Point"; Glucose Service 1.0.1, 3.7; Pulse Oximeter Service 1.0). The
collector writes a request; the meter sends the selected records on their own
characteristic, then indicates a response code on the RACP.

Before anything, a write is refused with an ATT error when the central has not
enabled RACP indications (0xFD, Client Characteristic Configuration Descriptor
Improperly Configured), or when a procedure is still running (0xFE, Procedure
Already In Progress; only Abort Operation may come then). Every other problem
is answered with a response code:

==========================================  =====================================
request                                     response code
==========================================  =====================================
op code not 1..4                            OP_CODE_NOT_SUPPORTED
operator unknown, or NULL where one is      INVALID_OPERATOR
needed (or another with Abort Operation)
operator the meter does not support         OPERATOR_NOT_SUPPORTED
(all but ALL_RECORDS on an oximeter)
filter type unknown, or user facing time    OPERAND_NOT_SUPPORTED
(records are selected by sequence number)
operand of the wrong length, or a range     INVALID_OPERAND
whose minimum is above its maximum
nothing selected (report, delete)           NO_RECORDS_FOUND
==========================================  =====================================

Report Number of Stored Records always answers with the count, even 0. Records
are kept oldest first and compared by plain sequence number (no wrap-around).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from cabin.errors import FrameError
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
from hardware.ble.uuids import CharacteristicUuid as C
from hardware.sim.ble_peripheral import BlePeripheral, GattError

__all__ = [
    "CCCD_IMPROPERLY_CONFIGURED",
    "PROCEDURE_ALREADY_IN_PROGRESS",
    "RecordAccess",
]

logger = logging.getLogger(__name__)

R = TypeVar("R")

#: ATT common profile errors (Core Specification Supplement, Part B, 1.2).
CCCD_IMPROPERLY_CONFIGURED = 0xFD
PROCEDURE_ALREADY_IN_PROGRESS = 0xFE

_RACP = C.RECORD_ACCESS_CONTROL_POINT.uuid
_FILTERING = (
    RacpOperator.LESS_THAN_OR_EQUAL,
    RacpOperator.GREATER_THAN_OR_EQUAL,
    RacpOperator.WITHIN_RANGE,
)


class RecordAccess(Generic[R]):
    """Answers RACP writes over a meter's records.

    Args:
        peripheral: the meter's peripheral (it must host the RACP, write and indicate).
        records: the meter's records, oldest first; shared, and changed by deletions.
        send: sends one record to the central (its measurement, and context if
            any); called for each record reported.
        sequence_number: a record's sequence number, for the filtering and
            first/last operators; None for a meter that reports all records or
            none (a pulse oximeter).
        pace_s: seconds between two records reported.
    """

    def __init__(
        self,
        peripheral: BlePeripheral,
        records: list[R],
        send: Callable[[R], Awaitable[object]],
        *,
        sequence_number: Callable[[R], int] | None = None,
        pace_s: float = 0.005,
    ) -> None:
        self._peripheral = peripheral
        self._records = records
        self._send = send
        self._sequence_number = sequence_number
        self._pace_s = pace_s
        self._procedure: asyncio.Task[None] | None = None
        # Until its response is sent: a central may write again as soon as it has it.
        self._in_progress = False

    @property
    def busy(self) -> bool:
        """A procedure (other than an abort) is running."""
        return self._in_progress

    def write(self, data: bytes) -> None:
        """The RACP's write handler: refuse at once, or start the procedure after the write.

        Raises:
            GattError: 0xFD when RACP indications are off; 0xFE while a procedure runs.
        """
        if not self._peripheral.is_subscribed(_RACP, indications=True):
            raise GattError(CCCD_IMPROPERLY_CONFIGURED)
        if data[:1] == bytes((RacpOpCode.ABORT_OPERATION,)):
            self._peripheral.spawn(self._abort(data))
            return
        if self._in_progress:
            raise GattError(PROCEDURE_ALREADY_IN_PROGRESS)
        self._in_progress = True
        self._procedure = self._peripheral.spawn(self._procedure_for(data))

    async def _procedure_for(self, data: bytes) -> None:
        try:
            await self._run(data)
        finally:
            # Not if a newer procedure started while this one's answer was confirmed.
            if self._procedure is asyncio.current_task():
                self._in_progress = False

    async def _run(self, data: bytes) -> None:
        try:
            request = racp_from_bytes(data)
        except FrameError:
            await self._respond(data[0] if data else 0, _malformed(data))
            return
        if not isinstance(request, RacpRequest):  # a response written back
            await self._respond(data[0], RacpResponseCode.OP_CODE_NOT_SUPPORTED)
            return
        refusal = self._refusal(request)
        if refusal is not None:
            await self._respond(request.op_code, refusal)
            return
        logger.debug("RACP %s %s", request.op_code.name, request.operator.name)
        selected = self._select(request)
        if request.op_code is RacpOpCode.REPORT_NUMBER_OF_STORED_RECORDS:
            await self._answer(RacpNumberOfRecords(len(selected)))
            return
        if not selected:
            await self._respond(request.op_code, RacpResponseCode.NO_RECORDS_FOUND)
            return
        if request.op_code is RacpOpCode.REPORT_STORED_RECORDS:
            for index, record in enumerate(selected):
                if index:
                    await asyncio.sleep(self._pace_s)
                await self._send(record)
        else:  # DELETE_STORED_RECORDS
            doomed = {id(record) for record in selected}
            self._records[:] = [r for r in self._records if id(r) not in doomed]
        await self._respond(request.op_code, RacpResponseCode.SUCCESS)

    def _refusal(self, request: RacpRequest) -> RacpResponseCode | None:
        operator = request.operator
        if operator is RacpOperator.NULL:
            return RacpResponseCode.INVALID_OPERATOR
        if self._sequence_number is None and operator is not RacpOperator.ALL_RECORDS:
            return RacpResponseCode.OPERATOR_NOT_SUPPORTED
        if request.filter_type is RacpFilterType.USER_FACING_TIME:
            return RacpResponseCode.OPERAND_NOT_SUPPORTED
        low, high = request.minimum, request.maximum
        if isinstance(low, int) and isinstance(high, int) and low > high:
            return RacpResponseCode.INVALID_OPERAND
        return None

    def _select(self, request: RacpRequest) -> list[R]:
        records = list(self._records)
        number = self._sequence_number
        operator = request.operator
        if number is None or operator is RacpOperator.ALL_RECORDS:
            return records
        if operator is RacpOperator.FIRST_RECORD:
            return records[:1]
        if operator is RacpOperator.LAST_RECORD:
            return records[-1:]
        # Filtered by sequence number (the only filter type _refusal lets through).
        low = request.minimum if isinstance(request.minimum, int) else 0
        high = request.maximum if isinstance(request.maximum, int) else 0xFFFF
        return [r for r in records if low <= number(r) <= high]

    async def _abort(self, data: bytes) -> None:
        """Abort Operation: stop the running procedure, which then sends no response."""
        try:
            request = racp_from_bytes(data)
        except FrameError:
            code = _malformed(data)
        else:
            # Op code 3 is a request: racp_from_bytes gives a RacpRequest.
            if isinstance(request, RacpRequest) and request.operator is RacpOperator.NULL:
                code = RacpResponseCode.SUCCESS
            else:
                code = RacpResponseCode.INVALID_OPERATOR
        running = self._procedure
        if code is RacpResponseCode.SUCCESS and self._in_progress and running is not None:
            running.cancel()
            await asyncio.wait({running})
        response = RacpResponse(RacpOpCode.ABORT_OPERATION, code)
        await self._peripheral.indicate(_RACP, bytes(response))

    async def _respond(self, op_code: int, code: RacpResponseCode) -> None:
        await self._answer(RacpResponse(RacpOpCode(op_code), code))

    async def _answer(self, answer: RacpResponse | RacpNumberOfRecords) -> None:
        # The procedure is over once its answer is sent, whether confirmed yet or not.
        self._in_progress = False
        await self._peripheral.indicate(_RACP, bytes(answer))


def _malformed(data: bytes) -> RacpResponseCode:
    """The response code for a request that does not decode, by its first bytes."""
    if not data or data[0] not in (1, 2, 3, 4):
        return RacpResponseCode.OP_CODE_NOT_SUPPORTED
    if len(data) < 2 or data[1] not in tuple(RacpOperator):
        return RacpResponseCode.INVALID_OPERATOR
    if data[1] in _FILTERING and len(data) >= 3 and data[2] not in tuple(RacpFilterType):
        return RacpResponseCode.OPERAND_NOT_SUPPORTED
    return RacpResponseCode.INVALID_OPERAND
