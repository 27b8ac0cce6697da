"""Paying by VietQR: the flow every module that takes money reuses (bills, dossier fees).

::

    payments = PaymentService(store, bank, billers, callback_secret=secret)
    await payments.start()                       # the callback receiver; resumes old work
    pending = await payments.start_payment(
        PaymentRequest("fee.criminal_record", "Phi LLTP", 200_000, "portal:lltp")
    )
    show(pending.payload)                        # the VietQR the resident scans
    async with asyncio.timeout(600):
        final = await pending.wait()             # "cleared" or "refunded"
    await payments.stop()

1. :meth:`PaymentService.start_payment` asks the bank for a payment order (its
   account and BIN), makes the VietQR (:mod:`services.vietqr`, our reference in the
   purpose) and records the payment as ``created`` in the ledger
   (:class:`cabin.store.ledger.LedgerRecords`).
2. The resident pays with a banking app; the bank ``POST``\\ s a callback to
   ``http://callback_host:port/bank/callback`` with the JSON body signed in the header
   ``X-Signature`` (hex HMAC-SHA256 of the raw body under the shared secret). A bad
   signature is refused (401) and posts nothing; the comparison is constant-time.
3. The ledger records ``paid`` once: a repeated, late or out-of-order callback finds
   the bank's transaction id already there and posts nothing (answered 200, so the
   bank stops sending).
4. The payment is then cleared with its payee by the *clearer* registered for its
   purpose (the part of ``purpose_code`` before the first dot): ``bill`` clears with
   the billers (``POST /clearings``, the idempotency key derived from our reference,
   so a retry or a restart never clears twice). A purpose with no clearer is settled
   at once (the money is in the station's account; the office takes it from there).
   :meth:`register_clearer` adds one (register it before :meth:`start`).
5. Clearing that cannot reach the payee is retried with backoff; after
   ``clear_attempts`` failures (or at once when the payee refuses), the service first
   asks the payee whether it did clear after all (an answer lost on the way), and
   only if it did not, refunds through the bank (``POST /refunds``, idempotent on our
   reference) and records ``refunded``. A refund that cannot reach the bank is
   retried until it does: a paid payment is never lost.
6. On :meth:`start`, a payment left ``paid`` (the station was killed between paid and
   cleared) is cleared again, and a payment left ``created`` is looked up at the bank
   (paid while the station was away?).

Money is integer VND throughout.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from cabin.errors import PaymentError, StoreError
from cabin.store.ledger import Payment
from services.provider import ProviderClient, ProviderRejected, ProviderUnavailable
from services.vietqr import VietQR, VietQRError, ascii_purpose, encode

if TYPE_CHECKING:
    from cabin.store import Store
    from services.registry import ServiceContext

__all__ = [
    "CALLBACK_PATH",
    "FINAL_STATES",
    "SIGNATURE_HEADER",
    "Clearer",
    "PaymentRequest",
    "PaymentService",
    "PendingPayment",
    "new_reference",
    "payments_for",
    "sign",
]

_log = logging.getLogger(__name__)

CALLBACK_PATH = "/bank/callback"
SIGNATURE_HEADER = "X-Signature"
FINAL_STATES = frozenset({"cleared", "refunded"})
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud

Clearer = Callable[[Payment], Awaitable[str]]
"""Hands a paid payment to its payee; returns the payee's receipt id.

