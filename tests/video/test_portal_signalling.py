"""Signalling over real WebSockets on 127.0.0.1: queue, accept race, relay, auth, endings."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import WSServerHandshakeError
from aiohttp.test_utils import TestClient, TestServer
from argon2 import PasswordHasher

from video.portal import AUTH_KEY, SESSION_COOKIE, AccountStore
from video.portal.app import create_app
from video.portal.signalling import HUB_KEY

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "nắng-chiều-Huế-2025"  # noqa: S105 (invented, for tests)
ICE = [{"urls": "stun:stun.example.test:3478"}]
SUMMARY = {"age": 68, "sex": "male", "values": {"bp_sys": 158, "hr": 88}, "flags": ["bp_high"]}
TIMEOUT = 5.0


@pytest.fixture
async def portal(tmp_path, clock):
    store = AccountStore.open(tmp_path / "portal.db", hasher=FAST)
    store.add_account("bs.lan", "BS. Nguyễn Thị Lan", "doctor", PASSWORD)
    store.add_account("bs.hung", "BS. Trần Văn Hùng", "doctor", PASSWORD)
    store.add_account("dd.minh", "ĐD. Lê Minh", "operator", PASSWORD)
    keys = {s: store.add_station(s) for s in ("tram-phuong-7", "tram-phuong-9")}
    app = create_app(store, ice_servers=ICE, secure_cookies=False, clock=clock)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        client.keys = keys
        yield client
    store.close()


def origin(client):
    return f"http://{client.host}:{client.port}"


def session_cookie(client, username):
    auth = client.app[AUTH_KEY]
    account = auth.store.get_account(username)
    return f"{SESSION_COOKIE}={auth.sessions.create(account).token}"


async def doctor(client, username="bs.lan", *, origin_header=None):
    headers = {
        "Cookie": session_cookie(client, username),
        "Origin": origin_header or origin(client),
    }
    ws = await client.ws_connect("/ws/doctor", headers=headers)
    first = await recv(ws)
    assert first["type"] == "queue"
    return ws, first


async def station(client, station_id="tram-phuong-7", key=None):
    key = key if key is not None else client.keys[station_id]
    return await client.ws_connect(
        "/ws/station", headers={"Authorization": f"Station {station_id}:{key}"}
    )


async def recv(ws):
    msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
    assert msg.type.name == "TEXT", msg
    return json.loads(msg.data)


async def recv_type(ws, kind):
    """The next message of ``kind``, skipping queue refreshes."""
    while True:
        message = await recv(ws)
        if message["type"] == kind:
            return message
        assert message["type"] in {"queue", "queued"}, message


async def nothing(ws, within=0.2):
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(ws.receive(), within)


async def ask(ws, visit="visit-1", summary=SUMMARY):
    await ws.send_json({"type": "request", "visit": visit, "summary": summary})
    return await recv_type(ws, "queued")


async def queue_with(ws, n):
    while True:
        message = await recv_type(ws, "queue")
        if len(message["items"]) == n:
            return message


async def test_two_doctors_see_a_request_the_first_accept_wins(portal):
    lan, first = await doctor(portal, "bs.lan")
    hung, _ = await doctor(portal, "bs.hung")
    assert first["items"] == []
    st = await station(portal)
    queued = await ask(st)
    assert queued["position"] == 1
    assert isinstance(queued["wait_s"], int)
    cid = queued["consult"]
    for ws in (lan, hung):
        (item,) = (await queue_with(ws, 1))["items"]
        assert item["consult"] == cid
        assert item["station"] == "tram-phuong-7"
        assert item["age"] == 68
        assert item["sex"] == "male"
        assert item["values"] == SUMMARY["values"]
        assert item["flags"] == ["bp_high"]
        assert "visit" not in item
        assert isinstance(item["waiting_s"], int)

    await lan.send_json({"type": "accept", "consult": cid})
    accepted = await recv_type(lan, "accepted")
    assert accepted["consult"] == cid
    assert accepted["ice_servers"] == ICE
    assert accepted["summary"] == SUMMARY
    to_station = await recv_type(st, "accepted")
    assert to_station["doctor"] == {"id": "bs.lan", "name": "BS. Nguyễn Thị Lan"}
    assert to_station["ice_servers"] == ICE
    assert (await queue_with(hung, 0))["items"] == []

    await hung.send_json({"type": "accept", "consult": cid})
    assert await recv_type(hung, "taken") == {"type": "taken", "consult": cid}
    for ws in (lan, hung, st):
        await ws.close()


async def _call(portal):
    lan, _ = await doctor(portal, "bs.lan")
    hung, _ = await doctor(portal, "bs.hung")
    st = await station(portal)
    other = await station(portal, "tram-phuong-9")
    cid = (await ask(st))["consult"]
    await queue_with(lan, 1)
    await lan.send_json({"type": "accept", "consult": cid})
    await recv_type(lan, "accepted")
    await recv_type(st, "accepted")
    await queue_with(hung, 0)
    return lan, hung, st, other, cid


async def test_offer_answer_and_candidates_go_only_to_the_pair(portal):
    lan, hung, st, other, _cid = await _call(portal)
    offer = '{"type":"offer","sdp":"v=0\\r\\no=- 1 1 IN IP4 127.0.0.1\\r\\n"}'
    await st.send_str(offer)
    msg = await asyncio.wait_for(lan.receive(), TIMEOUT)
    assert msg.data == offer  # byte for byte
    answer = {"type": "answer", "sdp": "v=0\r\n"}
    await lan.send_json(answer)
    assert await recv(st) == answer
    candidate = {"type": "candidate", "candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host"}
    await lan.send_json(candidate)
    assert await recv(st) == candidate
    await nothing(hung)
    await nothing(other)
    # Someone not in a call cannot inject anything.
    await other.send_json({"type": "offer", "sdp": "x"})
    assert (await recv(other))["error"] == "no_call"
    await hung.send_json({"type": "candidate", "candidate": "x"})
    assert (await recv(hung))["error"] == "no_call"
    await nothing(st)
    await nothing(lan)
    for ws in (lan, hung, st, other):
        await ws.close()


async def test_end_is_relayed_and_both_are_told(portal):
    lan, hung, st, other, cid = await _call(portal)
    await st.send_json({"type": "end"})
    assert await recv(lan) == {"type": "end"}
    assert await recv(lan) == {"type": "ended", "consult": cid, "by": "station"}
    assert await recv(st) == {"type": "ended", "consult": cid, "by": "station"}
    assert portal.app[HUB_KEY].queue.get(cid) is None
    # The doctor is back at the queue and sees new requests.
    await ask(other)
    await queue_with(lan, 1)
    for ws in (lan, hung, st, other):
        await ws.close()


async def test_doctor_closing_mid_call_ends_it_for_the_station(portal):
    lan, hung, st, other, cid = await _call(portal)
    await lan.close()
    assert await recv_type(st, "ended") == {"type": "ended", "consult": cid, "by": "doctor"}
    assert portal.app[HUB_KEY].queue.get(cid) is None
    # The station may ask again.
    assert (await ask(st, "visit-2"))["position"] == 1
    for ws in (hung, st, other):
        await ws.close()


async def test_station_closing_mid_call_ends_it_for_the_doctor(portal):
    lan, hung, st, other, cid = await _call(portal)
    await st.close()
    assert await recv_type(lan, "ended") == {"type": "ended", "consult": cid, "by": "station"}
    for ws in (lan, hung, other):
        await ws.close()


async def test_wrong_or_missing_station_key_is_401(portal):
    for headers in (
        {"Authorization": "Station tram-phuong-7:not-the-key"},
        {"Authorization": "Station unknown-station:" + portal.keys["tram-phuong-7"]},
        {"Authorization": "Bearer " + portal.keys["tram-phuong-7"]},
        {},
    ):
        with pytest.raises(WSServerHandshakeError) as caught:
            await portal.ws_connect("/ws/station", headers=headers)
        assert caught.value.status == 401


async def test_doctor_socket_needs_a_doctor_session_and_our_origin(portal):
    with pytest.raises(WSServerHandshakeError) as caught:
        await portal.ws_connect("/ws/doctor", headers={"Origin": origin(portal)})
    assert caught.value.status == 401
    with pytest.raises(WSServerHandshakeError) as caught:
        await portal.ws_connect(
            "/ws/doctor",
            headers={"Cookie": f"{SESSION_COOKIE}=forged", "Origin": origin(portal)},
        )
    assert caught.value.status == 401
    with pytest.raises(WSServerHandshakeError) as caught:
        await portal.ws_connect(
            "/ws/doctor",
            headers={"Cookie": session_cookie(portal, "dd.minh"), "Origin": origin(portal)},
        )
    assert caught.value.status == 403
    for foreign in ("https://evil.example.test", f"http://{portal.host}:1", "null", None):
        headers = {"Cookie": session_cookie(portal, "bs.lan")}
        if foreign is not None:
            headers["Origin"] = foreign
        with pytest.raises(WSServerHandshakeError) as caught:
            await portal.ws_connect("/ws/doctor", headers=headers)
        assert caught.value.status == 403


async def test_station_cancel_removes_the_request(portal):
    lan, _ = await doctor(portal)
    st = await station(portal)
    cid = (await ask(st))["consult"]
    await queue_with(lan, 1)
    await st.send_json({"type": "cancel"})
    await queue_with(lan, 0)
    assert portal.app[HUB_KEY].queue.get(cid) is None
    await lan.send_json({"type": "accept", "consult": cid})
    assert (await recv_type(lan, "taken"))["consult"] == cid
    await nothing(st)
    # Closing the socket also takes a request off the queue.
    await ask(st, "visit-2")
    await queue_with(lan, 1)
    await st.close()
    await queue_with(lan, 0)
    await lan.close()


async def test_positions_and_waits_update_for_two_stations(portal, clock):
    lan, _ = await doctor(portal)
    first = await station(portal, "tram-phuong-7")
    second = await station(portal, "tram-phuong-9")
    a = await ask(first, "visit-a")
    clock.now += 10
    b = await ask(second, "visit-b")
    assert a["position"] == 1
    assert b["position"] == 2
    assert b["wait_s"] > a["wait_s"]
    # A second doctor logging in shortens the estimates.
    hung, _ = await doctor(portal, "bs.hung")
    b2 = await recv_type(second, "queued")
    assert b2["position"] == 2
    assert b2["wait_s"] < b["wait_s"]
    # The first is taken: the second moves up.
    await lan.send_json({"type": "accept", "consult": a["consult"]})
    await recv_type(first, "accepted")
    moved = await recv_type(second, "queued")
    assert moved["consult"] == b["consult"]
    assert moved["position"] == 1
    for ws in (first, second, lan, hung):
        await ws.close()


async def test_a_request_that_waits_too_long_is_cancelled(portal, clock):
    lan, _ = await doctor(portal)
    st = await station(portal)
    cid = (await ask(st))["consult"]
    await queue_with(lan, 1)
    clock.now += 599
    portal.app[HUB_KEY].sweep()
    await nothing(st)
    clock.now += 1
    portal.app[HUB_KEY].sweep()
    assert await recv_type(st, "cancelled") == {
        "type": "cancelled",
        "consult": cid,
        "reason": "timeout",
    }
    await queue_with(lan, 0)
    for ws in (lan, st):
        await ws.close()


@pytest.mark.parametrize(
    "summary",
    [
        {**SUMMARY, "name": "Nguyễn Văn A"},
        {**SUMMARY, "id_number": "001099012345"},
        {**SUMMARY, "values": {"note": "Nguyễn Văn A"}},
    ],
)
async def test_a_summary_with_anything_identifying_is_refused(portal, summary):
    lan, _ = await doctor(portal)
    st = await station(portal)
    await st.send_json({"type": "request", "visit": "visit-1", "summary": summary})
    reply = await recv(st)
    assert reply["type"] == "error"
    assert reply["error"] == "summary"
    await nothing(lan)
    assert len(portal.app[HUB_KEY].queue) == 0
    for ws in (lan, st):
        await ws.close()


async def test_garbage_gets_an_error_not_a_crash(portal):
    st = await station(portal)
    await st.send_bytes(b"\x00binary")
    assert (await recv(st))["message"] == "text frames only"
    await st.send_str("not json")
    assert (await recv(st))["error"] == "json"
    await st.send_json(["no", "type"])
    assert (await recv(st))["error"] == "type"
    await st.send_json({"type": "accept", "consult": "x"})
    assert (await recv(st))["error"] == "type"
    await st.send_json({"type": "request", "visit": "bad visit id!", "summary": SUMMARY})
    assert (await recv(st))["error"] == "visit"
    assert (await ask(st))["position"] == 1
    await st.send_json({"type": "request", "visit": "visit-2", "summary": SUMMARY})
    assert (await recv(st))["error"] == "busy"
    await st.close()


def test_ice_servers_need_urls(tmp_path):
    store = AccountStore.open(tmp_path / "portal.db", hasher=FAST)
    with pytest.raises(ValueError, match="urls"):
        create_app(store, ice_servers=[{"username": "u"}])
    app = create_app(store, ice_servers=[{"urls": ("stun:a.test", "stun:b.test")}])
    assert app[HUB_KEY].ice_servers == [{"urls": ["stun:a.test", "stun:b.test"]}]
    store.close()
