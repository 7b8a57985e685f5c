"""Measure: the firmware's per-sample cost, and how well it buzzes against the simulator's truth.

korset bench firmware [--rate HZ] [--seconds S] [--json]
    On the MicroPython unix port: microseconds per sample from the driver's
    FIFO read to the detector's decision (the simulated chip and bus
    excluded), heap bytes allocated per sample in steady state (must be 0),
    the firmware's heap, and what that means on a 240 MHz ESP32-S3. Then on
    a 32-bit MicroPython (the webassembly port, from .mpy as flashed): the
    firmware's live heap after its imports, after boot, and at its peak
    during a recorded set, and what each listed board has left.

korset bench detection [--patients N] [--rates 52,104] [--variant standard|unseen]
                       [--virtual] [--json]
    Simulated sets of every exercise (the corpus's seeds) through the
    firmware's pipeline: faults found, latency from the true crossing of the
    tolerance to the buzz, false buzzes per 10 minutes, live counts. By
    default the pipeline runs on CPython (same code, fast); --virtual runs
    the firmware on the virtual board (MicroPython, driver, chip model, motor
    vibration), timing the buzz by the motor's drive.

korset bench sync [--json]
    A virtual board records a few sets; the host syncs them over the virtual
    BLE link (Bumble on both ends): effective throughput there, the
    protocol's bytes on the air per session byte, and the time a week of
    typical sets would take at a real 30 kB/s link.

korset bench analysis [--patients N] [--rates 52,104] [--variant VARIANT|both|families|all]
                      [--real DIR] [--real-hapt DIR] [--exercises ...] [--seed N]
                      [--json]
    The host's offline analysis against the simulator's truth over the
    corpus's sets (standard and unseen by default; --variant families: each
    perturbation family of korset.sim.departures on its own; all: all of
    them). Every target of issue 15 (korset.bench.analysis.TARGETS: reps
    exact, within one, exact when confident, inside the range, confident
    share; holds exact, in place, exact when confident, confident share;
    faults found, false per set) is a column of a table with a row per
    variant and of one with a row per exercise, each cell marked * when it
    misses its target; then each target's worst cell (variant x exercise,
    with its n). For sets as the board records them (the set's end marked
    where the patient ended it) and again, per variant, as recordings
    without marks (a CSV). Then the real recordings in DIR (default: the
    repository's tests/data/real/mobgap): faults and repetitions while
    walking, steps counted by the generic kind; the UCI HAPT excerpts in the
    --real-hapt DIR (default: tests/data/real/hapt; korset.bench.realdata):
    the posture named for each labelled still stretch, repetitions and faults
    while walking, the generic kind on a stand-sit-stand and on still
    stretches; and the time to analyse one hour at 104 Hz. --json prints
    every figure (per variant, rate and exercise, pooled, the worst cells,
    the misses).

korset bench storage [--patients N] [--rates 52,104] [--json]
    Simulated sets of every exercise coded as the board stores them: bytes
    per sample (data chunks; and whole files with header and end record),
    hours of recording per MB at each rate. Checks every one decodes exactly.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from korset import KorsetError
from korset.commands import _types

# Seconds of simulated motion for the firmware benchmark: at least one second (the 32-bit
# heap figures count whole seconds) and at most ten minutes (the unix port keeps the
# recorded bus traffic in its heap).
SECONDS_RANGE = (1.0, 600.0)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("what", choices=["firmware", "detection", "analysis", "storage", "sync"])
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--rate", type=int, default=104, choices=_types.LSM6DSOX_RATES_HZ,
                   metavar="HZ", help="firmware: IMU rate, Hz, one the LSM6DSOX makes: "
                   + ", ".join(map(str, _types.LSM6DSOX_RATES_HZ)) + " (default 104)")
    p.add_argument("--seconds", type=_types.float_range(*SECONDS_RANGE, "s"), default=60.0,
                   help="firmware: seconds of simulated motion, 1-600 (default 60)")
    p.add_argument("--patients", type=_types.patients, default=10,
                   help="detection, analysis: simulated patients per exercise and rate, "
                   "1-1000 (default 10)")
    p.add_argument("--rates", type=_types.rate_list(), default=(52.0, 104.0),
                   help="detection, analysis: rates, whole Hz 25-833, comma-separated "
                   "(default 52,104)")
    p.add_argument("--variant", default=None, type=_variant,
                   help="the corpus's development settings (standard), unseen ones, or a "
                   "perturbation family's (korset.sim.departures, e.g. tempo_drift); "
                   "analysis also: both (standard and unseen, its default), families "
                   "(every family), all (all of them). Detection: default standard")
    p.add_argument("--real", type=Path, default=None,
                   help="analysis: directory of real recordings with reference labels")
    p.add_argument("--real-hapt", type=Path, default=None, metavar="DIR",
                   help="analysis: directory of UCI HAPT excerpts with labelled activities "
                   "(default: the repository's tests/data/real/hapt)")
    p.add_argument("--virtual", action="store_true",
                   help="detection: run the firmware on the virtual board (slower)")
    p.add_argument("--exercises",
                   help="detection, analysis: only these exercises, comma-separated (default all)")
    p.add_argument("--seed", type=_types.seed, default=1,
                   help="analysis: the corpus's seed, 0 to 2**32-1 (default 1, the one the "
                   "figures are quoted for; another checks that they hold for patients never "
                   "looked at)")


def run(args: argparse.Namespace) -> int:
    if args.what == "firmware":
        from korset.bench.firmware import ESP32S3_SLOWDOWN, run_firmware_bench
        from korset.bench.ram32 import run_ram32_bench

        r = run_firmware_bench(args.seconds, args.rate)
        r["heap32"] = run_ram32_bench(int(args.seconds))
        if args.json:
            print(json.dumps(r, indent=1))
            return 0
        print(f"firmware per-sample path on the MicroPython unix port, {r['rate_hz']} Hz, "
              f"{r['samples']} samples of a simulated set ({r['events']} events)")
        print(f"  {r['us_per_sample']:.1f} us per sample (driver FIFO read to detector "
              f"decision; simulated bus {r['bus_emulation_us_per_sample']:.1f} us excluded), "
              f"slowest {r['loop_period_ms']} ms loop pass {r['worst_pass_us']} us")
        print(f"  {r['alloc_bytes_per_sample']:g} heap bytes allocated per sample; firmware "
              f"state {r['firmware_state_bytes']} bytes; peak heap in use "
              f"{r['peak_heap_bytes']} bytes (includes this benchmark's recorded bus data)")
        print(f"  recording: coding {r['record_encode_us_per_sample']:.1f} us per sample, "
              f"{r['record_bytes_per_sample']:.2f} bytes per sample; writing a chunk "
              f"{r['record_write_us_per_chunk']:.0f} us (CRC, file; about every 2 s)")
        print(f"  ESP32-S3 at 240 MHz (pipeline and coding), estimated {ESP32S3_SLOWDOWN}x slower: "
              f"{r['esp32s3_us_per_sample_estimate']:.0f} us per sample, "
              f"{r['esp32s3_cpu_share_estimate_pct']:.1f} % of one core at {r['rate_hz']} Hz")
        h = r["heap32"]
        print(f"firmware live heap on a 32-bit MicroPython (webassembly port, .mpy as "
              f"flashed): {h['after_import_bytes'] / 1024:.1f} KB after its imports, "
              f"{h['boot_end_bytes'] / 1024:.1f} KB at boot's end, "
              f"{h['after_boot_bytes'] / 1024:.1f} KB booted with a set recording, peak "
              f"{h['peak_bytes'] / 1024:.1f} KB over {h['seconds']} s "
              f"({h['samples']} samples); highest of these "
              f"{max(h['boot_end_bytes'], h['peak_bytes']) / 1024:.1f} KB, target 80 KB")
        return 0
    if args.what == "storage":
        return _storage(args)
    if args.what == "analysis":
        return _analysis(args)
    args.variant = args.variant or "standard"
    if args.variant in VARIANT_GROUPS:
        raise KorsetError(f"--variant {args.variant} is for the analysis bench: give one "
                          "variant")
    if args.what == "sync":
        return _sync(args)
    from korset.bench.detection import run_detection_bench

    exercises = args.exercises.split(",") if args.exercises else None
    rates = args.rates

    def progress(done, total, name):
        if not args.json:
            print(f"\r[{done}/{total}] {name:<40}", end="", file=sys.stderr, flush=True)

    result = run_detection_bench(args.patients, rates, args.variant, args.virtual, exercises,
                                 progress)
    if not args.json:
        print(file=sys.stderr)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    t = result["total"]
    where = "firmware on the virtual board" if args.virtual else "pipeline on CPython"
    print(f"{result['sets']} simulated sets ({args.variant}; {where}), "
          f"{t['set_minutes']} minutes of exercise")
    print(f"  faults found: {t['found']}/{t['faults']} ({t['found_pct']} %)")
    print(f"  latency true crossing -> buzz: median {t['latency_ms_median']} ms, "
          f"p95 {t['latency_ms_p95']} ms")
    print(f"  false buzzes: {t['false_buzzes']} ({t['false_per_10min']} per 10 minutes)")
    print(f"  live reps exact {t['live_reps_exact_pct']} % (mean abs error "
          f"{t['live_reps_mean_abs_err']}); live holds exact {t['live_holds_exact_pct']} %")
    for rate, s in result["rates"].items():
        print(f"  at {rate} Hz: found {s['found_pct']} %, latency median "
              f"{s['latency_ms_median']} ms, p95 {s['latency_ms_p95']} ms, false/10min "
              f"{s['false_per_10min']}")
    for key, s in result["exercises"].items():
        print(f"  {key:22s} found {s['found_pct']} % latency {s['latency_ms_median']}/"
              f"{s['latency_ms_p95']} ms false/10min {s['false_per_10min']}")
    return 0


def _storage(args: argparse.Namespace) -> int:
    from korset.bench.storage import run_storage_bench

    def progress(done, total, name):
        if not args.json:
            print(f"\r[{done}/{total}] {name:<40}", end="", file=sys.stderr, flush=True)

    rates = args.rates
    r = run_storage_bench(min(args.patients, 100), rates, progress)
    if args.json:
        print(json.dumps(r, indent=1))
        return 0
    print(file=sys.stderr)
    print(f"sessions as the board stores them ({r['chip']}, +-{r['accel_fs_g']} g, "
          f"+-{r['gyro_fs_dps']} deg/s; raw samples are {r['raw_bytes_per_sample']} bytes)")
    print(f"  {'exercise':<24}{'Hz':>5}{'sets':>6}{'B/sample':>10}{'worst set':>11}"
          f"{'whole file':>12}")
    for e in sorted(r["exercises"], key=lambda e: (e["rate_hz"], e["exercise"])):
        print(f"  {e['exercise']:<24}{e['rate_hz']:>5}{e['sets']:>6}{e['bytes_per_sample']:>10.2f}"
              f"{e['bytes_per_sample_worst_set']:>11.2f}{e['file_bytes_per_sample']:>12.2f}")
    for rate, v in r["rates"].items():
        print(f"  at {float(rate):g} Hz: {v['bytes_per_sample']:.2f} bytes/sample "
              f"({v['file_bytes_per_sample']:.2f} with header and end record), "
              f"{v['hours_per_mb']:.2f} hours of recording per MB, {v['sets_per_mb']:.0f} "
              f"sets per MB")
    return 0


def _sync(args: argparse.Namespace) -> int:
    from korset.bench.sync import run_sync_bench

    r = run_sync_bench()
    if args.json:
        print(json.dumps(r, indent=1))
        return 0
    w = r["week"]
    print(f"sync of {r['sessions']} sessions ({r['session_bytes'] / 1024:.1f} KiB) over the "
          f"virtual BLE link: {r['sync_seconds']:.2f} s, {r['virtual_link_kbytes_per_s']:.0f} "
          f"kB/s (two Bumble stacks and the firmware's loop; no radio timing)")
    print(f"  protocol: DATA header {r['data_header_pct']:.2f} % of each packet's payload; "
          f"all bytes on the air (ATT/L2CAP headers, ACKs, READ, CONFIRM) "
          f"{r['protocol_overhead_pct']:.1f} % over the session bytes")
    print(f"  a week ({w['sets']} sets of {w['set_seconds'] / 60:.0f} min, "
          f"{w['total_bytes'] / 1e6:.2f} MB) at a real {w['real_link_bytes_per_s'] / 1000:.0f} "
          f"kB/s link: about {w['seconds_at_real_link']:.0f} s")
    print(f"  stray packets: {r['stray_packets']}; sessions confirmed: {r['confirmed']}")
    return 0


# What --variant may name besides the corpus's own variants (analysis only).
VARIANT_GROUPS = ("both", "families", "all")


def _variant(name: str) -> str:
    from korset.sim.corpus import VARIANTS

    if name not in VARIANTS and name not in VARIANT_GROUPS:
        raise argparse.ArgumentTypeError(
            f"no variant {name!r}: give one of {', '.join([*VARIANTS, *VARIANT_GROUPS])}")
    return name


def _variants(name: str | None) -> list[str]:
    """The corpus variants a --variant names, for the analysis bench."""
    from korset.sim.corpus import FAMILY_VARIANTS

    return {None: ["standard", "unseen"], "both": ["standard", "unseen"],
            "families": list(FAMILY_VARIANTS),
            "all": ["standard", "unseen", *FAMILY_VARIANTS]}.get(name, [name])


def _met(value, op: str, target: float) -> str:
    if value is None:
        return "n/a"
    return "met" if (value >= target if op == ">=" else value <= target) else "NOT met"


def _analysis(args: argparse.Namespace) -> int:
    from korset import paths
    from korset.bench.analysis import (
        ORDINARY,
        run_analysis_variants,
        run_real_data,
        run_speed_bench,
        speed_lines,
    )
    from korset.bench.realdata import hapt_lines, run_hapt

    variants = _variants(args.variant)
    rates = args.rates
    exercises = args.exercises.split(",") if args.exercises else None

    def progress(done, total, name):
        if not args.json:
            print(f"\r[{done}/{total}] {name:<48}", end="", file=sys.stderr, flush=True)

    result = run_analysis_variants(args.patients, rates, variants, exercises, progress,
                                   args.seed)
    if not args.json:
        print(file=sys.stderr)
    real = args.real or paths.repo_dir() / "tests" / "data" / "real" / "mobgap"
    result["real"] = run_real_data(real) if real.is_dir() else None
    hapt = args.real_hapt or paths.repo_dir() / "tests" / "data" / "real" / "hapt"
    result["real_hapt"] = run_hapt(hapt) if hapt.is_dir() else None
    result["speed"] = run_speed_bench()
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    _print_counting(args, result, ORDINARY)
    real_result = result["real"]
    if real_result is None:
        print(f"real recordings: none at {real} (give --real DIR)")
    else:
        print(f"real recordings ({len(real_result['recordings'])} in {real}): faults while "
              f"walking {real_result['faults_while_walking']}, repetitions while walking "
              f"{real_result['reps_while_walking']} (every exercise analysed on each)")
        print(f"  generic kind, steps inside the reference's walking bouts: "
              f"{real_result['steps_counted']} of {real_result['steps_reference']} "
              f"({real_result['step_error_pct']:+.1f} %, worst recording "
              f"{real_result['worst_step_error_pct']} %; target within 5 %: "
              f"{_met(abs(real_result['step_error_pct']), '<=', 5.0)})")
        for row in real_result["recordings"]:
            print(f"    {row['recording']:<28} {row['seconds']:>6} s  steps "
                  f"{row['steps_counted']}/{row['reference_steps']}  faults/reps while "
                  f"walking {row['exercise_faults_while_walking']}/"
                  f"{row['exercise_reps_while_walking']}")
    if result["real_hapt"] is None:
        print(f"real recordings with labelled activities: none at {hapt} (give --real-hapt DIR)")
    else:
        for line in hapt_lines(result["real_hapt"]):
            print(line)
    sp = result["speed"]
    worst = max(sp["seconds"].values())
    print(f"speed: one hour at {sp['rate_hz']:g} Hz ({sp['samples']} samples) analysed in "
          + ", ".join(f"{v:.2f} s ({k})" for k, v in sp["seconds"].items())
          + f" on one core; target <= 1 s: {_met(worst, '<=', 1.0)}")
    for line in speed_lines(sp):
        print(line + f": {_met(sp['analyze_3min_wall_s'], '<=', 0.5)}"
              if "korset analyze" in line else line)
    return 0


def _print_counting(args: argparse.Namespace, result: dict, ordinary: str) -> None:
    """The simulated sets' figures: a table per variant and per exercise with every
    target of issue 15 as a column, each target's worst cell, and the same sets as
    recordings without marks."""
    from korset.bench.analysis import target_legend, target_table, worst_lines

    per_variant = result["variants"]
    several = len(per_variant) > 1
    t = result["total"]
    print(f"{t['sets']} simulated sets ({args.patients} patients x "
          f"{len(result['exercises'])} exercises x {','.join(f'{x:g}' for x in args.rates)} "
          f"Hz in each of {len(per_variant)} variants, corpus seed {args.seed}), each with "
          "its end marked as the board marks it")
    rows = {v: r["total"] for v, r in per_variant.items()}
    if several:
        rows["(pooled)"] = t
    judged = {v: v == ordinary for v in rows}
    for line in target_table(rows, "variant", judged):
        print(line)
    # Per exercise, every variant pooled; the shares of confident sets are those of the
    # ordinary sets, the ones their target is for, when those were run.
    rows = {key: dict(s) for key, s in result["exercises"].items()}
    shares = ("reps_confident_pct", "holds_confident_pct")
    if ordinary in per_variant:
        for key, s in rows.items():
            own = per_variant[ordinary]["exercises"].get(key, {})
            s.update({k: own.get(k) for k in shares})
        note = f"conf, h.conf: of the {ordinary} sets"
    else:
        note = f"conf, h.conf: of every variant's sets (the target is for {ordinary} sets)"
    print(f"per exercise ({'every variant pooled; ' if several else ''}{note}):")
    for line in target_table(rows, "exercise", dict.fromkeys(rows, ordinary in per_variant)):
        print(line)
    print(f"worst cell of each target (variant x exercise: {', '.join(per_variant)}):")
    for line in worst_lines(result["worst"]):
        print(line)
    if ordinary not in per_variant:
        print(f"  conf, h.conf: judged on the {ordinary} sets, none run here")
    print("columns:")
    for line in target_legend():
        print(line)
    if t["hold_edge_error_s_median"] is not None:
        print(f"  hold edges: median error {t['hold_edge_error_s_median']} s, p95 "
              f"{t['hold_edge_error_s_p95']} s, {t['hold_edges_within_pct']} % within "
              f"0.5 s; every edge of a set within it in {t['holds_timed_pct']} % of the "
              "hold sets")
    print(f"  {t['faults']} true faults, {t['false_faults']} false ones")
    print("the same sets as recordings without a set end (a CSV; fidgets after the set "
          "included):")
    rows = {v: r["unmarked"] for v, r in per_variant.items()}
    if several:
        rows["(pooled)"] = result["unmarked"]
    for line in target_table(rows, "variant", {v: v == ordinary for v in rows}):
        print(line)
