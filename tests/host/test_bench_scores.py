"""The analysis bench's scoring (korset.bench.analysis): what counts as exact, within one,
confident, inside the range and in place, pooling, and the worst cell, on small made-up
results and truths (no simulation)."""

from __future__ import annotations

import argparse
from types import SimpleNamespace

import pytest

from korset.bench import analysis as ba
from korset.commands import bench as bench_cmd


def rep_result(reps, reps_range=None, confident=None, faults=()):
    return SimpleNamespace(reps=reps, reps_range=reps_range, reps_confident=confident,
                           holds=[], holds_confident=None, faults=list(faults))


def hold_result(holds, confident=None, faults=()):
    return SimpleNamespace(reps=0, reps_range=(0, 0), reps_confident=True,
                           holds=[SimpleNamespace(start_s=a, end_s=b) for a, b in holds],
                           holds_confident=confident, faults=list(faults))


def rep_truth(reps, faults=()):
    return {"kind": "reps", "reps": reps, "holds": [], "faults": list(faults)}


def hold_truth(holds, faults=()):
    return {"kind": "hold", "reps": 0, "faults": list(faults),
            "holds": [{"start_s": a, "end_s": b} for a, b in holds]}


def shifted_for(iou: float, length_s: float = 10.0) -> float:
    """The shift of a hold of ``length_s`` that leaves it overlapping its place by
    ``iou`` of the union: (L - d) / (L + d) = iou."""
    return length_s * (1 - iou) / (1 + iou)


@pytest.mark.parametrize("reps, reps_range, confident, exact, within, range_holds, sure", [
    (10, (10, 10), True, 1, 1, 1, 1),
    (11, (10, 12), False, 0, 1, 1, 0),
    (11, (11, 12), True, 0, 1, 0, 1),  # confident and wrong
    (12, (12, 12), False, 0, 0, 0, 0),
    (8, (7, 11), False, 0, 0, 1, 0),  # two off, but the range holds it
    (10, None, None, 1, 1, 1, 0),  # no confidence (schema 1): not confident, range = count
    (9, None, None, 0, 1, 0, 0),
])
def test_reps_scored(reps, reps_range, confident, exact, within, range_holds, sure):
    s = ba.score(rep_truth(10), rep_result(reps, reps_range, confident))
    assert (s.rep_sets, s.hold_sets, s.sets) == (1, 0, 1)
    assert (s.reps_exact, s.reps_within_1, s.reps_range_holds) == (exact, within, range_holds)
    assert (s.reps_confident, s.reps_exact_confident) == (sure, sure * exact)
    assert bool(s.misses) == (not exact or not range_holds)


@pytest.mark.parametrize("iou, in_place", [(0.55, 0), (0.59, 0), (0.61, 1), (0.65, 1),
                                           (1.0, 1)])
def test_hold_in_place_by_overlap_over_union(iou, in_place):
    d = shifted_for(iou)
    truth = hold_truth([(10.0, 20.0), (40.0, 50.0)])
    for found in ([(10.0 + d, 20.0 + d), (40.0, 50.0)],  # later
                  [(10.0, 20.0), (40.0 - d, 50.0 - d)]):  # earlier
        s = ba.score(truth, hold_result(found, confident=True))
        moved = found[0] if found[0] != (10.0, 20.0) else found[1]
        place = (10.0, 20.0) if moved is found[0] else (40.0, 50.0)
        assert ba.overlap_over_union(moved, place) == pytest.approx(iou)
        assert s.holds_exact == 1  # the count is right either way
        assert s.holds_in_place == in_place
        assert (s.holds_confident, s.holds_exact_confident, s.holds_in_place_confident) == \
            (1, 1, in_place)


def test_hold_too_short_or_long_is_not_in_place():
    """Overlap over union, not overlap alone: a found hold inside the true one but a
    third of it, or around it and three times it, is not in place."""
    truth = hold_truth([(10.0, 19.0)])
    for found in ([(13.0, 16.0)], [(5.0, 32.0)]):
        assert ba.score(truth, hold_result(found)).holds_in_place == 0
    assert ba.score(truth, hold_result([(10.5, 18.5)])).holds_in_place == 1


def test_holds_are_rests_between_them():
    """The right count, but the holds found are the rests between the true ones."""
    truth = hold_truth([(10.0, 20.0), (25.0, 35.0)])
    s = ba.score(truth, hold_result([(20.0, 25.0), (35.0, 40.0)], confident=True))
    assert (s.holds_exact, s.holds_in_place, s.holds_exact_confident,
            s.holds_in_place_confident) == (1, 0, 1, 0)
    assert any("not in place" in m for m in s.misses)


