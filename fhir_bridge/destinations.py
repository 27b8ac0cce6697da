"""Where a visit goes: the configured hospitals, their namespaces and connections.

:class:`Destinations` is read from the station's configuration once. A visit
goes to the hospital the resident chose (``Visit.hospital``), or to the
station's default. :func:`open_clients` opens one HTTP session per hospital
with a FHIR base URL, with its own TLS trust and SMART credentials.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import MappingProxyType

import aiohttp

from cabin.config import Config, FhirConfig, HospitalConfig
from cabin.errors import ConfigError
from cabin.store.models import Visit
from fhir_bridge.auth import SmartAuth, load_client_key
from fhir_bridge.client import FhirClient, ssl_context
from fhir_bridge.record import IdentifierSystems, Station
from hardware.monikers import parse_moniker

__all__ = ["Destinations", "open_clients", "software_version"]


def software_version() -> str:
    """This software's version, as installed."""
    try:
        return version("citizen-station")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


@dataclass(frozen=True, slots=True)
class Destinations:
    """The hospitals a station sends to, and what the mapping needs to know of them.

    Attributes:
        station: the cabin, as the records name it.
        hospitals: every configured hospital by id.
        default: the id of the station's default hospital.
        fhir: the delivery settings.
        device_kinds: each configured device's kind (``"ble-bp"``, ``"cms50d"``...).
        data_dir: where relative key and CA files are.
    """

    station: Station
    hospitals: Mapping[str, HospitalConfig]
    default: str
    fhir: FhirConfig
    device_kinds: Mapping[str, str]
    data_dir: Path

    @classmethod
    def from_config(cls, config: Config) -> Destinations:
        kinds = {}
        for name, device in config.devices.items():
            moniker = parse_moniker(device.moniker)
            simulated = moniker.target if moniker.scheme == "sim" else ""
            kinds[name] = device.driver or moniker.options.get("profile") or simulated
        return cls(
            station=Station(config.station.id, config.station.name, software_version()),
            hospitals=MappingProxyType(config.hospitals),
            default=config.hospital.id,
            fhir=config.fhir,
            device_kinds=MappingProxyType(kinds),
            data_dir=config.data_dir,
        )

    def choose(self, visit: Visit) -> str:
        """The hospital a visit goes to: the resident's choice, if still configured."""
        if visit.hospital is not None and visit.hospital in self.hospitals:
            return visit.hospital
        return self.default

    def systems(self, hospital_id: str) -> IdentifierSystems:
        """The identifier namespaces of a hospital."""
        hospital = self.hospitals[hospital_id]
        return IdentifierSystems(
            cccd=hospital.cccd_system,
            bhyt=hospital.bhyt_system,
            mr=hospital.mr_system,
            station=self.fhir.identifier_base.rstrip("/"),
        )

    def file(self, name: str) -> Path:
        """A configured file name, relative ones in the data directory."""
        path = Path(name).expanduser()
        return path if path.is_absolute() else self.data_dir / path


@contextlib.asynccontextmanager
async def open_clients(destinations: Destinations) -> AsyncIterator[dict[str, FhirClient]]:
    """A FHIR client per hospital that has a base URL; their sessions close on exit.

    Raises:
        ConfigError: a hospital's key or CA file cannot be used.
    """
    async with contextlib.AsyncExitStack() as stack:
        clients: dict[str, FhirClient] = {}
        for hospital_id, hospital in destinations.hospitals.items():
            if not hospital.fhir_base_url:
                continue
            ca = destinations.file(hospital.ca_bundle) if hospital.ca_bundle else None
            try:
                tls = ssl_context(ca)
            except OSError as exc:
                raise ConfigError(f"cannot read the CA bundle {ca}", key="ca_bundle") from exc
            session = await stack.enter_async_context(
                aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=tls))
            )
            auth = None
            if hospital.client_id:
                if not hospital.private_key_file:
                    raise ConfigError(
                        "a client_id needs a private_key_file", key=f"hospitals.{hospital_id}"
                    )
                key = load_client_key(
                    hospital.client_id,
                    destinations.file(hospital.private_key_file),
                    hospital.key_id,
                )
                auth = SmartAuth(session, hospital.fhir_base_url, key, hospital.scope)
            clients[hospital_id] = FhirClient(
                session, hospital.fhir_base_url, auth, timeout=destinations.fhir.timeout
            )
        yield clients
