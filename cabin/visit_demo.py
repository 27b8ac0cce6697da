"""A whole visit without a screen: what ``cabin visit --simulate`` runs.

The devices are simulated (sped up where the device allows: the cuff and the ECG
stream faster than real time; the oximeter reports once a second, as the real one
does), the resident is invented (:mod:`cabin.testident`), and everything goes
through the real parts: the card parser, the store, the visit state machine, the
controller's measurement steps and the vitals analysers. The sent visit is
queued in the FHIR outbox; ``cabin fhir send --once`` delivers it.
"""

from __future__ import annotations

import random
from typing import Any

from cabin.cccd import parse_cccd_qr
from cabin.config import Config
from cabin.controller import Controller
from cabin.measure import Outcome, Vital
from cabin.testident import invented_card_qr
from cabin.visit import recover
from hardware.hub import DeviceHub
from hardware.monikers import DeviceSpec

__all__ = ["simulated_visit"]


def _devices(seed: int) -> list[DeviceSpec]:
    rng = random.Random(seed)
    hr = rng.randint(58, 95)
    sbp = rng.randint(105, 165)
    dbp = min(sbp - 30, rng.randint(62, 100))
    spo2 = rng.randint(93, 99)
    return [
        DeviceSpec("oximeter", f"sim:cms50d,seed={seed},hr={hr},spo2={spo2}"),
        DeviceSpec("ecg", f"sim:ecg,seed={seed},hr={hr},speed=6"),
        DeviceSpec("bp", f"sim:cuff,seed={seed},hr={hr},sbp={sbp},dbp={dbp},speed=8"),
    ]


async def simulated_visit(config: Config, *, seed: int = 1) -> dict[str, Any]:
    """Run a visit from card to goodbye; returns its summary (no personal data in it)."""
    from cabin.cli import open_store  # the cli imports this module lazily: no cycle
    from fhir_bridge.destinations import Destinations
    from fhir_bridge.outbox import enqueue_visit

    destinations = Destinations.from_config(config)

    def queue(visit_id: str) -> None:
        enqueue_visit(store, visit_id, destinations)

    with open_store(config) as store:
        recover(store, config.station.id, on_sent=queue)
        card = parse_cccd_qr(invented_card_qr(random.Random(seed)))
        known = store.find_resident_by_cccd(card.id_number)
        resident_id = known.id if known else store.add_resident(card.to_identity())
        async with DeviceHub(_devices(seed)) as hub:
            controller = Controller(hub, store, config.station.id, on_sent=queue)
            visit = controller.start_visit()
            visit.identify(resident_id)
            visit.give_consent(True)
            results = [await controller.measure(vital) for vital in (
                Vital.SPO2, Vital.ECG, Vital.BLOOD_PRESSURE
            )]  # fmt: skip
            visit.show_results()
            visit.send()
            visit.goodbye()
            visit.finish()
        vitals: list[dict[str, Any]] = []
        for result in results:
            if not isinstance(result, Outcome):
                vitals.append({"vital": result.vital.value, "failed": result.reason})
                continue
            for kept in result.kept:
                interpretation = kept.interpretation
                vitals.append(
                    {
                        "vital": result.vital.value,
                        "kind": kept.kind,
                        "values": dict(kept.values),
                        "unit": kept.unit,
                        "quality": round(kept.quality, 3),
                        "flags": sorted(kept.flags),
                        "interpretation": None if interpretation is None else {
                            "code": interpretation.code,
                            "colour": interpretation.colour,
                            "text_vi": interpretation.text_vi,
                            "text_en": interpretation.text_en,
                            "call_doctor": interpretation.call_doctor,
                            "emergency": interpretation.emergency,
                        },
                    }
                )  # fmt: skip
        stored = store.visit(visit.visit_id)
        return {
            "visit_id": visit.visit_id,
            "station": config.station.id,
            "resident_id": resident_id,
            "state": stored.state if stored else "missing",
            "transitions": [t.to_state for t in store.transitions(visit.visit_id)],
            "vitals": vitals,
            "outbox": [
                {"entry": e.id, "destination": e.destination, "state": e.state}
                for e in store.outbox_entries(visit_id=visit.visit_id)
            ],
        }
