"""Public-service and payment modules: each a kiosk screen plus a provider adapter.

The slot they plug into is :mod:`services.registry`; every module reaches its outside
system through :class:`services.provider.ProviderClient` (configured by
``[services.<name>]``), and each outside system has a sandbox built on
:mod:`services.sandbox` that speaks the same HTTP contract.
"""

from __future__ import annotations

from services.provider import (
    ProviderClient,
    ProviderRejected,
    ProviderUnavailable,
    new_idempotency_key,
)
from services.registry import MODULE_PACKAGES, ServiceContext, ServiceModule, load_modules

__all__ = [
    "MODULE_PACKAGES",
    "ProviderClient",
    "ProviderRejected",
    "ProviderUnavailable",
    "ServiceContext",
    "ServiceModule",
    "load_modules",
    "new_idempotency_key",
]
