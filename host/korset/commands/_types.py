"""Option types: numbers within what Korset can do, an impossible one refused in one line.

Each is an ``argparse`` ``type=`` function. It parses the option's text and, when the
value is not a number or is outside its bounds, raises ``argparse.ArgumentTypeError``
naming the bounds, the unit and why: ``korset sim --rate 0`` ends with
``korset sim: argument --rate: must be 25-833 Hz (...), not 0`` and exit status 2,
never a traceback from deep inside (a division by zero, an empty array).

The bounds are what the firmware, the IMUs, the protocol or the simulator can do; each
constant below says which, and the library functions behind the commands check the
same with a ValueError for callers other than the command line.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

# A random seed: numpy takes any integer >= 0, but its legacy seeding and most tools
# that repeat a run take a 32-bit unsigned one, so a seed written down works everywhere.
SEED_RANGE = (0, 2**32 - 1)
# The IMU output data rates the firmware's drivers set, Hz: the MPU-6886's slowest
# (25 Hz) to the LSM6DSOX's fastest (833 Hz). The simulator's motion grid is 1000 Hz,
# so it samples any rate in between; above that it would only interpolate.
IMU_RATE_RANGE_HZ = (25, 833)
# The LSM6DSOX driver's rates (the firmware benchmark runs on that chip), Hz.
LSM6DSOX_RATES_HZ = (26, 52, 104, 208, 416, 833)
# A patient's tolerance, degrees: korsetfw.settings.TOLERANCE_RANGE_DEG (the board
# refuses a setting or programme outside it). Copied here to keep the parser's imports
# light; tests/host/test_cli_ranges.py checks that they agree.
TOLERANCE_RANGE_DEG = (0.5, 30.0)
# Live packets per second: the protocol's LIVE_RATES_HZ (korsetfw.protocol).
LIVE_RATE_RANGE_HZ = (10, 25)
# Simulated patients per exercise: the corpus's seeds of one exercise are 1000 apart
# (korset.sim.corpus.corpus_sets), so more patients would repeat another exercise's.
PATIENTS_RANGE = (1, 1000)


def _number(text: str, kind: type) -> float | int:
    try:
        value = kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"must be {what}, not {text!r}") from None
    if kind is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text!r}")
    return value


def _show(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _bounds(lo: float, hi: float | None, unit: str, lo_open: bool) -> str:
    unit = f" {unit}" if unit else ""
    if hi is None:
        return f"{'more than' if lo_open else 'at least'} {_show(lo)}{unit}"
    if lo_open:
        return f"more than {_show(lo)} and at most {_show(hi)}{unit}"
    return f"{_show(lo)}-{_show(hi)}{unit}"


def int_range(lo: int, hi: int | None, unit: str = "", why: str = "") -> Callable[[str], int]:
    """A whole number from ``lo`` to ``hi`` (None: no upper bound), in ``unit``."""
    def parse(text: str) -> int:
        value = _number(text, int)
        if value < lo or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(
                f"must be {_bounds(lo, hi, unit, False)}{f' ({why})' if why else ''}, "
                f"not {text}")
        return value
    parse.__name__ = "int"  # argparse names the type in its messages
    return parse


def float_range(lo: float, hi: float | None, unit: str = "", why: str = "", *,
                lo_open: bool = False) -> Callable[[str], float]:
    """A finite number from ``lo`` (or above it, ``lo_open``) to ``hi`` (None: no upper
    bound), in ``unit``."""
    def parse(text: str) -> float:
        value = _number(text, float)
        if value < lo or (lo_open and value == lo) or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(
                f"must be {_bounds(lo, hi, unit, lo_open)}{f' ({why})' if why else ''}, "
                f"not {text}")
        return value
    parse.__name__ = "float"
    return parse


def positive_float(unit: str, hi: float | None = None, why: str = "") -> Callable[[str], float]:
    """A finite number above 0 (and at most ``hi``), in ``unit``: a duration, a scale."""
    return float_range(0.0, hi, unit, why, lo_open=True)


def rate_list(lo: int = IMU_RATE_RANGE_HZ[0], hi: int = IMU_RATE_RANGE_HZ[1],
              why: str = "the IMUs' output data rates") -> Callable[[str], tuple[float, ...]]:
    """Comma-separated sample rates, whole Hz, each from ``lo`` to ``hi``, none twice:
    a corpus names its recordings by the rate in whole Hz (``KEY-p00-104hz.csv``), so
    52.5 and 52 would be one file."""
    one = int_range(lo, hi, "Hz", why)

    def parse(text: str) -> tuple[float, ...]:
        parts = [part.strip() for part in text.split(",")]
        try:
            rates = tuple(float(one(part)) for part in parts)
        except argparse.ArgumentTypeError as e:
            raise argparse.ArgumentTypeError(f"each rate {e} (in {text!r})") from None
        if len(set(rates)) != len(rates):
            raise argparse.ArgumentTypeError(f"names a rate twice: {text}")
        return rates
    parse.__name__ = "rates"
    return parse


seed = int_range(*SEED_RANGE, why="a 32-bit unsigned seed, as numpy's seeding takes")
imu_rate_hz = float_range(*IMU_RATE_RANGE_HZ, "Hz",
                          "the IMUs' output data rates, from the MPU-6886's slowest to the "
                          "LSM6DSOX's fastest")
tolerance_deg = float_range(*TOLERANCE_RANGE_DEG, "degrees", "what the board accepts")
fraction = float_range(0.0, 1.0, "", "a share: 0 none, 1 all")
patients = int_range(*PATIENTS_RANGE, "patients",
                     "the corpus's seeds of one exercise are 1000 apart")
