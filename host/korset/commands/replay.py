"""Run a recording through the firmware on the virtual board: when does it buzz, what does it count.

RECORDING is a CSV in the recording contract (t, ax, ay, az in m/s^2 with
gravity, gx, gy, gz in rad/s; body frame x anterior, y left, z up), or one
from another device with its units and mounting given as for korset analyze
(--accel-unit, --gyro-unit, --time-unit, --alignment), or a session file. It
is read and checked as analyze reads it: a wrong unit or a gap is refused.
The firmware starts a set of --exercise at boot and runs as fast as it can on
the simulated clock; times in the output are seconds from the recording's
first sample.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from korset.commands import _csvunits, _outputs, _types


def rates_hz() -> tuple[int, ...]:
    """The rates the firmware's settings take (it asks the IMU for the nearest it makes)."""
    from korsetfw.settings import FIELDS

    return tuple(FIELDS["rate_hz"][1])


def add_arguments(p: argparse.ArgumentParser) -> None:
    rates = rates_hz()
    p.add_argument("recording", type=Path,
                   help="CSV recording (the recording contract) or session file")
    p.add_argument("--exercise", "-e", required=True,
                   help="catalogue number 1-9, reps or hold")
    p.add_argument("--tolerance", type=_types.tolerance_deg, metavar="DEG",
                   help="tolerance in degrees for every axis (default: the exercise's)")
    p.add_argument("--rate", type=_types.int_range(
        min(rates), max(rates), "Hz", "the rates the firmware's settings take"),
                   help="IMU rate the firmware asks for, Hz (default: the recording's; the "
                        "nearest of " + ", ".join(map(str, rates)) + ")")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--board", default="virtual", help="board definition (default virtual)")
    p.add_argument("--session-out", type=Path, metavar="PATH",
                   help="write the session the firmware recorded on the board's flash "
                        "(byte for byte; read it with korset export)")
    _outputs.add_force_argument(p)
    _csvunits.add_arguments(p)


def nearest_rate(rate_hz: float) -> int:
    """The rate the firmware's settings take nearest ``rate_hz``."""
    return min(rates_hz(), key=lambda r: (abs(r - rate_hz), r))


def run(args: argparse.Namespace) -> int:
    from korset import KorsetError, inputs
    from korset.replay import replay
    from korsetfw import catalogue

    try:
        exercise = catalogue.get(args.exercise)
    except KeyError as e:
        raise KorsetError(str(e).strip("'\"")) from None
    _outputs.check([args.session_out], inputs=[args.recording], force=args.force)
    loaded = inputs.load(args.recording, **_csvunits.options(args))
    for warning in loaded.warnings:
        print(f"warning: {args.recording}: {warning.text}", file=sys.stderr)
    rec = loaded.recording
    rate = nearest_rate(args.rate or rec.rate_hz)
    with tempfile.TemporaryDirectory(prefix="korset-replay-") as tmp:
        r = replay(rec, exercise, args.tolerance, Path(tmp), args.board, rate,
                   session_out=args.session_out)
    if args.json:
        print(r.to_json())
        return 0
    print(f"{args.recording}: {rec.duration_s:.1f} s, exercise {r.exercise} "
          f"({exercise.name_en}), tolerance "
          + ", ".join(f"{a} {t:g} deg" for a, t in r.tolerance_deg.items()))
    print(f"reference taken at {r.reference_s} s" if r.reference_s is not None
          else "no reference taken (never still in the starting posture)")
    print(f"buzzes: {len(r.buzzes)}" + "".join(
        f"\n  {b['start_s']:8.3f} - {b['end_s']:8.3f} s" for b in r.buzzes))
    if exercise.kind == catalogue.REPS:
        print(f"repetitions counted live: {r.reps}")
    else:
        print(f"holds counted live: {len(r.holds)}" + "".join(
            f"\n  {h['start_s']:8.3f} - {h['end_s']:8.3f} s" for h in r.holds))
    print(f"cues: {len(r.cues)}")
    if args.session_out:
        print(f"session recorded on the board: {args.session_out}")
    return 0
