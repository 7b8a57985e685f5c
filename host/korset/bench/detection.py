"""Scoring the firmware's buzzing against the simulator's ground truth.

A truth fault counts as found when a buzz starts between 0.3 s before it and
its end; its latency is from the moment the true deviation crossed the
tolerance to the buzz (motor drive on the virtual board; the pipeline's
decision on CPython). A buzz that overlaps no truth fault (widened by 0.3 s)
is false. Rates are per 10 minutes of set time (reference to set end).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MATCH_BEFORE_S = 0.3
MATCH_AFTER_S = 0.3


@dataclass
class Score:
    faults: int = 0
    found: int = 0
    latencies_s: list[float] = field(default_factory=list)
    false_buzzes: int = 0
    set_time_s: float = 0.0
    reps_true: list[int] = field(default_factory=list)
    reps_live: list[int] = field(default_factory=list)
    holds_true: list[int] = field(default_factory=list)
    holds_live: list[int] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in self.__dataclass_fields__:
            a, b = getattr(self, name), getattr(other, name)
            setattr(self, name, a + b)

    def summary(self) -> dict:
        lat = np.array(self.latencies_s) * 1000
        reps_t, reps_l = np.array(self.reps_true), np.array(self.reps_live)
        holds_t, holds_l = np.array(self.holds_true), np.array(self.holds_live)
        return {
            "faults": self.faults,
            "found": self.found,
            "found_pct": round(100 * self.found / self.faults, 2) if self.faults else None,
            "latency_ms_median": round(float(np.median(lat)), 1) if len(lat) else None,
            "latency_ms_p95": round(float(np.percentile(lat, 95)), 1) if len(lat) else None,
            "false_buzzes": self.false_buzzes,
            "set_minutes": round(self.set_time_s / 60, 2),
            "false_per_10min": round(self.false_buzzes / self.set_time_s * 600, 3)
            if self.set_time_s else None,
            "live_reps_exact_pct": round(100 * float(np.mean(reps_t == reps_l)), 1)
            if len(reps_t) else None,
            "live_reps_mean_abs_err": round(float(np.mean(np.abs(reps_t - reps_l))), 2)
            if len(reps_t) else None,
            "live_holds_exact_pct": round(100 * float(np.mean(holds_t == holds_l)), 1)
            if len(holds_t) else None,
        }


def score(truth: dict, buzzes: list[tuple[float, float]], live_reps: int, live_holds: int) -> Score:
    s = Score()
    s.set_time_s = truth["set_end_s"] - truth["reference_s"]
    s.faults = len(truth["faults"])
    for f in truth["faults"]:
        hits = [b for b in buzzes if f["start_s"] - MATCH_BEFORE_S <= b[0] <= f["end_s"]]
        if hits:
            s.found += 1
            s.latencies_s.append(hits[0][0] - f["start_s"])
    for b in buzzes:
        if not any(b[0] <= f["end_s"] + MATCH_AFTER_S and b[1] >= f["start_s"] - MATCH_BEFORE_S
                   for f in truth["faults"]):
            s.false_buzzes += 1
    if truth["kind"] == "reps":
        s.reps_true.append(truth["reps"])
        s.reps_live.append(live_reps)
    else:
        s.holds_true.append(len(truth["holds"]))
        s.holds_live.append(live_holds)
    return s


def run_detection_bench(patients: int, rates: tuple[float, ...], variant: str, virtual: bool,
                        exercises: list[str] | None = None, progress=None) -> dict:
    """Simulate and score sets: every exercise x ``patients`` x ``rates``."""
    import tempfile
    from pathlib import Path

    from korset import devicesim
    from korset.replay import replay
    from korset.sim.corpus import corpus_sets
    from korsetfw import catalogue as cat
    from korsetfw.pipeline import SetConfig

    chosen = [cat.get(e) for e in exercises] if exercises else None
    plan = corpus_sets(patients, rates, variant, chosen)
    total = Score()
    per: dict[str, Score] = {}
    per_rate = {rate: Score() for rate in rates}
    with tempfile.TemporaryDirectory(prefix="korset-bench-") as tmp:
        for n, c in enumerate(plan, start=1):
            ex, rate = c.exercise, c.rate_hz
            # buzz=False: the motor's vibration comes from the firmware's own buzzing
            # on the virtual board, not from the truth.
            sim = c.simulate(buzz=False)
            if virtual:
                r = replay(sim.recording, ex, None, Path(tmp), rate_hz=int(rate))
                buzzes = [(b["start_s"], b["end_s"]) for b in r.buzzes]
                sc = score(sim.truth, buzzes, r.reps, len(r.holds))
            else:
                d = devicesim.run(sim.recording, SetConfig(ex), rate_hz=int(rate), trace=False)
                sc = score(sim.truth, d.buzzes(), len(d.times("rep")), len(d.times("hold_end")))
            per.setdefault(ex.key, Score()).add(sc)
            per_rate[rate].add(sc)
            total.add(sc)
            if progress:
                progress(n, len(plan), f"{ex.key} p{c.patient} {rate:g} Hz")
    return {"sets": len(plan), "variant": variant, "virtual": virtual,
            "total": total.summary(),
            "rates": {f"{r:g}": per_rate[r].summary() for r in rates},
            "exercises": {key: s.summary() for key, s in per.items()}}
