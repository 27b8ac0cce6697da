"""The ECG recording as one Observation: a SampledData component per lead, plus what it gives.

Leads recorded together (same device, start and sampling rate) form one recording.
Each lead is a component coded with its MDC lead and potential codes
(MDC_ECG_LEAD_I / MDC_ECG_ELEC_POTL_I...) whose ``valueSampledData`` holds the
samples exactly as sent: ``origin`` 0 mV, ``period`` 1000/fs ms, ``factor`` the
resolution (:data:`ECG_RESOLUTION_MV`, 1 uV: a decoded sample, origin + factor x
integer, is within half a microvolt of the stored one), ``dimensions`` 1, ``data``
space-separated integers (``E`` for a sample that is not a number). The heart rate
(:func:`vitals.hrv.heart_rate`) and, from 30 s of clean beats, SDNN
(:func:`vitals.hrv.hrv_time`) of the R peaks of lead II (else the first lead)
follow as components when :mod:`vitals` accepts the signal.

It is not a vital-signs Observation (its value is the waveform): category
``procedure``, as in the FHIR R4 SampledData example.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from decimal import Decimal

import numpy as np
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.observation import Observation, ObservationComponent
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.quantity import Quantity
from fhir.resources.R4B.sampleddata import SampledData
from numpy.typing import NDArray

from cabin.store.models import Waveform
from fhir_bridge.codes import ECG_HEART_RATE, ECG_HRV_SDNN, ECG_LEADS, ECG_RECORDING, UCUM
from fhir_bridge.mapping._datatypes import category, concept, decimal, quantity, reference
from fhir_bridge.mapping.identifiers import VisitRefs, ecg_key
from fhir_bridge.mapping.interpretation import interpretation_concept
from fhir_bridge.record import VisitRecord
from vitals.ecg import ecg_peaks
from vitals.hrv import heart_rate, hrv_time
from vitals.interpret import interpret_heart_rate

__all__ = [
    "ECG_RESOLUTION_MV",
    "ecg_observation",
    "ecg_recordings",
    "sampled_data",
    "sampled_values",
]

ECG_RESOLUTION_MV = Decimal("0.001")
"""The SampledData factor of the ECG leads, mV per integer step (1 uV)."""


def ecg_recordings(waveforms: Iterable[Waveform]) -> list[tuple[Waveform, ...]]:
    """The ECG leads of a visit grouped into recordings, leads in lead order.

    Leads belong together when they come from the same device, start at the same
    time and share a sampling rate. Recordings are ordered by their first row id.
    """
    groups: dict[tuple[str | None, object, float], list[Waveform]] = {}
    for w in waveforms:
        if w.signal_kind in ECG_LEADS:
            groups.setdefault((w.device_id, w.start_time, w.fs), []).append(w)
    leads = list(ECG_LEADS)
    recordings = [
        tuple(sorted(g, key=lambda w: (leads.index(w.signal_kind), w.id))) for g in groups.values()
    ]
    return sorted(recordings, key=lambda r: min(w.id for w in r))


def sampled_data(
    samples: NDArray[np.float64], fs: float, *, resolution_mv: Decimal = ECG_RESOLUTION_MV
) -> SampledData:
    """Samples in mV as SampledData: integers of ``resolution_mv`` from a 0 mV origin.

    Args:
        samples: the samples, mV.
        fs: sampling rate, Hz.
        resolution_mv: mV per integer step (the ``factor``).
    """
    if not fs > 0:
        raise ValueError("fs must be positive")
    x = np.asarray(samples, dtype=np.float64)
    finite = np.isfinite(x)
    steps = np.rint(np.where(finite, x, 0.0) / float(resolution_mv)).astype(np.int64)
    words: list[str] = [str(step) for step in steps.tolist()]  # tolist: Python ints, fast
    for gap in np.flatnonzero(~finite).tolist():
        words[gap] = "E"
    data = " ".join(words)
    return SampledData(
        origin=Quantity(value=Decimal(0), unit="mV", system=UCUM, code="mV"),
        period=Decimal(repr(1000.0 / fs)),
        factor=resolution_mv,
        dimensions=1,
        data=data,
    )


def sampled_values(data: SampledData) -> NDArray[np.float64]:
    """The values a SampledData holds (origin + factor x each point; NaN for E, L, U)."""
    origin = float(data.origin.value or 0) if data.origin is not None else 0.0
    factor = float(data.factor) if data.factor is not None else 1.0
    points = (data.data or "").split()
    return np.array(
        [origin + factor * float(p) if p not in ("E", "L", "U") else np.nan for p in points],
        dtype=np.float64,
    )


def ecg_observation(
    waveforms: Sequence[Waveform],
    record: VisitRecord,
    refs: VisitRefs,
    *,
    resolution_mv: Decimal = ECG_RESOLUTION_MV,
) -> Observation:
    """The Observation of one ECG recording (one group from :func:`ecg_recordings`).

    Args:
        waveforms: the leads of the recording (``ecg_i``, ``ecg_ii``), in mV.
        record: the visit.
        refs: the fullUrls of the visit's Patient, Encounter and Devices.
        resolution_mv: the SampledData factor, mV.

    Raises:
        ValueError: no ECG lead, a lead not in mV, or leads of different recordings.
    """
    leads = tuple(w for w in waveforms if w.signal_kind in ECG_LEADS)
    if not leads:
        raise ValueError("an ECG observation needs at least one ECG lead")
    first = leads[0]
    if any(w.unit != "mV" for w in leads):
        raise ValueError("ECG leads must be in mV")
    if any((w.device_id, w.start_time, w.fs) != (first.device_id, first.start_time, first.fs)
           for w in leads):  # fmt: skip
        raise ValueError("the leads of one ECG observation must be recorded together")
    components = [
        ObservationComponent(
            code=concept(*ECG_LEADS[w.signal_kind]),
            valueSampledData=sampled_data(w.samples, w.fs, resolution_mv=resolution_mv),
        )
        for w in leads
    ]
    rhythm = next((w for w in leads if w.signal_kind == "ecg_ii"), first)
    components.extend(_derived(rhythm))
    seconds = max(w.sample_count for w in leads) / first.fs
    device = refs.devices.get(first.device_id) if first.device_id else None
    return Observation(
        identifier=[ecg_key(record, leads).identifier()],
        status="final",
        category=[category("procedure")],
        code=concept(*ECG_RECORDING, text="ECG recording"),
        subject=reference(refs.patient),
        encounter=reference(refs.encounter),
        effectivePeriod=Period(
            start=first.start_time, end=first.start_time + timedelta(seconds=seconds)
        ),
        device=reference(device) if device else None,
        component=components,
    )


def _derived(lead: Waveform) -> list[ObservationComponent]:
    """Heart rate and SDNN of a lead, when vitals accepts it; nothing otherwise."""
    if not np.all(np.isfinite(lead.samples)):
        return []
    try:
        peaks = ecg_peaks(lead.samples, lead.fs)
    except ValueError:  # too short, or a sampling rate the detectors do not take
        return []
    derived = []
    rate = heart_rate(peaks)
    if rate.value is not None and rate.quality.usable:
        value = decimal(rate.value, 1)
        interpretation = _rate_interpretation(float(value))
        derived.append(
            ObservationComponent(
                code=concept(*ECG_HEART_RATE),
                valueQuantity=quantity(float(value), "/min", 1),
                interpretation=[interpretation] if interpretation else None,
            )
        )
    hrv = hrv_time(peaks)
    if hrv.sdnn is not None and hrv.quality.usable:
        derived.append(
            ObservationComponent(
                code=concept(*ECG_HRV_SDNN), valueQuantity=quantity(hrv.sdnn, "ms", 1)
            )
        )
    return derived


def _rate_interpretation(rate: float) -> CodeableConcept | None:
    try:
        return interpretation_concept(interpret_heart_rate(rate))
    except ValueError:
        return None
