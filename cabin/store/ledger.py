"""The payments ledger: every payment's states, and double-entry postings that balance.

A payment is **created** when the station shows its VietQR, becomes **paid** when the
bank's signed callback says so, then **cleared** (the biller or office has it) or
**refunded** (clearing failed for good; the bank gave the money back). Every change is
appended to ``payment_states``; a payment's row holds only its latest state.

Each event posts, once, a pair of entries that sum to zero (integer VND)::

    paid      bank_clearing      +A   resident_payments  -A   (the money reached our account)
    cleared   resident_payments  +A   biller_payable     -A   (handed on to the biller)
    refunded  resident_payments  +A   refunds            -A   (given back to the resident)

So ``resident_payments`` is zero once every paid payment is settled; a non-zero balance
is money paid and not yet cleared or refunded.

**Idempotent**: :meth:`LedgerRecords.record_paid` is keyed on our reference *and* on the
bank's transaction id (both unique); a repeated, late or out-of-order callback finds the
payment already past ``created`` and posts nothing. Clearing and refunding happen only
from ``paid``, so neither can happen twice, nor both. The checks and the writes run in
one ``BEGIN IMMEDIATE`` transaction, so two callbacks at once cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from cabin.errors import StoreError
from cabin.store import codec
from cabin.store.db import Database, lastrowid, require_text

__all__ = [
    "ACCOUNTS",
    "LOCAL_TZ",
    "LedgerRecords",
    "PaidOutcome",
    "Payment",
    "PaymentStateChange",
    "Reconciliation",
]

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ACCOUNTS = ("bank_clearing", "biller_payable", "refunds", "resident_payments")
STATES = ("created", "paid", "cleared", "refunded")

_POSTINGS: dict[str, tuple[tuple[str, int], ...]] = {
    "paid": (("bank_clearing", 1), ("resident_payments", -1)),
    "cleared": (("resident_payments", 1), ("biller_payable", -1)),
    "refunded": (("resident_payments", 1), ("refunds", -1)),
}

PaidOutcome = Literal["recorded", "duplicate", "unknown", "mismatch", "conflict"]
"""What :meth:`LedgerRecords.record_paid` did: ``recorded`` (first time), ``duplicate``
(this bank transaction was already recorded: nothing posted), ``unknown`` (no payment
with that reference), ``mismatch`` (the amount differs: refused) or ``conflict`` (the
payment was already paid by another bank transaction, or that transaction paid another
payment: refused)."""

_SELECT = (
    "SELECT id, reference, purpose_code, description, payee, amount_vnd, state, qr_payload,"
    " bank_txn, clear_attempts, settlement, created_at, updated_at FROM payments"
)


@dataclass(frozen=True, slots=True)
class Payment:
    """One payment as the ledger has it (no personal data)."""

    id: int
    reference: str
    purpose_code: str
    description: str
    payee: str
    amount_vnd: int
    state: str
    qr_payload: str
    bank_txn: str | None
    clear_attempts: int
    settlement: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PaymentStateChange:
    """One line of a payment's state history."""

    seq: int
    state: str
    at: datetime
    note: str


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """A day's reconciliation (the day in Asia/Ho_Chi_Minh).

    Attributes:
        day: the local day.
        counts: per state, the payments created that day now in that state.
        sums: per state, their amounts in VND.
        postings: per account, the sum of that day's postings.
        balances: per account, the balance at the end of the day (every posting so far).
        unsettled: references of payments paid and not yet cleared or refunded (any day).
        balanced: every payment's postings sum to zero.
    """

    day: date
    counts: dict[str, int]
    sums: dict[str, int]
    postings: dict[str, int]
    balances: dict[str, int]
    unsettled: list[str]
    balanced: bool


def _day_bounds(day: date) -> tuple[str, str]:
    start = datetime.combine(day, time(0), LOCAL_TZ)
    end = start + timedelta(days=1)
    return codec.to_db_time(start.astimezone(UTC)), codec.to_db_time(end.astimezone(UTC))


