"""Run the whole system on the virtual board, no hardware needed.

Simulates a patient doing a leaflet exercise with a couple of faults, and
then does what a user does with a real board: flashes the firmware with
mpremote (onto the virtual board's serial port), starts a set, lets the
patient's motion drive the board's IMU and shows when the board buzzed (and
how soon after the lower back crossed the tolerance), syncs the session over
a virtual BLE link, analyses it against what the patient really did, stores
it in a history and prints the report (and writes the HTML one).

Everything goes into the demo's own directory (a new one under the system's
temporary directory, or --dir): the virtual board, the session store, the
history and the report. The user's own history is never touched. Any
catalogue exercise can be shown: the leaflet's 1-9 and the generic kinds
(reps: any repeated movement, with no axis held still, so nothing to buzz
for; hold: any held position).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from korset.commands import _outputs, _types

HISTORY = "history.sqlite"
REPORT = "report.html"
# Replay speed, x real time: 0 is as fast as the firmware runs; otherwise from a tenth of
# real time (a 2-minute set then takes 20 minutes) to 100 x (about as fast as 0).
SPEED_RANGE = (0.1, 100.0)


def _speed(text: str) -> float:
    value = _types.float_range(0.0, SPEED_RANGE[1], "x real time")(text)
    if 0 < value < SPEED_RANGE[0]:
        raise argparse.ArgumentTypeError(
            f"must be 0 (as fast as the firmware runs) or {SPEED_RANGE[0]:g}-"
            f"{SPEED_RANGE[1]:g} x real time, not {text}")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--exercise", "-e", default="3",
                   help="leaflet exercise 1-9, or the generic reps or hold (default 3)")
    p.add_argument("--seed", type=_types.seed, default=1,
                   help="simulated patient, 0 to 2**32-1 (default 1)")
    p.add_argument("--reps", type=_types.int_range(1, 100, "repetitions"), default=None,
                   help="repetitions, 1-100 (default: the fewest the exercise asks for, "
                        "e.g. 15)")
    p.add_argument("--speed", type=_speed, default=0.0,
                   help="0: as fast as the firmware runs (default); 1: real time; N: N x real "
                        f"time ({SPEED_RANGE[0]:g}-{SPEED_RANGE[1]:g})")
    p.add_argument("--lang", choices=("en", "da"), default="en",
                   help="language of the report (default en)")
    p.add_argument("--html", type=Path, metavar="PATH",
                   help=f"write the HTML report here (default: {REPORT} in the demo's directory)")
    p.add_argument("--dir", type=Path, default=None,
                   help="the demo's directory (virtual board, session store, history, report; "
                        "default: a new one in the system's temporary directory, kept; "
                        "one with files in it only with --force)")
    _outputs.add_force_argument(p)


def _patient(exercise, seed: int, reps: int | None):
    """The first patient from ``seed`` on whose set has at least two faults. ``reps``:
    None, the fewest the exercise asks for (a full set: its report says it reached the
    target)."""
    from korset.sim import simulate
    from korsetfw import catalogue

    if reps is None and exercise.reps:
        reps = exercise.reps[0]
    # Three holds, short of a leaflet exercise's dose; the generic hold's dose is one, and
    # its analysis does not yet tell apart several holds in any direction (issue 15:
    # 0 of 10 sets of 3 counted right), so the demo shows what it can: its dose.
    holds = (min(3, exercise.holds or 3) if exercise.kind == catalogue.HOLD else None)
    for k in range(50):
        sim = simulate(exercise, seed + 1000 * k, reps=reps if exercise.kind == catalogue.REPS
                       else None, holds=holds, fault_rate=0.3, buzz=False)
        if len(sim.truth["faults"]) >= 2 or not exercise.axes:  # reps: no axis to fault on
            return sim
    return sim


def step(text: str) -> None:
    print(f"==> {text}", flush=True)


def _name(exercise) -> str:
    """What a user types for it: the leaflet's number, else its key (reps, hold)."""
    return str(exercise.number) if exercise.number is not None else exercise.key


