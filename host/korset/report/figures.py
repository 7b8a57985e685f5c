"""The numbers a report shows, from the history's sets: per set, per day, and trends.

Pure functions of ``SetRecord``s (``korset.history``) and their ``Analysis``;
no wording here (that is ``describe``). Days are calendar days in ``tz``
(None: this computer's local time), of each set's ``when_unix_s``: its start,
or when it was analysed if the board's clock was not set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

import numpy as np

from korsetfw import catalogue as cat

if TYPE_CHECKING:
    from korset.analysis.result import Analysis, Fault
    from korset.history import SetRecord

# A change smaller than these is reported as "about the same": a quarter of a
# fault per set is within what one extra wobble in a handful of sets makes,
# and the sensor resolves changes of about a degree.
SAME_FAULTS_PER_SET = 0.25
SAME_DEG = 1.0
WEEK_DAYS = 7


def when(record: SetRecord, tz: tzinfo | None = None) -> datetime:
    """The set's time as a date and time in ``tz`` (None: local)."""
    return datetime.fromtimestamp(record.when_unix_s, tz)


def by_day(records: Sequence[SetRecord], tz: tzinfo | None = None
           ) -> list[tuple[date, list[SetRecord]]]:
    """Sets grouped by calendar day, days and the sets within a day in time order; each
    recording once (``korset.history.distinct``: a history may hold one twice)."""
    from korset.history import distinct

    days: dict[date, list[SetRecord]] = {}
    for r in sorted(distinct(list(records)), key=lambda r: (r.when_unix_s, r.id)):
        days.setdefault(when(r, tz).date(), []).append(r)
    return list(days.items())


def monitored_axes(a: Analysis) -> list[str]:
    """The axes the exercise holds still, in catalogue order; all traced axes when none."""
    axes = [axis for axis in cat.AXES if axis in a.tolerance_deg]
    if axes:
        return axes
    traced = a.trace.columns if a.trace is not None else a.quality.max_deviation_deg
    return [axis for axis in cat.AXES if axis in traced]


def largest_movement(a: Analysis) -> tuple[str, float] | None:
    """(axis, degrees) of the largest deviation on a monitored axis, or None if unknown."""
    found = {axis: abs(deg) for axis, deg in a.quality.max_deviation_deg.items()
             if axis in monitored_axes(a)}
    if not found:
        return None
    axis = max(found, key=lambda k: found[k])
    return axis, found[axis]


def fault_place(a: Analysis, fault: Fault) -> tuple[str, int] | None:
    """Where in the set a fault happened: ("rep", n) for the repetition nearest to it,
    ("hold", n) for the hold it overlaps (numbers from 1), or None."""
    middle = (fault.start_s + fault.end_s) / 2
    if a.kind == cat.HOLD:
        for n, h in enumerate(a.holds, 1):
            if fault.start_s < h.end_s and fault.end_s > h.start_s:
                return "hold", n
        return None
    if not a.rep_times_s:
        return None
    nearest = int(np.argmin(np.abs(np.asarray(a.rep_times_s) - middle)))
    return "rep", nearest + 1


def reps_reached(a: Analysis) -> bool | None:
    """Whether a repetitions set reached its target's lower end (None: no target)."""
    if a.kind != cat.REPS or not a.target_reps:
        return None
    return a.reps >= a.target_reps[0]


def judged(records: Sequence[SetRecord]) -> list[SetRecord]:
    """The sets the analysis could judge: the only ones whose counts mean anything."""
    return [r for r in records if r.analysis.judged]


def judged_days(days: Sequence[tuple[date, list[SetRecord]]]
                ) -> list[tuple[date, list[SetRecord]]]:
    """``days`` with their judged sets only; days left without any are dropped."""
    kept = [(day, judged(records)) for day, records in days]
    return [(day, records) for day, records in kept if records]


@dataclass
class DayFigures:
    """A day's figures, over its judged sets (``not_judged`` counts the others)."""

    day: date
    sets: int  # judged sets
    rep_sets: int  # judged sets of a repetitions exercise
    hold_sets: int  # judged sets of a hold exercise
    reps: int
    holds: int
    faults: int
    faults_per_set: float | None  # None: no set was judged
    largest_deg_mean: float | None  # mean over the sets of each set's largest movement
    time_outside_s: float
    not_judged: int = 0  # sets the analysis could not judge


