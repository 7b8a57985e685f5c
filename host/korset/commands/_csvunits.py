"""The options that say how another device's CSV recording is written, for every command
that reads one (``korset.inputs.load`` converts and checks it).

``add_arguments(p)`` adds ``--accel-unit``, ``--gyro-unit``, ``--time-unit`` and
``--alignment``; ``options(args)`` gives them as ``load``'s keyword arguments.
Kept light: no numpy at parse time, the unit names are ``inputs``' own tables.
"""

from __future__ import annotations

import argparse

ACCEL_UNITS = ("m/s2", "g", "mg")  # korset.inputs.ACCEL_UNITS
GYRO_UNITS = ("rad/s", "deg/s")  # korset.inputs.GYRO_UNITS
TIME_UNITS = ("s", "ms", "us")  # korset.inputs.TIME_UNITS


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("CSV recordings from other devices")
    g.add_argument("--accel-unit", metavar="|".join(ACCEL_UNITS),
                   help="acceleration unit (default m/s2)")
    g.add_argument("--gyro-unit", metavar="|".join(GYRO_UNITS),
                   help="angular rate unit (default rad/s)")
    g.add_argument("--time-unit", metavar="|".join(TIME_UNITS),
                   help="time unit (default s; times may start anywhere, e.g. Unix time)")
    g.add_argument("--alignment", metavar="AXES",
                   help="body x, y, z as signed sensor axes, e.g. +Y-X+Z (default +X+Y+Z; "
                        "one starting with - is written --alignment=-Z+Y+X)")


def options(args: argparse.Namespace) -> dict:
    return {"accel_unit": args.accel_unit, "gyro_unit": args.gyro_unit,
            "time_unit": args.time_unit, "alignment": args.alignment}
