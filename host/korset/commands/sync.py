"""Take every recorded session off the board into this computer's session store.

Each session is checked against the board's SHA-256 and stored before the
board is told it may delete it; an interrupted sync resumes where it
stopped, and a session is never stored twice. Also sets the board's clock.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from korset.commands import _ble

RETRIES = 5


def add_arguments(p: argparse.ArgumentParser) -> None:
    _ble.add_arguments(p)
    p.add_argument("--store", type=Path, help="session store directory (default: the user's "
                   "Korset data directory, or $KORSET_HOME)")


def run(args: argparse.Namespace) -> int:
    from korset.ble.client import LinkError
    from korset.ble.radio import connected, find_board
    from korset.ble.sync import SyncReport, sync
    from korset.sessionstore import SessionStore

    store = SessionStore(args.store)

    async def go() -> int:
        report = SyncReport()
        async with _ble.radio(args) as r:
            device = await find_board(r, args.device)
            bars: dict[int, object] = {}

            def progress(number: int, got: int, size: int) -> None:
                if number not in bars:
                    bars[number] = _ble.progress_bar(f"session {number:4d}")
                bars[number](got, size)  # type: ignore[operator]

            for attempt in range(RETRIES):
                try:
                    async with connected(r, device) as kc:
                        await sync(kc, store, device.address, progress=progress, report=report)
                    break
                except LinkError as e:
                    if attempt == RETRIES - 1:
                        raise
                    print(f"\nlink lost ({e}); resuming")
        kib = report.bytes_received / 1024
        print(f"{len(report.stored)} new session(s) stored in {store.root}, "
              f"{len(report.confirmed)} confirmed to the board"
              + (f", {kib:.1f} KiB in {report.seconds:.1f} s" if report.bytes_received else "")
              + (f"; session {report.still_recording[0]} is still being recorded"
                 if report.still_recording else ""))
        for path in report.stored:
            print(f"  {path}")
        return 0

    return _ble.run(go())
