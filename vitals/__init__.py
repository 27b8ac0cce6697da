"""Signal processing: pure functions over ``(signal, fs)`` and streaming analysers.

Filled by the vitals issue; empty until then.
"""

__all__: list[str] = []