def test_hold_count_wrong():
    truth = hold_truth([(10.0, 20.0), (25.0, 35.0)])
    s = ba.score(truth, hold_result([(10.0, 20.0)], confident=False))
    assert (s.hold_sets, s.holds_exact, s.holds_in_place, s.holds_timed) == (1, 0, 0, 0)
    assert (s.holds_confident, s.holds_exact_confident) == (0, 0)
    assert s.edge_errors_s == []


def test_faults_found_and_false():
    fault = {"start_s": 5.0, "end_s": 6.0, "axis": "flexion", "peak_deg": 12.0}
    truth = rep_truth(3, [fault, {**fault, "start_s": 20.0, "end_s": 21.0}])
    found = [SimpleNamespace(start_s=6.2, end_s=7.0, axis="flexion", peak_deg=11.0),
             SimpleNamespace(start_s=40.0, end_s=41.0, axis="lateral", peak_deg=9.0)]
    s = ba.score(truth, rep_result(3, (3, 3), True, found))
    assert (s.faults, s.found, s.false) == (2, 1, 1)


def test_summary_keys_and_pooling():
    total = ba.Score()
    total.add(ba.score(rep_truth(10), rep_result(10, (10, 10), True)))
    total.add(ba.score(rep_truth(10), rep_result(11, (10, 12), False)))
    total.add(ba.score(rep_truth(10), rep_result(12, (11, 13), True)))
    total.add(ba.score(rep_truth(10), rep_result(10, (9, 10), False)))
    total.add(ba.score(hold_truth([(0.0, 10.0)]), hold_result([(0.0, 10.0)], True)))
    total.add(ba.score(hold_truth([(0.0, 10.0)]), hold_result([(4.0, 14.0)], False)))
    s = total.summary()
    assert s["sets"] == 6 and s["rep_sets"] == 4 and s["hold_sets"] == 2
    assert s["reps_exact_pct"] == 50.0 and s["reps_within_1_pct"] == 75.0
    assert s["reps_confident_sets"] == 2 and s["reps_confident_pct"] == 50.0
    assert s["reps_exact_when_confident_pct"] == 50.0
    assert s["reps_range_holds_pct"] == 75.0
    assert s["holds_exact_pct"] == 100.0 and s["holds_in_place_pct"] == 50.0
    assert s["holds_timed_pct"] == 50.0
    assert s["holds_confident_sets"] == 1 and s["holds_confident_pct"] == 50.0
    assert s["holds_exact_when_confident_pct"] == 100.0
    assert s["holds_in_place_when_confident_pct"] == 100.0
    for kept in ("hold_edge_error_s_median", "hold_edge_error_s_p95", "hold_edges_within_pct",
                 "faults", "faults_found_pct", "false_faults", "false_per_set"):
        assert kept in s
    for t in ba.TARGETS:
        assert t.key in s and t.n_key in s
    assert ba.Score().summary()["reps_exact_when_confident_pct"] is None


def cell(**figures) -> dict:
    s = ba.Score().summary()
    s.update(figures)
    return s


def test_worst_cell():
    variants = {
        "standard": {"exercises": {
            "rock_back": cell(rep_sets=20, reps_exact_pct=100.0, reps_confident_pct=60.0),
            "corset_supine": cell(hold_sets=20, holds_in_place_pct=100.0)}},
        "tempo_drift": {"exercises": {
            "rock_back": cell(rep_sets=20, reps_exact_pct=90.0, reps_confident_pct=10.0),
            "side_lying_clam": cell(rep_sets=4, reps_exact_pct=90.0, sets=4,
                                    false_per_set=0.25)}},
        "rest_drift": {"exercises": {
            "corset_supine": cell(hold_sets=20, holds_in_place_pct=40.0, sets=20,
                                  false_per_set=0.0)}},
    }
    worst = {w["key"]: w for w in ba.worst_cells(variants)}
    w = worst["reps_exact_pct"]
    # Of two cells at 90 %, the one over more sets.
    assert (w["value"], w["variant"], w["exercise"], w["n"]) == (90.0, "tempo_drift",
                                                                 "rock_back", 20)
    assert w["met"] is False and (w["cells_missing"], w["cells"]) == (2, 3)
    w = worst["holds_in_place_pct"]
    assert (w["value"], w["variant"], w["exercise"]) == (40.0, "rest_drift", "corset_supine")
    # The confident share is judged on the ordinary sets only.
    w = worst["reps_confident_pct"]
    assert (w["value"], w["variant"], w["cells"]) == (60.0, "standard", 1)
    # At most: the highest figure is the worst.
    w = worst["false_per_set"]
    assert (w["value"], w["variant"], w["exercise"], w["n"]) == (0.25, "tempo_drift",
                                                                 "side_lying_clam", 4)
    assert "reps_exact_when_confident_pct" not in worst  # no cell has a figure


