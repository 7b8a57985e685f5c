"""The ``korset`` command: parses options and hands over to one command module.

Each command lives in ``korset.commands.<name>`` with ``add_arguments(parser)``
and ``run(args) -> int``; heavy imports happen inside ``run``. A command is
listed here only once it works.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from korset import KorsetError, __version__

# name -> one-line help
COMMANDS = {
    "demo": "run the whole system on the virtual board (no hardware needed)",
    "sim": "simulate a patient doing an exercise: a recording and its ground truth",
    "replay": "run a recording through the firmware on the virtual board",
    "scan": "list the Korset boards in range",
    "pair": "pair this computer with a board",
    "info": "show a board's state: firmware, storage, battery, clock",
    "sync": "take the recorded sessions off a board into this computer's store",
    "analyze": "analyse one set (a session file or CSV): reps, holds, faults, quality",
    "history": "list the analysed sets day by day, or write them as CSV",
    "report": "summarise the sets for a patient: in the terminal, and as an HTML page",
    "live": "watch the lower back's deviation live",
    "start": "start a set on a board",
    "stop": "end the set running on a board",
    "forget": "make a board forget its paired computers (and this one forget it)",
    "flash": "put the firmware on a board over USB (mpremote) and check it boots",
    "doctor": "check a board connected by USB and say what to fix",
    "vboard": "run a virtual board on a serial port that mpremote can use",
    "export": "convert session files to CSV and back, or the history to CSV",
    "bench": "measure the firmware: per-sample cost, and buzzing against simulated truth",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="korset", description="Korset: lower-back stabilisation training wearable.")
    parser.add_argument("--version", action="version", version=f"korset {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debugging detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        module = importlib.import_module(f"korset.commands.{name}")
        p = sub.add_parser(name, help=help_text, description=module.__doc__)
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not args.command:
        parser.print_help()
        return 2
    try:
        return args._module.run(args)
    except KorsetError as e:
        print(f"korset {args.command}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`korset history | head`): nothing left to say to it.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
