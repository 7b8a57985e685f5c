"""End the set running on the board (its session is then ready to sync)."""

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
            async with connected(r, device) as kc:
                await kc.stop()
        print(f"set stopped on {device.name}")
        return 0

    return _ble.run(go())
