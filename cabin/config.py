"""The station's configuration: built-in defaults, one TOML file, environment overrides.

The defaults run a whole simulated station on this machine. A TOML file (given
with ``--config`` or ``CABIN_CONFIG``) overrides any of them, and environment
variables override the file: ``CABIN_<SECTION>__<KEY>``, with ``__`` between
nested names, e.g. ``CABIN_STORE__PATH=/var/lib/cabin/station.db`` or
``CABIN_DEVICES__ECG__MONIKER=serial:/dev/ttyUSB1,115200``. Secrets are
:class:`Secret` values that print as ``***``.
"""

from __future__ import annotations

import copy
import os
import shlex
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

from cabin.errors import ConfigError
from hardware.monikers import DeviceSpec, parse_moniker

__all__ = [
    "ALLOWLIST_FILE",
    "Config",
    "ConsultConfig",
    "DeviceConfig",
    "FhirConfig",
    "HospitalConfig",
    "KioskConfig",
    "LoggingConfig",
    "PortalConfig",
    "ProviderConfig",
    "Secret",
    "StationConfig",
    "StoreConfig",
    "load_allowlist",
    "load_config",
]

#: The BLE allow-list's file in the data directory, written by ``cabin devices pair``.
ALLOWLIST_FILE = "ble-devices.toml"

ENV_PREFIX = "CABIN_"


