"""The frozen records the store takes and returns.

Fields that carry personal data are left out of ``repr`` so that a record
printed in a traceback or a test failure does not show them.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "AuditEntry",
    "Consult",
    "Identity",
    "Measurement",
    "Resident",
    "Sex",
    "Visit",
    "VisitTransition",
    "Waveform",
]

_CCCD = re.compile(r"[0-9]{9}|[0-9]{12}")


class Sex(enum.StrEnum):
    """Administrative sex, with the codes of FHIR ``AdministrativeGender``."""

    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a resident is, as read from the citizen ID card (CCCD) or typed in.

    Attributes:
        cccd: the 12-digit CCCD number (9 digits for an old CMND card).
        full_name: the name as printed on the card.
        birth_date: date of birth.
        sex: administrative sex.
        address: place of residence as printed on the card; may be empty.
    """

    cccd: str = field(repr=False)
    full_name: str = field(repr=False)
    birth_date: date = field(repr=False)
    sex: Sex = field(repr=False)
    address: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.cccd, str) or _CCCD.fullmatch(self.cccd) is None:
            raise ValueError("cccd must be 12 digits (or 9 for an old CMND card)")
        if not self.full_name.strip():
            raise ValueError("full_name must not be empty")
        if isinstance(self.birth_date, datetime) or not isinstance(self.birth_date, date):
            raise ValueError("birth_date must be a date")
        object.__setattr__(self, "sex", Sex(self.sex))


@dataclass(frozen=True, slots=True)
class Resident:
    """A resident known to this station.

    Attributes:
        id: the resident's UUID, the only handle other records and logs use.
        identity: the decrypted identity.
        created_at: when the resident was first recorded (UTC).
    """

    id: str
    identity: Identity
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Visit:
    """One session at the cabin.

    Attributes:
        id: the visit's UUID.
        resident_id: the identified resident, or None for an anonymous visit.
        station_id: the station where it took place.
        state: the current state, as named by the visit state machine.
        started_at: when it began (UTC).
        ended_at: when it ended (UTC), or None while it runs.
        consent: whether the resident consented to recording and sharing.
        hospital: the hospital the resident chose (a key of the configured
            hospitals), or None for the station's default.
    """

    id: str
    resident_id: str | None
    station_id: str
    state: str
    started_at: datetime
    ended_at: datetime | None
    consent: bool
    hospital: str | None = None


@dataclass(frozen=True, slots=True)
class VisitTransition:
    """One change of a visit's state.

    Attributes:
        id: row id, increasing in the order the changes were recorded.
        visit_id: the visit.
        from_state: the state left, or None for the visit's first state.
        to_state: the state entered.
        at: when it happened (UTC).
    """

    id: int
    visit_id: str
    from_state: str | None
    to_state: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Measurement:
    """A stored spot measurement.

    Attributes:
        id: row id, increasing in the order measurements were stored.
        visit_id: the visit it belongs to.
        kind: what was measured (``"spo2"``, ``"blood_pressure"``...).
        values: named values, all in ``unit`` (read-only mapping).
        unit: UCUM unit (``"%"``, ``"/min"``, ``"mm[Hg]"``...).
        device_id: the device that measured it, if any.
        device_time: the device's clock for the measurement (UTC), if known.
        received_at: when the station received it (UTC).
        quality: signal quality from 0 (useless) to 1 (clean), if assessed.
        flags: conditions reported with it (``"irregular_pulse"``...).
    """

    id: int
    visit_id: str
    kind: str
    values: Mapping[str, float]
    unit: str
    device_id: str | None
    device_time: datetime | None
    received_at: datetime
    quality: float | None
    flags: frozenset[str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))


@dataclass(frozen=True, slots=True, eq=False)
class Waveform:
    """A stored run of samples of one signal.

    Attributes:
        id: row id.
        visit_id: the visit it belongs to.
        signal_kind: the signal (a ``hardware.events.SignalKind`` value).
        fs: sampling rate in Hz.
        start_time: time of the first sample (UTC).
        unit: UCUM unit of the samples.
        samples: read-only float64 samples, exact to float32 precision.
        device_id: the device that recorded it, if any.
    """

    id: int
    visit_id: str
    signal_kind: str
    fs: float
    start_time: datetime
    unit: str
    samples: NDArray[np.float64]
    device_id: str | None

    @property
    def sample_count(self) -> int:
        """Number of samples."""
        return int(self.samples.shape[0])


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the append-only audit log; it holds ids, never personal data.

    Attributes:
        id: row id, increasing in the order entries were written.
        at: when it happened (UTC).
        actor: who acted (``"system"``, ``"resident"``, ``"doctor:42"``...).
        action: what was done (``"resident.identify"``, ``"visit.export"``...).
        object_type: the kind of object acted on, if any.
        object_id: the id of that object, if any.
    """

    id: int
    at: datetime
    actor: str
    action: str
    object_type: str | None
    object_id: str | None


@dataclass(frozen=True, slots=True)
class Consult:
    """A teleconsultation asked for during a visit.

    Attributes:
        id: row id.
        visit_id: the visit.
        started_at: when the cabin asked for a doctor (UTC).
        accepted_at: when a doctor accepted (UTC), or None if none did.
        ended_at: when it ended (UTC), or None while it runs.
        doctor_id: the doctor's account at the portal, if known.
        doctor_name: the doctor's display name, if a doctor accepted.
        note: the latest version of the doctor's note ("" if none).
        note_version: how many versions of the note were written (0: none).
        end_reason: how it ended, a short code (``"doctor"``, ``"resident"``,
            ``"unreachable"``...), or None while it runs.
    """

    id: int
    visit_id: str
    started_at: datetime
    accepted_at: datetime | None = None
    ended_at: datetime | None = None
    doctor_id: str | None = None
    doctor_name: str | None = field(default=None, repr=False)
    note: str = field(default="", repr=False)
    note_version: int = 0
    end_reason: str | None = None
