"""Watch the lower back live: deviation from the reference, state, count (10-25 Hz)."""

from __future__ import annotations

import argparse
import asyncio

from korset.commands import _ble, _types

STATES = {0: "idle", 1: "waiting", 2: "active"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    _ble.add_arguments(p)
    p.add_argument("--rate", type=_types.int_range(*_types.LIVE_RATE_RANGE_HZ, "Hz",
                                                   "the rates the board sends at"),
                   default=10, help="packets per second, 10-25 (default 10)")
    # Up to a day: asyncio's timeouts take any positive number, a watch is shorter.
    p.add_argument("--seconds", type=_types.positive_float("s", 86400.0), default=30.0,
                   help="how long, up to a day, 86400 s (default 30)")


def run(args: argparse.Namespace) -> int:
    stopped = asyncio.Event()

    def show(pk) -> None:
        if stopped.is_set():
            return
        try:
            print(f"{pk.t_ms / 1000:9.2f} s  {STATES.get(pk.state, pk.state):<7} "
                  f"rot {pk.rotation_deg:+5.1f}  flex {pk.flexion_deg:+5.1f}  "
                  f"lat {pk.lateral_deg:+5.1f} deg  count {pk.count:3d}"
                  + ("  BUZZ" if pk.buzzing else ""), flush=True)
        except BrokenPipeError:  # the reader went away (| head): stop quietly
            stopped.set()

    async def watch(kc) -> None:
        await kc.live(args.rate, show)
        try:
            await asyncio.wait_for(stopped.wait(), args.seconds)
        except TimeoutError:
            pass
        await kc.live(0, None)

    _ble.on_board(args, watch)
    return 0
