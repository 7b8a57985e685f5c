"""The report's sentences and table rows, in one language: shared by the text and the HTML.

Everything here is derived from the figures (``figures``) and worded with
``language.Language``; nothing is said that the data does not show, and no count
is given as exact that the analysis is not sure of (``figures.reps_count``,
``figures.holds_exact``): "about 15 (14–16)", "could not be counted reliably".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import TYPE_CHECKING

from korset.report import figures as fig
from korset.report.language import Language
from korsetfw import catalogue as cat

if TYPE_CHECKING:
    from korset.analysis.result import Analysis
    from korset.history import SetRecord


def set_heading(record: SetRecord, L: Language, tz: tzinfo | None = None) -> str:
    """``09:12 Rock back on all fours (exercise 3)``; a time the board did not know is
    marked (see ``time_unknown_note``)."""
    mark = "" if record.time_known else L("time_unknown_mark")
    return f"{L.time_of_day(fig.when(record, tz))}{mark}  {L.exercise(record.analysis)}"


def set_rows(a: Analysis, L: Language) -> list[tuple[str, str]]:
    """(label, value) rows of one set's figures, in reading order. A set the analysis
    could not judge has one row, saying so and why: its counts would read as a perfect
    set."""
    if not a.judged:
        return [(L("result"), L("not_judged_value", reason=L.not_judged(a)))]
    rows = []
    if a.kind == cat.HOLD:
        rows.append((L("holds"), _holds(a, L)))
    else:
        rows.append((L("reps"), reps_value(a, L)))
    rows.append((L("faults"), str(len(a.faults)) if a.faults else L("faults_none")))
    q = a.quality
    if a.tolerance_deg:
        rows.append((L("time_outside"), L("time_outside_value", seconds=L.seconds(
            q.time_outside_s), pct=L.pct(q.time_outside_pct))))
    largest = fig.largest_movement(a)
    if largest is not None:
        axis, deg = largest
        tol = a.tolerance_deg.get(axis)
        rows.append((L("largest"), L("largest_value", deg=L.deg(deg), axis=L.axis(axis),
                                     tol=L.deg(tol)) if tol is not None else
                     L("largest_value_free", deg=L.deg(deg), axis=L.axis(axis))))
    if a.kind == cat.REPS and q.tempo_s is not None:
        rows.append((L("tempo"), L("tempo_value", seconds=L.seconds(q.tempo_s))))
    rows.append((L("posture"), L("posture_ok", posture=L.posture(a.posture)) if a.posture_ok
                 else L("posture_wrong", posture=L.posture(a.posture),
                        expected=L.posture(a.posture_expected))))
    return rows


def reps_value(a: Analysis, L: Language) -> str:
    """The set's repetitions: ``14 (target 15–20)``; ``about 14 (13–15; target 15–20)``
    when the analysis is not sure of the count; ``could not be counted reliably (between
    3 and 12; target 15–20)`` when the counts it allows are too far apart."""
    count = fig.reps_count(a)
    target = L.span(*a.target_reps) if a.target_reps else None
    if count.exact:
        return L("reps_target", n=a.reps, target=target) if target \
            else L("reps_value", n=a.reps)
    parts = []
    if count.how == fig.ABOUT:
        head = L("reps_about", n=a.reps)
        if count.ranged:
            parts.append(L.span(count.low, count.high))
    else:
        head = L("reps_uncounted")
        if count.ranged:
            parts.append(L("reps_between", low=count.low, high=count.high))
    if target:
        parts.append(L("reps_target_part", target=target))
    return f"{head} ({'; '.join(parts)})" if parts else head


def notes(a: Analysis, L: Language) -> list[str]:
    """The analysis's notes in L, each once; the posture's is left out (the figures show
    the starting position), and so is the one that says why the set was not judged (its
    result row says it). Holds the analysis is not sure of are said first."""
    said = []
    if a.judged and not fig.holds_exact(a):
        said.append(L("holds_uncertain"))
    for n in a.warnings:
        if n.code != "posture" and n.code != a.not_judged and L.note(n) not in said:
            said.append(L.note(n))
    return said


def _holds(a: Analysis, L: Language) -> str:
    """``3: 14.0 s, 13.0 s, 9.0 s (target 12–16 s each)``, ``about 3: ...`` when the
    analysis is not sure they are the holds (a note says why: ``notes``)."""
    exact = fig.holds_exact(a)
    if not a.holds:
        return L("holds_none" if exact else "holds_none_uncertain")
    durations = ", ".join(L.seconds(h.duration_s) for h in a.holds)
    if a.target_hold_s:
        return L("holds_target" if exact else "holds_about_target", n=len(a.holds),
                 durations=durations, target=L.span(*a.target_hold_s, " s"))
    return L("holds_value" if exact else "holds_about_value", n=len(a.holds),
             durations=durations)


@dataclass
class FaultRow:
    n: int
    time: str  # when it began, s from the recording's start (the plot's time axis)
    where: str  # "rep 5", "hold 2" or ""
    axis: str
    peak: str  # signed degrees
    length: str  # seconds beyond the tolerance
    direction: str = ""  # which way: "rounding (bending forward)", ...


def fault_rows(a: Analysis, L: Language) -> list[FaultRow]:
    rows = []
    for n, f in enumerate(a.faults, 1):
        place = fig.fault_place(a, f)
        where = L(f"where_{place[0]}", n=place[1]) if place else ""
        rows.append(FaultRow(n, L.seconds(f.start_s), where, L.axis(f.axis),
                             L.signed_deg(f.peak_deg), L.seconds(f.end_s - f.start_s),
                             L.direction(f.axis, f.peak_deg)))
    return rows


def fault_line(row: FaultRow, L: Language) -> str:
    """``12.3 s (rep 5) forward/back bend +6.1°: rounding (bending forward)``."""
    if row.where:
        return L("fault_at", time=row.time, where=row.where, axis=row.axis, peak=row.peak,
                 direction=row.direction)
    return L("fault_at_nowhere", time=row.time, axis=row.axis, peak=row.peak,
             direction=row.direction)


def period(days: Sequence[tuple[date, list]], L: Language) -> str:
    first, last = days[0][0], days[-1][0]
    if first == last:
        return L.date_plain(first)
    return L("period", first=L.date_plain(first), last=L.date_plain(last))


def observations(days: Sequence[tuple[date, list[SetRecord]]], L: Language) -> list[str]:
    """Plain-language observations: the trend of faults and of movement, and targets met."""
    said = []
    records = [r for _, rs in days for r in rs]
    unjudged = sum(not r.analysis.judged for r in records)
    if unjudged:
        said.append(L("obs_not_judged", n=unjudged, m=len(records)) if unjudged < len(records)
                    else L("obs_none_judged"))
    trend = fig.trend(days)
    if trend is not None:
        if trend.period == "week":
            recent, earlier = L("recent_week"), L("earlier_week")
        else:
            recent = L("recent_day", day=L.day_month(trend.recent_day))
            earlier = L("earlier_day", day=L.day_month(trend.earlier_day))
        if trend.faults_change == "none":
            said.append(L("obs_faults_none", recent=recent))
        else:
            a, b = trend.faults_per_set
            said.append(L(f"obs_faults_{trend.faults_change}", a=L.num(a), b=L.num(b),
                          recent=recent, earlier=earlier))
        change = trend.movement_change
        if change is not None:
            a, b = trend.largest_deg
            said.append(L(f"obs_move_{change}", a=L.deg(a), b=L.deg(b), recent=recent,
                          earlier=earlier))
        if trend.only_common_exercises:
            names = {r.analysis.exercise_key: L.exercise(r.analysis)
                     for _, rs in days for r in rs}
            said.append(L("obs_common", names=", ".join(names[k] for k in trend.exercises)))
    t = fig.targets(records)
    if t.rep_sets:
        said.append(L("obs_reps_target", n=t.rep_sets_reached, m=t.rep_sets)
                    + (" " + L("obs_reps_uncertain", n=t.rep_sets_uncertain)
                       if t.rep_sets_uncertain else ""))
    if t.holds:
        if t.hold_min_s is not None:
            held = L("obs_holds_target", n=t.holds_reached, m=t.holds,
                     seconds=L.seconds(t.hold_min_s, 0))
        else:
            held = L("obs_holds_target_mixed", n=t.holds_reached, m=t.holds)
        said.append(held + (" " + L("obs_holds_uncertain", n=t.holds_uncertain)
                            if t.holds_uncertain else ""))
    return said


def progress_columns(per_day) -> list[str]:
    """The progress table's column headings (keys): a column of sets not judged only when
    there are some."""
    unjudged = ["progress_col_not_judged"] if any(d.not_judged for d in per_day) else []
    return ["progress_col_day", "progress_col_sets", *unjudged, "progress_col_reps",
            "progress_col_holds", "progress_col_faults", "progress_col_faults_per_set",
            "progress_col_largest"]


def progress_approx(per_day: Sequence[fig.DayFigures], L: Language) -> str | None:
    """The line under the progress table that says what its ``~`` means, when it has one."""
    if any(d.sets and (d.reps_approx or d.holds_approx) for d in per_day):
        return L("progress_approx_note")
    return None


def progress_cells(d: fig.DayFigures, L: Language, unjudged_column: bool,
                   none: str) -> list[str]:
    """A day's cells after its date (``none`` where a day has no judged set to say it); a
    sum holding a count the analysis is not sure of is marked ``~`` (``progress_approx``)."""
    judged = d.sets > 0
    mark = L("approx_mark")
    reps = (mark if d.reps_approx else "") + str(d.reps)
    holds = (mark if d.holds_approx else "") + str(d.holds)
    return [str(d.sets), *([str(d.not_judged)] if unjudged_column else []),
            reps if judged else none, holds if judged else none,
            str(d.faults) if judged else none,
            L.num(d.faults_per_set) if d.faults_per_set is not None else none,
            L.deg(d.largest_deg_mean) if d.largest_deg_mean is not None else none]
