"""End the set running on the board (its session is then ready to sync)."""

from __future__ import annotations

import argparse

from korset.commands import _ble


def add_arguments(p: argparse.ArgumentParser) -> None:
    _ble.add_arguments(p)


def run(args: argparse.Namespace) -> int:
    device, _ = _ble.on_board(args, lambda kc: kc.stop())
    print(f"set stopped on {device.name}")
    return 0
