"""The report as one self-contained HTML file a physiotherapist can hand to a patient.

Nothing is loaded from anywhere: the styles are inline, the charts are
inline SVG, there is no script, and a Content-Security-Policy forbids the
browser to fetch anything even if the file were edited. It prints one day
per page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from html import escape
from typing import TYPE_CHECKING

from korset import __version__
from korset.report import charts, describe
from korset.report import figures as fig
from korset.report.language import Language, capitalised
from korsetfw import catalogue as cat

if TYPE_CHECKING:
    from korset.history import SetRecord

# No network, no scripts, no plugins, no forms; only the inline <style>.
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; font-src 'none'; "
       "script-src 'none'; connect-src 'none'; object-src 'none'; base-uri 'none'; "
       "form-action 'none'")

CSS = """
:root { color-scheme: light; --ink: #1f2933; --muted: #5f6b7a; --line: #dde2e8;
  --soft: #f4f6f8; --accent: #2b5f9e; --fault: #9b1c1c; }
* { box-sizing: border-box; }
html { font-size: 112.5%; -webkit-text-size-adjust: 100%; }
body { margin: 0; background: #fff; color: var(--ink); line-height: 1.55;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
main { max-width: 58rem; margin: 0 auto; padding: 2.5rem 1.5rem 4rem; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 0 0 .4rem; font-weight: 650; }
h2 { font-size: 1.4rem; margin: 2.8rem 0 1rem; padding-bottom: .3rem;
  border-bottom: 2px solid var(--line); font-weight: 650; }
h3 { font-size: 1.12rem; margin: 2.2rem 0 .4rem; font-weight: 650; }
h3 .time { color: var(--muted); font-weight: 500; margin-right: .6rem;
  font-variant-numeric: tabular-nums; }
.meta { color: var(--muted); margin: 0; }
.meta span + span::before { content: "·"; margin: 0 .6rem; }
.explain { background: var(--soft); border-radius: .6rem; padding: .2rem 1.4rem 1rem;
  margin-top: 2rem; }
.explain h2 { border: 0; margin: 1rem 0 .4rem; font-size: 1.2rem; }
.explain ul { margin: 0; padding-left: 1.2rem; }
.explain li { margin: .35rem 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr));
  gap: 1rem 1.8rem; margin: 1rem 0 1.5rem; }
.charts figure { margin: 0; }
figcaption { font-weight: 600; font-size: .95rem; margin-bottom: .2rem; }
figure { margin: .6rem 0 .8rem; }
svg { display: block; width: 100%; height: auto; font-family: inherit; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: .4rem 0 1rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem 1.2rem .35rem 0;
  border-bottom: 1px solid var(--line); }
thead th { color: var(--muted); font-weight: 600; font-size: .9rem; }
tbody th { font-weight: 500; color: var(--muted); white-space: nowrap; }
td.num, th.num { text-align: right; }
.set-figures { display: flex; flex-wrap: wrap; gap: 0 2.5rem; align-items: flex-start; }
.fault-table caption { text-align: left; font-weight: 600; color: var(--fault);
  padding: .35rem 0; }
