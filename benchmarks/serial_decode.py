"""Serial decode cost: samples per second one core turns from bytes into events.

For each protocol, a second of the device's own bytes (built by its simulator's
message classes) is fed to the real driver in 64-byte reads, as a USB-serial
adapter delivers them, and decoded into WaveformChunk events. No I/O is timed.

    .venv/bin/python benchmarks/serial_decode.py
"""

from __future__ import annotations

import time

import numpy as np

from hardware.serial import Cms50dDriver, CuffDriver, EcgDriver, PpgDriver
from hardware.serial.cms50d import Cms50dFrame, Cms50dStatus
from hardware.serial.messages import CuffData, CuffState, EcgData, Info, LeadOff, PpgData
from hardware.serial.packet import Packet, PacketType

READ_SIZE = 64
SECONDS_OF_DATA = 600


def packet_stream(ptype, per_packet, fs, payload_of):
    rng = np.random.default_rng(0)
    packets = int(SECONDS_OF_DATA * fs / per_packet)
    return b"".join(
        bytes(Packet(ptype, i & 0xFFFF, payload_of(rng, per_packet))) for i in range(packets)
    ), packets * per_packet


def ecg_payload(rng, n):
    codes = rng.integers(-(1 << 20), 1 << 20, (n, 2))
    return bytes(EcgData(LeadOff.NONE, tuple((int(a), int(b)) for a, b in codes)))


def ppg_payload(rng, n):
    codes = rng.integers(0, 1 << 18, (n, 2))
    return bytes(PpgData(0, tuple((int(a), int(b)) for a, b in codes)))


def cuff_payload(rng, n):
    return bytes(CuffData(CuffState.DEFLATING, tuple(int(c) for c in rng.integers(0, 20000, n))))


def run(driver, stream):
    count = 0

    def emit(event):
        nonlocal count
        count += 1

    driver._emit = emit
    start = time.perf_counter()
    for i in range(0, len(stream), READ_SIZE):
        driver._on_bytes(stream[i : i + READ_SIZE])
    return time.perf_counter() - start, count


def main() -> None:
    rows = []
    cases = [
        (
            "ECG 500 Hz x2 (ADS1292-class)",
            EcgDriver,
            PacketType.ECG_DATA,
            10,
            500,
            ecg_payload,
            Info(500, 48, 2, "bench"),
        ),
        (
            "PPG 100 Hz x2 (MAX30102-class)",
            PpgDriver,
            PacketType.PPG_DATA,
            4,
            100,
            ppg_payload,
            Info(100, 1, 2, "bench"),
        ),
        (
            "Cuff 100 Hz",
            CuffDriver,
            PacketType.CUFF_DATA,
            5,
            100,
            cuff_payload,
            Info(100, 1, 1, "bench"),
        ),
    ]
    for name, cls, ptype, per_packet, fs, payload, info in cases:
        stream, samples = packet_stream(ptype, per_packet, fs, payload)
        driver = cls("bench", "/dev/null")
        driver.info = info
        seconds, _ = run(driver, stream)
        assert driver.counters["samples"] == samples, driver.counters
        rows.append((name, samples, seconds, fs))
    frames = [
        bytes(Cms50dFrame(Cms50dStatus.NONE, 8, i % 100, 5, 72, 97))
        for i in range(SECONDS_OF_DATA * 60)
    ]
    driver = Cms50dDriver("bench", "/dev/null")
    seconds, _ = run(driver, b"".join(frames))
    assert driver.counters["samples"] == len(frames)
    rows.append(("Oximeter 60 Hz (CMS50D+-style)", len(frames), seconds, 60))

    print(f"{'protocol':34} {'samples':>9} {'seconds':>8} {'samples/s':>12} {'x real time':>12}")
    for name, samples, seconds, fs in rows:
        rate = samples / seconds
        print(f"{name:34} {samples:9d} {seconds:8.3f} {rate:12,.0f} {rate / fs:12,.0f}")


if __name__ == "__main__":
    main()
