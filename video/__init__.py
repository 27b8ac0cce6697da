"""WebRTC teleconsultation: the cabin's media tracks, the cabin peer and the portal.

So far: :class:`CameraTrack` and :class:`MicrophoneTrack` (real or simulated
sources), and the simulated camera scene whose send-time strip
(:func:`encode_timestamp` / :func:`decode_timestamp`) measures latency.
"""

from __future__ import annotations

from video.scene import SimulatedScene, decode_timestamp, encode_timestamp
from video.tracks import CameraTrack, MicrophoneTrack

__all__ = [
    "CameraTrack",
    "MicrophoneTrack",
    "SimulatedScene",
    "decode_timestamp",
    "encode_timestamp",
]