.observations { padding-left: 1.2rem; }
.observations li { margin: .3rem 0; }
.note { color: var(--muted); font-size: .92rem; }
.warning { border-left: 4px solid #d9a520; padding: .2rem .8rem; background: #fdf8ea; }
footer { margin-top: 3rem; color: var(--muted); font-size: .85rem;
  border-top: 1px solid var(--line); padding-top: .8rem; }
@page { margin: 14mm 12mm; }
@media print {
  html { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .explain { background: none; border: 1px solid var(--line); }
  section.day { break-before: page; }
  article.set { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  .charts { grid-template-columns: repeat(2, 1fr); }
}
"""


def html_report(records: Sequence[SetRecord], lang: str = "en", title: str | None = None,
                patient: str | None = None, tz: tzinfo | None = None,
                generated: datetime | None = None) -> str:
    """One self-contained HTML page of ``records``: how to read it, progress by day, then
    each set with its chart and figures. ``title`` defaults to the language's; days and
    times are in ``tz`` (None: local); ``generated`` (default now) is shown in the
    header."""
    L = Language(lang)
    title = title or L("title")
    generated = generated or datetime.now(tz)
    days = fig.by_day(records, tz)  # each recording once
    records = [r for _, rs in days for r in rs]
    meta = [f"<span>{L('patient')}: <strong>{escape(patient)}</strong></span>"] \
        if patient else []
    if days:
        meta.append(f"<span>{L('period_label')}: {escape(describe.period(days, L))}</span>")
    meta.append(f"<span>{L('generated')}: {escape(L.date_plain(generated.date()))}</span>")
    unsure = any(not (fig.reps_count(r.analysis).exact and fig.holds_exact(r.analysis))
                 for r in records)
    body = [f"<header><h1>{escape(title)}</h1><p class=\"meta\">{''.join(meta)}</p></header>",
            _explanation(L, unsure)]
    if not days:
        body.append(f"<p>{escape(L('no_sets_html'))}</p>")
    else:
        body.append(_progress(days, L))
        body += [_day(day, day_records, L, tz) for day, day_records in days]
    footer = [escape(L("time_unknown_note"))] if any(not r.time_known for r in records) else []
    footer.append(f"Korset {escape(__version__)}")
    body.append(f"<footer>{'<br>'.join(footer)}</footer>")
    return (f"<!DOCTYPE html>\n<html lang=\"{L.code}\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
            "<meta name=\"referrer\" content=\"no-referrer\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(body) + "\n</main>\n</body>\n</html>\n")


def _explanation(L: Language, unsure: bool = False) -> str:
    """How to read the report; with what "about" and "~" mean when a count is unsure."""
    paragraphs = list(L.paragraphs("explain")) + ([L("explain_unsure")] if unsure else [])
    items = "".join(f"<li>{escape(p)}</li>" for p in paragraphs)
    return (f"<section class=\"explain\"><h2>{escape(L('explain_title'))}</h2>"
            f"<ul>{items}</ul></section>")


def _progress(days, L: Language) -> str:
    per_day = fig.progress(days)
    out = [f"<section class=\"progress\"><h2>{escape(L('progress'))}</h2>"]
    if len(per_day) > 1:
        kinds = {r.analysis.kind for _, rs in days for r in rs}
        what = (["reps"] if cat.REPS in kinds else []) + \
            (["holds"] if cat.HOLD in kinds else []) + ["faults", "largest"]
        out.append("<div class=\"charts\">")
        for w in what:
            chart = charts.day_chart(per_day, w, L, f"progress-{w}")
            caption = L(charts.CHART_TITLES[w])
            out.append(f"<figure><figcaption aria-hidden=\"true\">{escape(caption)}"
                       f"</figcaption>{chart}</figure>")
        out.append("</div>")
    else:
        out.append(f"<p class=\"note\">{escape(L('one_day_only'))}</p>")
    out.append(_progress_table(per_day, L))
    approx = describe.progress_approx(per_day, L)
    if approx:
        out.append(f"<p class=\"note\">{escape(approx)}</p>")
    said = describe.observations(days, L)
    if said:
        out.append(f"<h3>{escape(L('observations'))}</h3><ul class=\"observations\">"
                   + "".join(f"<li>{escape(s)}</li>" for s in said) + "</ul>")
    out.append("</section>")
    return "".join(out)


def _progress_table(per_day: Sequence[fig.DayFigures], L: Language) -> str:
    head = describe.progress_columns(per_day)
    unjudged = "progress_col_not_judged" in head
    cells = "".join(_th(L(k), numeric=i > 0) for i, k in enumerate(head))
    rows = []
    for d in per_day:
        values = describe.progress_cells(d, L, unjudged, "–")
        rows.append(f"<tr><th scope=\"row\">{escape(L.date_short(d.day))}</th>"
                    + "".join(f"<td class=\"num\">{escape(v)}</td>" for v in values) + "</tr>")
    return (f"<table class=\"progress-table\"><thead><tr>{cells}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _day(day, records: Sequence[SetRecord], L: Language, tz: tzinfo | None) -> str:
    sets = "\n".join(_set(r, L, tz) for r in records)
    return (f"<section class=\"day\" id=\"day-{day.isoformat()}\">"
            f"<h2>{escape(capitalised(L.date_long(day)))}</h2>\n{sets}</section>")


def _set(r: SetRecord, L: Language, tz: tzinfo | None) -> str:
    a = r.analysis
    mark = "" if r.time_known else L("time_unknown_mark")
    heading = (f"<span class=\"time\">{escape(L.time_of_day(fig.when(r, tz)) + mark)}</span>"
               f"{escape(L.exercise(a))}")
    chart = charts.set_chart(a, L, f"set-{r.id}-chart") if a.judged else None
    picture = f"<figure>{chart}</figure>" if chart else \
        f"<p class=\"note\">{escape(L('no_trace' if a.judged else 'not_judged_no_chart'))}</p>"
    figures = "".join(f"<tr><th scope=\"row\">{escape(label)}</th><td>{escape(value)}</td></tr>"
                      for label, value in describe.set_rows(a, L))
    tables = [f"<table class=\"figures\"><tbody>{figures}</tbody></table>"]
    if a.faults and a.judged:
        tables.append(_fault_table(a, L))
    warnings = "".join(f"<p class=\"warning\">{escape(L('warnings'))}: {escape(w)}</p>"
                       for w in describe.notes(a, L))
    return (f"<article class=\"set\" id=\"set-{r.id}\"><h3>{heading}</h3>{picture}"
            f"<div class=\"set-figures\">{''.join(tables)}</div>{warnings}</article>")


def _fault_table(a, L: Language) -> str:
    numeric = ("fault_col_time", "fault_col_peak", "fault_col_length")
    head = "".join(_th(L(k), numeric=k in numeric) for k in (
        "fault_col_n", "fault_col_time", "fault_col_where", "fault_col_axis",
        "fault_col_direction", "fault_col_peak", "fault_col_length"))
    rows = "".join(
        f"<tr><td>{row.n}</td><td class=\"num\">{escape(row.time)}</td>"
        f"<td>{escape(row.where)}</td><td>{escape(row.axis)}</td>"
        f"<td>{escape(row.direction)}</td>"
        f"<td class=\"num\">{escape(row.peak)}</td><td class=\"num\">{escape(row.length)}</td>"
        "</tr>" for row in describe.fault_rows(a, L))
    return (f"<table class=\"fault-table\"><caption>{escape(L('faults'))}: {len(a.faults)}"
            f"</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")


def _th(text: str, numeric: bool) -> str:
    """A column heading; numeric columns are right-aligned like their figures."""
    align = ' class="num"' if numeric else ""
    return f'<th scope="col"{align}>{escape(text)}</th>'
