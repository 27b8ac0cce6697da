"""Payloads of the packet protocol: round trips, and our error for bad lengths."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cabin.errors import FrameError
from hardware.serial.messages import (
    Ack,
    CuffData,
    CuffState,
    EcgData,
    Info,
    LeadOff,
    PpgData,
    PpgStatus,
)

# ECG payload: lead-off byte 0x02 (LA detached), then one time point with lead I = -1
# (FF FF FF, int24 LE) and lead II = 0x123456 (56 34 12). Built by hand from the layout.
ECG_PAYLOAD = bytes.fromhex("02ffffff563412")


def test_ecg_payload_decodes_int24_codes_and_lead_off_bits():
    data = EcgData.from_bytes(ECG_PAYLOAD)
    assert data.lead_off == LeadOff.LA
    assert data.samples == ((-1, 0x123456),)
    assert bytes(data) == ECG_PAYLOAD


@pytest.mark.parametrize(
    "message",
    [
        Info(500, 48, 2, "SIM-ADS1292"),
        Ack(0x83, 0),
        EcgData(LeadOff.RA | LeadOff.LL, ((-(1 << 23), (1 << 23) - 1), (0, 5))),
        PpgData(PpgStatus.PROXIMITY_LOW, ((0, (1 << 18) - 1), (1234, 99999))),
        CuffData(CuffState.DEFLATING, (0, 15000, 0xFFFF)),
    ],
)
def test_messages_round_trip(message):
    assert type(message).from_bytes(bytes(message)) == message


@pytest.mark.parametrize(
    ("cls", "raw"),
    [
        (EcgData, b""),
        (EcgData, bytes(8)),
        (PpgData, bytes(6)),
        (PpgData, b"\x00" + b"\xff" * 6),  # counts beyond 18 bits
        (CuffData, b"\x02\x01"),
        (CuffData, b"\x09\x00\x00"),  # unknown state
        (Info, b"\x01"),
        (Info, bytes(7) + "é".encode()),
        (Ack, b"\x01"),
    ],
)
def test_bad_payloads_raise_frame_error(cls, raw):
    with pytest.raises(FrameError):
        cls.from_bytes(raw)


@given(st.binary(max_size=300))
def test_payload_decoders_raise_only_frame_error(raw):
    for cls in (EcgData, PpgData, CuffData, Info, Ack):
        try:
            message = cls.from_bytes(raw)
        except FrameError:
            continue
        assert cls.from_bytes(bytes(message)) == message
