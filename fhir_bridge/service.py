"""The delivery service a running station keeps: the worker and the hook that feeds it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from cabin.store import Store
from fhir_bridge.destinations import Destinations, open_clients
from fhir_bridge.outbox import enqueue_visit
from fhir_bridge.worker import OutboxWorker

__all__ = ["Delivery", "delivery"]

log = logging.getLogger(__name__)


class Delivery:
    """A running outbox worker and the visit flow's ``on_sent`` hook."""

    def __init__(self, store: Store, destinations: Destinations, worker: OutboxWorker) -> None:
        self.store = store
        self.destinations = destinations
        self.worker = worker

    def on_sent(self, visit_id: str) -> None:
        """Queue a sent visit (inside the transaction that ends it) and wake the worker."""
        enqueue_visit(self.store, visit_id, self.destinations)
        self.worker.wake()


@contextlib.asynccontextmanager
async def delivery(
    store: Store, destinations: Destinations, *, concurrency: int = 4, background: bool = True
) -> AsyncIterator[Delivery]:
    """Run the outbox worker while the block runs.

    With ``background`` off, or ``[fhir] enabled`` off, the worker is only built: the
    caller drives it (``await delivery.worker.drain()``).
    """
    async with open_clients(destinations) as clients:
        worker = OutboxWorker(
            store,
            clients,
            retry_first=destinations.fhir.retry_first,
            retry_max=destinations.fhir.retry_max,
            concurrency=concurrency,
        )
        running = background and destinations.fhir.enabled
        task = asyncio.create_task(worker.run()) if running else None
        try:
            yield Delivery(store, destinations, worker)
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
