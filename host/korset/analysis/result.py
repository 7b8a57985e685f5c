"""What an analysis of one set finds: the result every consumer reads.

``korset analyze --json`` prints ``Analysis.to_dict()``; the history store
keeps the same dict (as JSON) and the ``Trace`` (as bytes); reports draw from
both. Times are seconds from the recording's first sample; angles are degrees
of lumbar deviation from the set's reference (catalogue axes: ``flexion``,
``lateral``, ``rotation``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from korsetfw import catalogue as cat

# Bump when the meaning of a key changes; stored with every result. 2: the counts carry
# their confidence (``reps_confident``, ``reps_range``, ``holds_confident``).
SCHEMA = 2

# Notes (codes) that mean the set could not be judged, whatever its figures say: no
# reference was taken (nothing was judged), or the file's angular rate is beyond what a
# lower back does (its unit is wrong, so every angle is). A set whose judged time is empty
# is not judged either (``NOTHING_JUDGED``).
UNJUDGED_NOTES = ("never_still_unjudged", "gyro_unit")
NOTHING_JUDGED = "nothing_judged"


@dataclass(frozen=True)
class Note:
    """Something the analysis noticed that the reader should know (no reference, the
    wrong starting posture, a damaged file): ``code`` names it and ``values`` hold its
    figures, so that a report can word it in its own language; ``text`` is it in
    English."""

    code: str
    text: str
    values: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text

    @classmethod
    def from_dict(cls, d: dict | str) -> Note:
        """From ``to_dict()``'s form; a plain string (results stored before notes had
        codes) is kept as its text."""
        return cls("text", d) if isinstance(d, str) else cls(**d)


@dataclass
class Fault:
    start_s: float
    end_s: float
    peak_deg: float  # signed extreme of the deviation on ``axis``
    axis: str  # catalogue axis


@dataclass
class Hold:
    start_s: float  # halfway into the position
    end_s: float  # halfway out of it
    duration_s: float
    # The position held (axis -> degrees from the reference) when the hold is judged
    # against it (exercise 5's pelvic tilt); None when judged against the reference.
    level_deg: dict[str, float] | None = None


@dataclass
class Quality:
    max_deviation_deg: dict[str, float]  # axis -> largest |deviation| in the judged time
    time_outside_s: float  # judged time with any monitored axis beyond its tolerance
    time_outside_pct: float  # of the judged time
    tempo_s: float | None  # median time from one rep to the next (reps only)
    hold_s_mean: float | None  # mean hold length (holds only)


@dataclass
class Trace:
    """Deviation over time at a low rate, for plots (``columns``: axis -> degrees)."""

    rate_hz: float
    t0_s: float
    columns: dict[str, np.ndarray]

    @property
    def t(self) -> np.ndarray:
        n = len(next(iter(self.columns.values()))) if self.columns else 0
        return self.t0_s + np.arange(n) / self.rate_hz

    def to_bytes(self) -> bytes:
        """Compact form: a JSON-free header line, then int16 centidegrees per axis."""
        axes = [a for a in cat.AXES if a in self.columns]
        head = f"{self.rate_hz!r} {self.t0_s!r} {' '.join(axes)}\n".encode()
        body = np.stack([np.clip(np.round(self.columns[a] * 100), -32768, 32767)
                         for a in axes]).astype("<i2") if axes else np.zeros((0, 0), "<i2")
        return head + body.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Trace:
        head, _, body = data.partition(b"\n")
        parts = head.decode().split()
        rate, t0, axes = float(parts[0]), float(parts[1]), parts[2:]
        values = np.frombuffer(body, dtype="<i2").reshape(len(axes), -1) / 100.0 \
            if axes else np.zeros((0, 0))
        return cls(rate, t0, {a: values[i] for i, a in enumerate(axes)})


@dataclass
class Analysis:
    exercise: int | str  # catalogue number, or key for generic and custom exercises
    exercise_key: str
    name_en: str
    name_da: str
    kind: str  # catalogue REPS or HOLD
    source: str  # file analysed
    rate_hz: float
    duration_s: float  # of the whole recording
    reference_s: float  # when the reference attitude was taken
    set_end_s: float  # end of the judged time
    tolerance_deg: dict[str, float]  # monitored axes
    posture: str  # classified from gravity at the reference
    posture_expected: str  # the exercise's starting posture (catalogue ANY: any)
    reps: int
    rep_times_s: list[float]
    holds: list[Hold]
    faults: list[Fault]
    quality: Quality
    target_reps: tuple[int, int] | None = None
    target_hold_s: tuple[float, float] | None = None
    warnings: list[Note] = field(default_factory=list)
    # How far the counts can be trusted (issue 15). ``reps_range``: the counts the
    # recording allows, [low, high], holding ``reps``; ``reps_confident``: the count is
    # the only one it allows clearly (the range is that one count). ``holds_confident``:
    # the holds found are clearly the holds. None: a result stored before counts carried
    # their confidence (schema 1), not assessed.
    reps_confident: bool | None = None
    reps_range: tuple[int, int] | None = None
    holds_confident: bool | None = None
    trace: Trace | None = None  # not part of to_dict()

    @property
    def posture_ok(self) -> bool:
        return self.posture_expected == cat.ANY or self.posture == self.posture_expected

    @property
    def not_judged(self) -> str | None:
        """Why the set could not be judged: the code of the note that says so
        (``UNJUDGED_NOTES``), or ``NOTHING_JUDGED`` when its judged time is empty; None
        for a judged set. A set not judged has no meaningful counts: its zero faults are
        not a fault-free set."""
        for note in self.warnings:
            if note.code in UNJUDGED_NOTES:
                return note.code
        if self.set_end_s <= self.reference_s:
            return NOTHING_JUDGED
        return None

    @property
    def judged(self) -> bool:
        return self.not_judged is None

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("trace")
        d["schema"] = SCHEMA
        d["posture_ok"] = self.posture_ok
        d["judged"] = self.judged
        d["not_judged"] = self.not_judged
        return d

    @classmethod
    def from_dict(cls, d: dict, trace: Trace | None = None) -> Analysis:
        d = dict(d)
        d.pop("schema", None)
        d.pop("posture_ok", None)
        d.pop("judged", None)
        d.pop("not_judged", None)
        d["holds"] = [Hold(**h) for h in d["holds"]]
        d["faults"] = [Fault(**f) for f in d["faults"]]
        d["quality"] = Quality(**d["quality"])
        d["warnings"] = [Note.from_dict(w) for w in d.get("warnings", [])]
        for key in ("target_reps", "target_hold_s", "reps_range"):
            if d.get(key) is not None:
                d[key] = tuple(d[key])
        return cls(**d, trace=trace)
