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

from korset.commands import _outputs, _types

# A set's size, beyond a leaflet's dose (15-20 reps, up to 10 holds) but within what the
# simulator's 1000 Hz motion grid keeps in memory (100 reps: about 10 minutes).
REPS_RANGE = (1, 100)
HOLDS_RANGE = (1, 30)
# Tempo scale: a quarter of the usual time per rep (faster than a person moves in these
# exercises) to four times it.
TEMPO_RANGE = (0.25, 4.0)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--exercise", "-e", help="catalogue number 1-9, reps, hold, or a custom key "
                   "from --programme")
    p.add_argument("--seed", type=_types.seed, default=1,
                   help="random seed, 0 to 2**32-1 (default 1)")
    p.add_argument("--output", "-o", type=Path, help="recording to write (PATH.csv; truth "
                   "goes to PATH.json)")
    p.add_argument("--rate", type=_types.imu_rate_hz, default=104.0,
                   help="sample rate, Hz, 25-833 as the IMUs make (default 104)")
    p.add_argument("--reps", type=_types.int_range(*REPS_RANGE, "repetitions"),
                   help=f"number of repetitions, {REPS_RANGE[0]}-{REPS_RANGE[1]} "
                        "(default: the dose)")
    p.add_argument("--holds", type=_types.int_range(*HOLDS_RANGE, "holds"),
                   help=f"number of holds, {HOLDS_RANGE[0]}-{HOLDS_RANGE[1]} "
                        "(default: the dose)")
    p.add_argument("--fault-rate", type=_types.fraction, default=0.2,
                   help="share of reps/holds with a fault, 0-1 (default 0.2)")
    p.add_argument("--tolerance", type=_types.tolerance_deg,
                   help="tolerance in degrees for every axis, 0.5-30 as the board takes "
                   "(default: the exercise's)")
    p.add_argument("--chip", default="lsm6dsox", choices=["lsm6dsox", "mpu6886", "mpu6050"])
    p.add_argument("--errors", default="typical", choices=["typical", "large", "none"],
                   help="sensor errors: within the datasheet, beyond it, or an ideal sensor")
    p.add_argument("--tempo", type=_types.float_range(*TEMPO_RANGE, "x the usual time",
                                                      "a quarter to four times the usual pace"),
                   help="tempo scale, 0.25-4 (1: usual; 2: twice as slow)")
    p.add_argument("--departure", metavar="FAMILY", action="append", type=_departure_name,
                   help="a real-life departure from the standard patient, e.g. tempo_drift, "
                        "pauses, rest_drift, offsets (repeat for more; a wrong name lists "
                        "them all; docs/simulator.md says what each is)")
    p.add_argument("--no-buzz", action="store_true",
                   help="leave out the motor vibration during faults")
    p.add_argument("--plot", type=Path, help="also draw the set (PNG)")
    p.add_argument("--programme", type=Path, help="programme file with custom exercises")
    p.add_argument("--corpus", type=Path, metavar="DIR", help="write the benchmark corpus")
    p.add_argument("--patients", type=_types.patients, default=20,
                   help="corpus: patients per exercise, 1-1000 (default 20)")
    p.add_argument("--rates", type=_types.rate_list(), default=(52.0, 104.0),
                   help="corpus: sample rates, whole Hz 25-833, comma-separated "
                        "(default 52,104)")
    p.add_argument("--variant", default="standard",
                   type=_variant_name,
                   help="corpus: the development set, the unseen-settings set, or a "
                        "perturbation family's set")
    _outputs.add_force_argument(p)


def run(args: argparse.Namespace) -> int:
    from korset import KorsetError
    from korset.recording import write_csv
    from korset.sim import simulate
    from korsetfw import catalogue as cat

    if args.corpus:
        from korset.sim.corpus import write_corpus

        if args.corpus.is_file():
            raise KorsetError(f"{args.corpus} is a file: give a directory for --corpus")
        if args.corpus.is_dir() and any(args.corpus.iterdir()) and not args.force:
            raise KorsetError(f"{args.corpus} has files in it: give a new or empty "
                              "directory, or --force to write the corpus over them")

        def progress(n, total, name):
            print(f"\r[{n}/{total}] {name:<50}", end="", file=sys.stderr, flush=True)

        index = write_corpus(args.corpus, args.seed, args.patients, args.rates, args.variant,
                             progress)
        print(f"\nwrote {len(index)} recordings to {args.corpus}", file=sys.stderr)
        return 0
    if not args.exercise or not args.output:
        raise KorsetError("give --exercise and --output (or --corpus DIR)")
    csv_path = args.output.with_suffix(".csv")
    json_path = csv_path.with_suffix(".json")
    _outputs.check([csv_path, json_path, args.plot], inputs=[args.programme], force=args.force)
    try:
        if args.programme:
            from korset.programme import load

            exercise = load(args.programme).lookup(args.exercise)
        else:
            exercise = cat.get(args.exercise)
    except KeyError as e:
        raise KorsetError(str(e).strip("'\"")) from None
    s = simulate(exercise, args.seed, rate_hz=args.rate, reps=args.reps, holds=args.holds,
                 fault_rate=args.fault_rate, tolerance_deg=args.tolerance, chip=args.chip,
                 errors=args.errors, tempo_scale=args.tempo, buzz=not args.no_buzz,
                 departures=_departures(args.departure))
    _outputs.write(csv_path, lambda tmp: write_csv(s.recording, tmp))
    _outputs.write(json_path, lambda tmp: tmp.write_text(json.dumps(s.truth, indent=1)))
    t = s.truth
    print(f"{csv_path}: {exercise.name_en} ({t['posture']}), {s.recording.duration_s:.1f} s at "
          f"{args.rate:g} Hz; truth: {t['reps']} reps, {len(t['holds'])} holds, "
          f"{len(t['faults'])} faults -> {json_path}")
    if args.plot:
        import matplotlib

        from korset.sim.plot import plot_simulation

        def draw(tmp: Path) -> None:
            # The temporary file's name says nothing of the format: the plot's own does.
            with matplotlib.rc_context({"savefig.format": args.plot.suffix[1:] or "png"}), \
                    tmp.open("wb") as f:
                plot_simulation(s, f, f"{exercise.number or exercise.key}: {exercise.name_en}")

        _outputs.write(args.plot, draw)
        print(f"plot: {args.plot}")
    return 0


def _departure_name(name: str) -> str:
    """A departure family's name (imported when the option is given: numpy comes with it)."""
    from korset.sim.departures import FAMILIES

    if name not in FAMILIES:
        raise argparse.ArgumentTypeError(f"no departure family {name!r}: give one of "
                                         + ", ".join(FAMILIES))
    return name


def _variant_name(name: str) -> str:
    """A corpus variant: standard, unseen, or a departure family's."""
    from korset.sim.corpus import VARIANTS

    if name not in VARIANTS:
        raise argparse.ArgumentTypeError(f"no corpus variant {name!r}: give one of "
                                         + ", ".join(VARIANTS))
    return name


def _departures(names: list[str] | None):
    """The departures of the families named, together (None: the standard patient)."""
    if not names:
        return None
    import dataclasses

    from korset.sim.departures import Departures, family

    merged = {}
    for name in names:
        chosen = family(name)
        merged.update({k: v for k, v in dataclasses.asdict(chosen).items()
                       if v != getattr(Departures(), k)})
    return Departures(**merged)