class Secret(str):
    """A string that does not show itself when printed or logged."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Secret('***')"

    def masked(self) -> str:
        return "***" if self else ""


@dataclass(frozen=True, slots=True)
class StationConfig:
    """Who this station is."""

    id: str = "station-sim-01"
    name: str = "Trạm công dân số (mô phỏng)"
    timezone: str = "Asia/Ho_Chi_Minh"
    language: str = "vi"


@dataclass(frozen=True, slots=True)
class StoreConfig:
    """Where the local database lives and what opens it.

    The key is taken, in order, from ``key`` (base64 or hex, 32 bytes), from the
    OS keyring when ``use_keyring`` is set, or from ``key_file`` (created with a
    fresh random key, mode 0600, when absent).
    """

    path: Path = Path("station.db")
    key: Secret = Secret("")  # noqa: RUF009 - an immutable str
    key_file: Path = Path("store.key")
    use_keyring: bool = False


@dataclass(frozen=True, slots=True)
class HospitalConfig:
    """A hospital that receives visits: its name on the consent screen, its FHIR server.

    ``[hospital]`` is the station's default; ``[hospitals.<id>]`` tables add others a
    resident may choose. ``fhir_base_url`` empty: the visits wait in the outbox
    until one is set. ``client_id`` empty: the server needs no token; otherwise the
    station signs SMART Backend Services assertions with ``private_key_file`` (PEM,
    RSA or EC P-384; relative paths are in the data directory) under ``key_id``.
    ``ca_bundle`` names a PEM file of the CAs to trust for its TLS; empty: the
    system's. The ``*_system`` settings are the identifier namespaces it expects.
    """

    id: str = "sandbox"
    name: str = "Bệnh viện mô phỏng (sandbox)"
    retention_days: int = 1825  # how long the station keeps a visit, as the consent says
    fhir_base_url: str = ""
    client_id: str = ""
    private_key_file: str = ""
    key_id: str = ""
    scope: str = "system/Patient.cr system/Observation.cr system/Device.cr system/Encounter.cr"
    ca_bundle: str = ""
    cccd_system: str = "http://fhir.hl7.org.vn/core/sid/cccd"
    bhyt_system: str = "http://fhir.hl7.org.vn/core/sid/bhyt"
    mr_system: str = ""


@dataclass(frozen=True, slots=True)
class FhirConfig:
    """How visits are delivered: the outbox worker's pace and the station's namespace.

    A failed delivery is tried again after ``retry_first`` seconds, doubling up to
    ``retry_max``, with jitter; a server's ``Retry-After`` wins when it asks for longer.
    """

    enabled: bool = True
    identifier_base: str = "https://citizen-station.example.vn/fhir/sid"
    timeout: float = 30.0
    retry_first: float = 5.0
    retry_max: float = 3600.0


@dataclass(frozen=True, slots=True)
class KioskConfig:
    """The touch screen.

    ``printer`` is the receipt printer's device file; empty means receipts are
    saved as files under the data directory (a station without a printer).
    ``camera`` reads the card's QR on the Identify screen: ``"sim"`` (a simulated
    camera), a V4L2 index such as ``"0"``, or empty for none (a QR reader only).
    """

    idle_timeout: float = 90.0
    idle_warning: float = 15.0
    fullscreen: bool = True
    printer: str = ""
    camera: str = "sim"


@dataclass(frozen=True, slots=True)
class PortalConfig:
    """The portal (doctors' and operators' consoles): its account database and address.

    ``secure_cookies`` off only for plain http on 127.0.0.1 (tests and ``make run``).
    """

    db: Path = Path("portal.db")
    host: str = "127.0.0.1"
    port: int = 8480
    secure_cookies: bool = True


@dataclass(frozen=True, slots=True)
class ConsultConfig:
    """The teleconsultation: the portal this station asks for a doctor at.

    ``portal_url`` empty: no doctor can be called (``cabin run --demo`` then starts a
    portal of its own on 127.0.0.1). ``station_id`` is this station's id at the
    portal (empty: ``[station] id``); ``key_file`` holds the station key the portal
    issued (``cabin portal add-station``; relative paths are in the data directory),
    never printed. ``camera`` and ``microphone``: ``"sim"`` (simulated), a device
    number (camera only) or empty for none. ``wait_timeout``: seconds to wait in the
    queue before giving up. ``speaker``: the command line that plays the doctor's
    voice (raw s16le mono 48 kHz on its stdin); empty: ``aplay`` when installed.
    """

    portal_url: str = ""
    station_id: str = ""
    key_file: Path = Path("consult.key")
    camera: str = "sim"
    microphone: str = "sim"
    wait_timeout: float = 600.0
    speaker: str = ""

    @property
    def enabled(self) -> bool:
        """Whether a doctor can be called."""
        return bool(self.portal_url.strip())


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """One outside system a public-service module talks to (``[services.<name>]``).

    An empty ``base_url`` means "not configured": ``cabin run --demo`` and the tests
    start that provider's sandbox instead; the production configuration names each.
    ``key`` is sent as the ``X-Api-Key`` header and never logged.
    """

    base_url: str = ""
    key: Secret = Secret("")  # noqa: RUF009 - an immutable str
    timeout: float = 10.0


@dataclass(frozen=True, slots=True)
class LoggingConfig:
    level: str = "info"


@dataclass(frozen=True, slots=True)
class DeviceConfig:
    """One device: where it is, and which protocol it speaks (for real serial ports)."""

    moniker: str
    driver: str | None = None


def _default_devices() -> dict[str, DeviceConfig]:
    return {
        "oximeter": DeviceConfig("sim:cms50d"),
        "ecg": DeviceConfig("sim:ecg"),
        "ppg": DeviceConfig("sim:ppg"),
        "bp": DeviceConfig("sim:cuff"),
        # One simulated instrument of each BLE health profile, measuring now and then,
        # read by the real BLE driver through bleak on the virtual air.
        "ble_cuff": DeviceConfig("sim:ble-bp,every=45"),
        "ble_oximeter": DeviceConfig("sim:ble-plx,every=40,records=2"),
        "ble_thermometer": DeviceConfig("sim:ble-thermo,every=50"),
        "ble_scale": DeviceConfig("sim:ble-scale,every=60"),
        "ble_glucose": DeviceConfig("sim:ble-glucose,every=55,records=3"),
        "ble_hr": DeviceConfig("sim:ble-hr,every=5"),
    }


@dataclass(frozen=True, slots=True)
class Config:
    """The effective configuration."""

    data_dir: Path
    station: StationConfig = field(default_factory=StationConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    hospital: HospitalConfig = field(default_factory=HospitalConfig)
    kiosk: KioskConfig = field(default_factory=KioskConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    devices: Mapping[str, DeviceConfig] = field(default_factory=_default_devices)
    fhir: FhirConfig = field(default_factory=FhirConfig)
    more_hospitals: Mapping[str, HospitalConfig] = field(default_factory=dict)
    portal: PortalConfig = field(default_factory=PortalConfig)
    consult: ConsultConfig = field(default_factory=ConsultConfig)
    services: Mapping[str, ProviderConfig] = field(default_factory=dict)

    @property
    def hospitals(self) -> dict[str, HospitalConfig]:
        """Every hospital by id, the default first."""
        return {self.hospital.id: self.hospital, **self.more_hospitals}

    def device_specs(self) -> list[DeviceSpec]:
        """The devices, as the hub takes them."""
        return [DeviceSpec(name, d.moniker, d.driver) for name, d in self.devices.items()]

    def as_dict(self, *, mask_secrets: bool = True) -> dict[str, Any]:
        """A plain dict of every setting, secrets masked unless asked otherwise."""
        plain: dict[str, Any] = _plain(self, mask_secrets)
        return plain


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Build the effective configuration.

    Args:
        path: a TOML file; ``CABIN_CONFIG`` names one when this is omitted.
        env: the environment to read overrides from (``os.environ`` by default).

    Raises:
        ConfigError: the file cannot be read, or a setting is unknown or invalid.
    """
    env = os.environ if env is None else env
    raw: dict[str, Any] = {}
    if path is None and env.get(f"{ENV_PREFIX}CONFIG"):
        path = Path(env[f"{ENV_PREFIX}CONFIG"])
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read {path}: {exc.__class__.__name__}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    raw = copy.deepcopy(raw)
    for name, value in env.items():
        if (name.startswith(ENV_PREFIX) and "__" in name) or name == f"{ENV_PREFIX}DATA_DIR":
            keys = [k.lower() for k in name.removeprefix(ENV_PREFIX).split("__")]
            _set_path(raw, keys, value)
    return _build(raw)


