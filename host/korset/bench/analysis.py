"""Scoring the host's offline analysis against the simulator's ground truth, and its speed.

Targets (issue 15, ``TARGETS``), each judged in every variant (standard, unseen, each
perturbation family), every exercise and the worst cell of them:

- repetitions counted exactly in >= 95 % of the sets and within one in >= 99 %; on sets
  marked ``reps_confident`` exactly in >= 99 %; ``reps_range`` holds the true count in
  >= 97 % of the sets; >= 80 % of ordinary sets (variant ``standard``) confident;
- holds counted exactly in >= 98 % of the sets and found in place in >= 98 %: a set's
  holds are in place when the counts agree and every true hold is matched by a found
  hold overlapping it by ``IN_PLACE_IOU`` of their union (the found hold is then the
  only one so matched: two holds each overlapping one by more than half its union would
  overlap each other); on sets marked ``holds_confident`` counted exactly in >= 99 %;
  >= 80 % of ordinary hold sets confident;
- faults found >= 98 % with <= 0.05 false per set.

A truth fault is found when an analysed fault on any axis overlaps it (widened by
``MATCH_S`` each side); an analysed fault that overlaps no truth fault so widened is
false. Hold edge errors (``holds_timed``, issue 7's measure, kept) pair holds in order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

MATCH_S = 0.3
HOLD_EDGE_S = 0.5
IN_PLACE_IOU = 0.6  # overlap / union of a found hold with its true hold, at least
ORDINARY = "standard"  # the variant whose sets the confident-share targets are judged on


@dataclass(frozen=True)
class Target:
    """One of issue 15's targets: ``key`` in ``Score.summary()``, at least (``>=``) or
    at most (``<=``) ``value``, over the ``n_key`` sets (or faults) of a cell."""

    key: str
    label: str  # column heading
    op: str
    value: float
    n_key: str
    text: str
    ordinary_only: bool = False  # judged on the ORDINARY variant's sets only

    def met(self, figure: float | None) -> bool | None:
        if figure is None:
            return None
        return figure >= self.value if self.op == ">=" else figure <= self.value


TARGETS = (
    Target("reps_exact_pct", "exact", ">=", 95.0, "rep_sets", "reps counted exactly, %"),
    Target("reps_within_1_pct", "+-1", ">=", 99.0, "rep_sets", "reps within one, %"),
    Target("reps_exact_when_confident_pct", "ex|conf", ">=", 99.0, "reps_confident_sets",
           "reps exact on sets marked confident, %"),
    Target("reps_range_holds_pct", "range", ">=", 97.0, "rep_sets",
           "reps_range holds the true count, %"),
    Target("reps_confident_pct", "conf", ">=", 80.0, "rep_sets",
           "rep sets marked confident, % (target: standard sets)", ordinary_only=True),
    Target("holds_exact_pct", "h.exact", ">=", 98.0, "hold_sets",
           "holds counted exactly, %"),
    Target("holds_in_place_pct", "h.place", ">=", 98.0, "hold_sets",
           f"holds in place (count right, each true hold overlap/union >= {IN_PLACE_IOU:g} "
           "with a found one), %"),
    Target("holds_exact_when_confident_pct", "h.ex|conf", ">=", 99.0, "holds_confident_sets",
           "holds exact on sets marked confident, %"),
    Target("holds_confident_pct", "h.conf", ">=", 80.0, "hold_sets",
           "hold sets marked confident, % (target: standard sets)", ordinary_only=True),
    Target("faults_found_pct", "faults", ">=", 98.0, "faults", "faults found, %"),
    Target("false_per_set", "false/set", "<=", 0.05, "sets", "false faults per set"),
)


@dataclass
class Score:
    sets: int = 0
    rep_sets: int = 0
    reps_exact: int = 0
    reps_within_1: int = 0
    reps_confident: int = 0  # rep sets marked confident
    reps_exact_confident: int = 0  # of those, counted exactly
    reps_range_holds: int = 0  # rep sets whose range holds the true count
    hold_sets: int = 0
    holds_exact: int = 0  # count right
    holds_timed: int = 0  # count right and every edge within HOLD_EDGE_S
    holds_in_place: int = 0  # count right and every true hold matched (IN_PLACE_IOU)
    holds_confident: int = 0  # hold sets marked confident
    holds_exact_confident: int = 0  # of those, counted exactly
    holds_in_place_confident: int = 0  # of those, in place
    edge_errors_s: list[float] = field(default_factory=list)
    faults: int = 0
    found: int = 0
    false: int = 0
    misses: list[str] = field(default_factory=list)  # what went wrong where, for reading

    def add(self, other: Score) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def summary(self) -> dict:
        def pct(a, b):
            return round(100.0 * a / b, 2) if b else None

        edges = np.abs(np.array(self.edge_errors_s))
        return {
            "sets": self.sets,
            "rep_sets": self.rep_sets,
            "reps_exact_pct": pct(self.reps_exact, self.rep_sets),
            "reps_within_1_pct": pct(self.reps_within_1, self.rep_sets),
            "reps_confident_sets": self.reps_confident,
            "reps_confident_pct": pct(self.reps_confident, self.rep_sets),
            "reps_exact_when_confident_pct": pct(self.reps_exact_confident,
                                                 self.reps_confident),
            "reps_range_holds_pct": pct(self.reps_range_holds, self.rep_sets),
            "hold_sets": self.hold_sets,
            "holds_exact_pct": pct(self.holds_exact, self.hold_sets),
            "holds_timed_pct": pct(self.holds_timed, self.hold_sets),
            "holds_in_place_pct": pct(self.holds_in_place, self.hold_sets),
            "holds_confident_sets": self.holds_confident,
            "holds_confident_pct": pct(self.holds_confident, self.hold_sets),
            "holds_exact_when_confident_pct": pct(self.holds_exact_confident,
                                                  self.holds_confident),
            "holds_in_place_when_confident_pct": pct(self.holds_in_place_confident,
                                                     self.holds_confident),
            "hold_edge_error_s_median": round(float(np.median(edges)), 3) if len(edges) else None,
            "hold_edge_error_s_p95": round(float(np.percentile(edges, 95)), 3)
            if len(edges) else None,
            "hold_edges_within_pct": round(100.0 * float(np.mean(edges <= HOLD_EDGE_S)), 2)
            if len(edges) else None,
            "faults": self.faults,
            "faults_found_pct": pct(self.found, self.faults),
            "false_faults": self.false,
            "false_per_set": round(self.false / self.sets, 3) if self.sets else None,
        }


def overlap_over_union(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Of two intervals (start, end), seconds: their overlap over their union, 0-1."""
    inter = min(a[1], b[1]) - max(a[0], b[0])
    if inter <= 0:
        return 0.0
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


