"""Pair this computer with a board (bonding, LE Secure Connections).

A new board accepts the first computer that pairs; after that, press the
board's button while no set is running to open its pairing window (2 min).
"""

from __future__ import annotations

import argparse

from korset.commands import _ble


def add_arguments(p: argparse.ArgumentParser) -> None:
    _ble.add_arguments(p)


def run(args: argparse.Namespace) -> int:
    from korset.ble.radio import connected, find_board

    async def go() -> int:
        async with _ble.radio(args) as r:
            device = await find_board(r, args.device)
            async with connected(r, device, pair=True) as kc:
                info = await kc.info()
                await kc.set_time()
        print(f"paired with {device.name} ({device.address}): board {info.board}, firmware "
              f"{info.firmware}, {info.sessions} session(s) to sync")
        return 0

    return _ble.run(go())
