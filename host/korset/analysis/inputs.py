"""What a file says about a set: its recording, and what a session file also knows.

``load(path)`` reads a session file (what the board recorded: the exercise,
its tolerance, when the board took the reference and ended the set) or a CSV
recording (the recording contract, ``korset.recording``; only the samples).
Other devices' CSV exports differ in units and in how the sensor sits: the
options say so (``ACCEL_UNITS``, ``GYRO_UNITS``, ``TIME_UNITS``, and an
alignment string as a board states it, ``korsetfw.align``), and the samples
are converted into the contract here, once.

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
from korset.analysis.result import Note
from korset.recording import STANDARD_GRAVITY, Recording, read_csv
from korsetfw import align
from korsetfw import catalogue as cat
from korsetfw import events as ev

if TYPE_CHECKING:
    from korset.programme import Programme

# Units a CSV may use -> factor to the contract's unit (m/s^2, rad/s, s).
ACCEL_UNITS = {"m/s2": 1.0, "g": STANDARD_GRAVITY}
GYRO_UNITS = {"rad/s": 1.0, "deg/s": np.pi / 180.0}
TIME_UNITS = {"s": 1.0, "ms": 0.001}
CONTRACT_ALIGNMENT = "+X+Y+Z"

# Gravity is in every recording: a median |accel| outside this range (m/s^2) means the
# unit is wrong (g read as m/s^2 is ~1) or gravity was taken out, and nothing can be judged.
GRAVITY_RANGE_MS2 = (0.5 * STANDARD_GRAVITY, 2.0 * STANDARD_GRAVITY)
# A lower back does not turn this fast (rad/s, ~1150 deg/s): deg/s read as rad/s.
GYRO_IMPLAUSIBLE_RAD_S = 20.0


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


def load(path: str | Path, *, accel_unit: str | None = None, gyro_unit: str | None = None,
         time_unit: str | None = None, alignment: str | None = None) -> Loaded:
    """Read a session file or a CSV recording. The units and ``alignment`` (body = M @
    sensor) describe a CSV from another device; None: the recording contract's."""
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
    return _load_csv(path, accel_unit or "m/s2", gyro_unit or "rad/s", time_unit or "s",
                     alignment or CONTRACT_ALIGNMENT)


def _unit(table: dict[str, float], unit: str, option: str) -> float:
    if unit not in table:
        raise InputError(f"{option} {unit!r}: give one of {', '.join(table)}")
    return table[unit]


def _load_csv(path: Path, accel_unit: str, gyro_unit: str, time_unit: str,
              alignment: str) -> Loaded:
    accel_scale = _unit(ACCEL_UNITS, accel_unit, "--accel-unit")
    gyro_scale = _unit(GYRO_UNITS, gyro_unit, "--gyro-unit")
    time_scale = _unit(TIME_UNITS, time_unit, "--time-unit")
    try:
        m = np.array(align.matrix(alignment), dtype=float)  # body = m @ sensor
    except ValueError as e:
        raise InputError(f"--alignment: {e} (body x, y, z as signed sensor axes)") from None
    raw = read_csv(path)
    # Row vectors: (m @ v)^T = v^T @ m^T.
    rec = Recording(raw.t * time_scale, raw.accel * accel_scale @ m.T,
                    raw.gyro * gyro_scale @ m.T)
    warnings = []
    gravity = float(np.median(np.linalg.norm(rec.accel, axis=1)))
    lo, hi = GRAVITY_RANGE_MS2
    if not lo <= gravity <= hi:
        hint = "in g? give --accel-unit g" if accel_unit != "g" else \
            "already in m/s^2? drop --accel-unit g"
        raise InputError(f"{path}: the acceleration's median magnitude is {gravity:.2f} m/s^2, "
                         f"not about {STANDARD_GRAVITY:.2f} (gravity included): {hint}")
    fastest = float(np.percentile(np.abs(rec.gyro), 99))
    if fastest > GYRO_IMPLAUSIBLE_RAD_S:
        warnings.append(Note("gyro_unit", f"the angular rate reaches {fastest:.0f} rad/s, more "
                             "than a lower back turns: is it in deg/s (--gyro-unit deg/s)?",
                             {"rad_s": round(fastest)}))
    return Loaded(path, rec, False, warnings=warnings)


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
