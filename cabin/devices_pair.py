"""``cabin devices pair``: the technician's view of the BLE health devices in range.

Without options it lists them, nearest first, saying which are already on the
allow-list. ``--add ADDRESS --id NAME`` bonds with one and puts it on the list;
``--remove NAME`` takes one off. ``--simulate`` does the same on a virtual air
with one simulated instrument of each kind and a neighbour's scale, and writes
nothing (the simulated station reads its instruments without a list).
"""

from __future__ import annotations

import argparse
import contextlib

from bleak.backends.client import BaseBleakClient
from bleak.backends.scanner import BaseBleakScanner

from cabin.config import ALLOWLIST_FILE, Config, load_allowlist
from cabin.pairing import add_device, discover, pair, remove_device

__all__ = ["pair_command"]


async def pair_command(config: Config, args: argparse.Namespace) -> int:
    """Run ``cabin devices pair``; returns the exit code."""
    path = config.data_dir / ALLOWLIST_FILE
    if args.remove:
        if remove_device(path, args.remove):
            print(f"{args.remove}: taken off {path}")
            return 0
        print(f"{args.remove} is not on {path}")
        return 1
    if args.add and not args.id:
        print("--add needs --id NAME: the station's name for the device")
        return 2
    async with contextlib.AsyncExitStack() as stack:
        scanner: type[BaseBleakScanner] | None = None
        client: type[BaseBleakClient] | None = None
        if args.simulate:
            scanner, client = await _simulated_air(stack)
        if args.add:
            profile = await pair(args.add, scanner=scanner, client=client, seconds=args.seconds)
            if args.simulate:
                print(f"{args.id}: {args.add} ({profile}) paired; simulated, so not listed")
            else:
                add_device(path, args.id, args.add, profile)
                print(f"{args.id}: {args.add} ({profile}) paired and added to {path}")
            return 0
        listed = {
            str(body.get("moniker", "")).partition(":")[2].split(",")[0].upper(): name
            for name, body in load_allowlist(path).items()
        }
        candidates = await discover(args.seconds, backend=scanner)
    if not candidates:
        print("no BLE health device in range")
    for c in candidates:
        mark = f"on the list as {listed[c.address.upper()]}" if c.address.upper() in listed else ""
        print(f"{c.address:18} {c.name[:24]:24} {c.profile:15} {c.rssi:4d} dBm  {mark}")
    return 0


async def _simulated_air(
    stack: contextlib.AsyncExitStack,
) -> tuple[type[BaseBleakScanner], type[BaseBleakClient]]:
    from hardware.ble.bumble_backend import BumbleClient, BumbleScanner, VirtualAir
    from hardware.sim.ble_devices import BLE_KINDS, make_ble_device

    air = await stack.enter_async_context(VirtualAir())
    for seed, kind in enumerate(BLE_KINDS, start=1):
        await stack.enter_async_context(make_ble_device(air, kind, {}, seed=seed))
    neighbour = make_ble_device(air, "ble-scale", {"name": "Neighbour scale"}, seed=99)
    await stack.enter_async_context(neighbour)
    return BumbleScanner, BumbleClient