def score(truth: dict, result, label: str = "") -> Score:
    """One set's result against its truth. ``result`` needs ``reps``, ``reps_range``,
    ``reps_confident``, ``holds`` (with ``start_s``, ``end_s``), ``holds_confident`` and
    ``faults`` (with ``start_s``, ``end_s``, ``axis``, ``peak_deg``); a result without
    confidence (None, schema 1) is not confident and its range is its count."""
    s = Score(sets=1)
    if truth["kind"] == "reps":
        s.rep_sets = 1
        want = truth["reps"]
        err = result.reps - want
        s.reps_exact = int(err == 0)
        s.reps_within_1 = int(abs(err) <= 1)
        low, high = result.reps_range or (result.reps, result.reps)
        s.reps_range_holds = int(low <= want <= high)
        s.reps_confident = int(result.reps_confident is True)
        s.reps_exact_confident = s.reps_confident * s.reps_exact
        sure = "confident" if s.reps_confident else f"range {low}-{high}"
        if err:
            s.misses.append(f"{label}: reps {result.reps}, {sure} (truth {want})")
        elif not s.reps_range_holds:
            s.misses.append(f"{label}: reps range {low}-{high} without the count {want}")
    else:
        s.hold_sets = 1
        got, want = result.holds, truth["holds"]
        s.holds_confident = int(result.holds_confident is True)
        if len(got) == len(want):
            s.holds_exact = 1
            errors = [e for g, w in zip(got, want, strict=True)
                      for e in (g.start_s - w["start_s"], g.end_s - w["end_s"])]
            s.edge_errors_s = errors
            s.holds_timed = int(all(abs(e) <= HOLD_EDGE_S for e in errors))
            if not s.holds_timed:
                s.misses.append(f"{label}: hold edges off by up to "
                                f"{max(abs(e) for e in errors):.2f} s")
            best = [max((overlap_over_union((g.start_s, g.end_s), (w["start_s"], w["end_s"]))
                         for g in got), default=0.0) for w in want]
            s.holds_in_place = int(all(b >= IN_PLACE_IOU for b in best))
            if not s.holds_in_place:
                s.misses.append(f"{label}: holds not in place (a true hold's best "
                                f"overlap/union {min(best):.2f})")
        else:
            s.misses.append(f"{label}: holds {len(got)}"
                            f"{', confident' if s.holds_confident else ''} "
                            f"(truth {len(want)})")
        s.holds_exact_confident = s.holds_confident * s.holds_exact
        s.holds_in_place_confident = s.holds_confident * s.holds_in_place
    s.faults = len(truth["faults"])
    for f in truth["faults"]:
        if any(g.start_s <= f["end_s"] + MATCH_S and g.end_s >= f["start_s"] - MATCH_S
               for g in result.faults):
            s.found += 1
        else:
            s.misses.append(f"{label}: missed fault {f['axis']} {f['peak_deg']} deg at "
                            f"{f['start_s']}-{f['end_s']} s")
    for g in result.faults:
        if not any(g.start_s <= f["end_s"] + MATCH_S and g.end_s >= f["start_s"] - MATCH_S
                   for f in truth["faults"]):
            s.false += 1
            s.misses.append(f"{label}: false fault {g.axis} {g.peak_deg} deg at "
                            f"{g.start_s}-{g.end_s} s")
    return s


