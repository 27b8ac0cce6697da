"""Logging in to the portal: sessions, CSRF, rate limits, roles and station keys.

:func:`setup_auth` adds ``GET``/``POST /login`` and ``POST /logout`` to an aiohttp
application and a middleware that:

* finds the browser session from its cookie (``portal_session``: 32 random bytes,
  ``HttpOnly``, ``SameSite=Strict``, ``Secure`` unless turned off for plain-HTTP
  tests, path ``/``) and puts it at ``request[SESSION_KEY]``;
* refuses (403) a ``POST``/``PUT``/``PATCH``/``DELETE`` made with a session cookie
  that does not carry the session's CSRF token in the ``X-CSRF-Token`` header or
  the ``csrf_token`` form field.

The login form itself, used before any session exists, is protected with a
double-submit token (cookie ``portal_login_csrf`` equal to the form field).

Handlers then call :func:`require_role` (401 when not logged in, 403 for the
wrong role) or :func:`require_station` (``Authorization: Station <id>:<key>``,
401 otherwise). Sessions live in memory: restarting the portal logs everyone out.
"""

from __future__ import annotations

import asyncio
import html
import logging
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from aiohttp import web

from video.portal.accounts import Account, AccountStore, Role

__all__ = [
    "AUTH_KEY",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "LOGIN_CSRF_COOKIE",
    "SESSION_COOKIE",
    "SESSION_KEY",
    "LoginLimiter",
    "PortalAuth",
    "Session",
    "SessionStore",
    "require_role",
    "require_station",
    "setup_auth",
]

_log = logging.getLogger(__name__)

SESSION_COOKIE = "portal_session"
LOGIN_CSRF_COOKIE = "portal_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})

Clock = Callable[[], float]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(slots=True)
class Session:
    """One logged-in browser.

    Attributes:
        token: the cookie's value (secret).
        account: who is logged in.
        csrf_token: to put in every form and ``X-CSRF-Token`` header.
        expires_at: clock time (seconds) after which the session is gone; each
            request pushes it forward by the idle time-out, up to ``hard_expiry``.
        hard_expiry: clock time (seconds) the session ends whatever happens.
    """

    token: str = field(repr=False)
    account: Account
    csrf_token: str = field(repr=False)
    expires_at: float
    hard_expiry: float

    @property
    def role(self) -> Role:
        """The account's role."""
        return self.account.role


class SessionStore:
    """Sessions in memory, keyed by their secret token.

    Args:
        idle_timeout: seconds without a request before a session ends.
        max_age: seconds after login at which a session ends anyway.
        clock: monotonic time in seconds (tests pass a fake one).
    """

    def __init__(
        self,
        *,
        idle_timeout: float = 30 * 60,
        max_age: float = 12 * 3600,
        clock: Clock = time.monotonic,
    ) -> None:
        self.idle_timeout = idle_timeout
        self.max_age = max_age
        self._clock = clock
        self._sessions: dict[str, Session] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    def create(self, account: Account) -> Session:
        """Start a session for ``account``, with fresh token and CSRF token."""
        self._purge()
        now = self._clock()
        session = Session(
            token=secrets.token_urlsafe(32),
            account=account,
            csrf_token=secrets.token_urlsafe(32),
            expires_at=now + self.idle_timeout,
            hard_expiry=now + self.max_age,
        )
        self._sessions[session.token] = session
        return session

    def get(self, token: str) -> Session | None:
        """The live session for ``token`` (touching it), or ``None``."""
        session = self._sessions.get(token)
        if session is None:
            return None
        now = self._clock()
        if now >= session.expires_at or now >= session.hard_expiry:
            del self._sessions[token]
            return None
        session.expires_at = min(now + self.idle_timeout, session.hard_expiry)
        return session

    def drop(self, token: str) -> None:
        """End the session for ``token``, if any."""
        self._sessions.pop(token, None)

    def drop_account(self, username: str) -> None:
        """End every session of ``username`` (after disabling it, say)."""
        for token in [t for t, s in self._sessions.items() if s.account.username == username]:
            del self._sessions[token]

    def _purge(self) -> None:
        now = self._clock()
        for token in [
            t for t, s in self._sessions.items() if now >= s.expires_at or now >= s.hard_expiry
        ]:
            del self._sessions[token]


