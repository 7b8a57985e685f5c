"""The report as plain text for a terminal: day by day, set by set, then progress."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING

from korset.report import describe
from korset.report import figures as fig
from korset.report.language import Language, capitalised

if TYPE_CHECKING:
    from korset.history import SetRecord

_INDENT = "  "
_WIDTH = 90  # observations are wrapped to this many characters


def text_report(records: Sequence[SetRecord], lang: str = "en",
                tz: tzinfo | None = None) -> str:
    """A terminal summary of ``records``: per day and set what was done, the faults and
    the time outside tolerance; then progress per day and observations. Days and times
    are in ``tz`` (None: local)."""
    L = Language(lang)
    if not records:
        return L("no_sets") + "\n"
    days = fig.by_day(records, tz)  # each recording once
    records = [r for _, rs in days for r in rs]
    out = [L("report_header", period=describe.period(days, L)),
           L("one_set") if len(records) == 1 else
           L("sets_on_one_day" if len(days) == 1 else "sets_on_days", sets=len(records),
             days=len(days))]
    for day, day_records in days:
        out += ["", capitalised(L.date_long(day))]
        for r in day_records:
            out += _set_lines(r, L, tz)
    out += ["", L("progress")] + [_INDENT + line for line in _progress_table(days, L)]
    approx = describe.progress_approx(fig.progress(days), L)
    if approx:
        out.append(_INDENT + approx)
    said = describe.observations(days, L)
    if said:
        out += ["", L("observations")]
        out += [textwrap.fill(line, _WIDTH, initial_indent=_INDENT + "- ",
                              subsequent_indent=_INDENT + "  ") for line in said]
    if any(not r.time_known for r in records):
        out += ["", L("time_unknown_note")]
    return "\n".join(out) + "\n"


def _set_lines(r: SetRecord, L: Language, tz: tzinfo | None) -> list[str]:
    a = r.analysis
    rows = describe.set_rows(a, L)
    width = max(len(label) for label, _ in rows)
    lines = [_INDENT + describe.set_heading(r, L, tz)]
    detail = _INDENT * 3
    under = detail + " " * (width + 2)  # the value column
    for label, value in rows:
        lines.append(textwrap.fill(value, _WIDTH, initial_indent=f"{detail}{label:<{width}}  ",
                                   subsequent_indent=under))
        if label == L("faults"):
            lines += [under + describe.fault_line(row, L) for row in describe.fault_rows(a, L)]
    lines += [f"{detail}{L('warnings')}: {w}" for w in describe.notes(a, L)]
    return lines


def _progress_table(days, L: Language) -> list[str]:
    per_day = fig.progress(days)
    header = [L(k) for k in describe.progress_columns(per_day)]
    unjudged = any(d.not_judged for d in per_day)
    rows = [[L.date_short(d.day), *describe.progress_cells(d, L, unjudged, "-")]
            for d in per_day]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                      for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
            for row in [header, *rows]]

