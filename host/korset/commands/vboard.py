"""Run a virtual board whose flash lives in DIR, on a serial port real mpremote can use.

The first line of output is ``port: /dev/pts/N``. The board boots from its
flash (a blank board has no firmware until ``korset flash --board virtual
--port /dev/pts/N``), runs main.py, and answers on the port as a board's USB
REPL does. Ctrl-C here powers it off.

With --ble the board is on the air instead (no serial port; a blank board
gets this korset's firmware): the BLE commands given ``--virtual-board DIR``
reach this running board, so ``korset start``, ``live``, ``stop`` and ``sync``
work as a sequence, as on a real board that stays on between them.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--root", type=Path, required=True, metavar="DIR",
                   help="the board's directory (its flash image is DIR/flash.bin)")
    p.add_argument("--board", default="virtual", help="board definition (default virtual)")
    p.add_argument("--install", action="store_true",
                   help="put the firmware from this korset on the flash first")
    p.add_argument("--ble", action="store_true",
                   help="instead of a serial port, put the board on the air for the BLE "
                        "commands: with --virtual-board DIR they reach this board, which "
                        "keeps running between them (start, live, stop, sync, ...)")
    p.add_argument("--motion", type=Path, metavar="CSV",
                   help="with --ble: the movement the board feels from boot, a recording "
                        "(the recording contract, e.g. from korset sim) played in real time; "
                        "after its end the board lies as the last sample (default: lying "
                        "still)")


def run(args: argparse.Namespace) -> int:
    from korset import KorsetError
    from korset.vboard import VirtualBoard
    from korset.vboard.serial import SerialBoard

    if args.ble:
        return _serve_ble(VirtualBoard(args.root, args.board), args)
    if args.motion is not None:
        raise KorsetError("--motion is for a board on the air: add --ble")

    board = SerialBoard(VirtualBoard(args.root, args.board), install=args.install)
    port = board.start()
    print(f"port: {port}", flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        board.stop()
    return 0


def _serve_ble(vb, args: argparse.Namespace) -> int:
    """Keep the board on the air until Ctrl-C (or SIGTERM, SIGHUP)."""
    import asyncio
    import contextlib
    import signal

    from korset.vble.served import ServedBoard

    recording = None
    if args.motion is not None:
        from korset.inputs import load

        recording = load(args.motion).recording  # checked as analyze checks it

    async def serve() -> None:
        # Ctrl-C, SIGTERM and SIGHUP power the board off the same way, also where the
        # shell started this in the background with SIGINT ignored.
        off = asyncio.Event()
        loop = asyncio.get_running_loop()
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                loop.add_signal_handler(getattr(signal, name), off.set)
        install = args.install or not vb.flash_image.exists()
        served = ServedBoard(vb, install=install, settings={"status_period_s": 0}
                             if install else None, recording=recording)
        port = await served.start()
        print(f"on the air: {args.root} (HCI on 127.0.0.1:{port}); in another terminal: "
              f"korset start --virtual-board {args.root}", flush=True)
        shown = 0
        try:
            while not off.is_set():  # the board's console, as its USB serial port shows it
                lines = served.console
                for line in lines[shown:]:
                    print(f"board: {line}", flush=True)
                shown = len(lines)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(off.wait(), 0.2)
        finally:
            await served.stop()
        print(f"powered off: {args.root}", flush=True)

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    return 0