def run(args: argparse.Namespace) -> int:
    import shutil

    from korset import KorsetError
    from korset.cli import Terminated
    from korsetfw import catalogue

    try:
        exercise = catalogue.get(args.exercise)
    except KeyError as e:
        raise KorsetError(str(e).strip("'\"")) from None
    if args.dir is not None and args.dir.is_dir() and any(args.dir.iterdir()) \
            and not args.force:
        raise KorsetError(f"{args.dir} has files in it: give a new or empty directory for "
                          "--dir, or --force to run the demo in it (its board, history and "
                          "report are replaced or added to)")
    if args.dir is not None and args.dir.exists() and not args.dir.is_dir():
        raise KorsetError(f"{args.dir} is a file: give a directory for --dir")
    _outputs.check([args.html], force=args.force)
    root = args.dir or Path(tempfile.mkdtemp(prefix="korset-demo-"))
    try:
        return _demo(args, exercise, root)
    except (KeyboardInterrupt, Terminated):
        if args.dir is None:  # a demo stopped half-way: its own directory is of no use
            shutil.rmtree(root, ignore_errors=True)
        raise


def _demo(args: argparse.Namespace, exercise, root: Path) -> int:
    from korset.vboard import VirtualBoard

    board = VirtualBoard(root / "board")
    b = board.board
    step(f"The demo's directory is {root}: a virtual board (the firmware on the MicroPython "
         f"unix port, a simulated {b['imu']['model'].upper()} at I2C 0x{b['imu']['address']:02x}"
         f", a motor on pin {b['motor']['pin']}, {b['storage']['fs_size_bytes'] // 1024} KiB "
         "LittleFS flash), a session store, a history; yours is not touched")
    sim = _patient(exercise, args.seed, args.reps)
    truth = sim.truth
    tol = ", ".join(f"{a} {t:g} deg" for a, t in truth["tolerance_deg"].items()) or \
        "none (no axis is held still)"
    step(f"Simulated patient: exercise {_name(exercise)} ({exercise.name_en}), "
         f"{truth['posture']}, {sim.recording.duration_s:.0f} s at "
         f"{sim.params['rate_hz']:g} Hz with sensor errors; tolerance {tol}; "
         f"{len(truth['faults'])} faults in the set")
    _flash(board)
    if not _exercise_set(board, exercise, sim, args.speed):
        return 1
    _show_session(board)
    stored = _sync(board.root, root / "sessions")
    if not stored:
        step("No session came over the link: nothing to analyse")
        return 1
    _analyse(stored[-1], truth, root / HISTORY, exercise)
    _report(root / HISTORY, args.html or root / REPORT, args.lang)
    return 0


def _flash(board) -> None:
    """Flash the firmware with real mpremote over the virtual board's serial port."""
    from korset.ble.keys import VIRTUAL_HOST_KEYS, BoardKeys
    from korset.flashing import flash
    from korset.vboard.serial import SerialBoard

    started = time.monotonic()
    serial = SerialBoard(board)  # its flash is blank the first time: no firmware yet
    port = serial.start()
    try:
        # The demo's own computer keeps the board's key beside the board, not in yours.
        report = flash(board.board, port, keys=BoardKeys(board.root / VIRTUAL_HOST_KEYS))
    finally:
        serial.stop()
    kib = sum(n for _, n in report.copied) / 1024
    copied = f"{len(report.copied)} file(s) copied ({kib:.1f} KiB), {report.unchanged} " \
        "unchanged" if report.copied else f"all {report.unchanged} files already there"
    key = "a board key made and kept" if report.key_made else "its board key kept"
    step(f"Flashed the board with mpremote on its serial port {port} ('korset flash --board "
         f"virtual --port {port}'): the firmware compiled with mpy-cross for "
         f"{board.board['mpy_arch']}, {copied}, {key}, the IMU's identity checked, "
         "reset; it booted "
         f"firmware {report.version} ({time.monotonic() - started:.1f} s)")


