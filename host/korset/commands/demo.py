"""Run the whole system on the virtual board, no hardware needed.

Puts the firmware on a virtual board's flash, boots it on the MicroPython unix
port, feeds its simulated IMU a patient's motion, and shows what the firmware
did: the samples it read, the posture it saw, and when it drove the motor.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seconds", type=float, default=12.0, help="length of the motion (default 12)")
    p.add_argument("--bend-deg", type=float, default=10.0,
                   help="how far the patient bends forward, degrees (default 10)")
    p.add_argument("--speed", type=float, default=0.0,
                   help="0: as fast as the firmware runs (default); 1: real time; N: N x real time")
    p.add_argument("--dir", type=Path, default=None,
                   help="keep the virtual board (flash image, logs) here instead of a temp dir")


def run(args: argparse.Namespace) -> int:
    from korset.sim.scripted import bends
    from korset.vboard import VirtualBoard

    def step(text: str) -> None:
        print(f"==> {text}", flush=True)

    with tempfile.TemporaryDirectory(prefix="korset-demo-") as tmp:
        root = args.dir or Path(tmp)
        board = VirtualBoard(root)
        imu = board.board["imu"]
        step(f"Virtual board in {root}: MicroPython unix port, simulated {imu['model'].upper()} "
             f"at I2C 0x{imu['address']:02x}, motor on pin {board.board['motor']['pin']}, "
             f"{board.board['storage']['fs_size_bytes'] // 1024} KiB LittleFS flash")
        rec = bends(duration_s=args.seconds, pitch_deg=args.bend_deg)
        step(f"Patient motion: {args.seconds:g} s, standing still for 2 s, then slow forward "
             f"bends of {args.bend_deg:g} deg with a little side tilt and twist")
        step("Installing the firmware on the board's flash, booting it, running"
             + (" in real time" if args.speed == 1 else "" if args.speed == 0
                else f" at {args.speed:g}x real time"))
        result = board.run(rec, speed=args.speed)
        for line in result.console:
            print(f"    board| {line}")
        if result.exit_code != 0:
            step(f"The firmware stopped with an error (exit {result.exit_code})")
            return 1
        statuses = [line for line in result.console if line.startswith("status")]
        if statuses:
            last = statuses[-1]
            samples = int(last.split("samples=")[1].split()[0])
            seconds = float(last.split("t=")[1].split("s")[0])
            flex = [float(line.split("flex=")[1].split("deg")[0]) for line in statuses]
            step(f"The firmware read {samples} samples in {seconds:.2f} s through its "
                 f"{imu['model'].upper()} driver ({samples / seconds:.1f} per second)")
            step(f"Forward flexion of its gravity estimate, once a second: "
                 f"{', '.join(f'{f:+.1f}' for f in flex)} deg (motion peaks at "
                 f"{args.bend_deg:+.1f}; the estimate is low-passed over 0.6 s)")
        motor_pin = board.board["motor"]["pin"]
        for start, end in result.drive_episodes(motor_pin):
            step(f"Motor buzzed from {start:.3f} s to {end:.3f} s "
                 f"({(end - start) * 1000:.0f} ms: the 'switched on' buzz, with a spin-up kick)")
        step("Done. Next steps for the demo: exercises, faults, sync and reports (see README)")
    return 0
