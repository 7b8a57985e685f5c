"""What the BLE commands share: choosing the radio and the board, and running async code."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from korset import KorsetError

ENV_VIRTUAL_BOARD = "KORSET_VIRTUAL_BOARD"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", "-d", help="board name (Korset-XXXX) or address "
                   "(default: the only board in range)")
    p.add_argument("--virtual-board", type=Path, metavar="DIR",
                   default=os.environ.get(ENV_VIRTUAL_BOARD) or None,
                   help="talk to the virtual board kept in DIR instead of a real one: the "
                        "one running there (korset vboard --root DIR --ble), else one "
                        "booted from its flash for this command only "
                        f"(default: ${ENV_VIRTUAL_BOARD})")


def radio(args: argparse.Namespace):
    from korset.ble.radio import SystemRadio, VirtualRadio

    if args.virtual_board is not None:
        return VirtualRadio(args.virtual_board, settings={"status_period_s": 0})
    return SystemRadio()


def run(coro) -> int:
    from bleak.exc import BleakError

    try:
        return asyncio.run(coro)
    except BleakError as e:
        raise KorsetError(f"Bluetooth: {e}") from None
    except OSError as e:
        raise KorsetError(f"Bluetooth adapter: {e}") from None


def on_board(args: argparse.Namespace, action, *, pair: bool = False):
    """Find the board, connect (and pair), run ``await action(client)``; returns
    (the board's BLEDevice, what ``action`` returned)."""
    from korset.ble.radio import connected, find_board

    async def go():
        async with radio(args) as r:
            device = await find_board(r, args.device)
            async with connected(r, device, pair=pair) as kc:
                return device, await action(kc)

    if not _booted_here(args):
        return run(go())
    # A virtual board booted for this command alone powers off when it ends: what a set
    # started here, or one another command should stop, needs a board that stays on.
    keep_on = (f"korset vboard --root {args.virtual_board} --ble keeps the board on "
               "between commands")
    try:
        done = run(go())
    except KorsetError as e:
        if args.command in OUTLASTING:
            raise KorsetError(f"{e} (the virtual board was booted for this command "
                              f"alone; {keep_on})") from None
        raise
    if args.command in OUTLASTING:
        print(f"note: the virtual board ran for this command alone, so it is off again; "
              f"{keep_on}", file=sys.stderr)
    return done


# Commands whose effect should outlast them on a board that stays on (a set started, a
# set stopped): said when the virtual board was booted for the command alone.
OUTLASTING = ("start", "stop")


def _booted_here(args: argparse.Namespace) -> bool:
    if args.virtual_board is None:
        return False
    from korset.vble.served import served_port

    return served_port(args.virtual_board) is None


def progress_bar(label: str):
    """A one-line progress bar on stderr: call with (done, total)."""
    import sys

    def show(done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        print(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} bytes",
              end="" if done < total else "\n", file=sys.stderr, flush=True)
    return show
