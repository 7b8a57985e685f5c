"""What the BLE commands share: choosing the radio and the board, and running async code."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

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

    from korset import KorsetError

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

    return run(go())


def progress_bar(label: str):
    """A one-line progress bar on stderr: call with (done, total)."""
    import sys

    def show(done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        print(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} bytes",
              end="" if done < total else "\n", file=sys.stderr, flush=True)
    return show
