"""The portal's aiohttp application: login, the consult queue and signalling.

:func:`create_app` wires :func:`video.portal.auth.setup_auth`, a
:class:`video.portal.consults.ConsultQueue` and the WebSocket routes of
:mod:`video.portal.signalling` (``/ws/station``, ``/ws/doctor``), plus a
background task that cancels requests that waited too long.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence

from aiohttp import web

from video.portal.accounts import AccountStore
from video.portal.alerts import setup_alerts
from video.portal.auth import LoginLimiter, SessionStore, setup_auth
from video.portal.console import setup_console
from video.portal.consults import ConsultQueue
from video.portal.signalling import (
    HUB_KEY,
    SignallingHub,
    doctor_ws,
    normalise_ice_servers,
    station_ws,
)

__all__ = ["create_app"]


def create_app(
    store: AccountStore,
    *,
    ice_servers: Sequence[Mapping[str, object]] = (),
    secure_cookies: bool = True,
    clock: Callable[[], float] = time.monotonic,
    request_timeout: float = 600.0,
    sweep_interval: float = 5.0,
) -> web.Application:
    """The portal application.

    Args:
        store: accounts and station keys.
        ice_servers: STUN/TURN entries in RTCPeerConnection form
            (``{"urls": ..., "username": ..., "credential": ...}``), handed to both
            peers of a consult.
        secure_cookies: the cookies' ``Secure`` flag (off only for plain-HTTP tests).
        clock: monotonic seconds, for sessions, login limits and the queue.
        request_timeout: seconds a consult request may wait for a doctor.
        sweep_interval: seconds between checks for timed-out requests.

    Raises:
        ValueError: an ICE server entry without ``urls``, or non-positive times.
    """
    if sweep_interval <= 0:
        raise ValueError("sweep_interval must be > 0 seconds")
    app = web.Application()
    setup_auth(
        app,
        store,
        secure_cookies=secure_cookies,
        sessions=SessionStore(clock=clock),
        limiter=LoginLimiter(clock=clock),
        home="/",
    )
    hub = SignallingHub(
        queue=ConsultQueue(clock=clock, request_timeout=request_timeout),
        ice_servers=normalise_ice_servers(ice_servers),
    )
    app[HUB_KEY] = hub
    app.router.add_get("/ws/station", station_ws)
    app.router.add_get("/ws/doctor", doctor_ws)
    setup_console(app)
    setup_alerts(app, store)

    async def sweeper(app: web.Application) -> AsyncIterator[None]:
        async def loop() -> None:
            while True:
                await asyncio.sleep(sweep_interval)
                hub.sweep()

        task = asyncio.create_task(loop())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(sweeper)
    return app
