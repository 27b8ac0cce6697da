"""Record every waveform from the hub to a file: NumPy ``.npz`` or WFDB.

Samples are placed by their stream index (``WaveformChunk.seq``), so a lost
packet leaves a gap of NaN where it was, not a silent shift of what follows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from hardware.events import WaveformChunk

__all__ = ["Recording", "SignalTrack"]


@dataclass
class SignalTrack:
    """One signal of one device, as received."""

    device_id: str
    kind: str
    fs: float
    unit: str
    start: datetime
    first_seq: int
    chunks: list[WaveformChunk] = field(default_factory=list)

    def samples(self) -> NDArray[np.float64]:
        """All samples in stream order, NaN where packets were lost."""
        if not self.chunks:
            return np.empty(0)
        end = max(c.seq + len(c) for c in self.chunks)
        out = np.full(end - self.first_seq, np.nan)
        for chunk in self.chunks:
            at = chunk.seq - self.first_seq
            if at >= 0:
                out[at : at + len(chunk)] = chunk.samples
        return out


class Recording:
    """Collects chunks by device and signal."""

    def __init__(self) -> None:
        self.tracks: dict[tuple[str, str], SignalTrack] = {}

    def add(self, chunk: WaveformChunk) -> None:
        key = (chunk.device_id, str(chunk.kind))
        track = self.tracks.get(key)
        if track is None or chunk.seq < track.first_seq:
            # First chunk, or the device restarted its stream: start the track afresh.
            track = SignalTrack(
                chunk.device_id, str(chunk.kind), chunk.fs, chunk.unit, chunk.start, chunk.seq
            )
            self.tracks[key] = track
        track.chunks.append(chunk)

    def save(self, out: Path) -> list[Path]:
        """Write ``out`` (``.npz``), or WFDB records ``<out>_<device>`` otherwise."""
        if out.suffix == ".npz":
            return [self._save_npz(out)]
        return self._save_wfdb(out)

    def _save_npz(self, out: Path) -> Path:
        arrays: dict[str, NDArray[np.generic]] = {}
        for (device_id, kind), track in sorted(self.tracks.items()):
            name = f"{device_id}.{kind}"
            arrays[name] = track.samples()
            arrays[f"{name}.fs"] = np.array(track.fs)
            arrays[f"{name}.unit"] = np.array(track.unit)
            arrays[f"{name}.start"] = np.array(track.start.isoformat())
        out.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(out, **arrays)  # type: ignore[arg-type]
        return out

    def _save_wfdb(self, out: Path) -> list[Path]:
        import wfdb  # the optional [wfdb] extra

        by_device: dict[str, list[SignalTrack]] = {}
        for (device_id, _), track in sorted(self.tracks.items()):
            by_device.setdefault(device_id, []).append(track)
        written = []
        out.parent.mkdir(parents=True, exist_ok=True)
        for device_id, tracks in by_device.items():
            length = min(len(t.samples()) for t in tracks)
            signal = np.column_stack([np.nan_to_num(t.samples()[:length]) for t in tracks])
            name = f"{out.name}_{device_id}"
            wfdb.wrsamp(
                name,
                fs=tracks[0].fs,
                units=[t.unit for t in tracks],
                sig_name=[t.kind for t in tracks],
                p_signal=signal,
                fmt=["32"] * len(tracks),
                write_dir=str(out.parent),
            )
            written.append(out.parent / f"{name}.hea")
        return written
