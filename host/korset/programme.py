"""A patient's programme and a physiotherapist's custom exercises, from a TOML file.

    # programme.toml
    patient = "A. Jensen"                 # optional

    [[exercise]]                          # a custom exercise (any number of them)
    key = "bridge"                        # how [[set]] refers to it
    name = "Bridge"                       # English name; name_da optional
    kind = "reps"                         # "reps" or "hold"
    posture = "supine"                    # supine prone side_lying quadruped sitting standing any
    axes = ["rotation", "lateral"]        # what must stay still: flexion, lateral, rotation
    tolerance_deg = 5.0                   # one number for all axes, or {rotation = 4.0, ...}
    reps = [12, 15]                       # reps: target range (or one number)
    sides = "alternate"                   # optional: "one" (default) or "alternate"
    # a hold exercise gives hold_s = [15, 20] (or one number) and holds = 3, and
    # hold_in_place = true when holding is keeping still in the starting posture

    [[set]]                               # the programme, in order
    exercise = 3                          # catalogue number 1-9, "reps", "hold" or a custom key
    tolerance_deg = 6.0                   # optional: this patient's tolerance
    reps = 15                             # optional: this patient's target

Every problem is reported as ``FILE:LINE: message``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from korset import KorsetError
from korsetfw import catalogue as cat
from korsetfw.settings import TOLERANCE_RANGE_DEG


class ProgrammeError(KorsetError):
    pass


@dataclass
class ProgrammeSet:
    exercise: cat.Exercise
    tolerance_deg: dict[str, float]
    reps: tuple[int, int] | None
    hold_s: tuple[float, float] | None
    holds: int | None


@dataclass
class Programme:
    patient: str | None
    exercises: list[cat.Exercise]  # custom ones
    sets: list[ProgrammeSet]

    def lookup(self, ref: int | str) -> cat.Exercise:
        for ex in self.exercises:
            if ex.key == ref:
                return ex
        return cat.get(ref)


class _Lines:
    """Line numbers of array-of-table headers and the keys under them."""

    def __init__(self, text: str):
        self.tables: dict[str, list[int]] = {}
        self.keys: dict[tuple[str, int], dict[str, int]] = {}
        self.top: dict[str, int] = {}
        current: tuple[str, int] | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            header = re.match(r"\s*\[\[\s*([A-Za-z_]+)\s*\]\]", line)
            if header:
                rows = self.tables.setdefault(header.group(1), [])
                rows.append(number)
                current = (header.group(1), len(rows) - 1)
                continue
            key = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=", line)
            if key:
                target = self.keys.setdefault(current, {}) if current else self.top
                target.setdefault(key.group(1), number)

    def of(self, table: str, index: int, key: str | None = None) -> int:
        if key is not None and key in self.keys.get((table, index), {}):
            return self.keys[(table, index)][key]
        return self.tables.get(table, [0])[index] if index < len(self.tables.get(table, [])) \
            else 0


class _Checker:
    def __init__(self, path: Path, lines: _Lines):
        self.path = path
        self.lines = lines
        self.problems: list[str] = []

    def fail(self, line: int, message: str) -> None:
        self.problems.append(f"{self.path}:{line}: {message}")


def _range(value, what: str, number_type) -> tuple | None:
    """A target given as one number or [min, max]."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = [value, value]
    if (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
            and 0 < value[0] <= value[1]
            and (number_type is float or all(float(v).is_integer() for v in value))):
        return (number_type(value[0]), number_type(value[1]))
    return None


def _tolerance(value, axes, check: _Checker, line: int) -> dict[str, float] | None:
    lo, hi = TOLERANCE_RANGE_DEG
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = {axis: value for axis in axes}
    if not isinstance(value, dict):
        check.fail(line, "tolerance_deg must be a number or a table of axis = degrees")
        return None
    result = {}
    for axis, deg in value.items():
        if axis not in axes:
            check.fail(line, f"tolerance_deg names axis {axis!r}, not among {list(axes)}")
        elif isinstance(deg, bool) or not isinstance(deg, (int, float)) or not lo <= deg <= hi:
            check.fail(line, f"tolerance_deg.{axis} = {deg!r}: must be {lo}-{hi} degrees")
        else:
            result[axis] = float(deg)
    return result


