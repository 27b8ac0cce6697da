"""Talking to a doctor from the kiosk, through a real portal on 127.0.0.1.

The test plays the doctor: a logged-in doctor's socket on the portal and an
aiortc peer that answers the cabin's offer, sends its own camera, and speaks
on the ``control`` channel (see tests/video/test_cabin_peer.py). The devices
are simulated; the store is a real SQLite file.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from argon2 import PasswordHasher

from cabin.config import load_config
from cabin.consult import ConsultSettings, Phase
from cabin.i18n import tr
from cabin.measure import Vital
from fhir_bridge.destinations import Destinations
from fhir_bridge.outbox import bundle_bytes, gather
from video import CameraTrack
from video.control import (
    Ack,
    End,
    Instruction,
    Measuring,
    Note,
    Record,
    Remeasure,
    Result,
    Unable,
    encode_control,
    parse_control,
)
from video.portal import AUTH_KEY, SESSION_COOKIE, AccountStore
from video.portal.app import create_app

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "mưa-phùn-Hà-Nội-2026"  # noqa: S105 (invented, for tests)
STATION = "tram-phuong-7"
DOCTOR = "BS. Nguyễn Thị Lan"
OXIMETER = ("oximeter", "sim:cms50d,spo2=95,hr=70")
NOTE = "SpO2 95%, mạch 70. Không cần cấp cứu.\n\nĐo lại sau một tuần tại trạm."
TIMEOUT = 20.0


# ICE host candidates on 127.0.0.1 only (the fixture is in tests/video/conftest.py).
pytestmark = pytest.mark.usefixtures("loopback_ice")


@contextlib.asynccontextmanager
async def portal(tmp_path: Path) -> AsyncIterator[TestClient]:
    store = AccountStore.open(tmp_path / "portal.db", hasher=FAST)
    store.add_account("bs.lan", DOCTOR, "doctor", PASSWORD)
    key = store.add_station(STATION)
    try:
        async with TestClient(
            TestServer(create_app(store, secure_cookies=False), host="127.0.0.1")
        ) as client:
            client.station_key = key  # type: ignore[attr-defined]
            yield client
    finally:
        store.close()


def settings_for(client: TestClient, tmp_path: Path, key: str, **more) -> ConsultSettings:
    key_file = tmp_path / "consult.key"
    key_file.write_text(key + "\n", encoding="utf-8")
    return ConsultSettings(
        f"http://{client.host}:{client.port}", STATION, key_file, camera="sim", **more
    )


class Doctor:
    """The doctor's side: the portal socket and an aiortc peer with a camera."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.camera = CameraTrack(width=320, height=240, fps=15)
        self.control = None
        self.received: list = []  # the cabin's control messages, parsed
        self.live: list[str] = []
        self.ws = None

        @self.pc.on("datachannel")
        def on_datachannel(channel):
            if channel.label == "control":
                self.control = channel
                channel.on("message", lambda m: self.received.append(parse_control(m)))
            elif channel.label == "live":
                channel.on("message", self.live.append)

    async def connect(self) -> None:
        auth = self.client.app[AUTH_KEY]
        token = auth.sessions.create(auth.store.get_account("bs.lan")).token
        headers = {
            "Cookie": f"{SESSION_COOKIE}={token}",
            "Origin": f"http://{self.client.host}:{self.client.port}",
        }
        self.ws = await self.client.ws_connect("/ws/doctor", headers=headers)

    async def recv(self, kind: str) -> dict:
        while True:
            msg = await asyncio.wait_for(self.ws.receive(), TIMEOUT)
            message = json.loads(msg.data)
            if message["type"] == kind:
                return message

    async def waiting(self) -> list:
        while True:
            items = (await self.recv("queue"))["items"]
            if items:
                return items

    async def accept(self, item: dict) -> None:
        await self.ws.send_json({"type": "accept", "consult": item["consult"]})
        offer = await self.recv("offer")
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
        self.pc.addTrack(self.camera)
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        await self.ws.send_json({"type": "answer", "sdp": self.pc.localDescription.sdp})

    def send(self, message) -> None:
        self.control.send(encode_control(message))

    def got(self, kind, **fields) -> list:
        return [
            m
            for m in self.received
            if isinstance(m, kind) and all(getattr(m, k) == v for k, v in fields.items())
        ]

    async def close(self) -> None:
        await self.pc.close()
        if self.ws is not None:
            await self.ws.close()
        self.camera.stop()


