"""The adapter to the public-service portal (provider ``dvc``): submit, look up, pay.

Every answer is checked before it is believed: a code must parse, a state must be
one of the national table's. What goes wrong is the provider's
:class:`~services.provider.ProviderUnavailable` (try again: the same idempotency key
makes a retry safe) or :class:`~services.provider.ProviderRejected`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cabin.config import ProviderConfig
from services.dossier.codes import DossierCode, DossierState, parse_dossier_code
from services.provider import ProviderClient, ProviderUnavailable

__all__ = ["Dossier", "DvcClient", "Submitted"]

PROVIDER = "dvc"


@dataclass(frozen=True, slots=True)
class Submitted:
    """The portal's receipt: the dossier's code, its state, the fee it expects (VND)."""

    code: DossierCode
    state: DossierState
    fee_vnd: int


@dataclass(frozen=True, slots=True)
class Dossier:
    """A dossier as the portal reports it; ``history`` is ``(state, when)``, oldest first."""

    code: DossierCode
    procedure: str
    state: DossierState
    fee_vnd: int
    paid: bool
    history: tuple[tuple[DossierState, datetime], ...]


def _bad(what: str) -> ProviderUnavailable:
    return ProviderUnavailable(PROVIDER, "bad_answer")


def _dossier(data: Mapping[str, Any]) -> Dossier:
    try:
        history = tuple(
            (DossierState(int(item["state"])), datetime.fromisoformat(str(item["at"])))
            for item in data["history"]
        )
        return Dossier(
            code=parse_dossier_code(str(data["code"])),
            procedure=str(data["procedure"]),
            state=DossierState(int(data["state"])),
            fee_vnd=int(data["fee_vnd"]),
            paid=bool(data["paid"]),
            history=history,
        )
    except (KeyError, TypeError, ValueError):
        raise _bad("dossier") from None


class DvcClient:
    """The portal's HTTP contract (see :mod:`services.dossier.sandbox`)."""

    def __init__(self, config: ProviderConfig) -> None:
        self._http = ProviderClient(PROVIDER, config)

    async def close(self) -> None:
        await self._http.close()

    async def __aenter__(self) -> DvcClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def submit(
        self,
        procedure: str,
        cccd: str,
        fields: Mapping[str, str],
        documents: list[dict[str, Any]],
        fee_vnd: int,
        *,
        idempotency_key: str,
    ) -> Submitted:
        """File a dossier; the same ``idempotency_key`` on a retry gives the same code."""
        data = await self._http.post(
            "/dossiers",
            {
                "procedure": procedure,
                "cccd": cccd,
                "fields": dict(fields),
                "documents": documents,
                "fee_vnd": fee_vnd,
            },
            idempotency_key=idempotency_key,
        )
        try:
            return Submitted(
                parse_dossier_code(str(data["code"])),
                DossierState(int(data["state"])),
                int(data["fee_vnd"]),
            )
        except (KeyError, TypeError, ValueError):
            raise _bad("submit") from None

    async def dossier(self, code: DossierCode) -> Dossier:
        """One dossier by its code (``ProviderRejected`` 404 ``not_found`` when unknown)."""
        return _dossier(await self._http.get(f"/dossiers/{code}"))

    async def dossiers_of(self, cccd: str) -> list[Dossier]:
        """Every dossier filed with this CCCD number, newest first."""
        data = await self._http.get("/dossiers", {"cccd": cccd})
        items = data.get("dossiers")
        if not isinstance(items, list):
            raise _bad("list")
        return [_dossier(item) for item in items]

    async def paid(self, code: DossierCode, reference: str, amount_vnd: int) -> Dossier:
        """Tell the portal the fee was paid (the payment's reference)."""
        data = await self._http.post(
            f"/dossiers/{code}/payment",
            {"reference": reference, "amount_vnd": amount_vnd},
            idempotency_key=f"pay-{reference}",
        )
        return _dossier(data)
