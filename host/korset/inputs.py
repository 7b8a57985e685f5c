"""What a file says about a set: its recording, and what a session file also knows.

``load(path)`` reads a session file (what the board recorded: the exercise,
its tolerance, when the board took the reference and ended the set) or a CSV
recording (the recording contract, ``korset.recording``; only the samples).
Other devices' CSV exports differ in units and in how the sensor sits: the
options say so (``ACCEL_UNITS``, ``GYRO_UNITS``, ``TIME_UNITS``, and an
alignment string as a board states it, ``korsetfw.align``), and the samples
are converted into the contract here, once, with times counted from the first
sample (Unix time or a logger's uptime work as they are). The checks of
``korset.analysis.checks`` then judge the units from physics (a wrong one is
an InputError naming the option that converts) and refuse a recording with a
gap (``korset.recording.gaps``): it cannot be analysed, replayed or stored as
a session across one. Session files are not checked: the board states its
units, and its lost chunks keep their real times (a file_damage warning).

``exercise(ref, programme)`` turns what a user or a session header names (a
catalogue number, ``reps``, ``hold``, a custom key) into a catalogue exercise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from korset import KorsetError
from korset import session as sess
from korset.analysis import checks as ck
from korset.analysis.checks import CHECKS, Checks
from korset.analysis.result import Note
from korset.recording import (
    STANDARD_GRAVITY,
    Gap,
    Recording,
    filled,
    gaps,
    read_csv,
    typical_step_s,
)
from korsetfw import align
from korsetfw import catalogue as cat
from korsetfw import events as ev

if TYPE_CHECKING:
    from korset.programme import Programme

# Units a CSV may use -> factor to the contract's unit (m/s^2, rad/s, s).
ACCEL_UNITS = {"m/s2": 1.0, "g": STANDARD_GRAVITY, "mg": STANDARD_GRAVITY / 1000}
GYRO_UNITS = {"rad/s": 1.0, "deg/s": np.pi / 180.0}
TIME_UNITS = {"s": 1.0, "ms": 0.001, "us": 1e-6}
DEFAULT_UNITS = {"accel": "m/s2", "gyro": "rad/s", "time": "s"}
CONTRACT_ALIGNMENT = "+X+Y+Z"


class InputError(KorsetError):
    pass


@dataclass
class Loaded:
    """A recording and what its file knows about the set (None: the file does not say)."""

    path: Path
    recording: Recording  # the recording contract: body frame, SI units
    is_session: bool  # a session file (else a CSV recording)
    exercise: int | str | None = None  # as the header names it: number or key
    tolerance_deg: dict[str, float] | None = None  # the board's, per axis
    reference_s: float | None = None  # when the board took the reference
    end_s: float | None = None  # when the board ended the set
    device: str = ""  # the board's unique id
    session: int | None = None  # the board's session number
    start_unix_s: float | None = None  # wall-clock start (None: the board's clock was unset)
    warnings: list[Note] = field(default_factory=list)  # damage to the file, odd data
    t0_s: float = 0.0  # a CSV's first time, s: the recording's times count from it
    gaps: list[Gap] = field(default_factory=list)  # a CSV's gaps (only with allow_gaps)


def load(path: str | Path, *, accel_unit: str | None = None, gyro_unit: str | None = None,
         time_unit: str | None = None, alignment: str | None = None,
         allow_gaps: bool = False, checks: Checks = CHECKS) -> Loaded:
    """Read a session file or a CSV recording. The units and ``alignment`` (body = M @
    sensor) describe a CSV from another device; None: the recording contract's.

    A CSV with a gap is an InputError naming it, unless ``allow_gaps``: then each gap
    is a warning and in ``Loaded.gaps``, for a caller that splits the recording there.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    options = {"--accel-unit": accel_unit, "--gyro-unit": gyro_unit,
               "--time-unit": time_unit, "--alignment": alignment}
    if sess.is_session(path):
        given = [name for name, value in options.items() if value is not None]
        if given:
            raise InputError(f"{path} is a session file, which states its own units and "
                             f"mounting: {', '.join(given)} apply to CSV recordings only")
        return _load_session(path)
    return _load_csv(path, accel_unit or DEFAULT_UNITS["accel"],
                     gyro_unit or DEFAULT_UNITS["gyro"], time_unit or DEFAULT_UNITS["time"],
                     alignment or CONTRACT_ALIGNMENT, allow_gaps, checks)


def _unit(table: dict[str, float], unit: str, option: str) -> float:
    if unit not in table:
        raise InputError(f"{option} {unit!r}: give one of {', '.join(table)}")
    return table[unit]


