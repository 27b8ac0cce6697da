"""The card reader in the camera: frames for a preview, and each QR text the card shows.

The Identify screen shows what the camera sees, so that a resident can bring
the card's QR into view, and hears of every QR that reads. A card held still
is read again and again: the same text is passed on once, and again only
after ``repeat_after`` seconds (so a card that did not parse is not announced
ten times a second, but a second try later is heard). Decoding runs in a
worker thread, a few times a second; the preview gets every frame. No Qt here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from cabin.errors import DeviceError
from hardware.camera import Camera, Frame, qr_texts

__all__ = ["CardCamera"]

log = logging.getLogger(__name__)


class CardCamera:
    """Watch a camera for a citizen card's QR code.

    Args:
        camera: where frames come from.
        decode_every: decode one frame in this many (the preview shows all of them).
        repeat_after: seconds before the same QR text is passed on again.
        clock: monotonic seconds (injected by tests).
    """

    def __init__(
        self,
        camera: Camera,
        *,
        decode_every: int = 3,
        repeat_after: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if decode_every < 1:
            raise ValueError("decode_every must be at least 1")
        self.camera = camera
        self.decode_every = decode_every
        self.repeat_after = repeat_after
        self._clock = clock
        self._last: tuple[str, float] | None = None

    async def watch(self, preview: Callable[[Frame], None], found: Callable[[str], None]) -> None:
        """Until cancelled: every frame to ``preview``, every new QR text to ``found``.

        A camera that fails is logged once and the watch ends (the keypad still works).
        """
        try:
            texts = qr_texts(self.camera, decode_every=self.decode_every, preview=preview)
            async for text in texts:
                if self._is_new(text):
                    found(text)
        except (DeviceError, OSError) as exc:
            log.warning("camera stopped", extra={"error": type(exc).__name__})

    def _is_new(self, text: str) -> bool:
        now = self._clock()
        last = self._last
        if last is not None and last[0] == text and now - last[1] < self.repeat_after:
            return False
        self._last = (text, now)
        return True

    def forget(self) -> None:
        """Forget the last text read (a visit ended: the next resident's card is new)."""
        self._last = None