_EXERCISE_KEYS = {"key", "name", "name_da", "kind", "posture", "axes", "tolerance_deg", "reps",
                  "hold_s", "holds", "sides", "how", "how_da", "hold_in_place"}
_SET_KEYS = {"exercise", "tolerance_deg", "reps", "hold_s", "holds"}


def _custom_exercise(i: int, entry: dict, check: _Checker, taken: set) -> cat.Exercise | None:
    at = lambda key=None: check.lines.of("exercise", i, key)  # noqa: E731
    before = len(check.problems)
    for k in entry:
        if k not in _EXERCISE_KEYS:
            check.fail(at(k), f"unknown key {k!r} in [[exercise]]")
    for k in ("key", "name", "kind", "posture", "axes"):
        if k not in entry:
            check.fail(at(), f"[[exercise]] lacks {k!r}")
    if len(check.problems) > before:
        return None
    key = entry["key"]
    if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", key):
        check.fail(at("key"), f"key {key!r}: use lower-case letters, digits and _")
    elif key in taken:
        check.fail(at("key"), f"key {key!r} is already taken by another exercise")
    kind, posture, axes = entry["kind"], entry["posture"], entry["axes"]
    if kind not in cat.KINDS:
        check.fail(at("kind"), f"kind {kind!r}: must be one of {list(cat.KINDS)}")
    if posture not in cat.POSTURES:
        check.fail(at("posture"), f"posture {posture!r}: must be one of {list(cat.POSTURES)}")
    if not isinstance(axes, list) or any(a not in cat.AXES for a in axes) or \
            len(set(axes)) != len(axes):
        check.fail(at("axes"), f"axes {axes!r}: a list of distinct names from {list(cat.AXES)}")
        axes = []
    sides = entry.get("sides", cat.ONE_SIDE)
    if sides not in (cat.ONE_SIDE, cat.ALTERNATE):
        check.fail(at("sides"), f"sides {sides!r}: 'one' or 'alternate'")
    tolerance = {}
    if axes:
        if "tolerance_deg" not in entry:
            check.fail(at(), "[[exercise]] with axes needs tolerance_deg")
        else:
            tolerance = _tolerance(entry["tolerance_deg"], axes, check, at("tolerance_deg"))
            if tolerance is not None and set(tolerance) != set(axes) and \
                    len(check.problems) == before:
                check.fail(at("tolerance_deg"), f"tolerance_deg must cover every axis {axes}")
    reps = hold_s = holds = None
    if kind == cat.REPS:
        reps = _range(entry.get("reps", [15, 20]), "reps", int)
        if reps is None:
            check.fail(at("reps"), f"reps {entry.get('reps')!r}: a whole number or [min, max]")
        for k in ("hold_s", "holds"):
            if k in entry:
                check.fail(at(k), f"{k} belongs to hold exercises, this one is reps")
    elif kind == cat.HOLD:
        hold_s = _range(entry.get("hold_s", [15, 20]), "hold_s", float)
        if hold_s is None:
            check.fail(at("hold_s"), f"hold_s {entry.get('hold_s')!r}: seconds or [min, max]")
        holds = entry.get("holds", 1)
        if isinstance(holds, bool) or not isinstance(holds, int) or holds < 1:
            check.fail(at("holds"), f"holds {holds!r}: a whole number, 1 or more")
        if "reps" in entry:
            check.fail(at("reps"), "reps belongs to reps exercises, this one is a hold")
        if not isinstance(entry.get("hold_in_place", False), bool):
            check.fail(at("hold_in_place"), "hold_in_place must be true or false")
    for text_key in ("name", "name_da", "how", "how_da"):
        text = entry.get(text_key, "x")
        if not (isinstance(text, str) and text.strip()):
            check.fail(at(text_key), f"{text_key} must be non-empty text")
    if len(check.problems) > before:
        return None
    name = entry["name"]
    return cat.Exercise(key, None, kind, posture, tuple(axes), tolerance, name,
                        entry.get("name_da", name), entry.get("how", name),
                        entry.get("how_da", entry.get("how", name)), reps=reps, hold_s=hold_s,
                        holds=holds, sides=sides,
                        hold_in_place=bool(entry.get("hold_in_place", False)))


