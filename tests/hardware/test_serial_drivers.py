"""Every serial driver against its simulator, over a real pty: exact data, counted faults."""

from __future__ import annotations

import asyncio
import itertools

import numpy as np
import pytest

from cabin.errors import DeviceUnavailable
from hardware.events import DeviceState, SignalKind, WaveformChunk
from hardware.serial import Cms50dDriver, CuffDriver, EcgDriver, Info, Packet, PacketType, PpgDriver
from hardware.serial.messages import LeadOff
from hardware.sim.oximeter import Cms50dSimulator
from hardware.sim.packet_devices import EcgSimulator, PpgSimulator
from tests.hardware.conftest import ramp_source, running


def assert_samples_match_truth(chunks, truth):
    """Each decoded chunk equals what the simulator sent at the chunk's stream index."""
    assert chunks
    for chunk in chunks:
        assert np.array_equal(chunk.samples, truth[chunk.seq : chunk.seq + len(chunk)])


async def test_ecg_samples_arrive_exactly_as_sent_on_a_healthy_link(events):
    async with EcgSimulator(ramp_source(2, 1.5), fs=500) as sim:
        driver = EcgDriver("ecg", sim.path)
        async with running(driver, events):
            await events.wait_for(lambda e: sum(map(len, e.chunks(SignalKind.ECG_II))) >= 600)
        lsb_mv = sim.info.lsb * 1e-6
        lead_i, lead_ii = events.chunks(SignalKind.ECG_I), events.chunks(SignalKind.ECG_II)
        assert_samples_match_truth(lead_i, sim.truth[:, 0] * lsb_mv)
        assert_samples_match_truth(lead_ii, sim.truth[:, 1] * lsb_mv)
        # Nothing lost: the chunks tile the stream from sample 0 with no gap.
        assert [c.seq for c in lead_ii] == list(range(0, 10 * len(lead_ii), 10))
        assert all(c.fs == 500 and c.unit == "mV" for c in lead_ii)
        assert driver.counters.get("samples_lost", 0) == 0
        assert driver.counters.get("faults", 0) == 0
        assert events.statuses()[0].state == DeviceState.CONNECTED


async def test_ecg_chunk_times_follow_the_sample_index(events):
    async with EcgSimulator(ramp_source(2, 1.0), fs=250) as sim:
        async with running(EcgDriver("ecg", sim.path), events):
            await events.wait_for(lambda e: len(e.chunks(SignalKind.ECG_I)) >= 20)
    chunks = events.chunks(SignalKind.ECG_I)
    for before, after in itertools.pairwise(chunks):
        assert after.start == before.end
        assert after.seq == before.seq + len(before)


async def test_ecg_faults_are_counted_and_lose_only_the_damaged_packets(events):
    async with EcgSimulator(ramp_source(2, 2.0), fs=500, seed=7) as sim:
        driver = EcgDriver("ecg", sim.path)
        async with running(driver, events):
            await events.wait_for(lambda e: len(e.chunks(SignalKind.ECG_I)) >= 10)
            sim.faults.corrupt, sim.faults.drop, sim.faults.garble = 3, 2, 4
            await events.wait_for(lambda e: len(e.chunks(SignalKind.ECG_I)) >= 60)
        truth = sim.truth * (sim.info.lsb * 1e-6)  # the driver's own scaling
        assert_samples_match_truth(events.chunks(SignalKind.ECG_I), truth[:, 0])
        assert_samples_match_truth(events.chunks(SignalKind.ECG_II), truth[:, 1])
        assert sim.samples_damaged == 50  # five packets of ten samples
        assert driver.counters["samples_lost"] == sim.samples_damaged
        assert driver.counters["packets_lost"] == 5
        assert driver.counters["crc_errors"] >= 5
        assert driver.counters["bytes_dropped"] > 0
        reasons = {s.reason for s in events.statuses()}
        assert {"crc_errors", "samples_lost"} <= reasons
        assert all(s.state == DeviceState.CONNECTED for s in events.statuses())