class LoginLimiter:
    """Counts failed logins per key (a username, a client address) in a sliding window.

    Args:
        max_failures: failures allowed in ``window`` before the key is refused.
        window: seconds a failure is remembered.
        clock: monotonic time in seconds.
    """

    def __init__(
        self, *, max_failures: int = 5, window: float = 300.0, clock: Clock = time.monotonic
    ) -> None:
        if max_failures < 1 or window <= 0:
            raise ValueError("max_failures must be >= 1 and window > 0 seconds")
        self.max_failures = max_failures
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, keys: Iterable[str]) -> float:
        """Seconds until every key may try again; 0 when none is blocked."""
        now = self._clock()
        wait = 0.0
        for key in keys:
            times = self._recent(key, now)
            if len(times) >= self.max_failures:
                wait = max(wait, times[-self.max_failures] + self.window - now)
        return wait

    def record_failure(self, keys: Iterable[str]) -> None:
        """Count one failure against each key."""
        now = self._clock()
        for key in keys:
            self._recent(key, now).append(now)

    def reset(self, key: str) -> None:
        """Forget the failures of ``key`` (after a good login)."""
        self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(self._failures) > 100_000:  # bound memory under a spray of usernames
            for stale in [k for k, v in self._failures.items() if not v and k != key]:
                del self._failures[stale]
        return times


@dataclass(slots=True)
class PortalAuth:
    """What the login machinery needs, stored on the application at ``AUTH_KEY``.

    Attributes:
        store: accounts and stations.
        sessions: live browser sessions.
        limiter: failed-login counter.
        secure_cookies: set the cookies' ``Secure`` flag (turn off only for
            plain-HTTP tests on 127.0.0.1).
        home: where a good login redirects to.
    """

    store: AccountStore
    sessions: SessionStore
    limiter: LoginLimiter
    secure_cookies: bool = True
    home: str = "/"


AUTH_KEY = web.AppKey("portal_auth", PortalAuth)
SESSION_KEY = web.RequestKey("portal_session", Session)
"""``request.get(SESSION_KEY)`` is the :class:`Session`, or ``None`` when not logged in."""


def setup_auth(
    app: web.Application,
    store: AccountStore,
    *,
    secure_cookies: bool = True,
    sessions: SessionStore | None = None,
    limiter: LoginLimiter | None = None,
    home: str = "/",
) -> PortalAuth:
    """Add login, logout and the session/CSRF middleware to ``app``.

    Call it before the app starts. Returns the :class:`PortalAuth` it stored at
    ``app[AUTH_KEY]``.
    """
    auth = PortalAuth(
        store=store,
        sessions=sessions if sessions is not None else SessionStore(),
        limiter=limiter if limiter is not None else LoginLimiter(),
        secure_cookies=secure_cookies,
        home=home,
    )
    app[AUTH_KEY] = auth
    app.middlewares.append(_session_middleware)
    app.router.add_get("/login", _login_form)
    app.router.add_post("/login", _login)
    app.router.add_post("/logout", _logout)
    return auth


def require_role(request: web.Request, *roles: Role | str) -> Session:
    """The request's session if its account has one of ``roles`` (any role if none given).

    Raises:
        web.HTTPUnauthorized: nobody is logged in.
        web.HTTPForbidden: the account's role is not among ``roles``.
    """
    session = request.get(SESSION_KEY)
    if not isinstance(session, Session):
        raise web.HTTPUnauthorized(text="Please log in. / Vui lòng đăng nhập.")
    if roles and session.role not in {Role(r) for r in roles}:
        raise web.HTTPForbidden(
            text="Your account may not do this. / Tài khoản của bạn không có quyền này."
        )
    return session


def require_station(request: web.Request) -> str:
    """The station id from ``Authorization: Station <id>:<key>`` if the key is right.

    Raises:
        web.HTTPUnauthorized: no, malformed, unknown or wrong station credentials.
    """
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    station_id, sep, key = credentials.strip().partition(":")
    store = request.app[AUTH_KEY].store
    if (
        scheme.lower() == "station"
        and sep
        and station_id
        and key
        and store.verify_station(station_id, key)
    ):
        return station_id
    raise web.HTTPUnauthorized(
        text="The station is not recognised.", headers={"WWW-Authenticate": "Station"}
    )