def _exercise_set(board, exercise, sim, speed: float) -> bool:
    """Boot what was flashed with a set to start, the patient's motion as the IMU's input;
    show what the board did. False when the firmware failed."""
    from korset.replay import end_with_long_press, parse_events
    from korsetfw import catalogue

    truth = sim.truth
    pace = " in real time" if speed == 1 else "" if speed == 0 else f" at {speed:g}x real time"
    step(f"Starting a set of exercise {_name(exercise)}: the board boots from its flash (the "
         "compiled firmware) with a setting to start the set at once (a real board: 'korset "
         f"start -e {_name(exercise)}'); the patient's motion drives the simulated IMU{pace}")
    settings = {"exercise": exercise.number or exercise.key, "status_period_s": 0}
    result = board.run(sim.recording, speed=speed, install=False, settings=settings,
                       **end_with_long_press(sim.recording.duration_s))
    if result.exit_code != 0:
        for line in result.console:
            print(f"    board| {line}")
        step(f"The firmware stopped with an error (exit {result.exit_code})")
        return False
    events = parse_events(result.console)
    for line in result.console:
        if line.startswith(("korset ", "set ")):
            print(f"    board| {line}")
    ref = [e["t_s"] for e in events if e["name"] == "reference"]
    if ref:
        step(f"Reference taken at {ref[0]:.2f} s, once the patient was still in the "
             f"starting posture (two short pulses on the motor)")
    motor = result.drive_episodes(board.board["motor"]["pin"])
    buzz_on = [e["t_s"] for e in events if e["name"] == "buzz_on"]
    answered = set()
    for f in truth["faults"]:
        hits = [(a, z) for a, z in motor if f["start_s"] - 0.3 <= a <= f["end_s"]
                and any(abs(a - t) < 0.05 for t in buzz_on)]
        if hits:
            a, z = hits[0]
            answered.add(hits[0])
            latency_ms = (a - f["start_s"]) * 1000
            when = f"{latency_ms:.0f} ms after" if latency_ms >= 0 else \
                f"{-latency_ms:.0f} ms before"
            step(f"Lower back out by {f['peak_deg']:+.1f} deg ({f['axis']}) from "
                 f"{f['start_s']:.2f} to {f['end_s']:.2f} s: the board buzzed {when} it "
                 f"crossed the tolerance, for {z - a:.2f} s")
        else:
            step(f"Lower back out by {f['peak_deg']:+.1f} deg at {f['start_s']:.2f} s: "
                 "NOT buzzed")
    extra = [m for m in motor if m not in answered and
             any(abs(m[0] - t) < 0.05 for t in buzz_on)]
    if extra:
        step(f"{len(extra)} buzz(es) without a fault: " + ", ".join(
            f"{a:.2f} s" for a, _ in extra))
    if exercise.kind == catalogue.REPS:
        live = sum(1 for e in events if e["name"] == "rep")
        step(f"Repetitions: {truth['reps']} done; the board counted {live} live "
             "(the host's offline analysis is the reference count)")
    else:
        live = sum(1 for e in events if e["name"] == "hold_end")
        step(f"Holds: {len(truth['holds'])} done; the board counted {live} live")
    # A set starts at every boot while the setting says so: take it out, as the host does
    # when it configures the board, before the board boots again with its radio.
    board.run(stop_at_s=0.05, install=False, settings={"status_period_s": 0})
    return True


def _show_session(board) -> None:
    """Take the set's session off the virtual flash and decode it, as the host will."""
    from korset import session as sess

    pulled = board.sessions(board.root / "pulled")
    if not pulled:
        step("The board recorded no session")
        return
    s = sess.read(pulled[-1])
    size = pulled[-1].stat().st_size
    counted = {name: sum(1 for e in s.events if e.name == name)
               for name in ("rep", "hold_end", "buzz_on")}
    step(f"The patient held the button for 2 s to end the set: session {s.header['session']} "
         f"is on the board's flash, {len(s.raw)} raw samples ({len(s.raw) / s.rate_hz:.0f} s) "
         f"in {size / 1024:.1f} KiB ({size / len(s.raw):.2f} bytes/sample, raw 12), "
         f"{len(s.events)} events ({counted['rep']} reps, {counted['hold_end']} holds, "
         f"{counted['buzz_on']} buzzes), ended: {(s.end or {}).get('reason', 'no end record')}"
         + (f"; problems: {'; '.join(s.problems)}" if s.problems else ""))


