"""The ``cabin`` command.

::

    cabin run [--seconds N] [--demo]         the station (devices and a live dashboard)
    cabin devices [--seconds N]              configured devices and their live status
    cabin devices pair [--add ADDR --id NAME | --remove NAME] [--simulate]
                                             BLE health devices in range; the allow-list
    cabin record --seconds N --out FILE      every waveform to FILE (.npz, or WFDB records)
    cabin simulate [--seconds N]             only the simulated devices; prints their ports
    cabin config show [--json]               the effective configuration, secrets masked
    cabin visit --simulate [--json]          one whole visit, headless, with simulated devices
    cabin fhir export|status|retry|send      the visits' FHIR records and their outbox
    cabin portal add-account|add-station     the portal's accounts and station keys
    cabin pay qr|report                      a VietQR payload; the ledger's daily reconciliation
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from cabin import fhir_cli, pay_cli, portal_cli
from cabin.config import Config, load_config
from cabin.dashboard import DeviceTable
from cabin.errors import CabinError
from cabin.logs import configure_logging
from cabin.recorder import Recording
from cabin.store import Store, key_from_config
from hardware.events import WaveformChunk
from hardware.hub import DeviceHub, Subscription
from hardware.monikers import open_device, parse_moniker
from hardware.sim.serial_device import SerialSimulator

__all__ = ["main", "open_store"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
        config = load_config(args.config)
        configure_logging(config.logging.level)
        if args.command == "config":
            return _config_show(config, as_json=args.json)
        if args.command == "portal":
            return portal_cli.run(config, args)
        if args.command == "pay":
            return pay_cli.run(config, args)
        if args.command == "fhir":
            with open_store(config) as store:
                return fhir_cli.run(config, args, store)
        if args.command == "run":
            with _sandboxes(config, args.demo) as config:
                if _wants_kiosk(args.kiosk):
                    with contextlib.suppress(KeyboardInterrupt):
                        return _run_kiosk(config, args)
                    return 0
                with contextlib.suppress(KeyboardInterrupt):
                    return asyncio.run(_run(config, args))
                return 0
        runner = {
            "devices": _devices,
            "record": _record,
            "simulate": _simulate,
            "visit": _visit,
        }[args.command]
        with contextlib.suppress(KeyboardInterrupt):
            return asyncio.run(runner(config, args))
        return 0
    except CabinError as exc:
        print(f"cabin: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cabin", description="Digital citizen station")
    parser.add_argument("--config", type=Path, help="a TOML configuration file")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the station")
    run.add_argument("--seconds", type=float, help="stop after this long (default: Ctrl-C)")
    run.add_argument(
        "--demo", action="store_true", help="without the kiosk: measure blood pressure now and then"
    )
    run.add_argument(
        "--kiosk", choices=("auto", "on", "off"), default="auto",
        help="the touch-screen kiosk (auto: when PyQt6 is installed)",
    )  # fmt: skip
    devices = sub.add_parser("devices", help="configured devices and their live status")
    devices.add_argument(
        "action", nargs="?", choices=("status", "pair"), default="status",
        help="status (default), or pair: list BLE health devices in range, add or remove one",
    )  # fmt: skip
    devices.add_argument("--seconds", type=float, default=4.0, help="how long to watch or scan")
    devices.add_argument("--add", metavar="ADDRESS", help="pair: bond with this device, list it")
    devices.add_argument("--id", metavar="NAME", help="pair: the station's name for it")
    devices.add_argument("--remove", metavar="NAME", help="pair: take a device off the list")
    devices.add_argument(
        "--simulate", action="store_true",
        help="pair: on a virtual air with simulated instruments (writes nothing)",
    )  # fmt: skip
    record = sub.add_parser("record", help="record every waveform to a file")
    record.add_argument("--seconds", type=float, required=True)
    record.add_argument("--out", type=Path, required=True, help=".npz, or a WFDB record name")
    simulate = sub.add_parser("simulate", help="run only the simulated devices")
    simulate.add_argument("--seconds", type=float, help="stop after this long")
    visit = sub.add_parser("visit", help="run one whole visit headless")
    visit.add_argument(
        "--simulate", action="store_true", required=True,
        help="simulated devices (sped up) and an invented test identity",
    )  # fmt: skip
    visit.add_argument("--json", action="store_true", help="print the summary as JSON")
    visit.add_argument("--seed", type=int, default=1, help="seeds the identity and the devices")
    fhir_cli.add_parser(sub)
    portal_cli.add_parser(sub)
    pay_cli.add_parser(sub)
    config = sub.add_parser("config", help="configuration")
    config_sub = config.add_subparsers(dest="action", required=True)
    show = config_sub.add_parser("show", help="print the effective configuration")
    show.add_argument("--json", action="store_true")
    return parser


def _config_show(config: Config, *, as_json: bool) -> int:
    tree = config.as_dict()
    if as_json:
        print(json.dumps(tree, ensure_ascii=False, indent=2))
    else:
        for line in _toml_lines(tree):
            print(line)
    return 0


def _toml_lines(tree: dict[str, Any], prefix: str = "") -> list[str]:
    lines = []
    tables = []
    for key, value in tree.items():
        if isinstance(value, dict):
            tables.append((key, value))
        elif value is not None:
            lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    for key, value in tables:
        name = f"{prefix}{key}"
        scalars = [v for v in value.values() if not isinstance(v, dict)]
        if scalars:
            lines += ["", f"[{name}]"]
        lines += _toml_lines(value, f"{name}.")
    return lines


@contextlib.contextmanager
def _sandboxes(config: Config, demo: bool) -> Iterator[Config]:
    """With ``--demo``, a sandbox for each outside system the configuration leaves unset.

    The hospital's FHIR server (Medplum's router, see :mod:`fhir_bridge.sandbox_server`)
    when ``[hospital] fhir_base_url`` is empty, the doctors' portal (see
    :mod:`cabin.demo_portal`) when ``[consult] portal_url`` is empty, and each
    public-service provider whose ``[services.<name>]`` has no ``base_url``
    (:mod:`services.demo`).
    """
    if not demo:
        yield config
        return
    from cabin.demo_portal import demo_portal

    with contextlib.ExitStack() as stack:
        config = stack.enter_context(_fhir_sandbox(config))
        config = stack.enter_context(demo_portal(config))
        yield stack.enter_context(_service_sandboxes(config))


@contextlib.contextmanager
def _service_sandboxes(config: Config) -> Iterator[Config]:
    from services.demo import demo_providers

    with demo_providers(config.services, config.data_dir / "sandboxes") as providers:
        for name, provider in sorted(providers.items()):
            if name not in config.services or not config.services[name].base_url:
                print(f"Sandbox provider {name}: {provider.base_url}", flush=True)
        yield dataclasses.replace(config, services=providers)


@contextlib.contextmanager
def _fhir_sandbox(config: Config) -> Iterator[Config]:
    if config.hospital.fhir_base_url:
        yield config
        return
    from fhir_bridge.sandbox_server import FhirSandbox, FhirSandboxError

    try:
        sandbox = FhirSandbox.start()
    except FhirSandboxError as exc:
        print(f"No hospital sandbox ({exc}); visits wait in the outbox.", flush=True)
        yield config
        return
    with sandbox:
        print(f"Hospital FHIR sandbox (Medplum): {sandbox.base_url}", flush=True)
        hospital = dataclasses.replace(config.hospital, fhir_base_url=sandbox.base_url)
        yield dataclasses.replace(config, hospital=hospital)


def open_store(config: Config) -> Store:
    """Open the station's store with the key the configuration names."""
    key = key_from_config(
        config.store.key or None,
        config.store.key_file,
        keyring_service="cabin-station" if config.store.use_keyring else None,
    )
    return Store.open(config.store.path, key=key)


