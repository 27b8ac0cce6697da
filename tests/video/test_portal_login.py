"""Logging in to the portal over real HTTP on 127.0.0.1: cookies, CSRF, rate limits, roles."""

from __future__ import annotations

import logging
import re

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from argon2 import PasswordHasher

from video.portal import (
    CSRF_HEADER,
    SESSION_COOKIE,
    AccountStore,
    LoginLimiter,
    SessionStore,
    require_role,
    require_station,
    setup_auth,
)

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "mưa-phùn-Hà-Nội-2024"  # noqa: S105 (invented, for tests)
WRONG = "wrong-password-1"


async def _doctor_page(request):
    session = require_role(request, "doctor")
    return web.Response(text=f"hello {session.account.display_name}")


async def _doctor_action(request):
    require_role(request, "doctor")
    return web.Response(text="done")


async def _station_ping(request):
    return web.Response(text=require_station(request))


@pytest.fixture
async def portal(tmp_path, clock):
    store = AccountStore.open(tmp_path / "portal.db", hasher=FAST)
    store.add_account("bs.lan", "BS. Nguyễn Thị Lan", "doctor", PASSWORD)
    store.add_account("dd.minh", "ĐD. Trần Minh", "operator", PASSWORD)
    app = web.Application()
    auth = setup_auth(
        app,
        store,
        secure_cookies=False,
        sessions=SessionStore(clock=clock),
        limiter=LoginLimiter(max_failures=5, window=300, clock=clock),
    )
    app.router.add_get("/doctor", _doctor_page)
    app.router.add_post("/doctor/action", _doctor_action)
    app.router.add_get("/station/ping", _station_ping)
    station_key = store.add_station("tram-phuong-7")
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        client.auth = auth
        client.station_key = station_key
        yield client
    store.close()


async def login_csrf(client):
    response = await client.get("/login")
    assert response.status == 200
    page = await response.text()
    assert "Đăng nhập" in page
    assert "Log in" in page
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


async def login(client, username="bs.lan", password=PASSWORD, csrf=None):
    token = csrf if csrf is not None else await login_csrf(client)
    return await client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        allow_redirects=False,
    )


def session_csrf(client):
    token = client.session.cookie_jar.filter_cookies(client.make_url("/"))[SESSION_COOKIE].value
    return client.auth.sessions.get(token).csrf_token


async def test_good_login_sets_a_strict_http_only_session_cookie(portal):
    response = await login(portal)
    assert response.status == 303
    assert response.headers["Location"] == "/"
    (cookie,) = [c for c in response.headers.getall("Set-Cookie") if SESSION_COOKIE + "=" in c]
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # turned off for plain-HTTP tests only
    page = await portal.get("/doctor")
    assert page.status == 200
    assert await page.text() == "hello BS. Nguyễn Thị Lan"


async def test_secure_flag_is_on_by_default(tmp_path):
    store = AccountStore.open(tmp_path / "portal.db", hasher=FAST)
    store.add_account("bs.lan", "BS. Lan", "doctor", PASSWORD)
    app = web.Application()
    setup_auth(app, store)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        response = await client.get("/login")
        assert "Secure" in response.headers["Set-Cookie"]
    store.close()


@pytest.mark.parametrize(("username", "password"), [("bs.lan", WRONG), ("nobody.here", PASSWORD)])
async def test_wrong_password_or_unknown_user_get_the_same_401(portal, username, password):
    response = await login(portal, username, password)
    assert response.status == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in await response.text()
    assert not any(SESSION_COOKIE + "=" in c for c in response.headers.getall("Set-Cookie", []))
    assert (await portal.get("/doctor")).status == 401


async def test_login_without_or_with_wrong_csrf_is_forbidden(portal):
    await login_csrf(portal)  # the cookie half is set, the form half is missing or wrong
    response = await portal.post(
        "/login", data={"username": "bs.lan", "password": PASSWORD}, allow_redirects=False
    )
    assert response.status == 403
    response = await login(portal, csrf="not-the-token")
    assert response.status == 403


async def test_state_changes_need_the_session_csrf_token(portal):
    assert (await login(portal)).status == 303
    assert (await portal.post("/doctor/action")).status == 403
    wrong = await portal.post("/doctor/action", headers={CSRF_HEADER: "guess"})
    assert wrong.status == 403
    token = session_csrf(portal)
    assert (await portal.post("/doctor/action", headers={CSRF_HEADER: token})).status == 200
    form = await portal.post("/doctor/action", data={"csrf_token": token})
    assert form.status == 200


async def test_five_failures_then_429_with_retry_after(portal, clock):
    for _ in range(5):
        assert (await login(portal, password=WRONG)).status == 401
    blocked = await login(portal)  # even the right password is refused now
    assert blocked.status == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 300
    clock.now += 301
    assert (await login(portal)).status == 303


async def test_failures_from_one_address_block_other_usernames(portal):
    for n in range(5):
        assert (await login(portal, f"khach.{n}", WRONG)).status == 401
    assert (await login(portal, "dd.minh")).status == 429


async def test_logout_ends_the_session(portal):
    await login(portal)
    cookie = portal.session.cookie_jar.filter_cookies(portal.make_url("/"))[SESSION_COOKIE]
    token = session_csrf(portal)
    response = await portal.post("/logout", headers={CSRF_HEADER: token}, allow_redirects=False)
    assert response.status == 303
    assert portal.auth.sessions.get(cookie.value) is None
    replay = await portal.get("/doctor", cookies={SESSION_COOKIE: cookie.value})
    assert replay.status == 401


async def test_session_expires_when_idle(portal, clock):
    await login(portal)
    clock.now += 31 * 60
    assert (await portal.get("/doctor")).status == 401


async def test_roles_401_when_anonymous_403_when_wrong(portal):
    assert (await portal.get("/doctor")).status == 401
    await login(portal, "dd.minh")
    assert (await portal.get("/doctor")).status == 403


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (None, 401),
        ("Station tram-phuong-7:{key}", 200),
        ("Station tram-phuong-7:wrong-key", 401),
        ("Station tram-khac:{key}", 401),
        ("Bearer {key}", 401),
        ("Station tram-phuong-7", 401),
    ],
)
async def test_station_key(portal, header, status):
    headers = {}
    if header is not None:
        headers["Authorization"] = header.format(key=portal.station_key)
    response = await portal.get("/station/ping", headers=headers)
    assert response.status == status
    if status == 200:
        assert await response.text() == "tram-phuong-7"
    else:
        assert response.headers["WWW-Authenticate"] == "Station"


async def test_logs_never_hold_passwords_keys_or_tokens(portal, caplog):
    caplog.set_level(logging.DEBUG)
    await login(portal, password=WRONG)
    await login(portal)
    token = session_csrf(portal)
    await portal.get(
        "/station/ping",
        headers={"Authorization": f"Station tram-phuong-7:{portal.station_key}"},
    )
    text = caplog.text
    for secret in (PASSWORD, WRONG, portal.station_key, token):
        assert secret not in text
