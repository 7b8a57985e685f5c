"""Make the board forget every computer paired with it, and this computer forget the board.

Afterwards the board accepts a new pairing until one is made (as when new).
"""

from __future__ import annotations

import argparse

from korset.commands import _ble


def add_arguments(p: argparse.ArgumentParser) -> None:
    _ble.add_arguments(p)


def run(args: argparse.Namespace) -> int:
    async def forget(kc) -> None:
        await kc.forget()
        await kc.client.unpair()

    device, _ = _ble.on_board(args, forget)
    print(f"{device.name} forgot its bonds, and this computer forgot {device.name}")
    return 0