def test_table_marks_misses():
    rows = {"standard": cell(rep_sets=10, hold_sets=2, reps_exact_pct=94.96,
                             reps_within_1_pct=100.0, reps_confident_pct=70.0,
                             false_per_set=0.06),
            "pauses": cell(rep_sets=10, reps_exact_pct=95.0, reps_confident_pct=70.0)}
    head, standard, pauses = ba.target_table(rows, "variant", {"standard": True})
    labels = head.split()
    assert labels[:3] == ["variant", "sets", "exact"]
    assert labels[2:] == [t.label for t in ba.TARGETS]
    cells = standard.split()
    assert cells[1] == "10/2"
    by_label = dict(zip(labels[2:], cells[2:], strict=True))
    assert by_label["exact"] == "94.96*"  # not shown as 95.0 while it misses 95
    assert by_label["+-1"] == "100.0" and by_label["conf"] == "70.0*"
    assert by_label["false/set"] == "0.060*" and by_label["h.exact"] == "-"
    by_label = dict(zip(labels[2:], pauses.split()[2:], strict=True))
    assert by_label["exact"] == "95.0" and by_label["conf"] == "70.0"  # not ordinary


def test_variants_pooled_per_exercise(monkeypatch):
    """run_analysis_variants pools each exercise over the variants and finds the worst
    cell (the simulation replaced by made-up scores)."""
    def fake(patients, rates, variant, exercises, progress, seed):
        good = variant == "standard"
        per = {"rock_back": ba.score(rep_truth(10), rep_result(10 if good else 12,
                                                                (10, 10), True)),
               "corset_supine": ba.score(hold_truth([(0.0, 10.0)]),
                                         hold_result([(0.0, 10.0)], True))}
        unmarked = {k: ba.Score() for k in per}
        total = ba.Score()
        for sc in per.values():
            total.add(sc)
        figures = {"variant": variant,
                   "total": total.summary(), "unmarked": ba.Score().summary(),
                   "exercises": {k: s.summary() for k, s in per.items()},
                   "unmarked_exercises": {k: s.summary() for k, s in unmarked.items()}}
        return figures, per, unmarked

    monkeypatch.setattr(ba, "_bench_variant", fake)
    r = ba.run_analysis_variants(1, (52.0,), ["standard", "tempo_drift", "pauses"])
    assert list(r["variants"]) == ["standard", "tempo_drift", "pauses"]
    rock = r["exercises"]["rock_back"]
    assert rock["rep_sets"] == 3 and rock["reps_exact_pct"] == pytest.approx(33.33)
    assert r["total"]["sets"] == 6 and r["exercises"]["corset_supine"]["hold_sets"] == 3
    worst = {w["key"]: w for w in r["worst"]}
    assert worst["reps_exact_pct"]["variant"] == "tempo_drift"
    assert worst["reps_exact_pct"]["cells_missing"] == 2

    # The command's text: every variant a row, every exercise a row, a worst line a
    # target, naming the cell.
    args = argparse.Namespace(patients=1, rates=(52.0,), seed=1)
    lines = []
    monkeypatch.setattr("builtins.print", lambda *a, **k: lines.append(" ".join(map(str, a))))
    bench_cmd._print_counting(args, r, ba.ORDINARY)
    text = "\n".join(lines)
    for name in ("standard", "tempo_drift", "pauses", "(pooled)", "rock_back",
                 "corset_supine"):
        assert f"  {name} " in text
    worst_line = next(line for line in lines if line.startswith("  exact "))
    assert worst_line.split() == ["exact", "0.0", "tempo_drift", "x", "rock_back,", "n=1;",
                                  "target", ">=", "95:", "NOT", "met", "(2", "of", "3",
                                  "cells", "miss)"]
    row = next(line for line in lines if line.startswith("  tempo_drift "))
    assert row.split()[1:3] == ["1/1", "0.0*"]
