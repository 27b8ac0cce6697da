"""SMART Backend Services: the station's access token for a hospital's FHIR server.

The station is a confidential client with an asymmetric key (SMART App Launch
2.x, "Backend Services"). It finds the token endpoint in
``{base}/.well-known/smart-configuration``, then asks for a token with the
``client_credentials`` grant, proving who it is with a JWT it signs itself
(``private_key_jwt``): ``iss`` = ``sub`` = its client id, ``aud`` = the token
endpoint, a unique ``jti``, ``exp`` five minutes ahead at most, ``kid`` in the
header, signed RS384 (RSA key) or ES384 (EC P-384 key). The token is cached and
fetched again shortly before it expires, or at once after a 401.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from cabin.errors import ConfigError, DeliveryRetryable

__all__ = ["ASSERTION_LIFETIME", "ClientKey", "SmartAuth", "load_client_key"]

#: How far ahead a client assertion expires; the specification allows at most 5 minutes.
ASSERTION_LIFETIME = 240.0
# A token is fetched again when less than this much of its life is left (or a fifth
# of it, for a short-lived one).
_REFRESH_MARGIN = 30.0
_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True, slots=True)
class ClientKey:
    """The station's signing key for one hospital, and how the hospital knows it.

    Attributes:
        client_id: the client id the hospital registered.
        key: an RSA (2048 bits or more) or EC P-384 private key.
        key_id: the ``kid`` of its public half in the JWKS the hospital holds.
    """

    client_id: str
    key: PrivateKey
    key_id: str

    @property
    def algorithm(self) -> str:
        """RS384 for an RSA key, ES384 for a P-384 key."""
        return "RS384" if isinstance(self.key, rsa.RSAPrivateKey) else "ES384"

    def assertion(self, audience: str, *, now: float | None = None) -> str:
        """A signed client assertion for the token endpoint ``audience``."""
        issued = time.time() if now is None else now
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": audience,
            "jti": str(uuid.uuid4()),
            "iat": int(issued),
            "exp": int(issued + ASSERTION_LIFETIME),
        }
        headers = {"kid": self.key_id, "typ": "JWT"}
        return jwt.encode(claims, self.key, algorithm=self.algorithm, headers=headers)


def load_client_key(client_id: str, key_file: Path, key_id: str) -> ClientKey:
    """Read a PEM private key (unencrypted) for ``client_id``.

    Raises:
        ConfigError: the file is missing or unreadable, or holds a key that is
            neither RSA of 2048 bits or more nor EC P-384.
    """
    try:
        key = load_pem_private_key(key_file.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(f"cannot read the private key {key_file}: {type(exc).__name__}") from exc
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size >= 2048:
        return ClientKey(client_id, key, key_id or client_id)
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP384R1):
        return ClientKey(client_id, key, key_id or client_id)
    raise ConfigError(f"{key_file} must hold an RSA (2048+ bits) or EC P-384 private key")


class SmartAuth:
    """Access tokens for one hospital, fetched when needed and cached.

    Args:
        session: the HTTP session to the hospital.
        base_url: the FHIR base URL (its smart-configuration is discovered).
        client: the station's client key.
        scope: the scopes to ask for.
        clock: seconds, for the token's expiry (``time.time``); assertions use real time.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        client: ClientKey,
        scope: str,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._client = client
        self._scope = scope
        self._clock = clock
        self._token_url: str | None = None
        self._token: str | None = None
        self._refresh_at = 0.0
        self._lock = asyncio.Lock()
        self.tokens_fetched = 0

    async def header(self) -> dict[str, str]:
        """The ``Authorization`` header, with a token valid for a while yet."""
        return {"Authorization": f"Bearer {await self.token()}"}

    async def token(self) -> str:
        """A current access token, fetching a new one when the cached one is near its end."""
        async with self._lock:
            token = self._token
            if token is None or self._clock() >= self._refresh_at:
                token = await self._fetch()
            return token

    def forget(self) -> None:
        """Drop the cached token (the server said 401): the next call fetches a new one."""
        self._token = None

    async def _fetch(self) -> str:
        token_url = self._token_url or await self._discover()
        form = {
            "grant_type": "client_credentials",
            "scope": self._scope,
            "client_assertion_type": _ASSERTION_TYPE,
            "client_assertion": self._client.assertion(token_url),
        }
        asked = self._clock()
        body = await self._call("POST", token_url, data=form, what="token request")
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise DeliveryRetryable("the hospital's token answer holds no access token")
        lifetime = body.get("expires_in", 300)
        if not isinstance(lifetime, int | float) or lifetime <= 0:
            lifetime = 300
        self._token = token
        self._refresh_at = asked + float(lifetime) - min(_REFRESH_MARGIN, 0.2 * float(lifetime))
        self.tokens_fetched += 1
        return token

    async def _discover(self) -> str:
        url = f"{self._base_url}/.well-known/smart-configuration"
        body = await self._call("GET", url, what="SMART configuration")
        token_url = body.get("token_endpoint")
        if not isinstance(token_url, str) or not token_url.startswith(("https://", "http://")):
            raise DeliveryRetryable("the hospital's SMART configuration names no token endpoint")
        methods = body.get("token_endpoint_auth_methods_supported")
        if isinstance(methods, list) and "private_key_jwt" not in methods:
            raise DeliveryRetryable("the hospital does not accept private_key_jwt")
        self._token_url = token_url
        return token_url

    async def _call(self, method: str, url: str, *, what: str, **kwargs: Any) -> dict[str, Any]:
        try:
            async with self._session.request(method, url, **kwargs) as response:
                text = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryRetryable(f"the {what} failed: {type(exc).__name__}") from exc
        if status >= 500 or status == 429:
            raise DeliveryRetryable(f"the {what} failed: HTTP {status}")
        if status >= 400:
            # A refused client is a configuration problem: every visit would fail alike,
            # so it is not a dead letter; the caller retries after a while.
            raise DeliveryRetryable(
                f"the hospital refused the station's credentials (HTTP {status})"
            )
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise DeliveryRetryable(f"the {what} answer is not a JSON object")
        return parsed
