"""Posting one transaction Bundle to a hospital's FHIR server, and reading the answer.

Every failure ends in one of two errors, which the outbox worker acts on:
:class:`~cabin.errors.DeliveryRetryable` (no answer, a cut connection, a time-out,
408, 429, 5xx, refused credentials, an answer that does not read; with the
server's ``Retry-After`` when it gave one) or :class:`~cabin.errors.DeliveryRejected`
(any other 4xx: the record itself was refused; its OperationOutcome is kept).
Sending again after a retryable failure is safe even when the server had
committed the first copy: every entry of the bundle is a conditional create.
"""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import aiohttp

from cabin.errors import DeliveryRejected, DeliveryRetryable
from fhir_bridge.auth import SmartAuth

__all__ = ["Delivered", "FhirClient", "parse_retry_after", "ssl_context"]

_RETRYABLE = frozenset({408, 425, 429})


@dataclass(frozen=True, slots=True)
class Delivered:
    """The server's answer to an accepted transaction.

    Attributes:
        status: the HTTP status (200).
        entries: how many entries the transaction-response holds.
        created: how many of them the server created (201); a resend creates none.
    """

    status: int
    entries: int
    created: int


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def ssl_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """TLS that trusts ``ca_bundle`` (a PEM file) or, without one, the system's CAs."""
    context = ssl.create_default_context()
    if ca_bundle is not None:
        context = ssl.create_default_context(cafile=str(ca_bundle))
    return context


class FhirClient:
    """One hospital's FHIR server, as the outbox sees it.

    Args:
        session: the HTTP session (its connector carries the TLS settings).
        base_url: the FHIR base URL, where transactions are posted.
        auth: the SMART Backend Services tokens, or None for a server without auth.
        timeout: seconds before an attempt counts as unanswered.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        auth: SmartAuth | None = None,
        *,
        timeout: float = 30.0,
    ) -> None:
        self._session = session
        self.base_url = base_url.rstrip("/")
        self._auth = auth
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def send_transaction(self, bundle: bytes) -> Delivered:
        """Post a transaction Bundle (JSON bytes) and check that every entry succeeded.

        Raises:
            DeliveryRetryable: try again later.
            DeliveryRejected: the server refused the record.
        """
        for fresh_token in (False, True):
            status, body, retry_after = await self._post(bundle)
            if status == 401 and self._auth is not None and not fresh_token:
                self._auth.forget()  # expired or revoked early: one more try with a new one
                continue
            return _judge(status, body, retry_after)
        raise DeliveryRetryable("the hospital refused the station's token twice")

    async def _post(self, bundle: bytes) -> tuple[int, bytes, float | None]:
        headers = {
            "Content-Type": "application/fhir+json",
            "Accept": "application/fhir+json",
        }
        if self._auth is not None:
            headers.update(await self._auth.header())
        try:
            async with self._session.post(
                self.base_url, data=bundle, headers=headers, timeout=self._timeout
            ) as response:
                body = await response.read()
                return response.status, body, parse_retry_after(response.headers.get("Retry-After"))
        except TimeoutError as exc:
            seconds = self._timeout.total
            raise DeliveryRetryable(f"the hospital did not answer within {seconds:g} s") from exc
        except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as exc:
            raise DeliveryRetryable("the connection was cut before the answer arrived") from exc
        except aiohttp.ClientConnectorCertificateError as exc:
            raise DeliveryRetryable("the hospital's TLS certificate is not trusted") from exc
        except aiohttp.ClientConnectorError as exc:
            raise DeliveryRetryable("the hospital's server cannot be reached") from exc
        except aiohttp.ClientError as exc:
            raise DeliveryRetryable(f"the delivery failed: {type(exc).__name__}") from exc


def _judge(status: int, body: bytes, retry_after: float | None) -> Delivered:
    if status >= 500 or status in _RETRYABLE:
        raise DeliveryRetryable(f"the hospital's server answered {status}", retry_after=retry_after)
    if status in (401, 403):
        raise DeliveryRetryable(f"the hospital refused the station's credentials ({status})")
    if status >= 400:
        raise DeliveryRejected(
            f"the hospital refused the record ({status})", status=status, outcome=body
        )
    if status >= 300:
        raise DeliveryRetryable(f"the hospital's server answered {status}")
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or answer.get("type") != "transaction-response":
        # It may well have committed: sending again is safe, and it will tell us then.
        raise DeliveryRetryable("the hospital's answer is not a transaction-response")
    entries = answer.get("entry") or []
    codes = [str((e.get("response") or {}).get("status", "")) for e in entries]
    if not all(code[:1] == "2" for code in codes):
        raise DeliveryRetryable("the hospital's answer reports an entry that failed")
    return Delivered(status, len(codes), sum(code.startswith("201") for code in codes))