async def to_results(s, *, measure_spo2: bool = True) -> None:
    screens = s.kiosk.screens
    await s.tap(screens["home"].health)
    await s.tap(screens["identify"].anonymous)
    await s.tap(screens["consent"].yes)
    measure = screens["measure"]
    if measure_spo2:
        await s.tap(measure.choices[Vital.SPO2])
        await s.tap(measure.start)
        await s.until(lambda: measure.vital is None, timeout=60)
    await s.tap(measure.results)
    assert s.screen == "results"


@pytest.mark.timeout(180)
def test_a_call_with_a_doctor_from_request_to_the_note_in_the_record(run, station, store, tmp_path):
    async def visit():
        async with portal(tmp_path) as client:
            doctor = Doctor(client)
            settings = settings_for(client, tmp_path, client.station_key)
            try:
                await doctor.connect()
                async with station(OXIMETER, consult=settings) as s:
                    await to_results(s)
                    visit_id = s.controller.visit.visit_id
                    consult = s.kiosk.screens["consult"]
                    await s.tap(s.kiosk.screens["results"].doctor)
                    assert s.screen == "consult"

                    # Queued: the kiosk says where the resident is in line.
                    await s.until(lambda: consult.view.phase is Phase.WAITING, TIMEOUT)
                    assert tr("consult.position", position=1) in s.texts()
                    (item,) = await doctor.waiting()
                    assert item["station"] == STATION
                    assert {"age", "sex", "values", "flags"} <= item.keys()
                    assert "spo2" in item["values"]
                    await s.until(
                        lambda: (
                            consult.me.pixmap() is not None and not consult.me.pixmap().isNull()
                        ),
                        TIMEOUT,
                    )
                    await s.shot("19-consult-waiting", publish=True)

                    # Accepted and connected: the doctor's face on the glass, the record sent.
                    await doctor.accept(item)
                    await s.until(lambda: consult.view.phase is Phase.CALL, TIMEOUT)
                    assert tr("consult.doctor", name=DOCTOR) in s.texts()
                    await s.until(lambda: consult.frames_shown >= 5, TIMEOUT)
                    await s.until(lambda: bool(doctor.got(Record)), TIMEOUT)
                    (first,) = doctor.got(Record)
                    assert [r.kind for r in first.readings] == ["spo2", "pulse_rate"] or {
                        r.kind for r in first.readings
                    } >= {"spo2"}

                    doctor.send(Instruction("i1", "sit_still"))
                    await s.until(lambda: bool(doctor.got(Ack, id="i1")), TIMEOUT)
                    await s.until(lambda: tr("advice.sit_still") in s.texts(), TIMEOUT)
                    await s.shot("19-consult-call", publish=True)
                    doctor.send(Instruction("i2", "juggle"))  # not in the catalogue
                    await s.until(lambda: bool(doctor.got(Ack, id="i2")), TIMEOUT)
                    assert consult.view.advice == "advice.sit_still"

                    # Blood pressure cannot be measured here (no cuff): the doctor is told why.
                    doctor.send(Remeasure("r0", Vital.BLOOD_PRESSURE))
                    await s.until(lambda: bool(doctor.got(Unable, id="r0")), TIMEOUT)
                    assert doctor.got(Unable, id="r0", reason="no_device")

                    # The doctor asks for SpO2 again: measured in the consult, the result sent.
                    before = len(store.measurements(visit_id))
                    doctor.send(Remeasure("r1", Vital.SPO2))
                    await s.until(lambda: bool(doctor.got(Measuring, id="r1")), TIMEOUT)
                    assert doctor.got(Ack, id="r1")
                    await s.until(lambda: bool(doctor.got(Result, id="r1")), 60)
                    (result,) = doctor.got(Result, id="r1")
                    assert result.vital is Vital.SPO2
                    assert abs(result.values["spo2"] - 95) <= 2
                    assert len(store.measurements(visit_id)) > before
                    assert s.controller.visit.step == "consult"
                    await s.until(lambda: len(doctor.got(Record)) >= 2, TIMEOUT)
                    assert doctor.live  # waveforms and values went live

                    doctor.send(Note("n1", "nháp"))
                    doctor.send(Note("n2", NOTE))
                    await s.until(lambda: bool(doctor.got(Ack, id="n2")), TIMEOUT)
                    doctor.send(End("e1"))
                    await s.until(lambda: consult.view.phase is Phase.ENDED, TIMEOUT)
                    assert tr("consult.ended") in s.texts()
                    await s.tap(consult.back_to_results)
                    assert s.screen == "results"
                    results = s.kiosk.screens["results"]
                    await s.tap(results.send)
                    assert s.screen == "goodbye"

                kept = store.consult_for(visit_id)
                assert (kept.doctor_id, kept.doctor_name) == ("bs.lan", DOCTOR)
                assert (kept.note, kept.note_version, kept.end_reason) == (NOTE, 2, "doctor")
                assert kept.accepted_at is not None
                assert kept.ended_at is not None
                destinations = Destinations.from_config(
                    load_config(env={"CABIN_DATA_DIR": str(tmp_path)})
                )
                bundle = json.loads(bundle_bytes(gather(store, visit_id, destinations)))
                kinds = {e["resource"]["resourceType"]: e["resource"] for e in bundle["entry"]}
                assert (
                    "Đo lại sau một tuần tại trạm."
                    in kinds["Composition"]["section"][0]["text"]["div"]
                )
                assert kinds["Practitioner"]["name"][0]["text"] == DOCTOR
            finally:
                await doctor.close()

    run(visit())


