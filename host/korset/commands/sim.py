"""Simulate a patient doing an exercise with a Korset on the lower back.

Writes a recording in the recording contract (PATH.csv) and its ground truth
(PATH.json: reps, rep_times_s, holds, faults, posture, reference_s, set_end_s,
tolerance_deg and the parameters used). With --corpus, writes the benchmark
corpus: every exercise x --patients simulated patients x --rates.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--exercise", "-e", help="catalogue number 1-9, reps, hold, or a custom key "
                   "from --programme")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--output", "-o", type=Path, help="recording to write (PATH.csv; truth "
                   "goes to PATH.json)")
    p.add_argument("--rate", type=float, default=104.0, help="sample rate, Hz (default 104)")
    p.add_argument("--reps", type=int, help="number of repetitions (default: the dose)")
    p.add_argument("--holds", type=int, help="number of holds (default: the dose)")
    p.add_argument("--fault-rate", type=float, default=0.2,
                   help="share of reps/holds with a fault, 0-1 (default 0.2)")
    p.add_argument("--tolerance", type=float, help="tolerance in degrees for every axis "
                   "(default: the exercise's)")
    p.add_argument("--chip", default="lsm6dsox", choices=["lsm6dsox", "mpu6886", "mpu6050"])
    p.add_argument("--errors", default="typical", choices=["typical", "large", "none"],
                   help="sensor errors: within the datasheet, beyond it, or an ideal sensor")
    p.add_argument("--tempo", type=float, help="tempo scale (1: usual; 2: twice as slow)")
    p.add_argument("--no-buzz", action="store_true",
                   help="leave out the motor vibration during faults")
    p.add_argument("--plot", type=Path, help="also draw the set (PNG)")
    p.add_argument("--programme", type=Path, help="programme file with custom exercises")
    p.add_argument("--corpus", type=Path, metavar="DIR", help="write the benchmark corpus")
    p.add_argument("--patients", type=int, default=20, help="corpus: patients per exercise")
    p.add_argument("--rates", default="52,104", help="corpus: sample rates, Hz (default 52,104)")
    p.add_argument("--variant", default="standard", choices=["standard", "unseen"],
                   help="corpus: the development set or the unseen-settings set")


def run(args: argparse.Namespace) -> int:
    from korset import KorsetError
    from korset.recording import write_csv
    from korset.sim import simulate
    from korsetfw import catalogue as cat

    if args.corpus:
        from korset.sim.corpus import write_corpus

        rates = tuple(float(r) for r in args.rates.split(","))

        def progress(n, total, name):
            print(f"\r[{n}/{total}] {name:<50}", end="", file=sys.stderr, flush=True)

        index = write_corpus(args.corpus, args.seed, args.patients, rates, args.variant,
                             progress)
        print(f"\nwrote {len(index)} recordings to {args.corpus}", file=sys.stderr)
        return 0
    if not args.exercise or not args.output:
        raise KorsetError("give --exercise and --output (or --corpus DIR)")
    try:
        if args.programme:
            from korset.programme import load

            exercise = load(args.programme).lookup(args.exercise)
        else:
            exercise = cat.get(args.exercise)
    except KeyError as e:
        raise KorsetError(str(e).strip("'\"")) from None
    if not 0 <= args.fault_rate <= 1:
        raise KorsetError("--fault-rate must be between 0 and 1")
    s = simulate(exercise, args.seed, rate_hz=args.rate, reps=args.reps, holds=args.holds,
                 fault_rate=args.fault_rate, tolerance_deg=args.tolerance, chip=args.chip,
                 errors=args.errors, tempo_scale=args.tempo, buzz=not args.no_buzz)
    csv_path = args.output.with_suffix(".csv")
    write_csv(s.recording, csv_path)
    csv_path.with_suffix(".json").write_text(json.dumps(s.truth, indent=1))
    t = s.truth
    print(f"{csv_path}: {exercise.name_en} ({t['posture']}), {s.recording.duration_s:.1f} s at "
          f"{args.rate:g} Hz; truth: {t['reps']} reps, {len(t['holds'])} holds, "
          f"{len(t['faults'])} faults -> {csv_path.with_suffix('.json')}")
    if args.plot:
        from korset.sim.plot import plot_simulation

        plot_simulation(s, args.plot, f"{exercise.number or exercise.key}: {exercise.name_en}")
        print(f"plot: {args.plot}")
    return 0
