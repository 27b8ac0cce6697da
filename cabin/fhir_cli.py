"""``cabin fhir``: the hospital records of this station, for an operator.

::

    cabin fhir export --visit ID --out FILE   the visit's transaction Bundle as JSON
    cabin fhir status [--json]                the outbox: pending, delivered, dead, last errors
    cabin fhir retry ENTRY                    rebuild a dead letter and queue it again
    cabin fhir send [--once]                  run the delivery worker (--once: what is due now)

Exporting writes health data to a file: it is recorded in the audit log.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from cabin.config import Config
from cabin.store import OutboxEntry, Store

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    """Add ``fhir`` and its actions to the ``cabin`` parser's subcommands."""
    fhir = sub.add_parser("fhir", help="hospital records: export, outbox status, retry, send")
    actions = fhir.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="write a visit's transaction Bundle as JSON")
    export.add_argument("--visit", required=True, metavar="ID", help="the visit's id")
    export.add_argument("--out", required=True, type=Path, metavar="FILE")
    status = actions.add_parser("status", help="the outbox: pending, delivered, dead")
    status.add_argument("--json", action="store_true")
    retry = actions.add_parser("retry", help="rebuild a dead letter and queue it again")
    retry.add_argument("entry", type=int, metavar="ENTRY", help="the outbox entry's number")
    send = actions.add_parser("send", help="run the delivery worker")
    send.add_argument("--once", action="store_true", help="deliver what is due now, then stop")


def run(config: Config, args: argparse.Namespace, store: Store) -> int:
    """Carry out ``cabin fhir ACTION``; returns the exit code."""
    from fhir_bridge.destinations import Destinations

    destinations = Destinations.from_config(config)
    if args.action == "export":
        return _export(store, destinations, args.visit, args.out)
    if args.action == "status":
        return _status(store, as_json=args.json)
    if args.action == "retry":
        return _retry(store, destinations, args.entry)
    return asyncio.run(_send(store, destinations, once=args.once))


def _export(store: Store, destinations: Any, visit_id: str, out: Path) -> int:
    from fhir_bridge.outbox import bundle_bytes, gather

    record = gather(store, visit_id, destinations)
    data = json.loads(bundle_bytes(record))
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    out.chmod(0o600)  # health data
    store.audit("operator", "visit.export", object_type="visit", object_id=visit_id)
    print(f"{out}: {len(data.get('entry', []))} entries")
    return 0


def _status(store: Store, *, as_json: bool) -> int:
    counts = store.outbox_counts()
    waiting = store.outbox_entries(state="pending") + store.outbox_entries(state="dead")
    if as_json:
        body = {"counts": counts, "entries": [_entry_json(e) for e in waiting]}
        print(json.dumps(body, ensure_ascii=False, indent=2))
        return 0
    print(
        f"outbox: {counts['pending']} pending, {counts['delivered']} delivered, "
        f"{counts['dead']} dead"
    )
    for entry in waiting:
        when = (
            ""
            if entry.state == "dead"
            else f", next try {entry.next_attempt_at:%Y-%m-%d %H:%M:%S}Z"
        )
        print(
            f"  #{entry.id} {entry.state} visit {entry.visit_id} -> {entry.destination}: "
            f"{entry.attempts} attempts{when}; {entry.last_error or 'not tried yet'}"
        )
    return 0


def _entry_json(entry: OutboxEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "state": entry.state,
        "visit": entry.visit_id,
        "destination": entry.destination,
        "attempts": entry.attempts,
        "next_attempt_at": entry.next_attempt_at.isoformat(),
        "last_error": entry.last_error,
    }


def _retry(store: Store, destinations: Any, entry_id: int) -> int:
    from fhir_bridge.outbox import requeue

    requeue(store, entry_id, destinations)
    store.audit("operator", "outbox.requeue", object_type="outbox", object_id=str(entry_id))
    print(f"#{entry_id} rebuilt and queued again")
    return 0


async def _send(store: Store, destinations: Any, *, once: bool) -> int:
    from fhir_bridge.service import delivery

    async with delivery(store, destinations, background=not once) as running:
        if once:
            await running.worker.drain()
        else:
            await asyncio.Event().wait()  # until Ctrl-C
    counts = store.outbox_counts()
    print(
        f"outbox: {counts['pending']} pending, {counts['delivered']} delivered, "
        f"{counts['dead']} dead"
    )
    return 0 if counts["dead"] == 0 else 1
