"""List the Korset boards advertising nearby: name, address."""

from __future__ import annotations

import argparse

from korset.commands import _ble, _types

# How long to listen, s: a board advertises several times a second, so a tenth of a
# second may hear it; ten minutes is longer than anyone waits for a scan.
SECONDS_RANGE = (0.1, 600.0)


def add_arguments(p: argparse.ArgumentParser) -> None:
    _ble.add_arguments(p)
    p.add_argument("--seconds", type=_types.float_range(*SECONDS_RANGE, "s"),
                   help="how long to listen, 0.1-600 s (default 8; 1 for the virtual board)")


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
