"""Options the history's commands share: which database, which days."""

from __future__ import annotations

import argparse
import re
from datetime import date, timedelta
from pathlib import Path

DB_HELP = ("history database (default: history.sqlite in the user's Korset data directory, "
           "or $KORSET_HOME)")


def add_db_argument(p: argparse.ArgumentParser, when: str = "") -> None:
    """``--db PATH``; ``when`` says when it applies ("with --save: ")."""
    p.add_argument("--db", type=Path, metavar="PATH", help=when + DB_HELP)


def parse_date(text: str, today: date | None = None) -> date:
    """A DATE option: YYYY-MM-DD, or Nd (today and the N-1 days before it: its first day)."""
    m = re.fullmatch(r"(\d+)d", text)
    if m:
        days = int(m.group(1))
        if days < 1:
            raise argparse.ArgumentTypeError(f"{text!r}: Nd needs N of 1 or more")
        return (today or date.today()) - timedelta(days=days - 1)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: give YYYY-MM-DD or Nd (the last N days)") from None


def add_period_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", type=parse_date, metavar="DATE",
                   help="only sets from this day on (YYYY-MM-DD, or Nd: the last N days)")
    p.add_argument("--until", type=parse_date, metavar="DATE",
                   help="only sets up to and including this day")


def period(args: argparse.Namespace) -> tuple[float | None, float | None]:
    """(since, until) in Unix seconds from --since/--until: local days, --until inclusive."""
    from korset.history import local_day_start_unix_s

    since = local_day_start_unix_s(args.since) if args.since else None
    until = local_day_start_unix_s(args.until + timedelta(days=1)) if args.until else None
    return since, until
