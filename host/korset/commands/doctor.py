"""Check a board connected by USB and say what to fix.

MicroPython version, the Korset firmware, the board definition, the IMU
(identity and a moment of samples: keep the board still), a short motor buzz
(feel for it), BLE and storage. The board is reset afterwards.
"""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", help="serial port (default: the one board found on USB)")


def run(args: argparse.Namespace) -> int:
    from korset.doctor import examine, findings
    from korset.flashing import find_port

    port = args.port or find_port()
    results = findings(examine(port))
    for f in results:
        print(f"{'ok ' if f.ok else 'FIX'}  {f.what:<17} {f.detail}")
        if not f.ok and f.fix:
            print(f"     {'':<17} -> {f.fix}")
    bad = sum(not f.ok for f in results)
    print("all good" if not bad else f"{bad} thing(s) to fix")
    return 0 if not bad else 1