def _load_csv(path: Path, accel_unit: str, gyro_unit: str, time_unit: str,
              alignment: str, allow_gaps: bool, checks: Checks) -> Loaded:
    accel_scale = _unit(ACCEL_UNITS, accel_unit, "--accel-unit")
    gyro_scale = _unit(GYRO_UNITS, gyro_unit, "--gyro-unit")
    time_scale = _unit(TIME_UNITS, time_unit, "--time-unit")
    try:
        m = np.array(align.matrix(alignment), dtype=float)  # body = m @ sensor
    except ValueError as e:
        raise InputError(f"--alignment: {e} (body x, y, z as signed sensor axes)") from None
    problems: list[str] = []
    raw = read_csv(path, problems)
    warnings = [Note("file_damage", p, {"detail": p}) for p in problems]
    wrong: list[str] = []  # every wrong unit, said at once

    def judge(finding: ck.Finding | None, table: dict[str, float], scale: float) -> float:
        """The scale to go on with: the unit that fits, where the given one does not."""
        if finding is None:
            return scale
        if not finding.error:
            warnings.append(Note(finding.code, finding.text, finding.values))
            return scale
        wrong.append(finding.text)
        fits = finding.values.get("fits")
        return table[fits] if fits else scale

    time_scale = judge(ck.time_unit(raw.t, TIME_UNITS, time_unit, DEFAULT_UNITS["time"],
                                    checks), TIME_UNITS, time_scale)
    if wrong and time_scale == TIME_UNITS[time_unit]:
        raise InputError(f"{path}: {wrong[0]}")  # no time to judge the rest by
    # From the first sample: precise for Unix time too (1.7e9 s, or 1.7e12 ms).
    t = (raw.t - raw.t[0]) * time_scale
    found = gaps(t, checks.gap_steps)
    # Row vectors: (m @ v)^T = v^T @ m^T.
    rec = Recording(t, raw.accel * accel_scale @ m.T, raw.gyro * gyro_scale @ m.T)
    accel_fit = judge(ck.accel_unit(rec.accel, rec.rate_hz, ACCEL_UNITS, accel_unit,
                                    DEFAULT_UNITS["accel"], checks), ACCEL_UNITS, accel_scale)
    if accel_fit != accel_scale:
        rec = Recording(t, raw.accel * accel_fit @ m.T, rec.gyro)
    judge(ck.gyro_unit(rec.t, rec.accel, rec.gyro, GYRO_UNITS, gyro_unit,
                       DEFAULT_UNITS["gyro"], checks), GYRO_UNITS, gyro_scale)
    if wrong:
        raise InputError(f"{path}: " + "; and ".join(wrong))
    bridged = [g for g in found if g.length_s <= checks.bridge_gap_s]
    if bridged:  # a few samples dropped: put back, and said
        found = [g for g in found if g.length_s > checks.bridge_gap_s]
        rec = Recording(*filled(rec.t, rec.accel, rec.gyro, bridged))
        for g in bridged:
            warnings.append(Note("gap_filled", f"{g.describe()}: filled in between the "
                                 "samples either side", {"at_s": round(g.at_s, 3),
                                                         "length_s": round(g.length_s, 3)}))
    if found and not allow_gaps:
        longest = max(found, key=lambda g: g.length_s)
        more = f" ({len(found)} gaps, the longest {longest.length_s:.3g} s)" \
            if len(found) > 1 else ""
        raise InputError(
            f"{path}: {found[0].describe()}{more}, where a sample comes every "
            f"{typical_step_s(t) * 1000:.3g} ms: a recording with a gap cannot be judged, "
            f"replayed or stored as a session across it; split the file there (rows up to "
            f"{found[0].row - 1}, and from {found[0].row}) and give each part on its own")
    for g in found:
        warnings.append(Note("gap", g.describe(), {"at_s": round(g.at_s, 3),
                                                   "length_s": round(g.length_s, 3)}))
    return Loaded(path, rec, False, warnings=warnings, t0_s=float(raw.t[0]) * time_scale,
                  gaps=found)


def _load_session(path: Path) -> Loaded:
    s = sess.read(path)
    header = s.header
    warnings = [Note("file_damage", p, {"detail": p}) for p in s.problems]
    references = [e.t_s for e in s.events if e.code == ev.REFERENCE]
    ends = [e.t_s for e in s.events if e.code == ev.SET_END]
    if len(references) > 1:
        # Taken again on request (the patient settled anew): the board judged from the last.
        warnings.append(Note("reference_again", f"the board took the reference "
                             f"{len(references)} times; the set is judged from the last, at "
                             f"{references[-1]:.1f} s",
                             {"times": len(references), "at_s": round(references[-1], 1)}))
    elif not references and header.get("exercise") is not None:
        warnings.append(Note("no_board_reference", "the board never took a reference (the "
                             "patient was not still in the starting posture): it is found "
                             "from the recording"))
    number = header.get("session")
    tolerance = header.get("tolerance_deg")
    return Loaded(
        path, s.to_recording(), True, exercise=header.get("exercise"),
        tolerance_deg={a: float(v) for a, v in tolerance.items()}
        if isinstance(tolerance, dict) else None,
        reference_s=references[-1] if references else None,
        end_s=ends[-1] if ends else None, device=str(header.get("device") or ""),
        session=int(number) if number is not None else None,
        start_unix_s=sess.start_unix_s(path, header), warnings=warnings)


def exercise(ref: int | str, programme: Programme | None = None) -> cat.Exercise:
    """The exercise ``ref`` names: a catalogue number (1-9, int or digits), ``reps``,
    ``hold``, or the key of a custom exercise in ``programme``."""
    try:
        return programme.lookup(ref) if programme is not None else cat.get(ref)
    except KeyError:
        pass
    valid = "a catalogue number 1-9, reps, hold"
    if programme is not None and programme.exercises:
        valid += ", or a custom one: " + ", ".join(ex.key for ex in programme.exercises)
    elif programme is None:
        valid += ", or a custom exercise's key with --programme FILE"
    raise InputError(f"unknown exercise {ref!r}: give {valid}")
