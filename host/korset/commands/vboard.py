"""Run a virtual board whose flash lives in DIR, on a serial port real mpremote can use.

The first line of output is ``port: /dev/pts/N``. The board boots from its
flash (a blank board has no firmware until ``korset flash --board virtual
--port /dev/pts/N``), runs main.py, and answers on the port as a board's USB
REPL does. Ctrl-C here powers it off.
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


def run(args: argparse.Namespace) -> int:
    from korset.vboard import VirtualBoard
    from korset.vboard.serial import SerialBoard

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