def _bench_variant(patients: int, rates: tuple[float, ...], variant: str,
                   exercises: list[str] | None, progress, seed: int
                   ) -> tuple[dict, dict[str, Score], dict[str, Score]]:
    """One variant's figures (``run_analysis_bench``'s dict) and its exercises' scores,
    as the board records the sets and without marks, for pooling."""
    from korset.analysis import analyze
    from korset.sim.corpus import corpus_sets
    from korsetfw import catalogue as cat

    chosen = [cat.get(e) for e in exercises] if exercises else None
    plan = corpus_sets(patients, rates, variant, chosen, seed)
    total, unmarked, per, per_rate = Score(), Score(), {}, {rate: Score() for rate in rates}
    per_unmarked: dict[str, Score] = {}
    seconds = 0.0
    samples = 0
    for n, c in enumerate(plan, start=1):
        sim = c.simulate()
        label = f"{variant} {c.exercise.key} p{c.patient} {c.rate_hz:g} Hz seed {c.seed}"
        started = time.perf_counter()
        result = analyze(sim.recording, c.exercise, end_s=sim.truth["set_end_s"])
        seconds += time.perf_counter() - started
        samples += len(sim.recording)
        sc = score(sim.truth, result, label)
        per.setdefault(c.exercise.key, Score()).add(sc)
        per_rate[c.rate_hz].add(sc)
        total.add(sc)
        sc = score(sim.truth, analyze(sim.recording, c.exercise), label + " unmarked")
        per_unmarked.setdefault(c.exercise.key, Score()).add(sc)
        unmarked.add(sc)
        if progress:
            progress(n, len(plan), f"{variant} {c.exercise.key} p{c.patient} {c.rate_hz:g} Hz")
    figures = {"variant": variant, "total": total.summary(),
               "rates": {f"{r:g}": per_rate[r].summary() for r in rates},
               "exercises": {key: s.summary() for key, s in per.items()},
               "unmarked": unmarked.summary(),
               "unmarked_exercises": {key: s.summary() for key, s in per_unmarked.items()},
               "misses": total.misses + unmarked.misses, "analysis_s_per_hour_of_samples":
               round(seconds / samples * 104 * 3600, 3) if samples else None}
    return figures, per, per_unmarked