Raises :class:`ProviderUnavailable` (try again) or :class:`ProviderRejected` (never)."""


def new_reference() -> str:
    """A fresh payment reference: ``CS`` and 8 letters or digits easy to read aloud."""
    return "CS" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def sign(secret: str, body: bytes) -> str:
    """The callback signature: hex HMAC-SHA256 of ``body`` under ``secret``."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """What a module wants paid.

    Attributes:
        purpose_code: ``"<kind>.<what>"``, e.g. ``"bill.electricity"`` or
            ``"fee.criminal_record"``; the kind picks the clearer.
        description: a short text for the VietQR purpose, after the reference
            (diacritics stripped; cut to fit 25 characters). No personal data.
        amount_vnd: the amount, a positive integer of dong.
        payee: who gets the money, e.g. ``"electricity:PE04000123456"`` for a bill.
        reference: our reference; None makes a fresh one. The same reference again
            returns the same payment (a module may retry safely).
    """

    purpose_code: str
    description: str
    amount_vnd: int
    payee: str
    reference: str | None = None


class PendingPayment:
    """A payment shown to the resident: its VietQR, and its state as it changes."""

    def __init__(self, service: PaymentService, payment: Payment, bank_bin: str, account: str):
        self._service = service
        self.reference = payment.reference
        self.amount_vnd = payment.amount_vnd
        self.description = payment.description
        self.purpose_code = payment.purpose_code
        self.payee = payment.payee
        self.payload = payment.qr_payload
        self.bank_bin = bank_bin
        self.account = account

    @property
    def state(self) -> str:
        """``created``, ``paid``, ``cleared`` or ``refunded`` (as the ledger has it now)."""
        return self._service.state(self.reference)

    async def wait(self, states: Iterable[str] = FINAL_STATES) -> str:
        """Wait until the payment is in one of ``states``; that state.

        Bound it with ``async with asyncio.timeout(...)``.
        """
        return await self._service.wait_for(self.reference, states)


class PaymentService:
    """The station's side of VietQR payments (see the module's notes).

    Args:
        store: the open store (the ledger).
        bank: the bank provider (payment orders, order look-up, refunds).
        billers: the billers provider (clearing bills).
        callback_host: where the callback receiver listens (127.0.0.1 by default).
        callback_port: its port (0: a free one).
        callback_secret: the HMAC secret shared with the bank.
        callback_url: the URL the bank is told to call (default: the receiver's own).
        clear_attempts: tries at clearing before the payment is refunded.
        backoff: the first wait between tries, in seconds (doubled each time, ≤ 30 s).
    """

    def __init__(
        self,
        store: Store,
        bank: ProviderClient,
        billers: ProviderClient,
        callback_host: str = "127.0.0.1",
        *,
        callback_secret: str,
        callback_port: int = 0,
        callback_url: str | None = None,
        clear_attempts: int = 4,
        backoff: float = 0.5,
    ) -> None:
        if not callback_secret:
            raise ValueError("the bank's callback secret is empty")
        self.store = store
        self.bank = bank
        self.billers = billers
        self._host = callback_host
        self._port = callback_port
        self._secret = callback_secret.encode("utf-8")
        self._callback_url = callback_url
        self._attempts = max(1, clear_attempts)
        self._backoff = backoff
        self._clearers: dict[str, Clearer] = {"bill": self._clear_bill}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._changed = asyncio.Event()
        self._listeners: list[Callable[[str, str], None]] = []
        self._runner: web.AppRunner | None = None

    # -- life ------------------------------------------------------------------------------

    @property
    def callback_url(self) -> str:
        """The URL given to the bank for callbacks."""
        if self._callback_url is None:
            raise RuntimeError("the payment service is not started")
        return self._callback_url

    async def ensure_started(self) -> None:
        """:meth:`start` unless already started (modules sharing one service call this)."""
        if self._runner is None:
            await self.start()

    async def start(self) -> None:
        """Listen for the bank's callbacks; resume payments left unfinished."""
        app = web.Application()
        app.router.add_post(CALLBACK_PATH, self._on_callback)
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, self._host, self._port).start()
        self._runner = runner
        port = runner.addresses[0][1]
        if self._callback_url is None:
            self._callback_url = f"http://{self._host}:{port}{CALLBACK_PATH}"
        await self.resume()

    async def stop(self) -> None:
        """Stop listening; clearing under way stops too (resumed at the next start)."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def resume(self) -> None:
        """Clear every payment left paid; ask the bank about every one left created."""
        paid = await asyncio.to_thread(self.store.payments_in, "paid")
        for payment in paid:
            _log.info("payments: resuming", extra={"payment": payment.reference})
            self._schedule(payment.reference)
        waiting = await asyncio.to_thread(self.store.payments_in, "created")
        for payment in waiting:
            with contextlib.suppress(ProviderUnavailable, ProviderRejected):
                await self.refresh(payment.reference)

    def register_clearer(self, kind: str, clearer: Clearer) -> None:
        """Use ``clearer`` for payments whose ``purpose_code`` starts with ``kind.``."""
        self._clearers[kind] = clearer

    def add_listener(self, listener: Callable[[str, str], None]) -> None:
        """Call ``listener(reference, state)`` on every change of state."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[str, str], None]) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    # -- asking for money ------------------------------------------------------------------

    async def start_payment(self, request: PaymentRequest) -> PendingPayment:
        """Open a payment: a bank order, the VietQR, the ledger's ``created`` row.

        Raises:
            PaymentError: the bank cannot be reached or refuses, or the request is wrong
                (nothing was charged; the resident may try again).
        """
        amount = request.amount_vnd
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise PaymentError("the amount must be a positive whole number of dong")
        reference = request.reference or new_reference()
        try:
            text = ascii_purpose(" ".join(request.description.split())[:60])
        except VietQRError:
            text = ""
        purpose = f"{reference} {text}"[:25].strip()
        try:
            order = await self.bank.post(
                "/orders",
                {
                    "reference": reference,
                    "amount_vnd": amount,
                    "purpose": purpose,
                    "callback_url": self.callback_url,
                },
                idempotency_key=f"order-{reference}",
            )
            bank_bin, account = str(order["bin"]), str(order["account"])
            payload = encode(VietQR(bank_bin, account, amount, purpose))
        except (ProviderUnavailable, ProviderRejected) as exc:
            raise PaymentError(f"the bank did not open the payment: {exc}") from exc
        except (KeyError, VietQRError) as exc:
            raise PaymentError("the bank's payment order does not read") from exc
        try:
            payment = await asyncio.to_thread(
                lambda: self.store.create_payment(
                    reference,
                    purpose_code=request.purpose_code,
                    description=request.description,
                    payee=request.payee,
                    amount_vnd=amount,
                    qr_payload=payload,
                )
            )
        except (StoreError, ValueError) as exc:
            raise PaymentError(f"the payment could not be recorded: {exc}") from exc
        _log.info("payments: created", extra={"payment": reference, "kind": request.purpose_code})
        if payment.state == "paid":
            self._schedule(reference)
        return PendingPayment(self, payment, bank_bin, account)

    def state(self, reference: str) -> str:
        """The payment's state now (``created``, ``paid``, ``cleared``, ``refunded``)."""
        payment = self.store.payment(reference)
        if payment is None:
            raise PaymentError("no such payment")
        return payment.state

    async def wait_for(self, reference: str, states: Iterable[str] = FINAL_STATES) -> str:
        """Wait until the payment is in one of ``states``; that state."""
        wanted = frozenset(states)
        while True:
            event = self._changed
            state = await asyncio.to_thread(self.state, reference)
            if state in wanted:
                return state
            await event.wait()

    async def refresh(self, reference: str) -> str:
        """Ask the bank about a ``created`` payment (a callback lost?); the state after."""
        payment = await asyncio.to_thread(self.store.payment, reference)
        if payment is None:
            raise PaymentError("no such payment")
        if payment.state == "created":
            order = await self.bank.get(f"/orders/{reference}")
            if order.get("state") in ("paid", "refunded") and order.get("bank_txn"):
                await self._paid(reference, str(order["bank_txn"]), int(order["amount_vnd"]))
        return self.state(reference)

    # -- the bank's callback ---------------------------------------------------------------

    async def _on_callback(self, request: web.Request) -> web.Response:
        body = await request.read()
        given = request.headers.get(SIGNATURE_HEADER, "")
        expected = hmac.new(self._secret, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(given.encode("ascii", "replace"), expected.encode("ascii")):
            _log.warning("payments: a callback with a bad signature was refused")
            return web.json_response({"error": "bad_signature"}, status=401)
        try:
            data = json.loads(body)
            reference = str(data["reference"])
            bank_txn = str(data["bank_txn"])
            amount = data["amount_vnd"]
            if isinstance(amount, bool) or not isinstance(amount, int):
                raise TypeError("amount")
        except (ValueError, KeyError, TypeError):
            return web.json_response({"error": "bad_request"}, status=400)
        outcome = await self._paid(reference, bank_txn, amount)
        if outcome in ("recorded", "duplicate"):
            return web.json_response({"ok": True, "outcome": outcome})
        return web.json_response({"error": outcome}, status=409)

    async def _paid(self, reference: str, bank_txn: str, amount: int) -> str:
        outcome = await asyncio.to_thread(self.store.record_paid, reference, bank_txn, amount)
        _log.info("payments: bank says paid", extra={"payment": reference, "event": outcome})
        if outcome == "recorded":
            self._notify(reference, "paid")
            self._schedule(reference)
        return outcome

    # -- clearing --------------------------------------------------------------------------

    def _schedule(self, reference: str) -> None:
        task = self._tasks.get(reference)
        if task is not None and not task.done():
            return
        self._tasks[reference] = asyncio.create_task(self._settle(reference))

    async def _settle(self, reference: str) -> None:
        payment = await asyncio.to_thread(self.store.payment, reference)
        if payment is None or payment.state != "paid":
            return
        clearer = self._clearers.get(payment.purpose_code.split(".", 1)[0])
        if clearer is None:
            await self._record(reference, "cleared", "station")
            return
        delay = self._backoff
        for attempt in range(1, self._attempts + 1):
            await asyncio.to_thread(self.store.record_clear_attempt, reference)
            try:
                receipt = await clearer(payment)
            except ProviderUnavailable as exc:
                _log.warning(
                    "payments: clearing failed, will retry",
                    extra={"payment": reference, "attempt": attempt, "reason": exc.reason},
                )
                if attempt < self._attempts:
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 30.0)
                continue
            except ProviderRejected as exc:
                _log.warning(
                    "payments: the payee refused the clearing",
                    extra={"payment": reference, "reason": exc.code},
                )
                break
            await self._record(reference, "cleared", receipt)
            return
        receipt_found = await self._cleared_after_all(payment)
        if receipt_found is not None:
            await self._record(reference, "cleared", receipt_found)
            return
        await self._refund(payment)

    async def _cleared_after_all(self, payment: Payment) -> str | None:
        """Did the payee clear it though its answer was lost? Asked until it answers."""
        if not payment.purpose_code.startswith("bill."):
            return None
        delay = self._backoff
        while True:
            try:
                status = await self.billers.get(f"/status/clearings/{payment.reference}")
            except ProviderUnavailable:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            except ProviderRejected:
                return None
            receipt = status.get("receipt_id")
            return str(receipt) if receipt else None

    async def _refund(self, payment: Payment) -> None:
        delay = self._backoff
        while True:
            try:
                answer = await self.bank.post(
                    "/refunds",
                    {
                        "reference": payment.reference,
                        "bank_txn": payment.bank_txn,
                        "amount_vnd": payment.amount_vnd,
                    },
                    idempotency_key=f"refund-{payment.reference}",
                )
            except ProviderUnavailable:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            except ProviderRejected as exc:
                # The bank will not refund (should not happen): left paid, shown on the
                # reconciliation report for an operator.
                _log.error(
                    "payments: the bank refused the refund",
                    extra={"payment": payment.reference, "reason": exc.code},
                )
                return
            await self._record(payment.reference, "refunded", str(answer.get("refund_id", "")))
            return

    async def _record(self, reference: str, state: str, settlement: str) -> None:
        record = self.store.record_cleared if state == "cleared" else self.store.record_refunded
        await asyncio.to_thread(record, reference, settlement or state)
        _log.info("payments: settled", extra={"payment": reference, "state": state})
        self._notify(reference, state)

    async def _clear_bill(self, payment: Payment) -> str:
        kind, _, code = payment.payee.partition(":")
        answer: dict[str, Any] = await self.billers.post(
            "/clearings",
            {
                "kind": kind,
                "customer_code": code,
                "amount_vnd": payment.amount_vnd,
                "reference": payment.reference,
            },
            idempotency_key=f"clear-{payment.reference}",
        )
        return str(answer.get("receipt_id", ""))

    def _notify(self, reference: str, state: str) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()
        for listener in list(self._listeners):
            try:
                listener(reference, state)
            except Exception:  # a screen's mistake must not stop the payments
                _log.exception("payments: a listener failed")


_SHARED: dict[int, tuple[ServiceContext, PaymentService]] = {}


def payments_for(context: ServiceContext) -> PaymentService:
    """The one payment service of a kiosk's modules (bills, dossier fees...).

    ``context.extra["payments"]`` if given; otherwise one made, once per context, from
    ``context.providers["bank"]`` and ``["billers"]`` (the bank's key is the callback
    secret). Call ``await service.ensure_started()`` before the first payment.

    Raises:
        PaymentError: the store or a provider is missing.
    """
    given = context.extra.get("payments")
    if isinstance(given, PaymentService):
        return given
    shared = _SHARED.get(id(context))
    if shared is not None and shared[0] is context:
        return shared[1]
    if context.store is None:
        raise PaymentError("payments need the store (the ledger)")
    try:
        bank_config, billers_config = context.providers["bank"], context.providers["billers"]
    except KeyError as exc:
        raise PaymentError(f"no [services.{exc.args[0]}] configured") from None
    service = PaymentService(
        context.store,
        ProviderClient("bank", bank_config),
        ProviderClient("billers", billers_config),
        callback_secret=str(bank_config.key),
    )
    _SHARED[id(context)] = (context, service)
    return service
