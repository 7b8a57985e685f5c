"""Pair this computer with a board: prove the board key, bond where the stack can.

Every board serves only a computer that holds its key, which 'korset flash'
writes to the board over USB and keeps on this computer. Where the board's
BLE stack bonds (NimBLE: the ESP32 boards, the Nano RP2040 Connect) the link
is also paired (LE Secure Connections) and bonded: a new board accepts the
first computer that pairs; after that, press the board's button while no set
is running to open its pairing window (2 min). On BTstack (the Pico W family)
there is no bond; the key alone does it.
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
