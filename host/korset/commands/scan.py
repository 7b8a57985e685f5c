"""List the Korset boards advertising nearby: name, address."""

from __future__ import annotations

import argparse

from korset.commands import _ble


def add_arguments(p: argparse.ArgumentParser) -> None:
    _ble.add_arguments(p)
    p.add_argument("--seconds", type=float, help="how long to listen (default 8; 1 for the "
                   "virtual board)")


def run(args: argparse.Namespace) -> int:
    from korset.ble.radio import scan

    async def go() -> int:
        async with _ble.radio(args) as r:
            boards = await scan(r, args.seconds)
        if not boards:
            print("no Korset board in range")
            return 1
        for d in boards:
            print(f"{d.name or '?':<16} {d.address}")
        return 0

    return _ble.run(go())
