"""Run the whole system on the virtual board, no hardware needed.

Simulates a patient doing a leaflet exercise with a couple of faults, puts the
firmware on a virtual board's flash, boots it on the MicroPython unix port
with the patient's motion as its IMU's input, and shows what the board did:
when it took its reference, when it buzzed (and how soon after the lower
back crossed the tolerance), what it counted.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--exercise", "-e", default="3", help="leaflet exercise 1-9 (default 3)")
    p.add_argument("--seed", type=int, default=1, help="simulated patient (default 1)")
    p.add_argument("--reps", type=int, default=8, help="repetitions (default 8)")
    p.add_argument("--speed", type=float, default=0.0,
                   help="0: as fast as the firmware runs (default); 1: real time; N: N x real time")
    p.add_argument("--dir", type=Path, default=None,
                   help="keep the virtual board (flash image, logs) here instead of a temp dir")


def _patient(exercise, seed: int, reps: int):
    """The first patient from ``seed`` on whose set has at least two faults."""
    from korset.sim import simulate
    from korsetfw import catalogue

    for k in range(50):
        sim = simulate(exercise, seed + 1000 * k, reps=reps if exercise.kind == catalogue.REPS
                       else None, holds=3 if exercise.kind == catalogue.HOLD else None,
                       fault_rate=0.3, buzz=False)
        if len(sim.truth["faults"]) >= 2:
            return sim
    return sim


def run(args: argparse.Namespace) -> int:
    from korset import KorsetError
    from korset.vboard import VirtualBoard
    from korsetfw import catalogue

    def step(text: str) -> None:
        print(f"==> {text}", flush=True)

    try:
        exercise = catalogue.get(args.exercise)
    except KeyError as e:
        raise KorsetError(str(e).strip("'\"")) from None
    with tempfile.TemporaryDirectory(prefix="korset-demo-") as tmp:
        root = args.dir or Path(tmp)
        board = VirtualBoard(root)
        b = board.board
        step(f"Virtual board in {root}: the firmware on the MicroPython unix port, a simulated "
             f"{b['imu']['model'].upper()} at I2C 0x{b['imu']['address']:02x}, a motor on pin "
             f"{b['motor']['pin']}, {b['storage']['fs_size_bytes'] // 1024} KiB LittleFS flash")
        sim = _patient(exercise, args.seed, args.reps)
        truth = sim.truth
        tol = ", ".join(f"{a} {t:g} deg" for a, t in truth["tolerance_deg"].items())
        step(f"Simulated patient: exercise {exercise.number} ({exercise.name_en}), "
             f"{truth['posture']}, {sim.recording.duration_s:.0f} s at "
             f"{sim.params['rate_hz']:g} Hz with sensor errors; tolerance {tol}; "
             f"{len(truth['faults'])} faults in the set")
        step("Installing the firmware on the board's flash and starting a set of exercise "
             f"{exercise.number}; the patient's motion drives the simulated IMU"
             + (" in real time" if args.speed == 1 else "" if args.speed == 0
                else f" at {args.speed:g}x real time"))
        settings = {"exercise": exercise.number, "status_period_s": 0}
        from korset.replay import end_with_long_press

        result = board.run(sim.recording, speed=args.speed, settings=settings,
                           **end_with_long_press(sim.recording.duration_s))
        if result.exit_code != 0:
            for line in result.console:
                print(f"    board| {line}")
            step(f"The firmware stopped with an error (exit {result.exit_code})")
            return 1
        from korset.replay import parse_events

        events = parse_events(result.console)
        for line in result.console:
            if line.startswith(("korset ", "set ")):
                print(f"    board| {line}")
        ref = [e["t_s"] for e in events if e["name"] == "reference"]
        if ref:
            step(f"Reference taken at {ref[0]:.2f} s, once the patient was still in the "
                 f"starting posture (two short pulses on the motor)")
        motor = result.drive_episodes(b["motor"]["pin"])
        buzz_on = [e["t_s"] for e in events if e["name"] == "buzz_on"]
        answered = set()
        for f in truth["faults"]:
            hits = [(a, z) for a, z in motor if f["start_s"] - 0.3 <= a <= f["end_s"]
                    and any(abs(a - t) < 0.05 for t in buzz_on)]
            if hits:
                a, z = hits[0]
                answered.add(hits[0])
                step(f"Lower back out by {f['peak_deg']:+.1f} deg ({f['axis']}) from "
                     f"{f['start_s']:.2f} to {f['end_s']:.2f} s: the board buzzed "
                     f"{(a - f['start_s']) * 1000:.0f} ms after it crossed the tolerance, "
                     f"for {z - a:.2f} s")
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
        _show_session(board, root, step)
        _sync(root, step)
        step("Coming next: analysis and the report")
    return 0


def _show_session(board, root: Path, step) -> None:
    """Take the set's session off the virtual flash and decode it, as the host will."""
    from korset import session as sess

    pulled = board.sessions(root / "pulled")
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


def _sync(root: Path, step) -> None:
    """Boot the board again with its radio on, pair and sync over the virtual BLE link."""
    import asyncio

    from korset.ble.radio import VirtualRadio, connected, find_board
    from korset.ble.sync import sync
    from korset.sessionstore import SessionStore

    store = SessionStore(root / "host-sessions")

    async def go():
        async with VirtualRadio(root, settings={"status_period_s": 0}, install=True) as radio:
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
         + ", ".join(str(p.relative_to(root)) for p in report.stored))
