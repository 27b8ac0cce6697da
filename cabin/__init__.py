"""The cabin: the station's controller, configuration, store and command line.

Submodules: :mod:`cabin.config`, :mod:`cabin.store`, :mod:`cabin.cli`,
:mod:`cabin.logs`, :mod:`cabin.dashboard`, :mod:`cabin.recorder`. The package
itself exports the project's exception tree (:mod:`cabin.errors`), which every
other package raises; it imports nothing heavier, so any package may import it.
"""

from cabin.errors import (
    CabinError,
    CardError,
    ConfigError,
    DeliveryError,
    DeliveryRejected,
    DeliveryRetryable,
    DeviceError,
    DeviceUnavailable,
    FrameError,
    MeasurementRejected,
    PaymentError,
    ServiceError,
    StoreError,
    StoreKeyError,
    VideoError,
)

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
