"""The Provenance of a visit: the cabin assembled and sent every Observation.

R4 Provenance has no identifier element: the resource carries a ``meta.tag``
``{station}/provenance|{visit id}`` so that a conditional create can find it by
``_tag`` and a retried bundle does not record it twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.provenance import Provenance, ProvenanceAgent

from fhir_bridge.codes import PROVENANCE_ASSEMBLER, PROVENANCE_CREATE
from fhir_bridge.mapping._datatypes import concept, reference
from fhir_bridge.mapping.encounter import visit_end
from fhir_bridge.mapping.identifiers import VisitRefs, provenance_key
from fhir_bridge.record import VisitRecord

__all__ = ["provenance_for_visit"]


def provenance_for_visit(
    record: VisitRecord, refs: VisitRefs, targets: Sequence[str]
) -> Provenance:
    """The Provenance of a visit's Observations.

    Args:
        record: the visit.
        refs: the fullUrls of the visit's resources (the gateway is the agent).
        targets: the fullUrls of the Observations it covers (at least one).

    Raises:
        ValueError: no target.
    """
    if not targets:
        raise ValueError("a Provenance needs at least one target")
    end = visit_end(record)
    return Provenance(
        meta=Meta(tag=[provenance_key(record).tag()]),
        target=[reference(t) for t in targets],
        occurredPeriod=Period(start=record.visit.started_at, end=end),
        recorded=end,
        activity=concept(PROVENANCE_CREATE),
        agent=[ProvenanceAgent(type=concept(PROVENANCE_ASSEMBLER), who=reference(refs.gateway))],
    )
