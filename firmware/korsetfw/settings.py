"""Device settings: what the user or the host chose, apart from running state.

Stored as ``/settings.json`` on the board. A missing file means defaults; a
bad value is reported and replaced by its default, so that a corrupt settings
file never stops the board from starting.
"""

import json

from korsetfw import catalogue

_ANY_BOOL = "bool"
_EXERCISE = "exercise"
_TOLERANCE = "tolerance"
TOLERANCE_RANGE_DEG = catalogue.TOLERANCE_RANGE_DEG  # (defined there, for the link too)

# name -> (default, allowed values or a kind, meaning)
FIELDS = {
    # Chip-neutral: the IMU driver makes its nearest rate (an MPU-6886 makes
    # 100 Hz when 104 is asked) and its next range that holds the one asked.
    "rate_hz": (104, (25, 26, 50, 52, 100, 104, 200, 208), "IMU output data rate, Hz"),
    "accel_fs_g": (4, (2, 4, 8, 16), "accelerometer full scale, g"),
    "gyro_fs_dps": (500, (125, 250, 500, 1000, 2000), "gyroscope full scale, degrees/s"),
    "record": (True, _ANY_BOOL, "record every set to the board's flash as a session"),
    "stream": (False, _ANY_BOOL, "print every sample on the console as recording-contract CSV"),
    "status_period_s": (1, (0, 1, 2, 5, 10, 60), "console status line period, s (0: off)"),
    "exercise": (None, _EXERCISE, "start a set of this exercise at boot (number or key)"),
    "programme": (None, "programme", "the patient's programme as the host sent it (hex; "
                  "korsetfw.programme)"),
    "tolerance_deg": (None, _TOLERANCE, "this patient's tolerance, degrees (null: the "
                      "exercise's own)"),
    # Off by default: a started machine.WDT cannot be stopped on ESP32 or RP2, so a board
    # whose firmware is interrupted for flashing over USB would reset under mpremote.
    "watchdog_s": (0, (0, 2, 4, 8), "reset the board if its main loop stalls this long, s "
                   "(0: no watchdog)"),
}


def _valid(value, allowed):
    if allowed == _ANY_BOOL:
        return isinstance(value, bool)
    if allowed == _EXERCISE:
        if value is None:
            return True
        try:
            catalogue.get(value)
        except KeyError:
            return False
        return True
    if allowed == "programme":
        return value is None or isinstance(value, str)
    if allowed == _TOLERANCE:
        lo, hi = TOLERANCE_RANGE_DEG
        return value is None or (isinstance(value, (int, float)) and
                                 not isinstance(value, bool) and lo <= value <= hi)
    return not isinstance(value, bool) and value in allowed


class Settings:
    def __init__(self, values=None):
        self.problems = []  # type: list[str]
        for name in FIELDS:
            setattr(self, name, FIELDS[name][0])
        if values:
            self.update(values)

    def update(self, values):
        for name in values:
            value = values[name]
            if name not in FIELDS:
                self.problems.append("unknown setting %r ignored" % name)
                continue
            if not _valid(value, FIELDS[name][1]):
                self.problems.append("setting %s=%r invalid, using %r"
                                     % (name, value, FIELDS[name][0]))
                continue
            setattr(self, name, value)

    def as_dict(self):
        return {name: getattr(self, name) for name in FIELDS}


class Values:
    """What the board keeps of its settings once booted (``values``): a Settings' fields
    and problems as plain attributes, and no methods, so that holding one does not keep
    this module's code in RAM (boot drops the module, ``korsetfw.forget``; ``save`` takes
    one as it takes a Settings)."""

    problems: "list[str]"  # for the type checker only: MicroPython compiles it to nothing


def values(settings):
    """The fields and problems of ``settings`` (a Settings) on a Values."""
    v = Values()
    for name in FIELDS:
        setattr(v, name, getattr(settings, name))
    v.problems = settings.problems
    return v


def save(settings, path="/settings.json"):
    """Write ``settings`` (a Settings or Values) whole or not at all, on LittleFS and FAT
    (``korsetfw.atomicfile``)."""
    from korsetfw import atomicfile

    atomicfile.write(path, json.dumps({name: getattr(settings, name)
                                       for name in FIELDS}).encode())


def load(path="/settings.json"):
    """The settings stored at ``path``; defaults, with the problem noted, when unreadable.

    A plain JSON file (written by the host or earlier firmware) is read as
    well as what ``save`` writes.
    """
    import os

    from korsetfw import atomicfile

    values = atomicfile.read(path, json.loads)
    if values is None:
        s = Settings()
        try:
            os.stat(path)
        except OSError:
            return s  # no settings file: defaults, nothing to report
        s.problems.append("%s is torn or not valid JSON, using defaults" % path)
        return s
    if not isinstance(values, dict):
        s = Settings()
        s.problems.append("%s is not a JSON object, using defaults" % path)
        return s
    return Settings(values)