@pytest.mark.timeout(120)
def test_a_wrong_station_key_is_told_plainly_and_the_visit_goes_on(run, station, store, tmp_path):
    async def visit():
        async with portal(tmp_path) as client:
            settings = settings_for(client, tmp_path, "not-the-key")
            async with station(OXIMETER, consult=settings) as s:
                await to_results(s, measure_spo2=False)
                visit_id = s.controller.visit.visit_id
                consult = s.kiosk.screens["consult"]
                await s.tap(s.kiosk.screens["results"].doctor)
                await s.until(
                    lambda: consult.view is not None and consult.view.phase is Phase.FAILED, TIMEOUT
                )
                assert consult.view.failure == "consult.fail.refused"
                assert tr("consult.fail.refused") in s.texts()
                await s.shot("consult-refused")
                await s.tap(consult.back_to_results)
                assert s.screen == "results"
                assert s.controller.visit.step == "results"
                await s.tap(s.kiosk.screens["results"].send)
                assert s.screen == "goodbye"
        (tried,) = store.consults_of(visit_id)
        assert (tried.end_reason, tried.accepted_at) == ("refused", None)
        assert store.consult_for(visit_id) is None
        states = [t.to_state for t in store.transitions(visit_id)]
        assert states[-6:-1] == ["results", "consult", "results", "send", "goodbye"]

    run(visit())


@pytest.mark.timeout(120)
def test_no_doctor_answers_or_the_resident_stops_waiting_back_at_the_results(
    run, station, store, tmp_path
):
    async def visit():
        async with portal(tmp_path) as client:
            settings = settings_for(client, tmp_path, client.station_key, wait_timeout=2.0)
            doctor = Doctor(client)
            try:
                await doctor.connect()
                async with station(OXIMETER, consult=settings) as s:
                    await to_results(s, measure_spo2=False)
                    visit_id = s.controller.visit.visit_id
                    consult = s.kiosk.screens["consult"]
                    results = s.kiosk.screens["results"]

                    await s.tap(results.doctor)
                    await s.until(lambda: consult.view.phase is Phase.FAILED, TIMEOUT)
                    assert consult.view.failure == "consult.fail.no_doctor"
                    assert tr("consult.fail.no_doctor") in s.texts()
                    await s.tap(consult.back_to_results)
                    assert s.screen == "results"

                    await s.tap(results.doctor)
                    await s.until(lambda: consult.view.phase is Phase.WAITING, TIMEOUT)
                    await s.tap(consult.cancel)
                    await s.until(lambda: s.screen == "results", TIMEOUT)
                    assert s.controller.visit.step == "results"
                    assert not s.controller.visit.calling
                    # The requests left the doctors' queue: the last queue they saw is empty.
                    queues = []
                    with contextlib.suppress(TimeoutError):
                        while True:
                            msg = await asyncio.wait_for(doctor.ws.receive(), 1.0)
                            queues.append(json.loads(msg.data).get("items"))
                    assert queues
                    assert queues[-1] == []
            finally:
                await doctor.close()
        reasons = [c.end_reason for c in store.consults_of(visit_id)]
        assert reasons == ["no_doctor", "resident"]

    run(visit())