def _set_path(tree: dict[str, Any], keys: list[str], value: str) -> None:
    for key in keys[:-1]:
        node = tree.setdefault(key, {})
        if not isinstance(node, dict):
            raise ConfigError("is not a table", key=".".join(keys))
        tree = node
    tree[keys[-1]] = value


def _build(raw: dict[str, Any]) -> Config:
    raw = dict(raw)
    data_dir = Path(raw.pop("data_dir", None) or platformdirs.user_data_dir("cabin")).expanduser()
    station = _section(StationConfig, raw.pop("station", {}), "station")
    store = _section(StoreConfig, raw.pop("store", {}), "store")
    # Relative store paths live in the data directory.
    if not store.path.is_absolute():
        store = _replace(store, path=data_dir / store.path)
    if not store.key_file.is_absolute():
        store = _replace(store, key_file=data_dir / store.key_file)
    hospital = _section(HospitalConfig, raw.pop("hospital", {}), "hospital")
    kiosk = _section(KioskConfig, raw.pop("kiosk", {}), "kiosk")
    if not 0 < kiosk.idle_warning < kiosk.idle_timeout:
        raise ConfigError("must be positive and below idle_timeout", key="kiosk.idle_warning")
    if kiosk.camera not in ("", "sim") and not kiosk.camera.isdigit():
        raise ConfigError("must be 'sim', a camera number or empty", key="kiosk.camera")
    logging_ = _section(LoggingConfig, raw.pop("logging", {}), "logging")
    fhir = _section(FhirConfig, raw.pop("fhir", {}), "fhir")
    if not 0 < fhir.retry_first <= fhir.retry_max:
        raise ConfigError("must be positive and at most retry_max", key="fhir.retry_first")
    more_hospitals = _hospitals(raw.pop("hospitals", {}), hospital.id)
    portal = _section(PortalConfig, raw.pop("portal", {}), "portal")
    if not portal.db.is_absolute():
        portal = _replace(portal, db=data_dir / portal.db)
    consult = _section(ConsultConfig, raw.pop("consult", {}), "consult")
    if not consult.key_file.is_absolute():
        consult = _replace(consult, key_file=data_dir / consult.key_file)
    if not consult.station_id:
        consult = _replace(consult, station_id=station.id)
    if consult.camera not in ("", "sim") and not consult.camera.isdigit():
        raise ConfigError("must be 'sim', a camera number or empty", key="consult.camera")
    if consult.microphone not in ("", "sim"):
        raise ConfigError("must be 'sim' or empty", key="consult.microphone")
    if consult.wait_timeout <= 0:
        raise ConfigError("must be positive", key="consult.wait_timeout")
    try:
        shlex.split(consult.speaker)
    except ValueError:
        raise ConfigError("must be a command line", key="consult.speaker") from None
    # The technician's allow-list of BLE devices adds to the defaults; the file and the
    # environment still win for a name they set.
    configured = raw.pop("devices", None)
    paired = load_allowlist(data_dir / ALLOWLIST_FILE)
    if paired:
        configured = {**paired, **(configured if isinstance(configured, dict) else {})}
    devices = _devices(configured)
    services = _providers(raw.pop("services", {}))
    if raw:
        raise ConfigError("unknown setting", key=sorted(raw)[0])
    return Config(
        data_dir,
        station,
        store,
        hospital,
        kiosk,
        logging_,
        devices,
        fhir,
        more_hospitals,
        portal,
        consult,
        services,
    )


