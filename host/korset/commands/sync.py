"""Take every recorded session off the board into this computer's session store.

Each session is checked against the board's SHA-256 and stored before the
board is told it may delete it; an interrupted sync resumes where it
stopped, and a session is never stored twice. Also sets the board's clock.

Each new session is then analysed as its header says (exercise, tolerance,
reference) and added to the history (see 'korset history'); a free
recording (no exercise) is stored but not analysed. A session that cannot be
analysed stays safe in the store: 'korset analyze PATH --save' adds it later.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from korset.commands import _ble, _history

if TYPE_CHECKING:
    from korset.history import History

RETRIES = 5


def add_arguments(p: argparse.ArgumentParser) -> None:
    _ble.add_arguments(p)
    p.add_argument("--store", type=Path, help="session store directory (default: the user's "
                   "Korset data directory, or $KORSET_HOME)")
    _history.add_db_argument(p, "the new sessions are added to this ")


def run(args: argparse.Namespace) -> int:
    from korset.ble.client import LinkError
    from korset.ble.radio import connected, find_board
    from korset.ble.sync import SyncReport, sync
    from korset.history import History
    from korset.sessionstore import SessionStore

    store = SessionStore(args.store)
    report = SyncReport()

    async def go() -> int:
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
        return 0

    _ble.run(go())
    # The link is closed: each new session is safe in the store before it is analysed.
    history = History(args.db)
    for path in report.stored:
        print(f"  {path}: {_record(path, history)}")
    return 0


def _record(path: Path, history: History) -> str:
    """Analyse a stored session into the history; what became of it, in a few words."""
    from korset import KorsetError
    from korset.setfiles import record_stored

    try:
        record = record_stored(path, history)
    except KorsetError as e:
        print(f"warning: not analysed: {e}", file=sys.stderr)  # e names the file
        return "stored, not analysed"
    except Exception as e:  # a bug in the analysis must not fail the sync: the file is safe
        logging.getLogger(__name__).debug("analysing %s", path, exc_info=True)
        print(f"warning: {path}: the analysis failed ({type(e).__name__}: {e}; "
              "'korset -v sync' shows where)", file=sys.stderr)
        return "stored, not analysed"
    if record is None:
        return "a free recording (no exercise), not analysed"
    a = record.analysis
    if not a.judged:
        from korset.report.language import Language

        return (f"exercise {a.exercise}, not judged ({Language('en').not_judged(a)}): in the "
                "history as not judged")
    from korset.commands._counts import work_phrase

    return f"exercise {a.exercise}, {work_phrase(a)}, {len(a.faults)} fault(s): in the history"
