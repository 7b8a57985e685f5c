"""The benchmark corpus: every exercise x many simulated patients x sample rates.

Variants. ``standard`` is what the algorithms are developed against.
``unseen`` holds settings they were not tuned on: other seeds, tempos from
0.6x to 1.6x, and sensor errors beyond the datasheets (gyro bias to 3 deg/s,
10 deg mounting error, 2.5 % clock error). And one per perturbation family
(``korset.sim.departures.FAMILIES``: tempo drift, repetition sizes, pauses,
...): the standard patients on seeds of their own, each with that one
real-life departure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from korset.recording import write_csv
from korset.sim import departures as dp
from korset.sim.simulate import simulate
from korsetfw import catalogue as cat

VARIANTS = {
    # name: (seed offset, sensor errors, tempo range or None for the patient's own,
    #        departure family or None)
    "standard": (0, "typical", None, None),
    "unseen": (500_000, "large", (0.6, 1.6), None),
    # The families' seeds: 20 000 apart from 100 000 (an exercise's are 1000 apart, eleven
    # exercises), below the unseen's.
    **{name: (100_000 + 20_000 * i, "typical", None, name)
       for i, name in enumerate(dp.FAMILIES)},
}
FAMILY_VARIANTS = tuple(dp.FAMILIES)

README = """\
# Korset simulator corpus ({variant})

Written by `korset sim --corpus DIR --variant {variant} --seed {seed} --patients {patients}
--rates {rates}`; the same command rewrites it byte for byte.

Each recording `KEY/KEY-pNN-RATEhz.csv` is in the recording contract (t, ax, ay, az in m/s^2
with gravity, gx, gy, gz in rad/s; body frame x anterior, y left, z up) and its
`.json` beside it is the ground truth with the keys `korset analyze --json` prints:
`reps`, `rep_times_s`, `holds` ([{{start_s, end_s}}]), `faults` ([{{start_s, end_s,
peak_deg, axis}}]), `posture`, plus `reference_s`, `set_end_s`, `tolerance_deg` and the
simulation `params` (seed, rate, chip, sensor errors, tempo, ...).

`index.json` lists every recording with its exercise, patient, rate and seed.

Variant `{variant}`: {description}
"""


# Patients per exercise at most: corpus_sets gives exercise i the seeds from i * 1000.
MAX_PATIENTS = 1000


@dataclass(frozen=True)
class CorpusSet:
    """One set of the corpus: who does what, at what rate, from which seed."""

    exercise: cat.Exercise
    exercise_index: int  # in the catalogue
    patient: int
    rate_hz: float
    seed: int
    tempo_scale: float | None  # None: the patient's own tempo
    errors: str  # sensor errors: "typical" or "large"
    family: str | None = None  # a departure family (korset.sim.departures), or none

    def simulate(self, **options):
        return simulate(self.exercise, self.seed, rate_hz=self.rate_hz, errors=self.errors,
                        tempo_scale=self.tempo_scale,
                        departures=dp.family(self.family) if self.family else None,
                        **options)


def corpus_sets(patients: int, rates: tuple[float, ...], variant: str = "standard",
                exercises: list[cat.Exercise] | None = None, seed: int = 1
                ) -> list[CorpusSet]:
    """The corpus's sets in order (exercise, patient, rate): every exercise, or these.

    ValueError for 0 patients or more than ``MAX_PATIENTS`` (one exercise's seeds would
    run into the next's), or rates whose file names would be the same (whole Hz)."""
    if not 1 <= patients <= MAX_PATIENTS:
        raise ValueError(f"patients must be 1-{MAX_PATIENTS} (the seeds of one exercise are "
                         f"{MAX_PATIENTS} apart), not {patients}")
    if len({int(r) for r in rates}) != len(rates):
        raise ValueError(f"rates {list(rates)} name two recordings alike: give distinct "
                         "whole Hz")
    if variant not in VARIANTS:
        raise ValueError(f"no corpus variant {variant!r}: give one of {', '.join(VARIANTS)}")
    offset, errors, tempo_range, family = VARIANTS[variant]
    sets = []
    for ex_i, ex in enumerate(cat.EXERCISES):
        if exercises is not None and ex not in exercises:
            continue
        for p in range(patients):
            tempo = None
            if tempo_range:
                lo, hi = tempo_range
                tempo = lo + (hi - lo) * ((p * 0.618034) % 1.0)
            for rate in rates:
                sets.append(CorpusSet(ex, ex_i, p, rate, seed * 1_000_000 + offset
                                      + ex_i * MAX_PATIENTS + p, tempo, errors, family))
    return sets


def write_corpus(root: Path, seed: int = 1, patients: int = 20,
                 rates: tuple[float, ...] = (52.0, 104.0), variant: str = "standard",
                 progress=None) -> list[dict]:
    plan = corpus_sets(patients, rates, variant, seed=seed)  # checked before anything made
    root.mkdir(parents=True, exist_ok=True)
    index = []
    for n, c in enumerate(plan, start=1):
        ex = c.exercise
        (root / ex.key).mkdir(exist_ok=True)
        s = c.simulate()
        name = f"{ex.key}/{ex.key}-p{c.patient:02d}-{int(c.rate_hz)}hz"
        write_csv(s.recording, root / f"{name}.csv")
        (root / f"{name}.json").write_text(json.dumps(s.truth, indent=1))
        index.append({"recording": f"{name}.csv", "exercise": s.truth["exercise"],
                      "exercise_key": ex.key, "patient": c.patient, "rate_hz": c.rate_hz,
                      "seed": c.seed})
        if progress:
            progress(n, len(plan), name)
    (root / "index.json").write_text(json.dumps(
        {"variant": variant, "seed": seed, "patients": patients, "rates_hz": list(rates),
         "recordings": index}, indent=1))
    description = {"standard": "seeds and settings the algorithms are developed against.",
                   "unseen": "other seeds, tempos 0.6x-1.6x, sensor errors beyond the "
                             "datasheets."}.get(variant, f"the standard patients on seeds of "
                                                f"their own, with the departure {variant} "
                                                "(korset.sim.departures).")
    (root / "README.md").write_text(README.format(
        variant=variant, seed=seed, patients=patients,
        rates=",".join(f"{r:g}" for r in rates), description=description))
    return index
