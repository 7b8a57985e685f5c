"""Counting that holds on movement it was not tuned on (issue 15): properties over many
simulated patients and every perturbation family, never one patient's count.

The sets come from the benchmark corpus (``korset.sim.corpus``) at a corpus seed the
methods were not developed on (the bench's default is 1), two patients of every
exercise in every family and four in the standard and unseen variants, at 52 Hz, with
the set's end marked as a session file marks it. The figures the bench prints
(``korset bench analysis --variant all``) are the measurement; these thresholds are
the floor below which a change is a regression, a little under what the methods reach.
"""

from __future__ import annotations

from multiprocessing import get_context

import pytest

from korset.analysis import analyze
from korset.sim.corpus import FAMILY_VARIANTS, corpus_sets
from korsetfw import catalogue as cat

SEED = 11  # not the bench's default corpus seed (1), on which the methods were developed
RATE_HZ = 52.0
EXERCISES = [ex for ex in cat.EXERCISES if ex.key != cat.REPS]  # generic reps: own test


def _run(c):
    sim = c.simulate()
    r = analyze(sim.recording, c.exercise, end_s=sim.truth["set_end_s"])
    holds = [(h.start_s, h.end_s) for h in r.holds]
    # The same recording as another device's CSV gives it: no end marked, and the
    # patient's fidgets after the set in it.
    u = analyze(sim.recording, c.exercise)
    return (c.family or c.errors, c.exercise.key, c.exercise.kind, sim.truth["reps"],
            [(h["start_s"], h["end_s"]) for h in sim.truth["holds"]], r.reps, r.reps_range,
            r.reps_confident, holds, r.holds_confident, u.reps, u.reps_range,
            u.reps_confident)


@pytest.fixture(scope="module")
def sets():
    plan = []
    for variant in ("standard", "unseen"):
        plan += corpus_sets(4, (RATE_HZ,), variant, EXERCISES, SEED)
    for family in FAMILY_VARIANTS:
        plan += corpus_sets(2, (RATE_HZ,), family, EXERCISES, SEED)
    with get_context("spawn").Pool(2) as pool:
        return pool.map(_run, plan, chunksize=4)


def _share(rows, test) -> float:
    return sum(bool(test(r)) for r in rows) / len(rows) if rows else 1.0


def _iou(a, b) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def _in_place(r) -> bool:
    truth, found = r[4], r[8]
    return len(truth) == len(found) and all(
        max((_iou(h, g) for g in found), default=0.0) >= 0.6 for h in truth)


def _rep_sets(sets, variant=None):
    return [r for r in sets if r[2] == cat.REPS and (variant is None or r[0] == variant)]


def _hold_sets(sets, variant=None):
    return [r for r in sets if r[2] == cat.HOLD and (variant is None or r[0] == variant)]


def test_repetitions_are_counted_in_ordinary_sets(sets):
    for variant in ("typical", "large"):  # the standard and unseen variants' sensors
        rows = _rep_sets(sets, variant)
        assert _share(rows, lambda r: r[5] == r[3]) >= 0.85, variant
        assert _share(rows, lambda r: abs(r[5] - r[3]) <= 1) >= 0.95, variant


@pytest.mark.parametrize("family", FAMILY_VARIANTS)
def test_repetitions_under_every_departure(sets, family):
    rows = _rep_sets(sets, family)
    assert len(rows) == 14
    assert _share(rows, lambda r: abs(r[5] - r[3]) <= 2) >= 0.85, family


def test_the_range_holds_the_count_and_confident_counts_are_right(sets):
    rows = _rep_sets(sets)
    assert all(r[6][0] <= r[5] <= r[6][1] for r in rows)  # the range holds the count given
    assert _share(rows, lambda r: r[6][0] <= r[3] <= r[6][1]) >= 0.9  # ... and the truth
    confident = [r for r in rows if r[7]]
    assert len(confident) >= 0.4 * len(rows)
    assert _share(confident, lambda r: r[5] == r[3]) >= 0.95


def test_without_a_marked_end_confident_counts_are_still_right(sets):
    """A recording without its end marked (a CSV) holds the patient stopping it after the
    set: counts are less often sure, but nearly as often right, and a count said to be
    sure is right."""
    rows = _rep_sets(sets)
    assert _share(rows, lambda r: r[10] == r[3]) >= 0.85
    assert _share(rows, lambda r: r[11][0] <= r[3] <= r[11][1]) >= 0.9
    confident = [r for r in rows if r[12]]
    assert confident and _share(confident, lambda r: r[10] == r[3]) >= 0.98


def test_holds_are_found_in_place(sets):
    rows = _hold_sets(sets)
    assert _share(rows, lambda r: len(r[8]) == len(r[4])) >= 0.95
    assert _share(rows, _in_place) >= 0.93
    confident = [r for r in rows if r[9]]
    assert _share(confident, _in_place) >= 0.95


def test_a_hold_exercise_reports_no_repetition_count_and_the_reverse(sets):
    """The confidence belongs to the count the exercise has (None for the other)."""
    assert all(r[7] is None and r[6] is None for r in _hold_sets(sets))
    assert all(r[9] is None for r in _rep_sets(sets))
