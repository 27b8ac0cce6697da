"""The demo's outside systems: a sandbox for each provider the configuration leaves unset.

``cabin run --demo`` (and a test that wants the whole station) calls
:func:`demo_providers`: every module package in :data:`~services.registry.MODULE_PACKAGES`
names its outside systems in ``SANDBOXES``; each one whose ``[services.<name>]``
has no ``base_url`` gets its sandbox app, served on 127.0.0.1 from a thread with its
own event loop (the kiosk's loop belongs to Qt), with a fresh random key and its
SQLite file under ``folder``. The production configuration names every provider
and starts nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import secrets
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from aiohttp import web

from cabin.config import ProviderConfig, Secret
from services.registry import MODULE_PACKAGES
from services.sandbox.base import RunningSandbox, start_sandbox

__all__ = ["demo_providers", "sandbox_factories"]

_log = logging.getLogger(__name__)

Factory = Callable[[Path, str], web.Application]


def sandbox_factories(packages: tuple[str, ...] = MODULE_PACKAGES) -> dict[str, Factory]:
    """Provider name -> sandbox factory, from each installed module package's ``SANDBOXES``."""
    factories: dict[str, Factory] = {}
    for name in packages:
        try:
            package = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        for provider, factory in getattr(package, "SANDBOXES", {}).items():
            factories.setdefault(provider, factory)
    return factories


@contextlib.contextmanager
def demo_providers(
    configured: Mapping[str, ProviderConfig],
    folder: Path,
    *,
    packages: tuple[str, ...] = MODULE_PACKAGES,
) -> Iterator[dict[str, ProviderConfig]]:
    """Every provider's configuration, sandboxes started for those without a base URL.

    Yields the full mapping (configured providers unchanged); the sandboxes stop when
    the block ends.
    """
    factories = sandbox_factories(packages)
    missing = {
        name: factory
        for name, factory in factories.items()
        if not (configured.get(name) and configured[name].base_url)
    }
    providers = dict(configured)
    if not missing:
        yield providers
        return
    folder.mkdir(parents=True, exist_ok=True)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="service-sandboxes", daemon=True)
    thread.start()
    running: list[RunningSandbox] = []

    def call(coro: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, loop)
        return future.result(timeout=30)

    try:
        for name, factory in sorted(missing.items()):
            key = secrets.token_urlsafe(18)
            app = factory(folder / f"{name}.db", key)
            sandbox = call(start_sandbox(app))
            running.append(sandbox)
            timeout = configured[name].timeout if name in configured else 10.0
            providers[name] = ProviderConfig(sandbox.base_url, Secret(key), timeout)
            _log.info("services: %s sandbox started", name)
        yield providers
    finally:
        for sandbox in running:
            with contextlib.suppress(Exception):
                call(sandbox.stop())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.close()
