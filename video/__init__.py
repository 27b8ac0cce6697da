"""WebRTC teleconsultation: the cabin peer and the portal. Filled by the video issue."""

__all__: list[str] = []
