"""The numbers a report shows, from the history's sets: per set, per day, and trends.

Pure functions of ``SetRecord``s (``korset.history``) and their ``Analysis``;
no wording here (that is ``describe``). Days are calendar days in ``tz``
(None: this computer's local time), of each set's ``when_unix_s``: its start,
or when it was analysed if the board's clock was not set.

A count is only as good as the analysis is sure of it (``Analysis.reps_confident``,
``reps_range``, ``holds_confident``): ``reps_count`` says how a set's repetitions
may be told (exactly, about a number, or not at all), a day's figures say when
they add up counts that are not exact, and a target is never reached on a count
the analysis is not sure of. A result stored before counts carried their
confidence (None) is told as it always was.
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
# A count the analysis is not sure of is given as "about N" while the counts the
# recording allows are close: at most this many repetitions apart, or this share of
# the count (a long set may be off by a few). Wider, no number is worth giving.
CLOSE_RANGE_REPS = 2
CLOSE_RANGE_SHARE = 0.25

# How a count is told (``RepsCount.how``).
EXACT = "exact"  # confident, or a result from before counts carried a confidence
ABOUT = "about"  # not confident, the counts allowed are close: "about 15 (14-16)"
UNCOUNTED = "uncounted"  # not confident and no close range: "could not be counted"


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


@dataclass(frozen=True)
class RepsCount:
    """How a set's repetitions may be told: ``how`` is ``EXACT`` (``n``, as it is),
    ``ABOUT`` (about ``n``, the recording allowing ``low`` to ``high``) or ``UNCOUNTED``
    (the counts it allows are too far apart to name one: ``low``-``high`` when known)."""

    n: int
    how: str
    low: int | None = None
    high: int | None = None

    @property
    def exact(self) -> bool:
        return self.how == EXACT

    @property
    def ranged(self) -> bool:
        """Whether there is a range worth giving (``low`` < ``high``)."""
        return self.low is not None and self.high is not None and self.low < self.high


def reps_count(a: Analysis) -> RepsCount:
    """How ``a``'s repetitions may be told. Not confident: about the count while its
    range is close (``CLOSE_RANGE_REPS``, ``CLOSE_RANGE_SHARE``), else uncounted, and
    uncounted too with no range, or a range from none (nothing may have been done)."""
    if a.reps_confident is not False:  # confident, or not assessed (schema 1)
        return RepsCount(a.reps, EXACT)
    if a.reps_range is None:
        return RepsCount(a.reps, UNCOUNTED)
    low, high = (int(v) for v in a.reps_range)
    wide = high - low > max(CLOSE_RANGE_REPS, CLOSE_RANGE_SHARE * a.reps)
    if wide or (low == 0 and high > 0):
        return RepsCount(a.reps, UNCOUNTED, low, high)
    return RepsCount(a.reps, ABOUT, low, high)


def holds_exact(a: Analysis) -> bool:
    """Whether ``a``'s holds are the holds for sure (a result from before counts carried a
    confidence is taken as it always was)."""
    return a.holds_confident is not False


REACHED = "reached"
MISSED = "missed"
UNCERTAIN = "uncertain"


def reps_target(a: Analysis) -> str | None:
    """Whether a repetitions set reached its target's lower end: ``REACHED``, ``MISSED``,
    or ``UNCERTAIN`` when the count is not confident and the counts the recording allows
    do not all fall short (a target is never reached on an uncertain count); None: no
    target."""
    if a.kind != cat.REPS or not a.target_reps:
        return None
    least = a.target_reps[0]
    if reps_count(a).exact:
        return REACHED if a.reps >= least else MISSED
    if a.reps_range is not None and max(a.reps_range) < least:
        return MISSED
    return UNCERTAIN


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
    # The day's reps (holds) add up some count the analysis is not sure of: the sum is
    # approximate (``reps_count``, ``holds_exact``).
    reps_approx: bool = False
    holds_approx: bool = False


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
        not_judged=len(records) - len(analyses),
        reps_approx=any(a.kind == cat.REPS and not reps_count(a).exact for a in analyses),
        holds_approx=any(a.kind == cat.HOLD and not holds_exact(a) for a in analyses))


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
    """How many sets and holds reached the exercise's target. Those the analysis is not
    sure of (``*_uncertain``) are among the sets and holds, never among those reached."""

    rep_sets: int  # sets with a repetitions target
    rep_sets_reached: int
    holds: int  # holds in sets with a hold-time target
    holds_reached: int
    hold_min_s: float | None  # the target's lower end when it is the same for all, else None
    rep_sets_uncertain: int = 0  # whether they reached it is not known (``reps_target``)
    holds_uncertain: int = 0  # holds of sets whose holds are not clearly the holds


def targets(records: Sequence[SetRecord]) -> Targets:
    """Over the judged sets of ``records``."""
    analyses = [r.analysis for r in judged(records)]
    reached = [reps_target(a) for a in analyses]
    timed = [a for a in analyses if a.kind == cat.HOLD and a.target_hold_s]
    minima = {a.target_hold_s[0] for a in timed}
    return Targets(
        rep_sets=sum(x is not None for x in reached),
        rep_sets_reached=reached.count(REACHED),
        holds=sum(len(a.holds) for a in timed),
        holds_reached=sum(h.duration_s >= a.target_hold_s[0] for a in timed if holds_exact(a)
                          for h in a.holds),
        hold_min_s=minima.pop() if len(minima) == 1 else None,
        rep_sets_uncertain=reached.count(UNCERTAIN),
        holds_uncertain=sum(len(a.holds) for a in timed if not holds_exact(a)))
