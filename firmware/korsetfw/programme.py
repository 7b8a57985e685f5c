"""A patient's programme on the board: the sets, in order, as the host sends them.

Each set travels as ``protocol.PROGRAMME_SET`` (both sides use ``pack`` and
``unpack`` here): the exercise (a catalogue code, or a custom exercise given
by its kind, posture and axes), this patient's tolerance per axis, and the
targets. The board keeps the packed sets in its settings file and starts
them in turn when asked to start without naming an exercise.
"""

import struct

from korsetfw import catalogue as cat
from korsetfw import protocol as p
from korsetfw.units import from_decideg, to_decideg

CUSTOM = 200  # exercise code of a set whose exercise is described in the set itself
MAX_SETS = 16
_AXIS_BITS = ((cat.FLEXION, 1), (cat.LATERAL, 2), (cat.ROTATION, 4))
_FLAG_HOLD_IN_PLACE = 1
_FLAG_ALTERNATE = 2


class ProgrammeSet:
    """One set: ``exercise`` (catalogue.Exercise), tolerance {axis: deg}, targets."""

    def __init__(self, exercise, tolerance_deg, target_reps=None, hold_s=None, holds=None):
        self.exercise = exercise
        self.tolerance_deg = tolerance_deg
        self.target_reps = target_reps
        self.hold_s = hold_s
        self.holds = holds


def pack(s):
    """The wire form of a ProgrammeSet."""
    ex = s.exercise
    code = CUSTOM if ex.number is None and ex.key not in (cat.REPS, cat.HOLD) else \
        p.exercise_code(ex.number or ex.key)
    axes = 0
    for axis, bit in _AXIS_BITS:
        if axis in ex.axes:
            axes |= bit
    tol = s.tolerance_deg
    flags = (_FLAG_HOLD_IN_PLACE if ex.hold_in_place else 0) | (
        _FLAG_ALTERNATE if ex.sides == cat.ALTERNATE else 0)
    return struct.pack(
        p.PROGRAMME_SET, code, 1 if ex.kind == cat.HOLD else 0, cat.POSTURES.index(ex.posture),
        axes, to_decideg(tol.get(cat.FLEXION, 0)), to_decideg(tol.get(cat.LATERAL, 0)),
        to_decideg(tol.get(cat.ROTATION, 0)), s.target_reps or 0, int(s.hold_s or 0),
        s.holds or 0, flags)


def unpack(data, index=0):
    """A ProgrammeSet from its wire form. ValueError (or KeyError) when it is not valid."""
    (code, kind, posture, axes, tol_f, tol_l, tol_r, reps, hold_s, holds,
     flags) = struct.unpack(p.PROGRAMME_SET, data)
    lo, hi = cat.TOLERANCE_RANGE_DEG
    tolerance = {}
    for axis, bit in _AXIS_BITS:
        value = from_decideg({cat.FLEXION: tol_f, cat.LATERAL: tol_l,
                              cat.ROTATION: tol_r}[axis])
        if axes & bit:
            if not lo <= value <= hi:
                raise ValueError("tolerance out of range")
            tolerance[axis] = value
    if axes & ~7 or kind > 1 or posture >= len(cat.POSTURES) or flags & ~3:
        raise ValueError("bad programme set")
    if code == CUSTOM:
        kind_name = cat.HOLD if kind else cat.REPS
        if kind_name == cat.HOLD and not (hold_s and holds):
            raise ValueError("a hold needs its time and count")
        exercise = cat.Exercise(
            "custom%d" % (index + 1), None, kind_name, cat.POSTURES[posture],
            tuple(a for a, bit in _AXIS_BITS if axes & bit), dict(tolerance),
            "Custom exercise %d" % (index + 1), "Egen øvelse %d" % (index + 1), "", "",
            reps=(reps, reps) if reps else None, hold_s=(hold_s, hold_s) if hold_s else None,
            holds=holds or None, sides=cat.ALTERNATE if flags & _FLAG_ALTERNATE else cat.ONE_SIDE,
            hold_in_place=bool(flags & _FLAG_HOLD_IN_PLACE))
    else:
        exercise = cat.get(p.exercise_from_code(code))
        if not tolerance:
            tolerance = dict(exercise.tolerance_deg)
    return ProgrammeSet(exercise, tolerance, reps or None, hold_s or None, holds or None)


def unpack_all(body):
    """The sets of a PROGRAMME request body: count u8, then the packed sets."""
    size = struct.calcsize(p.PROGRAMME_SET)
    if not body or len(body) != 1 + body[0] * size or body[0] > MAX_SETS:
        raise ValueError("programme length")
    return [unpack(body[1 + i * size:1 + (i + 1) * size], i) for i in range(body[0])]