def run_analysis_bench(patients: int, rates: tuple[float, ...], variant: str,
                       exercises: list[str] | None = None, progress=None, seed: int = 1
                       ) -> dict:
    """Simulate the corpus's sets (same seeds as ``korset sim --corpus``) and score them.

    Each set is analysed twice: as the board records it, with the set's end marked
    where the patient ended it (a session file's end; the reference is still found
    by the analysis), which is what the targets are judged on ("total"); and as a
    recording without any marks (another device's CSV: "unmarked"), where
    fidgeting after the set is in the recording too.
    """
    return _bench_variant(patients, rates, variant, exercises, progress, seed)[0]


def run_analysis_variants(patients: int, rates: tuple[float, ...], variants: list[str],
                          exercises: list[str] | None = None, progress=None, seed: int = 1
                          ) -> dict:
    """``run_analysis_bench`` for each variant, and the figures pooled over them: per
    exercise (``exercises``, ``unmarked_exercises``) and in all (``total``,
    ``unmarked``); ``worst``, ``unmarked_worst``: each target's worst cell
    (``worst_cells``)."""
    out: dict = {"variants": {}}
    pooled: dict[str, Score] = {}
    pooled_unmarked: dict[str, Score] = {}
    total, unmarked = Score(), Score()
    for variant in variants:
        figures, per, per_unmarked = _bench_variant(patients, rates, variant, exercises,
                                                    progress, seed)
        out["variants"][variant] = figures
        for into, scores, whole in ((pooled, per, total),
                                    (pooled_unmarked, per_unmarked, unmarked)):
            for key, s in scores.items():
                into.setdefault(key, Score()).add(s)
                whole.add(s)
    out["total"] = total.summary()
    out["exercises"] = {key: s.summary() for key, s in pooled.items()}
    out["unmarked"] = unmarked.summary()
    out["unmarked_exercises"] = {key: s.summary() for key, s in pooled_unmarked.items()}
    out["worst"] = worst_cells(out["variants"])
    out["unmarked_worst"] = worst_cells(out["variants"], "unmarked_exercises")
    return out


def worst_cells(variants: dict, which: str = "exercises") -> list[dict]:
    """Each target's worst cell over every variant x exercise of ``variants`` (variant ->
    ``run_analysis_bench``'s dict; ``which``: its ``exercises`` or
    ``unmarked_exercises``): the lowest figure (the highest for an at-most target), of
    equal figures the one over the most sets; the confident-share targets over the
    ORDINARY variant's cells only. What a pooled mean hides: where the method is
    weakest. ``cells_missing``: how many cells miss the target."""
    worst = []
    for t in TARGETS:
        cells = [(s[t.key], variant, exercise, s[t.n_key])
                 for variant, r in variants.items()
                 if not t.ordinary_only or variant == ORDINARY
                 for exercise, s in r[which].items() if s.get(t.key) is not None]
        if not cells:
            continue
        sign = 1 if t.op == ">=" else -1
        value, variant, exercise, n = min(cells, key=lambda c: (sign * c[0], -c[3]))
        worst.append({"key": t.key, "value": value, "variant": variant,
                      "exercise": exercise, "n": n, "op": t.op, "target": t.value,
                      "met": t.met(value),
                      "cells_missing": sum(not t.met(c[0]) for c in cells),
                      "cells": len(cells)})
    return worst


def _cell(t: Target, figure: float | None, judged: bool = True) -> str:
    """A figure as a table shows it, ``*`` after it when it misses its target
    (``judged``: the target applies to it), ``-`` for none."""
    if figure is None:
        return "-"
    digits = 3 if t.key == "false_per_set" else 1
    text = f"{figure:.{digits}f}"
    missed = judged and not t.met(figure)
    if missed and t.met(float(text)):  # rounding would show it meeting the target
        text = f"{figure:.{digits + 1}f}"
    return text + ("*" if missed else "")


def target_table(rows: dict[str, dict], heading: str, ordinary: dict[str, bool] | None = None
                 ) -> list[str]:
    """Lines of a table: one row per ``rows`` item (name -> ``Score.summary()``), the
    sets (repetition / hold sets) and then every target of ``TARGETS`` as columns, each
    cell marked ``*`` when it misses its target. ``ordinary``: per row, whether the
    confident-share targets apply to it (default: to none)."""
    ordinary = ordinary or {}
    width = max(len(heading), *(len(name) for name in rows)) if rows else len(heading)
    widths = [max(len(t.label), 7 if t.key == "false_per_set" else 6) for t in TARGETS]
    lines = [f"  {heading:<{width}} {'sets':>9} "
             + " ".join(f"{t.label:>{w}}" for t, w in zip(TARGETS, widths, strict=True))]
    for name, s in rows.items():
        cells = [_cell(t, s.get(t.key), not t.ordinary_only or ordinary.get(name, False))
                 for t in TARGETS]
        sets = f"{s['rep_sets']}/{s['hold_sets']}"
        lines.append(f"  {name:<{width}} {sets:>9} "
                     + " ".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True)))
    return lines


