"""Analyse one set: a session file from a board, or a CSV recording.

Finds the reference, the repetitions or holds, and each fault (an episode
beyond the tolerance on one of the exercise's axes), and prints them with the
set's quality figures; --json prints the whole result as JSON instead. A
count the analysis is not sure of says so: "about 15 (14-16)", or "could not
be counted reliably (between 3 and 12)" when the counts the recording allows
are far apart (--json: reps_confident, reps_range, holds_confident).

A session file says which exercise it is, its tolerance, and when the board
took the reference and ended the set; --exercise and --tolerance override
them. A CSV recording (t, ax, ay, az, gx, gy, gz in m/s^2 and rad/s, body
frame: x forward, y left, z up) needs --exercise; one from another device may
be in g (--accel-unit g), deg/s (--gyro-unit deg/s) or ms (--time-unit ms),
with its sensor mounted otherwise: --alignment +Y-X+Z says that body x is the
sensor's +Y, body y its -X, body z its +Z.

--save keeps the set: its session file goes into the session store (a CSV
becomes a session file first) and the result into the history (see
'korset history'). Saving the same recording again (the same file, or the
same CSV as another exercise or with another tolerance) replaces its set.
A set the analysis could not judge (never still, wrong units) is kept as
not judged, with the reason, and never counted as a fault-free set.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from korset.commands import _counts, _csvunits, _history


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", type=Path, help="a session file (.kss) or a CSV recording")
    p.add_argument("--exercise", "-e", metavar="N|reps|hold|KEY",
                   help="catalogue number 1-9, reps, hold, or a custom exercise's key from "
                        "--programme (default: the session's)")
    p.add_argument("--programme", type=Path, metavar="FILE",
                   help="programme file (TOML) defining custom exercises")
    p.add_argument("--tolerance", type=float, metavar="DEG",
                   help="tolerance for every monitored axis, degrees (default: the "
                        "session's, else the exercise's)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--save", action="store_true",
                   help="keep the set in the session store and the history")
    _history.add_db_argument(p, "with --save: ")
    p.add_argument("--store", type=Path, metavar="DIR",
                   help="with --save: session store directory (default: the user's)")
    _csvunits.add_arguments(p)


def run(args: argparse.Namespace) -> int:
    from korset import KorsetError, inputs, setfiles

    if not args.save and (args.db or args.store):
        raise KorsetError("--db and --store say where --save keeps the set: add --save")
    programme = None
    if args.programme is not None:
        from korset.programme import load as load_programme

        programme = load_programme(args.programme)
    loaded = inputs.load(args.path, **_csvunits.options(args))
    analysis = setfiles.analyse(loaded, args.exercise, tolerance_deg=args.tolerance,
                             programme=programme)
    if args.json:
        for warning in analysis.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print(json.dumps(analysis.to_dict(), indent=1))
    else:
        print(_describe(analysis, loaded))
    if args.save:
        from korset.history import History
        from korset.sessionstore import SessionStore

        history = History(args.db)
        record = setfiles.save(loaded, analysis, SessionStore(args.store), history)
        again = ""
        if record.replaced:
            others = [i for i in record.replaced if i != record.id]
            again = ", replacing its earlier result" + (
                f" and the duplicate set(s) {', '.join(f'#{i}' for i in others)}" if others
                else "")
        judged = "" if record.judged else "; not judged, so not counted in reports"
        print(f"saved: {record.path} (set #{record.id} in {history.path}{again}{judged})",
              file=sys.stderr if args.json else sys.stdout)
    return 0


def _degrees(by_axis: dict[str, float]) -> str:
    from korsetfw.catalogue import AXES

    return ", ".join(f"{axis} {by_axis[axis]:.1f}" for axis in AXES if axis in by_axis) \
        + " deg"


def _describe(a, loaded) -> str:
    """The result as lines a person reads (``a``: an Analysis of ``loaded``)."""
    from datetime import datetime

    from korset.report import figures as fig
    from korset.report.language import Language
    from korsetfw import catalogue as cat

    number = f"{a.exercise}: " if isinstance(a.exercise, int) else ""
    lines = [f"{a.source}", f"  exercise  {number}{a.name_en} ({a.kind})"]
    if loaded.is_session:
        when = datetime.fromtimestamp(loaded.start_unix_s).strftime("%Y-%m-%d %H:%M") \
            if loaded.start_unix_s is not None else "time unknown"
        lines.append(f"  session   {loaded.session} of board {loaded.device or '?'}, {when}")
    lines.append(f"  recording {a.duration_s:.1f} s at {a.rate_hz:g} Hz")
    posture = a.posture.replace("_", " ")
    if a.posture_expected == cat.ANY:
        lines.append(f"  posture   {posture}")
    elif a.posture_ok:
        lines.append(f"  posture   {posture}, as the exercise begins")
    else:
        lines.append(f"  posture   {posture}, NOT {a.posture_expected.replace('_', ' ')} as "
                     "the exercise begins")
    if a.set_end_s > a.reference_s:
        lines.append(f"  judged    from the reference at {a.reference_s:.1f} s to "
                     f"{a.set_end_s:.1f} s")
    else:
        lines.append("  judged    nothing (no set began: see the warnings)")
    lines.append("  tolerance " + (_degrees(a.tolerance_deg) if a.tolerance_deg
                                   else "none (no axis is held still)"))
    if not a.judged:
        lines.append(f"  result    NOT JUDGED: {Language('en').not_judged(a)}")
        lines += [f"  warning: {w}" for w in a.warnings if w.code != a.not_judged]
        return "\n".join(lines)
    if a.kind == cat.HOLD:
        target = f" (target {_counts.span(a.target_hold_s, ' s')} each)" \
            if a.target_hold_s else ""
        about = "" if fig.holds_exact(a) else "about "
        lines.append(f"  holds     {about}{len(a.holds)}{target}")
        for i, h in enumerate(a.holds, 1):
            lines.append(f"    {i:2d}  {h.start_s:7.1f} - {h.end_s:7.1f} s  {h.duration_s:5.1f} s")
    else:
        lines.append(f"  reps      {_counts.reps_phrase(a)}")
        if a.rep_times_s:
            lines.append("    at " + ", ".join(f"{t:.1f}" for t in a.rep_times_s) + " s")
    lines.append(f"  faults    {len(a.faults)}")
    for f in a.faults:
        tol = a.tolerance_deg.get(f.axis)
        against = f" (tolerance {tol:g})" if tol is not None else ""
        lines.append(f"    {f.start_s:7.1f} - {f.end_s:7.1f} s  {f.axis:<8} "
                     f"{f.peak_deg:+6.1f} deg{against}")
    q = a.quality
    lines.append(f"  largest   {_degrees(q.max_deviation_deg)}")
    lines.append(f"  outside   {q.time_outside_s:.1f} s ({q.time_outside_pct:g}% of the "
                 "judged time)")
    if q.tempo_s is not None:
        lines.append(f"  tempo     {q.tempo_s:.1f} s a rep")
    if q.hold_s_mean is not None:
        lines.append(f"  mean hold {q.hold_s_mean:.1f} s")
    if a.kind == cat.HOLD and not fig.holds_exact(a):
        lines.append(f"  warning: {Language('en')('holds_uncertain')}")
    for warning in a.warnings:
        lines.append(f"  warning: {warning}")
    return "\n".join(lines)
