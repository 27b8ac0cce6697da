"""The Patient: who the resident is, as far as they agreed to share.

The CCCD number is always sent for an identified resident (type NI): it is how the
hospital finds its record. The health-insurance (BHYT) number goes when the
resident gave it, the hospital's medical record number (type MR) when the hospital
has a system for it and a number for this resident. Name, birth date, sex and
address go only as :class:`~fhir_bridge.record.SharedFields` allows. An anonymous
visit has a Patient of its own, identified only by the visit.
"""

from __future__ import annotations

from fhir.resources.R4B.address import Address
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.patient import Patient

from cabin.store.models import Resident
from fhir_bridge.codes import IDENTIFIER_TYPES
from fhir_bridge.mapping._datatypes import concept
from fhir_bridge.mapping.identifiers import EntryKey
from fhir_bridge.record import IdentifierSystems, SharedFields

__all__ = ["anonymous_patient", "patient_from_resident", "vietnamese_name"]


def vietnamese_name(full_name: str) -> HumanName:
    """A Vietnamese name as printed on the card: family name first, given names after.

    ``"Nguyễn Văn Thử"`` has family ``Nguyễn`` and given ``Văn``, ``Thử``; ``text``
    keeps the whole name as written.
    """
    parts = full_name.split()
    given: list[str | None] = [*parts[1:]]
    return HumanName(
        use="official",
        text=" ".join(parts),
        family=parts[0] if len(parts) > 1 else None,
        given=given or None,
    )


def patient_from_resident(
    resident: Resident,
    systems: IdentifierSystems,
    shared: SharedFields,
    *,
    bhyt: str | None = None,
    mr: str | None = None,
) -> Patient:
    """The Patient of an identified resident.

    Args:
        resident: the resident, with the identity read from the CCCD card.
        systems: the hospital's identifier systems.
        shared: what of the identity the resident agreed to share.
        bhyt: the health-insurance card number, if given.
        mr: the hospital's medical record number, if known (sent only when
            ``systems.mr`` is set).
    """
    identity = resident.identity
    identifiers = [
        Identifier(
            use="official",
            type=concept(IDENTIFIER_TYPES["NI"]),
            system=systems.cccd,
            value=identity.cccd,
        )
    ]
    if bhyt:
        identifiers.append(Identifier(system=systems.bhyt, value=bhyt))
    if mr and systems.mr:
        identifiers.append(
            Identifier(
                use="usual", type=concept(IDENTIFIER_TYPES["MR"]), system=systems.mr, value=mr
            )
        )
    address = identity.address.strip()
    return Patient(
        identifier=identifiers,
        active=True,
        name=[vietnamese_name(identity.full_name)] if shared.name else None,
        birthDate=identity.birth_date if shared.birth_date else None,
        gender=identity.sex.value if shared.sex else None,
        address=[Address(use="home", text=address, country="VN")]
        if shared.address and address
        else None,
    )


def anonymous_patient(key: EntryKey) -> Patient:
    """The Patient of an anonymous visit: only ``{station}/anonymous-visit|{visit id}``.

    Args:
        key: the Patient's key (:func:`fhir_bridge.mapping.identifiers.patient_key`).
    """
    return Patient(identifier=[key.identifier()])
