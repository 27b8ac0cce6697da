"""What the dossier flow needs from the payments module (module 5), and nothing more.

The payments module (``services.payment``) shows a VietQR and learns from the bank
that it was paid. Until it is wired in, the kiosk passes an object with this shape
as ``ServiceContext.extra["payments"]``; without one the dossier stops at "fee due"
and the resident pays when the agency asks (state 6). No payment logic lives here.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["FeePayer", "PendingFee"]


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
