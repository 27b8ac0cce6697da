"""WebRTC teleconsultation: the cabin's media tracks, the cabin peer and the portal.

So far: :class:`CameraTrack` and :class:`MicrophoneTrack` (real or simulated
sources), the simulated camera scene whose send-time strip
(:func:`encode_timestamp` / :func:`decode_timestamp`) measures latency, the
cabin's side of a consult (:class:`CabinPeer`), and what travels on its data
channels: small waveform and value messages on ``live`` (:mod:`video.live`), the
doctor's requests and the cabin's answers on ``control`` (:mod:`video.control`),
both read strictly (:mod:`video.strict_json`). The portal is :mod:`video.portal`.
Keeping the call good: receive-side repair (:mod:`video.rtcp_feedback`), the
camera's format chosen from the link (:mod:`video.adapt`), the doctor's tracks
across reconnections (:mod:`video.incoming`) and an event-loop lag probe
(:mod:`video.loop_lag`). The doctor's voice plays through :class:`Speaker`.
"""

from __future__ import annotations

from video.adapt import LinkAdapter, Rung, choose_rung
from video.control import (
    Ack,
    ControlMessage,
    EarlierVisit,
    End,
    Instruction,
    Measuring,
    Note,
    Reading,
    Record,
    Remeasure,
    Result,
    Unable,
    encode_control,
    new_message_id,
    parse_control,
)
from video.incoming import IncomingTrack
from video.live import (
    LivePacer,
    ValuesMessage,
    WaveMessage,
    parse_live,
    values_message,
    wave_gap,
    waveform_messages,
)
from video.loop_lag import LoopLag, measure_loop_lag
from video.peer import CabinPeer, PeerStatus
from video.scene import SimulatedScene, decode_timestamp, encode_timestamp
from video.speaker import Speaker
from video.strict_json import ChannelMessageError
from video.tracks import CameraTrack, MicrophoneTrack

__all__ = [
    "Ack",
    "CabinPeer",
    "CameraTrack",
    "ChannelMessageError",
    "ControlMessage",
    "EarlierVisit",
    "End",
    "IncomingTrack",
    "Instruction",
    "LinkAdapter",
    "LivePacer",
    "LoopLag",
    "Measuring",
    "MicrophoneTrack",
    "Note",
    "PeerStatus",
    "Reading",
    "Record",
    "Remeasure",
    "Result",
    "Rung",
    "SimulatedScene",
    "Speaker",
    "Unable",
    "ValuesMessage",
    "WaveMessage",
    "choose_rung",
    "decode_timestamp",
    "encode_control",
    "encode_timestamp",
    "measure_loop_lag",
    "new_message_id",
    "parse_control",
    "parse_live",
    "values_message",
    "wave_gap",
    "waveform_messages",
]
