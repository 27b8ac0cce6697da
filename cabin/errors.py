"""The project's exceptions, in one tree.

Each class is named for what the caller does next, and carries its context in
typed attributes. Messages never contain personal or health data: a payload is
described by its length and an offset, never shown.

::

    CabinError
    ├── ConfigError              the configuration cannot be used; fix it and restart
    ├── CardError                a citizen card (CCCD) that does not read; scan again or type it
    ├── StoreError               the local database failed
    │   └── StoreKeyError        the encryption key is missing or wrong
    ├── DeviceError              a device misbehaved; the hub counts it and carries on
    │   ├── DeviceUnavailable    the device is absent, unplugged or silent; retry later
    │   ├── FrameError           bytes that do not decode (also a ValueError)
    │   └── MeasurementRejected  a measurement that cannot be trusted; redo it
    ├── DeliveryError            a record did not reach the hospital
    │   ├── DeliveryRetryable    try again later (5xx, time-out, cut connection)
    │   └── DeliveryRejected     the server refused it (4xx); an operator must look
    ├── PaymentError             a payment did not go through; nothing was charged twice
    ├── VideoError               the consultation link failed
    └── ServiceError             a public-service provider failed
"""

from __future__ import annotations

__all__ = [
    "CabinError",
    "CardError",
    "ConfigError",
    "DeliveryError",
    "DeliveryRejected",
    "DeliveryRetryable",
    "DeviceError",
    "DeviceUnavailable",
    "FrameError",
    "MeasurementRejected",
    "PaymentError",
    "ServiceError",
    "StoreError",
    "StoreKeyError",
    "VideoError",
]


class CabinError(Exception):
    """Base of every error the station raises on purpose."""


class ConfigError(CabinError):
    """The configuration is invalid; ``key`` names the offending setting."""

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message if key is None else f"{key}: {message}")
        self.key = key


class CardError(CabinError, ValueError):
    """A citizen card that does not read; ``reason`` is a short code, never the card's data."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class StoreError(CabinError):
    """The local database could not do what was asked."""


class StoreKeyError(StoreError):
    """The key that protects personal data is missing or does not open it."""


class DeviceError(CabinError):
    """A device misbehaved. ``device_id`` names it when known."""

    def __init__(self, message: str, *, device_id: str | None = None) -> None:
        super().__init__(message)
        self.device_id = device_id


class DeviceUnavailable(DeviceError):
    """The device is absent, unplugged, or does not answer."""


class FrameError(DeviceError, ValueError):
    """Bytes from a device that do not decode.

    Args:
        reason: what is wrong, in a few words.
        data: the offending bytes (kept for the caller, never shown).
        offset: where in ``data`` the problem was found.
        device_id: the device, when known.
    """

    def __init__(
        self,
        reason: str,
        *,
        data: bytes = b"",
        offset: int = 0,
        device_id: str | None = None,
    ) -> None:
        super().__init__(f"{reason} (offset {offset}, length {len(data)})", device_id=device_id)
        self.reason = reason
        self.data = bytes(data)
        self.offset = offset


class MeasurementRejected(DeviceError):
    """A measurement that cannot be trusted; ``reason`` is a short code."""

    def __init__(self, message: str, *, reason: str, device_id: str | None = None) -> None:
        super().__init__(message, device_id=device_id)
        self.reason = reason


class DeliveryError(CabinError):
    """A record did not reach the hospital's server."""


class DeliveryRetryable(DeliveryError):
    """Delivery failed for a reason that may pass; ``retry_after`` is in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DeliveryRejected(DeliveryError):
    """The server refused the record; ``status`` is the HTTP status code.

    ``outcome`` is the body it answered with (a FHIR OperationOutcome, usually),
    kept for an operator; it may echo the record, so it is never logged.
    """

    def __init__(self, message: str, *, status: int, outcome: bytes = b"") -> None:
        super().__init__(message)
        self.status = status
        self.outcome = outcome


class PaymentError(CabinError):
    """A payment did not go through."""


class VideoError(CabinError):
    """The consultation link failed."""


class ServiceError(CabinError):
    """A public-service provider failed."""