def target_legend() -> list[str]:
    """What the columns of ``target_table`` are, with their targets."""
    return ["  sets: repetition sets / hold sets; * misses its target; - none to judge"] + [
        f"  {t.label:<9} {t.text}; target {t.op} {t.value:g}" for t in TARGETS]


def worst_lines(worst: list[dict]) -> list[str]:
    """``worst_cells`` to print, one line a target."""
    labels = {t.key: t for t in TARGETS}
    lines = []
    for w in worst:
        t = labels[w["key"]]
        met = "met" if w["met"] else f"NOT met ({w['cells_missing']} of {w['cells']} cells miss)"
        lines.append(f"  {t.label:<9} {_cell(t, w['value'], False):>7}  {w['variant']} x "
                     f"{w['exercise']}, n={w['n']}; target {w['op']} {w['target']:g}: {met}")
    return lines


REAL_MATCH_S = 0.5  # a repetition this close to a reference walking bout is inside it


def run_real_data(directory) -> dict:
    """The real recordings (``../shared/data/real/mobgap``): no exercise finds faults or
    repetitions while the person walks, and the generic kind counts their steps.

    Steps are compared inside the reference system's walking bouts (its initial
    contacts); recordings without a reference bout are listed but not compared.
    """
    import json
    from pathlib import Path

    from korset.analysis import analyze
    from korset.recording import read_csv
    from korsetfw import catalogue as cat

    rows = []
    for path in sorted(Path(directory).glob("*.csv")):
        rec = read_csv(path)
        meta = json.loads(path.with_suffix(".json").read_text())
        bouts = [(b["start_s"] - REAL_MATCH_S, b["end_s"] + REAL_MATCH_S)
                 for b in meta["walking_bouts"]]
        steps = sum(len(b["initial_contacts_s"]) for b in meta["walking_bouts"])

        def in_bouts(times, bouts=bouts):
            return sum(any(a <= x <= b for a, b in bouts) for x in times)

        walking_faults = walking_reps = faults = reps = 0
        for ex in cat.EXERCISES:
            if ex.key == cat.REPS:
                continue
            r = analyze(rec, ex)
            faults += len(r.faults)
            reps += r.reps
            walking_faults += sum(any(f.start_s <= b and f.end_s >= a for a, b in bouts)
                                  for f in r.faults)
            walking_reps += in_bouts(r.rep_times_s)
        generic = analyze(rec, cat.get(cat.REPS))
        counted = in_bouts(generic.rep_times_s)
        rows.append({"recording": path.name, "seconds": round(rec.duration_s, 1),
                     "exercise_faults_while_walking": walking_faults,
                     "exercise_reps_while_walking": walking_reps,
                     "exercise_faults": faults, "exercise_reps": reps,
                     "reference_steps": steps, "steps_counted": counted,
                     "generic_reps_total": generic.reps,
                     "step_error_pct": round(100.0 * (counted - steps) / steps, 1)
                     if steps else None})
    with_steps = [r for r in rows if r["reference_steps"]]
    total_ref = sum(r["reference_steps"] for r in with_steps)
    total_counted = sum(r["steps_counted"] for r in with_steps)
    return {"recordings": rows,
            "faults_while_walking": sum(r["exercise_faults_while_walking"] for r in rows),
            "reps_while_walking": sum(r["exercise_reps_while_walking"] for r in rows),
            "steps_reference": total_ref, "steps_counted": total_counted,
            "step_error_pct": round(100.0 * (total_counted - total_ref) / total_ref, 1)
            if total_ref else None,
            "worst_step_error_pct": max((abs(r["step_error_pct"]) for r in with_steps),
                                        default=None)}