async def test_a_detached_electrode_flags_the_chunks(events):
    async with EcgSimulator(ramp_source(2, 1.0), fs=250) as sim:
        async with running(EcgDriver("ecg", sim.path), events):
            await events.wait_for(lambda e: len(e.chunks(SignalKind.ECG_I)) >= 5)
            sim.lead_off = LeadOff.LA
            await events.wait_for(
                lambda e: any("lead_off" in c.flags for c in e.chunks(SignalKind.ECG_I))
            )
    flagged = [c for c in events.chunks(SignalKind.ECG_I) if c.flags]
    assert flagged[0].flags == {"lead_off", "lead_off_la"}
    assert not events.chunks(SignalKind.ECG_I)[0].flags


async def test_ppg_counts_arrive_exactly_and_finger_out_is_flagged(events):
    source = ramp_source(2, 3000.0)
    source.signal += 100_000  # DC of a finger on the sensor, in counts
    async with PpgSimulator(source) as sim:
        async with running(PpgDriver("ppg", sim.path), events):
            await events.wait_for(lambda e: sum(map(len, e.chunks(SignalKind.PPG_IR))) >= 100)
            sim.finger_out = True
            await events.wait_for(
                lambda e: any("finger_out" in c.flags for c in e.chunks(SignalKind.PPG_IR))
            )
        assert_samples_match_truth(events.chunks(SignalKind.PPG_RED), sim.truth[:, 0])
        assert_samples_match_truth(events.chunks(SignalKind.PPG_IR), sim.truth[:, 1])
    out = [c for c in events.chunks(SignalKind.PPG_IR) if "finger_out" in c.flags]
    assert out[-1].samples.mean() < 2000  # ambient light only


async def test_oximeter_pleth_and_values_arrive_as_shown_on_the_device(events):
    pleth = ramp_source(1, 40.0)
    pleth.signal += 50
    async with Cms50dSimulator(pleth, spo2=94, pulse_rate=131) as sim:
        async with running(Cms50dDriver("oximeter", sim.path), events):
            await events.wait_for(
                lambda e: len(e.readings("spo2")) >= 2 and len(e.chunks(SignalKind.PLETH)) >= 5
            )
        decoded = np.concatenate([c.samples for c in events.chunks(SignalKind.PLETH)])
        sent = np.array([f.pleth for f in sim.truth], dtype=float)
        assert np.array_equal(decoded, sent[: len(decoded)])
        assert len(decoded) >= 60
    assert {r.value for r in events.readings("spo2")} == {94.0}
    assert {r.value for r in events.readings("pulse_rate")} == {131.0}
    assert events.readings("spo2")[0].unit == "%"
    assert events.readings("pulse_rate")[0].unit == "/min"


async def test_oximeter_finger_out_blanks_values_and_is_flagged(events):
    async with Cms50dSimulator(ramp_source(1, 30.0)) as sim:
        sim.finger_out = True
        async with running(Cms50dDriver("oximeter", sim.path), events):
            await events.wait_for(lambda e: len(e.chunks(SignalKind.PLETH)) >= 10)
    assert all("finger_out" in c.flags for c in events.chunks(SignalKind.PLETH))
    assert events.readings("spo2") == []


async def pleth_under_fault(events, seed: int, fault: str, count: int):
    """Pleth with ``sim.faults.<fault> = count`` set once it flows: driver, decoded, sent."""
    pleth = ramp_source(1, 45.0)
    pleth.signal += 50
    async with Cms50dSimulator(pleth, seed=seed) as sim:
        driver = Cms50dDriver("oximeter", sim.path)
        async with running(driver, events):
            await events.wait_for(lambda e: len(e.chunks(SignalKind.PLETH)) >= 3)
            setattr(sim.faults, fault, count)
            await asyncio.sleep(1.0)
        decoded = [int(v) for c in events.chunks(SignalKind.PLETH) for v in c.samples]
        sent = [f.pleth for f in sim.truth]
    return driver, decoded, sent


