"""Start a set on the board: it waits for the starting posture, takes the reference, records."""

from __future__ import annotations

import argparse

from korset.commands import _ble


def add_arguments(p: argparse.ArgumentParser) -> None:
    _ble.add_arguments(p)
    p.add_argument("--exercise", "-e", required=True, help="catalogue number 1-9, reps or hold")
    p.add_argument("--tolerance", type=float, help="tolerance, degrees (default: the exercise's)")


def run(args: argparse.Namespace) -> int:
    from korset import KorsetError
    from korset.ble.radio import connected, find_board
    from korsetfw import catalogue

    try:
        exercise = catalogue.get(args.exercise)
    except KeyError as e:
        raise KorsetError(str(e).strip("'\"")) from None

    async def go() -> int:
        async with _ble.radio(args) as r:
            device = await find_board(r, args.device)
            async with connected(r, device) as kc:
                await kc.set_time()
                await kc.start(exercise.number or exercise.key, args.tolerance)
        print(f"set of exercise {exercise.number or exercise.key} ({exercise.name_en}) started "
              f"on {device.name}")
        return 0

    return _ble.run(go())