def _sync(board_dir: Path, store_dir: Path) -> list[Path]:
    """Boot the board again with its radio on, pair and sync over the virtual BLE link."""
    import asyncio

    from korset.ble.radio import VirtualRadio, connected, find_board
    from korset.ble.sync import sync
    from korset.sessionstore import SessionStore

    store = SessionStore(store_dir)

    async def go():
        async with VirtualRadio(board_dir, install=False) as radio:  # what was flashed
            device = await find_board(radio, None)
            step(f"The board is on the air as {device.name} ({device.address}): a Bumble "
                 "peripheral serving the firmware's GATT services; this computer scans with "
                 "bleak on a second Bumble stack")
            async with connected(radio, device, pair=True) as kc:
                info = await kc.info()
                step(f"Paired (LE Secure Connections, bonded): firmware {info.firmware}, "
                     f"{info.sessions} session(s) waiting, battery {info.battery_pct} %")
                report = await sync(kc, store, device.address)
                left = await kc.list_sessions()
        return report, left

    report, left = asyncio.run(go())
    kib = report.bytes_received / 1024
    step(f"Synced {len(report.stored)} session(s), {kib:.1f} KiB in {report.seconds:.2f} s, each "
         f"checked against the board's SHA-256 and stored before the board was told to "
         f"delete it ({len(left)} left on the board): "
         + ", ".join(str(p) for p in report.stored))
    return report.stored


def _overlaps(a_start: float, a_end: float, b_start: float, b_end: float) -> bool:
    from korset.bench.analysis import MATCH_S  # the analysis bench's matching, here too

    return a_start <= b_end + MATCH_S and a_end >= b_start - MATCH_S


def _span(start_s: float, end_s: float) -> str:
    return f"{start_s:.2f}-{end_s:.2f} s".rjust(15)


def _analyse(path: Path, truth: dict, db: Path, exercise) -> None:
    """Analyse the synced session into the demo's history, as 'korset sync' does, and set
    what it found beside what the simulated patient did."""
    from korset.commands._counts import work_phrase
    from korset.history import History
    from korset.setfiles import record_stored
    from korsetfw import catalogue

    history = History(db)
    record = record_stored(path, history)
    a = record.analysis
    if exercise.kind == catalogue.HOLD:
        work = f"{work_phrase(a)} found (the patient held {len(truth['holds'])})"
    else:
        work = f"{work_phrase(a)} found (the patient did {truth['reps']})"
    found = sum(1 for f in truth["faults"] if any(
        _overlaps(g.start_s, g.end_s, f["start_s"], f["end_s"]) for g in a.faults))
    step(f"Analysed the synced session on this computer (what 'korset sync' does with each "
         f"new session): reference at {a.reference_s:.2f} s, {work}; {len(a.faults)} fault(s) "
         f"found, {found} of the {len(truth['faults'])} simulated")
    if exercise.kind == catalogue.HOLD:  # paired in order, as the analysis bench does
        for i, h in enumerate(truth["holds"]):
            got = a.holds[i] if i < len(a.holds) else None
            print(f"    hold  {_span(h['start_s'], h['end_s'])}  -> "
                  + (f"found {_span(got.start_s, got.end_s)}" if got else "NOT found"))
    for f in truth["faults"]:
        hits = [g for g in a.faults if _overlaps(g.start_s, g.end_s, f["start_s"], f["end_s"])]
        print(f"    fault {_span(f['start_s'], f['end_s'])} {f['axis']:<8} "
              f"{f['peak_deg']:+5.1f} deg  -> " + ("; ".join(
                  f"found {_span(g.start_s, g.end_s)} {g.axis:<8} {g.peak_deg:+5.1f} deg"
                  for g in hits) or "NOT found"))
    for g in a.faults:
        if not any(_overlaps(g.start_s, g.end_s, f["start_s"], f["end_s"])
                   for f in truth["faults"]):
            print(f"    found {_span(g.start_s, g.end_s)} {g.axis:<8} "
                  f"{g.peak_deg:+5.1f} deg, not a simulated fault")
    step(f"Stored in the demo's history {db}: set {record.id} ({history.count()} set(s) in it)")


def _report(db: Path, html: Path, lang: str) -> None:
    from korset.history import History
    from korset.report import html_report, text_report

    records = History(db).sets(with_traces=True)
    step(f"The report of the demo's history ('korset report --db {db}'):")
    for line in text_report(records, lang).splitlines():
        print(f"    {line}".rstrip())
    page = html_report(records, lang)
    _outputs.write(html, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    html = html.resolve()
    step(f"Wrote the HTML report {html} ({len(records)} set(s), {len(page) // 1024} kB, "
         "self-contained: movement over time, faults, repetitions or holds)")
    step(f"Done. Open {html.as_uri()} in a web browser. Next: 'korset flash --board NAME' "
         "puts the firmware on a real board (see the README), and after 'korset sync', "
         "'korset report --html report.html' reports your own history")