def _wants_kiosk(choice: str) -> bool:
    if choice == "off":
        return False
    try:
        import PyQt6.QtWidgets  # noqa: F401  (the kiosk extra)
    except ImportError:
        if choice == "on":
            raise CabinError("the kiosk needs PyQt6: install the [kiosk] extra") from None
        return False
    return True


def _run_kiosk(config: Config, args: argparse.Namespace) -> int:
    """The kiosk on the screen; with no screen, offscreen beside the text dashboard."""
    from cabin.ui.app import display_available, run_kiosk

    if display_available() and os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        return run_kiosk(config, fullscreen=config.kiosk.fullscreen, seconds=args.seconds)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    picture = config.data_dir / "kiosk.png"
    print(
        "No display: the kiosk runs offscreen and saves what it shows to\n"
        f"  {picture}  (every 2 s; open it in an image viewer)\n"
        "To see and touch it: xvfb-run -s '-screen 0 1280x800x24' make run, then view\n"
        "the virtual screen (e.g. x11vnc), or run make run on a machine with a screen.",
        flush=True,
    )
    return run_kiosk(
        config,
        fullscreen=False,
        seconds=args.seconds,
        screenshot=picture,
        alongside=lambda hub: _dashboard(hub, config, args.seconds),
    )


async def _run(config: Config, args: argparse.Namespace) -> int:
    # The store opens first: a missing or wrong key stops the station before any device.
    with open_store(config):
        async with DeviceHub(config.device_specs()) as hub:
            demo = asyncio.create_task(_demo_cuff(hub)) if args.demo else None
            try:
                await _dashboard(hub, config, args.seconds)
            finally:
                if demo is not None:
                    demo.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await demo
    return 0