class LedgerRecords(Database):
    """The ``payments``, ``payment_states`` and ``ledger_postings`` tables."""

    def create_payment(
        self,
        reference: str,
        *,
        purpose_code: str,
        description: str,
        payee: str,
        amount_vnd: int,
        qr_payload: str,
        at: datetime | None = None,
    ) -> Payment:
        """Record a new payment in ``created``; the same reference again returns the first.

        Raises:
            ValueError: an empty field or an amount that is not a positive integer.
            StoreError: the reference exists with a different amount or payee.
        """
        for value, name in (
            (reference, "reference"),
            (purpose_code, "purpose_code"),
            (payee, "payee"),
            (qr_payload, "qr_payload"),
        ):
            require_text(value, name)
        if isinstance(amount_vnd, bool) or not isinstance(amount_vnd, int) or amount_vnd <= 0:
            raise ValueError("amount_vnd must be a positive integer")
        stamp = codec.to_db_time(at or codec.utc_now(), "at")
        with self.transaction():
            existing = self.payment(reference)
            if existing is not None:
                if existing.amount_vnd != amount_vnd or existing.payee != payee:
                    raise StoreError("a payment with this reference exists with other terms")
                return existing
            cursor = self._run(
                "INSERT INTO payments (reference, purpose_code, description, payee, amount_vnd,"
                " state, qr_payload, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, 'created', ?, ?, ?)",
                (reference, purpose_code, description, payee, amount_vnd, qr_payload, stamp, stamp),
            )
            self._append_state(lastrowid(cursor), "created", stamp, "")
        created = self.payment(reference)
        assert created is not None  # noqa: S101 - just written in the transaction above
        return created

    def record_paid(
        self, reference: str, bank_txn: str, amount_vnd: int, *, at: datetime | None = None
    ) -> PaidOutcome:
        """The bank says ``reference`` was paid by its transaction ``bank_txn``.

        Posts ``paid`` the first time only; see :data:`PaidOutcome` for the rest.
        """
        require_text(bank_txn, "bank_txn")
        stamp = codec.to_db_time(at or codec.utc_now(), "at")
        with self.transaction():
            payment = self.payment(reference)
            if payment is None:
                return "unknown"
            if payment.bank_txn == bank_txn:
                return "duplicate"
            if payment.bank_txn is not None or payment.state != "created":
                return "conflict"
            if self._fetchone("SELECT 1 FROM payments WHERE bank_txn = ?", (bank_txn,)):
                return "conflict"
            if payment.amount_vnd != amount_vnd:
                return "mismatch"
            self._run(
                "UPDATE payments SET state = 'paid', bank_txn = ?, updated_at = ? WHERE id = ?",
                (bank_txn, stamp, payment.id),
            )
            self._append_state(payment.id, "paid", stamp, bank_txn)
            self._post(payment.id, "paid", payment.amount_vnd, stamp)
        return "recorded"

    def record_clear_attempt(self, reference: str) -> int:
        """Count one more try at clearing; the count so far."""
        with self.transaction():
            self._run(
                "UPDATE payments SET clear_attempts = clear_attempts + 1 WHERE reference = ?",
                (reference,),
            )
            row = self._fetchone(
                "SELECT clear_attempts FROM payments WHERE reference = ?", (reference,)
            )
        if row is None:
            raise StoreError("no such payment")
        return int(row[0])

    def record_cleared(
        self, reference: str, settlement: str, *, at: datetime | None = None
    ) -> bool:
        """The payee has the money (``settlement``: its receipt id); False if already done.

        Raises:
            StoreError: no such payment, or it is not paid (created, or refunded).
        """
        return self._settle(reference, "cleared", settlement, at)

    def record_refunded(
        self, reference: str, settlement: str, *, at: datetime | None = None
    ) -> bool:
        """The bank gave the money back (``settlement``: its refund id); False if already done.

        Raises:
            StoreError: no such payment, or it is not paid (created, or cleared).
        """
        return self._settle(reference, "refunded", settlement, at)

    def _settle(self, reference: str, state: str, settlement: str, at: datetime | None) -> bool:
        require_text(settlement, "settlement")
        stamp = codec.to_db_time(at or codec.utc_now(), "at")
        with self.transaction():
            payment = self.payment(reference)
            if payment is None:
                raise StoreError("no such payment")
            if payment.state == state:
                return False
            if payment.state != "paid":
                raise StoreError(f"a {payment.state} payment cannot become {state}")
            self._run(
                "UPDATE payments SET state = ?, settlement = ?, updated_at = ? WHERE id = ?",
                (state, settlement, stamp, payment.id),
            )
            self._append_state(payment.id, state, stamp, settlement)
            self._post(payment.id, state, payment.amount_vnd, stamp)
        return True

    def _append_state(self, payment_id: int, state: str, stamp: str, note: str) -> None:
        row = self._fetchone(
            "SELECT COALESCE(MAX(seq), 0) FROM payment_states WHERE payment_id = ?",
            (payment_id,),
        )
        seq = int(row[0]) + 1 if row else 1
        self._run(
            "INSERT INTO payment_states (payment_id, seq, state, at, note) VALUES (?, ?, ?, ?, ?)",
            (payment_id, seq, state, stamp, note),
        )

    def _post(self, payment_id: int, event: str, amount: int, stamp: str) -> None:
        for account, sign in _POSTINGS[event]:
            self._run(
                "INSERT INTO ledger_postings (payment_id, event, account, amount_vnd, at)"
                " VALUES (?, ?, ?, ?, ?)",
                (payment_id, event, account, sign * amount, stamp),
            )

    # -- reading ---------------------------------------------------------------------------

    def payment(self, reference: str) -> Payment | None:
        """The payment with our ``reference``, or None."""
        row = self._fetchone(_SELECT + " WHERE reference = ?", (reference,))
        return None if row is None else _payment(row)

    def payment_by_bank_txn(self, bank_txn: str) -> Payment | None:
        """The payment the bank's transaction ``bank_txn`` paid, or None."""
        row = self._fetchone(_SELECT + " WHERE bank_txn = ?", (bank_txn,))
        return None if row is None else _payment(row)

    def payments_in(self, *states: str) -> list[Payment]:
        """Every payment now in one of ``states``, oldest first."""
        marks = ", ".join("?" for _ in states)
        rows = self._fetchall(_SELECT + f" WHERE state IN ({marks}) ORDER BY id", states)
        return [_payment(row) for row in rows]

    def payment_history(self, reference: str) -> list[PaymentStateChange]:
        """Every state the payment went through, in order."""
        rows = self._fetchall(
            "SELECT s.seq, s.state, s.at, s.note FROM payment_states s"
            " JOIN payments p ON p.id = s.payment_id WHERE p.reference = ? ORDER BY s.seq",
            (reference,),
        )
        return [PaymentStateChange(r[0], r[1], codec.from_db_time(r[2]), r[3]) for r in rows]

    def postings_of(self, reference: str) -> list[tuple[str, str, int]]:
        """The payment's postings as (event, account, amount), in order."""
        rows = self._fetchall(
            "SELECT l.event, l.account, l.amount_vnd FROM ledger_postings l"
            " JOIN payments p ON p.id = l.payment_id WHERE p.reference = ? ORDER BY l.id",
            (reference,),
        )
        return [(r[0], r[1], int(r[2])) for r in rows]

    def account_balances(self, *, until: datetime | None = None) -> dict[str, int]:
        """Each account's balance (every posting, or those before ``until``)."""
        balances = dict.fromkeys(ACCOUNTS, 0)
        if until is None:
            rows = self._fetchall(
                "SELECT account, SUM(amount_vnd) FROM ledger_postings GROUP BY account"
            )
        else:
            rows = self._fetchall(
                "SELECT account, SUM(amount_vnd) FROM ledger_postings WHERE at < ?"
                " GROUP BY account",
                (codec.to_db_time(until, "until"),),
            )
        for account, total in rows:
            balances[account] = int(total)
        return balances

    def unbalanced_payments(self) -> list[str]:
        """References of payments whose postings do not sum to zero (should be none)."""
        rows = self._fetchall(
            "SELECT p.reference FROM ledger_postings l JOIN payments p ON p.id = l.payment_id"
            " GROUP BY l.payment_id, l.event HAVING SUM(l.amount_vnd) != 0"
        )
        return sorted({r[0] for r in rows})

    def reconciliation(self, day: date) -> Reconciliation:
        """The reconciliation of ``day`` (a local day in Asia/Ho_Chi_Minh)."""
        start, end = _day_bounds(day)
        counts = dict.fromkeys(STATES, 0)
        sums = dict.fromkeys(STATES, 0)
        for state, count, total in self._fetchall(
            "SELECT state, COUNT(*), SUM(amount_vnd) FROM payments"
            " WHERE created_at >= ? AND created_at < ? GROUP BY state",
            (start, end),
        ):
            counts[state] = int(count)
            sums[state] = int(total)
        postings = dict.fromkeys(ACCOUNTS, 0)
        for account, total in self._fetchall(
            "SELECT account, SUM(amount_vnd) FROM ledger_postings"
            " WHERE at >= ? AND at < ? GROUP BY account",
            (start, end),
        ):
            postings[account] = int(total)
        balances = self.account_balances(until=codec.from_db_time(end))
        unsettled = [p.reference for p in self.payments_in("paid")]
        return Reconciliation(
            day=day,
            counts=counts,
            sums=sums,
            postings=postings,
            balances=balances,
            unsettled=unsettled,
            balanced=not self.unbalanced_payments() and sum(balances.values()) == 0,
        )


def _payment(row: tuple[Any, ...]) -> Payment:
    return Payment(
        id=int(row[0]),
        reference=row[1],
        purpose_code=row[2],
        description=row[3],
        payee=row[4],
        amount_vnd=int(row[5]),
        state=row[6],
        qr_payload=row[7],
        bank_txn=row[8],
        clear_attempts=int(row[9]),
        settlement=row[10],
        created_at=codec.from_db_time(row[11]),
        updated_at=codec.from_db_time(row[12]),
    )
