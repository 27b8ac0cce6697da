"""The voice guide: Vietnamese (or English) speech through espeak-ng.

Text is verbalised first (:mod:`cabin.verbaliser`), since espeak-ng reads
"120/80" as a fraction. Speech runs in a subprocess, so it never blocks the
event loop; a new instruction interrupts the one being spoken, because an
elderly resident should hear what to do now, not what was true a moment ago.
Without a sound device (a test, a headless demo) the voice writes WAV files.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from cabin.verbaliser import verbalise

__all__ = ["Voice", "VoiceSettings"]

log = logging.getLogger(__name__)

_VOICES = {"vi": "vi", "en": "en-gb"}


@dataclass(frozen=True, slots=True)
class VoiceSettings:
    """How the guide speaks.

    Attributes:
        rate: words per minute; slower than espeak-ng's 175 for older listeners.
        pitch: 0-99.
        volume: amplitude 0-200.
        out_dir: write WAV files here instead of playing (None: play on the sound device).
    """

    rate: int = 135
    pitch: int = 45
    volume: int = 120
    out_dir: Path | None = None


class Voice:
    """Speaks one thing at a time; the latest request wins."""

    def __init__(self, settings: VoiceSettings = VoiceSettings(), *, executable: str = "espeak-ng"):
        self.settings = settings
        self.executable = shutil.which(executable)
        self._process: asyncio.subprocess.Process | None = None
        self._count = 0
        self.spoken: list[str] = []  # what was said, as text: the screen can show it too

    @property
    def available(self) -> bool:
        return self.executable is not None

    async def say(self, text: str, *, language: str = "vi") -> Path | None:
        """Speak ``text`` (interrupting what is being said); returns the WAV path if writing.

        A missing espeak-ng is logged once and speech is skipped: the screen
        still shows every instruction.
        """
        await self.stop()
        spoken = verbalise(text) if language == "vi" else text
        self.spoken.append(spoken)
        if self.executable is None:
            log.warning("espeak-ng not found: speaking skipped")
            return None
        args = [
            self.executable,
            "-v", _VOICES.get(language, language),
            "-s", str(self.settings.rate),
            "-p", str(self.settings.pitch),
            "-a", str(self.settings.volume),
        ]  # fmt: skip
        out: Path | None = None
        if self.settings.out_dir is not None:
            self._count += 1
            self.settings.out_dir.mkdir(parents=True, exist_ok=True)
            out = self.settings.out_dir / f"speech-{self._count:04d}.wav"
            args += ["-w", str(out)]
        args += ["--", spoken]
        process = await asyncio.create_subprocess_exec(
            *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
        )
        self._process = process
        try:
            await process.wait()
        except asyncio.CancelledError:
            # Whoever asked has moved on (the screen changed): stop talking.
            if process.returncode is None:
                process.terminate()
                await process.wait()
            raise
        return out

    async def stop(self) -> None:
        """Stop speaking now. Safe to call at any time."""
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            await process.wait()