def load(path: str | Path) -> Programme:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ProgrammeError(f"{path}: cannot read ({e})") from e
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ProgrammeError(f"{path}: not valid TOML: {e}") from e
    lines = _Lines(text)
    check = _Checker(path, lines)
    for key in data:
        if key not in ("patient", "exercise", "set"):
            check.fail(lines.top.get(key, lines.tables.get(key, [0])[0]),
                       f"unknown key {key!r} (expected patient, [[exercise]], [[set]])")
    patient = data.get("patient")
    if patient is not None and not isinstance(patient, str):
        check.fail(lines.top.get("patient", 0), "patient must be text")
    taken = {ex.key for ex in cat.EXERCISES}
    custom = []
    entries = data.get("exercise", [])
    if not isinstance(entries, list):
        check.fail(lines.top.get("exercise", 0), "exercise must be written as [[exercise]]")
        entries = []
    for i, entry in enumerate(entries):
        ex = _custom_exercise(i, entry, check, taken)
        if ex is not None:
            custom.append(ex)
            taken.add(ex.key)
    programme = Programme(patient, custom, [])
    sets = data.get("set", [])
    if not isinstance(sets, list):
        check.fail(lines.top.get("set", 0), "set must be written as [[set]]")
        sets = []
    for i, entry in enumerate(sets):
        at = lambda key=None, i=i: lines.of("set", i, key)  # noqa: E731
        for key in entry:
            if key not in _SET_KEYS:
                check.fail(at(key), f"unknown key {key!r} in [[set]]")
        if "exercise" not in entry:
            check.fail(at(), "[[set]] lacks 'exercise'")
            continue
        try:
            ex = programme.lookup(entry["exercise"])
        except KeyError:
            check.fail(at("exercise"), f"exercise {entry['exercise']!r} is neither in the "
                       "catalogue (1-9, reps, hold) nor a custom [[exercise]] key")
            continue
        tolerance = dict(ex.tolerance_deg)
        if "tolerance_deg" in entry:
            given = _tolerance(entry["tolerance_deg"], ex.axes or cat.AXES, check,
                               at("tolerance_deg"))
            tolerance.update(given or {})
        reps, hold_s, holds = ex.reps, ex.hold_s, ex.holds
        if "reps" in entry:
            reps = _range(entry["reps"], "reps", int) if ex.kind == cat.REPS else None
            if reps is None:
                check.fail(at("reps"), f"reps {entry['reps']!r}: a whole number or [min, max] "
                           f"for a reps exercise")
        for key in ("hold_s", "holds"):
            if key in entry and ex.kind != cat.HOLD:
                check.fail(at(key), f"{key} given for {ex.key!r}, which is not a hold")
        if "hold_s" in entry and ex.kind == cat.HOLD:
            hold_s = _range(entry["hold_s"], "hold_s", float)
            if hold_s is None:
                check.fail(at("hold_s"), f"hold_s {entry['hold_s']!r}: seconds or [min, max]")
        if "holds" in entry and ex.kind == cat.HOLD:
            holds = entry["holds"]
            if isinstance(holds, bool) or not isinstance(holds, int) or holds < 1:
                check.fail(at("holds"), f"holds {holds!r}: a whole number, 1 or more")
        programme.sets.append(ProgrammeSet(ex, tolerance, reps, hold_s, holds))
    if check.problems:
        raise ProgrammeError("\n".join(check.problems))
    return programme
