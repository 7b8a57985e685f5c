"""Offline analysis of one set: orientation, faults, repetitions, holds, quality.

``analyze(recording, exercise)`` takes a recording (recording contract: body
frame, SI units) and an exercise (``korsetfw.catalogue.Exercise``, also a
physiotherapist's custom one) and returns an ``Analysis``
(``korset.analysis.result``). ``korset.inputs`` reads session files
and other devices' CSV exports into recordings.

The steps, each a module of pure functions:

1. ``motion``: still stretches, walking, posture.
2. The reference: given (a session's reference event) or the first second of
   stillness, in the exercise's starting posture where there is one.
3. ``orientation``: attitude relative to the reference, drift removed;
   deviation angles.
4. The judged time: from the reference to the set's end, or to the moment the
   patient left the exercise (walked off, sat up): what follows is not the
   exercise and is not judged.
5. ``holds``, ``reps``: counted on the deviation; ``faults``: episodes beyond
   the tolerance on the exercise's axes, against the reference, or for holds
   that move into a position (exercise 5), against the position held.
"""

from __future__ import annotations

import numpy as np

from korset.analysis import faults as fl
from korset.analysis import holds as hl
from korset.analysis import motion, orientation, reps
from korset.analysis.result import Analysis, Note, Quality, Trace
from korset.recording import Recording
from korsetfw import catalogue as cat

REFERENCE_STILL_S = 1.0  # the reference is taken after this long still (as the board does)
LEAVE_ANGLE_DEG = 35.0  # turned this far from the reference: the patient left the exercise
LEAVE_MIN_S = 1.0
LEAVE_LOOKBACK_S = 3.0  # judging stops up to this long before leaving was detected
TRACE_HZ = 10.0
# A set of the leaflet lasts minutes (at most 20 repetitions of a few seconds, or ten
# holds of ten seconds with rests). A recording judged over more than this (s) holds
# many sets, or a day: it is judged as one set, and the result says so, since the
# counts then are not a set's (record each set on its own, or split the file).
LONG_RECORDING_S = 20 * 60.0


