"""Convert between session files (what the board records) and recordings (CSV).

A session file (.kss) becomes a CSV in the recording contract (t, ax, ay, az
in m/s^2 with gravity, gx, gy, gz in rad/s; body frame x anterior, y left,
z up; t from the first sample at the session's nominal rate), with --events
its events as CSV too. A CSV recording becomes a session file as a board
with the given ranges would have stored it; it is read and checked as
``korset analyze`` reads it (another device's units and mounting: the same
options), and one with a gap is refused (a session has one rate, no gaps). A
damaged session is exported as far as it is intact, with a warning for what
was lost. With --history, no PATH: writes the history of analysed sets as CSV
(as ``korset history --csv``). No output replaces the input, nor a file that
exists without --force; each is written whole or not at all.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from korset.commands import _csvunits, _history, _outputs


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", type=Path, nargs="?",
                   help="a session file (.kss) or a CSV recording")
    out = p.add_mutually_exclusive_group(required=True)
    out.add_argument("--csv", type=Path, metavar="OUT", help="write the recording contract CSV")
    out.add_argument("--session", type=Path, metavar="OUT", help="write a session file")
    out.add_argument("--info", action="store_true",
                     help="print the session's header, end record, events and problems "
                          "as JSON")
    out.add_argument("--history", type=Path, metavar="OUT",
                     help="write the history of analysed sets as CSV, one row per set "
                          "(no PATH)")
    p.add_argument("--events", type=Path, metavar="OUT",
                   help="with --csv: also write the events (t_s,name,value)")
    p.add_argument("--accel-fs", type=int, default=4, choices=(2, 4, 8, 16),
                   help="with --session: accelerometer range, g (default 4)")
    p.add_argument("--gyro-fs", type=int, default=500, choices=(125, 250, 500, 1000, 2000),
                   help="with --session: gyroscope range, deg/s (default 500)")
    _history.add_db_argument(p, "with --history: ")
    _outputs.add_force_argument(p)
    _csvunits.add_arguments(p)


def run(args: argparse.Namespace) -> int:
    from korset import KorsetError
    from korset import session as sess
    from korset.recording import write_csv

    units = _csvunits.options(args)
    if args.events and not args.csv:
        raise KorsetError("--events is written with --csv OUT")
    if args.history:
        from korset.history import History, export_csv

        if args.path is not None:
            raise KorsetError(f"--history exports the whole history; drop {args.path}")
        n = export_csv(History(args.db), args.history, force=args.force)
        print(f"{args.history}: {n} set(s)")
        return 0
    if args.path is None:
        raise KorsetError("give a session file or CSV recording to convert "
                          "(or --history OUT)")
    if not args.path.exists():
        raise KorsetError(f"{args.path}: no such file")
    outputs = [args.csv, args.events] if args.csv else [args.session]
    if sess.is_session(args.path):
        given = ["--" + k.replace("_", "-") for k, v in units.items() if v is not None]
        if given:
            raise KorsetError(f"{args.path} is a session file, which states its own units "
                              f"and mounting: {', '.join(given)} apply to CSV recordings only")
        s = sess.read(args.path)
        for problem in s.problems:
            print(f"warning: {args.path}: {problem}", file=sys.stderr)
        if args.info:
            print(sess.dumps_summary(s))
            return 0
        if args.session:
            raise sess.SessionError(f"{args.path} is a session already")
        _outputs.check(outputs, inputs=[args.path], force=args.force)
        _outputs.write(args.csv, lambda tmp: write_csv(s.to_recording(), tmp))
        if args.events:
            def events(tmp: Path) -> None:
                with open(tmp, "w") as f:
                    f.write("t_s,name,value\n")
                    for e in s.events:
                        f.write(f"{e.t_s:.4f},{e.name},{e.value}\n")
            _outputs.write(args.events, events)
        print(f"{args.csv}: {len(s.raw)} samples, {len(s.raw) / s.rate_hz:.1f} s"
              + (f", {len(s.problems)} problem(s)" if s.problems else ""))
        return 0
    if not args.session:
        raise sess.SessionError(f"{args.path} is not a session file; give --session OUT to "
                                "turn a CSV recording into one")
    from korset import inputs

    _outputs.check(outputs, inputs=[args.path], force=args.force)
    loaded = inputs.load(args.path, **units)
    for warning in loaded.warnings:
        print(f"warning: {args.path}: {warning}", file=sys.stderr)
    rec = loaded.recording
    data = sess.from_recording(rec, accel_fs_g=args.accel_fs, gyro_fs_dps=args.gyro_fs,
                               source=args.path.name)
    _outputs.write(args.session, lambda tmp: tmp.write_bytes(data))
    print(f"{args.session}: {len(rec)} samples at {rec.rate_hz:.6g} Hz, {len(data)} bytes "
          f"({len(data) / len(rec):.2f} bytes/sample)")
    return 0
