"""Sandbox providers: one aiohttp app per outside system, speaking its HTTP contract.

Each module's sandbox is built on :mod:`services.sandbox.base` (SQLite persistence,
realistic latency, injectable failures, the key check, idempotent ``POST``).
:func:`start_sandbox` serves one on 127.0.0.1 for ``make run`` and the tests; the
production configuration starts none.
"""

from __future__ import annotations

from services.sandbox.base import (
    DB,
    FAULTS_PATH,
    SANDBOX_KEY,
    Fault,
    RunningSandbox,
    SandboxSettings,
    dump,
    json_error,
    sandbox_app,
    start_sandbox,
)

__all__ = [
    "DB",
    "FAULTS_PATH",
    "SANDBOX_KEY",
    "Fault",
    "RunningSandbox",
    "SandboxSettings",
    "dump",
    "json_error",
    "sandbox_app",
    "start_sandbox",
]
