"""Start a set on the board: it waits for the starting posture, takes the reference, records."""

from __future__ import annotations

import argparse
from pathlib import Path

from korset.commands import _ble, _types


def add_arguments(p: argparse.ArgumentParser) -> None:
    _ble.add_arguments(p)
    what = p.add_mutually_exclusive_group()
    what.add_argument("--exercise", "-e", help="catalogue number 1-9, reps or hold")
    what.add_argument("--programme", type=Path, metavar="FILE",
                      help="send this programme (TOML) to the board and start its first set; "
                           "later starts without --exercise run its next sets")
    p.add_argument("--tolerance", type=_types.tolerance_deg,
                   help="tolerance, degrees, 0.5-30 as the board takes (default: the "
                        "exercise's)")


def run(args: argparse.Namespace) -> int:
    from korset import KorsetError
    from korsetfw import catalogue

    exercise = None
    if args.exercise is not None:
        try:
            exercise = catalogue.get(args.exercise)
        except KeyError as e:
            raise KorsetError(str(e).strip("'\"")) from None
    sets = None
    if args.programme is not None:
        from korset.programme import load

        sets = load(args.programme).sets

    async def start(kc) -> None:
        await kc.set_time()
        if sets is not None:
            await kc.programme(sets)
        if exercise is not None:
            await kc.start(exercise.number or exercise.key, args.tolerance)
        else:
            await kc.start()

    device, _ = _ble.on_board(args, start)
    what = (f"exercise {exercise.number or exercise.key} ({exercise.name_en})"
            if exercise is not None else "the programme's next exercise")
    print(f"set of {what} started on {device.name}"
          + (f" (programme of {len(sets)} sets sent)" if sets is not None else ""))
    return 0