def analyze(recording: Recording, exercise: cat.Exercise, *,
            tolerance_deg: float | dict[str, float] | None = None,
            reference_s: float | None = None, end_s: float | None = None,
            source: str = "", warnings: list[Note] | None = None) -> Analysis:
    """Analyse one set. ``reference_s``/``end_s``: known from the board, else found here."""
    t, accel, gyro = recording.t, recording.accel, recording.gyro
    if len(t) < 10:
        raise ValueError("a recording of fewer than 10 samples cannot be analysed")
    rate = recording.rate_hz
    warnings = list(warnings or [])
    tol = _tolerances(exercise, tolerance_deg)

    quiet = motion.quiet_mask(accel, gyro, rate)
    bias = orientation.gyro_bias(t, gyro, motion.still_mask(quiet, gyro, rate))
    still = motion.still_mask(quiet, gyro, rate, bias)
    bias = orientation.gyro_bias(t, gyro, still)
    gait = motion.gait_mask(accel, gyro, rate)

    ref = _reference(t, accel, still, gait, exercise, reference_s)
    judge_from = ref
    if exercise.key == cat.REPS and reference_s is None:
        # Repetitions of the generic kind need no reference: without one from the board,
        # they are counted from the start (anything smaller than them, like settling in,
        # is too small to count).
        judge_from = 0
    if ref is None:
        # No stillness, no reference: a set never started. Repetitions of the generic
        # kind need no reference (they are counted throughout); nothing else is judged.
        ref = 0
        judge_from = 0 if exercise.key == cat.REPS else len(t)
        if exercise.key == cat.REPS:
            warnings.append(Note("never_still", "the patient was never still for a second, "
                                 "so no reference was taken"))
        else:
            warnings.append(Note("never_still_unjudged", "the patient was never still for a "
                                 "second, so no reference was taken: nothing is judged"))
    before = slice(max(0, ref - int(0.5 * rate)), ref + 1)
    up = accel[before].mean(0)
    up /= max(float(np.linalg.norm(up)), 1e-9)
    posture = motion.posture_of(up, exercise.posture)
    if exercise.posture != cat.ANY and posture != exercise.posture:
        warnings.append(Note("posture", f"the set started {_posture_words(posture)}, not "
                             f"{_posture_words(exercise.posture)} as the exercise begins",
                             {"posture": posture, "expected": exercise.posture}))

    q = orientation.attitude(t, gyro - bias, accel, up, still, rate, ref)
    dev = orientation.deviation_deg(q)

    marked_end = None if end_s is None else int(np.searchsorted(t, end_s, side="right"))
    end = len(t) if marked_end is None else marked_end
    if exercise.key != cat.REPS and judge_from < end:
        end = _left_exercise(t, q, gait, still, judge_from, end, rate, warnings)
    judged = np.zeros(len(t), bool)
    judged[judge_from:end] = True

    # The confidence of the count the exercise has; None for the other (not assessed).
    holds, rep_times, holds_confident = [], [], None
    counted = None
    if exercise.kind == cat.HOLD and not exercise.hold_in_place:
        # Faults are judged against the position held, so the holds come first.
        held = hl.find(t, dev, judged, rate, _min_hold_s(exercise), way=_way(exercise))
        holds, holds_confident = held.holds, held.confident
        monitored, fault_judged = _against_held_position(t, dev, holds)
    else:
        monitored, fault_judged = dev, judged
    found = fl.episodes(t, monitored, fault_judged, tol)
    if exercise.kind == cat.HOLD and exercise.hold_in_place:
        # Held in place (exercise 1): faults are judged against the reference, so they
        # are known first and the holds are found with them bridged (a fault is not
        # the hold's level).
        held = hl.find(t, dev, judged, rate, _min_hold_s(exercise),
                       [(f.start_s, f.end_s) for f in found], way=_way(exercise))
        holds, holds_confident = held.holds, held.confident
    if exercise.kind == cat.REPS:
        gravity = orientation.rotate(orientation.qconj(q), up * np.linalg.norm(
            accel[before].mean(0)))
        counted = reps.count(t, dev, accel, gravity, gait, judged, rate, exercise,
                             end_marked=end == marked_end)
        rep_times = counted.times_s

    judged_s = float(t[end - 1] - t[ref]) if end > ref else 0.0
    if judged_s > LONG_RECORDING_S:
        minutes = round(judged_s / 60.0)
        warnings.append(Note("long_recording", f"{minutes} minutes were judged as one set: "
                             "a set lasts minutes, so this holds many sets; the counts are "
                             "for the whole recording (record each set on its own, or "
                             "split the file, for a result per set)", {"minutes": minutes}))
    outside_s = fl.time_outside_s(t, monitored, fault_judged, tol)
    quality = Quality(
        max_deviation_deg={a: round(float(np.max(np.abs(monitored[fault_judged, i]))), 2)
                           if fault_judged.any() else 0.0
                           for i, a in enumerate(orientation.AXES)},
        time_outside_s=round(outside_s, 2),
        time_outside_pct=round(100 * outside_s / judged_s, 1) if judged_s > 0 else 0.0,
        tempo_s=round(float(np.median(np.diff(rep_times))), 2) if len(rep_times) > 1 else None,
        hold_s_mean=round(float(np.mean([h.duration_s for h in holds])), 2) if holds else None)
    return Analysis(
        exercise=exercise.number if exercise.number is not None else exercise.key,
        exercise_key=exercise.key, name_en=exercise.name_en, name_da=exercise.name_da,
        kind=exercise.kind, source=source, rate_hz=round(rate, 3),
        duration_s=round(float(t[-1] - t[0]), 3), reference_s=round(float(t[ref]), 3),
        set_end_s=round(float(t[end - 1] if end > judge_from else t[ref]), 3),
        tolerance_deg=tol, posture=posture,
        posture_expected=exercise.posture, reps=len(rep_times),
        rep_times_s=[round(float(x), 3) for x in rep_times], holds=holds, faults=found,
        quality=quality, target_reps=tuple(exercise.reps) if exercise.reps else None,
        target_hold_s=tuple(exercise.hold_s) if exercise.hold_s else None, warnings=warnings,
        reps_confident=None if counted is None else counted.confident,
        reps_range=None if counted is None else (counted.low, counted.high),
        holds_confident=holds_confident, trace=_trace(t, dev, rate))


def _way(exercise: cat.Exercise) -> tuple[int, int] | None:
    """The catalogue's way into the hold as (column of the deviation, sign), or None
    (``korsetfw.catalogue_motion``: host-only, so the boards' catalogue stays as small)."""
    from korsetfw.catalogue_motion import HELD_WAYS

    way = HELD_WAYS.get(exercise.key)
    return None if way is None else (orientation.AXES.index(way[0]), int(way[1]))


