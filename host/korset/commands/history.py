"""List the analysed sets in this computer's history, day by day (or write them as CSV).

Each set shows its time of day, the exercise, its repetitions (against the
target) or holds (count and mean length), its faults and its largest
deviation. Times and days are local; a set recorded by a board whose clock
was not set is shown at the time it was analysed, marked with '*'.

DATE is YYYY-MM-DD, or Nd for the last N calendar days counting today
(--since 7d: today and the six days before). --until includes its day.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from korset.commands import _history


def add_arguments(p: argparse.ArgumentParser) -> None:
    _history.add_period_arguments(p)
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the sets as a JSON list")
    out.add_argument("--csv", type=Path, metavar="OUT",
                     help="write the sets as CSV, one row per set")
    _history.add_db_argument(p)


def run(args: argparse.Namespace) -> int:
    from korset.history import History, by_day, export_csv

    history = History(args.db)
    since, until = _history.period(args)
    if args.csv:
        n = export_csv(history, args.csv, since, until)
        print(f"{args.csv}: {n} set(s)")
        return 0
    records = history.sets(since, until)
    if args.json:
        print(json.dumps([_json(r) for r in records], indent=1))
        return 0
    if not records:
        total = history.count()
        if total:
            print(f"No sets in that time ({total} in the history).")
        else:
            print(f"No sets in the history yet ({history.path}). Sets come in with "
                  "'korset sync' (from a board) and 'korset analyze FILE --save'.")
        return 0
    days = by_day(records)
    for i, (day, sets) in enumerate(days.items()):
        if i:
            print()
        print(f"{day.isoformat()} {day.strftime('%A')}")
        for r in sets:
            print("  " + _line(r))
        print("  " + _total(sets))
    if any(not r.time_known for r in records):
        print("\n* the board's clock was not set: time of analysis")
    return 0


def _exercise(a) -> str:
    return f"{a.exercise:>2} {a.name_en}" if isinstance(a.exercise, int) else a.name_en


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _range(lo_hi, unit: str = "") -> str:
    lo, hi = lo_hi
    return f"{lo:g}{unit}" if lo == hi else f"{lo:g}-{hi:g}{unit}"


def _line(r) -> str:
    from korsetfw import catalogue as cat

    a, q = r.analysis, r.analysis.quality
    time_of_day = r.when.strftime("%H:%M") + (" " if r.time_known else "*")
    if a.kind == cat.HOLD:
        work = _n(len(a.holds), "hold")
        if q.hold_s_mean is not None:
            work += f", mean {q.hold_s_mean:.1f} s"
        if a.target_hold_s:
            work += f" (target {_range(a.target_hold_s, ' s')})"
    else:
        work = _n(a.reps, "rep") + (f" (target {_range(a.target_reps)})" if a.target_reps
                                   else "")
    faults = _n(len(a.faults), "fault")
    deviation = ""
    if q.max_deviation_deg:
        axis, deg = max(q.max_deviation_deg.items(), key=lambda kv: abs(kv[1]))
        deviation = f", max {abs(deg):.1f} deg {axis}"
    return f"{time_of_day} {_exercise(a)}: {work}, {faults}{deviation}"


def _total(sets) -> str:
    reps = sum(r.analysis.reps for r in sets)
    holds = sum(len(r.analysis.holds) for r in sets)
    faults = sum(len(r.analysis.faults) for r in sets)
    return f"day: {_n(len(sets), 'set')}, {_n(reps, 'rep')}, {_n(holds, 'hold')}, " \
        + _n(faults, "fault")


def _json(r) -> dict:
    return {"id": r.id, "date": r.day.isoformat(), "time": r.when.strftime("%H:%M:%S"),
            "time_known": r.time_known, "started_unix_s": r.started_unix_s,
            "analysed_at_unix_s": r.analysed_at_unix_s, "device": r.device,
            "session": r.session, "path": r.path, "sha256": r.sha256,
            "analysis": r.analysis.to_dict()}
