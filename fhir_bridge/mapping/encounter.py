"""The Encounter: one visit to the cabin, virtual when a doctor took part.

Class ``VR`` (virtual) when a teleconsultation took place, ``AMB`` (ambulatory)
otherwise, both from v3 ActCode; status ``finished``; the visit's period; the
identifier ``{station}/visit|{visit id}``; the consulting doctor as participant.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fhir.resources.R4B.encounter import Encounter, EncounterParticipant
from fhir.resources.R4B.period import Period

from fhir_bridge.codes import CONSULTANT, ENCOUNTER_CLASSES
from fhir_bridge.mapping._datatypes import coding, concept, reference
from fhir_bridge.mapping.identifiers import VisitRefs, encounter_key
from fhir_bridge.record import VisitRecord

__all__ = ["encounter_for_visit", "visit_end"]


def visit_end(record: VisitRecord) -> datetime:
    """When the visit ended; for one still open, the last thing recorded in it."""
    if record.visit.ended_at is not None:
        return record.visit.ended_at
    times = [record.visit.started_at]
    times += [m.received_at for m in record.measurements]
    times += [w.start_time + timedelta(seconds=w.sample_count / w.fs) for w in record.waveforms]
    if record.consult is not None:
        times.append(record.consult.ended_at)
    return max(times)


def encounter_for_visit(
    record: VisitRecord, refs: VisitRefs, *, practitioner: str | None = None
) -> Encounter:
    """The Encounter of a visit.

    Args:
        record: the visit.
        refs: the fullUrls of the visit's Patient and Devices.
        practitioner: the consulting doctor's Practitioner fullUrl, if a consult took place.
    """
    consult = record.consult
    participants = None
    if consult is not None and practitioner is not None:
        participants = [
            EncounterParticipant(
                type=[concept(CONSULTANT)],
                period=Period(start=consult.started_at, end=consult.ended_at),
                individual=reference(practitioner),
            )
        ]
    # "class" is a Python keyword: the type checker knows the field only by that alias.
    encounter_class: dict[str, Any] = {
        "class": coding(ENCOUNTER_CLASSES["VR" if consult is not None else "AMB"])
    }
    return Encounter(
        **encounter_class,
        identifier=[encounter_key(record).identifier()],
        status="finished",
        subject=reference(refs.patient),
        participant=participants,
        period=Period(start=record.visit.started_at, end=visit_end(record)),
    )