def run_speed_bench(hours: float = 1.0, rate_hz: float = 104.0, repeats: int = 5) -> dict:
    """Seconds to analyse ``hours`` of recording at ``rate_hz`` on this machine (best of
    ``repeats``): simulated sets of every exercise laid end to end, analysed as one set
    of the generic kind (repetitions everywhere), as exercise 3 (repetitions) and as
    exercises 1 and 5 (holds: their edges are fitted, and 5's faults are judged against
    each held position).

    Also (issue 15, "Fast"), with the same ``repeats``: the same samples as a session
    file, decoded ("session decode", and with the reference decoder, for comparison),
    and decoded and analysed as exercise 3 ("session decode + rock_back"; target both
    <= 1 s on one core); and ``korset analyze`` of a 3-minute set of exercise 3 (a CSV)
    run as a command, wall time from start to answer (``analyze_3min_wall_s``; target
    <= 0.5 s): its imports count there, as a user waits for them.
    """
    from korset import session as sess
    from korset.analysis import analyze
    from korset.recording import Recording
    from korset.sim import simulate
    from korsetfw import catalogue as cat

    parts, t0 = [], 0.0
    k = 0
    while t0 < hours * 3600:
        ex = cat.EXERCISES[k % len(cat.EXERCISES)]
        rec = simulate(ex, 7_000_000 + k, rate_hz=rate_hz).recording
        parts.append(Recording(rec.t + t0, rec.accel, rec.gyro))
        t0 += rec.t[-1] + 1.0 / rate_hz
        k += 1
    whole = Recording(np.concatenate([p.t for p in parts]),
                      np.concatenate([p.accel for p in parts]),
                      np.concatenate([p.gyro for p in parts]))
    n = int(hours * 3600 * rate_hz)
    whole = Recording(whole.t[:n], whole.accel[:n], whole.gyro[:n])
    timings = {}
    for key in (cat.REPS, "rock_back", "corset_supine", "wall_flatten"):
        best = float("inf")
        for _ in range(repeats):
            started = time.perf_counter()
            analyze(whole, cat.get(key))
            best = min(best, time.perf_counter() - started)
        timings[key] = round(best, 3)
    data = sess.from_recording(whole)

    def decode_and_analyse():
        analyze(sess.decode(data).to_recording(), cat.get("rock_back"))

    reference_s = _best_s(lambda: sess.decode(data, reference=True), 1)
    timings["session decode"] = _best_s(lambda: sess.decode(data), repeats)
    timings["session decode + rock_back"] = _best_s(decode_and_analyse, repeats)
    return {"hours": hours, "rate_hz": rate_hz, "samples": len(whole), "seconds": timings,
            "session_bytes": len(data), "reference_decode_s": reference_s,
            "analyze_3min_wall_s": _analyze_wall_s(repeats)}


def _best_s(work, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def _analyze_wall_s(repeats: int) -> float:
    """Best wall time of ``korset analyze -e 3`` of a 3-minute set (a CSV), as a new
    process: interpreter start, imports, reading, analysis and the answer printed."""
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from korset.recording import write_csv
    from korset.sim import simulate
    from korsetfw import catalogue as cat

    rec = simulate(cat.get(3), 8_000_000, reps=32).recording  # about 180 s
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "set.csv"
        write_csv(rec, path)
        command = [sys.executable, "-m", "korset", "analyze", "-e", "3", str(path)]
        best = float("inf")
        for _ in range(repeats):
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            best = min(best, time.perf_counter() - started)
    return round(best, 3)


def speed_lines(speed: dict) -> list[str]:
    """The figures of ``run_speed_bench`` that the issue 15 targets name, to print."""
    s = speed["seconds"]
    return [f"session of one hour at {speed['rate_hz']:g} Hz ({speed['session_bytes'] / 1e6:.2f} "
            f"MB): decoded in {s['session decode']:.3f} s (reference decoder "
            f"{speed['reference_decode_s']:.2f} s), decoded and analysed (rock_back) in "
            f"{s['session decode + rock_back']:.2f} s on one core; target <= 1 s",
            f"korset analyze of a 3-minute set (a CSV), a new process: "
            f"{speed['analyze_3min_wall_s']:.2f} s wall; target <= 0.5 s"]
