"""What the dossier flow needs from the payments module (module 5), and nothing more.

:class:`FeePayer` is the seam; :class:`PaymentFees` puts the station's
:class:`services.payment.PaymentService` behind it (a VietQR, the bank's signed
callback, the ledger). Without a bank configured the dossier stops at "fee due" and
the resident pays when the agency asks (state 6). No payment logic lives here.
"""

from __future__ import annotations

from typing import Protocol, cast

from cabin.errors import PaymentError
from services.payment import PaymentRequest, PaymentService, PendingPayment, payments_for
from services.registry import ServiceContext

__all__ = ["FeePayer", "PaymentFees", "PendingFee", "fee_payer"]


class PendingFee(Protocol):
    """A payment under way: the QR to show, and its outcome."""

    @property
    def qr_payload(self) -> str:
        """The VietQR string to show large on screen."""
        ...

    async def wait_paid(self) -> str:
        """The payment's reference once the bank confirms it.

        Raises:
            cabin.errors.PaymentError: it failed, expired or was cancelled.
        """
        ...


class FeePayer(Protocol):
    """Starts a payment for a fee (module 5's ``start_payment`` behind an adapter)."""

    async def start(
        self, *, purpose_code: str, description: str, amount_vnd: int, reference: str
    ) -> PendingFee: ...


class _Pending:
    def __init__(self, pending: PendingPayment) -> None:
        self._pending = pending
        self.reference = pending.reference

    @property
    def qr_payload(self) -> str:
        return self._pending.payload

    async def wait_paid(self) -> str:
        state = await self._pending.wait()
        if state != "cleared":
            raise PaymentError(f"the fee ended {state}")
        return self._pending.reference


class PaymentFees:
    """:class:`FeePayer` over the station's :class:`services.payment.PaymentService`."""

    def __init__(self, service: PaymentService) -> None:
        self.service = service

    async def start(
        self, *, purpose_code: str, description: str, amount_vnd: int, reference: str
    ) -> PendingFee:
        await self.service.ensure_started()
        pending = await self.service.start_payment(
            PaymentRequest(purpose_code, description, amount_vnd, payee=f"dvc:{reference}")
        )
        return _Pending(pending)


def fee_payer(context: ServiceContext) -> FeePayer | None:
    """The payer for dossier fees: ``extra["fee_payer"]``, else the station's payments."""
    given = context.extra.get("fee_payer")
    if given is not None:
        return cast(FeePayer, given)
    try:
        return PaymentFees(payments_for(context))
    except PaymentError:
        return None  # no bank configured: the fee is paid when the agency asks