def _providers(raw: Any) -> dict[str, ProviderConfig]:
    if not isinstance(raw, dict):
        raise ConfigError("must be a table", key="services")
    providers = {}
    for name, body in raw.items():
        key = f"services.{name}"
        provider = _section(ProviderConfig, body, key)
        if provider.base_url and not provider.base_url.startswith(("https://", "http://")):
            raise ConfigError("must be an http(s) URL", key=f"{key}.base_url")
        if provider.timeout <= 0:
            raise ConfigError("must be positive", key=f"{key}.timeout")
        providers[name] = provider
    return providers


def _hospitals(raw: Any, default_id: str) -> dict[str, HospitalConfig]:
    if not isinstance(raw, dict):
        raise ConfigError("must be a table", key="hospitals")
    hospitals = {}
    for key, body in raw.items():
        if not isinstance(body, dict):
            raise ConfigError("must be a table", key=f"hospitals.{key}")
        if key == default_id or body.get("id", key) != key:
            raise ConfigError(
                "must differ from [hospital] and match its key", key=f"hospitals.{key}"
            )
        hospitals[key] = _section(HospitalConfig, {**body, "id": key}, f"hospitals.{key}")
    return hospitals


def load_allowlist(path: Path) -> dict[str, dict[str, Any]]:
    """The devices on a BLE allow-list file (see :mod:`cabin.pairing`); empty without one."""
    if not path.exists():
        return {}
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc.__class__.__name__}") from exc
    devices = raw.get("devices", {})
    if not isinstance(devices, dict) or not all(isinstance(v, dict) for v in devices.values()):
        raise ConfigError(f"{path.name} must hold [devices.<name>] tables", key="devices")
    return {str(name): dict(body) for name, body in devices.items()}


def _devices(raw: Any) -> dict[str, DeviceConfig]:
    devices = _default_devices()
    if raw is None:
        return devices
    if not isinstance(raw, dict):
        raise ConfigError("must be a table", key="devices")
    for name, body in raw.items():
        if body in (False, "off", "none", ""):
            devices.pop(name, None)  # a default device switched off
            continue
        if not isinstance(body, dict):
            raise ConfigError("must be a table", key=f"devices.{name}")
        merged = {**({"moniker": devices[name].moniker} if name in devices else {}), **body}
        device = _section(DeviceConfig, merged, f"devices.{name}")
        try:
            parse_moniker(device.moniker)
        except ValueError as exc:
            raise ConfigError(str(exc), key=f"devices.{name}.moniker") from None
        devices[name] = device
    return devices


def _section(cls: Any, raw: Any, name: str) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError("must be a table", key=name)
    known = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError("unknown setting", key=f"{name}.{key}")
        values[key] = _coerce(value, str(known[key].type), f"{name}.{key}")
    try:
        return cls(**values)
    except TypeError as exc:
        raise ConfigError(f"incomplete: {exc}", key=name) from None


def _coerce(value: Any, type_name: str, key: str) -> Any:
    if type_name == "bool":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("1", "true", "yes", "on"):
            return True
        if str(value).lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError("must be true or false", key=key)
    if type_name in ("int", "float"):
        try:
            number = int(value) if type_name == "int" else float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"must be a number ({type_name})", key=key) from None
        if isinstance(value, bool):
            raise ConfigError(f"must be a number ({type_name})", key=key)
        return number
    if type_name == "Path":
        return Path(str(value)).expanduser()
    if type_name == "Secret":
        return Secret(str(value))
    if type_name in ("str", "str | None"):
        if not isinstance(value, str):
            raise ConfigError("must be text", key=key)
        return value
    raise ConfigError(f"cannot read a {type_name}", key=key)  # pragma: no cover - schema bug


def _replace(obj: Any, **changes: Any) -> Any:
    values = {f.name: getattr(obj, f.name) for f in fields(obj)}
    values.update(changes)
    return type(obj)(**values)


def _plain(obj: Any, mask: bool) -> Any:
    if isinstance(obj, Secret):
        return obj.masked() if mask else str(obj)
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "__dataclass_fields__"):
        return {f.name: _plain(getattr(obj, f.name), mask) for f in fields(obj)}
    if isinstance(obj, Mapping):
        return {k: _plain(v, mask) for k, v in obj.items()}
    return obj
