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
    async def pair(kc):
        await kc.set_time()
        return kc.board_info

    device, info = _ble.on_board(args, pair, pair=True)
    print(f"paired with {device.name} ({device.address}): board {info.board}, firmware "
          f"{info.firmware}, {info.sessions} session(s) to sync")
    return 0