async def _demo_cuff(hub: DeviceHub) -> None:
    """With simulated devices, take a blood pressure now and then so the dashboard moves."""
    cuffs = [s.device_id for s in hub.specs if parse_moniker(s.moniker).target == "cuff"]
    while cuffs:
        await asyncio.sleep(5)
        for device_id in cuffs:
            with contextlib.suppress(CabinError, ValueError):
                await hub.command(device_id, "start", target=170)
        await asyncio.sleep(55)


async def _dashboard(hub: DeviceHub, config: Config, seconds: float | None) -> None:
    table = DeviceTable([s.device_id for s in hub.specs])
    deadline = None if seconds is None else time.monotonic() + seconds
    with hub.subscribe() as events:
        for status in hub.status().values():  # what happened before we subscribed
            table.update(status)
        live = _LiveView(config.station.name)
        try:
            while deadline is None or time.monotonic() < deadline:
                await _drain(events, table, 0.25)
                live.show(table)
        finally:
            live.close()


async def _drain(events: Subscription, table: DeviceTable, period: float) -> None:
    async for event in events.within(period):
        table.update(event)


class _LiveView:
    """A rich live table on a terminal; a plain table every few seconds when piped."""

    def __init__(self, title: str) -> None:
        from rich.console import Console
        from rich.live import Live

        self.title = title
        self.console = Console()
        if not self.console.is_terminal:  # a log or a pipe: one row per device, unwrapped
            self.console = Console(width=160)
        self.live: Live | None = None
        if self.console.is_terminal:
            self.live = Live(console=self.console, refresh_per_second=4)
            self.live.start()
        self._last_print = 0.0

    def show(self, table: DeviceTable) -> None:
        from rich.table import Table
        from rich.text import Text

        view = Table(title=self.title)
        for column in ("device", "state", "rate", "latest values", "faults"):
            view.add_column(column, no_wrap=column != "latest values")
        for line in table.lines():
            view.add_row(*(Text(cell) for cell in line))  # device text is not markup
        if self.live is not None:
            self.live.update(view)
        elif time.monotonic() - self._last_print >= 2.0:
            self._last_print = time.monotonic()
            self.console.print(view)
            sys.stdout.flush()

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()


async def _devices(config: Config, args: argparse.Namespace) -> int:
    if args.action == "pair":
        from cabin.devices_pair import pair_command  # bleak only when pairing

        return await pair_command(config, args)
    specs = config.device_specs()
    table = DeviceTable([s.device_id for s in specs])
    async with DeviceHub(specs) as hub:
        with hub.subscribe() as events:
            for status in hub.status().values():
                table.update(status)
            await _drain(events, table, args.seconds)
    for spec, line in zip(specs, table.lines(), strict=True):
        device_id, state, rate, values, faults = line
        print(f"{device_id:16} {spec.moniker:40} {state:28} {rate:>9}  {faults}")
        print(f"{'':16} {values}")
    return 0


async def _record(config: Config, args: argparse.Namespace) -> int:
    recording = Recording()
    async with DeviceHub(config.device_specs()) as hub:
        with hub.subscribe() as events:
            async for event in events.within(args.seconds):
                if isinstance(event, WaveformChunk):
                    recording.add(event)
    for path in recording.save(args.out):
        print(path)
    for (device_id, kind), track in sorted(recording.tracks.items()):
        print(f"{device_id}.{kind}: {len(track.samples())} samples at {track.fs:g} Hz")
    return 0


async def _simulate(config: Config, args: argparse.Namespace) -> int:
    opened = []
    try:
        for spec in config.device_specs():
            if parse_moniker(spec.moniker).scheme != "sim":
                continue
            device = await open_device(spec)
            opened.append(device)
            if isinstance(device.simulator, SerialSimulator):
                print(f"{spec.device_id}: {device.simulator.path}")
            elif device.simulator is not None:
                print(f"{spec.device_id}: {device.simulator.address} (simulated BLE)")
        sys.stdout.flush()
        await asyncio.sleep(args.seconds if args.seconds is not None else 1e9)
    finally:
        for device in opened:
            await device.close()
    return 0


async def _visit(config: Config, args: argparse.Namespace) -> int:
    """One whole visit with simulated devices and an invented resident."""
    from cabin.visit_demo import simulated_visit

    summary = await simulated_visit(config, seed=args.seed)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print(f"visit {summary['visit_id']}: {summary['state']}")
        for vital in summary["vitals"]:
            shown = ", ".join(f"{k} {v:g}" for k, v in vital["values"].items())
            print(
                f"  {vital['kind']}: {shown} {vital['unit']}  {vital['interpretation']['text_vi']}"
            )
    return 0 if summary["state"] == "completed" else 1
