"""The doctor's console: a static web page served by the portal, and what it asks for.

:func:`setup_console` adds to a portal application:

* ``GET /``: the console page for a logged-in ``doctor`` (a redirect to ``/login``
  when nobody is logged in, a 403 page for other roles);
* ``GET /console/{name}``: the page's files (``console/`` next to this module: HTML,
  plain ES modules, CSS), nothing else, with the right content types;
* ``GET /api/me``: ``{"username", "name", "role", "csrf"}`` of the logged-in account,
  so the page can greet the doctor and put the CSRF token on ``POST /logout``.

:func:`add_page` serves the operator console (:mod:`video.portal.alerts`) the same way.

Every response here carries a strict Content-Security-Policy (scripts and styles
from the portal only, no inline code; connections to the portal and its own
WebSocket origin), ``nosniff``, ``no-referrer`` and a frame ban. The page talks to
the portal over ``/ws/doctor`` (see :mod:`video.portal.signalling`) and to the
cabin over WebRTC data channels (:mod:`video.live`, :mod:`video.control`).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Collection
from pathlib import Path

from aiohttp import web

from video.portal.accounts import Role
from video.portal.auth import SESSION_KEY, Session, require_role

__all__ = ["CONSOLE_DIR", "add_page", "content_security_policy", "secure_headers", "setup_console"]

CONSOLE_DIR = Path(__file__).with_name("console")
"""Where the console's files are."""

_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")

_FORBIDDEN_PAGE = """<!doctype html>
<html lang="vi">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Không có quyền / Forbidden</title>
<link rel="stylesheet" href="/console/console.css"></head>
<body class="plain">
<main>
<h1>Không có quyền truy cập <small>/ Forbidden</small></h1>
<p>Trang này chỉ dành cho bác sĩ. / This page is for doctors only.</p>
<form method="post" action="/logout">
<input type="hidden" name="csrf_token" value="{csrf}">
<button type="submit">Đăng xuất / Log out</button>
</form>
</main>
</body>
</html>
"""


def content_security_policy(host: str) -> str:
    """The console's Content-Security-Policy for a page served to ``host`` (``Host``).

    ``connect-src`` names the WebSocket origins of ``host`` explicitly (older
    browsers do not let ``'self'`` cover ``ws:``); a malformed host gets ``'self'`` only.
    """
    connect = "'self'"
    if _HOST.fullmatch(host):
        connect += f" ws://{host} wss://{host}"
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "media-src 'self' blob: mediastream:",
            f"connect-src {connect}",
            "font-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def secure_headers(request: web.Request, response: web.StreamResponse) -> None:
    """The console pages' headers: the strict CSP, no sniffing, no referrer, no framing."""
    response.headers["Content-Security-Policy"] = content_security_policy(request.host)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Permissions-Policy"] = "camera=(self), microphone=(self)"


def add_page(
    app: web.Application,
    directory: Path,
    *,
    page: str,
    files: str,
    roles: Collection[Role],
    forbidden: Callable[[Session], web.Response],
) -> None:
    """Serve the page in ``directory``: ``index.html`` at ``page``, its files at ``files/{name}``.

    The files (HTML, JS, CSS, images) are read once. The page goes to the logged-in
    ``roles`` (not cached); nobody logged in gets a redirect to ``/login``, another
    role ``forbidden(session)``. Every answer carries :func:`secure_headers`.

    Raises:
        FileNotFoundError: ``directory`` has no ``index.html`` (a broken install).
    """
    found: dict[str, tuple[bytes, str]] = {}
    for path in sorted(directory.iterdir()):
        kind = _TYPES.get(path.suffix)
        if path.is_file() and kind is not None:
            found[path.name] = (path.read_bytes(), kind)
    if "index.html" not in found:
        raise FileNotFoundError(f"the page is missing from {directory}")

    def answer(request: web.Request, name: str) -> web.Response:
        body, kind = found[name]
        response = web.Response(body=body, content_type=kind, charset="utf-8")
        response.headers["Cache-Control"] = "no-cache"
        secure_headers(request, response)
        return response

    async def index(request: web.Request) -> web.StreamResponse:
        session = request.get(SESSION_KEY)
        if not isinstance(session, Session):
            raise web.HTTPSeeOther("/login")
        if session.role not in roles:
            response = forbidden(session)
            secure_headers(request, response)
            return response
        response = answer(request, "index.html")
        response.headers["Cache-Control"] = "no-store"
        return response

    async def file(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in found:
            raise web.HTTPNotFound(text="No such file.")
        return answer(request, name)

    app.router.add_get(page, index)
    app.router.add_get(files + "/{name}", file)


def setup_console(app: web.Application) -> None:
    """Add the console's routes (``/``, ``/console/{name}``, ``/api/me``) to ``app``.

    Call it after :func:`video.portal.auth.setup_auth`.

    Raises:
        FileNotFoundError: the console's files are missing (a broken install).
    """
    add_page(
        app, CONSOLE_DIR, page="/", files="/console", roles={Role.DOCTOR}, forbidden=_forbidden
    )
    app.router.add_get("/api/me", _me)


def _forbidden(session: Session) -> web.Response:
    response = web.Response(
        text=_FORBIDDEN_PAGE.replace("{csrf}", html.escape(session.csrf_token)),
        status=403,
        content_type="text/html",
        charset="utf-8",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def _me(request: web.Request) -> web.StreamResponse:
    session = require_role(request)
    account = session.account
    response = web.json_response(
        {
            "username": account.username,
            "name": account.display_name,
            "role": account.role.value,
            "csrf": session.csrf_token,
        },
        dumps=_dumps,
    )
    response.headers["Cache-Control"] = "no-store"
    secure_headers(request, response)
    return response


def _dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)
