"""The outbox worker: takes due entries from the store and delivers them.

Each entry is sent, and only then marked in the store. A worker killed between
the two leaves the entry pending; it is sent again, and the server, finding
every entry's identifier already there, creates nothing: delivered at least
once, stored exactly once. A retryable failure waits ``retry_first * 2**n``
seconds (capped at ``retry_max``, drawn between half and all of it so stations
that failed together do not return together), or longer when the server's
``Retry-After`` asks. A refusal makes a dead letter for an operator.

Entries of one resident never travel at the same time: two transactions that
each create the resident's Patient "if none exists" could both find none.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from cabin.errors import DeliveryRejected, DeliveryRetryable
from cabin.store import OutboxEntry, Store
from cabin.store.codec import utc_now
from fhir_bridge.client import FhirClient

__all__ = ["KIND", "OutboxWorker"]

log = logging.getLogger(__name__)

#: The outbox kind of a visit's FHIR transaction Bundle.
KIND = "fhir-transaction"
# The longest the worker sleeps with nothing due, so a clock change is noticed.
_IDLE = 60.0


class OutboxWorker:
    """Delivers the store's pending FHIR bundles to their hospitals.

    Args:
        store: the station's store.
        clients: a FHIR client per destination (hospital id); an entry for a
            hospital without one waits, with the reason recorded.
        retry_first: seconds before the first retry.
        retry_max: the longest wait between retries.
        concurrency: how many deliveries may be under way at once.
        clock: the station's clock (UTC).
        rng: randomness for the jitter.
    """

    def __init__(
        self,
        store: Store,
        clients: Mapping[str, FhirClient],
        *,
        retry_first: float = 5.0,
        retry_max: float = 3600.0,
        concurrency: int = 4,
        clock: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        if not 0 < retry_first <= retry_max:
            raise ValueError("need 0 < retry_first <= retry_max")
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._store = store
        self._clients = dict(clients)
        self._retry_first = retry_first
        self._retry_max = retry_max
        self._concurrency = concurrency
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrecy
        self._wake = asyncio.Event()
        self._in_flight: set[int] = set()  # entries an attempt is under way for
        self.delivered = 0
        self.failed = 0
        self.dead = 0

    def wake(self) -> None:
        """Something was enqueued: look now rather than at the next due time."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver forever: due entries now, then sleep until the next is due or :meth:`wake`."""
        while True:
            try:
                if await self.deliver_due() == 0:
                    await self._sleep()
            except Exception:  # a busy or failing store: never end the worker
                log.exception("outbox pass failed")
                await asyncio.sleep(self._retry_first)

    async def deliver_due(self, *, limit: int = 100) -> int:
        """One pass: deliver the entries due now (at most ``limit``); return how many were tried."""
        entries = await asyncio.to_thread(self._store.due_entries, self._clock(), limit=limit)
        entries = [e for e in entries if e.id not in self._in_flight]
        if not entries:
            return 0
        gate = asyncio.Semaphore(self._concurrency)
        by_person: dict[str, list[OutboxEntry]] = {}
        for entry in entries:
            by_person.setdefault(await self._person(entry), []).append(entry)

        async def one_person(queue: list[OutboxEntry]) -> None:
            for entry in queue:  # one at a time for a person, in enqueued order
                async with gate:
                    await self.deliver(entry)

        await asyncio.gather(*(one_person(queue) for queue in by_person.values()))
        return len(entries)

    async def drain(self) -> int:
        """Deliver until nothing is due now; return how many attempts were made."""
        total = 0
        while (tried := await self.deliver_due()) > 0:
            total += tried
        return total

    async def deliver(self, entry: OutboxEntry) -> None:
        """One attempt for one entry, and its result recorded in the store."""
        if entry.id in self._in_flight:
            return
        self._in_flight.add(entry.id)
        try:
            await self._attempt(entry)
        finally:
            self._in_flight.discard(entry.id)

    async def _attempt(self, entry: OutboxEntry) -> None:
        fields = {"entry": entry.id, "visit": entry.visit_id, "destination": entry.destination}
        client = self._clients.get(entry.destination)
        try:
            if client is None:
                raise DeliveryRetryable(f"no FHIR server is configured for {entry.destination!r}")
            if entry.payload is None:  # pending entries always have one; a guard for a bug
                raise DeliveryRejected("the entry holds no record", status=0)
            result = await client.send_transaction(entry.payload)
        except DeliveryRetryable as exc:
            wait = self.backoff(entry.attempts, exc.retry_after)
            retry_at = self._clock() + timedelta(seconds=wait)
            await asyncio.to_thread(
                self._store.mark_failed, entry.id, error=str(exc), retry_at=retry_at
            )
            self.failed += 1
            log.warning(
                "delivery failed, will retry",
                extra={**fields, "attempts": entry.attempts + 1, "delay": round(wait, 1)},
            )
            return
        except DeliveryRejected as exc:
            await asyncio.to_thread(
                self._store.mark_dead, entry.id, error=str(exc), outcome=exc.outcome or None
            )
            self.dead += 1
            log.error("delivery refused: dead letter", extra={**fields, "status": exc.status})
            return
        await asyncio.to_thread(self._store.mark_delivered, entry.id, at=self._clock())
        self.delivered += 1
        log.info("visit delivered", extra={**fields, "count": result.created})

    def backoff(self, attempts: int, retry_after: float | None = None) -> float:
        """Seconds to wait after the ``attempts + 1``-th failure."""
        ceiling = min(self._retry_max, self._retry_first * 2.0 ** min(attempts, 40))
        wait = self._rng.uniform(ceiling / 2.0, ceiling)
        return max(wait, retry_after or 0.0)

    async def _person(self, entry: OutboxEntry) -> str:
        visit = await asyncio.to_thread(self._store.visit, entry.visit_id)
        if visit is None or visit.resident_id is None:
            return f"visit:{entry.visit_id}"
        return f"resident:{visit.resident_id}"

    async def _sleep(self) -> None:
        self._wake.clear()  # before looking, so an entry enqueued meanwhile still wakes us
        due = await asyncio.to_thread(self._store.next_due_at)
        wait = _IDLE if due is None else (due - self._clock()).total_seconds()
        wait = min(max(wait, 0.05), _IDLE)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), wait)
