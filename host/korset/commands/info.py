"""Show a paired board's state: firmware and protocol, storage, battery, clock, set."""

from __future__ import annotations

import argparse
import json

from korset.commands import _ble


def add_arguments(p: argparse.ArgumentParser) -> None:
    _ble.add_arguments(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    async def read_info(kc):
        return kc.board_info

    device, info = _ble.on_board(args, read_info)
    if args.json:
        print(json.dumps(dict(asdict(info), name=device.name, address=device.address)))
        return 0
    state = ("set running" if info.set_active else "idle") + (
        ", recording" if info.recording else "")
    print(f"{device.name} ({device.address}): board {info.board}, firmware "
          f"{info.firmware}, protocol {info.protocol}")
    print(f"  {state}; {info.sessions} session(s) on the board, {info.used_bytes / 1024:.0f} "
          f"KiB used, {info.free_bytes / 1024:.0f} KiB free"
          + (" (FULL: sync to make room)" if info.storage_full else ""))
    print(f"  battery {info.battery_pct if info.battery_pct is not None else '?'} %, clock "
          + ("set" if info.clock_unix_s else "not set (korset sync sets it)")
          + f", up {info.uptime_s} s" + (", pairing window open" if info.pairing_open else ""))
    return 0