def day_figures(day: date, records: Sequence[SetRecord]) -> DayFigures:
    analyses = [r.analysis for r in judged(records)]
    largest = [m[1] for m in map(largest_movement, analyses) if m is not None]
    faults = sum(len(a.faults) for a in analyses)
    return DayFigures(
        day=day, sets=len(analyses), rep_sets=sum(a.kind == cat.REPS for a in analyses),
        hold_sets=sum(a.kind == cat.HOLD for a in analyses), reps=sum(a.reps for a in analyses),
        holds=sum(len(a.holds) for a in analyses), faults=faults,
        faults_per_set=faults / len(analyses) if analyses else None,
        largest_deg_mean=float(np.mean(largest)) if largest else None,
        time_outside_s=sum(a.quality.time_outside_s for a in analyses),
        not_judged=len(records) - len(analyses))


def progress(days: Sequence[tuple[date, list[SetRecord]]]) -> list[DayFigures]:
    return [day_figures(day, records) for day, records in days]


@dataclass
class Trend:
    """The latest period against an earlier one, over the exercises done in both."""

    period: str  # "week": the last 7 days against the 7 before; "day": latest against first
    recent_day: date  # the latest day with sets
    earlier_day: date  # "day": the first day with sets; "week": the first day of that week
    faults_per_set: tuple[float, float]  # recent, earlier
    largest_deg: tuple[float, float] | None  # recent, earlier: mean of the sets' largest
    exercises: list[str]  # keys of the exercises compared: those done in both periods
    only_common_exercises: bool  # some sets were left out: their exercise was not in both

    @property
    def faults_change(self) -> str:
        """"none" (no faults at all recently), "fewer", "more" or "same"."""
        recent, earlier = self.faults_per_set
        if recent == 0 and earlier == 0:
            return "none"
        return _change(recent, earlier, SAME_FAULTS_PER_SET, "fewer", "more")

    @property
    def movement_change(self) -> str | None:
        if self.largest_deg is None:
            return None
        return _change(*self.largest_deg, SAME_DEG, "less", "more")


def _change(recent: float, earlier: float, same_within: float, down: str, up: str) -> str:
    if abs(recent - earlier) < same_within:
        return "same"
    return down if recent < earlier else up


def trend(days: Sequence[tuple[date, list[SetRecord]]]) -> Trend | None:
    """The last 7 days against the 7 before when both have sets, else the latest day
    against the first; None with fewer than two days or no exercise in common. Only
    judged sets count."""
    days = judged_days(days)
    if len(days) < 2:
        return None
    latest = days[-1][0]
    week_start = latest - timedelta(days=WEEK_DAYS - 1)
    recent = [r for day, rs in days if day >= week_start for r in rs]
    earlier = [r for day, rs in days
               if week_start - timedelta(days=WEEK_DAYS) <= day < week_start for r in rs]
    period, earlier_day = "week", week_start - timedelta(days=WEEK_DAYS)
    if not earlier:
        period, earlier_day = "day", days[0][0]
        recent, earlier = days[-1][1], days[0][1]
    common = {r.analysis.exercise_key for r in recent} & \
        {r.analysis.exercise_key for r in earlier}
    if not common:
        return None
    kept_recent = [r for r in recent if r.analysis.exercise_key in common]
    kept_earlier = [r for r in earlier if r.analysis.exercise_key in common]
    a, b = day_figures(latest, kept_recent), day_figures(earlier_day, kept_earlier)
    largest = (a.largest_deg_mean, b.largest_deg_mean) \
        if a.largest_deg_mean is not None and b.largest_deg_mean is not None else None
    return Trend(period, latest, earlier_day, (a.faults_per_set or 0.0,
                                               b.faults_per_set or 0.0), largest,
                 sorted(common, key=_catalogue_order),
                 len(kept_recent) + len(kept_earlier) < len(recent) + len(earlier))


def _catalogue_order(key: str) -> tuple[int, str]:
    try:
        number = cat.get(key).number
    except KeyError:
        number = None
    return (number if number is not None else 99, key)


@dataclass
class Targets:
    """How many sets and holds reached the exercise's target."""

    rep_sets: int  # sets with a repetitions target
    rep_sets_reached: int
    holds: int  # holds in sets with a hold-time target
    holds_reached: int
    hold_min_s: float | None  # the target's lower end when it is the same for all, else None


def targets(records: Sequence[SetRecord]) -> Targets:
    """Over the judged sets of ``records``."""
    analyses = [r.analysis for r in judged(records)]
    reached = [reps_reached(a) for a in analyses]
    timed = [a for a in analyses if a.kind == cat.HOLD and a.target_hold_s]
    minima = {a.target_hold_s[0] for a in timed}
    return Targets(
        rep_sets=sum(x is not None for x in reached),
        rep_sets_reached=sum(bool(x) for x in reached),
        holds=sum(len(a.holds) for a in timed),
        holds_reached=sum(h.duration_s >= a.target_hold_s[0] for a in timed for h in a.holds),
        hold_min_s=minima.pop() if len(minima) == 1 else None)
