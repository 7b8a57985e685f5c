"""List the analysed sets in this computer's history, day by day (or write them as CSV).

Each set shows its number (#N), its time of day, the exercise, its
repetitions (against the target) or holds (count and mean length), its
faults and its largest deviation; a set the analysis could not judge says so
and why, and is not counted in the day's totals. Times and days are local; a
set recorded by a board whose clock was not set is shown at the time it was
analysed, marked with '*'. A count the analysis is not sure of is marked
'~' ("~15 reps (14-16)", "reps could not be counted reliably (between 3 and
12)"), and so is a day's total that adds one up.

The history keeps each recording once: saving it again replaces its set.
A history written by an older korset may hold one recording twice:
--duplicates lists them (and the list marks them), --delete N forgets set
N (its session file stays in the session store).

DATE is YYYY-MM-DD, or Nd for the last N calendar days counting today
(--since 7d: today and the six days before). --until includes its day.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from korset.commands import _history, _outputs


def add_arguments(p: argparse.ArgumentParser) -> None:
    _history.add_period_arguments(p)
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the sets as a JSON list")
    out.add_argument("--csv", type=Path, metavar="OUT",
                     help="write the sets as CSV, one row per set")
    out.add_argument("--duplicates", action="store_true",
                     help="list the recordings that are in the history more than once")
    out.add_argument("--delete", type=int, metavar="N",
                     help="forget set N (numbered #N in the list); its session file stays")
    _outputs.add_force_argument(p)
    _history.add_db_argument(p)


def run(args: argparse.Namespace) -> int:
    from korset import KorsetError
    from korset.history import History, by_day, export_csv

    history = History(args.db)
    since, until = _history.period(args)
    if args.force and not args.csv:
        raise KorsetError("--force lets --csv OUT replace a file: add --csv OUT")
    if args.delete is not None:
        if since is not None or until is not None:
            raise KorsetError("--delete takes one set by its number: drop --since/--until")
        record = history.delete(args.delete)
        print(f"deleted set #{record.id}: {record.day.isoformat()} {_line(record)}")
        print(f"  its session file stays: {record.path}")
        return 0
    if args.duplicates:
        return _duplicates(history, since, until)
    if args.csv:
        n = export_csv(history, args.csv, since, until, force=args.force)
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
    twice = _twice(records)
    width = len(str(max(r.id for r in records))) + 1
    for i, (day, sets) in enumerate(days.items()):
        if i:
            print()
        print(f"{day.isoformat()} {day.strftime('%A')}")
        for r in sets:
            same = twice.get(r.id)
            print(f"  {'#' + str(r.id):>{width}} " + _line(r)
                  + (f" [same recording as {', '.join(f'#{i}' for i in same)}]" if same
                     else ""))
        print("  " + _total(sets))
    if any(not r.time_known for r in records):
        print("\n* the board's clock was not set: time of analysis")
    if any(r.judged and not _exact(r.analysis) for r in records):
        print("\n~ the analysis is not sure of the count (the counts the recording allows "
              "in brackets): a day's total with one is approximate")
    if twice:
        print("\nSome recordings are in the history twice (saved by an older korset): "
              "'korset history --duplicates' lists them, 'korset history --delete N' "
              "forgets a set. Reports count each recording once.")
    return 0


def _twice(records) -> dict[int, list[int]]:
    """Set id -> the other sets of the same recording, for those that have some."""
    groups: dict[str, list[int]] = {}
    for r in records:
        if r.recording_sha256 is not None:
            groups.setdefault(r.recording_sha256, []).append(r.id)
    return {i: [j for j in ids if j != i] for ids in groups.values() if len(ids) > 1
            for i in ids}


def _duplicates(history, since, until) -> int:
    from korset.history import distinct

    groups = [g for g in history.duplicates()
              if any((since is None or r.when_unix_s >= since)
                     and (until is None or r.when_unix_s < until) for r in g)]
    if not groups:
        print("No recording is in the history more than once.")
        return 0
    for i, group in enumerate(groups):
        if i:
            print()
        (counted,) = distinct(group)
        print(f"{len(group)} sets of one recording (the report counts #{counted.id}, "
              "analysed last):")
        for r in group:
            print(f"  #{r.id} {r.day.isoformat()} {_line(r)}")
            print(f"      {r.path}, analysed {_analysed(r)}")
    print("\n'korset history --delete N' forgets set N (its session file stays).")
    return 0


def _analysed(r) -> str:
    from datetime import datetime

    return datetime.fromtimestamp(r.analysed_at_unix_s).strftime("%Y-%m-%d %H:%M")


def _exercise(a) -> str:
    return f"{a.exercise:>2} {a.name_en}" if isinstance(a.exercise, int) else a.name_en


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _range(lo_hi, unit: str = "") -> str:
    lo, hi = lo_hi
    return f"{lo:g}{unit}" if lo == hi else f"{lo:g}-{hi:g}{unit}"


def _exact(a) -> bool:
    """Whether the set's count (its repetitions, or its holds) is one the analysis is sure
    of; a result from before counts carried a confidence is taken as it always was."""
    from korset.report import figures as fig
    from korsetfw import catalogue as cat

    return fig.holds_exact(a) if a.kind == cat.HOLD else fig.reps_count(a).exact


def _reps(a) -> str:
    """``17 reps (target 15-20)``; ``~17 reps (16-18; target 15-20)`` or ``reps could not
    be counted reliably (between 3 and 12; target 15-20)`` when not sure of it."""
    from korset.report import figures as fig
    from korset.report.language import Language

    L, count = Language("en"), fig.reps_count(a)
    target = [f"target {_range(a.target_reps)}"] if a.target_reps else []
    if count.exact:
        head, span = _n(a.reps, "rep"), []
    elif count.how == fig.ABOUT:
        head, span = "~" + _n(a.reps, "rep"), [_range((count.low, count.high))]
    else:
        head = "reps " + L("reps_uncounted")
        span = [L("reps_between", low=count.low, high=count.high)]
    parts = (span if count.ranged else []) + target
    return head + (f" ({'; '.join(parts)})" if parts else "")


def _line(r) -> str:
    from korset.report import figures as fig
    from korset.report.language import Language
    from korsetfw import catalogue as cat

    a, q = r.analysis, r.analysis.quality
    time_of_day = r.when.strftime("%H:%M") + (" " if r.time_known else "*")
    if not a.judged:
        return f"{time_of_day} {_exercise(a)}: not judged ({Language('en').not_judged(a)})"
    if a.kind == cat.HOLD:
        work = ("" if fig.holds_exact(a) else "~") + _n(len(a.holds), "hold")
        if q.hold_s_mean is not None:
            work += f", mean {q.hold_s_mean:.1f} s"
        if a.target_hold_s:
            work += f" (target {_range(a.target_hold_s, ' s')})"
    else:
        work = _reps(a)
    faults = _n(len(a.faults), "fault")
    deviation = ""
    if q.max_deviation_deg:
        axis, deg = max(q.max_deviation_deg.items(), key=lambda kv: abs(kv[1]))
        deviation = f", max {abs(deg):.1f} deg {axis}"
    return f"{time_of_day} {_exercise(a)}: {work}, {faults}{deviation}"


def _total(sets) -> str:
    """The day's totals, of its judged sets (one not judged has no counts to add); a total
    that adds up a count the analysis is not sure of is marked ``~``."""
    from korset.history import distinct
    from korsetfw import catalogue as cat

    counted = distinct(sets)
    judged = [r for r in counted if r.judged]
    reps = sum(r.analysis.reps for r in judged)
    holds = sum(len(r.analysis.holds) for r in judged)
    about = {kind: "~" if any(r.analysis.kind == kind and not _exact(r.analysis)
                              for r in judged) else "" for kind in (cat.REPS, cat.HOLD)}
    faults = sum(len(r.analysis.faults) for r in judged)
    unjudged = len(counted) - len(judged)
    twice = len(sets) - len(counted)
    if not judged:
        return f"day: {_n(len(counted), 'set')}, not judged: nothing to count"
    notes = ([f"{unjudged} not judged"] if unjudged else []) + \
        ([f"{twice} again of the same recording"] if twice else [])
    return f"day: {_n(len(counted), 'set')}" \
        + (f" ({', '.join(notes)}: not counted)" if notes else "") \
        + f", {about[cat.REPS]}{_n(reps, 'rep')}, {about[cat.HOLD]}{_n(holds, 'hold')}, " \
        + _n(faults, "fault")


def _json(r) -> dict:
    return {"id": r.id, "date": r.day.isoformat(), "time": r.when.strftime("%H:%M:%S"),
            "time_known": r.time_known, "started_unix_s": r.started_unix_s,
            "analysed_at_unix_s": r.analysed_at_unix_s, "device": r.device,
            "session": r.session, "path": r.path, "sha256": r.sha256,
            "recording_sha256": r.recording_sha256, "judged": r.judged,
            "analysis": r.analysis.to_dict()}
