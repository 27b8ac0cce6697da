"""The HTTP client every public-service module uses to reach its outside system.

A provider is configured by ``[services.<name>]`` (:class:`cabin.config.ProviderConfig`):
a base URL and a key sent as ``X-Api-Key``. Requests and answers are JSON objects.
What can go wrong becomes one of two errors the screens put into plain words:

* :class:`ProviderUnavailable`: no answer, a time-out, a cut connection, a 5xx, a 429
  or an answer that does not read. Nothing is known to have happened; try again
  (a ``POST`` carries an ``Idempotency-Key`` so that a retry cannot act twice).
* :class:`ProviderRejected`: the provider answered 4xx with ``{"error": code}``; the
  request itself is wrong (``code`` says why, e.g. ``"not_found"``); do not retry.

Neither message holds the request or the answer (they may carry personal data).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Mapping
from typing import Any

import aiohttp

from cabin.config import ProviderConfig
from cabin.errors import ServiceError

__all__ = [
    "API_KEY_HEADER",
    "IDEMPOTENCY_HEADER",
    "ProviderClient",
    "ProviderRejected",
    "ProviderUnavailable",
    "new_idempotency_key",
]

_log = logging.getLogger(__name__)

API_KEY_HEADER = "X-Api-Key"
IDEMPOTENCY_HEADER = "Idempotency-Key"


class ProviderUnavailable(ServiceError):
    """The provider could not be reached or did not answer usefully; retry later.

    ``reason`` is a short code: ``"unreachable"``, ``"timeout"``, ``"server_error"``,
    ``"busy"`` (429) or ``"bad_answer"``.
    """

    def __init__(self, provider: str, reason: str) -> None:
        super().__init__(f"{provider}: {reason}")
        self.provider = provider
        self.reason = reason


class ProviderRejected(ServiceError):
    """The provider refused the request (4xx); ``code`` is its short reason."""

    def __init__(self, provider: str, status: int, code: str) -> None:
        super().__init__(f"{provider}: refused ({status} {code})")
        self.provider = provider
        self.status = status
        self.code = code


def new_idempotency_key() -> str:
    """A fresh key for one logical request (reuse it for that request's retries)."""
    return secrets.token_urlsafe(18)


class ProviderClient:
    """JSON over HTTP to one provider.

    Args:
        name: the provider's name (``[services.<name>]``), used in errors and logs.
        config: its base URL, key and time-out.
        session: an aiohttp session to share; one is made (and closed) otherwise.

    Use as ``async with ProviderClient(...) as client:`` or call :meth:`close`.
    """

    def __init__(
        self,
        name: str,
        config: ProviderConfig,
        *,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        if not config.base_url:
            raise ValueError(f"provider {name} has no base_url")
        self.name = name
        self._base = config.base_url.rstrip("/")
        self._key = str(config.key)
        self._timeout = aiohttp.ClientTimeout(total=config.timeout)
        self._session = session
        self._own_session = session is None

    async def __aenter__(self) -> ProviderClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
        self._session = None

    async def get(self, path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        """``GET base/path``; the answer's JSON object."""
        return await self._request("GET", path, params=params)

    async def post(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """``POST base/path`` with a JSON body; the answer's JSON object.

        ``idempotency_key`` (one per logical request, the same on retries) lets the
        provider answer a repeat with the first answer instead of acting again.
        """
        headers = {IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else {}
        return await self._request("POST", path, body=body, headers=headers)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession()
            self._own_session = True
        url = f"{self._base}/{path.lstrip('/')}"
        all_headers = {API_KEY_HEADER: self._key, **(headers or {})}
        try:
            async with self._session.request(
                method,
                url,
                params=params,
                json=dict(body) if body is not None else None,
                headers=all_headers,
                timeout=self._timeout,
            ) as response:
                status = response.status
                text = await response.text()
        except TimeoutError:
            _log.warning("provider %s: no answer in time", self.name)
            raise ProviderUnavailable(self.name, "timeout") from None
        except (aiohttp.ClientError, OSError) as exc:
            _log.warning("provider %s: unreachable (%s)", self.name, type(exc).__name__)
            raise ProviderUnavailable(self.name, "unreachable") from None
        except asyncio.CancelledError:
            raise
        if status == 429:
            raise ProviderUnavailable(self.name, "busy")
        if status >= 500:
            _log.warning("provider %s: server error %d", self.name, status)
            raise ProviderUnavailable(self.name, "server_error")
        try:
            data = json.loads(text) if text else {}
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise ProviderUnavailable(self.name, "bad_answer")
        if status >= 400:
            code = data.get("error")
            raise ProviderRejected(self.name, status, code if isinstance(code, str) else "refused")
        return data
