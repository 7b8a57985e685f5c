"""Put the Korset firmware on a board with mpremote, and check it boots.

Compiles the firmware for the board's architecture (mpy-cross), copies what
changed over the board's USB serial REPL, gives the board its key (kept if it
has one; this computer keeps a copy in its Korset data directory,
board-keys.json: only a computer holding it is served over BLE), checks the
IMU's identity, resets the board, and reads the firmware version back. The
board needs MicroPython 1.22 or later (from micropython.org/download).
Recorded sessions, settings and the board's key are kept.
"""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--board", required=True,
                   help="board definition: a name from boards/ (see docs/boards.md) or a "
                        "JSON file")
    p.add_argument("--port", help="serial port (default: the one board found on USB)")


def run(args: argparse.Namespace) -> int:
    from korset.flashing import flash, load_board

    board = load_board(args.board)
    report = flash(board, args.port, progress=lambda line: print(f"  {line}", flush=True))
    kib = sum(n for _, n in report.copied) / 1024
    print(f"flashed {board['name']} on {report.port} ({report.micropython}): "
          f"{len(report.copied)} file(s) copied ({kib:.1f} KiB), {report.unchanged} unchanged"
          + (f", {len(report.removed)} removed" if report.removed else "")
          + f"; it booted firmware {report.version}")
    return 0