@web.middleware
async def _session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    auth = request.app[AUTH_KEY]
    token = request.cookies.get(SESSION_COOKIE)
    session = auth.sessions.get(token) if token else None
    if session is not None:
        request[SESSION_KEY] = session
    if session is not None and request.method in _UNSAFE_METHODS and request.path != "/login":
        supplied = request.headers.get(CSRF_HEADER)
        if supplied is None and request.content_type in _FORM_TYPES:
            form = await request.post()
            value = form.get(CSRF_FIELD)
            supplied = value if isinstance(value, str) else None
        if supplied is None or not secrets.compare_digest(
            supplied.encode(), session.csrf_token.encode()
        ):
            raise web.HTTPForbidden(
                text="The form has expired; reload the page. / "
                "Biểu mẫu đã hết hạn, vui lòng tải lại trang."
            )
    return await handler(request)


_FORM = """<!doctype html>
<html lang="vi">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Đăng nhập / Log in</title></head>
<body>
<main>
<h1>Đăng nhập <small>/ Log in</small></h1>
{error}
<form method="post" action="/login">
<input type="hidden" name="csrf_token" value="{csrf}">
<p><label>Tên đăng nhập / Username<br>
<input name="username" autocomplete="username" required autofocus></label></p>
<p><label>Mật khẩu / Password<br>
<input name="password" type="password" autocomplete="current-password" required></label></p>
<p><button type="submit">Đăng nhập / Log in</button></p>
</form>
</main>
</body>
</html>
"""


def _form_response(
    auth: PortalAuth, *, status: int = 200, error: str = "", headers: dict[str, str] | None = None
) -> web.Response:
    csrf = secrets.token_urlsafe(32)
    body = _FORM.format(
        csrf=html.escape(csrf),
        error=f'<p role="alert">{html.escape(error)}</p>' if error else "",
    )
    response = web.Response(
        text=body, status=status, content_type="text/html", charset="utf-8", headers=headers
    )
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        csrf,
        path="/login",
        httponly=True,
        samesite="Strict",
        secure=auth.secure_cookies,
    )
    return response


async def _login_form(request: web.Request) -> web.StreamResponse:
    return _form_response(request.app[AUTH_KEY])


async def _login(request: web.Request) -> web.StreamResponse:
    auth = request.app[AUTH_KEY]
    form = await request.post()
    supplied = form.get(CSRF_FIELD)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    if (
        not isinstance(supplied, str)
        or not expected
        or not secrets.compare_digest(supplied.encode(), expected.encode())
    ):
        raise web.HTTPForbidden(
            text="The login form has expired; reload the page. / "
            "Biểu mẫu đã hết hạn, vui lòng tải lại trang."
        )
    username = form.get("username")
    password = form.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise web.HTTPBadRequest(text="Username and password are required.")
    username = username.strip().lower()[:64]
    keys = [f"user:{username}", f"ip:{request.remote or '?'}"]

    wait = auth.limiter.retry_after(keys)
    if wait > 0:
        _log.warning("portal login refused: too many failures")
        return _form_response(
            auth,
            status=429,
            error="Too many failed attempts; wait a few minutes. / "
            "Sai quá nhiều lần, vui lòng đợi vài phút.",
            headers={"Retry-After": str(max(1, int(wait + 0.999)))},
        )

    account = await asyncio.to_thread(auth.store.verify_password, username, password)
    if account is None:
        auth.limiter.record_failure(keys)
        _log.info("portal login failed")
        return _form_response(
            auth,
            status=401,
            error="Wrong username or password. / Sai tên đăng nhập hoặc mật khẩu.",
        )

    auth.limiter.reset(keys[0])
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        auth.sessions.drop(old)
    session = auth.sessions.create(account)
    _log.info("portal login (role %s)", account.role.value)
    response = web.Response(status=303, headers={"Location": auth.home})
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=auth.secure_cookies,
    )
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


async def _logout(request: web.Request) -> web.StreamResponse:
    auth = request.app[AUTH_KEY]
    session = request.get(SESSION_KEY)
    if session is not None:
        auth.sessions.drop(session.token)
    response = web.Response(status=303, headers={"Location": "/login"})
    response.del_cookie(
        SESSION_COOKIE, path="/", secure=auth.secure_cookies, httponly=True, samesite="Strict"
    )
    return response
