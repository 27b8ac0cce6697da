"""The teleconsultation: the doctor as a Practitioner and their note as a Composition.

A Composition rather than a ClinicalImpression: the note is free text a doctor
wrote and signed, which is what a Composition is (a clinical document with an
author, a date, a type, LOINC 11488-4 "Consult note", and narrative sections).
ClinicalImpression in R4 is a structured assessment at maturity 0 (findings,
problems, prognosis) that the note does not have, and fewer servers index it.
The Composition stands alone (not in a document Bundle); it references the
Patient, the Encounter and the Practitioner. A consult with no note gives no
Composition.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from fhir.resources.R4B.composition import Composition, CompositionSection
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.narrative import Narrative
from fhir.resources.R4B.practitioner import Practitioner

from fhir_bridge.codes import CONSULT_NOTE
from fhir_bridge.mapping._datatypes import concept, reference
from fhir_bridge.mapping.identifiers import (
    VisitRefs,
    composition_key,
    practitioner_key,
)
from fhir_bridge.record import Consult, IdentifierSystems, VisitRecord

__all__ = ["ConsultResources", "consult_resources", "note_xhtml", "practitioner_from_consult"]


@dataclass(frozen=True, slots=True)
class ConsultResources:
    """What a teleconsultation adds to a visit's bundle."""

    practitioner: Practitioner
    note: Composition | None


def practitioner_from_consult(consult: Consult, systems: IdentifierSystems) -> Practitioner:
    """The consulting doctor, identified by their portal id."""
    key = practitioner_key(systems, consult.doctor_id)
    name = " ".join(consult.doctor_name.split())
    return Practitioner(
        identifier=[key.identifier()],
        active=True,
        name=[HumanName(text=name)] if name else None,
    )


def note_xhtml(note: str) -> str:
    """A plain-text note as the XHTML of a narrative: escaped, one paragraph per block."""
    blocks = [b.strip() for b in note.replace("\r\n", "\n").split("\n\n")]
    paragraphs = [
        "<p>" + "<br/>".join(html.escape(line, quote=False) for line in b.split("\n")) + "</p>"
        for b in blocks
        if b
    ]
    return f'<div xmlns="http://www.w3.org/1999/xhtml">{"".join(paragraphs)}</div>'


def consult_resources(
    record: VisitRecord, refs: VisitRefs, *, practitioner: str
) -> ConsultResources | None:
    """The Practitioner and the note of the visit's consult; None when there was none.

    Args:
        record: the visit.
        refs: the fullUrls of the visit's Patient and Encounter.
        practitioner: the Practitioner's fullUrl (the note's author).
    """
    consult = record.consult
    if consult is None:
        return None
    doctor = practitioner_from_consult(consult, record.systems)
    if not consult.note.strip():
        return ConsultResources(doctor, None)
    note = Composition(
        identifier=composition_key(record).identifier(),
        status="final",
        type=concept(CONSULT_NOTE),
        subject=reference(refs.patient),
        encounter=reference(refs.encounter),
        date=consult.ended_at,
        author=[reference(practitioner)],
        title="Teleconsultation note",
        section=[
            CompositionSection(
                title="Doctor's note",
                text=Narrative(status="additional", div=note_xhtml(consult.note)),
            )
        ],
    )
    return ConsultResources(doctor, note)
