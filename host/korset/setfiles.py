"""Analysing a file as a user gives it, and keeping the set in the store and the history.

File reading and storing around the numeric analysis (``korset.analysis``),
which imports neither the history nor the session store.

``analyse(loaded)`` takes what the user did not choose from what the file
knows (a session's exercise and tolerance, when the board took the reference
and ended the set) and runs ``korset.analysis.analyze``. ``save`` puts the
set's session file into the host's session store (a CSV recording becomes
one first) and its analysis into the history. ``record_stored`` analyses a
session already in the store and records it: what ``korset sync`` does for
each session it brings in, as ``korset analyze --save`` does for one file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from korset import session as sess
from korset.analysis import analyze
from korset.analysis.result import Analysis
from korset.history import History, SetRecord, record_session_file
from korset.inputs import InputError, Loaded, exercise, load
from korset.programme import Programme
from korset.sessionstore import SessionStore
from korsetfw.settings import TOLERANCE_RANGE_DEG

_CHOOSE = ("give --exercise N (catalogue number 1-9), reps, hold, or a custom exercise's "
           "key with --programme FILE")


def analyse(loaded: Loaded, exercise_ref: int | str | None = None, *,
            tolerance_deg: float | None = None,
            programme: Programme | None = None) -> Analysis:
    """Analyse ``loaded`` as ``exercise_ref`` (default: the session's exercise) with one
    tolerance for every axis (default: the session's, for its own exercise, else the
    exercise's). ``programme`` defines custom exercises."""
    path = loaded.path
    recorded = None  # the exercise the session was recorded for
    if loaded.exercise is not None:
        try:
            recorded = exercise(loaded.exercise, programme)
        except InputError:
            if exercise_ref is None:
                raise InputError(f"{path} was recorded for exercise {loaded.exercise!r}, "
                                 "which is not in the catalogue: give --programme FILE that "
                                 "defines it, or --exercise") from None
    ex = exercise(exercise_ref, programme) if exercise_ref is not None else recorded
    if ex is None:
        what = "is a free recording (no exercise chosen)" if loaded.is_session else \
            "is a CSV recording, which does not say what exercise it is"
        raise InputError(f"{path} {what}: {_CHOOSE}")
    tolerance: float | dict[str, float] | None = tolerance_deg
    if tolerance_deg is not None:
        lo, hi = TOLERANCE_RANGE_DEG
        if not lo <= tolerance_deg <= hi:
            raise InputError(f"a tolerance of {tolerance_deg:g} degrees: give {lo:g}-{hi:g}")
    elif loaded.tolerance_deg is not None and recorded is not None and ex.key == recorded.key:
        tolerance = loaded.tolerance_deg  # the board's, for the exercise it recorded
    try:
        return analyze(loaded.recording, ex, tolerance_deg=tolerance,
                       reference_s=loaded.reference_s, end_s=loaded.end_s, source=str(path),
                       warnings=loaded.warnings)
    except ValueError as e:  # the analysis's word for a recording it cannot judge
        raise InputError(f"{path}: {e}") from None


def save(loaded: Loaded, analysis: Analysis, store: SessionStore,
         history: History) -> SetRecord:
    """Put the set into ``store`` (a CSV recording as a session file of its exercise and
    tolerance) and ``analysis`` into ``history``. Saving the same file again stores
    nothing new and replaces its result; the same recording stored otherwise (a CSV
    saved as another exercise or with another tolerance is another session file) keeps
    both files in the store and replaces its set in the history
    (``History.add``)."""
    if loaded.is_session:
        data = loaded.path.read_bytes()
    else:
        data = sess.from_recording(loaded.recording, exercise=analysis.exercise,
                                   tolerance_deg=analysis.tolerance_deg or None,
                                   source=loaded.path.name)
    try:
        stored = store.put(data, hashlib.sha256(data).digest())
    except OSError as e:
        raise InputError(f"{store.root}: cannot store the session: {e.strerror or e}") \
            from None
    return record_session_file(history, stored, analysis)


def record_stored(path: str | Path, history: History) -> SetRecord | None:
    """Analyse the session file at ``path`` (in the store) as its header says and record
    it in ``history``. None for a free recording: no exercise, nothing to judge."""
    loaded = load(path)
    if loaded.exercise is None:
        return None
    return record_session_file(history, path, analyse(loaded))