async def test_oximeter_lost_bytes_drop_frames_but_never_invent_them(events):
    driver, decoded, sent = await pleth_under_fault(events, seed=3, fault="drop", count=5)
    # Every decoded sample appears in the sent stream, in order (a subsequence).
    position = 0
    for value in decoded:
        position = sent.index(value, position) + 1
    assert len(sent) - 5 - 2 <= len(decoded) <= len(sent) - 5  # 2: frames still in flight
    assert driver.counters["frames_cut"] == 5


async def test_oximeter_resynchronises_after_garbage(events):
    # The protocol has no checksum, so garbage can look like a frame; what matters is
    # that the faults are counted and the stream is decoded exactly once it stops.
    driver, decoded, sent = await pleth_under_fault(events, seed=5, fault="garble", count=10)
    tail = decoded[-30:]
    assert any(sent[i : i + 30] == tail for i in range(len(sent) - 29))
    assert driver.counters["faults"] >= 1
    assert driver.counters["bytes_dropped"] > 0


async def test_unplugging_ends_the_run_with_device_unavailable(events):
    async with EcgSimulator(ramp_source(2, 1.0), fs=250) as sim:
        async with running(EcgDriver("ecg", sim.path), events) as task:
            await events.wait_for(lambda e: len(e.chunks(SignalKind.ECG_I)) >= 3)
            sim.unplug()
            with pytest.raises(DeviceUnavailable, match="unplugged"):
                await asyncio.wait_for(task, 2.0)


async def test_a_device_that_never_answers_is_reported_unavailable(events):
    async with EcgSimulator(ramp_source(2, 1.0), fs=250) as sim:
        sim.faults.silent = True
        driver = EcgDriver("ecg", sim.path)
        driver.answer_timeout = 0.2
        with pytest.raises(DeviceUnavailable, match="no answer"):
            await asyncio.wait_for(driver.run(events.append), 3.0)
        assert driver.counters["timeouts"] == 3
    assert events == []


async def test_a_device_that_falls_silent_mid_stream_is_reported(events):
    async with PpgSimulator(ramp_source(2, 500.0)) as sim:
        driver = PpgDriver("ppg", sim.path, silence_timeout=0.5)
        async with running(driver, events) as task:
            await events.wait_for(lambda e: len(e.chunks(SignalKind.PPG_IR)) >= 3)
            sim.faults.silent = True
            with pytest.raises(DeviceUnavailable, match="silent"):
                await asyncio.wait_for(task, 2.0)
        assert driver.counters["silences"] == 1


async def test_opening_a_missing_port_is_device_unavailable(tmp_path, events):
    driver = EcgDriver("ecg", str(tmp_path / "no-such-tty"))
    with pytest.raises(DeviceUnavailable, match="cannot open"):
        await driver.run(events.append)


def test_a_packet_whose_payload_does_not_decode_loses_only_itself():
    # Three cuff packets in one read; the middle one has a valid CRC around an
    # unknown state byte (0x09), as a firmware bug would send. Fed straight to the
    # driver's byte handler, as its serial link would.
    good = bytes([2]) + (12000).to_bytes(2, "little") * 5
    bad = bytes([9]) + (12000).to_bytes(2, "little") * 5
    stream = b"".join(
        bytes(Packet(PacketType.CUFF_DATA, seq, payload))
        for seq, payload in ((0, good), (1, bad), (2, good))
    )
    driver = CuffDriver("bp", "/dev/null")
    driver.info = Info(100, 1, 1, "test")
    seen = []
    driver._emit = seen.append
    driver._on_bytes(stream)
    chunks = [e for e in seen if isinstance(e, WaveformChunk)]
    assert [c.seq for c in chunks] == [0, 10]  # the bad packet's five samples are a gap
    assert driver.counters["bad_payload"] == 1
    assert driver.counters["samples_lost"] == 5
