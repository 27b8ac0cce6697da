"""``cabin run --demo`` brings its own doctors' portal when ``[consult]`` names none."""

from __future__ import annotations

import re

import aiohttp
import pytest

from cabin.config import load_config
from cabin.demo_portal import DEMO_DOCTOR, DEMO_OPERATOR, demo_portal
from video.portal.accounts import AccountStore


@pytest.mark.timeout(60)
async def test_the_demo_portal_takes_the_station_and_the_printed_doctor(tmp_path, capsys):
    data = tmp_path / "var"  # not there yet, as in a fresh clone
    config = load_config(env={"CABIN_DATA_DIR": str(data), "CABIN_STATION__ID": "tram-demo"})
    assert not config.consult.enabled
    with demo_portal(config) as running:
        printed = capsys.readouterr().out
        assert running.consult.enabled
        assert f"Doctors' portal (demo): {running.consult.portal_url}/login" in printed
        password = re.search(rf"doctor {DEMO_DOCTOR}, password (\S+)", printed).group(1)
        assert running.consult.key_file.stat().st_mode & 0o077 == 0
        key = running.consult.key_file.read_text(encoding="utf-8").strip()
        with AccountStore.open(data / "demo-portal.db") as accounts:
            assert accounts.verify_password(DEMO_DOCTOR, password) is not None
            operator = accounts.verify_password(DEMO_OPERATOR, password)
            assert operator is not None
            assert operator.role == "operator"
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(
                running.consult.portal_url + "/ws/station",
                headers={"Authorization": f"Station tram-demo:{key}"},
            )
            summary = {"age": 70, "sex": "female", "values": {}, "flags": []}
            await ws.send_json({"type": "request", "visit": "v-1", "summary": summary})
            answer = await ws.receive_json(timeout=10)
            assert answer["type"] == "queued"
            await ws.close()
    with pytest.raises(aiohttp.ClientError):
        async with aiohttp.ClientSession() as session:
            await session.get(running.consult.portal_url + "/login")


def test_a_configured_portal_is_left_alone(tmp_path, capsys):
    env = {
        "CABIN_DATA_DIR": str(tmp_path),
        "CABIN_CONSULT__PORTAL_URL": "https://portal.example.vn",
    }
    config = load_config(env=env)
    with demo_portal(config) as running:
        assert running is config
    assert capsys.readouterr().out == ""
    assert not (tmp_path / "demo-portal.db").exists()
