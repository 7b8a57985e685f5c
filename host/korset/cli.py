"""The ``korset`` command: parses options and hands over to one command module.

Each command lives in ``korset.commands.<name>`` with ``add_arguments(parser)``
and ``run(args) -> int``; heavy imports happen inside ``run``. A command is
listed here only once it works.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import signal
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


# Signals that end a command as an exception: the default action of each ends the
# process at once, skipping ``finally`` and ``with tempfile.TemporaryDirectory()``.
# SIGINT is Python's KeyboardInterrupt already.
END_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                    if hasattr(signal, name))


class Terminated(BaseException):
    """A signal asked the command to end: raised wherever it is, so that everything it
    opened is closed and its temporary files removed on the way out. A BaseException, as
    KeyboardInterrupt is, so that no ``except Exception`` holds it up."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _terminate(signum: int, _frame) -> None:
    for s in END_SIGNALS:  # one is enough: let the unwinding finish its cleanup
        signal.signal(s, signal.SIG_IGN)
    raise Terminated(signum)


@contextlib.contextmanager
def _signals_unwind():
    """While inside, SIGTERM and SIGHUP raise Terminated; the old handlers come back
    after. Outside the main thread (Python sets handlers only there) nothing changes."""
    try:
        before = {s: signal.signal(s, _terminate) for s in END_SIGNALS}
    except ValueError:
        yield
        return
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, the command and what is wrong (an impossible number
    names its bounds): the usage itself is a --help away."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
        with _signals_unwind():
            return args._module.run(args)
    except Terminated as e:
        return 128 + e.signum
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
