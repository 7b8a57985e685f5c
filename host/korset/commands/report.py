"""Report the analysed sets: a summary in the terminal and, with --html, a page to hand out.

The summary gives, day by day, each set's repetitions (against the target)
or holds, its faults (when, during which repetition or hold, how far) and
its time outside the tolerance; then progress per day and what it shows.
The HTML page is one self-contained file (no scripts, nothing fetched from
anywhere, prints one day per page): how to read it, progress charts, and
each set's movement over time with its tolerance, faults, repetitions and
holds. --lang da writes both in Danish. A set the analysis could not judge
is shown as not judged, with the reason, and not counted in the progress; a
recording the history holds twice is counted once.

--html OUT never replaces an existing file unless --force is given, and
never the history itself.

DATE is YYYY-MM-DD, or Nd for the last N calendar days counting today
(--since 7d: today and the six days before). --until includes its day.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from korset.commands import _history, _outputs


def add_arguments(p: argparse.ArgumentParser) -> None:
    _history.add_period_arguments(p)
    p.add_argument("--lang", choices=("en", "da"), default="en",
                   help="language of the report (default en)")
    p.add_argument("--html", type=Path, metavar="OUT",
                   help="also write the report as a self-contained HTML page to OUT")
    p.add_argument("--patient", metavar="NAME", help="the patient's name, for the page's header")
    p.add_argument("--title", help="the page's title (default: Korset exercise report, or its "
                                   "Danish)")
    _outputs.add_force_argument(p)
    _history.add_db_argument(p)


def run(args: argparse.Namespace) -> int:
    from korset.history import History
    from korset.report import ReportError, html_report, text_report
    from korset.report.language import Language

    if args.force and args.html is None:
        raise ReportError("--force lets --html OUT replace a file: add --html OUT")
    history = History(args.db)
    _outputs.check([args.html], inputs=[history.path], force=args.force)
    since, until = _history.period(args)
    # Traces are what the page draws; the terminal summary does without them.
    records = history.sets(since, until, with_traces=args.html is not None)
    if not records:
        total = history.count()
        L = Language(args.lang)
        print(L("no_sets_in_period", total=total) if total else
              f"{L('no_sets')}\n({history.path})")
        return 0
    print(text_report(records, args.lang), end="")
    if args.html is not None:
        from korset.history import distinct

        page = html_report(records, args.lang, title=args.title, patient=args.patient)
        _outputs.write(args.html, lambda tmp: tmp.write_text(page, encoding="utf-8"))
        L = Language(args.lang)
        print("\n" + L("wrote_html", path=args.html, sets=len(distinct(records)),
                       kb=len(page) // 1024))
    return 0
