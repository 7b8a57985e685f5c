"""Scoring the host's offline analysis against the simulator's ground truth, and its speed.

Targets (issue 7): reps exact in >= 95 % of sets and within +-1 in >= 99 %;
holds counted exactly in >= 95 % of sets with every start and end within
0.5 s; faults found >= 98 % with <= 0.1 false per set.

A truth fault is found when an analysed fault on any axis overlaps it
(widened by ``MATCH_S`` each side); an analysed fault that overlaps no truth
fault so widened is false. Holds are paired in order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

MATCH_S = 0.3
HOLD_EDGE_S = 0.5


@dataclass
class Score:
    sets: int = 0
    rep_sets: int = 0
    reps_exact: int = 0
    reps_within_1: int = 0
    hold_sets: int = 0
    holds_exact: int = 0  # count right
    holds_timed: int = 0  # count right and every edge within HOLD_EDGE_S
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
            "hold_sets": self.hold_sets,
            "holds_exact_pct": pct(self.holds_exact, self.hold_sets),
            "holds_timed_pct": pct(self.holds_timed, self.hold_sets),
            "hold_edge_error_s_median": round(float(np.median(edges)), 3) if len(edges) else None,
            "hold_edge_error_s_p95": round(float(np.percentile(edges, 95)), 3)
            if len(edges) else None,
            "faults": self.faults,
            "faults_found_pct": pct(self.found, self.faults),
            "false_faults": self.false,
            "false_per_set": round(self.false / self.sets, 3) if self.sets else None,
        }


def score(truth: dict, result, label: str = "") -> Score:
    s = Score(sets=1)
    if truth["kind"] == "reps":
        s.rep_sets = 1
        err = result.reps - truth["reps"]
        s.reps_exact = int(err == 0)
        s.reps_within_1 = int(abs(err) <= 1)
        if err:
            s.misses.append(f"{label}: reps {result.reps} (truth {truth['reps']})")
    else:
        s.hold_sets = 1
        got, want = result.holds, truth["holds"]
        if len(got) == len(want):
            s.holds_exact = 1
            errors = [e for g, w in zip(got, want, strict=True)
                      for e in (g.start_s - w["start_s"], g.end_s - w["end_s"])]
            s.edge_errors_s = errors
            s.holds_timed = int(all(abs(e) <= HOLD_EDGE_S for e in errors))
            if not s.holds_timed:
                s.misses.append(f"{label}: hold edges off by up to "
                                f"{max(abs(e) for e in errors):.2f} s")
        else:
            s.misses.append(f"{label}: holds {len(got)} (truth {len(want)})")
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


def run_analysis_bench(patients: int, rates: tuple[float, ...], variant: str,
                       exercises: list[str] | None = None, progress=None) -> dict:
    """Simulate the corpus's sets (same seeds as ``korset sim --corpus``) and score them."""
    from korset.analysis import analyze
    from korset.sim import simulate
    from korset.sim.corpus import VARIANTS
    from korsetfw import catalogue as cat

    offset, errors, tempo_range = VARIANTS[variant]
    chosen = [cat.get(e) for e in exercises] if exercises else list(cat.EXERCISES)
    total, per, per_rate = Score(), {}, {rate: Score() for rate in rates}
    count = len(chosen) * patients * len(rates)
    n = 0
    seconds = 0.0
    samples = 0
    for ex_i, ex in enumerate(cat.EXERCISES):
        if ex not in chosen:
            continue
        s_ex = Score()
        for p in range(patients):
            tempo = None
            if tempo_range:
                lo, hi = tempo_range
                tempo = lo + (hi - lo) * ((p * 0.618034) % 1.0)
            for rate in rates:
                seed = 1_000_000 + offset + ex_i * 1000 + p
                sim = simulate(ex, seed, rate_hz=rate, errors=errors, tempo_scale=tempo)
                started = time.perf_counter()
                result = analyze(sim.recording, ex)
                seconds += time.perf_counter() - started
                samples += len(sim.recording)
                sc = score(sim.truth, result, f"{ex.key} p{p} {rate:g} Hz seed {seed}")
                s_ex.add(sc)
                per_rate[rate].add(sc)
                n += 1
                if progress:
                    progress(n, count, f"{ex.key} p{p} {rate:g} Hz")
        per[ex.key] = s_ex.summary()
        total.add(s_ex)
    return {"variant": variant, "total": total.summary(),
            "rates": {f"{r:g}": per_rate[r].summary() for r in rates}, "exercises": per,
            "misses": total.misses, "analysis_s_per_hour_of_samples":
            round(seconds / samples * 104 * 3600, 3) if samples else None}
