"""Signal processing: pure functions over ``(signal, fs)`` and streaming analysers.

No I/O, no asyncio, no Qt. See :mod:`vitals.signal` for the conventions every
function follows.
"""

from vitals.signal import Quality, SignalWindow, VitalsWarning, as_signal

__all__ = ["Quality", "SignalWindow", "VitalsWarning", "as_signal"]
