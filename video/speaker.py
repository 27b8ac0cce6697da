"""The doctor's voice on the cabin's speaker.

:class:`Speaker` reads an audio track, converts each frame to 16-bit mono PCM at
48 kHz and writes it to the stdin of an output process (``aplay`` by default, when
it is installed). In a call, latency matters more than completeness: at most
``max_queued`` seconds of audio wait for the player, and when it falls behind the
oldest audio is dropped. The pipe to the player is kept small and writes never
wait on the event loop. Without a player, or once it has died, frames are only
drained (so nothing piles up upstream). Nothing about the call is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import shutil
from collections import deque
from collections.abc import Sequence

import av
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

__all__ = ["Speaker"]

log = logging.getLogger(__name__)

RATE = 48_000
_BYTES_PER_SECOND = RATE * 2  # s16 mono
_PIPE_SIZE = 4096  # bytes the OS pipe to the player may hold (~43 ms)
_STOP_PATIENCE = 1.0  # seconds the player gets to exit once its stdin is closed


def _default_command() -> list[str] | None:
    aplay = shutil.which("aplay")
    if aplay is None:
        return None
    # --buffer-time (µs): aplay's own ALSA buffer defaults to about half a second,
    # which a conversation hears as delay.
    return [
        aplay, "-q", "-t", "raw", "-f", "S16_LE", "-r", str(RATE), "-c", "1",
        "--buffer-time=100000",
    ]  # fmt: skip


class Speaker:
    """Plays an aiortc audio track through an output process.

    Args:
        command: the player, reading raw s16le mono 48 kHz on stdin. None or empty:
            ``aplay`` when it is on PATH, else no player (frames are drained).
        max_queued: seconds of audio that may wait for the player.

    Attributes:
        dropped: chunks of audio dropped because the player was behind.
        written: bytes handed to the player.
        limit: the most bytes that may wait for the player.
    """

    def __init__(self, command: Sequence[str] | None = None, *, max_queued: float = 0.2) -> None:
        self.command = list(command) if command else _default_command()
        self.limit = round(max_queued * _BYTES_PER_SECOND) // 2 * 2
        self.dropped = 0
        self.written = 0
        self._queue: deque[bytes] = deque()
        self._queued = 0
        self._ready = asyncio.Event()
        self._process: asyncio.subprocess.Process | None = None
        self._task: asyncio.Task[None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._failed = False

    @property
    def queued_bytes(self) -> int:
        """Bytes waiting for the player now (never more than :attr:`limit`)."""
        return self._queued

    @property
    def playing(self) -> bool:
        """Whether a player is running and taking audio."""
        return self._process is not None and not self._failed

    def start(self, track: MediaStreamTrack) -> None:
        """Play ``track`` until it ends or :meth:`stop` is called (once per speaker)."""
        if self._task is not None:
            raise RuntimeError("the speaker is already playing")
        self._task = asyncio.get_running_loop().create_task(self._run(track))

    async def stop(self) -> None:
        """Stop reading and end the player (stdin closed, then killed if slow); idempotent."""
        for task in (self._task, self._writer):
            if task is not None:
                task.cancel()
        await asyncio.gather(
            *(t for t in (self._task, self._writer) if t is not None), return_exceptions=True
        )
        self._queue.clear()
        self._queued = 0
        process, self._process = self._process, None
        if process is None:
            return
        try:
            await asyncio.wait_for(self._close_gently(process), _STOP_PATIENCE)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()

    @staticmethod
    async def _close_gently(process: asyncio.subprocess.Process) -> None:
        if process.stdin is not None:
            process.stdin.close()
            with contextlib.suppress(OSError):
                await process.stdin.wait_closed()
        await process.wait()

    # --- inside -------------------------------------------------------------------------

    async def _run(self, track: MediaStreamTrack) -> None:
        await self._open()
        resampler: av.AudioResampler | None = None
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                if not self.playing or not isinstance(frame, av.AudioFrame):
                    continue  # no player: just drain
                frame.pts = None  # the player needs no timing; reconnections reset it
                try:
                    if resampler is None:
                        resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
                    converted = resampler.resample(frame)
                except ValueError:  # the track's format changed: start a new resampler
                    resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
                    converted = resampler.resample(frame)
                for out in converted:
                    self._enqueue(out.to_ndarray().tobytes())

    async def _open(self) -> None:
        if self.command is None:
            log.info("speaker: no audio output, the doctor's audio is not played")
            return
        try:
            self._process = await asyncio.create_subprocess_exec(
                *self.command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
        except OSError as exc:
            log.warning(
                "speaker: the audio output did not start", extra={"error": type(exc).__name__}
            )
            return
        stdin = self._process.stdin
        if stdin is None:  # pragma: no cover - stdin=PIPE always gives one
            return
        # drain() then waits until everything written is in the pipe, and the pipe
        # itself holds little: the only real backlog is the bounded queue.
        stdin.transport.set_write_buffer_limits(high=0)
        pipe = stdin.transport.get_extra_info("pipe")
        with contextlib.suppress(AttributeError, OSError, ValueError):
            fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
        self._writer = asyncio.get_running_loop().create_task(self._write(stdin))

    def _enqueue(self, chunk: bytes) -> None:
        self._queue.append(chunk)
        self._queued += len(chunk)
        while self._queued > self.limit and self._queue:
            self._queued -= len(self._queue.popleft())
            self.dropped += 1
        self._ready.set()

    async def _write(self, stdin: asyncio.StreamWriter) -> None:
        try:
            while True:
                while not self._queue:
                    self._ready.clear()
                    await self._ready.wait()
                chunk = self._queue.popleft()
                self._queued -= len(chunk)
                stdin.write(chunk)
                await stdin.drain()
                self.written += len(chunk)
        except (ConnectionError, OSError) as exc:
            self._failed = True
            self._queue.clear()
            self._queued = 0
            code = None if self._process is None else self._process.returncode
            log.warning(
                "speaker: the audio output stopped, audio is drained from now on",
                extra={"error": type(exc).__name__, "returncode": code},
            )