def _min_hold_s(exercise: cat.Exercise) -> float:
    """Shorter than this is no hold of this exercise: 30 % of its shortest hold."""
    return max(hl.PARAMS.min_hold_s, 0.3 * exercise.hold_s[0] if exercise.hold_s else 0.0)


def _tolerances(exercise: cat.Exercise, tolerance: float | dict[str, float] | None
                ) -> dict[str, float]:
    if tolerance is None:
        return {a: float(v) for a, v in exercise.tolerance_deg.items()}
    if isinstance(tolerance, dict):
        return {a: float(v) for a, v in tolerance.items()}
    axes = exercise.axes or cat.AXES  # a tolerance given for the generic kind: every axis
    return {a: float(tolerance) for a in axes}


def _reference(t, accel, still, gait, exercise, reference_s) -> int | None:
    """The reference sample: given, or after the first second still (in the exercise's
    starting posture where one is still; else the first). None: never still."""
    if reference_s is not None:
        return int(min(np.searchsorted(t, reference_s), len(t) - 1))
    candidates = []
    for a, b in motion.runs(still & ~gait):
        ref = int(np.searchsorted(t, t[a] + REFERENCE_STILL_S))
        if ref < b:
            candidates.append((a, ref))
    if not candidates:
        return None
    if exercise.posture != cat.ANY:
        for a, ref in candidates:
            up = accel[a:ref].mean(0)
            up /= max(float(np.linalg.norm(up)), 1e-9)
            if motion.posture_of(up, exercise.posture) == exercise.posture:
                return ref
    return candidates[0][1]


def _left_exercise(t, q, gait, still, start, end, rate, warnings) -> int:
    """The end of the judged time: ``end``, or earlier if the patient walked off or turned.

    Judging stops where the movement that led away began: walking back from the
    moment it was detected to the last stillness, at most LEAVE_LOOKBACK_S (the
    first steps and the weight shift before them are not the exercise).
    """
    angle = np.degrees(2 * np.arccos(np.clip(np.abs(q[:, 0]), 0.0, 1.0)))
    away = (angle > LEAVE_ANGLE_DEG) | gait
    n = int(LEAVE_MIN_S * rate)
    for a, b in motion.runs(away[start:end]):
        a, b = a + start, b + start
        if b - a < n and b < end:
            continue
        stop = a
        earliest = max(start + 1, a - int(LEAVE_LOOKBACK_S * rate))
        while stop > earliest and not still[stop - 1]:
            stop -= 1
        walked = bool(gait[a:b].mean() > 0.5)
        # Leaving from the first judged sample on: nothing before it is judged (the
        # sample before it is not the set's, and t[-1] would be the recording's end).
        until = t[stop - 1] if stop > start else t[start]
        warnings.append(Note("walked_away" if walked else "moved_away",
                             f"the patient {'walked' if walked else 'moved away'} at "
                             f"{t[a]:.1f} s: the set is judged up to {until:.1f} s",
                             {"at_s": round(float(t[a]), 1),
                              "until_s": round(float(until), 1)}))
        return stop
    return end


def _against_held_position(t, dev, holds):
    """Deviation from the position held, and the judged time: each hold's settled part."""
    monitored = np.full_like(dev, np.nan)
    judged = np.zeros(len(t), bool)
    for h in holds:
        inside = (t >= h.start_s + hl.PARAMS.settle_s) & (t <= h.end_s - hl.PARAMS.settle_s)
        if not inside.any():
            continue
        level = np.median(dev[inside], axis=0)
        h.level_deg = {a: round(float(v), 2) for a, v in zip(orientation.AXES, level,
                                                             strict=True)}
        monitored[inside] = dev[inside] - level
        judged |= inside
    return monitored, judged


def _trace(t, dev, rate) -> Trace:
    step = max(1, int(round(rate / TRACE_HZ)))
    return Trace(rate / step, float(t[0]),
                 {a: dev[::step, i].copy() for i, a in enumerate(orientation.AXES)})


def _posture_words(posture: str) -> str:
    return {cat.SUPINE: "lying on the back", cat.PRONE: "lying on the front",
            cat.SIDE_LYING: "lying on the side", cat.QUADRUPED: "on all fours",
            cat.SITTING: "sitting", cat.STANDING: "standing"}.get(posture, "in another position")
