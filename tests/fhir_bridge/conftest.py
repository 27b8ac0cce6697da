"""Invented visits for the mapping tests (fhir_bridge.demo: nobody real)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from cabin.store.models import Measurement
from fhir_bridge import VisitRecord, demo_record

MEASURED_AT = datetime(2025, 5, 6, 2, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
def visit_record() -> VisitRecord:
    """A finished visit with every measurement, the two-lead ECG and no consult."""
    return demo_record(7)


@pytest.fixture(scope="session")
def consult_record() -> VisitRecord:
    """A finished visit with a teleconsultation and the doctor's note."""
    return demo_record(8, consult=True)


@pytest.fixture(scope="session")
def anonymous_record() -> VisitRecord:
    """A visit by a resident who did not identify."""
    return demo_record(9, anonymous=True)


@pytest.fixture(scope="session")
def plain_record() -> VisitRecord:
    """A visit without ECG, the base of records built measurement by measurement."""
    return demo_record(10, ecg=False)


@pytest.fixture
def make_measurement() -> Callable[..., Measurement]:
    """Build a stored measurement: ``make_measurement(kind, values, unit, device=..., ...)``."""

    def build(
        kind: str,
        values: dict[str, float],
        unit: str,
        *,
        device: str | None = "dev",
        flags: frozenset[str] = frozenset(),
        row: int = 1,
        device_time: datetime | None = None,
        received_at: datetime = MEASURED_AT,
    ) -> Measurement:
        return Measurement(
            row, "visit", kind, values, unit, device, device_time, received_at, 1.0, flags
        )

    return build


@pytest.fixture
def record_with(plain_record: VisitRecord) -> Callable[..., VisitRecord]:
    """The plain visit holding only the given measurements (and no waveform)."""

    def build(*measurements: Measurement, **changes: object) -> VisitRecord:
        rows = [dataclasses.replace(m, visit_id=plain_record.visit.id) for m in measurements]
        return dataclasses.replace(plain_record, measurements=rows, waveforms=(), **changes)

    return build
